# Reads one dataflow of the published product four ways and writes each as the same
# normalised table (key, year, value, lower, upper, confidentiality), one file each, for
# tests/integration/sdmx.sh to compare: the JSON API's answer (jsonlite), SDMX-ML generic
# data with its structure (rsdmx), SDMX-CSV 2.0 (read.csv) and SDMX-JSON 2.0 (jsonlite).
# Usage: Rscript sdmx_read.R DSD.xml API.json DATA.xml DATA.csv DATA.json OUTDIR
suppressPackageStartupMessages({ library(rsdmx); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
out <- args[6]

# The structure, as rsdmx reads it: the dimensions in order.
dsd <- readSDMX(file = args[1], isURL = FALSE)
dims <- sapply(slot(slot(dsd, "datastructures"), "datastructures")[[1]]@Components@Dimensions,
               function(d) d@conceptRef)
writeLines(dims, file.path(out, "dims.txt"))
codes <- as.data.frame(slot(dsd, "codelists"), codelistId = "CL_AGE_BAND")
writeLines(as.character(codes$id), file.path(out, "age_codes.txt"))

# 15 significant digits: rsdmx reads an observation's value through a conversion that keeps
# no more (the JSON API and the other formats write 17).
num <- function(x) ifelse(is.na(x) | x == "", "", sprintf("%.15g", as.numeric(x)))
norm <- function(key, year, value, lower, upper, conf) {
  d <- data.frame(key = key, year = as.integer(year), value = num(value),
                  lower = num(lower), upper = num(upper), conf = conf)
  d[order(d$key, d$year), ]
}
save <- function(d, name)
  write.table(d, file.path(out, name), sep = "\t", quote = FALSE, row.names = FALSE)
keyof <- function(frame) apply(frame[, dims, drop = FALSE], 1, paste, collapse = ".")

# The JSON API: its rows by their headers; a column the table lacks is its total.
api <- fromJSON(args[2], simplifyVector = FALSE)
hdr <- sapply(api$headers, function(h) h$name)
rows <- lapply(api$rows, function(r) { r[sapply(r, is.null)] <- NA; r })
col <- function(name) sapply(rows, function(r) r[[match(name, hdr)]])
frame <- data.frame(INDICATOR = rep(toupper(api$indicator$id), length(rows)))
for (d in dims[-1]) {
  name <- tolower(d)
  frame[[d]] <- if (name %in% hdr) gsub("+", "_PLUS", as.character(col(name)), fixed = TRUE) else "_T"
}
status <- col("cell_status")
save(norm(keyof(frame), col("year"), col("value"), col("lower"), col("upper"),
          ifelse(status == "suppressed", "C", "F")), "api.tsv")

# SDMX-ML generic data, read by rsdmx.
ml <- as.data.frame(readSDMX(file = args[3], isURL = FALSE))
for (a in c("obsValue", "LOWER_BOUND", "UPPER_BOUND")) if (!a %in% names(ml)) ml[[a]] <- NA
save(norm(keyof(ml), ml$obsTime, ml$obsValue, ml$LOWER_BOUND, ml$UPPER_BOUND, ml$CONF_STATUS),
     "ml.tsv")

# SDMX-CSV 2.0.
cs <- read.csv(args[4], colClasses = "character", check.names = FALSE)
stopifnot(all(cs$STRUCTURE == "dataflow"), all(cs$ACTION == "I"))
save(norm(keyof(cs), cs$TIME_PERIOD, cs$OBS_VALUE, cs$LOWER_BOUND, cs$UPPER_BOUND,
          cs$CONF_STATUS), "csv.tsv")

# SDMX-JSON 2.0: an observation's key indexes each dimension's values; its array is the
# value, then the attributes' indexes.
js <- fromJSON(args[5], simplifyVector = FALSE)
st <- js$data$structures[[1]]
odims <- st$dimensions$observation
attrs <- st$attributes$observation
aid <- sapply(attrs, function(a) a$id)
obs <- js$data$dataSets[[1]]$observations
pick <- function(a, i) if (is.null(i)) NA else {
  v <- attrs[[match(a, aid)]]$values[[i + 1]]; if (!is.null(v$value)) v$value else v$id }
parts <- lapply(strsplit(names(obs), ":"), as.integer)
val <- function(p, k) odims[[k]]$values[[p[k] + 1]]$id
jframe <- as.data.frame(setNames(lapply(seq_along(dims), function(k) sapply(parts, val, k = k)), dims))
tp <- match("TIME_PERIOD", sapply(odims, function(d) d$id))
o <- unname(obs)
save(norm(keyof(jframe), sapply(parts, val, k = tp),
          sapply(o, function(x) if (is.null(x[[1]])) NA else x[[1]]),
          sapply(o, function(x) pick("LOWER_BOUND", x[[4]])),
          sapply(o, function(x) pick("UPPER_BOUND", x[[5]])),
          sapply(o, function(x) pick("CONF_STATUS", x[[3]]))), "json.tsv")
