# Limits before work (issue 25), on both servers through their shared core: everything is
# decided on a request's headers (route, method, token, size) before a byte of its body is
# read; one address cannot hold the servers' connections with slow bodies; a request that
# can be framed two ways is refused and its connection closed; guessing tokens is slowed
# per client. Each part fails on the core as it was (commit b839482).
source "$(dirname "$0")/../lib.sh"
fresh_db http_limits
"$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson" >/dev/null 2>&1
printf '[limits]\nheader_timeout = 3\n[log]\nlevel = info\n' >>"$CONF"
API=http://127.0.0.1:$TEST_HTTP_PORT
SUBMITTER=$(new_token submitter DC-POL-01)
RESEARCHER=$(new_token researcher)
start_server
start_intake
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
raw() { node "$ROOT/tests/tools/raw_http.mjs" "$@"; }
# elsewhere URL: how long a request from another address (127.0.0.2) takes, and its status
elsewhere() { curl -s -o /dev/null --max-time 5 --interface 127.0.0.2 -w '%{http_code} %{time_total}' "$1"; }
within() { awk -v t="$2" -v s="$1" 'BEGIN { exit !(s == "200" && t < 1) }'; }

# --- privilege separation: the process facing the network holds nothing ---
# Both servers run a front (common/front.h); each is checked alike.
code -H "Authorization: Bearer $RESEARCHER" "$API/api/v1/analytics?indicator=victims&dimension=year" >/dev/null
code -H "Authorization: Bearer $SUBMITTER" "$INTAKE_URL/api/v1/batches/1" >/dev/null
sockets() { ls -l "/proc/$1/fd" | grep -o 'socket:\[[0-9]*\]' | tr -dc '0-9\n'; }
# The client ends of connections to PostgreSQL: the peers of its socket's accepted ends.
pg_clients() { ss -xn | awk '$5 ~ /\.s\.PGSQL/ { print $8 }'; }
held_by() { sort <(sockets "$1") <(pg_clients) | uniq -d | wc -l; }
holds() { node "$ROOT/tests/tools/mem_holds.mjs" "$1" "$2"; }
pghost=$(awk -F' *= *' '$1 == "host" { print $2; exit }' "$CONF")
pgport=$(awk -F' *= *' '$1 == "port" { print $2; exit }' "$CONF")
# check_front NAME DATA-PID FRONT-PID ROLE KEY...: the front of NAME, whose data process
# connects as ROLE and holds each KEY file's bytes, holds none of it.
check_front() {
  local name=$1 data=$2 front=$3 role=$4; shift 4
  figure "$name: the data process $data holds $(held_by "$data") database connections; its front $front holds $(held_by "$front")"
  # (As another user than root the data process's descriptors cannot be listed: it is not
  # dumpable, as every process holding a key, so /proc/PID/fd is root's.)
  if [[ $(id -u) == 0 ]]; then
    check "$name: the data process holds database connections (the control)" test "$(held_by "$data")" -gt 0
  fi
  eq "$name: its front holds none" "$(held_by "$front")" "0"
  check "$name: the front has no key file open" bash -c "! ls -l /proc/$front/fd | grep -qE 'keys/|\.key'"
  check "$name: no new privileges, no core dumps" bash -c \
    "grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$front/status && grep -qE '^Max core file size +0 +0' /proc/$front/limits"
  check "$name: its system calls filtered, in every thread" bash -c \
    "for t in /proc/$front/task/*; do grep -qE '^Seccomp:[[:space:]]*2' \$t/status || exit 1; done"
  if [[ $(id -u) != 0 ]]; then
    figure "$name: not run as root: the front keeps the user's identity, its memory is not searched"
    return
  fi
  eq "$name: run as root, the front runs as nobody" "$(awk '/^Uid/ { print $2 }' "/proc/$front/status")" "65534"
  check "$name: and as nobody cannot reach the database as $role" bash -c \
    "! setpriv --reuid=65534 --regid=65534 --clear-groups psql -X -h '$pghost' -p '$pgport' -U $role -d '$DB' -Atc 'SELECT 1' >'$T/nobody' 2>&1 && grep -qi 'permission denied' '$T/nobody'"
  for key in "$@"; do
    check "$name: nor read $(basename "$key") as nobody" bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$key' >/dev/null 2>&1"
    # Its memory, searched whole: the key's bytes are in the data process (the control,
    # which shows the search finds a key) and nowhere in the front.
    read -r in_data _ <<<"$(holds "$data" "$key")"
    read -r in_front searched <<<"$(holds "$front" "$key")"
    figure "$name: $(basename "$key") in the data process's memory: $in_data; in the front's ($searched bytes searched): $in_front"
    eq "$name: the data process's memory holds $(basename "$key"), the front's does not" "$in_data $in_front" "holds clean"
  done
}
FRONT=$(pgrep -P "$SERVER_PID" -f "wiqaya-server")
INTAKE_FRONT=$(pgrep -P "$INTAKE_PID" -f "wiqaya-etl")
# The filter itself (common/sandbox.h), entered by a probe that then acts as a
# compromised front would: what a front does works; a file, a TCP socket, becoming
# dumpable again or pushing input into a terminal is refused; running a program kills it.
probe() { "$BIN/tool_sandbox_probe" "$1" 2>/dev/null; }
eq "the filter lets a front serve (Unix sockets, memory, clocks)" "$(probe serve)" "ok"
for act in open tcp prctl tiocsti; do
  eq "the filter refuses $act" "$(probe $act)" "refused: EPERM"
