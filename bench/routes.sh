# Throughput and latency of the API under load on the demo country (200,000 cases), with
# wrk (2 threads, 32 connections, 10 s each, --latency, a 10 s client timeout so that the
# slowest answers are measured, not cut) in one run: /healthz; a repeated one-dimension
# query and a repeated 4-dimension table (served as kept bytes: no scan, no rendering,
# and with every cell already paid for, no ledger either); a repeated trend; and fresh
# 4-dimension queries, none asked before (bench/fresh.lua), which each scan and charge.
source "$(dirname "$0")/demo.sh"
serve_bench 18098
base=http://127.0.0.1:18098
auth="Authorization: Bearer $token"
# run NAME WRK-ARGS...: requests/s, p50 and p99 (wrk's latency distribution); 32
# connections unless CONNS says otherwise.
run() {
  local name=$1; shift
  wrk -t2 -c"${CONNS:-32}" -d10s --timeout 10s --latency "$@" >var/bench/wrk.out
  awk -v n="$name" '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF } END { printf "%-44s %9s req/s  p50 %8s  p99 %8s%s\n", n, r, p50, p99, bad ? "  NON-2XX " bad : "" }' var/bench/wrk.out
  awk '/Requests\/sec/ { print $2 }' var/bench/wrk.out >"var/bench/rps.${name%% *}"
  # The answers still being computed for the run's last requests (wrk has closed their
  # connections; the server finishes them) are not the next run's load.
  sleep 4
}
one="$base/api/v1/analytics?indicator=victims&dimension=region&filter=year:2025"
# The issue's 4-dimension table: year x sex x age band x region (3,432 cells), filtered on
# 11 detection channels.
det=$(tail -n +2 config/codelists/detection.csv | cut -d, -f1 | grep -vx other | paste -sd';')
four="$base/api/v1/analytics?indicator=victims&dimension=year&dimension=sex&dimension=age_band&dimension=region&filter=detection:$det"
trend="$base/api/v1/trends?indicator=victim_rate&dimension=sex"
curl -s -o /dev/null -H "$auth" "$one"
curl -s -o /dev/null -H "$auth" "$four"
curl -s -o /dev/null -H "$auth" "$trend"
run healthz "$base/healthz"
run repeated "$one" -H "$auth"
run "repeated4 (3,432 cells)" "$four" -H "$auth"
run trend "$trend" -H "$auth"
BENCH_TOKEN=$token run "fresh4 (32 connections)" -s bench/fresh.lua "$base"
# The same with one connection per server thread: the service time, without the queue.
BENCH_TOKEN=$token CONNS=4 run "fresh4-service (4 connections)" -s bench/fresh.lua "$base"
h=$(cat var/bench/rps.healthz) q=$(cat var/bench/rps.repeated) q4=$(cat var/bench/rps.repeated4)
f=$(cat var/bench/rps.fresh4)
echo "the repeated one-dimension answer at $(awk -v a="$q" -v b="$h" 'BEGIN { printf "%.2f", a / b }') x /healthz (goal 0.8)"
echo "the repeated 4-dimension table at $q4 req/s (goal 1,000)"
echo "fresh 4-dimension tables under 32 clients: $f tables/s, $(awk -v a="$f" 'BEGIN { printf "%.0f", a / 8.7 }') x the 8.7/s of issue 26 (goal 20 x)"
kill $pid
wait $pid 2>/dev/null || true
