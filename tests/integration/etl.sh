# The ETL pipeline: numbered errors for a corpus of bad records (NDJSON and CSV), --atomic,
# resubmission, CSV = NDJSON, population files, kill -9 at random moments, concurrent loads.
source "$(dirname "$0")/../lib.sh"
BAD=$ROOT/tests/data/bad

# Everything a load leaves, written so that two warehouses compare equal whatever ids
# their sequences handed out: cases by key, persons as the partition of their records.
snapshot() {
  psql_t -c "SELECT encode(case_key, 'hex'), agency, reported, incident, region, offences, technology,
                    detection, financial, status, revision FROM warehouse.\"case\" ORDER BY 1" \
         -c "SELECT encode(c.case_key, 'hex'), v.seq, v.sex, v.age, v.gender_identity, v.sexual_orientation,
                    v.ethnicity, v.disability, v.migrant_status, v.economic_status, v.education_status,
                    v.relationship FROM warehouse.victim v JOIN warehouse.\"case\" c USING (case_id) ORDER BY 1, 2" \
         -c "SELECT encode(c.case_key, 'hex'), o.seq, o.sex, o.age, o.child
               FROM warehouse.offender o JOIN warehouse.\"case\" c USING (case_id) ORDER BY 1, 2" \
         -c "SELECT string_agg(encode(c.case_key, 'hex') || ':' || x.role || x.seq, ',' ORDER BY c.case_key, x.role, x.seq)
               FROM (SELECT case_id, 'v' AS role, seq, person_id FROM warehouse.victim UNION ALL
                     SELECT case_id, 'o', seq, person_id FROM warehouse.offender) x
               JOIN warehouse.\"case\" c USING (case_id) GROUP BY x.person_id ORDER BY 1" \
         -c "SELECT encode(token, 'hex'), kind, key_version FROM warehouse.person_token ORDER BY 1" \
         -c "SELECT count(*) FILTER (WHERE merged_into IS NULL), count(*) FILTER (WHERE linkable)
               FROM warehouse.person p WHERE EXISTS (SELECT 1 FROM warehouse.victim v WHERE v.person_id = p.person_id)
                  OR EXISTS (SELECT 1 FROM warehouse.offender o WHERE o.person_id = p.person_id)" \
         -c "SELECT count(*) FROM analytics.victim_year"
}

# --- the corpus of bad records: each gets its code and pointer (or column), nothing else is lost
fresh_db etl_bad
status "the NDJSON corpus loads its good records" 1 "$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$BAD/cases.ndjson"
check "74 records, 2 loaded, 72 rejected" grep -q '74 records, 2 loaded, 72 rejected' "$T/last"
jq -r '.line as $l | .errors[] | "\($l)\t\(.code)\t\(.pointer)"' "$T/rej.ndjson" >"$T/got.tsv"
missing=$(grep -v '^#' "$BAD/cases.expected.tsv" | while IFS=$'\t' read -r l c p; do
  grep -qxF "$l"$'\t'"$c"$'\t'"$p" "$T/got.tsv" || echo "$l $c $p"; done)
eq "every bad NDJSON record has its expected code and pointer (72)" "$missing" ""
eq "every error code of case-record.md occurs in the corpus" \
  "$(grep -v '^#' "$BAD/cases.expected.tsv" "$BAD/cases_csv.expected.tsv" -h | cut -f2 | sort -u | tr '\n' ' ')" \
  "E1001 E1002 E1003 E1004 E1005 E1006 E2001 E3001 E3002 E3003 E3004 E3005 E3006 E3007 E3008 "
eq "the reject table holds the same errors" "$(psql_t -c 'SELECT count(DISTINCT record_no) FROM warehouse.reject')" "72"
check "messages name the allowed codes with their labels" grep -q 'is not a code of list sex: female (Female), male (Male), intersex (Intersex), unknown (Unknown)' "$T/rej.ndjson"
check "no submitted value is echoed (the corpus's names are absent)" bash -c "! grep -qE 'Hala|Nasser|nonsense|5551234' '$T/rej.ndjson'"
status "the CSV corpus loads its good case" 1 "$BIN/wiqaya-etl" load --rejects "$T/rejc.ndjson" "$BAD/cases.csv"
jq -r '.row as $l | .errors[] | "\($l)\t\(.code)\t\(.pointer)"' "$T/rejc.ndjson" >"$T/gotc.tsv"
missing=$(grep -v '^#' "$BAD/cases_csv.expected.tsv" | while IFS=$'\t' read -r l c p; do
  grep -qxF "$l"$'\t'"$c"$'\t'"$p" "$T/gotc.tsv" || echo "$l $c $p"; done)
