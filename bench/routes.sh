# Throughput and latency of the API under load on the demo country (200,000 cases), with
# wrk (2 threads, 32 connections, 10 s each, --latency, a 10 s client timeout so that the
# slowest answers are measured, not cut) in one run: /healthz; a repeated
# one-dimension query (served from the answer cache: no SQL, and with every cell already
# paid for, no ledger transaction either); a repeated trend; and fresh 4-dimension
# queries, none asked before (bench/fresh.lua), which each run their SQL and charge.
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
trend="$base/api/v1/trends?indicator=victim_rate&dimension=sex"
curl -s -o /dev/null -H "$auth" "$one"
curl -s -o /dev/null -H "$auth" "$trend"
run healthz "$base/healthz"
run repeated "$one" -H "$auth"
run trend "$trend" -H "$auth"
BENCH_TOKEN=$token run "fresh4 (32 connections)" -s bench/fresh.lua "$base"
# The same with one connection per server thread: the service time, without the queue.
BENCH_TOKEN=$token CONNS=4 run "fresh4 (4 connections)" -s bench/fresh.lua "$base"
h=$(cat var/bench/rps.healthz) q=$(cat var/bench/rps.repeated)
echo "the repeated query at $(awk -v a="$q" -v b="$h" 'BEGIN { printf "%.2f", a / b }') x /healthz (goal 0.8)"
kill $pid
wait $pid 2>/dev/null || true