done
probe exec >/dev/null
eq "running a program kills the process (SIGSYS)" "$?" "$((128 + 31))"
# (The server's data process keeps only keys derived from noise.key, not its bytes: the
# token key is the one its memory is searched for.)
check_front api "$SERVER_PID" "$FRONT" wiqaya_reader "$T/keys/token.key"
if [[ $(id -u) == 0 ]]; then
  check "api: nor read noise.key as nobody" bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$T/keys/noise.key' >/dev/null 2>&1"
fi
check_front intake "$INTAKE_PID" "$INTAKE_FRONT" wiqaya_loader "$T/keys/pseudonym.key" "$T/keys/token.key"
# A bearer token, once its requests are answered, is in neither process's memory: the
# data process's connection pool (32 KiB, malloc'd, freed uncleared) has its
# Authorization wiped at each request's end (common/http.c), the front zeroes its copy.
if [[ $(id -u) == 0 ]]; then
  WIPED=$(new_token researcher)
  printf '%s' "$WIPED" >"$T/wiped.token"
  for _ in $(seq 1 20); do code -H "Authorization: Bearer $WIPED" "$API/api/v1/analytics?indicator=victims&dimension=sex" >/dev/null; done
  read -r in_data _ <<<"$(holds "$SERVER_PID" "$T/wiped.token")"
  read -r in_front _ <<<"$(holds "$FRONT" "$T/wiped.token")"
  eq "api: a token's 20 answered requests leave it in neither process's memory" "$in_data $in_front" "clean clean"
  # A submission's head (a body's headers, an Idempotency-Key) outgrows a small buffer:
  # built in one, the front freed copies of the token unwiped as it grew.
  SUBMIT=$(new_token submitter DC-POL-01)
  printf '%s' "$SUBMIT" >"$T/submit.token"
  for i in $(seq 1 20); do
    code -H "Authorization: Bearer $SUBMIT" -H 'Content-Type: application/x-ndjson' -H 'Accept: */*' \
      -H "Idempotency-Key: wiped-$(printf '%058d' "$i")" --data-binary '{}' "$INTAKE_URL/api/v1/cases" >/dev/null
  done
  read -r in_front _ <<<"$(holds "$INTAKE_FRONT" "$T/submit.token")"
  eq "intake: a submitter's 20 requests with bodies leave its token nowhere in the front's memory" "$in_front" "clean"
fi