eq "every bad CSV case has its expected code and column (19)" "$missing" ""
printf 'agency,case_ref,colour\nDC-POL-01,X,red\n' >"$T/unknown.csv"
status "an unknown CSV column stops the file" 2 "$BIN/wiqaya-etl" load "$T/unknown.csv"
check "with E1006 naming the column" grep -q 'E1006.*unknown column' "$T/last"
integrity "no orphan after the bad corpora"

# --- --atomic: any error and nothing loads
fresh_db etl_atomic
status "--atomic with a bad record" 2 "$BIN/wiqaya-etl" load --atomic "$BAD/cases.ndjson"
eq "nothing was loaded" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"') $(psql_t -c 'SELECT count(*) FROM warehouse.batch')" "0 0"

# --- resubmission: same agency + case reference, new status: one case, revision 2
fresh_db etl_resubmit
head -1 "$ROOT/tests/data/slice.ndjson" >"$T/r1.ndjson"
jq -c '.status = "charged"' "$T/r1.ndjson" >"$T/r2.ndjson"
"$BIN/wiqaya-etl" load "$T/r1.ndjson" >/dev/null
status "a resubmission loads" 0 "$BIN/wiqaya-etl" load "$T/r2.ndjson"
eq "one case, revision 2, the new status" "$(psql_t -c 'SELECT count(*), max(revision), max(status) FROM warehouse."case"')" "1|2|charged"
eq "its victims are not duplicated" "$(psql_t -c 'SELECT count(*) FROM warehouse.victim')" "2"
status "reading from stdin" 0 bash -c "'$BIN/wiqaya-etl' load - <'$T/r2.ndjson'"
check "stdin of the same bytes is recognised as already loaded" grep -q 'already loaded' "$T/last"

# --- CSV and NDJSON of the same cases give identical warehouses
"$BIN/wiqaya-synth" --seed 21 --cases 1500 --out "$T/syn" >/dev/null
jq -c 'del(.interventions)' "$T/syn/cases.ndjson" >"$T/syn/nointerventions.ndjson"
fresh_db etl_json
"$BIN/wiqaya-etl" load "$T/syn/nointerventions.ndjson" >/dev/null
snapshot >"$T/from_json"
fresh_db etl_csv
status "the same cases as CSV load" 0 "$BIN/wiqaya-etl" load "$T/syn/cases.csv"
snapshot >"$T/from_csv"
check "CSV and NDJSON give identical warehouses" cmp -s "$T/from_json" "$T/from_csv"
check "and the snapshot is not empty" test "$(wc -l <"$T/from_csv")" -gt 3000
# A CSV cannot carry interventions: a case it replaces loses them, and the summary says so.
fresh_db etl_csv_interventions
jq -c 'select((.interventions | length) > 0)' "$T/syn/cases.ndjson" | head -1 >"$T/with_iv.ndjson"
ref=$(jq -r .case_ref "$T/with_iv.ndjson") ivs=$(jq '.interventions | length' "$T/with_iv.ndjson")
"$BIN/wiqaya-etl" load "$T/with_iv.ndjson" >/dev/null 2>&1
{ head -1 "$T/syn/cases.csv"; awk -F, -v r="$ref" -v OFS=, '$2 == r { $10 = "convicted"; print }' "$T/syn/cases.csv"; } >"$T/replace.csv"
status "a CSV replacing a case of $ivs interventions loads" 0 "$BIN/wiqaya-etl" load "$T/replace.csv"
check "and says that its $ivs interventions are gone" grep -q "the cases it replaced had $ivs interventions, which a CSV cannot carry" "$T/last"
eq "which they are" "$(psql_t -c 'SELECT count(*) FROM warehouse.intervention')" "0"

