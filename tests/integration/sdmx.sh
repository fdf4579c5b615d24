# SDMX (issue 30, docs/releases.md "SDMX"): a published release of a synthetic country read
# back in R: the structure by rsdmx, each dataflow's SDMX-ML generic data by rsdmx,
# SDMX-CSV by read.csv and SDMX-JSON by jsonlite, every number the JSON API's; keys and
# periods select; a release's data are the same bytes while new data arrive.
source "$(dirname "$0")/../lib.sh"
fresh_db sdmx
load_country 9 3000
printf '[disclosure]\nofficial_releases = true\n' >>"$CONF"
read -r first last < <(psql_t -F' ' -c "SELECT first_year, last_year FROM analytics.data_version")
for a in $(tail -n +2 config/codelists/agencies.csv | cut -d, -f1); do
  "$BIN/wiqaya-etl" approve "$a" "$first-$last" >/dev/null
done
"$BIN/wiqaya-server" release create >/dev/null
"$BIN/wiqaya-server" release publish 1 >/dev/null
start_server
S="http://127.0.0.1:$TEST_HTTP_PORT/api/v1/sdmx"
A="http://127.0.0.1:$TEST_HTTP_PORT/api/v1/analytics"

curl -s "$S/datastructure/WIQAYA/DSD_WIQAYA/1.0" >"$T/dsd.xml"
curl -s "$S/dataflow/WIQAYA" >"$T/flows.xml"
eq "one dataflow per base table of the product" "$(grep -o '<structure:Dataflow ' "$T/flows.xml" | wc -l)" \
  "$(grep -c '^indicator=' config/public_tables.txt)"
check "references=all adds the structure" bash -c "curl -s '$S/dataflow/WIQAYA/DF_VICTIMS_BY_SEX?references=all' | grep -q '<structure:DataStructure id=\"DSD_WIQAYA\"'"

# flow FLOW API-QUERY: the dataflow in the three formats and the JSON API's table, read in R.
flow() {
  local d="$T/$1"
  mkdir -p "$d"
  curl -s "$S/data/$1" >"$d/data.xml"
  curl -s "$S/data/$1?format=csv" >"$d/data.csv"
  curl -s -H 'Accept: application/vnd.sdmx.data+json;version=2.0.0' "$S/data/$1" >"$d/data.json"
  curl -s "$A?$2&release=1" >"$d/api.json"
  Rscript "$ROOT/tests/integration/sdmx_read.R" "$T/dsd.xml" "$d/api.json" "$d/data.xml" \
    "$d/data.csv" "$d/data.json" "$d" >"$d/r.log" 2>&1 || { cat "$d/r.log"; return 1; }
}
for f in "DF_VICTIMS_BY_SEX indicator=victims&dimension=year&dimension=sex" \
         "DF_VICTIM_RATE_BY_REGION_AGE_BAND indicator=victim_rate&dimension=year&dimension=region&dimension=age_band" \
         "DF_CASES_BY_OFFENCE indicator=cases&dimension=year&dimension=offence"; do
  set -- $f
  check "R reads $1 in every format" flow "$1" "$2"
  d=$T/$1
  eq "$1: the JSON API has rows" "$(($(wc -l <"$d/api.tsv") > 10))" 1
  check "$1: SDMX-ML read by rsdmx has the JSON API's numbers, cell for cell" cmp "$d/api.tsv" "$d/ml.tsv"
  check "$1: so does SDMX-CSV" cmp "$d/api.tsv" "$d/csv.tsv"
  check "$1: and SDMX-JSON" cmp "$d/api.tsv" "$d/json.tsv"
done
d=$T/DF_VICTIM_RATE_BY_REGION_AGE_BAND
eq "rsdmx reads the structure's dimensions in order, TIME_PERIOD apart" "$(paste -sd, "$T/DF_VICTIMS_BY_SEX/dims.txt")" \
  "INDICATOR,REGION,SEX,AGE_BAND,OFFENCE,DETECTION,STATUS,SUPPORT,OFFENDER_GROUP"
check "an age band's + is _PLUS in SDMX ids (18+ is 18_PLUS)" grep -qx '18_PLUS' "$T/DF_VICTIMS_BY_SEX/age_codes.txt"
check "a suppressed cell is confidential, with no value" bash -c "awk -F'\t' '\$6 == \"C\" && \$3 == \"\"' '$d/ml.tsv' | grep -q ."
eq "and no published cell is" "$(awk -F'\t' 'NR > 1 && $6 == "C" && $3 != ""' "$d/ml.tsv" | wc -l)" 0

