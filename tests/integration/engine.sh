# The column engine (docs/architecture.md, "The column engine") and the ledger at a query's
# cost: 1,000 random queries give the same cells from the engine as from the SQL path,
# before and after a reload; new data versions loaded under a stream of queries give
# answers each from exactly one version, and leave one version in memory; the ledger
# forgets nothing across a restart, and two servers on one ledger charge a cell once.
source "$(dirname "$0")/../lib.sh"
fresh_db engine
"$BIN/wiqaya-synth" --seed 41 --cases 6000 --years 2015-2020 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null

seed=${ENGINE_SEED:-$$}
figure "random queries from seed $seed (ENGINE_SEED=$seed replays them)"
"$BIN/tool_engine_parity" 1000 "$seed" >"$T/parity" 2>&1
check "1,000 random queries: the engine's cells and definitions are the SQL path's" \
  grep -q '^1000 queries, [0-9]* cells, 0 differ' "$T/parity"
figure "$(tail -n 1 "$T/parity")"

generous_budgets
start_server
TOKEN=$(new_token researcher)
MON=$(new_token monitor)
metric() { curl -s -H "Authorization: Bearer $MON" "http://127.0.0.1:$TEST_HTTP_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
engine_at() { # waits until the engine holds the database's version
  local v; v=$(psql_t -c 'SELECT version FROM analytics.data_version')
  for _ in $(seq 1 100); do [[ $(metric wiqaya_engine_version) == "$v" ]] && return 0; sleep 0.1; done
  return 1
}
check "the engine loads the data version at start" engine_at
bytes=$(metric wiqaya_engine_bytes) years=$(metric wiqaya_engine_victim_years)
figure "engine: $years victim-years in $bytes bytes, loaded in $(metric wiqaya_engine_load_seconds) s"
check "it holds every victim-year" test "$years" -eq "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year')"

# A table of no cell (a dimension with no item: two lists that exclude each other, a year
# outside the data) is an empty answer, asked or previewed, and the server goes on.
for q in "dimension=sex:male&dimension=detection&filter=sex:female" "dimension=year:2001&dimension=detection" \
         "dimension=year:2001&dimension=detection&dry_run=true"; do
  eq "a table of no cell answers ($q)" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$TEST_HTTP_PORT/api/v1/analytics?indicator=victims&$q")" "200"
done
check "and the server is still up" curl -sf "http://127.0.0.1:$TEST_HTTP_PORT/healthz"

# A stream of queries (a different one each time: no answer from the cache, none the
# published product answers, which stays at its release's version) while three
# batches, each of a year of its own, are loaded, each followed by a new period: every
# answer must show exactly the years of the version it names. Versions before each load and after it are recorded.
psql_t -c 'SELECT version FROM analytics.data_version' >"$T/versions"
# Four channels of 60 or more children a year: a smaller cell (peer reports had 19 in one
# year) is suppressed under some noise keys and would look like a year missing.
channels=(victim_report caregiver_report platform_report police_investigation)
stream() {
  local i=0
  while [[ ! -f $T/stop ]]; do
    i=$((i + 1))
    api "/api/v1/analytics?indicator=victims&dimension=year&filter=detection:${channels[i % 4]}&to=$((2023 + i % 5))" |
      jq -c '[.metaData.data_version, [.rows[] | select(.[6] != "suppressed") | .[0]]]' >>"$T/answers" 2>/dev/null
  done
}
: >"$T/load_status"; : >"$T/mismatches"
stream &
streamer=$!
for y in 2021 2022 2023; do
  "$BIN/wiqaya-synth" --seed "$y" --cases 1500 --years "$y-$y" --out "$T/b$y" >/dev/null
  # Its exit status and output kept: a load whose refresh failed (exit 3) leaves the
  # version as it was, and every answer of that version would then look wrong.
  "$BIN/wiqaya-etl" load "$T/b$y/cases.ndjson" >"$T/load$y.out" 2>&1; echo "$y $?" >>"$T/load_status"
  echo "$y $(psql_t -c 'SELECT version FROM analytics.data_version')" >>"$T/versions"
  # Tokens see a new version in a new period (docs/privacy.md, "Periods"): an admin's.
  new_period || echo "no new period" >>"$T/load_status"
  sleep 1
done
check "the engine loads each new version" engine_at
sleep 1
touch "$T/stop"
wait "$streamer"
# The years an answer at version V must show: the base's, and each batch loaded by V.
awk 'NR == 1 { base = $1; next } { y[NR] = $1; v[NR] = $2; n = NR }
     END { for (i = 2; i <= n; i++) print y[i], v[i] }' "$T/versions" >"$T/batches"
bad=0 total=0 versions=""
while read -r line; do
  total=$((total + 1))
  ver=$(jq -r '.[0]' <<<"$line")
  got=$(jq -r '.[1] | map(tostring) | join(",")' <<<"$line")
  want="2015,2016,2017,2018,2019,2020"
  while read -r y v; do ((ver >= v)) && want="$want,$y"; done <"$T/batches"
  [[ $got == "$want" ]] || { bad=$((bad + 1)); echo "version $ver: years $got, expected $want" >>"$T/mismatches"; }
  versions="$versions $ver"
done <"$T/answers"
nversions=$(tr ' ' '\n' <<<"$versions" | sort -u | grep -c .)
figure "$total answers over $nversions data versions during three loads"
eq "each load of the three succeeded, its refresh too" "$(awk '{ printf "%s ", $2 }' "$T/load_status")" "0 0 0 "
if ((bad == 0)); then
  ok "every answer shows exactly the years of the version it names"
else
  not_ok "every answer shows exactly the years of the version it names" "$bad of $total differ; the first:" \
    "$(sort "$T/mismatches" | uniq -c | head -4)" "versions after each load: $(tr '\n' ' ' <"$T/versions")" \
    "the loads said: $(tail -n 2 "$T"/load20*.out | tr '\n' ' ' | cut -c1-400)"
fi
check "answers were given at four versions or more" test "$nversions" -ge 4
eq "one version is held once the loads are over" "$(metric wiqaya_engine_versions_held)" "1"
check "the columns answered" test "$(curl -s -H "Authorization: Bearer $MON" "http://127.0.0.1:$TEST_HTTP_PORT/metrics" | awk -F'[ }]' '/^wiqaya_engine_answers_total\{path="columns"/ { print $NF }')" -gt 0
"$BIN/tool_engine_parity" 1000 "$((seed + 1))" >"$T/parity2" 2>&1
check "after the reloads, 1,000 more random queries agree" grep -q '^1000 queries, [0-9]* cells, 0 differ' "$T/parity2"

# A rebuild that commits while the engine reads (its TRUNCATE is not MVCC-safe: the
# engine's older snapshot would read the table empty, under the old version): the load
# sees the tables' new files and is made again, at the rebuild's version. The rebuild
# commits (and notifies, as a rebuild does) once the engine is seen waiting for its lock.
stop_server
cols=$(psql_t -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
                  WHERE table_schema = 'analytics' AND table_name = 'victim_year' AND is_generated = 'NEVER'")
v=$(psql_t -c 'SELECT version FROM analytics.data_version')
psql_t -c "SET application_name = 'gate'; SELECT pg_advisory_lock(4242), pg_sleep(600)" >/dev/null 2>&1 & gate=$!
for _ in $(seq 1 50); do [[ $(psql_t -c "SELECT count(*) FROM $LOCKS_HERE l WHERE locktype = 'advisory' AND objid = 4242 AND granted") == 1 ]] && break; sleep 0.1; done
psql_t -c "CREATE TEMP TABLE keep AS SELECT $cols FROM analytics.victim_year" -c "BEGIN" \
  -c "TRUNCATE analytics.victim_year" -c "INSERT INTO analytics.victim_year ($cols) SELECT $cols FROM keep" \
  -c "UPDATE analytics.data_version SET version = version + 1" \
  -c "SELECT pg_notify('wiqaya_data_version', (SELECT version::text FROM analytics.data_version))" \
  -c "SELECT pg_advisory_lock(4242)" -c "COMMIT" >/dev/null & rebuild=$!
truncated() { psql_t -c "SELECT count(*) FROM $LOCKS_HERE l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'victim_year' AND l.mode = 'AccessExclusiveLock' AND l.granted"; }
waiting() { psql_t -c "SELECT count(*) FROM $LOCKS_HERE l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'victim_year' AND l.mode = 'AccessShareLock' AND NOT l.granted"; }
for _ in $(seq 1 100); do [[ $(truncated) -ge 1 ]] && break; sleep 0.1; done
sed -i 's/^level = warning$/level = info/' "$CONF" # (the engine's loads are logged at info)
start_server
sed -i 's/^level = info$/level = warning/' "$CONF"
for _ in $(seq 1 40); do [[ $(waiting) -ge 1 ]] && break; sleep 0.1; done
check "the engine's load waits for the rebuild's lock" test "$(waiting)" -ge 1
psql_t -c "SELECT pg_terminate_backend(pid) FROM $SESSIONS_HERE s WHERE application_name = 'gate'" >/dev/null
wait "$gate" 2>/dev/null
wait "$rebuild"
check "the engine then holds the rebuild's version" engine_at
check "it installed no version of the rebuilt table read empty" bash -c "grep -q 'column engine: data version' '$T/server.log' && ! grep -q 'data version $v in .*, 0 victim-years' '$T/server.log'"
check "it saw the rebuild and loaded again (S6001)" grep -q 'S6001: the analytics were rebuilt while the column engine read them' "$T/server.log"
check "it holds every victim-year again" test "$(metric wiqaya_engine_victim_years)" -eq "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year')"

# The ledger: a restart forgets nothing the token has seen.
# (Tables the published product does not answer: those are free for everyone.)
q1="/api/v1/analytics?indicator=victims&dimension=region&dimension=detection&filter=year:2019"
q2="/api/v1/analytics?indicator=victims&dimension=technology&dimension=sex&filter=year:2019"
first=$(api "$q1" | jq -c '.metaData.disclosure.epsilon_charged')
check "a new table is charged" test "$first" != 0
rows=$(psql_t -c "SELECT count(*) FROM auth.released")
api "$q2" >/dev/null
eq "and recorded as one row of the ledger, not one per cell" "$(psql_t -c "SELECT count(*) FROM auth.released")" "$((rows + 1))"
stop_server
start_server
eq "after a restart, the same table is free" "$(api "$q1" | jq -c '.metaData.disclosure.epsilon_charged')" "0"
eq "and so is the other" "$(api "$q2" | jq -c '.metaData.disclosure.epsilon_charged')" "0"

# Two servers on one ledger: a table charged through one is free through the other, and
# a cell released through the other is not charged again through the first.
P1=$TEST_HTTP_PORT
P2=$(free_port)
sed "s/^port = $P1\$/port = $P2/" "$CONF" >"$T/second.conf"
WIQAYA_CONF=$T/second.conf "$BIN/wiqaya-server" serve 2>"$T/second.log" &
second=$!
for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$P2/healthz" >/dev/null && break; sleep 0.1; done
api2() { curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$P2$1"; }
q3="/api/v1/analytics?indicator=victims&dimension=agency&filter=year:2018"
q4="/api/v1/analytics?indicator=victims&dimension=agency&dimension=relationship&filter=year:2018"
check "a new table through the second server is charged" test "$(api2 "$q3" | jq -c '.metaData.disclosure.epsilon_charged')" != 0
eq "and free through the first, which had not seen the token's charge" \
  "$(api "$q3" | jq -c '.metaData.disclosure.epsilon_charged')" "0"
eq "its cost preview there says so too" "$(api "$q3&dry_run=true" | jq -c '.free')" "true"
check "a table of new cells through the first is charged" test "$(api "$q4" | jq -c '.metaData.disclosure.epsilon_charged')" != 0
eq "and free through the second" "$(api2 "$q4" | jq -c '.metaData.disclosure.epsilon_charged')" "0"

# Two servers and their periods (docs/privacy.md, "Periods"; a cold review found that two
# engines could leapfrog, a period a refresh). A period at a version the database no
# longer holds (another server's, a refresh since): neither engine can load it, and
# neither starts another over it; each keeps its own.
metric2() { curl -s -H "Authorization: Bearer $MON" "http://127.0.0.1:$P2/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
periods() { psql_t -c 'SELECT max(id) FROM auth.period'; }
for _ in $(seq 1 50); do [[ $(metric2 wiqaya_engine_period) == "$(periods)" ]] && break; sleep 0.1; done
eq "both servers answer in the latest period" "$(metric wiqaya_engine_period) $(metric2 wiqaya_engine_period)" "$(periods) $(periods)"
mine=$(periods)
psql_t -c "INSERT INTO auth.period (id, data_version, calendar, reason)
           SELECT max(id) + 1, (SELECT version - 1 FROM analytics.data_version), max(calendar), 'version' FROM auth.period" >/dev/null
sleep 2
eq "a period at a version gone from the database: no server starts another over it" "$(periods)" "$((mine + 1))"
eq "each keeps answering in its own" "$(metric wiqaya_engine_period) $(metric2 wiqaya_engine_period)" "$mine $mine"
eq "at its version" "$(api "$q3" | jq .metaData.data_version)" "$(metric wiqaya_engine_version)"
# A refresh, then the second server restarted: it holds no period, loads the database's
# version and starts one at it; the first, whose version the database still is, loads it
# and answers in the same period: one new period, not one a server.
"$BIN/wiqaya-synth" --seed 77 --cases 50 --years 2019-2019 --out "$T/b77" >/dev/null
"$BIN/wiqaya-etl" load "$T/b77/cases.ndjson" >/dev/null 2>&1
kill "$second"
wait "$second" 2>/dev/null || true
WIQAYA_CONF=$T/second.conf "$BIN/wiqaya-server" serve 2>"$T/second.log" &
second=$!
for _ in $(seq 1 100); do [[ $(metric wiqaya_engine_period) == "$((mine + 2))" && $(metric2 wiqaya_engine_period) == "$((mine + 2))" ]] && break; sleep 0.1; done
eq "a server restarted after a refresh starts one period, which both answer in" \
  "$(periods) $(metric wiqaya_engine_period) $(metric2 wiqaya_engine_period)" "$((mine + 2)) $((mine + 2)) $((mine + 2))"
eq "at the refresh's version" "$(metric wiqaya_engine_version)" "$(psql_t -c 'SELECT version FROM analytics.data_version')"
kill "$second"
wait "$second" 2>/dev/null || true
stop_server

# The load's shares (server/shares.h): each part reads years of its own, and every row is
# read by exactly one part: the default partition's, below, between and above the
# partitions' years, with more parts than partitions too.
# parity PARTS SEED: 1,000 random queries over columns loaded by PARTS parts; the plan.
parity() {
  "$BIN/tool_engine_parity" 1000 "$2" "$1" >"$T/parity-$1" 2>&1
  grep -o '^[0-9]* parts, [0-9]* of [0-9]* facts read by years' "$T/parity-$1"
  grep -q '^1000 queries, [0-9]* cells, 0 differ' "$T/parity-$1" || cat "$T/parity-$1" >&2
}
agrees() { check "and every cell as the SQL path's ($1 parts)" grep -q '^1000 queries, [0-9]* cells, 0 differ' "$T/parity-$1"; }
eq "two parts read the four facts by years" "$(parity 2 "$((seed + 2))")" "2 parts, 4 of 4 facts read by years"
agrees 2
facts=(victim_year case_fact offender_year intervention_fact)
# to_default FACT YEAR...: the years' rows moved from their partitions to the default.
to_default() {
  local f=$1 y cols; shift
  cols=$(psql_admin -d "$DB" -c "SELECT string_agg(column_name, ', ') FROM information_schema.columns
           WHERE table_schema = 'analytics' AND table_name = '$f' AND is_generated = 'NEVER'")
  for y in "$@"; do
    psql_admin -d "$DB" -c "ALTER TABLE analytics.$f DETACH PARTITION analytics.${f}_$y" \
      -c "INSERT INTO analytics.$f ($cols) SELECT $cols FROM analytics.${f}_$y" \
      -c "DROP TABLE analytics.${f}_$y" >/dev/null
  done
  psql_admin -d "$DB" -c "ANALYZE analytics.$f" >/dev/null
}
# years_of FACT: the years of its partitions.
years_of() {
  psql_admin -d "$DB" -c "SELECT substring(c.relname FROM '_([0-9]{4})$') FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'analytics.$1'::regclass
    AND c.relname ~ '_[0-9]{4}$' ORDER BY 1"
}
counts() { for f in "${facts[@]}"; do psql_t -c "SELECT count(*) FROM analytics.$f"; done | paste -sd' '; }
in_default() { for f in "${facts[@]}"; do psql_admin -d "$DB" -c "SELECT count(*) > 0 FROM analytics.${f}_default"; done | paste -sd' '; }
before=$(counts)
# A year between two partitions (2018) in the default.
for f in "${facts[@]}"; do to_default "$f" 2018; done
eq "no row of any fact lost by the move" "$(counts)" "$before"
eq "each fact's default partition holds rows" "$(in_default)" "t t t t"
for parts in 2 3 8; do
  eq "$parts parts with a year between partitions in the default: by years" \
    "$(parity $parts "$((seed + parts))")" "$parts parts, 4 of 4 facts read by years"
  agrees $parts
done
# The first and the last year too: rows below and above every partition's years.
for f in "${facts[@]}"; do
  years=$(years_of "$f")
  to_default "$f" "$(head -n 1 <<<"$years")" "$(tail -n 1 <<<"$years")"
done
eq "no row lost by the second move" "$(counts)" "$before"
for parts in 2 3; do
  eq "$parts parts with years below, between and above the partitions in the default: by years" \
    "$(parity $parts "$((seed + 10 + parts))")" "$parts parts, 4 of 4 facts read by years"
  agrees $parts
done
# Most rows in one unit whatever the plan (every year but the last in the default): each
# part reads by record key, and still every row once.
for f in "${facts[@]}"; do to_default "$f" $(years_of "$f" | head -n -1); done
eq "no row lost by the third move" "$(counts)" "$before"
eq "a default of most rows: by record key" "$(parity 2 "$((seed + 4))")" "2 parts, 0 of 4 facts read by years"
agrees 2
echo "1..$n"
