# The shared HTTP core (common/http.c), through wiqaya-server: the header deadline, 503s
# at the connection limits (never a reset), a trusted proxy's clients told apart, URL and
# parameter limits, strict parameters, HEAD, and an access log that cannot be forged.
source "$(dirname "$0")/../lib.sh"
fresh_db http
"$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson" >/dev/null 2>&1
PORT=${TEST_HTTP_PORT:-18080}
URL=http://127.0.0.1:$PORT
base_conf=$(cat "$CONF")
limits() { # limits KEY=VALUE...: the test config with these [limits] and [server] keys
  { echo "$base_conf"; echo "[limits]"; for kv in "$@"; do [[ $kv == trusted_proxy=* ]] || echo "${kv/=/ = }"; done
    for kv in "$@"; do [[ $kv == trusted_proxy=* ]] && printf '[server]\ntrusted_proxy = %s\n' "${kv#*=}"; done
    printf '[log]\nlevel = info\n'; } >"$CONF" # the access log is at level info
}
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

# --- slow clients: 40 connections sending a byte every 0.3 s never finish their headers ---
limits header_timeout=2 max_connections=64 connections_per_ip=48
start_server
slow() { # a client that trickles a request line; prints how long the server let it live
  local t0=$SECONDS
  trap '' PIPE # a write after the server cut it off fails; it must not kill the client
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || { echo refused; return; }
  for _ in $(seq 1 40); do
    printf 'G' >&3 2>/dev/null || break
    sleep 0.3
  done
  exec 3>&-
  echo $((SECONDS - t0))
}
pids=()
for i in $(seq 1 40); do slow >"$T/slow.$i" 2>/dev/null & pids+=($!); done
sleep 0.5
during=$(code "$URL/healthz")
check "a client arriving among 40 slow ones gets an answer, not a reset ($during)" \
  bash -c "[[ '$during' == 200 || '$during' == 503 ]]"
wait "${pids[@]}"
lived=$(cat "$T"/slow.* | sort -n | tail -1)
figure "40 slow clients: the longest lived ${lived} s (header_timeout 2 s)"
check "every slow client is cut off after the header deadline (<= 4 s)" test "$lived" -le 4
eq "and then the server answers" "$(code "$URL/healthz")" "200"
stop_server

# --- the connection limit: a 503 with Retry-After, not a reset ---
limits header_timeout=5 max_connections=8 connections_per_ip=100
start_server
pids=()
for i in $(seq 1 10); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT"; sleep 3) & pids+=($!); done
sleep 0.5
eq "past max_connections: 503" "$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' "$URL/healthz")" "503"
check "with Retry-After" grep -qi '^retry-after: 1' "$T/h"
check "and a problem+json body" bash -c "curl -s '$URL/healthz' | jq -e '.code == \"H1503\"'"
wait "${pids[@]}"
eq "once they are gone, 200" "$(code "$URL/healthz")" "200"
stop_server

# --- per client: past connections_per_ip = 4 a 503, and past 2 more, refused at accept ---
limits header_timeout=5 max_connections=64 connections_per_ip=4
start_server
pids=()
for i in $(seq 1 4); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT"; sleep 3) & pids+=($!); done
sleep 0.5
eq "past connections_per_ip for one client: 503" "$(code "$URL/healthz")" "503"
for i in $(seq 1 4); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT"; sleep 3) & pids+=($!); done
sleep 0.5
eq "past it and its slack of 2: the connection is refused before a byte is read" \
  "$(code --max-time 2 "$URL/healthz")" "000"
eq "while another address is answered" "$(code --interface 127.0.0.2 "$URL/healthz")" "200"
wait "${pids[@]}"
stop_server
# Behind a trusted proxy every client has the proxy's address: its X-Forwarded-For counts.
limits header_timeout=5 max_connections=64 connections_per_ip=4 trusted_proxy=127.0.0.1
start_server
pids=()
for i in $(seq 1 6); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT"; sleep 3) & pids+=($!); done
sleep 0.5
eq "behind the trusted proxy, the proxy's many connections do not count as one client" \
  "$(code -H 'X-Forwarded-For: 203.0.113.7' "$URL/healthz")" "200"