eq "a table of four columns is a dataflow like any (the grammar's limits are a token's)" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$S/data/DF_VICTIMS_BY_REGION_SEX_AGE_BAND?format=csv&startPeriod=$last")" 200
eq "every dataflow answers" "$(grep -o 'Dataflow id="[^"]*"' "$T/flows.xml" | cut -d'"' -f2 | while read -r f; do
  curl -s -o /dev/null -w '%{http_code}\n' "$S/data/$f?format=csv&startPeriod=$last"; done | sort | uniq -c | awk '{ print $2 "x" $1 }')" \
  "200x$(grep -c '^indicator=' config/public_tables.txt)"

# Keys and periods.
curl -s "$S/data/DF_VICTIMS_BY_SEX/VICTIMS._T.female+male......?format=csv&startPeriod=2020&endPeriod=2022" >"$T/sel.csv"
eq "a key and a period select: 2 sexes x 3 years" "$(tail -n +2 "$T/sel.csv" | wc -l)" 6
eq "the sexes asked" "$(tail -n +2 "$T/sel.csv" | cut -d, -f6 | sort -u | paste -sd,)" "female,male"
eq "a key of the wrong length is 400 (X1003)" "$(curl -s "$S/data/DF_VICTIMS_BY_SEX/VICTIMS.female" | jq -r .code)" X1003
eq "a dataflow that does not exist is 404 (X1001)" "$(curl -s -o /dev/null -w '%{http_code}' "$S/data/DF_NOPE")" 404
eq "nor does another agency's" "$(curl -s -o /dev/null -w '%{http_code}' "$S/data/ESTAT,DF_VICTIMS_BY_SEX,1.0")" 404
eq "a format SDMX has no name for is 400 (X1002)" "$(curl -s "$S/data/DF_VICTIMS_BY_SEX?format=xls" | jq -r .code)" X1002
eq "the full reference, agency and version, is the same data" \
  "$(curl -s "$S/data/WIQAYA,DF_VICTIMS_BY_SEX,1.0/all?format=csv" | md5sum)" "$(md5sum <"$T/DF_VICTIMS_BY_SEX/data.csv")"

# A release's data never change.
curl -s -D "$T/h1" -o "$T/x1" "$S/data/DF_CASES_BY_OFFENCE"
"$BIN/wiqaya-synth" --seed 10 --cases 200 --out "$T/syn10" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn10/cases.ndjson" >/dev/null
curl -s -D "$T/h2" -o "$T/x2" "$S/data/DF_CASES_BY_OFFENCE"
check "new data arrive and the release's SDMX is the same bytes" cmp "$T/x1" "$T/x2"
eq "with the same ETag" "$(grep -i '^etag' "$T/h2")" "$(grep -i '^etag' "$T/h1")"

# ---- the UN-CTS return (docs/releases.md) ----
y=$((last - 1))
status "export uncts writes the workbook and the CSV" 0 "$BIN/wiqaya-server" export uncts --year "$y" --out "$T"
cat >"$T/xlsx.R" <<'R'
suppressPackageStartupMessages(library(readxl))
args <- commandArgs(trailingOnly = TRUE)
cat(paste(excel_sheets(args[1]), collapse = ","), "\n", sep = "", file = file.path(args[2], "sheets.txt"))
# Each table's cells as the CSV has them: table, row label, column label, value ("c" withheld).
off <- read_excel(args[1], sheet = "Table 1 Offences", skip = 3, col_types = "text")
write.table(data.frame(code = off[["National offence (code)"]], iccs = off[["ICCS code"]],
                       value = off[["Offences recorded"]]), file.path(args[2], "t1.tsv"),
            sep = "\t", quote = FALSE, row.names = FALSE)
