# The cost of disclosure control per query on the demo country (200,000 cases, as make run
# loads it): the exact query alone against the whole protection layer, in process
# (bench/bench_protect.c); then over HTTP with a token, one request at a time, and with
# wrk (2 threads, 32 connections, 10 s) a repeated query, served by the answer cache,
# against /healthz.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/${BUILD:-build}/bin
cd "$ROOT"
scripts/pg.sh start >/dev/null
export WIQAYA_CONF=$ROOT/var/wiqaya.conf
mkdir -p var/keys var/demo var/bench
[[ -f var/keys/pseudonym.key ]] || "$BIN/wiqaya-etl" keygen >/dev/null
"$BIN/wiqaya-server" keygen >/dev/null
"$BIN/wiqaya-etl" migrate >/dev/null
if [[ ! -f var/demo/cases.ndjson ]]; then
  "$BIN/wiqaya-etl" synth --seed 2026 --cases 200000 --years 2015-2025 --out var/demo >/dev/null
fi
"$BIN/wiqaya-etl" load --population var/demo/population.csv >/dev/null
"$BIN/wiqaya-etl" load --rejects var/demo/rejects.ndjson var/demo/cases.ndjson >/dev/null || true
token=$("$BIN/wiqaya-server" token add --role researcher --name "bench" 2>/dev/null)
echo "demo country: $(scripts/pg.sh psql -X -At -d wiqaya -c 'SELECT count(*) FROM analytics.case_fact') cases, $(scripts/pg.sh psql -X -At -d wiqaya -c 'SELECT count(*) FROM analytics.victim_year') victim-years"
BENCH_TOKEN=$token "$BIN/bench_protect" 21
# End to end: the server on a port of its own, with budgets no benchmark exhausts.
conf=var/bench/protect.conf
{ cat var/wiqaya.conf; printf '[server]\nport = 18099\n[disclosure]\nbudget_researcher = 1000000\n[log]\nlevel = warning\n'; } >"$conf"
WIQAYA_CONF=$conf "$BIN/wiqaya-server" serve 2>var/bench/protect.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -s http://127.0.0.1:18099/healthz >/dev/null && break; sleep 0.1; done
url='http://127.0.0.1:18099/api/v1/analytics?indicator=victims&dimension=region&dimension=sex&filter=year:2025'
curl -s -o /dev/null -H "Authorization: Bearer $token" "$url"
for _ in $(seq 1 200); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"; done |
  sort -n | awk '{ t[NR] = $1 } END { printf "HTTP, victims by region x sex (52 cells), 200 requests one at a time: median %.2f ms, p90 %.2f ms\n", t[int(NR / 2)] * 1000, t[int(NR * 0.9)] * 1000 }'
rps() { wrk -t2 -c32 -d10s "$@" | awk '/Requests\/sec/ { print $2 } /Non-2xx/ { print "non-2xx " $4 > "/dev/stderr" }'; }
h=$(rps http://127.0.0.1:18099/healthz)
q=$(rps -H "Authorization: Bearer $token" "$url")
echo "wrk 2 threads x 32 connections x 10 s: /healthz $h requests/s; the repeated query (cached) $q requests/s ($(awk -v a="$q" -v b="$h" 'BEGIN { printf "%.2f", a / b }') x healthz)"
kill $pid
wait $pid 2>/dev/null || true