# --- gzip: the same records compressed are the same batch; a damaged file loads nothing
gzip -c "$T/syn/nointerventions.ndjson" >"$T/syn/nointerventions.ndjson.gz"
gzip -c "$T/syn/cases.csv" >"$T/syn/cases.csv.gz"
fresh_db etl_gz
status "gzip NDJSON loads" 0 "$BIN/wiqaya-etl" load "$T/syn/nointerventions.ndjson.gz"
snapshot >"$T/from_gz"
check "gzip NDJSON gives the warehouse of the plain file" cmp -s "$T/from_json" "$T/from_gz"
status "the plain file after its gzip" 0 "$BIN/wiqaya-etl" load "$T/syn/nointerventions.ndjson"
check "is the same batch, already loaded" grep -q 'already loaded' "$T/last"
status "gzip on stdin" 0 bash -c "'$BIN/wiqaya-etl' load - <'$T/syn/nointerventions.ndjson.gz'"
check "is the same batch too" grep -q 'already loaded' "$T/last"
fresh_db etl_gz_csv
status "gzip CSV (.csv.gz) loads as CSV" 0 "$BIN/wiqaya-etl" load "$T/syn/cases.csv.gz"
snapshot >"$T/from_gz_csv"
check "and gives the warehouse of the plain CSV" cmp -s "$T/from_csv" "$T/from_gz_csv"
head -c "$(($(stat -c %s "$T/syn/cases.csv.gz") / 2))" "$T/syn/cases.csv.gz" >"$T/trunc.csv.gz"
fresh_db etl_gz_bad
status "a truncated gzip file is refused" 2 "$BIN/wiqaya-etl" load "$T/trunc.csv.gz"
check "with S3001 saying it ends early" grep -q 'S3001.*ends early' "$T/last"
status "on stdin too" 2 bash -c "'$BIN/wiqaya-etl' load --format csv - <'$T/trunc.csv.gz'"
eq "and nothing of it is loaded" "$(psql_t -c 'SELECT (SELECT count(*) FROM warehouse."case") + (SELECT count(*) FROM warehouse.batch)')" "0"
cp "$T/syn/cases.csv.gz" "$T/corrupt.csv.gz"
printf 'garbage!' | dd of="$T/corrupt.csv.gz" bs=1 seek=5000 conv=notrunc status=none
status "a corrupt gzip file is refused" 2 "$BIN/wiqaya-etl" load "$T/corrupt.csv.gz"
check "with S3001 saying it is corrupt" grep -q "S3001.*corrupt" "$T/last"
eq "and nothing of it is loaded either" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "0"
gzip -c "$T/syn/population.csv" >"$T/syn/population.csv.gz"
status "a gzip population file loads" 0 "$BIN/wiqaya-etl" load --population "$T/syn/population.csv.gz"
eq "all 5148 rows" "$(psql_t -c 'SELECT count(*) FROM warehouse.population')" "5148"

# --- population files
fresh_db etl_pop
status "the synthetic population loads" 0 "$BIN/wiqaya-etl" load --population "$T/syn/population.csv"
eq "5148 rows" "$(psql_t -c 'SELECT count(*) FROM warehouse.population')" "5148"
printf 'year,region,sex,age,disability,population\n2024,DC-01,female,3,none,900\n2024,DC-01,female,3,seeing,12\n2024,DC-99,female,3,none,5\n2024,DC-01,female,3,none,7\n2024,DC-01,female,300,none,5\n2024,DC-01,female,4,lots,5\n' >"$T/pop.csv"
status "a population file with bad rows" 1 "$BIN/wiqaya-etl" load --population --rejects "$T/poprej.ndjson" "$T/pop.csv"
eq "each bad row has its code" "$(jq -r '"\(.row) \(.errors[0].code) \(.errors[0].pointer)"' "$T/poprej.ndjson" | sort | tr '\n' ';')" \
  "4 E2001 region;5 E3009 ;6 E3003 age;7 E2001 disability;"
