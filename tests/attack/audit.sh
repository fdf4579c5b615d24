# Attack 8 of docs/privacy.md: the audit chain. A burst of 10,000 queries is audited in
# full with no dropped row; a hand-edited row and a hand-deleted row are each named by
# `wiqaya-server audit verify` at the exact row; token changes are in the chain; no
# identifier and no token in any row.
source "$(dirname "$0")/../lib.sh"
fresh_db audit
"$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson" >/dev/null 2>&1
URL=http://127.0.0.1:${TEST_HTTP_PORT:-18080}
start_server
TOKEN=$(new_token researcher)
POLICY=$(new_token policy)
"$BIN/wiqaya-server" token revoke 2 >/dev/null

# The burst: 10,000 queries, 8 at a time, over 50 distinct queries (repeats cost nothing).
for i in $(seq 1 10000); do
  echo "url = \"$URL/api/v1/analytics?indicator=victims&dimension=year&filter=region:DC-0$((i % 5 + 1))&filter=sex:$( ((i % 2)) && echo female || echo male)&from=20$((15 + i % 5))\""
  echo 'output = "/dev/null"'
done >"$T/burst"
t0=$(date +%s.%N)
curl -s -K "$T/burst" -Z --parallel-max 8 -H "Authorization: Bearer $TOKEN" -w '%{http_code}\n' >"$T/codes"
t1=$(date +%s.%N)
ok200=$(grep -c '^200$' "$T/codes")
sleep 1 # the writer appends at least every [audit] flush_ms
health=$(api /healthz)
dropped=$(jq '.audit.dropped' <<<"$health")
written=$(jq '.audit.written' <<<"$health")
figure "a burst of 10,000 queries ($ok200 answered 200) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: $written audit rows written, $dropped dropped"
eq "8. the burst was answered" "$ok200" "10000"
eq "8. the dropped-row counter stays 0" "$dropped" "0"
check "8. and every query has its row (10,000 and more)" test "$written" -ge 10000
stop_server
rows=$(psql_t -c "SELECT count(*) FROM audit.log")
eq "the log holds the queries and the 3 token changes" "$(psql_t -c "SELECT count(*) FROM audit.log WHERE kind = 'token'")" "3"
status "audit verify on the untouched chain" 0 "$BIN/wiqaya-server" audit verify
check "it says the chain is intact, $rows rows" grep -q "intact: $rows rows" "$T/last"

# No token, no hash, no identifier in any row.
psql_t -c "SELECT body FROM audit.log" >"$T/bodies"
check "no token in the audit log" bash -c "! grep -qF -e '${TOKEN#wq_}' -e '${POLICY#wq_}' '$T/bodies'"
check "no identifier in it (the slice's names and IDs)" bash -c "! grep -qE 'فاطمة|Lucía|1098765432|2025/000417' '$T/bodies'"

# A hand-edited row: the verifier names it.
edit=$((rows / 2))
admin_db() { env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
admin_db -c "UPDATE audit.log SET body = body || ' ' WHERE seq = $edit" >/dev/null
status "audit verify after a row was edited by hand" 1 "$BIN/wiqaya-server" audit verify
check "names the edited row ($edit)" grep -q "broken at row $edit: row $edit does not match its hash" "$T/last"
admin_db -c "UPDATE audit.log SET body = rtrim(body) WHERE seq = $edit" >/dev/null
status "restored, the chain holds again" 0 "$BIN/wiqaya-server" audit verify

# A hand-deleted row: the verifier names the gap.
gone=$((rows / 3))
admin_db -c "DELETE FROM audit.log WHERE seq = $gone" >/dev/null
status "audit verify after a row was deleted by hand" 1 "$BIN/wiqaya-server" audit verify
check "names the deleted row ($gone)" grep -q "broken at row $gone: row $gone is missing" "$T/last"

# The roles cannot do what the admin just did.
check "the server's role cannot edit an audit row" bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -d $DB -c 'UPDATE audit.log SET body = body WHERE seq = 1' 2>&1 | grep -q 'permission denied'"
check "nor delete one" bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -d $DB -c 'DELETE FROM audit.log WHERE seq = 1' 2>&1 | grep -q 'permission denied'"
check "and the loader cannot read the log" bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_loader -d $DB -c 'SELECT 1 FROM audit.log' 2>&1 | grep -q 'permission denied'"
echo "1..$n"
