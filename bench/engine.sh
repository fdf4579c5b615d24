# The column engine side by side (issue 26): the fresh 4-dimension table (year x sex x age
# band x region, 3,432 cells, filtered on 11 detection channels) through the API with the
# engine, through the API on the SQL path, as a plain GROUP BY in psql, and in DuckDB (the
# server's SQL and a plain GROUP BY; @duckdb/node-api from bench/duckdb's lock), interleaved
# over 7 rounds, at 1x (the demo country) and 10x (its victim-years copied ten times into a
# database of their own, as a benchmark may); min / median / max and the ratios the issue
# sets as goals; and the engine's memory and load time. Throughput (wrk) is routes.sh.
source "$(dirname "$0")/demo.sh"
ROUNDS=${ROUNDS:-7}
(cd bench/duckdb && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
psql_db() { local db=$1; shift; scripts/pg.sh psql -X -q -At -d "$db" "$@"; }
mapfile -t detection < <(tail -n +2 config/codelists/detection.csv | cut -d, -f1 | grep -vx other)

# The 10x database: the demo's, its victim-years copied nine more times (made again when
# the demo changed).
base_rows=$(psql_db wiqaya -c 'SELECT count(*) FROM analytics.victim_year')
x10_rows=$(psql_db wiqaya_x10 -c 'SELECT count(*) FROM analytics.victim_year' 2>/dev/null || echo 0)
if [[ $x10_rows != $((base_rows * 10)) ]]; then
  echo "making the 10x database (the demo's $base_rows victim-years, ten times)"
  # (A template copies no database-level grant or setting: as migrations 000 and 014 set them.)
  psql_db postgres -c "DROP DATABASE IF EXISTS wiqaya_x10 WITH (FORCE)" -c "CREATE DATABASE wiqaya_x10 TEMPLATE wiqaya" \
    -c "REVOKE TEMPORARY, CONNECT ON DATABASE wiqaya_x10 FROM PUBLIC" \
    -c "GRANT CONNECT ON DATABASE wiqaya_x10 TO wiqaya_loader, wiqaya_reader" \
    -c "GRANT TEMPORARY ON DATABASE wiqaya_x10 TO wiqaya_loader" -c "ALTER DATABASE wiqaya_x10 SET jit = off"
  cols=$(psql_db wiqaya_x10 -c "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
                                WHERE table_schema = 'analytics' AND table_name = 'victim_year' AND is_generated = 'NEVER'")
  psql_db wiqaya_x10 -c "INSERT INTO analytics.victim_year ($cols) SELECT $cols FROM analytics.victim_year, generate_series(1, 9)" \
    -c "UPDATE analytics.data_version SET version = version + 1" -c "ANALYZE analytics.victim_year"
fi

# serve PORT DB ENGINE: a server on DB with the column engine on or off, and an answer cache
# too small to keep a 4-dimension table (every request computes it).
serve() {
  local conf=var/bench/engine-$1.conf
  { cat var/wiqaya.conf
    printf '[server]\nport = %s\ncolumn_engine = %s\ncache_mb = 1\n[database]\ndbname = %s\n' "$1" "$3" "$2"
    printf '[disclosure]\nbudget_researcher = 1000000\n[limits]\nconnections_per_ip = 256\n[log]\nlevel = warning\n'; } >"$conf"
  WIQAYA_CONF=$conf "$BIN/wiqaya-server" serve >/dev/null 2>"var/bench/engine-$1.log" &
  echo $!
}
metric() { curl -s -H "Authorization: Bearer $mon" "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
# token ROLE: a token of the database the scale's config names.
token() { WIQAYA_CONF=var/bench/engine-db.conf "$BIN/wiqaya-server" token add --role "$1" --name bench 2>/dev/null; }
tokens() { for _ in $(seq 0 "$ROUNDS"); do token researcher; done | jq -R . | jq -sc .; } # one a round, as JSON

# (Versions before this one left their tokens in var/bench/side.json.)
rm -f var/bench/side.json
declare -A result
for scale in 1x 10x; do
  db=wiqaya; [[ $scale == 10x ]] && db=wiqaya_x10
  { cat var/wiqaya.conf; printf '[database]\ndbname = %s\n' "$db"; } >var/bench/engine-db.conf
  mon=$(token monitor)
  rows=$(psql_db "$db" -c 'SELECT count(*) FROM analytics.victim_year')
  scripts/pg.sh psql -X -q -d "$db" -c "\\copy (SELECT year, region, sex, age_band, detection, record_key FROM analytics.victim_year) TO 'var/bench/vy-$scale.csv' CSV HEADER"
  a=$(serve 18091 "$db" true) b=$(serve 18092 "$db" false)
  trap 'kill $a $b 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -s http://127.0.0.1:18092/healthz >/dev/null && break; sleep 0.1; done
  kill -0 "$a" "$b" || { echo "a server did not start"; cat var/bench/engine-1809[12].log; exit 1; }
  version=$(psql_db "$db" -c 'SELECT version FROM analytics.data_version')
  for _ in $(seq 1 600); do [[ $(metric 18091 wiqaya_engine_version) == "$version" ]] && break; sleep 0.1; done
  load=$(metric 18091 wiqaya_engine_load_seconds) bytes=$(metric 18091 wiqaya_engine_bytes)
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$a/status")
  # The tokens go to node through pipes, never a file or a command line (no token in
  # plaintext where another user could read it); jq reads the two sides' as its input.
  result[$scale]=$({ tokens; tokens; } | jq -s --arg csv "$ROOT/var/bench/vy-$scale.csv" --argjson rounds "$ROUNDS" \
    --argjson detection "$(printf '%s\n' "${detection[@]}" | jq -R . | jq -sc .)" \
    --argjson psql "$(jq -nc --arg p "$ROOT/scripts/pg.sh" --arg d "$db" '[$p, "psql", "-X", "-q", "-d", $d, "-o", "/dev/null"]')" \
    '{csv: $csv, rounds: $rounds, detection: $detection, engine: {url: "http://127.0.0.1:18091", tokens: .[0]},
      sql: {url: "http://127.0.0.1:18092", tokens: .[1]}, psql: $psql}' | node bench/duckdb/side_by_side.mjs)
  result[$scale-rows]=$rows
  result[$scale-engine]="$load $bytes $rss"
  kill "$a" "$b"
  wait "$a" "$b" 2>/dev/null || true
done

echo "fresh 4-dimension table (3,432 cells), $ROUNDS interleaved rounds, ms min / median / max"
printf '%-30s %30s %30s\n' "" "1x (${result[1x-rows]} victim-years)" "10x (${result[10x-rows]})"
for n in api_engine:"Wiqaya API, column engine" api_sql_path:"Wiqaya API, SQL path" \
         postgres_plain:"PostgreSQL, plain GROUP BY" duckdb_server_sql:"DuckDB, the server's SQL" \
         duckdb_plain:"DuckDB, plain GROUP BY"; do
  k=${n%%:*}
  row() { jq -r --arg k "$k" '.[$k] | "\(.min*10|round/10) / \(.median*10|round/10) / \(.max*10|round/10)"' <<<"${result[$1]}"; }
  printf '%-30s %30s %30s\n' "${n#*:}" "$(row 1x)" "$(row 10x)"
done
med() { jq -r --arg k "$2" '.[$k].median' <<<"${result[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "API (engine) / DuckDB plain GROUP BY: 1x $(ratio "$(med 1x api_engine)" "$(med 1x duckdb_plain)"), 10x $(ratio "$(med 10x api_engine)" "$(med 10x duckdb_plain)") (goal: at most 0.5)"
echo "PostgreSQL plain GROUP BY / API (engine) at 10x: $(ratio "$(med 10x postgres_plain)" "$(med 10x api_engine)") x (goal: 50)"
echo "API, SQL path / API, engine: 1x $(ratio "$(med 1x api_sql_path)" "$(med 1x api_engine)") x, 10x $(ratio "$(med 10x api_sql_path)" "$(med 10x api_engine)") x"
for scale in 1x 10x; do
  read -r load bytes rss <<<"${result[$scale-engine]}"
  echo "engine at $scale: loaded in $load s; $bytes bytes for ${result[$scale-rows]} victim-years (every fact: $(awk -v b="$bytes" -v n="${result[$scale-rows]}" 'BEGIN { printf "%.1f", b / n }') bytes a victim-year); data process RSS $((rss / 1024)) MiB ($(awk -v r="$rss" -v n="${result[$scale-rows]}" 'BEGIN { printf "%.0f", r / 1024 / n * 1e6 }') MiB a million victim-years)"
done
