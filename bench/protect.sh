# The cost of disclosure control per query on the demo country (200,000 cases, as make run
# loads it): the exact query alone against the whole protection layer, in process
# (bench/bench_protect.c); then over HTTP with a token, one request at a time. Throughput
# under load is bench/routes.sh.
source "$(dirname "$0")/demo.sh"
BENCH_TOKEN=$token "$BIN/bench_protect" 21
# End to end: the server on a port of its own.
serve_bench 18099
url='http://127.0.0.1:18099/api/v1/analytics?indicator=victims&dimension=region&dimension=sex&filter=year:2025'
curl -s -o /dev/null -H "Authorization: Bearer $token" "$url"
for _ in $(seq 1 200); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"; done |
  sort -n | awk '{ t[NR] = $1 } END { printf "HTTP, victims by region x sex (52 cells), 200 requests one at a time: median %.2f ms, p90 %.2f ms\n", t[int(NR / 2)] * 1000, t[int(NR * 0.9)] * 1000 }'
kill $pid
wait $pid 2>/dev/null || true
