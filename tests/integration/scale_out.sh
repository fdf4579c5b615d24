# The analytics facts over three PostgreSQL servers (scripts/shard.sh, migration 023;
# issue 31): a coordinator and two nodes, clusters of this script's own. A country is
# loaded on the coordinator alone and answered; its years are then spread over the nodes
# as postgres_fdw foreign partitions. Every analytics row is the same through the
# coordinator, the column engine loads from it unchanged and agrees with the SQL path
# through the nodes on 300 random queries, a token's answers are the same bytes and free,
# and the plans read the nodes asynchronously with the aggregation pushed down. A reader
# holds off the refreshes while it reads (one view of every server); a node's table that
# holds rows stops a move. Then a batch loaded through the spread layout (the refresh
# writing on the nodes, a new year made here) and a full rebuild give the rows a
# single-node twin gives for the same batch.
source "$(dirname "$0")/../lib.sh"
test_config scale_out
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SHARD=$ROOT/scripts/shard.sh
base=/var/tmp/wiqaya-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)-scale
NODES=(coordinator node1 node2)
own_pg() { WIQAYA_CLUSTER=$base-$1 WIQAYA_CONF=$T/pg-$1.conf "$ROOT/scripts/pg.sh" "${@:2}"; }
destroy_all() { local c; for c in "${NODES[@]}"; do own_pg "$c" destroy >/dev/null 2>&1; done; }
destroy_all # a run killed before its end left them
trap 'cleanup; [[ -n ${SCALE_KEEP:-} ]] || destroy_all' EXIT # SCALE_KEEP=1: left to look at

# Three clusters with the same roles' passwords (the nodes are reached as each role).
declare -A PORT
base_conf=$(cat "$CONF")
for c in "${NODES[@]}"; do
  PORT[$c]=$(free_port)
  if [[ $c != coordinator ]]; then
    mkdir -p "$base-$c/roles" && cp "$base-coordinator/roles/"*.pgpass "$base-$c/roles/"
  fi
  own_pg "$c" conf >/dev/null
  sed -i -e "s|^port *= *5[0-9]*|port = ${PORT[$c]}|" -e "s|^dbname *=.*|dbname = $DB|" "$T/pg-$c.conf"
  check "cluster $c starts" own_pg "$c" start
  sed -e "s|^host *=.*|host = $base-$c|" -e "s|^port *= *5[0-9]*|port = ${PORT[$c]}|" \
    -e "s|^passwords *=.*|passwords = $base-$c/roles|" <<<"$base_conf" >"$T/conf-$c"
done
export WIQAYA_CLUSTER=$base-coordinator # psql_t: the coordinator's roles
cp "$T/conf-coordinator" "$CONF"
for c in "${NODES[@]}"; do
  check "$c is migrated" env WIQAYA_CONF="$T/conf-$c" "$BIN/wiqaya-etl" migrate
done
"$BIN/wiqaya-etl" keygen >/dev/null
"$BIN/wiqaya-server" keygen >/dev/null
load_country 43 4000
years=$(psql_t -c 'SELECT string_agg(DISTINCT year::text, $$ $$ ORDER BY year::text) FROM analytics.victim_year')

# ---- one node: the reference ----
single=$(digest)
QUERIES=("/api/v1/analytics?indicator=victims&dimension=year&dimension=sex"
         "/api/v1/analytics?indicator=victims&dimension=region&dimension=age_band&from=2019"
         "/api/v1/trends?indicator=victim_rate&dimension=sex"
         "/api/v1/analytics?indicator=revictimisation_12m&dimension=detection"
         "/api/v1/pathway?dimension=region")
start_server
TOKEN=$(new_token researcher)
ask
stop_server
psql_t -c "CREATE DATABASE ${DB}_twin TEMPLATE $DB" >/dev/null # the single-node twin, for the batch below
as_reader() { WIQAYA_CONF=$CONF "$ROOT/scripts/pg.sh" psql -X -q -At -U wiqaya_reader "$@"; }
eq "on one node a reader takes no lock: its snapshot is consistent by itself" "$(as_reader -c 'SELECT analytics.hold_refresh()')" f