vic <- read_excel(args[1], sheet = "Table 2 Victims", skip = 3, col_types = "text")
write.table(vic, file.path(args[2], "t2.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
# The cells shown with an asterisk, by table: those whose style's number format ends in a
# quoted "*" (styles.xml), counted in each table's sheet (sheets 2 to 4; 1 is the notes).
x <- tempfile(); dir.create(x); unzip(args[1], exdir = x)
slurp <- function(...) paste(readLines(file.path(x, "xl", ...), warn = FALSE), collapse = "")
styles <- slurp("styles.xml")
fmt <- regmatches(styles, gregexpr('<numFmt numFmtId="[0-9]+" formatCode="[^"]*&quot;\\*&quot;"', styles))[[1]]
ids <- sub('.*numFmtId="([0-9]+)".*', "\\1", fmt)
xfs <- regmatches(styles, regexpr("<cellXfs.*?</cellXfs>", styles, perl = TRUE))
xf <- regmatches(xfs, gregexpr("<xf [^>]*>", xfs, perl = TRUE))[[1]]
star <- which(sapply(xf, function(f) any(sapply(ids, function(i) grepl(sprintf('numFmtId="%s"', i), f))))) - 1
stars <- sapply(2:4, function(k) {
  s <- slurp("worksheets", sprintf("sheet%d.xml", k))
  if (!length(star)) return(0)
  sum(lengths(regmatches(s, gregexpr(sprintf('<c r="[A-Z]+[0-9]+" s="(%s)"', paste(star, collapse = "|")), s))))
})
cat(paste(stars, collapse = ","), "\n", sep = "", file = file.path(args[2], "stars.txt"))
notes <- read_excel(args[1], sheet = "Notes", col_names = FALSE, col_types = "text")
cat(any(grepl("^\\*: an unreliable figure", notes[[1]])), "\n", sep = "", file = file.path(args[2], "star_note.txt"))
R
check "R's readxl opens it" Rscript "$T/xlsx.R" "$T/uncts-$y.xlsx" "$T"
eq "its sheets are the notes and the three tables" "$(cat "$T/sheets.txt")" "Notes,Table 1 Offences,Table 2 Victims,Table 3 Justice"
# The workbook's offences equal the CSV's, code by code ("c" where the CSV has none).
eq "table 1: the workbook's numbers are the CSV's" \
  "$(tail -n +2 "$T/t1.tsv" | awk -F'\t' '{ print $1 "," ($3 == "c" ? "" : $3) }')" \
  "$(awk -F, '$1 == "Table 1 Offences" { print $2 "," $4 }' "$T/uncts-$y.csv")"
eq "every offence carries its ICCS code from the code list" \
  "$(tail -n +2 "$T/t1.tsv" | cut -f1,2 | tr '\t' ,)" "$(tail -n +2 config/codelists/offences.csv | awk -F, '{ print $1 "," $NF }')"
eq "table 2: the workbook's female row is the CSV's" \
  "$(awk -F'\t' '$1 == "Female"' "$T/t2.tsv" | cut -f2- | tr '\t' '\n' | sed 's/^c$//' | paste -sd,)" \
  "$(awk -F, '$1 == "Table 2 Victims" && $2 == "female" { print $4 }' "$T/uncts-$y.csv" | paste -sd,)"
# The CSV's numbers are the JSON API's answers of the release.
eq "the victims by sex are the API's" \
  "$(awk -F, '$1 == "Table 2 Victims" && $3 == "total" { print $2 "=" $4 }' "$T/uncts-$y.csv" | paste -sd,)" \
  "$(curl -s "$A?indicator=victims&dimension=sex&from=$y&to=$y&release=1" | jq -r '[.rows[] | "\(.[0])=\(if .[6] == "suppressed" then "" else .[1] end)"] | join(",")')"
eq "the offences are the API's" \
  "$(awk -F, '$1 == "Table 1 Offences" { print $2 "=" $4 }' "$T/uncts-$y.csv" | paste -sd,)" \
  "$(curl -s "$A?indicator=cases&dimension=offence&from=$y&to=$y&release=1" | jq -r '[.rows[] | "\(.[0])=\(if .[6] == "suppressed" then "" else .[1] end)"] | join(",")')"
unreliable=$(awk -F, '$NF == "unreliable" { n[$1]++ } END { print n["Table 1 Offences"] + 0 "," n["Table 2 Victims"] + 0 "," n["Table 3 Justice"] + 0 }' "$T/uncts-$y.csv")
check "some figures of the return are unreliable ($unreliable by table)" test "$(awk -F, '{ print $1 + $2 + $3 }' <<<"$unreliable")" -gt 0
eq "the workbook shows each unreliable figure, and only those, with an asterisk" "$(cat "$T/stars.txt")" "$unreliable"
eq "and its notes say what the asterisk means" "$(cat "$T/star_note.txt")" TRUE
eq "a cell withheld by the release is withheld in the return" \
  "$(awk -F, '$1 ~ /^Table/ && $7 == "suppressed" && $4 != ""' "$T/uncts-$y.csv" | wc -l)" 0
status "a year the release does not hold" 2 "$BIN/wiqaya-server" export uncts --year 2040 --out "$T"
check "is U1001" grep -q U1001 "$T/last"
