# The quality of each agency's data (wiqaya-etl quality, issue 29): a synthetic agency
# with planted gaps (two months without a case) and a planted outlier (a month of 150 cases
# among months of about 20), another that reports steadily; the report finds the gaps, the
# outlier and nothing else, gives the delays planted, and counts the rejected records by
# error class.
source "$(dirname "$0")/../lib.sh"
fresh_db quality

# case AGENCY REF REPORTED(YYYY-MM-DD) INCIDENT(YYYY-MM) [OFFENCE]
made=0
case_line() {
  made=$((made + 1))
  printf '{"agency":"%s","case_ref":"Q-%s","reported":"%s","incident":"%s","region":"DC-02","offences":["%s"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","identity":{"national_id":"%d"},"sex":"female","age":14}]}\n' \
    "$1" "$2" "$3" "$4" "${5:-grooming}" $((8100000 + made))
}
{
  for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    # DC-POL-02: about 20 a month (19 to 23), none in April and May, 150 in September;
    # each reported on the 15th of a month of abuse ending two months before.
    case $m in 04 | 05) k=0 ;; 09) k=150 ;; *) k=$((19 + 10#$m % 5)) ;; esac
    prev=$(date -d "2024-$m-01 -2 months" +%Y-%m)
    for i in $(seq 1 $k); do case_line DC-POL-02 "P$m-$i" "2024-$m-15" "$prev"; done
    # DC-HOSP-02: 10 a month, every month, reported in the month of abuse.
    for i in $(seq 1 10); do case_line DC-HOSP-02 "H$m-$i" "2024-$m-10" "2024-$m"; done
    # DC-SOC-02: a sparse agency, one case a month, two in June and November: no spread,
    # so no month is an outlier (neither the MAD nor the IQR is above 0).
    case_line DC-SOC-02 "S$m" "2024-$m-05" "2024-$m"
    [[ $m == 06 || $m == 11 ]] && case_line DC-SOC-02 "S$m-b" "2024-$m-05" "2024-$m"
  done
  # Three records the loader rejects: an offence that is not a code.
  for i in 1 2 3; do case_line DC-POL-02 "X$i" "2024-06-15" "2024-05" "not_an_offence"; done
} >"$T/cases.ndjson"
"$BIN/wiqaya-etl" load --no-refresh "$T/cases.ndjson" >"$T/load.out" 2>&1
check "the planted country loads (its three bad records rejected)" grep -q "rejected.*3\|3 rejected" "$T/load.out"

"$BIN/wiqaya-etl" quality --format csv >"$T/q.csv"
eq "one row per agency and month of its span (3 x 12) and a header" "$(wc -l <"$T/q.csv")" 37
col() { awk -F, -v a="$1" -v m="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next } $1 == a && $2 == m { print $k[c] }' "$T/q.csv"; }
eq "the gaps are missing months" "$(awk -F, '$4 == "true" { print $1, $2 }' "$T/q.csv" | paste -sd,)" "DC-POL-02 2024-04,DC-POL-02 2024-05"
eq "the outlier is flagged by the modified z-score and Tukey's fences, and only it" \
  "$(awk -F, 'NR > 1 && $3 > 0 && ($6 == "true" || $7 == "true") { print $1, $2, $6, $7 }' "$T/q.csv" | paste -sd,)" "DC-POL-02 2024-09 true true"
eq "its modified z-score: 0.6745 (150 - 20.5) / 1 (the median of 12 months, their MAD) = 87.35" "$(col DC-POL-02 2024-09 modified_z)" "87.35"
eq "the steady agency has no flag" "$(awk -F, '$1 == "DC-HOSP-02" && ($4 == "true" || $6 == "true" || $7 == "true")' "$T/q.csv" | wc -l)" 0
eq "nor the sparse one, whose months of two are no outliers" "$(awk -F, '$1 == "DC-SOC-02" && ($4 == "true" || $6 == "true" || $7 == "true")' "$T/q.csv" | wc -l)" 0
# The warehouse keeps months, not days: delays are counted in months.
eq "the delay from the abuse to the report, as planted (two months)" "$(col DC-POL-02 2024-03 median_months_abuse_to_report)" "2.0"
eq "and the steady agency's (none)" "$(col DC-HOSP-02 2024-07 median_months_abuse_to_report)" "0.0"
eq "the delay from the report to its submission (the load this month)" "$(col DC-HOSP-02 2024-12 median_months_report_to_submission)" \
  "$(( ($(date +%Y) - 2024) * 12 + 10#$(date +%m) - 12 )).0"

"$BIN/wiqaya-etl" quality --agency DC-POL-02 >"$T/q.txt"
check "the data officer's summary: 10 of 12 months, 1 outlier month, two months' delay" grep -q "^DC-POL-02: 336 cases; 10 of 12 months reported (83%); 1 outlier month; median months from the abuse to the report 2," "$T/q.txt"
check "names each gap" grep -q "^  2024-04  no case: missing data, or none to report?" "$T/q.txt"
check "and the outlier" grep -q "^  2024-09  150 cases: an outlier (modified z 87.3, outside Tukey's fences)" "$T/q.txt"
check "and nothing of the other agencies" bash -c "! grep -qE 'DC-(HOSP|SOC)-02' '$T/q.txt'"
check "the rejected records by error class (a file's, whichever agencies it held)" grep -qE "^  files \(every agency's\)  E2001  3$" "$T/q.txt"
status "an agency that sent nothing" 2 "$BIN/wiqaya-etl" quality --agency DC-POL-09
check "says so (S3012), without echoing what was asked" bash -c "grep -q 'S3012.*the agency asked for sent no case' '$T/last' && ! grep -q DC-POL-09 '$T/last'"
status "an unknown option" 2 "$BIN/wiqaya-etl" quality --format xml

# The same through the intake: an agency's submitter reads its own report, an admin any.
"$BIN/wiqaya-etl" quality --format csv >"$T/all.csv"
"$BIN/wiqaya-etl" quality --agency DC-POL-02 --format csv >"$T/pol.csv"
start_intake
qget() { curl -s -o "$T/body" -w '%{http_code}' ${1:+-H "Authorization: Bearer $1"} "$INTAKE_URL/api/v1/quality${2:+?$2}"; }
POL=$(new_token submitter DC-POL-02)
eq "GET /api/v1/quality: a submitter reads its agency's report" "$(qget "$POL")" "200"
check "the same rows the data officer's CSV has" cmp -s "$T/body" "$T/pol.csv"
eq "another agency's, named: refused alike whether it sent anything (403 I1003)" \
  "$(qget "$POL" agency=DC-HOSP-02; jq -r .code "$T/body") $(qget "$POL" agency=DC-POL-09; jq -r .code "$T/body")" "403I1003 403I1003"
ADMIN=$(new_token admin)
eq "an admin reads every agency's" "$(qget "$ADMIN")" "200"
check "the whole report's rows" cmp -s "$T/body" "$T/all.csv"
eq "or one's" "$(qget "$ADMIN" agency=DC-POL-02)" "200"
eq "an agency that sent nothing: 404 S3012" "$(qget "$ADMIN" agency=DC-POL-09; jq -r .code "$T/body")" "404S3012"
eq "without a token: 401" "$(qget "")" "401"
eq "a researcher's token: 403 (the intake is the agencies')" "$(qget "$(new_token researcher)")" "403"
stop_intake

# The national summary the dashboard's methods page shows (GET /api/v1/data-quality), to
# everyone: the three agencies of the last twelve months, the one with gaps, the median
# delay, the share of the records rejected.
start_server
curl -s "http://127.0.0.1:$TEST_HTTP_PORT/api/v1/data-quality" >"$T/dq.json"
eq "GET /api/v1/data-quality, without a token: the agencies of the twelve months, one with a gap" \
  "$(jq -c '.summary | [.since, .until, .agencies, .agencies_with_gaps]' "$T/dq.json")" '["2024-01","2024-12",3,1]'
eq "the median months from the abuse to the report (DC-POL-02's two, most of the cases)" \
  "$(jq '.summary.median_months_abuse_to_report' "$T/dq.json")" "2"
eq "the share of the records submitted that were rejected" "$(jq '.summary.rejected_share * 1e6 | round' "$T/dq.json")" \
  "$(psql_t -c 'SELECT round(sum(rejected)::numeric / sum(records) * 1e6) FROM warehouse.batch')"
stop_server

fresh_db quality_empty
status "an empty warehouse" 2 "$BIN/wiqaya-etl" quality
check "says so (S3012)" grep -q "S3012.*no case yet" "$T/last"
echo "1..$n"
