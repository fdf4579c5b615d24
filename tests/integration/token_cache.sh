# The token cache's read barrier (common/token.h): a remembered token is trusted only after
# a round trip on the connection of the thread that checks it, which LISTENs for token
# changes. A server of one thread, so that every request meets the same connection
# (the cross-thread case rests on the same barrier, each thread on its own connection):
# - a revocation its backend has not yet sent (the backend stopped) is refused all the
#   same: the request waits for the round trip, and hears it first;
# - a revocation committed before a new connection's LISTEN, which it can never hear, is
#   refused too: a new connection forgets what the cache held.
# In both, the watcher's backend is stopped too: nothing hears the change but the thread.
source "$(dirname "$0")/../lib.sh"
fresh_db token_cache
printf '[server]\nthreads = 1\n' >>"$CONF"
start_server
base="http://127.0.0.1:$TEST_HTTP_PORT"
MON=$(new_token monitor)
code_with() { curl -s --max-time 30 -H "Authorization: Bearer $1" "$base/api/v1/disclosure" | jq -r '.code // "ok"'; }
newest_id() { "$BIN/wiqaya-server" token list 2>/dev/null | awk -F'\t' '$4 == "test researcher" { id = $1 } END { print id }'; }
hits() { curl -s -H "Authorization: Bearer $MON" "$base/metrics" | awk '$1 == "wiqaya_token_cache_hits_total" { print $2 }'; }
# backends APP: the pids of the server's connections by application name (the watcher's
# is wiqaya-watch; the request threads', wiqaya-thread).
backends() { psql_t -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = 'wiqaya_reader' AND application_name = '$1'"; }
# remembered TOKEN: "ok" when the token's second request was answered from the cache (the
# first reads it from the database). /metrics counts the cache's answers, the monitor's
# own among them: what one scrape adds is taken from what the request and a scrape add.
remembered() {
  local a b c
  [[ $(code_with "$1") == ok ]] || return 0
  a=$(hits) b=$(hits)
  [[ $(code_with "$1") == ok ]] || return 0
  c=$(hits)
  ((c - b > b - a)) && echo ok
}

R1=$(new_token researcher)
id1=$(newest_id)
eq "a token is remembered" "$(remembered "$R1")" "ok"
watcher=$(backends wiqaya-watch) threads=$(backends wiqaya-thread)
check "the watcher and the thread have a backend each" test -n "$watcher" -a -n "$threads"
kill -STOP $watcher $threads
"$BIN/wiqaya-server" token revoke "$id1" >/dev/null 2>&1
code_with "$R1" >"$T/answer" &
asker=$!
sleep 0.3 # (within the barrier's bound, TOKEN_CACHE_BARRIER_MS: past it, a 503)
check "the request waits for the thread's round trip (its backend is stopped)" kill -0 "$asker"
kill -CONT $threads
wait "$asker"
eq "revoked, the notification not yet sent: refused (T1004)" "$(cat "$T/answer")" "T1004"
kill -CONT $watcher

R2=$(new_token researcher)
id2=$(newest_id)
eq "a second token is remembered" "$(remembered "$R2")" "ok"
watcher=$(backends wiqaya-watch)
kill -STOP $watcher
psql_t -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'wiqaya_reader' AND application_name = 'wiqaya-thread'" >/dev/null
"$BIN/wiqaya-server" token revoke "$id2" >/dev/null 2>&1
eq "revoked before the thread's new connection listened: refused (T1004)" "$(code_with "$R2")" "T1004"
kill -CONT $watcher

R3=$(new_token researcher)
eq "a third token is remembered" "$(remembered "$R3")" "ok"
"$BIN/wiqaya-server" token revoke "$(newest_id)" >/dev/null 2>&1
eq "revoked with everything running: refused (T1004)" "$(code_with "$R3")" "T1004"
# A thread's backend that does not answer within the barrier's bound: a 503 (T1006), not a
# wait without end; the next request, on a new connection, is answered.
R4=$(new_token researcher)
eq "a fourth token is remembered" "$(remembered "$R4")" "ok"
threads=$(backends wiqaya-thread)
kill -STOP $threads
status=$(curl -s --max-time 30 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $R4" "$base/api/v1/disclosure")
eq "its thread's backend stopped: 503 T1006" "$status $(jq -r .code "$T/body")" "503 T1006"
kill -CONT $threads
eq "and the next request is answered" "$(code_with "$R4")" "ok"
eq "the server still answers" "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" "200"
stop_server
echo "1..$n"
