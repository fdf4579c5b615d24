# Counting rules that data we did not write exposed: the age rule (reported date without an
# incident, births in the month), one error per fault, censoring before outcome, no orphan
# person after a resubmission, refs never stored, the exit statuses, no adult row in a
# child rate, and the load summary.
source "$(dirname "$0")/../lib.sh"
fresh_db rules

case_json() { # case_json REF REPORTED INCIDENT VICTIMS [INTERVENTIONS]
  local inc=""; [[ -n $3 ]] && inc="\"incident\":\"$3\","
  local iv=""; [[ -n ${5:-} ]] && iv=",\"interventions\":$5"
  echo "{\"agency\":\"DC-POL-01\",\"case_ref\":\"$1\",\"reported\":\"$2\",$inc\"region\":\"DC-01\",\"offences\":[\"grooming\"],\"detection\":\"victim_report\",\"status\":\"reported\",\"victims\":$4$iv}"
}
victim() { # victim REF GIVEN BIRTH [NATIONAL_ID]
  local nid=""; [[ -n ${4:-} ]] && nid=",\"national_id\":\"$4\""
  echo "{\"ref\":\"$1\",\"identity\":{\"given_name\":\"$2\",\"family_name\":\"Testfamily\",\"birth_date\":\"$3\"$nid},\"sex\":\"female\"}"
}
age_of() { psql_t -c "SELECT age FROM warehouse.victim WHERE case_id = (SELECT max(case_id) FROM warehouse.\"case\")"; }

# --- the age rule ---
case_json A-1 2024-04-15 "" "[$(victim V1 Baby 2024-04-08)]" >"$T/a1.ndjson"
status "a baby born a week before the reported date, no incident, is accepted" 0 "$BIN/wiqaya-etl" load "$T/a1.ndjson"
eq "and is age 0" "$(age_of)" "0"
case_json A-2 2024-06-25 "" "[$(victim V1 Older 2010-06-20)]" >"$T/a2.ndjson"
"$BIN/wiqaya-etl" load "$T/a2.ndjson" >/dev/null
eq "without an incident the age is taken at the reported date (14, not 13)" "$(age_of)" "14"
case_json A-3 2024-05 2024-04 "[$(victim V1 Newborn 2024-04-20)]" >"$T/a3.ndjson"
status "a child born in the incident month is accepted" 0 "$BIN/wiqaya-etl" load "$T/a3.ndjson"
eq "as age 0" "$(age_of)" "0"
case_json A-4 2024-06 2024-06 "[$(victim V1 Ten 2014-06-15)]" >"$T/a4.ndjson"
"$BIN/wiqaya-etl" load "$T/a4.ndjson" >/dev/null
eq "with an incident month, the age at its first day (9, born later that month)" "$(age_of)" "9"
case_json A-5 2024-04-15 "" "[$(victim V1 Unborn 2024-04-20)]" >"$T/a5.ndjson"
status "a birth after the reported date is refused" 2 "$BIN/wiqaya-etl" load --rejects "$T/a5.rej" "$T/a5.ndjson"
eq "with E3003 on the identity" "$(jq -r '.errors[] | "\(.code) \(.pointer)"' "$T/a5.rej")" "E3003 /victims/0/identity"

# A rejected victim's intervention gets no second, misleading E3004.
case_json A-6 2024-04-15 "" "[$(victim V1 Unborn 2024-04-20)]" \
  '[{"person":"V1","type":"psychosocial_support","started":"2024-04"}]' >"$T/a6.ndjson"
"$BIN/wiqaya-etl" load --rejects "$T/a6.rej" "$T/a6.ndjson" >/dev/null 2>&1
eq "an intervention of a rejected victim: one error, the real one" \
  "$(jq -r '[.errors[].code] | join(",")' "$T/a6.rej")" "E3003"

