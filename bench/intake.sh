# The intake under load (issue goals: single-case requests from 8 concurrent clients at
# 500 acknowledged cases/s or more with p99 under 100 ms; 100-case requests at 5,000
# cases/s or more; the analytics showing an acknowledged case within [intake]
# refresh_delay, 60 s). wrk, 2 threads, 8 connections, on a copy of the demo
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
  { "$BIN/wiqaya-synth" --seed 77 --cases 20000 --years 2024-2025 --bad-rate 0 --out var/bench/syn77 >/dev/null &&
    mv var/bench/syn77/cases.ndjson var/bench/cases77.ndjson && rm -rf var/bench/syn77; }
submitter=$(WIQAYA_CONF=$conf "$BIN/wiqaya-server" token add --role submitter --agency DC-POL-01 --name bench 2>/dev/null)
WIQAYA_CONF=$conf "$BIN/wiqaya-etl" serve 2>var/bench/intake.log &
ipid=$!
trap 'kill $ipid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# The oldest change waiting for the analytics, sampled every second: what an acknowledged
# case waits at most (a change leaves the queue when the refresh that shows it commits);
# and each refresh seen, with how long it took (from its start, data_version.rebuilt_at,
# to the sample that first saw its new version).
watch_queue() {
  local max=0 a v last=
  while kill -0 "$1" 2>/dev/null; do
    read -r a v < <(psql_bench -F' ' -c "SELECT coalesce(round(extract(epoch FROM now() - min(queued_at)))::int, 0),
      (SELECT version || ':' || round(extract(epoch FROM now() - rebuilt_at))::int FROM analytics.data_version)
      FROM warehouse.refresh_queue")
    ((a > max)) && max=$a
    if [[ -n $last && ${v%%:*} != "${last%%:*}" ]]; then echo "refresh ${v%%:*}: about ${v#*:} s" >>var/bench/refreshes; fi
    last=$v
    sleep 1
  done
  echo "$max"
}
run() { # run NAME PER SECONDS: wrk with PER cases a request
  local name=$1 per=$2 secs=$3
  : >var/bench/refreshes
  BENCH_TOKEN=$submitter BENCH_AGENCY=DC-POL-01 BENCH_PER=$per BENCH_CASES=var/bench/cases77.ndjson \
    BENCH_RUN=$per-$RANDOM wrk -t2 -c8 -d"${secs}s" --timeout 10s --latency -s bench/intake.lua \
    "http://127.0.0.1:$PORT" >var/bench/wrk-intake.out &
  local w=$!
  watch_queue $w >var/bench/queue-age &
  local q=$!
  wait $w
  wait $q
  awk -v n="$name" -v per="$per" '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /^non-2xx/ { bad = bad " " $0 } END { printf "%-40s %7.0f req/s = %7.0f cases/s  p50 %8s  p99 %8s%s\n", n, r, r * per, p50, p99, bad }' var/bench/wrk-intake.out
  echo "    the oldest change waited at most $(cat var/bench/queue-age) s for the analytics (refresh_delay 60 s); refreshes: $(paste -sd';' var/bench/refreshes)"
}
drain() { # waits for the refresher to empty the queue; prints how long it took
  local t0=$SECONDS
  while [[ $(psql_bench -c 'SELECT count(*) FROM warehouse.refresh_queue') != 0 ]]; do sleep 1; done
  echo "    the queue was empty $((SECONDS - t0)) s after the last request"
}
before=$(psql_bench -c 'SELECT count(*) FROM warehouse."case"')
# 100-case requests first, from an empty queue (20 s: no refresh falls in the run).
run "100-case requests, 8 clients, 20 s" 100 20
drain
# Single-case requests for 90 s: the refresher works under the load (a refresh every
# refresh_delay), and the freshness is what a client sees then.
run "single-case requests, 8 clients, 90 s" 1 90
drain
after=$(psql_bench -c 'SELECT count(*) FROM warehouse."case"')
echo "cases acknowledged and stored: $((after - before))"
kill $ipid
wait $ipid 2>/dev/null || true
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
