# Loading as a data officer does (issue 27): a batch withdrawn leaves the warehouse and the
# analytics as a load without it (every row compared, ids and random salts aside); a
# withdrawal that cannot be exact is refused and changes nothing; it is audited; the file
# can be loaded again. A 40-record correction refreshes only what it changed. Files that
# are not NDJSON or comma-separated CSV stop at once and make no batch. Progress shows as
# plain lines when not on a terminal; --help documents the options and exit codes.
source "$(dirname "$0")/../lib.sh"

# Every row a load leaves, without what differs between two databases by chance: ids
# drawn from sequences, the persons' random salts and what is derived from them (record
# and row keys), times. Persons as the partition of their records (by case key and seq).
rows() {
  psql_t -c "SELECT encode(case_key, 'hex'), key_version, agency, reported, incident, region, offences, technology,
                    detection, financial, status, revision FROM warehouse.\"case\" ORDER BY 1" \
         -c "SELECT encode(c.case_key, 'hex'), v.seq, v.sex, v.age, v.gender_identity, v.sexual_orientation, v.ethnicity,
                    v.disability, v.migrant_status, v.economic_status, v.education_status, v.relationship
               FROM warehouse.victim v JOIN warehouse.\"case\" c USING (case_id) ORDER BY 1, 2" \
         -c "SELECT encode(c.case_key, 'hex'), o.seq, o.sex, o.age, o.child
               FROM warehouse.offender o JOIN warehouse.\"case\" c USING (case_id) ORDER BY 1, 2" \
         -c "SELECT encode(c.case_key, 'hex'), i.seq, i.person_role, i.person_seq, i.type, i.level, i.started, i.completed, i.outcome
               FROM warehouse.intervention i JOIN warehouse.\"case\" c USING (case_id) ORDER BY 1, 2" \
         -c "SELECT string_agg(encode(c.case_key, 'hex') || ':' || x.role || x.seq, ',' ORDER BY c.case_key, x.role, x.seq),
                    min(p.scope), bool_and(p.linkable), count(DISTINCT p.merged_into)
               FROM (SELECT case_id, 'v' AS role, seq, person_id FROM warehouse.victim UNION ALL
                     SELECT case_id, 'o', seq, person_id FROM warehouse.offender) x
               JOIN warehouse.\"case\" c USING (case_id) JOIN warehouse.person p USING (person_id)
              GROUP BY x.person_id ORDER BY 1" \
         -c "SELECT encode(token, 'hex'), kind, key_version, id_country FROM warehouse.person_token ORDER BY 1" \
         -c "SELECT count(*) FROM warehouse.person" -c "SELECT count(*) FROM warehouse.person_merge" \
         -c "SELECT encode(batch_key, 'hex'), source, records, accepted, rejected FROM warehouse.batch ORDER BY 1" \
         -c "SELECT count(*), max(code) FROM warehouse.reject" \
         -c "SELECT (to_jsonb(v) - 'record_key' - 'row_key')::text AS r FROM analytics.victim_year v ORDER BY r" \
         -c "SELECT (to_jsonb(c) - 'record_key' - 'row_key')::text AS r FROM analytics.case_fact c ORDER BY r" \
         -c "SELECT (to_jsonb(o) - 'record_key' - 'row_key')::text AS r FROM analytics.offender_year o ORDER BY r" \
         -c "SELECT (to_jsonb(i) - 'record_key' - 'row_key')::text AS r FROM analytics.intervention_fact i ORDER BY r" \
         -c "SELECT last_month, year_lo, year_hi FROM analytics.data_version"
}

# Country A (seed 21) and country B (seed 22) with identities of its own (a national ID
# and family name no child of A has), so that B links to nobody of A.
"$BIN/wiqaya-synth" --seed 21 --cases 400 --out "$T/a" >/dev/null
"$BIN/wiqaya-synth" --seed 22 --cases 300 --out "$T/b0" >/dev/null
jq -c '(.victims[]?, .offenders[]?) |= (if .identity then .identity.family_name += "zz"
         | (if .identity.national_id then .identity.national_id |= ("9" + .[1:]) else . end) else . end)' \
  "$T/b0/cases.ndjson" >"$T/b.ndjson"

