# The intake API (wiqaya-etl serve, docs/intake.md): a case, an array or NDJSON; per-record
# results; atomic; Idempotency-Key (replay, conflict, expiry); a resubmission with a new
# status; agencies kept apart; GET /api/v1/batches/{id}; POST /api/v1/population; every
# limit with its status and a problem+json body, the intake's memory flat under 1,000
# hostile bodies; the audit chain; and the analytics brought up to date by the refresher,
# equal to a full rebuild.
source "$(dirname "$0")/../lib.sh"
fresh_db intake
base_conf=$(cat "$CONF")
printf '[intake]\nrefresh_delay = 2\n[limits]\nmax_body_bytes = 262144\nmax_records = 50\nmax_array_items = 100\n' >>"$CONF"
"$BIN/wiqaya-synth" --seed 4 --cases 800 --bad-rate 0 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null
grep '"agency":"DC-POL-01"' "$T/syn/cases.ndjson" >"$T/pol1.ndjson"
grep '"agency":"DC-POL-02"' "$T/syn/cases.ndjson" | head -1 >"$T/pol2.ndjson"
A=$(new_token submitter DC-POL-01)
B=$(new_token submitter DC-POL-02)
ADMIN=$(new_token admin)
RESEARCHER=$(new_token researcher)
start_intake
cases() { psql_t -c 'SELECT count(*) FROM warehouse."case"'; }
problem() { # problem DESC STATUS CODE: the last answer was STATUS, problem+json with CODE
  eq "$1: status" "$got" "$2"
  check "$1: a problem+json body with code $3" grep -q "\"code\":\"$3\"" "$T/body"
}

# --- one case as a JSON object ---
head -1 "$T/pol1.ndjson" >"$T/one.json"
got=$(post "$A" application/json "$T/one.json" -D "$T/headers")
eq "one case object: 200" "$got" "200"
check "the answer names its batch and counts" grep -q '"batch":"b-[0-9]*","records":1,"accepted":1,"rejected":0' "$T/body"
check "the answer is application/json" grep -qi '^content-type: application/json' "$T/headers"
batch=$(grep -o '"batch":"b-[0-9]*"' "$T/body" | cut -d'"' -f4)
eq "the case is in the warehouse" "$(cases)" "1"

# --- an array with one bad record: 422, the others loaded ---
sed -n 2,5p "$T/pol1.ndjson" >"$T/four.ndjson"
sed -i '3s/"sex":"\(female\|male\)"/"sex":"F"/' "$T/four.ndjson"
{ echo "["; paste -sd, "$T/four.ndjson"; echo "]"; } >"$T/four.json"
got=$(post "$A" application/json "$T/four.json")
eq "an array with a bad record: 422" "$got" "422"
check "the bad record's result: its index, code E2001 and pointer" \
  grep -q '"results":\[{"index":2,"status":"rejected","errors":\[{"code":"E2001","pointer":"/victims/0/sex"' "$T/body"
check "the message names the list, never the value sent" bash -c "grep -q 'is not a code of list sex' '$T/body' && ! grep -q '\"F\"' '$T/body'"
eq "the three good ones are loaded" "$(cases)" "4"

# --- atomic=true: the same kind of request loads nothing ---
sed -n 6,9p "$T/pol1.ndjson" >"$T/atomic.ndjson"
sed -i '1s/"sex":"\(female\|male\)"/"sex":"F"/' "$T/atomic.ndjson"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $A" -H 'Content-Type: application/x-ndjson' \
  --data-binary "@$T/atomic.ndjson" "$INTAKE_URL/api/v1/cases?atomic=true")
eq "atomic with a bad record: 422" "$got" "422"
check "atomic: accepted 0" grep -q '"accepted":0,"rejected":1' "$T/body"
eq "atomic: nothing loaded" "$(cases)" "4"

# --- NDJSON: a line that is not JSON is a rejected record, the others load ---
{ sed -n 10,11p "$T/pol1.ndjson"; echo '{"agency": "DC-POL-01", oops'; } >"$T/nd.ndjson"
got=$(post "$A" application/x-ndjson "$T/nd.ndjson")
eq "NDJSON with a broken line: 422" "$got" "422"
check "the broken line: index 2, E1001" grep -q '"index":2,"status":"rejected","errors":\[{"code":"E1001"' "$T/body"
eq "NDJSON: the two good lines loaded" "$(cases)" "6"

