# The known answers of multiple-systems estimation (wiqaya-stats mse), computed by base R's
# glm on published data sets: Rscript tests/stats/mse.R > tests/stats/mse.ndjson
# (tests/integration/stats.sh runs it again and compares, so the file is always R's).
#
# For each data set and criterion: the forward selection as stats/mse.c does it (from the
# main effects, add the two-list interaction that lowers the criterion most among those
# whose lists share a child; stop when none does; BIC as R's BIC(), over the 2^k - 1
# cells), then the chosen model's estimate of the unseen (exp of the intercept), its
# deviance, AIC, BIC, the intercept's standard error and the Wald interval of the total.
# Also the main-effects model of each. Base R only (no packages).
#
# The data, as published (patterns with no child are zeros here, left out there):
# - UK: the six lists of the UK 2013 strategic assessment of modern slavery (Silverman,
#   Modern slavery: an application of multiple systems estimation, Home Office 2014),
#   and its five-list version (police forces and the National Crime Agency merged);
# - Ned: the Netherlands' six lists of victims of trafficking (Cruyff, van Dijk & van der
#   Heijden 2017), and its five-list version;
# - NewOrl_5: Greater New Orleans, five lists (Bales, Murphy & Silverman 2020);
# - Western: the Western U.S., five lists (Farrell, Dank et al. 2019);
# - Artificial_3: three lists, an artificial table.
# (All as distributed with Chan, Silverman & Vincent's R package SparseMSE.)