# --- the warehouse of A alone
fresh_db withdraw_alone
"$BIN/wiqaya-etl" load "$T/a/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/a/population.csv" >/dev/null
rows >"$T/alone"

# --- A, then B, then B withdrawn
fresh_db withdraw
"$BIN/wiqaya-etl" load "$T/a/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/a/population.csv" >/dev/null
status "B loads" 0 "$BIN/wiqaya-etl" load "$T/b.ndjson"
batch_b=$(grep -o 'batch [0-9]*' "$T/last" | head -1 | cut -d' ' -f2)
check "B's summary counts its new cases and none replaced" grep -q '300 new cases, 0 replacing earlier submissions' "$T/last"
before=$(psql_t -c 'SELECT count(*) FROM warehouse."case"') version=$(psql_t -c 'SELECT version FROM analytics.data_version')
status "B withdrawn" 0 "$BIN/wiqaya-etl" withdraw "$batch_b"
# It takes B's case facts out before its refresh: a data version of its own, then the
# refresh's (one version, one set of facts: docs/privacy.md, "Periods").
eq "the withdrawal and its refresh are two data versions" "$(psql_t -c 'SELECT version FROM analytics.data_version')" "$((version + 2))"
check "the withdrawal says what it removed" grep -q "batch $batch_b withdrawn: 300 cases" "$T/last"
eq "the cases of B are gone" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "$((before - 300))"
rows >"$T/withdrawn"
check "every warehouse and analytics row equals the load of A alone" diff "$T/alone" "$T/withdrawn"
eq "the warehouse's integrity holds (no orphan)" \
  "$(psql_t -c 'SELECT bool_and(n = 0) FROM warehouse.integrity()')" "t"
eq "the withdrawal is a row of the audit chain, saying by whom" \
  "$(psql_t -c "SELECT body::jsonb->>'by' FROM audit.log WHERE body::jsonb->>'kind' = 'withdrawal' AND body::jsonb->>'batch' = '$batch_b'")" "cli"
check "the audit chain verifies" "$BIN/wiqaya-server" audit verify
status "a batch withdrawn cannot be withdrawn again (S3009)" 2 "$BIN/wiqaya-etl" withdraw "$batch_b"
check "S3009 names it" grep -q "S3009" "$T/last"
status "the withdrawn file loads again, as new" 0 "$BIN/wiqaya-etl" load "$T/b.ndjson"
check "its cases are new again" grep -q '300 new cases' "$T/last"
batch_b=$(grep -o 'batch [0-9]*' "$T/last" | head -1 | cut -d' ' -f2)

# --- a batch that merged two persons of its own (a child named apart in its first chunk,
# then with both identifiers in its second) is withdrawn exactly all the same
rows >"$T/before_merge"
case_line() { # REF IDENTITY-JSON
  printf '{"agency":"DC-POL-01","case_ref":"MERGE-%s","reported":"2021-04","region":"DC-03","offences":["grooming"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","sex":"female","age":10%s}]}\n' "$1" "$2"
}
{ for i in $(seq 1 1998); do case_line "$i" ""; done
  case_line A ',"identity":{"given_name":"Zeinab","family_name":"Qasimzz","birth_date":"2011-01-06"}'
  case_line B ',"identity":{"national_id":"98765432101"}'
  case_line C ',"identity":{"given_name":"Zeinab","family_name":"Qasimzz","birth_date":"2011-01-06","national_id":"98765432101"}'
} >"$T/merge.ndjson"
status "a file whose last case names two persons of its first chunk as one loads" 0 "$BIN/wiqaya-etl" load "$T/merge.ndjson"
batch_m=$(grep -o 'batch [0-9]*' "$T/last" | head -1 | cut -d' ' -f2)
eq "it merged them, under its own batch" "$(psql_t -c "SELECT count(*) FROM warehouse.person_merge WHERE batch_id = $batch_m")" 1
status "and is withdrawn" 0 "$BIN/wiqaya-etl" withdraw "$batch_m"
rows >"$T/after_merge"
check "every warehouse and analytics row as before it" diff "$T/before_merge" "$T/after_merge"