wait "${pids[@]}"
stop_server

# --- URL and parameters ---
limits
start_server
TOKEN=$(new_token researcher)
AUTH="Authorization: Bearer $TOKEN"
many=$(printf 'a%d=1&' $(seq 1 10000))
eq "10,000 short parameters (about 80 KB): 414, and an answer at all" \
  "$(code --max-time 10 "$URL/api/v1/analytics?$many")" "414"
long=$(head -c 60000 /dev/zero | tr '\0' a)
eq "a 60 KB query string counts against max_url_bytes: 414" \
  "$(code "$URL/api/v1/analytics?indicator=victims&x=$long")" "414"
# Past what curl takes on its command line: the request as sent on a socket of our own.
raw() { # raw TARGET [HEADER-LINE]: the status code of the answer (its body in $T/body)
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  # (sent from the background: the server answers a request too long before it has read
  # it all, and closes; a write then fails, or its SIGPIPE ends the writer, not the test)
  { printf 'GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n' "$1" "${2:+$2$'\r\n'}" >&3; } 2>/dev/null &
  timeout 20 tr -d '\r' <&3 >"$T/raw"
  wait $! 2>/dev/null || true
  exec 3>&-
  awk 'NR == 1 { print ($2 == "" ? "000" : $2) }' "$T/raw"
  awk 'f; /^$/ { f = 1 }' "$T/raw" >"$T/body"
}
eq "20,000 parameters (about 190 KB, once more than the pool held): 414, not a lost connection" \
  "$(raw "/api/v1/analytics?$(printf 'a%d=1&' $(seq 1 20000))")" "414"
check "our own problem, numbered" jq -e '.code == "H1414"' "$T/body"
eq "50,000 parameters, a URL longer than the connection's memory: still 414" \
  "$(raw "/api/v1/analytics?$(printf 'a%d=1&' $(seq 1 50000))")" "414"
# (a NUL cannot be an argument in bash: the request written by printf's own \000)
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /api/v1/analytics\000?indicator=victims HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
timeout 10 tr -d '\r' <&3 >"$T/raw"
exec 3>&-
awk 'f; /^$/ { f = 1 }' "$T/raw" >"$T/body"
eq "a raw NUL byte in the target, arguments after it: 400, not a shorter request" \
  "$(awk 'NR == 1 { print $2 }' "$T/raw")" "400"
check "as a NUL in the target" jq -e '.code == "H1010"' "$T/body"
eq "headers longer than the connection's memory: 431" \
  "$(raw /healthz "X-Big: $(head -c 600000 /dev/zero | tr '\0' b)")" "431"
# What reaches the data process fits its connection's memory (32 KiB; common/http.c): at
# most 64 parameters, and at most 4 KiB of the headers the front passes on.
many_filters() { printf 'filter=sex:female&%.0s' $(seq 1 "$1"); }
eq "65 parameters: 400" "$(code -H "$AUTH" "$URL/api/v1/analytics?$(many_filters 64)indicator=victims")" "400"
check "naming the limit" jq -e '.code == "H1004"' "$T/body"
eq "4,000 empty ones within max_url_bytes (a record each, parsed before anything): 400" \
  "$(raw "/api/v1/analytics?$(head -c 4000 /dev/zero | tr '\0' '&')")" "400"