# --- a person whose birth date is null and who has no age: E3006, like one without
# either (not accepted without an age, which the warehouse refuses: every request of the
# commit group got 503, and a spooled one stalled the spool) ---
sed -n 12p "$T/pol1.ndjson" | jq -c '.victims[0] |= (del(.age) | .identity = {birth_date: null})' >"$T/nobirth.ndjson"
got=$(post "$A" application/x-ndjson "$T/nobirth.ndjson")
eq "a null birth date and no age: 422" "$got" "422"
check "it is E3006 at the person" grep -q '"index":0,"status":"rejected","errors":\[{"code":"E3006","pointer":"/victims/0"' "$T/body"
eq "nothing loaded" "$(cases)" "6"

# --- a duplicate within one request is E3008 ---
{ sed -n 12p "$T/pol1.ndjson"; sed -n 12p "$T/pol1.ndjson"; } >"$T/dup.ndjson"
got=$(post "$A" application/x-ndjson "$T/dup.ndjson")
check "one case twice in a request: the second is E3008 ($got)" grep -q '"index":1,"status":"rejected","errors":\[{"code":"E3008"' "$T/body"

# --- Idempotency-Key: a retry is answered as the first time and loads nothing ---
sed -n 13,14p "$T/pol1.ndjson" >"$T/idem.ndjson"
first=$(post "$A" application/x-ndjson "$T/idem.ndjson" -H 'Idempotency-Key: order-42'); cp "$T/body" "$T/first"
before=$(psql_t -c "SELECT count(*) || ' ' || sum(revision) FROM warehouse.\"case\"")
again=$(post "$A" application/x-ndjson "$T/idem.ndjson" -H 'Idempotency-Key: order-42')
eq "a retry with the same key: the same status" "$again" "$first"
check "a retry with the same key: the same body, byte for byte" cmp -s "$T/first" "$T/body"
eq "a retry loads nothing (cases and revisions unchanged)" \
  "$(psql_t -c "SELECT count(*) || ' ' || sum(revision) FROM warehouse.\"case\"")" "$before"
got=$(post "$A" application/x-ndjson "$T/one.json" -H 'Idempotency-Key: order-42')
problem "the same key with another body" 409 I1005
got=$(post "$B" application/x-ndjson "$T/pol2.ndjson" -H 'Idempotency-Key: order-42')
eq "keys are per agency: B may use A's key" "$got" "200"
check "the key is never stored as sent" bash -c "! '$ROOT/scripts/pg.sh' psql -X -At -d $DB -c \"SELECT encode(idempotency_key, 'escape'), response FROM warehouse.batch\" | grep -q 'order-42'"
# Forgotten after [intake] idempotency_hours: the same request is then a new one (a
# resubmission of the same cases: revision 2).
psql_t -c "UPDATE warehouse.batch SET loaded_at = now() - interval '200 hours' WHERE agency = 'DC-POL-01' AND idempotency_key IS NOT NULL"
got=$(post "$A" application/x-ndjson "$T/idem.ndjson" -H 'Idempotency-Key: order-42')
eq "an expired key is a new request: 200" "$got" "200"
check "an expired key: a new batch" bash -c "! cmp -s '$T/first' '$T/body'"
got=$(post "$A" application/json "$T/one.json" -H 'Idempotency-Key: bad key with spaces')
problem "a malformed Idempotency-Key" 400 I1004

