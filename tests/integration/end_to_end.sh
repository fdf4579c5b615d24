# The thin slice end to end: a case file in, counts out of the analytics server, and no
# identifier from the file anywhere in the database dump, the logs or the reject file.
source "$(dirname "$0")/../lib.sh"
fresh_db e2e
DATA=$ROOT/tests/data/slice.ndjson

status "loading a file with one bad record" 1 "$BIN/wiqaya-etl" load --rejects "$T/rejects.ndjson" "$DATA"
check "the summary counts 6 records, 5 loaded, 1 rejected" grep -q '6 records, 5 loaded, 1 rejected' "$T/last"
cp "$T/last" "$T/load.log"
eq "the reject is E2001 at /victims/0/sex" \
  "$(psql_t -c 'SELECT code, pointer, line FROM warehouse.reject')" "E2001|/victims/0/sex|5"
eq "the reject file says the same" "$(jq -r '.errors[0] | .code + " " + .pointer' "$T/rejects.ndjson")" "E2001 /victims/0/sex"
eq "7 persons (two children linked across agencies)" "$(psql_t -c 'SELECT count(*) FROM warehouse.person')" "7"
eq "one child who harmed, under the child scope" "$(psql_t -c "SELECT count(*) FROM warehouse.person WHERE scope = 'c'")" "1"

integrity "the warehouse has no orphan after the load"
start_server
TOKEN=$(new_token researcher)
eq "healthz reports data version 1" "$(api /healthz | jq -c '[.status, .data_version]')" '["ok",1]'
# The query layer's exact cells (never served: tests/tools/cells.c)...
eq "victims by year: 2024 2, 2025 3" \
  "$(exact 'indicator=victims&dimension=year' | cut -f1,2 | paste -sd' ')" $'2024\t2 2025\t3'
eq "victims by year and sex" \
  "$(exact 'indicator=victims&dimension=year&dimension=sex' | cut -f1-3 | paste -sd' ')" \
  $'2024\tfemale\t1 2024\tmale\t1 2025\tfemale\t2 2025\tmale\t1'
eq "an offence counts a child once per item (2025, girls)" \
  "$(exact 'indicator=victims&dimension=offence&filter=sex:female&from=2025&to=2025' | cut -f1,2 | paste -sd' ')" \
  $'financial_sextortion\t2 grooming\t2 sextortion\t1'
# ... and what the API publishes of them: counts this small, never.
api '/api/v1/analytics?indicator=victims&dimension=year&dimension=sex' >"$T/pub.json"
check "the API publishes every cell of the table, each suppressed (true counts 1-2)" \
  jq -e '(.rows | length) == 8 and ([.rows[][-1]] | unique) == ["suppressed"] and ([.rows[][2:7][]] | unique) == [null]' "$T/pub.json"
eq "labels come in English and Arabic" \
  "$(api '/api/v1/analytics?indicator=victims&dimension=sex' | jq -r '.metaData.items.sex.female.name_ar')" "أنثى"
eq "an unknown indicator is a numbered 400" \
  "$(api '/api/v1/analytics?indicator=nope' | jq .status)" "400"
eq "an unknown item is a numbered 409" \
  "$(api '/api/v1/analytics?indicator=victims&dimension=sex:F' | jq -r '[.status, .code] | @tsv')" "409	Q1003"
eq "too many dimensions is a 409" \
  "$(api '/api/v1/analytics?indicator=victims&dimension=year&dimension=sex&dimension=region&dimension=agency&dimension=status' | jq -r .code)" "Q1005"

# Loading the same file again changes nothing: its rejected record is tried again and
# rejected again (exit 1: the batch still has a rejected record).
status "reloading the same file" 1 "$BIN/wiqaya-etl" load "$DATA"
check "it says it was already loaded, its reject rejected again" \
  grep -q 'already loaded; its 1 rejected records were rejected again; nothing changed' "$T/last"
eq "the data version did not move" "$(api /healthz | jq .data_version)" "1"
eq "still 5 cases" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "5"
stop_server

# No identifier anywhere: database dump, logs, reject file.
dump_db "$T/dump.sql"
check "pg_dump worked" test -s "$T/dump.sql"
identifiers=("فاطمة" "فاطمه" "الزهراني" "الزهرانى" "Lucía" "Lucia" "LUCIA" "Núñez" "Nunez" "NUNEZ" "Omar" "OMAR"
  "Haddad" "HADDAD" "1098765432" "1098-765-432" "2011-04-09" "2010-11-30" "2008-06-02"
  "2025/000417" "H-88213" "S-2024-77" "P5-2024-0001" "2025/000999" "Canary" "CANARY" "Zzyzx"
  "محمد علي" "العتيبي" "H7-2025-31" "$TOKEN" "${TOKEN#wq_}")
leaks=0
for id in "${identifiers[@]}"; do
  for f in "$T/dump.sql" "$T/load.log" "$T/rejects.ndjson" "$T/server.log" "$ROOT/var/pg/postgres.log"; do
    if grep -qF -- "$id" "$f" 2>/dev/null; then leaks=$((leaks + 1)); echo "# $id found in $(basename "$f")"; fi
  done
done
eq "no identifier and no token in the dump, the logs or the reject file (${#identifiers[@]} checked)" "$leaks" "0"
echo "1..$n"