# --- what cannot be taken back exactly is refused, and nothing changes
head -40 "$T/a/cases.ndjson" | jq -c '.status = "convicted"' >"$T/fix.ndjson"
started=$(date +%s%N)
status "a 40-record correction loads" 0 "$BIN/wiqaya-etl" load "$T/fix.ndjson"
ms=$(( ($(date +%s%N) - started) / 1000000 ))
check "it replaces 40 earlier submissions, and its unidentified offenders are not new" \
  grep -q '0 new cases, 40 replacing earlier submissions; 0 new victims, 0 new offenders' "$T/last"
check "the analytics show it at once (an incremental refresh)" grep -q 'analytics: data version' "$T/last"
figure "a 40-record correction loaded and refreshed in $ms ms (the whole command)"
batch_fix=$(grep -o 'batch [0-9]*' "$T/last" | head -1 | cut -d' ' -f2)
digest_before=$(digest)
status "a batch that replaced earlier submissions is not withdrawn (S3008)" 2 "$BIN/wiqaya-etl" withdraw "$batch_fix"
check "the refusal says why" grep -q "Earlier submissions of its cases that it replaced.*: 40" "$T/last"
eq "and nothing changed" "$(digest)" "$digest_before"
same_as_rebuild "after the correction and the withdrawal, the analytics equal a full rebuild"

# --- the intake's counterpart, for admins
start_intake
ADMIN=$(new_token admin) SUB=$(new_token submitter DC-POL-01)
code() { curl -s -o "$T/body" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $1" "$INTAKE_URL/api/v1/batches/b-$2"; }
eq "a submitter cannot withdraw a batch" "$(code "$SUB" "$batch_b")" "403"
eq "an admin is refused what cannot be exact (409)" "$(code "$ADMIN" "$batch_fix")" "409"
check "with S3008 and why" bash -c "jq -e '.code == \"S3008\" and (.detail | test(\"replaced\"))' '$T/body'"
psql_t -c "SELECT pg_advisory_lock(7270010), pg_sleep(4)" >/dev/null & holder=$!
sleep 1
eq "while a load holds the linkage lock, the intake does not wait: 503" "$(code "$ADMIN" "$batch_b")" "503"
check "S3010, try again" bash -c "jq -e '.code == \"S3010\"' '$T/body'"
wait "$holder"
eq "an admin withdraws B through the intake" "$(code "$ADMIN" "$batch_b")" "200"
check "the answer counts what went" bash -c "jq -e '.withdrawn == true and .cases == 300' '$T/body'"
eq "and it is gone" "$(code "$ADMIN" "$batch_b")" "404"
# A request's batch withdrawn: a retry of it (its client never saw the answer) is told so,
# and loads nothing, for as long as its Idempotency-Key is remembered.
head -2 "$T/b.ndjson" | jq -c '.agency = "DC-POL-01" | .case_ref |= "RETRY-" + .' >"$T/retry.ndjson"
head -1 "$T/retry.ndjson" >"$T/retry_other.ndjson"
eq "a request with an Idempotency-Key loads" "$(post "$SUB" application/x-ndjson "$T/retry.ndjson" -H 'Idempotency-Key: lost-answer')" "200"
retried=$(psql_t -c "SELECT max(batch_id) FROM warehouse.batch")
eq "an admin withdraws its batch" "$(code "$ADMIN" "$retried")" "200"
cases_now=$(psql_t -c 'SELECT count(*) FROM warehouse."case"')
eq "the request sent again with its key: 410" "$(post "$SUB" application/x-ndjson "$T/retry.ndjson" -H 'Idempotency-Key: lost-answer')" "410"
check "I1008, naming the withdrawn batch" bash -c "jq -e '.code == \"I1008\" and (.detail | test(\"b-$retried\"))' '$T/body'"
eq "and loads nothing" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')/$(psql_t -c "SELECT count(*) FROM warehouse.batch WHERE batch_id > $retried")" "$cases_now/0"
eq "the key with another body is still a conflict (I1005)" \
  "$(post "$SUB" application/x-ndjson "$T/retry_other.ndjson" -H 'Idempotency-Key: lost-answer')/$(jq -r .code "$T/body")" "409/I1005"
psql_t -c "UPDATE warehouse.withdrawn_request SET loaded_at = now() - interval '200 hours'"
eq "once the key would be forgotten, the request is a new one" \
  "$(post "$SUB" application/x-ndjson "$T/retry.ndjson" -H 'Idempotency-Key: lost-answer')" "200"
eq "and the withdrawn request's key is dropped" "$(psql_t -c 'SELECT count(*) FROM warehouse.withdrawn_request')" 0
stop_intake
"$BIN/wiqaya-etl" refresh --queued >/dev/null
eq "no case of B is left, and no orphan" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.\"case\" WHERE batch_id = $batch_b")/$(psql_t -c 'SELECT bool_and(n = 0) FROM warehouse.integrity()')" "0/t"
same_as_rebuild "after the intake's withdrawal and the refresh, the analytics equal a full rebuild"
eq "B's batch is gone again" "$(psql_t -c "SELECT count(*) FROM warehouse.batch WHERE batch_id = $batch_b")" "0"

