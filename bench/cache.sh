# Repeated queries against /healthz, with wrk (2 threads, 32 connections, 10 s each), on
# the demo country as make run loads it (run bench/protect.sh or make run first): the
# answer cache (server/cache.c) serves a repeated query with no SQL but the data version's
# and the ledger's one statement for the asking token.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/${BUILD:-build}/bin
cd "$ROOT"
scripts/pg.sh start >/dev/null
export WIQAYA_CONF=$ROOT/var/wiqaya.conf
"$BIN/wiqaya-server" keygen >/dev/null
"$BIN/wiqaya-etl" migrate >/dev/null
mkdir -p var/bench
token=$("$BIN/wiqaya-server" token add --role researcher --name "bench" 2>/dev/null)
conf=var/bench/cache.conf
{ cat var/wiqaya.conf; printf '[server]\nport = 18099\n[disclosure]\nbudget_researcher = 1000000\n[log]\nlevel = warning\n'; } >"$conf"
WIQAYA_CONF=$conf "$BIN/wiqaya-server" serve 2>var/bench/cache.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -s http://127.0.0.1:18099/healthz >/dev/null && break; sleep 0.1; done
url='http://127.0.0.1:18099/api/v1/analytics?indicator=victims&dimension=region&dimension=sex&filter=year:2025'
curl -s -o /dev/null -H "Authorization: Bearer $token" "$url"
rps() { wrk -t2 -c32 -d10s "$@" | awk '/Requests\/sec/ { print $2 } /Non-2xx/ { print "non-2xx " $4 > "/dev/stderr" }'; }
h=$(rps http://127.0.0.1:18099/healthz)
q=$(rps -H "Authorization: Bearer $token" "$url")
echo "wrk 2 threads x 32 connections x 10 s: /healthz $h requests/s; a repeated query (52 cells, cached) $q requests/s ($(awk -v a="$q" -v b="$h" 'BEGIN { printf "%.2f", a / b }') x healthz)"
kill $pid
wait $pid 2>/dev/null || true
