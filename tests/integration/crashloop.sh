# The intake never loses or doubles an acknowledged case: a client sends 5,000 records
# (single-case requests, each under its own Idempotency-Key, 50 of them planted bad) and
# retries until each request gets a definitive answer, while the intake is killed with
# kill -9 and PostgreSQL is stopped with -m immediate at random moments, at least 20
# times. Afterwards the warehouse holds exactly the acknowledged records (the same case
# keys, persons and rows as a file load of the good records gives), none twice, and the
# analytics tables equal a full rebuild.
source "$(dirname "$0")/../lib.sh"
fresh_db crash
printf '[intake]\nrefresh_delay = 3\n' >>"$CONF"
"$BIN/wiqaya-synth" --seed 11 --cases 5000 --bad-rate 0 --out "$T/syn" >/dev/null
# Every 100th record planted bad (sex "F" is no code of the sex list): 50 of them.
awk 'NR % 100 == 0 { sub(/"sex":"(female|male)"/, "\"sex\":\"F\"") } { print }' \
  "$T/syn/cases.ndjson" >"$T/all.ndjson"
grep -v '"sex":"F"' "$T/all.ndjson" >"$T/good.ndjson"
planted=$(grep -c '"sex":"F"' "$T/all.ndjson")
good=$(wc -l <"$T/good.ndjson")

agency_tokens "$T/all.ndjson" >"$T/tokens.json"

start_intake
node "$ROOT/tests/tools/intake_client.mjs" "$INTAKE_URL" "$T/tokens.json" "$T/all.ndjson" \
  "$T/answers.ndjson" --per 1 --workers 8 --rate 120 >"$T/summary" 2>"$T/client.err" &
client=$!

# The killer: 24 events while the client runs, at random moments 0.3 to 1.2 s apart,
# alternately the intake (kill -9, restarted at once) and PostgreSQL (immediate stop,
# started again after up to a second).
RANDOM=20261201
events=0 kills=0 crashes=0
while kill -0 "$client" 2>/dev/null && ((events < 24)); do
  sleep "0.$((3 + RANDOM % 10))"
  kill -0 "$client" 2>/dev/null || break
  if ((events % 2 == 0)); then
    kill -9 "$INTAKE_PID" 2>/dev/null; wait "$INTAKE_PID" 2>/dev/null
    INTAKE_PID=
    start_intake
    kills=$((kills + 1))
  else
    env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" crash
    sleep "0.$((RANDOM % 10))"
    env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
    crashes=$((crashes + 1))
  fi
  events=$((events + 1))
done
wait "$client"
client_rc=$?
figure "crash loop: $kills kill -9 of the intake and $crashes immediate stops of PostgreSQL during the run; client: $(cat "$T/summary")"
check "at least 20 crashes happened while the client was sending ($events)" test "$events" -ge 20
eq "every answer the client got was right (no 409, 4xx or wrong count)" "$client_rc" "0"
if [[ $client_rc -ne 0 ]]; then head -5 "$T/client.err" | sed 's/^/# /'; fi

acked=$(grep -c '"status":\(200\|422\)' "$T/answers.ndjson")
eq "every request got a definitive answer" "$acked" "5000"
eq "the answers accepted every good record" \
  "$(grep -o '"accepted":[0-9]*' "$T/answers.ndjson" | awk -F: '{s += $2} END {print s}')" "$good"
eq "the answers rejected the planted records" \
  "$(grep -o '"rejected":[0-9]*' "$T/answers.ndjson" | awk -F: '{s += $2} END {print s}')" "$planted"

eq "the warehouse holds each good record once" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "$good"
eq "no case was loaded twice (every revision is 1)" \
  "$(psql_t -c 'SELECT count(*) FROM warehouse."case" WHERE revision <> 1')" "0"
eq "one batch per request (a retry never made a second)" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.batch WHERE source = 'http'")" "5000"
eq "the planted records are the rejects" \
  "$(psql_t -c 'SELECT count(DISTINCT batch_id) FROM warehouse.reject')" "$planted"
eq "every answered batch is in the audit chain" \
  "$(psql_t -c "SELECT count(*) FROM audit.log WHERE kind = 'submission'")" "5000"
check "the audit chain verifies" "$BIN/wiqaya-server" audit verify
integrity "no orphan or dangling reference after the crashes"

# The same records loaded as a file into another warehouse under the same key: the same
# cases, persons, victims, offenders and interventions.
shape() {
  psql_t -c "SELECT md5(string_agg(encode(case_key, 'hex'), ',' ORDER BY case_key)) FROM warehouse.\"case\"" \
    -c "SELECT (SELECT count(*) FROM warehouse.person WHERE merged_into IS NULL) || ' ' ||
               (SELECT count(*) FROM warehouse.victim) || ' ' || (SELECT count(*) FROM warehouse.offender)
               || ' ' || (SELECT count(*) FROM warehouse.intervention) || ' ' ||
               (SELECT count(*) FROM warehouse.person_token)"
}
# The queue drains (the refresher, every 3 s) and the analytics equal a full rebuild.
for _ in $(seq 1 100); do
  [[ $(psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue') == 0 ]] && break
  sleep 0.2
done
eq "the refresher emptied the queue after the crashes" "$(psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue')" "0"
same_as_rebuild "the analytics tables after the crash loop equal a full rebuild"
stop_intake
crashed=$(shape)
fresh_db crash_file
"$BIN/wiqaya-etl" load "$T/good.ndjson" >/dev/null
eq "the warehouse equals a file load of the good records (case keys; persons, victims, offenders, interventions, tokens)" \
  "$crashed" "$(shape)"