eq "an extra dimension is kept" "$(psql_t -c "SELECT population FROM warehouse.population WHERE dims = '{\"disability\": \"seeing\"}'")" "12"
# No silent loss: a quote left open swallows every row after it, and a column named twice
# would leave one of the two unread. Both stop the load, which changes nothing.
before=$(psql_t -c 'SELECT count(*), sum(population) FROM warehouse.population')
printf 'year,region,sex,age,population\n2021,DC-01,female,1,100\n2021,DC-01,female,2,"100\n2021,DC-01,female,3,100\n2021,DC-01,female,4,100\n' >"$T/openquote.csv"
status "a population file with a quote left open is refused" 2 "$BIN/wiqaya-etl" load --population "$T/openquote.csv"
check "as malformed CSV (E1001)" grep -q 'E1001.*not well-formed CSV' "$T/last"
check "naming the row and column where the quote opens" grep -q 'Row 3, column 5: a quoted cell is never closed' "$T/last"
# The same in a case file: its row, its column and the column's name.
{ head -1 "$T/syn/cases.csv"; sed -n 2,4p "$T/syn/cases.csv"; sed -n 5p "$T/syn/cases.csv" | awk -F, -v OFS=, '{ $5 = "\"" $5; print }'; sed -n 6,9p "$T/syn/cases.csv"; } >"$T/openquote_cases.csv"
status "a case file with a quote left open is refused" 2 "$BIN/wiqaya-etl" load "$T/openquote_cases.csv"
check "naming its row, column and the column's name" grep -q 'Row 5, column 5 (region): a quoted cell is never closed' "$T/last"
printf 'year,region,sex,age,population,population\n2021,DC-01,female,1,100,7\n' >"$T/twice.csv"
status "a population file with a column twice is refused" 2 "$BIN/wiqaya-etl" load --population "$T/twice.csv"
check "naming the two columns (E1006)" grep -q 'E1006.*twice' "$T/last"
eq "neither changed the population" "$(psql_t -c 'SELECT count(*), sum(population) FROM warehouse.population')" "$before"
version=$(psql_t -c 'SELECT version FROM analytics.data_version')
printf 'year,region,sex,age,population\n2021,DC-99,female,1,100\n2021,DC-01,female,300,100\n' >"$T/allbad.csv"
status "a population file whose every row is rejected: nothing loaded, exit 2 as for cases" 2 "$BIN/wiqaya-etl" load --population "$T/allbad.csv"
eq "makes no new data version (for nothing)" "$(psql_t -c 'SELECT version FROM analytics.data_version')" "$version"
# Excel's "CSV UTF-8" starts with a byte-order mark: not part of the header's first column.
printf '\xEF\xBB\xBFyear,region,sex,age,population\n2021,DC-01,female,1,4321\n' >"$T/bom.csv"
status "a population file with a byte-order mark loads" 0 "$BIN/wiqaya-etl" load --population "$T/bom.csv"
eq "its row is read" "$(psql_t -c "SELECT population FROM warehouse.population WHERE year = 2021 AND region = 'DC-01' AND sex = 'female' AND age = 1 AND dims = '{}'")" "4321"
# Numbers are digits only, and a cell with a NUL is no cell cut short at it: each such row
# is rejected, naming its column (strtol took "+2022" and "+5"; a NUL cut "100\0x"; the
# spaces around an unquoted cell libcsv trims, as in a case file).
kept() { psql_t -c "SELECT coalesce(string_agg(age || ':' || population, ',' ORDER BY age), '') FROM warehouse.population WHERE year = 2022 AND region = 'DC-01' AND sex = 'female' AND age BETWEEN 1 AND 4 AND dims = '{}'"; }
kept_before=$(kept)
printf 'year,region,sex,age,population\n+2022,DC-01,female,1,100\n2022,DC-01,female,+5,100\n2022,DC-01,female,2,1e3\n2022,DC-01,female,3,100\0x\n2022,DC-01\0junk,female,4,100\n2022,DC-01,female,5,77\n' >"$T/strict.csv"
status "a population file with signs, spaces and NULs in its numbers" 1 "$BIN/wiqaya-etl" load --population --rejects "$T/strict.ndjson" "$T/strict.csv"
eq "each such row is rejected, naming its column" "$(jq -r '"\(.row) \(.errors[0].code) \(.errors[0].pointer)"' "$T/strict.ndjson" | sort | tr '\n' ';')" \
  "2 E1004 year;3 E3003 age;4 E1004 population;5 E1004 population;6 E1004 region;"
eq "and only the good row loads" "$(kept)/$(psql_t -c "SELECT population FROM warehouse.population WHERE year = 2022 AND region = 'DC-01' AND sex = 'female' AND age = 5 AND dims = '{}'")" "$kept_before/77"
printf 'year,region,sex,age,population\0x\n2022,DC-01,female,6,88\n' >"$T/nulhead.csv"
status "a population file whose header holds a NUL is refused" 2 "$BIN/wiqaya-etl" load --population "$T/nulhead.csv"
check "naming its column (E1006)" grep -q "E1006.*header holds a NUL" "$T/last"
head -1 "$T/syn/cases.csv" | sed 's/$/,victim_sex/' >"$T/twice_cases.csv"
status "a case CSV with a column twice is refused" 2 "$BIN/wiqaya-etl" load --format csv "$T/twice_cases.csv"
check "naming the column (E1006)" grep -q 'E1006.*victim_sex.*twice' "$T/last"