sets <- list(
  UK = list(lists = c("LA", "NG", "PF", "GO", "GP", "NCA"), cells = list(
    list("LA", 54), list("NG", 463), list("PF", 907), list("GO", 695), list("GP", 316), list("NCA", 57),
    list(c("LA", "NG"), 15), list(c("LA", "PF"), 19), list(c("LA", "GO"), 3), list(c("NG", "PF"), 56),
    list(c("NG", "GO"), 19), list(c("NG", "GP"), 1), list(c("NG", "NCA"), 3), list(c("PF", "GO"), 69),
    list(c("PF", "GP"), 10), list(c("PF", "NCA"), 31), list(c("GO", "GP"), 8), list(c("GO", "NCA"), 6),
    list(c("GP", "NCA"), 1), list(c("LA", "NG", "PF"), 1), list(c("LA", "NG", "GO"), 1),
    list(c("NG", "PF", "GO"), 4), list(c("NG", "PF", "NCA"), 3), list(c("PF", "GO", "NCA"), 1),
    list(c("LA", "NG", "PF", "GO"), 1))),
  UK_5 = list(lists = c("LA", "NG", "PFNCA", "GO", "GP"), cells = list(
    list("LA", 54), list("NG", 463), list("PFNCA", 995), list("GO", 695), list("GP", 316),
    list(c("LA", "NG"), 15), list(c("LA", "PFNCA"), 19), list(c("LA", "GO"), 3), list(c("NG", "PFNCA"), 62),
    list(c("NG", "GO"), 19), list(c("NG", "GP"), 1), list(c("PFNCA", "GO"), 76), list(c("PFNCA", "GP"), 11),
    list(c("GO", "GP"), 8), list(c("LA", "NG", "PFNCA"), 1), list(c("LA", "NG", "GO"), 1),
    list(c("NG", "PFNCA", "GO"), 4), list(c("LA", "NG", "PFNCA", "GO"), 1))),
  Ned = list(lists = c("I", "K", "O", "P", "R", "Z"), cells = list(
    list(c("I", "O", "P"), 4), list(c("I", "O"), 1), list(c("I", "P", "Z"), 4), list(c("I", "P"), 18),
    list(c("I", "R"), 3), list(c("I", "Z"), 16), list("I", 352), list(c("K", "O"), 1), list(c("K", "P"), 44),
    list(c("K", "Z"), 4), list("K", 1299), list(c("O", "P", "R"), 2), list(c("O", "P", "Z"), 7),
    list(c("O", "P"), 59), list(c("O", "R"), 2), list(c("O", "Z"), 57), list("O", 403),
    list(c("P", "R", "Z"), 1), list(c("P", "R"), 82), list(c("P", "Z"), 125), list("P", 4466),
    list(c("R", "Z"), 2), list("R", 650), list("Z", 632))),
  Ned_5 = list(lists = c("IO", "K", "P", "R", "Z"), cells = list(
    list("IO", 756), list("K", 1299), list("P", 4466), list("R", 650), list("Z", 632),
    list(c("IO", "K"), 1), list(c("IO", "P"), 81), list(c("IO", "R"), 5), list(c("IO", "Z"), 73),
    list(c("K", "P"), 44), list(c("K", "Z"), 4), list(c("P", "R"), 82), list(c("P", "Z"), 125),
    list(c("R", "Z"), 2), list(c("IO", "P", "R"), 2), list(c("IO", "P", "Z"), 11), list(c("P", "R", "Z"), 1))),
  NewOrl_5 = list(lists = c("A", "BEFG", "C", "D", "H"), cells = list(
    list("A", 25), list("BEFG", 24), list("C", 70), list("D", 33), list("H", 21),
    list(c("A", "BEFG"), 1), list(c("A", "C"), 1), list(c("A", "D"), 2), list(c("BEFG", "C"), 2),
    list(c("BEFG", "D"), 2), list(c("BEFG", "H"), 1), list(c("C", "D"), 1), list(c("A", "BEFG", "C"), 1),
    list(c("A", "BEFG", "D"), 1))),
  Western = list(lists = c("A", "B", "C", "D", "E"), cells = list(
    list("A", 52), list("B", 90), list("C", 114), list("D", 45), list("E", 21),
    list(c("A", "C"), 4), list(c("A", "D"), 2), list(c("A", "E"), 5), list(c("B", "C"), 6),
    list(c("B", "D"), 1), list(c("D", "E"), 3), list(c("A", "C", "E"), 1), list(c("B", "C", "D"), 1))),
  Artificial_3 = list(lists = c("A", "B", "C"), cells = list(
    list("A", 40), list("B", 30), list("C", 20), list(c("A", "B"), 6))),
  # Ours: two lists (the Lincoln-Petersen estimate, 40 x 30 / 10 unseen); three lists
  # whose saturated model (every pair) is fitted as given; six sparse independent lists
  # (488 children each alone, 2 for each pair), whose cell of all six is tiny but whose
  # estimate exists.
  Two = list(lists = c("A", "B"), cells = list(list("A", 40), list("B", 30), list(c("A", "B"), 10))),
  Three = list(lists = c("A", "B", "C"), cells = list(
    list("A", 60), list("B", 45), list("C", 30), list(c("A", "B"), 12), list(c("A", "C"), 9),
    list(c("B", "C"), 7), list(c("A", "B", "C"), 3))),
  Sparse_6 = list(lists = c("A", "B", "C", "D", "E", "F"), cells = c(
    lapply(c("A", "B", "C", "D", "E", "F"), function(l) list(l, 488)),
    lapply(combn(c("A", "B", "C", "D", "E", "F"), 2, simplify = FALSE), function(p) list(p, 2))))
)

num <- function(x) sprintf("%.17g", x)
json_str <- function(x) paste0('"', x, '"')
json_strs <- function(x) paste0("[", paste(json_str(x), collapse = ","), "]")

# The full table: one row a pattern 1 .. 2^k - 1 (bit j: list j), a column a list.
table_of <- function(s) {
  k <- length(s$lists)
  w <- 1:(2^k - 1)
  d <- as.data.frame(sapply(0:(k - 1), function(j) as.numeric(bitwAnd(w, 2^j) > 0)))
  names(d) <- s$lists
  d$count <- 0
  for (c in s$cells) {
    p <- sum(2^(match(c[[1]], s$lists) - 1))
    d$count[p] <- c[[2]]
  }
  d
}

fit_of <- function(d, lists, pairs) {
  terms <- c(lists, vapply(pairs, function(p) paste(p, collapse = ":"), ""))
  glm(as.formula(paste("count ~", paste(terms, collapse = " + "))), family = poisson, data = d,
      control = glm.control(epsilon = 1e-12, maxit = 100))
}

crit_of <- function(f, criterion) if (criterion == "aic") AIC(f) else BIC(f)

