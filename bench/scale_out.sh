# Beyond one machine (issue 31; docs/operations.md): ten million victim-years (the demo
# country's, copied, as a benchmark may), the column engine's load time and memory, and
# the SQL path's fresh 4-dimension table (year x sex x age band x region, 11 of the 12
# detection channels, a different one left out each round) through the API and as a plain
# GROUP BY in psql, on one PostgreSQL server and then on three (two more local clusters,
# every year but the last moved to them by scripts/shard.sh), with the plans: what the
# coordinator pushed to the nodes. On 2 cores, three servers share the same two cores:
# the figures show the overheads of the layout, not the speed of three machines.
source "$(dirname "$0")/demo.sh"
ROUNDS=${ROUNDS:-5}
DB=wiqaya_scale
psql_db() { local db=$1; shift; scripts/pg.sh psql -X -q -At -d "$db" "$@"; }
cluster=$(sed -n 's/^host *= *//p' var/wiqaya.conf | head -n 1)
nodes=(node1 node2)
node_pg() { WIQAYA_CLUSTER=$cluster-bench-$1 WIQAYA_CONF=var/bench/pg-$1.conf scripts/pg.sh "${@:2}"; }
cleanup_scale() {
  kill "${spid:-}" 2>/dev/null || true
  psql_db postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  for n in "${nodes[@]}"; do node_pg "$n" destroy >/dev/null 2>&1 || true; done
}
cleanup_scale
trap 'cleanup_scale; kill ${pid:-} 2>/dev/null || true' EXIT

base_rows=$(psql_db wiqaya -c 'SELECT count(*) FROM analytics.victim_year')
COPIES=${SCALE_COPIES:-$(((10000000 + base_rows - 1) / base_rows))} # ten million, or just over
echo "making $DB: the demo's $base_rows victim-years, $COPIES times"
t0=$(date +%s.%N)
psql_db postgres -c "CREATE DATABASE $DB TEMPLATE wiqaya" \
  -c "REVOKE TEMPORARY, CONNECT ON DATABASE $DB FROM PUBLIC" \
  -c "GRANT CONNECT ON DATABASE $DB TO wiqaya_loader, wiqaya_reader" \
  -c "GRANT TEMPORARY ON DATABASE $DB TO wiqaya_loader" -c "ALTER DATABASE $DB SET jit = off"