check "named too" jq -e '.code == "H1004"' "$T/body"
# (64 of them, in a URL of nearly max_url_bytes: the data process reads it whole and
# answers by the grammar, not by a lost connection)
target="/api/v1/analytics?$(many_filters 62)indicator=victims&format="
pad=$(head -c $((4096 - ${#target})) /dev/zero | tr '\0' a) # (a URL of 4,096 bytes)
eq "64 parameters in a 4 KB URL reach the data process and are answered there" \
  "$(code -H "$AUTH" "$URL/api/v1/analytics?$(many_filters 62)indicator=victims&format=$pad")" "400"
check "by the query's own rules (its format)" jq -e '.invalid_params[0].name == "format"' "$T/body"
eq "headers passed on of more than 4 KiB: 431" \
  "$(code -H "$AUTH" -H "Accept-Language: $(head -c 4100 /dev/zero | tr '\0' e)" "$URL/healthz")" "431"
check "numbered" jq -e '.code == "H1431"' "$T/body"
# (Accept: */* and Authorization: Bearer TOKEN besides, 4,096 bytes of values in all)
lang="Accept-Language: $(head -c $((4096 - 3 - 7 - ${#TOKEN})) /dev/zero | tr '\0' e)"
eq "4 KiB of them are passed on and answered" \
  "$(code -H "$AUTH" -H "$lang" "$URL/api/v1/analytics?indicator=victims&dimension=sex")" "200"
eq "and with 64 parameters in a 4 KB URL, all of it at once" \
  "$(code -H "$AUTH" -H "$lang" "$URL/api/v1/analytics?$(many_filters 62)indicator=victims&format=$pad")" "400"
check "still answered by the data process" jq -e '.invalid_params[0].name == "format"' "$T/body"
eq "an unknown parameter: 400" "$(code "$URL/api/v1/analytics?indicator=victims&fliter=sex:female")" "400"
check "naming it by its position, never as sent (a name may be typed as a key)" jq -e '.code == "H1001" and .invalid_params[0].name == "parameter 2"' "$T/body"
eq "a parameter of another case" "$(code "$URL/api/v1/analytics?Indicator=victims")" "400"
check "is named as ours" jq -e '.code == "H1001" and .invalid_params[0].name == "indicator"' "$T/body"
code "$URL/api/v1/analytics?indicator=victims&Fatima%20Ahmed=1" >/dev/null
check "a name typed as a parameter is nowhere in the answer" bash -c "! grep -qi fatima '$T/body'"
eq "a parameter's name holding a NUL: 400" "$(code "$URL/api/v1/analytics?indicator%00x=victims")" "400"
check "H1003, by its position" jq -e '.code == "H1003" and .invalid_params[0].name == "parameter 1"' "$T/body"
eq "a single-valued parameter given twice: 400" \
  "$(code "$URL/api/v1/analytics?indicator=victims&indicator=cases")" "400"
check "naming it" jq -e '.code == "H1002" and .invalid_params[0].name == "indicator"' "$T/body"
eq "a NUL in a value: 400" "$(code "$URL/api/v1/analytics?indicator=vic%00tims")" "400"
check "naming it" jq -e '.code == "H1003" and .invalid_params[0].name == "indicator"' "$T/body"
eq "an unsupported format: 400" "$(code "$URL/api/v1/analytics?indicator=victims&format=xml")" "400"
check "naming it" jq -e '.invalid_params[0].name == "format"' "$T/body"
eq "a repeatable parameter may repeat" \
  "$(code -H "$AUTH" "$URL/api/v1/analytics?indicator=victims&dimension=year&dimension=sex")" "200"
eq "a route without parameters takes none" "$(code "$URL/healthz?x=1")" "400"
eq "HEAD where GET is: 200" "$(curl -s -I -o "$T/head" -w '%{http_code}' "$URL/healthz")" "200"
check "with no body" bash -c "! grep -q '\"status\"' '$T/head'"
# Through the front too: the Content-Length of the body a GET would get.
get_length=$(curl -s "$URL/api/v1/indicators" | wc -c)
eq "and the Content-Length a GET's body has ($get_length bytes)" \
  "$(curl -s -I "$URL/api/v1/indicators" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')" "$get_length"
# And the other headers a GET gets, each relayed HEAD's own: the relay keeps their values
# in the buffer of the body HEAD does not send, which was freed before they were copied
# (a Content-Type of freed bytes, and a use after free).
hdrs() { curl -s "$@" -D - -o /dev/null | tr -d '\r' | grep -iE '^(content-type|content-security-policy|etag|cache-control):' | sort; }
for p in / /healthz /api/v1/indicators; do
  eq "HEAD $p: the headers of its GET" "$(hdrs -I --compressed "$URL$p")" "$(hdrs --compressed "$URL$p")"
done
eq "an unknown path: 404" "$(code "$URL/nope")" "404"
eq "a known path, another method: 405" "$(code -X DELETE "$URL/healthz")" "405"

# --- /metrics: Prometheus text that promtool accepts, counting what was asked ---
MONITOR=$(new_token monitor)
eq "/metrics without a token: 401" "$(code "$URL/metrics")" "401"
eq "with a researcher's: 403" "$(code -H "$AUTH" "$URL/metrics")" "403"
metrics() { curl -s -H "Authorization: Bearer $MONITOR" "$URL/metrics"; }
before=$(metrics | awk '/^wiqaya_http_requests_total\{route="\/healthz",method="GET",code="200"\}/ { print $2 }')
for _ in 1 2 3; do curl -s -o /dev/null "$URL/healthz"; done
metrics >"$T/metrics"
check "/metrics passes promtool check metrics" bash -c "promtool check metrics <'$T/metrics'"
after=$(awk '/^wiqaya_http_requests_total\{route="\/healthz",method="GET",code="200"\}/ { print $2 }' "$T/metrics")
eq "it counts requests by route and status (3 more healthz 200s)" "$((after - ${before:-0}))" "3"
check "with a latency histogram, the data version and the audit's dropped rows" bash -c \
  "grep -q '^wiqaya_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}' '$T/metrics' && grep -q '^wiqaya_data_version 1$' '$T/metrics' && grep -q '^wiqaya_audit_rows_dropped_total 0$' '$T/metrics' && grep -q '^wiqaya_database_up 1$' '$T/metrics'"
check "and never a token or a query string" bash -c "! grep -qE 'wq_|indicator=' '$T/metrics'"

# --- the access log: no path or query string as sent, so no forged line ---
code "$URL/api/v1/analytics%0a2026-01-01%20FORGED%20line?indicator=victims" >/dev/null
code -H "$AUTH" "$URL/api/v1/analytics?indicator=victims&dimension=year" >/dev/null
code -X MOHAMMED "$URL/healthz" >/dev/null
stop_server
check "the access log has no forged line" bash -c "! grep -q FORGED '$T/server.log'"
check "nor a method of the client's own words (a name, say)" bash -c "! grep -q MOHAMMED '$T/server.log'"
check "which it logs as OTHER (refused: 405)" grep -qE 'OTHER - 405 ' "$T/server.log"
check "and no query string" bash -c "! grep -q 'indicator=' '$T/server.log'"
check "and no token" bash -c "! grep -qF '${TOKEN#wq_}' '$T/server.log'"
check "but method, route, status, duration and sizes" \
  grep -qE 'GET /api/v1/analytics 200 [0-9.]+ ms in=0 out=[0-9]+' "$T/server.log"

# --- the request threads' connections, made at start (common/http.c, make_spares) ---
# A thread's first request finds its connection made and its first statements run (the
# token's lookup, the ledger's charge, last): it waits for neither (about 10 ms and 3 ms).
# The one /healthz start_server waited for took one of them.
limits
printf '[server]\nthreads = 3\n' >>"$CONF"
start_server
# made LAST: the threads' connections whose last statement matches LAST
made() { psql_t -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                    AND usename = 'wiqaya_reader' AND application_name = 'wiqaya-thread' AND query ~ '$1'"; }
for _ in $(seq 1 50); do [[ $(made .) == 3 && $(made 'auth\.charge') -ge 2 ]] && break; sleep 0.1; done
eq "a connection a thread, made at start" "$(made .)" 3
check "those no request took yet have run a request's first statements" test "$(made 'auth\.charge')" -ge 2
stop_server
echo "1..$n"