# A fit whose maximum-likelihood estimate does not exist (an effect driven to infinity, a
# cell's mean to 0, the unseen with it) is left out of the selection, as stats/mse.c leaves
# it out: an effect past e^25, or a total past the statistics' count limit.
exists <- function(f) f$converged && all(abs(coef(f)[-1]) <= 25) &&
  sum(f$y) + exp(coef(f)[1]) <= 4294967294

select <- function(d, lists, criterion) {
  pairs <- list()
  best <- crit_of(fit_of(d, lists, pairs), criterion)
  k <- length(lists)
  repeat {
    add <- NULL
    bc <- best
    for (a in 1:(k - 1)) for (b in (a + 1):k) {
      p <- c(lists[a], lists[b])
      if (any(vapply(pairs, function(q) identical(q, p), TRUE))) next
      if (sum(d$count[d[[p[1]]] == 1 & d[[p[2]]] == 1]) == 0) next
      f <- suppressWarnings(fit_of(d, lists, c(pairs, list(p))))
      if (!exists(f)) next
      v <- crit_of(f, criterion)
      if (v < bc - 1e-9) { bc <- v; add <- p }
    }
    if (is.null(add)) break
    pairs <- c(pairs, list(add))
    best <- bc
  }
  pairs
}

line <- function(name, s, extra, f, pairs) {
  cf <- summary(f)$coefficients
  obs <- sum(s$cells_total)
  se <- cf[1, 2]
  z <- qnorm(0.975)
  model <- paste(sort(vapply(pairs, function(p) paste(p, collapse = ":"), "")), collapse = ",")
  cells <- paste(vapply(s$cells, function(c) sprintf('{"lists":%s,"count":%s}', json_strs(c[[1]]), num(c[[2]])), ""), collapse = ",")
  expect <- c(
    sprintf('{"path": ".unseen", "value": %s, "rel": 1e-6}', num(exp(coef(f)[1]))),
    sprintf('{"path": ".total", "value": %s, "rel": 1e-6}', num(obs + exp(coef(f)[1]))),
    # A saturated model's deviance is 0 up to rounding: held absolutely.
    if (deviance(f) < 1e-8) '{"path": ".deviance", "value": 0, "abs": 1e-8}'
    else sprintf('{"path": ".deviance", "value": %s, "rel": 1e-6}', num(deviance(f))),
    sprintf('{"path": ".aic", "value": %s, "rel": 1e-6}', num(AIC(f))),
    sprintf('{"path": ".bic", "value": %s, "rel": 1e-6}', num(BIC(f))),
    sprintf('{"path": ".coefficients[0].std_error", "value": %s, "rel": 1e-6}', num(se)),
    sprintf('{"path": ".wald_lower", "value": %s, "rel": 1e-6}', num(obs + exp(coef(f)[1] - z * se))),
    sprintf('{"path": ".wald_upper", "value": %s, "rel": 1e-6}', num(obs + exp(coef(f)[1] + z * se))),
    sprintf('{"path": ".interactions | map(join(\\":\\")) | sort | join(\\",\\") == \\"%s\\"", "value": 1, "abs": 0}', model))
  cat(sprintf('{"name": "%s (R glm)", "method": "mse", "input": {"lists": %s, "cells": [%s], %s, "resamples": 0}, "expect": [%s]}\n',
              name, json_strs(s$lists), cells, extra, paste(expect, collapse = ", ")))
}

for (n in names(sets)) {
  s <- sets[[n]]
  s$cells_total <- vapply(s$cells, function(c) c[[2]], 0)
  d <- table_of(s)
  main <- fit_of(d, s$lists, list())
  line(sprintf("MSE %s, main effects", n), s, '"interactions": []', main, list())
  if (n == "Three") {
    every <- combn(s$lists, 2, simplify = FALSE)
    given <- paste(vapply(every, function(p) json_strs(p), ""), collapse = ",")
    line(sprintf("MSE %s, the saturated model given", n), s, sprintf('"interactions": [%s]', given),
         fit_of(d, s$lists, every), every)
  }
  if (length(s$lists) < 3) next
  for (criterion in c("aic", "bic")) {
    pairs <- select(d, s$lists, criterion)
    line(sprintf("MSE %s, forward selection by %s", n, toupper(criterion)), s,
         sprintf('"criterion": "%s"', criterion), fit_of(d, s$lists, pairs), pairs)
  }
}