# Another local process that finds the data process's socket (/proc/net/unix lists it)
# and sends a request at once, before it could be refused, is answered nothing.
sock=$(awk -v p="@wiqaya-server/$SERVER_PID/" 'index($8, p) == 1 { print substr($8, 2); exit }' /proc/net/unix)
lines=$(grep -c 'GET /healthz' "$T/server.log")
got=$(node -e '
  const s = require("net").connect({path: "\0" + process.argv[1]}, () =>
    s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n"));
  let b = ""; s.on("data", (d) => b += d); s.on("error", () => {});
  s.on("close", () => { console.log(b.length ? "answered" : "nothing"); process.exit(0); });
  setTimeout(() => { console.log("open"); process.exit(0); }, 3000);' "$sock")
eq "a process other than the front that reaches the data socket is answered nothing" "$got" "nothing"
eq "and its request was not served" "$(grep -c 'GET /healthz' "$T/server.log")" "$lines"

# --- decided on the headers: 40 bodies of 10 MiB to GET /healthz without a token ---
head -c $((10 * 1024 * 1024)) /dev/zero >"$T/10m"
before=$(rss "$FRONT")
codes=$(for _ in $(seq 1 40); do code -X GET --data-binary @"$T/10m" "$API/healthz"; echo; done | sort | uniq -c | awk '{ print $2 "x" $1 }' | tr '\n' ' ')
after=$(rss "$FRONT")
figure "40 x 10 MiB bodies to GET /healthz: ${codes}; the front's RSS ${before} -> ${after} KiB"
eq "a body on a GET is refused on its headers" "$codes" "400x40 "
check "as H1014" jq -e '.code == "H1014"' "$T/body"
check "without reading it: the server grew less than 16 MiB (it grew 430 MiB reading them)" \
  test $((after - before)) -lt 16384
check "and the access log counts no body byte in" grep -qE 'GET /healthz 400 [0-9.]+ ms in=0 ' "$T/server.log"

# 50 MB to the intake with Expect: 100-continue: no 100 unless the request may go on.
truncate -s 50M "$T/50m"
expect() { curl -sv -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
  -H 'Expect: 100-continue' --data-binary @"$1" "${@:2}" "$INTAKE_URL/api/v1/cases" 2>"$T/verbose"; }
head -c 100000 /dev/zero >"$T/100k"
eq "100 kB without a token: 401" "$(expect "$T/100k")" "401"
check "and no 100 Continue was sent" bash -c "! grep -q '100 Continue' '$T/verbose'"
eq "50 MB without a token: 413, on the Content-Length" "$(expect "$T/50m")" "413"
check "and no 100 Continue" bash -c "! grep -q '100 Continue' '$T/verbose'"
eq "50 MB with a submitter's token: 413, on the Content-Length" \
  "$(expect "$T/50m" -H "Authorization: Bearer $SUBMITTER")" "413"
check "and no 100 Continue" bash -c "! grep -q '100 Continue' '$T/verbose'"
head -1 "$ROOT/tests/data/slice.ndjson" >"$T/one.ndjson"
eq "one case with a submitter's token: accepted" \
  "$(expect "$T/one.ndjson" -H "Authorization: Bearer $SUBMITTER")" "200"
check "after a 100 Continue" grep -q '100 Continue' "$T/verbose"
eq "a POST to a GET route: 405, before its body" \
  "$(code --data-binary @"$T/10m" "$INTAKE_URL/healthz")" "405"

# --- ambiguous framing: 400 and the connection closed, on both servers ---
smuggle='GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
for port in "$TEST_HTTP_PORT" "$TEST_INTAKE_PORT"; do
  name=$([[ $port == "$TEST_HTTP_PORT" ]] && echo api || echo intake)
  frame() { printf '%b' "$1" | raw "$port" | tr '\n' ' '; }
  eq "$name: two Content-Length: one 400, the rest not served as a request" \
    "$(frame "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 39\r\n\r\n$smuggle")" \
    "HTTP/1.1 400 Bad Request closed "
  eq "$name: Content-Length beside chunked: 400, closed" \
    "$(frame "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$smuggle")" \
    "HTTP/1.1 400 Bad Request closed "
  eq "$name: a transfer coding other than chunked: 400, closed" \
    "$(frame "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")" \
    "HTTP/1.1 400 Bad Request closed "
  eq "$name: HTTP/1.1 without Host: 400, closed" \
    "$(frame "GET /healthz HTTP/1.1\r\n\r\n")" "HTTP/1.1 400 Bad Request closed "
  eq "$name: two Host headers: 400, closed" \
    "$(frame "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")" "HTTP/1.1 400 Bad Request closed "
  eq "$name: a NUL in a header value: 400, closed" \
    "$(frame "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\0b\r\n\r\n")" "HTTP/1.1 400 Bad Request closed "
  eq "$name: a folded header line (obs-fold): 400, closed" \
    "$(frame "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n")" "HTTP/1.1 400 Bad Request closed "
  eq "$name: a bare CR in a header value: 400, closed" \
    "$(frame "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\rInjected: b\r\n\r\n")" "HTTP/1.1 400 Bad Request closed "
  eq "$name: /healthz%00anything is not /healthz: 400, closed" \
    "$(frame "GET /healthz%00anything HTTP/1.1\r\nHost: x\r\n\r\n")" "HTTP/1.1 400 Bad Request closed "
  eq "$name: HTTP/1.0 without Host is still answered" \
    "$(frame "GET /healthz HTTP/1.0\r\n\r\n")" "HTTP/1.1 200 OK closed "
  eq "$name: and two requests on one keep-alive connection, both" \
    "$(frame "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")" \
    "HTTP/1.1 200 OK HTTP/1.1 200 OK closed "
done
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\0b\r\n\r\n' >"$T/nul.req"
check "the refusal names why (H1010)" bash -c "node '$ROOT/tests/tools/raw_http.mjs' $TEST_HTTP_PORT <'$T/nul.req' >/dev/null; printf 'GET /healthz%%00x HTTP/1.1\r\nHost: x\r\n\r\n' | node -e '
const s=require(\"net\").connect($TEST_HTTP_PORT,\"127.0.0.1\");let b=\"\";process.stdin.pipe(s);s.on(\"data\",d=>b+=d);s.on(\"close\",()=>process.exit(b.includes(\"H1010\")?0:1));'"

# --- slow bodies: 300 connections from one address cannot lock out another ---
slow() { node "$ROOT/tests/tools/slow_clients.mjs" "$@"; }
for target in "intake $TEST_INTAKE_PORT $INTAKE_URL" "api $TEST_HTTP_PORT $API"; do
  read -r name port url <<<"$target"
  # Without a token: refused on the headers, whatever the body.
  slow "$port" 300 20 4 "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n" >"$T/slow.anon" &
  attacker=$!
  sleep 1.5
  read -r st t <<<"$(elsewhere "$url/healthz")"
  figure "$name, 300 unauthenticated slow bodies from one address: another address answered $st in ${t} s"
  check "$name: another address is answered within 1 s while 300 unauthenticated slow bodies hold" within "$st" "$t"
  wait "$attacker"
  figure "$name: the slow clients saw $(cat "$T/slow.anon")"
  check "$name: none of them is still open after 4 s" jq -e '.alive == 0' "$T/slow.anon"
done
# With a submitter's token, the body is awaited, at min_body_rate after header_timeout.
slow "$TEST_INTAKE_PORT" 300 2 12 "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $SUBMITTER\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n" >"$T/slow.auth" &
attacker=$!
sleep 2
read -r st1 t1 <<<"$(elsewhere "$INTAKE_URL/healthz")"
sleep 2
read -r st2 t2 <<<"$(elsewhere "$INTAKE_URL/healthz")"
check "another address is answered within 1 s while 300 authorised slow bodies hold (${t1} s, ${t2} s)" \
  bash -c "$(declare -f within); within '$st1' '$t1' && within '$st2' '$t2'"
wait "$attacker"
figure "intake, 300 authorised slow bodies (a byte every 2 s): $(cat "$T/slow.auth")"
check "one address held at most connections_per_ip of them (32) past a second" jq -e '.held <= 32' "$T/slow.auth"
check "and each was cut off within header_timeout + 2 s of its headers" jq -e '.alive == 0 and .longest <= 5' "$T/slow.auth"

# --- guessing tokens: auth_failures_per_minute (10) per client, then 429 ---
t0=$(date +%s.%N)
codes=$(for i in $(seq 1 40); do code -H "Authorization: Bearer wq_guess$i" "$API/healthz"; echo; done | sort | uniq -c | awk '{ print $2 "x" $1 }' | tr '\n' ' ')
t1=$(date +%s.%N)
figure "40 token guesses from one address in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s: ${codes}"
eq "10 guesses are checked, the rest refused unchecked" "$codes" "401x10 429x30 "
check "as H1430 with Retry-After" jq -e '.code == "H1430"' "$T/body"
eq "another address is not slowed" \
  "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -H "Authorization: Bearer $RESEARCHER" "$API/healthz")" "200"
eq "nor is the slowed address without a token" "$(code "$API/healthz")" "200"
echo "1..$n"