# --- one Idempotency-Key on two concurrent requests of one agency, with different cases ---
# In one commit group, the second must wait for the next group (and get the first one's
# 409), not abort the group: no 503 for them, none for another agency's request sent
# beside them. A request of 50 cases goes first each round and keeps the committer busy,
# so that the three behind it queue up and are taken as one group (without the fix every
# round answered the three 503).
grep '"agency":"DC-POL-02"' "$T/syn/cases.ndjson" | sed -n 2,6p >"$T/innocent.ndjson" # 5, sent twice
grep '"agency":"DC-CYB-00"' "$T/syn/cases.ndjson" | head -50 >"$T/pacer.ndjson"
PACER=$(new_token submitter DC-CYB-00)
send() { curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $1" \
  -H 'Content-Type: application/x-ndjson' ${3:+-H "Idempotency-Key: $3"} --data-binary @"$2" "$INTAKE_URL/api/v1/cases"; }
for i in $(seq 1 10); do
  sed -n "$((20 + 2 * i))p" "$T/pol1.ndjson" >"$T/race_a.$i"
  sed -n "$((21 + 2 * i))p" "$T/pol1.ndjson" >"$T/race_b.$i"
  sed -n "$(((i - 1) % 5 + 1))p" "$T/innocent.ndjson" >"$T/race_c.$i"
  send "$PACER" "$T/pacer.ndjson" >"$T/race.$i.pacer" & p0=$!
  sleep 0.01
  send "$A" "$T/race_a.$i" "race-$i" >"$T/race.$i.a" & p1=$!
  send "$A" "$T/race_b.$i" "race-$i" >"$T/race.$i.b" & p2=$!
  send "$B" "$T/race_c.$i" >"$T/race.$i.c" & p3=$!
  wait "$p0" "$p1" "$p2" "$p3"
done
pairs=$(for i in $(seq 1 10); do cat "$T/race.$i.a" "$T/race.$i.b" | sort | tr '\n' ' '; echo; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')
figure "10 rounds of one key on two concurrent requests: ${pairs}; the other agency's: $(cat "$T"/race.*.c | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
eq "each round: one 200 and one 409, never a 503" "$pairs" " 10 200 409 ;"
eq "and the other agency's request beside them: 200 every time" "$(cat "$T"/race.*.c | sort | uniq -c | tr -s ' ')" " 10 200"
# PostgreSQL's log keeps no value of a failed statement: a unique violation on a batch's
# key (as the race used to cause) is logged without its DETAIL, which quoted the key.
pglog=$(readlink -f "$ROOT/var/pg")/postgres.log
lines=$(wc -l <"$pglog")
psql_t -c "INSERT INTO warehouse.batch (batch_key, key_version, source) SELECT batch_key, key_version, source FROM warehouse.batch LIMIT 1" >/dev/null 2>&1
sleep 0.2
check "PostgreSQL logs a unique violation without the key's value (terse)" bash -c \
  "tail -n +$((lines + 1)) '$pglog' | grep -q 'duplicate key' && ! tail -n +$((lines + 1)) '$pglog' | grep -qE 'DETAIL|Key \\('"

# --- a resubmission with a new status: one case, revision 2, the analytics follow ---
sed 's/"status":"[a-z_]*"/"status":"convicted"/' "$T/one.json" >"$T/one_v2.json"
n0=$(cases)
got=$(post "$A" application/json "$T/one_v2.json")
eq "a resubmission: 200" "$got" "200"
v2=$(grep -o '"batch":"b-[0-9]*"' "$T/body" | cut -d'"' -f4)
eq "a resubmission adds no case" "$(cases)" "$n0"
eq "the case, now of the resubmission's batch: revision 2, convicted" \
  "$(psql_t -c "SELECT string_agg(revision || ' ' || status, ',') FROM warehouse.\"case\" WHERE batch_id = ${v2#b-}")" "2 convicted"
for _ in $(seq 1 50); do
  [[ $(psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue') == 0 ]] && break
  sleep 0.2
done
eq "the refresher emptied the queue within the delay" "$(psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue')" "0"
eq "the analytics show the new status" \
  "$(psql_t -c "SELECT count(*) FROM analytics.case_fact WHERE status = 'convicted' AND agency = 'DC-POL-01'")" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.\"case\" WHERE status = 'convicted' AND agency = 'DC-POL-01'")"
eq "the analytics hold every case" "$(psql_t -c 'SELECT count(*) FROM analytics.case_fact')" "$(cases)"
same_as_rebuild "the refreshed analytics equal a full rebuild"

# --- agencies apart; roles ---
n0=$(cases)
got=$(post "$A" application/x-ndjson "$T/pol2.ndjson")
problem "A submitting B's case" 403 I1003
check "naming the record" grep -q '"detail":"Record 0 names another agency' "$T/body"
eq "A's attempt loaded nothing" "$(cases)" "$n0"
# An agency that is no code (a typing error) is the record's E2001 on /agency, not a 403
# of the whole request: its other records load.
{ head -1 "$T/pol1.ndjson" | jq -c '.case_ref = "TYPO-1" | .agency = "DC-PLO-01"'; head -1 "$T/pol1.ndjson" | jq -c '.case_ref = "TYPO-2"'; } >"$T/typo.ndjson"
got=$(post "$A" application/x-ndjson "$T/typo.ndjson")
eq "a record whose agency is no code: the request is answered as any with a rejected record (422)" "$got" "422"
eq "that record rejected with E2001 on /agency, the other loaded" \
  "$(jq -c '[.accepted, .rejected, (.results[]? | select(.status == "rejected") | .errors[0] | .code + " " + .pointer)]' "$T/body")" '[1,1,"E2001 /agency"]'
n0=$(cases)
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $B" "$INTAKE_URL/api/v1/batches/$batch")
problem "B reading A's batch: as if it did not exist" 404 H1404
cp "$T/body" "$T/others"
curl -s -o "$T/body" -H "Authorization: Bearer $B" "$INTAKE_URL/api/v1/batches/b-999999999"
check "the same answer, byte for byte, as for a batch that does not exist" cmp -s "$T/others" "$T/body"
for loose in "+${batch#b-}" "0${batch#b-}" "%20${batch#b-}" "${batch#b-}x" "b-" "99999999999999999999"; do
  got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $A" "$INTAKE_URL/api/v1/batches/$loose")
  eq "a batch id spelt loosely ($loose) is no id: 404" "$got" "404"
done
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $A" "$INTAKE_URL/api/v1/batches/$batch")
eq "A reads its own batch" "$got" "200"
check "the batch: its counts" grep -q '"records":1,"accepted":1,"rejected":0' "$T/body"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$INTAKE_URL/api/v1/batches/$batch")
eq "the admin reads any batch" "$got" "200"
bad_batch=$(psql_t -c "SELECT batch_id FROM warehouse.batch WHERE rejected > 0 AND agency = 'DC-POL-01' ORDER BY batch_id LIMIT 1")
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $A" "$INTAKE_URL/api/v1/batches/b-$bad_batch")
check "a batch's per-record errors: index, code, pointer ($got)" grep -q '"results":\[{"index":2,"status":"rejected","errors":\[{"code":"E2001","pointer":"/victims/0/sex"' "$T/body"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $A" "$INTAKE_URL/api/v1/batches/b-999999")
problem "a batch that does not exist" 404 H1404
got=$(post "$RESEARCHER" application/json "$T/one.json")
problem "a researcher token may not submit" 403 T1007
got=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$T/one.json" "$INTAKE_URL/api/v1/cases")
problem "no token" 401 T1000

# --- population (admin) ---
head -2000 "$T/syn/population_disability.csv" >"$T/pop.csv"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' \
  --data-binary "@$T/pop.csv" "$INTAKE_URL/api/v1/population")
eq "POST /api/v1/population as admin: 200" "$got" "200"
check "the population answer counts the rows" grep -q '"rejected":0' "$T/body"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $A" -H 'Content-Type: text/csv' \
  --data-binary "@$T/syn/population.csv" "$INTAKE_URL/api/v1/population")
problem "a submitter may not post populations" 403 T1007
printf 'year,region,sex,age,population\n2023,DC-01,female,9,-4\n' >"$T/badpop.csv"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' \
  --data-binary "@$T/badpop.csv" "$INTAKE_URL/api/v1/population")
eq "a bad population row: 422" "$got" "422"
printf 'year,region,sex,age,population\n2023,DC-01,female,9,100\n2023,DC-01,female,10,"100\n2023,DC-01,female,11,100\n2023,DC-01,female,12,100\n' >"$T/openquote.csv"
got=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' \
  --data-binary "@$T/openquote.csv" "$INTAKE_URL/api/v1/population")
problem "a population with a quote left open is a 400 that loads nothing, not a 200 of one row" 400 E1001
eq "and its first row is not loaded" "$(psql_t -c "SELECT count(*) FROM warehouse.population WHERE year = 2023 AND region = 'DC-01' AND sex = 'female' AND age = 9 AND dims = '{}' AND population = 100")" "0"
for _ in $(seq 1 50); do
  [[ $(psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue') == 0 ]] && break
  sleep 0.2
done
eq "the new denominators reach the analytics" \
  "$(psql_t -c "SELECT count(*) FROM analytics.population")" "$(psql_t -c "SELECT count(*) FROM warehouse.population")"

# --- limits: each with its status and a problem+json body ---
got=$(post "$A" text/plain "$T/one.json")
problem "another content type" 415 H1415
printf '[{"agency": "DC-POL-01", ' >"$T/broken.json"
got=$(post "$A" application/json "$T/broken.json")
problem "malformed JSON" 400 E1001
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big.json"
got=$(post "$A" application/json "$T/big.json")
problem "a body past max_body_bytes" 413 H1413
{ echo "["; for _ in $(seq 1 51); do echo "{},"; done; echo "{}]"; } >"$T/many.json"
got=$(post "$A" application/json "$T/many.json")
problem "more records than max_records" 413 I1002
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]" }' >"$T/deep.json"
got=$(post "$A" application/json "$T/deep.json")
problem "a body nested 100,000 deep" 400 E1005
awk 'BEGIN { printf "{\"agency\":\"DC-POL-01\",\"offences\":["; for (i = 0; i < 5000; i++) printf "%s\"x\"", i ? "," : ""; printf "]}" }' >"$T/wide.json"
got=$(post "$A" application/json "$T/wide.json")
problem "an array of 5,000 items in a record" 400 E1005
printf '[]' >"$T/empty.json"
got=$(post "$A" application/json "$T/empty.json")
problem "no records" 400 I1001

# Memory stays flat: 1,000 oversized or deeply nested bodies.
rss() { awk '/VmRSS/ {print $2}' "/proc/$INTAKE_PID/status"; }
hostile() { # hostile N: N rounds of the four bodies
  local i f
  for i in $(seq 1 "$1"); do
    for f in big deep wide broken; do
      curl -s -o /dev/null -H "Authorization: Bearer $A" -H 'Content-Type: application/json' \
        --data-binary "@$T/$f.json" "$INTAKE_URL/api/v1/cases"
    done
  done
}
# Under AddressSanitizer freed memory waits in its quarantine: measured without one.
if [[ $BUILD == *asan* ]]; then
  stop_intake
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0 start_intake
fi
hostile 100 # every thread's allocator warmed (400 bodies), then 1,000 measured
rss0=$(rss)
hostile 250
rss1=$(rss)
figure "intake RSS after 400 and after 1,400 oversized, deep, wide or broken bodies: ${rss0} kB -> ${rss1} kB"
check "the intake's memory stays flat over 1,000 of them (grew $((rss1 - rss0)) kB, under 1 MB)" test $((rss1 - rss0)) -lt 1024
# NDJSON past max_records is refused at the record past it, not read to its end: 256 KiB
# of "{}" lines were 87,000 rejected records kept (a few KB each) before the count said 413.
yes '{}' | head -n 87000 >"$T/many.ndjson"
got=$(post "$A" application/x-ndjson "$T/many.ndjson")
problem "NDJSON of 87,000 records" 413 I1002
rss2=$(rss)
check "read only up to the limit (the intake grew $((rss2 - rss1)) kB, under 4 MB)" test $((rss2 - rss1)) -lt 4096

# The per-token rate: past it, 429 with Retry-After.
stop_intake
{ echo "$base_conf"; printf '[limits]\nrate_per_token = 5\n'; } >"$CONF"
start_intake
codes=
for i in $(seq 1 12); do
  c=$(curl -s -o "$T/body.$i" -D "$T/headers.$i" -w '%{http_code}' -H "Authorization: Bearer $A" "$INTAKE_URL/api/v1/batches/$batch")
  codes+="$c "
  [[ $c == 429 ]] && last429=$i
done
check "past rate_per_token = 5 the answer is 429 ($codes)" grep -q 429 <<<"$codes"
check "the 429 says when to retry (Retry-After)" grep -qi '^retry-after: [1-9]' "$T/headers.${last429:-0}"
check "the 429 is problem+json H1429" grep -q '"code":"H1429"' "$T/body.${last429:-0}"
stop_intake

# --- the audit chain holds every submission, and no identifier ---
eq "a submission row per HTTP batch and population load" \
  "$(psql_t -c "SELECT count(*) FROM audit.log WHERE kind = 'submission'")" \
  "$(psql_t -c "SELECT (SELECT count(*) FROM warehouse.batch WHERE source = 'http') + 2")"
check "the audit chain verifies (the server and the intake write one chain)" "$BIN/wiqaya-server" audit verify
ref=$(grep -o '"case_ref":"[^"]*"' "$T/one.json" | cut -d'"' -f4)
name=$(grep -o '"given_name":"[^"]*"' "$T/one.json" | head -1 | cut -d'"' -f4)
check "no case reference or name in the intake's log, the batches or the audit" bash -c \
  "! grep -qF -e '$ref' -e '$name' '$T/intake.log' && ! '$ROOT/scripts/pg.sh' psql -X -At -d $DB -c \"SELECT response FROM warehouse.batch UNION ALL SELECT body FROM audit.log UNION ALL SELECT message FROM warehouse.reject\" | grep -qF -e '$ref' -e '$name'"
integrity "the warehouse is whole after the intake"