# --- the generator plants births in the incident month, and every one loads ---
"$BIN/wiqaya-synth" --seed 21 --cases 6000 --out "$T/syn" >/dev/null
born_in=$(jq -r 'select(.incident) | .incident as $i | .victims[] | select(.identity.birth_date[0:7] == $i) | 1' \
  "$T/syn/cases.ndjson" | wc -l)
check "the generator writes children born in the incident month ($born_in)" test "$born_in" -gt 0
fresh_db rules_syn
status "all 6,000 generated cases load, none rejected" 0 "$BIN/wiqaya-etl" load "$T/syn/cases.ndjson"
check "0 rejected" grep -q ' 0 rejected' "$T/last"

# --- censoring before outcome: a repeat inside the data, follow-up incomplete ---
fresh_db rules_cens
{
  # X: first case 2024-06, again 2024-09; the data end 2025-01: month m+12 = 2025-06 is
  # beyond the data, so the 2024 victim-year is censored even though a repeat was seen.
  case_json X-1 2024-06 2024-06 "[$(victim V1 Xena 2010-01-01 7000001)]"
  case_json X-2 2024-09 2024-09 "[$(victim V1 Xena 2010-01-01 7000001)]"
  # Y: first 2023-01, again 2023-05; m+12 = 2024-01 is inside the data: re-victimised.
  case_json Y-1 2023-01 2023-01 "[$(victim V1 Yara 2011-01-01 7000002)]"
  case_json Y-2 2023-05 2023-05 "[$(victim V1 Yara 2011-01-01 7000002)]"
  # Z: first 2023-02, never again: not re-victimised.
  case_json Z-1 2023-02 2023-02 "[$(victim V1 Zaha 2012-01-01 7000003)]"
  # The last month of data.
  case_json L-1 2025-01 2025-01 "[$(victim V1 Lina 2012-02-02 7000004)]"
} >"$T/cens.ndjson"
"$BIN/wiqaya-etl" load "$T/cens.ndjson" >/dev/null
eq "the 2024 victim-year of X is censored, not re-victimised" \
  "$(psql_t -c "SELECT string_agg(coalesce(revictimised_12m::text, 'null'), ',' ORDER BY region) FROM analytics.victim_year WHERE year = 2024")" "null"
eq "2023: Y re-victimised, Z not" \
  "$(psql_t -c "SELECT string_agg(revictimised_12m::text, ',' ORDER BY months_to_revictimisation NULLS LAST) FROM analytics.victim_year WHERE year = 2023")" "true,false"

# --- resubmission leaves no orphan person; refs are never stored ---
fresh_db rules_resub
case_json R-1 2024-03 "" "[$(victim Canary-Rima Rima 2012-03-03 7100001)]" >"$T/r1.ndjson"
case_json R-1 2024-03 "" "[$(victim V9 Sama 2012-04-04 7100002)]" >"$T/r2.ndjson"
"$BIN/wiqaya-etl" load "$T/r1.ndjson" >/dev/null
dump_db "$T/dump.sql"
check "a ref appears nowhere in the database" bash -c "! grep -q Canary '$T/dump.sql'"
"$BIN/wiqaya-etl" load "$T/r2.ndjson" >/dev/null
eq "the resubmission replaced the victim: one person left" \
  "$(psql_t -c 'SELECT count(*) FROM warehouse.person')" "1"
eq "and no token of the child it no longer names" \
  "$(psql_t -c 'SELECT count(DISTINCT person_id) FROM warehouse.person_token')" "1"
integrity "no orphan after a resubmission"
psql_t -c "INSERT INTO warehouse.person (person_id, scope, linkable, record_key, first_batch)
           SELECT 999999, 'p', true, 1, min(batch_id) FROM warehouse.batch"
eq "integrity() finds a person with no victim or offender row" \
  "$(psql_t -c "SELECT n FROM warehouse.integrity() WHERE problem = 'person without victim or offender'")" "1"
psql_t -c "DELETE FROM warehouse.person WHERE person_id = 999999"

