# PostgreSQL stopped and started again under a stream of requests: the server answers
# only 200s and 503s (with Retry-After), never hangs past its connect timeout, and is back
# to 200s within seconds of the database's return, without a restart.
source "$(dirname "$0")/../lib.sh"
fresh_db outage
"$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson" >/dev/null 2>&1
printf '[database]\nconnect_timeout = 2\nconnect_retries = 1\n' >>"$CONF"
URL=http://127.0.0.1:${TEST_HTTP_PORT:-18080}
start_server
TOKEN=$(new_token researcher)
stream() { # one request every 50 ms for N seconds: "status seconds" per line
  local end=$((SECONDS + $1))
  while ((SECONDS < end)); do
    curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}\n' \
      -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=year"
    sleep 0.05
  done
}
stream 12 >"$T/stream" &
streamer=$!
sleep 2
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" stop >/dev/null
sleep 1
curl -s -D "$T/h503" -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=year"
sleep 3
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
wait "$streamer"
codes=$(cut -d' ' -f1 "$T/stream" | sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }')
slowest=$(cut -d' ' -f2 "$T/stream" | sort -n | tail -1)
figure "$(wc -l <"$T/stream") requests across a 4 s outage: $codes; the slowest took ${slowest} s"
check "only 200s and 503s" bash -c "! grep -vqE '^(200|503) ' '$T/stream'"
check "503s while the database was away" grep -q '^503 ' "$T/stream"
check "no request hung past the connect timeout (2 s, plus the answer)" awk -v s="$slowest" 'BEGIN { exit !(s < 4) }'
eq "and 200s again at the end, without a restart" "$(tail -5 "$T/stream" | cut -d' ' -f1 | sort -u)" "200"
check "a 503 says when to retry (Retry-After)" bash -c "grep -q ' 503' '$T/h503' && grep -qi '^retry-after: [0-9]' '$T/h503'"
check "the server is the same process" kill -0 "$SERVER_PID"
# A restart while every thread holds an idle connection: the next request of each thread
# finds its connection closed and makes another before using it, instead of failing once.
for _ in $(seq 1 12); do api /healthz >/dev/null; api '/api/v1/analytics?indicator=victims&dimension=year' >/dev/null; done
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" stop >/dev/null
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
after=$(for _ in $(seq 1 12); do
  curl -s -o /dev/null -w '%{http_code}\n' "$URL/healthz"
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=year"
done | sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }')
eq "after a restart of the database, no thread fails its first request (24 requests)" "$after" "200 x24 "
sleep 1.5 # the audit writer retries every second
check "and the audit lost nothing (dropped 0)" bash -c "curl -s '$URL/healthz' | jq -e '.audit.dropped == 0'"
stop_server

# A server started while the database is away cannot check its noise key's scales at start
# (docs/privacy.md, "Changing the noise"): it checks them before its first answer, and
# makes none under scales other than the ones the key published under.
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" stop >/dev/null
printf '[disclosure]\nnoise_scale = 3\n' >>"$CONF"
start_server
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
eq "started without its database, under other noise scales than its key's, it answers no table" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=relationship")" 503
check "saying why in its log (S5007)" grep -q "S5007" "$T/server.log"
stop_server
sed -i '$d' "$CONF"; sed -i '$d' "$CONF"
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" stop >/dev/null
start_server
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
eq "under its key's scales it answers, its noise function read by that first answer" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=sex&dimension=relationship")" 200
check "and goes on answering (a new table, noise drawn)" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/analytics?indicator=victims&dimension=age_band&dimension=relationship")" = 200
check "and its disclosure route names the function" \
  bash -c "curl -s -H 'Authorization: Bearer $TOKEN' '$URL/api/v1/disclosure' | jq -e '.noise.keyed_by | startswith(\"a SipHash-2-4 PRF\")'"
stop_server
echo "1..$n"