# --- files that are not what they claim stop at once, with no batch
batches=$(psql_t -c 'SELECT count(*) FROM warehouse.batch')
jq -s . "$T/fix.ndjson" >"$T/array.ndjson"
jq . "$T/fix.ndjson" >"$T/pretty.ndjson"
head -3 "$T/a/cases.csv" | tr ',' ';' >"$T/semicolon.csv"
status "a JSON array is refused at once" 2 "$BIN/wiqaya-etl" load "$T/array.ndjson"
check "S3007: not NDJSON, an array" grep -q 'S3007: the file is not NDJSON: it is a JSON array' "$T/last"
status "pretty-printed JSON is refused at once" 2 "$BIN/wiqaya-etl" load "$T/pretty.ndjson"
check "S3007: spread over lines" grep -q 'S3007: the file is not NDJSON: it is one JSON value spread over several lines' "$T/last"
status "a CSV separated by semicolons is refused at once" 2 "$BIN/wiqaya-etl" load "$T/semicolon.csv"
check "S3007 names the separator" grep -q 'separated by semicolons' "$T/last"
eq "none of them made a batch" "$(psql_t -c 'SELECT count(*) FROM warehouse.batch')" "$batches"

# --- a CSV list with spaces after its separators
{ head -1 "$T/a/cases.csv"; sed -n 2p "$T/a/cases.csv"; } >"$T/one.csv"
col=$(head -1 "$T/one.csv" | tr ',' '\n' | grep -n '^offences$' | cut -d: -f1)
awk -F, -v OFS=, -v c="$col" 'NR == 1 { print; next } { $c = "grooming; sextortion"; $2 = "SPACED-1"; print }' "$T/one.csv" >"$T/spaced.csv"
status "\"grooming; sextortion\" is two codes" 0 "$BIN/wiqaya-etl" load "$T/spaced.csv"

# --- progress when not on a terminal, and the help
"$BIN/wiqaya-synth" --seed 23 --cases 20000 --out "$T/c" >/dev/null
"$BIN/wiqaya-etl" load "$T/c/cases.ndjson" >"$T/c.out" 2>"$T/c.err"
check "the refresh is announced on stderr" grep -q '^refreshing the analytics' "$T/c.err"
check "no terminal control characters in a log" bash -c "! grep -q \$'\\r' '$T/c.err'"
"$BIN/wiqaya-etl" load --help >"$T/help"
check "load --help documents the rejects file" grep -q -- '--rejects FILE' "$T/help"
check "load --help documents the exit codes" grep -q '^  3  loaded, but the analytics could not be refreshed' "$T/help"
echo "1..$n"
