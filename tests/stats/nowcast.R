# The known answers of the nowcast (wiqaya-stats nowcast), computed by base R's glm:
# Rscript tests/stats/nowcast.R > tests/stats/nowcast.ndjson (tests/integration/stats.sh
# runs it again and compares). The Poisson model of a reporting triangle,
# glm(count ~ factor(period) + factor(delay), family = poisson), fitted to the observed
# cells; each period's nowcast is its observed count plus the predicted missing cells;
# the deviance and the Pearson dispersion. stats/nowcast.c computes the same fit in closed
# form (the chain ladder): this holds the two to each other. Base R only.
#
# The triangles, as published (cumulative there, incremental here):
# - GenIns: Taylor & Ashe (1983), the general insurance triangle of Mack (1993) and
#   England & Verrall (1999); its chain-ladder reserve is 18,680,856;
# - UKMotor: a UK motor insurer's paid claims (Christofides 1997).
# (As distributed with R's ChainLadder package.)

cumulative <- list(
  GenIns = list(
    c(357848, 1124788, 1735330, 2218270, 2745596, 3319994, 3466336, 3606286, 3833515, 3901463),
    c(352118, 1236139, 2170033, 3353322, 3799067, 4120063, 4647867, 4914039, 5339085),
    c(290507, 1292306, 2218525, 3235179, 3985995, 4132918, 4628910, 4909315),
    c(310608, 1418858, 2195047, 3757447, 4029929, 4381982, 4588268),
    c(443160, 1136350, 2128333, 2897821, 3402672, 3873311),
    c(396132, 1333217, 2180715, 2985752, 3691712),
    c(440832, 1288463, 2419861, 3483130),
    c(359480, 1421128, 2864498),
    c(376686, 1363294),
    c(344014)),
  UKMotor = list(
    c(3511, 6726, 8992, 10704, 11763, 12350, 12690),
    c(4001, 7703, 9981, 11161, 12117, 12746),
    c(4355, 8287, 10233, 11755, 12993),
    c(4295, 7750, 9773, 11093),
    c(4150, 7897, 10217),
    c(5102, 9650),
    c(6283)))

num <- function(x) sprintf("%.17g", x)

for (n in names(cumulative)) {
  rows <- lapply(cumulative[[n]], function(c) diff(c(0, c)))
  D <- length(rows[[1]])
  d <- do.call(rbind, lapply(seq_along(rows), function(t)
    data.frame(period = t, delay = seq_along(rows[[t]]), count = rows[[t]])))
  f <- glm(count ~ factor(period) + factor(delay), family = poisson, data = d,
           control = glm.control(epsilon = 1e-14, maxit = 100))
  missing <- do.call(rbind, lapply(seq_along(rows), function(t) {
    k <- length(rows[[t]])
    if (k == D) return(NULL)
    data.frame(period = t, delay = (k + 1):D)
  }))
  missing$count <- predict(f, newdata = missing, type = "response")
  estimate <- vapply(seq_along(rows), function(t) sum(rows[[t]]) + sum(missing$count[missing$period == t]), 0)
  dispersion <- sum(residuals(f, type = "pearson")^2) / df.residual(f)
  triangle <- paste(vapply(rows, function(r) paste0("[", paste(num(r), collapse = ","), "]"), ""), collapse = ",")
  expect <- c(
    vapply(seq_along(rows), function(t)
      sprintf('{"path": ".periods[%d].estimate", "value": %s, "rel": 1e-9}', t - 1, num(estimate[t])), ""),
    sprintf('{"path": "[.periods[] | .estimate - .observed] | add", "value": %s, "rel": 1e-9}', num(sum(missing$count))),
    sprintf('{"path": ".deviance", "value": %s, "rel": 1e-9}', num(deviance(f))),
    sprintf('{"path": ".dispersion", "value": %s, "rel": 1e-9}', num(dispersion)),
    sprintf('{"path": ".df_residual", "value": %s, "abs": 0}', num(df.residual(f))))
  cat(sprintf('{"name": "nowcast %s (R glm, the chain ladder)", "method": "nowcast", "input": {"triangle": [%s], "resamples": 0}, "expect": [%s]}\n',
              n, triangle, paste(expect, collapse = ", ")))
}