# ---- three nodes ----
check "node1 is added" "$SHARD" add node1 "$base-node1" "${PORT[node1]}"
check "node2 is added" "$SHARD" add node2 "$base-node2" "${PORT[node2]}"
status "a node that does not answer is refused, and leaves nothing" 2 "$SHARD" add node3 "$base-node1" 1
check "saying so" grep -q 'node node3 was not added' "$T/last"
i=0 moved=0
last=${years##* }
for y in $years; do
  [[ $y == "$last" ]] && continue # the last year stays on the coordinator
  "$SHARD" move "$y" "node$((i % 2 + 1))" >>"$T/moves" 2>&1 && moved=$((moved + 1))
  i=$((i + 1))
done
eq "every year but the last is moved to a node, by turns" "$moved" "$(($(wc -w <<<"$years") - 1))"
figure "$(head -n 1 "$T/moves")"
status "a year moved already is refused" 2 "$SHARD" move "${years%% *}" node2
"$SHARD" list >"$T/list"
eq "the layout: the last year here, the others on the nodes" \
  "$(awk '$1 == "victim_year" && $2 != "victim_year_default" { print $3 }' "$T/list" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" \
  "here:1 node1:$(((moved + 1) / 2)) node2:$((moved / 2)) "
node_rows=0
for c in node1 node2; do
  for t in $(own_pg "$c" psql -X -At -c "SELECT tablename FROM pg_tables WHERE schemaname = 'analytics' AND tablename ~ '^victim_year_[0-9]{4}$'"); do
    node_rows=$((node_rows + $(own_pg "$c" psql -X -At -c "SELECT count(*) FROM analytics.$t")))
  done
done
eq "the nodes hold the moved years' victim-years" "$node_rows" \
  "$(psql_t -c "SELECT count(*) FROM analytics.victim_year WHERE year < $last")"
eq "every analytics row is the same through the coordinator" "$(digest)" "$single"
first=${years%% *}
check "the reader reads no foreign partition directly" \
  bash -c "WIQAYA_CONF=$CONF '$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -c 'SELECT year FROM analytics.victim_year_$first LIMIT 1' 2>&1 | grep -q 'permission denied'"
check "nor, on its node, the row keys of a year moved there" \
  bash -c "WIQAYA_CLUSTER=$base-node1 WIQAYA_CONF=$T/pg-node1.conf '$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -c 'SELECT row_key FROM analytics.victim_year_$first LIMIT 1' 2>&1 | grep -q 'permission denied'"

seed=${SCALE_SEED:-$$}
"$BIN/tool_engine_parity" 300 "$seed" >"$T/parity" 2>&1
check "the column engine and the SQL path through the nodes agree on 300 random queries (seed $seed)" \
  grep -q '^300 queries, [0-9]* cells, 0 differ' "$T/parity"
check "its two parts read the foreign partitions by years (server/shares.h)" \
  grep -q '^2 parts, 4 of 4 facts read by years' "$T/parity"
figure "$(tail -n 1 "$T/parity") (three nodes)"

start_server
MON=$(new_token monitor)
metric() { curl -s -H "Authorization: Bearer $MON" "http://127.0.0.1:$TEST_HTTP_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
want=$(psql_t -c 'SELECT count(*) FROM analytics.victim_year')
for _ in $(seq 1 100); do [[ $(metric wiqaya_engine_victim_years) == "$want" ]] && break; sleep 0.1; done
eq "the column engine loads every victim-year from the coordinator" "$(metric wiqaya_engine_victim_years)" "$want"
asked_again "a token's answers are the same on three nodes as on one" "and free: the same cells"
stop_server

# The plans: the nodes read at once (async append), and a count by year aggregated on
# each node (partition-wise aggregation pushed down); by another dimension the rows come
# to the coordinator (postgres_fdw pushes no partial aggregate).
plan() { psql_t -c "EXPLAIN (VERBOSE, COSTS OFF) $1"; }
plan "SELECT year, count(*) FROM analytics.victim_year GROUP BY year" >"$T/plan-year"
plan "SELECT sex, count(*) FROM analytics.victim_year GROUP BY sex" >"$T/plan-sex"
check "the nodes are read asynchronously" grep -q 'Async Foreign Scan' "$T/plan-year"
check "a count by year is computed on the nodes" grep -qE 'Remote SQL: SELECT year, count\(\*\) FROM analytics.victim_year_[0-9]{4} GROUP BY' "$T/plan-year"
figure "by year: $(grep -c 'Async Foreign Scan' "$T/plan-year") async foreign scans, $(grep -cE 'Remote SQL: SELECT .*GROUP BY' "$T/plan-year") aggregates pushed down; by sex: $(grep -cE 'Remote SQL: SELECT .*GROUP BY' "$T/plan-sex") pushed down, the rows of $(grep -c 'Foreign Scan on' "$T/plan-sex") foreign partitions fetched into $(grep -c 'Partial HashAggregate' "$T/plan-sex") partial aggregates here"

# A reader of the spread layout holds the refresh lock, shared, from before its snapshot
# to its end: no refresh commits on the nodes under it (analytics.hold_refresh).
eq "on three nodes a reader holds the refresh lock" "$(as_reader -c 'SELECT analytics.hold_refresh()')" t
as_reader -c 'SELECT analytics.hold_refresh()' -c 'SELECT pg_sleep(4)' >/dev/null &
holder=$!
sleep 1
"$BIN/wiqaya-etl" refresh >"$T/held-refresh" 2>&1 &
refresher=$!
sleep 1.5
check "a refresh meanwhile waits for it" bash -c "kill -0 $refresher && [[ \$(WIQAYA_CONF=$CONF '$ROOT/scripts/pg.sh' psql -X -At -c \"SELECT count(*) FROM $LOCKS_HERE l WHERE locktype = 'advisory' AND NOT granted\") -ge 1 ]]"
wait "$holder"
wait "$refresher"
eq "and goes on once the reader has ended" "$?" 0

# A node's table that holds rows is never dropped: a move into it is refused, and the
# year stays here.
own_pg node2 psql -X -q -c "CREATE TABLE analytics.victim_year_$last (year smallint)" -c "INSERT INTO analytics.victim_year_$last VALUES ($last)"
status "a move onto a node's table that holds rows is refused" 2 "$SHARD" move "$last" node2
check "saying so" grep -q "holds rows already" "$T/last"
check "and the year is here as it was" grep -q "^victim_year victim_year_$last here$" <("$SHARD" list)
eq "the node's table keeps its row" "$(own_pg node2 psql -X -At -c "SELECT count(*) FROM analytics.victim_year_$last")" 1
own_pg node2 psql -X -q -c "DROP TABLE analytics.victim_year_$last"
eq "every analytics row is still the same" "$(digest)" "$single"

# ---- a batch through the spread layout, against the single-node twin ----
"$BIN/wiqaya-synth" --seed 44 --cases 400 --years "${years%% *}-$((last + 1))" --out "$T/batch" >/dev/null
check "a batch loads through the spread layout" "$BIN/wiqaya-etl" load "$T/batch/cases.ndjson"
check "its new year gets a partition here" grep -q "^victim_year victim_year_$((last + 1)) here$" <("$SHARD" list)
sed "s|^dbname *=.*|dbname = ${DB}_twin|" "$CONF" >"$T/conf-twin"
WIQAYA_CONF=$T/conf-twin "$BIN/wiqaya-etl" load "$T/batch/cases.ndjson" >/dev/null 2>&1
# (A new person's salt is random: the row and record keys differ between two databases.)
twin=$(DB=${DB}_twin CONF=$T/conf-twin digest row_key record_key)
eq "every analytics row after the batch is the single-node twin's" "$(digest row_key record_key)" "$twin"
same_as_rebuild "a full rebuild through the nodes (their partitions truncated and refilled) changes nothing"
check "and the statistics are taken again, the nodes' through postgres_fdw" "$SHARD" analyze
plan "SELECT year, count(*) FROM analytics.victim_year GROUP BY year" >"$T/plan-after"
check "a count by year is still computed on the nodes" grep -qE 'Remote SQL: SELECT year, count\(\*\) FROM analytics.victim_year_[0-9]{4} GROUP BY' "$T/plan-after"
echo "1..$n"