cols=$(psql_db "$DB" -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
                         WHERE table_schema = 'analytics' AND table_name = 'victim_year' AND is_generated = 'NEVER'")
psql_db "$DB" -c "INSERT INTO analytics.victim_year ($cols) SELECT $cols FROM analytics.victim_year, generate_series(2, $COPIES)" \
  -c "UPDATE analytics.data_version SET version = version + 1" -c "ANALYZE analytics.victim_year"
rows=$(psql_db "$DB" -c 'SELECT count(*) FROM analytics.victim_year')
echo "$rows victim-years in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s ($(psql_db "$DB" -c "SELECT pg_size_pretty(pg_total_relation_size('analytics.victim_year_2020') * 11)") of victim-years, roughly)"

{ cat var/wiqaya.conf; printf '[database]\ndbname = %s\n' "$DB"; } >var/bench/scale.conf
mapfile -t detection < <(tail -n +2 config/codelists/detection.csv | cut -d, -f1)
channels() { local skip=$1 c out=(); for c in "${detection[@]}"; do [[ $c == "${detection[$skip]}" ]] || out+=("$c"); done; local IFS=';'; echo "${out[*]}"; }
serve_scale() { # PORT ENGINE: a server on $DB, the answer cache too small to keep a table
  { cat var/bench/scale.conf
    printf '[server]\nport = %s\ncolumn_engine = %s\ncache_mb = 1\n[disclosure]\nbudget_researcher = 1000000\n[log]\nlevel = warning\n' "$1" "$2"; } >var/bench/scale-$1.conf
  WIQAYA_CONF=var/bench/scale-$1.conf "$BIN/wiqaya-server" serve 2>"var/bench/scale-$1.log" &
  spid=$!
  for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start"; cat "var/bench/scale-$1.log"; exit 1
}
stop_scale() { kill "$spid"; wait "$spid" 2>/dev/null || true; spid=; }
# measure LABEL: the engine's load and memory, the SQL path's and psql's times, the plan.
measure() {
  local label=$1 mon version tok api=() plain=() r q
  mon=$(WIQAYA_CONF=var/bench/scale.conf "$BIN/wiqaya-server" token add --role monitor --name bench 2>/dev/null)
  version=$(psql_db "$DB" -c 'SELECT version FROM analytics.data_version')
  serve_scale 18095 true
  metric() { curl -s -H "Authorization: Bearer $mon" "http://127.0.0.1:18095/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
  for _ in $(seq 1 3000); do [[ $(metric wiqaya_engine_version) == "$version" ]] && break; sleep 0.1; done
  local load bytes rss
  load=$(metric wiqaya_engine_load_seconds) bytes=$(metric wiqaya_engine_bytes)
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$spid/status")
  stop_scale
  serve_scale 18096 false
  tok=$(WIQAYA_CONF=var/bench/scale.conf "$BIN/wiqaya-server" token add --role researcher --name bench 2>/dev/null)
  for r in $(seq 1 "$ROUNDS"); do
    q="indicator=victims&dimension=year&dimension=sex&dimension=age_band&dimension=region&filter=detection:$(channels "$r")"
    api+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $tok" "http://127.0.0.1:18096/api/v1/analytics?$q" |
      awk '{ print $1 * 1000 }')")
    plain+=("$(psql_db "$DB" -c '\timing on' -c "SELECT year, sex, age_band, region, count(*) FROM analytics.victim_year
      WHERE detection = ANY (string_to_array('$(channels "$r")', ';')) GROUP BY 1, 2, 3, 4" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')")
  done
  stop_scale
  stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f / %.0f / %.0f", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
  echo "$label: engine loaded in $load s, $bytes bytes ($(awk -v b="$bytes" -v n="$rows" 'BEGIN { printf "%.1f", b / n }') a victim-year), data process RSS $((rss / 1024)) MiB"
  echo "$label: fresh 4-dimension table, ms min / median / max over $ROUNDS rounds: API on the SQL path $(stats "${api[@]}"); psql plain GROUP BY $(stats "${plain[@]}")"
  psql_db "$DB" -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT year, sex, age_band, region, count(*) FROM analytics.victim_year
    WHERE detection = ANY (string_to_array('$(channels 1)', ';')) GROUP BY 1, 2, 3, 4" >"var/bench/plan-$label.txt"
  echo "$label: plan: $(grep -c 'Foreign Scan' "var/bench/plan-$label.txt") foreign scans ($(grep -c 'Async Foreign Scan' "var/bench/plan-$label.txt") async), $(grep -cE 'Remote SQL: .*GROUP BY' "var/bench/plan-$label.txt") aggregates pushed down, $(grep -c 'Partial' "var/bench/plan-$label.txt") partial aggregates here, $(grep -cE '^ *-> *(Parallel )?Seq Scan' "var/bench/plan-$label.txt") local scans; the remote SQL of one node: $(grep -m1 'Remote SQL' "var/bench/plan-$label.txt" | sed 's/^ *//')"
}
measure "1 node"

# Three nodes: two clusters with the main one's roles' passwords, migrated; every year but
# the last moved to them by turns.
for n in "${nodes[@]}"; do
  mkdir -p "$cluster-bench-$n/roles" && cp "$cluster/roles/"*.pgpass "$cluster-bench-$n/roles/"
  rm -f "var/bench/pg-$n.conf"
  node_pg "$n" conf >/dev/null
  port=$((20000 + RANDOM % 10000))
  sed -i -e "s|^port *= *5[0-9]*|port = $port|" -e "s|^dbname *=.*|dbname = $DB|" "var/bench/pg-$n.conf"
  node_pg "$n" start
  sed -e "s|^host *=.*|host = $cluster-bench-$n|" -e "s|^port *= *5[0-9]*|port = $port|" \
    -e "s|^passwords *=.*|passwords = $cluster-bench-$n/roles|" var/bench/scale.conf >"var/bench/scale-$n.conf"
  WIQAYA_CONF=var/bench/scale-$n.conf "$BIN/wiqaya-etl" migrate >/dev/null
  WIQAYA_CONF=var/bench/scale.conf scripts/shard.sh add "$n" "$cluster-bench-$n" "$port"
done
t0=$(date +%s.%N)
i=0
years=$(psql_db "$DB" -c 'SELECT string_agg(DISTINCT year::text, $$ $$ ORDER BY year::text) FROM analytics.case_fact')
last=${years##* }
for y in $years; do
  [[ $y == "$last" ]] && continue
  WIQAYA_CONF=var/bench/scale.conf scripts/shard.sh move "$y" "${nodes[$((i % 2))]}" >/dev/null
  i=$((i + 1))
done
echo "moved $i years to the nodes in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s"
measure "3 nodes"