# --- a load's lookups are index probes: no chunk reads a whole table of the warehouse
# (the planner's choice of a sequential scan made every chunk read every table, and a
# load quadratic in the warehouse's size: etl/load/chunk.c, lookups_by_index)
"$BIN/wiqaya-synth" --seed 22 --cases 6000 --out "$T/k" >/dev/null
fresh_db etl_probes
# A backend's counters reach the statistics before it leaves pg_stat_activity (PostgreSQL
# flushes them in a hook that runs first at exit): with no other client left, every
# counter of the migration and the load is in.
scans() {
  for _ in $(seq 1 100); do
    [[ $(psql_t -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                      AND backend_type = 'client backend' AND pid <> pg_backend_pid()") == 0 ]] && break
    sleep 0.1
  done
  psql_t -c "SELECT string_agg(relname || '=' || seq_scan, ' ' ORDER BY relname) FROM pg_stat_user_tables
             WHERE schemaname = 'warehouse' AND relname IN ('case', 'person', 'person_token', 'victim', 'offender')"
}
before=$(scans)
status "6,000 cases load in three chunks" 0 "$BIN/wiqaya-etl" load --no-refresh "$T/k/cases.ndjson"
check "every one of them" grep -q '6000 records, 6000 loaded, 0 rejected' "$T/last"
eq "the load linked three chunks and scanned no table of the warehouse" "$(scans)" "$before"

# --- kill -9 at random moments, then a rerun: the warehouse equals a clean run's
fresh_db etl_clean
"$BIN/wiqaya-etl" load "$T/k/cases.ndjson" >/dev/null
snapshot >"$T/clean"
same=0
for i in $(seq 1 10); do
  fresh_db etl_kill
  "$BIN/wiqaya-etl" load "$T/k/cases.ndjson" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * 1.2 }')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  "$BIN/wiqaya-etl" load "$T/k/cases.ndjson" >/dev/null 2>&1
  snapshot >"$T/after_kill"
  cmp -s "$T/clean" "$T/after_kill" && same=$((same + 1))
done
eq "10 loads killed at random moments, then rerun: 10 warehouses equal the clean one" "$same" "10"
integrity "no orphan after the kills"
eq "one batch, nothing twice" "$(psql_t -c 'SELECT count(*) FROM warehouse.batch')" "1"

# --- statistics that say the warehouse is empty (autovacuum analysed its tables between a
# load killed above and its rerun, which then planned the refresh's 6,000 cases for none
# and ran its nested loops for over a quarter of an hour): the refresh takes fresh ones
fresh_db etl_stats
"$BIN/wiqaya-etl" load --no-refresh "$T/k/cases.ndjson" >/dev/null
# (As autovacuum leaves them: pages counted, no row: the planner's density is then 0. On
# this file the refresh took 29 s planned so, 1 s with fresh statistics.)
psql_t -c "UPDATE pg_class SET reltuples = 0, relpages = pg_relation_size(oid) / 8192 WHERE oid IN
  ('warehouse.person'::regclass, 'warehouse.victim'::regclass, 'warehouse.offender'::regclass, 'warehouse.person_token'::regclass)"
status "the queued refresh of 6,000 cases over tables the planner takes for empty" 0 timeout 300 "$BIN/wiqaya-etl" refresh --queued
eq "analyses them first" "$(psql_t -c "SELECT bool_and(reltuples > 0) FROM pg_class WHERE oid IN ('warehouse.person'::regclass, 'warehouse.victim'::regclass)")" "t"
eq "and builds every victim-year" "$(psql_t -c 'SELECT count(*) > 0 FROM analytics.victim_year')" "t"

# --- two loads at once give the same warehouse as one after the other
head -n 3000 "$T/k/cases.ndjson" >"$T/a.ndjson"
tail -n +3001 "$T/k/cases.ndjson" >"$T/b.ndjson"
fresh_db etl_seq
"$BIN/wiqaya-etl" load "$T/a.ndjson" >/dev/null
"$BIN/wiqaya-etl" load "$T/b.ndjson" >/dev/null
snapshot | grep -v '^[0-9]*|[0-9]*$' >"$T/sequential"
fresh_db etl_conc
"$BIN/wiqaya-etl" load "$T/a.ndjson" >/dev/null 2>&1 &
p1=$!
"$BIN/wiqaya-etl" load "$T/b.ndjson" >/dev/null 2>&1 &
p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
eq "both concurrent loads succeed" "$r1 $r2" "0 0"
snapshot | grep -v '^[0-9]*|[0-9]*$' >"$T/concurrent"
check "concurrent loads give the sequential warehouse" cmp -s "$T/sequential" "$T/concurrent"
eq "with the totals of one file" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "$(grep -c . "$T/k/cases.ndjson")"
integrity "no orphan after concurrent loads"
echo "1..$n"