# --- exit statuses, each as docs/data-dictionary.md says ---
fresh_db rules_exit
case_json E-1 2024-03 "" "[$(victim V1 Good 2012-03-03)]" >"$T/good.ndjson"
echo '{"not a case": true}' >"$T/bad.ndjson"
cat "$T/good.ndjson" >"$T/mixed.ndjson"; case_json E-2 2024-03 "" "[$(victim V1 Good2 2012-03-04)]" >>"$T/mixed.ndjson"
echo '{"broken' >>"$T/mixed.ndjson"
status "all loaded: exit 0" 0 "$BIN/wiqaya-etl" load "$T/good.ndjson"
check "the summary names new victims and offenders apart" grep -q '1 new victims, 0 new offenders' "$T/last"
status "already loaded: exit 0" 0 "$BIN/wiqaya-etl" load "$T/good.ndjson"
status "some rejected: exit 1" 1 "$BIN/wiqaya-etl" load "$T/mixed.ndjson"
status "every record rejected: exit 2" 2 "$BIN/wiqaya-etl" load "$T/bad.ndjson"
{ case_json E-3 2024-03 "" "[$(victim V1 Good3 2012-03-05)]"; echo '{"broken'; } >"$T/mixed2.ndjson"
status "any rejected under --atomic: exit 2" 2 "$BIN/wiqaya-etl" load --atomic "$T/mixed2.ndjson"
eq "and nothing of it loaded" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "2"
status "a missing file: exit 2" 2 "$BIN/wiqaya-etl" load "$T/none.ndjson"

# --- support, as offences and technology, holds at most the item cap a child-year: the
# noise is charged for that many cells (server/sensitivity.c); eight types used to be in
# eight cells, charged for four (a red-team review) ---
fresh_db rules_support
types=$(tail -n +2 "$ROOT/config/codelists/intervention_type.csv" | cut -d, -f1 | head -8 |
  jq -R '{person: "V1", type: ., started: "2024-04"}' | jq -cs .)
case_json S-1 2024-03 2024-03 "[$(victim V1 Eight 2012-03-03)]" "$types" >"$T/support.ndjson"
"$BIN/wiqaya-etl" load "$T/support.ndjson" >/dev/null
cap=$(psql_t -c 'SELECT item_cap FROM analytics.data_version')
eq "eight support types in the case, $cap in the child-year (the item cap)" \
  "$(psql_t -c 'SELECT cardinality(support) FROM analytics.victim_year')" "$cap"
eq "so the child-year is in $cap support cells" \
  "$(exact 'indicator=victims&dimension=support' | awk -F'\t' '$2 > 0' | wc -l)" "$cap"

# --- a child rate has no adult row ---
fresh_db rules_rate
{
  case_json C-1 2024-03 2024-03 "[$(victim V1 Child 2012-03-03)]"
  echo '{"agency":"DC-POL-01","case_ref":"C-2","reported":"2024-03","region":"DC-01","offences":["grooming"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","sex":"female","age":19}]}'
} >"$T/rate.ndjson"
printf 'year,region,sex,age,population\n2024,DC-01,female,11,1000\n2024,DC-01,female,19,1000\n' >"$T/pop.csv"
"$BIN/wiqaya-etl" load "$T/rate.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/pop.csv" >/dev/null
eq "victim_rate by age band: only children's bands, no 18+ row" \
  "$(exact 'indicator=victim_rate&dimension=age_band' | cut -f1 | paste -sd,)" "10-12"
eq "victims by age band still count the adult reported for abuse in childhood" \
  "$(exact 'indicator=victims&dimension=age_band' | cut -f1 | paste -sd,)" "10-12,18+"
start_server
TOKEN=$(new_token policy)
eq "the published rate table has the children's bands only (every one, suppressed)" \
  "$(api '/api/v1/analytics?indicator=victim_rate&dimension=age_band' | jq -c '[.rows[][0]]')" '["0-4","5-9","10-12","13-15","16-17"]'
stop_server
echo "1..$n"
