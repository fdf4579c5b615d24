# The intake under load (issue goals: single-case requests from 8 concurrent clients at
# 500 acknowledged cases/s or more with p99 under 100 ms; 100-case requests at 5,000
# cases/s or more; the analytics showing an acknowledged case within [intake]
# refresh_delay, 60 s). wrk, 2 threads, 8 connections, 20 s a run, on a copy of the demo
# country (200,000 cases: the linkage looks every new record up among them), intake and
# PostgreSQL on the same 2-core machine. New cases from a second synthetic country
# (seed 77), each under a new case reference and each request under a new key.
source "$(dirname "$0")/demo.sh"
PORT=18096
DB=wiqaya_bench_intake
psql_admin() { scripts/pg.sh psql -X -q -At -d postgres "$@"; }
psql_bench() { scripts/pg.sh psql -X -q -At -d "$DB" "$@"; }
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB TEMPLATE wiqaya" >/dev/null
conf=var/bench/intake.conf
{ sed "s|^dbname *=.*|dbname = $DB|" var/wiqaya.conf
  printf '[intake]\nport = %s\nrefresh_delay = 60\n[log]\nlevel = warning\n' "$PORT"; } >"$conf"
[[ -f var/bench/cases77.ndjson ]] ||
  { "$BIN/wiqaya-etl" synth --seed 77 --cases 20000 --years 2024-2025 --bad-rate 0 --out var/bench/syn77 >/dev/null &&
    mv var/bench/syn77/cases.ndjson var/bench/cases77.ndjson && rm -rf var/bench/syn77; }
submitter=$(WIQAYA_CONF=$conf "$BIN/wiqaya-server" token add --role submitter --agency DC-POL-01 --name bench 2>/dev/null)
WIQAYA_CONF=$conf "$BIN/wiqaya-etl" serve 2>var/bench/intake.log &
ipid=$!
trap 'kill $ipid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# The oldest change waiting for the analytics, sampled every second: what an acknowledged
# case waits at most (a change leaves the queue when the refresh that shows it commits).
watch_queue() {
  local max=0 a
  while kill -0 "$1" 2>/dev/null; do
    a=$(psql_bench -c "SELECT coalesce(round(extract(epoch FROM now() - min(queued_at)))::int, 0) FROM warehouse.refresh_queue")
    ((a > max)) && max=$a
    sleep 1
  done
  echo "$max"
}
run() { # run NAME PER: 20 s of wrk with PER cases a request
  local name=$1 per=$2
  BENCH_TOKEN=$submitter BENCH_AGENCY=DC-POL-01 BENCH_PER=$per BENCH_CASES=var/bench/cases77.ndjson \
    BENCH_RUN=$per-$RANDOM wrk -t2 -c8 -d20s --timeout 10s --latency -s bench/intake.lua \
    "http://127.0.0.1:$PORT" >var/bench/wrk-intake.out &
  local w=$!
  watch_queue $w >var/bench/queue-age &
  local q=$!
  wait $w
  wait $q
  awk -v n="$name" -v per="$per" '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /^non-2xx/ { bad = bad " " $0 } END { printf "%-34s %7.0f req/s = %7.0f cases/s  p50 %8s  p99 %8s%s\n", n, r, r * per, p50, p99, bad }' var/bench/wrk-intake.out
  echo "    the oldest change waited at most $(cat var/bench/queue-age) s for the analytics during the run (refresh_delay 60 s)"
}
before=$(psql_bench -c 'SELECT count(*) FROM warehouse."case"')
v0=$(psql_bench -c 'SELECT version FROM analytics.data_version')
run "single-case requests, 8 clients" 1
run "100-case requests, 8 clients" 100
after=$(psql_bench -c 'SELECT count(*) FROM warehouse."case"')
t0=$SECONDS
while [[ $(psql_bench -c 'SELECT count(*) FROM warehouse.refresh_queue') != 0 ]]; do sleep 1; done
echo "cases acknowledged and stored: $((after - before)); the queue was empty $((SECONDS - t0)) s after the last request"
echo "refreshes during the runs: $(($(psql_bench -c 'SELECT version FROM analytics.data_version') - v0))"
kill $ipid
wait $ipid 2>/dev/null || true
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
