# Pseudonymisation: linkage quality on the synthetic country, a dictionary attack with and
# without the key, key-file rules, merges, rotation and the retention of children who harmed.
source "$(dirname "$0")/../lib.sh"
fresh_db pseudo

# --- linkage precision and recall against the generator's truth (docs/privacy.md) ---
# 20,000 cases of seed 7: siblings, twins and namesakes planted, and every identity variant.
"$BIN/wiqaya-synth" --seed 7 --cases 20000 --years 2015-2025 --out "$T/syn" >/dev/null
status "loading 20,000 synthetic cases" 0 "$BIN/wiqaya-etl" load "$T/syn/cases.ndjson"
"$BIN/tool_linkage_eval" "$T/syn/linkage.csv" >"$T/linkage.json"
figure "linkage (seed 7, 20,000 cases): $(jq -c '{precision, recall, true_pairs, false_links, planted_unlinkable, planted_unlinkable_linked}' "$T/linkage.json")"
figure "planted families: $(jq -c '.realised | {siblings, twins, namesakes}' "$T/syn/truth.json")"
integrity "no orphan after loading 20,000 cases"
check "linkage precision >= 0.998" jq -e '.precision >= 0.998' "$T/linkage.json"
check "linkage recall >= 0.995 (records that can link)" jq -e '.recall >= 0.995' "$T/linkage.json"
check "children planted in the other script without ID stay unlinked" \
  jq -e '.planted_unlinkable > 0 and .planted_unlinkable_linked == 0' "$T/linkage.json"
check "the generator planted twins and namesakes" \
  jq -e '.realised.twins > 100 and .realised.namesakes > 100' "$T/syn/truth.json"

# --- dictionary attack: the data's own names and dates, every sex ---
fresh_db attack
"$BIN/wiqaya-synth" --seed 12 --cases 80 --out "$T/small" >/dev/null
"$BIN/wiqaya-etl" load "$T/small/cases.ndjson" >/dev/null
jq -r '(.victims[], .offenders[]?) | .identity // empty |
       "G\t\(.given_name)", "F\t\(.family_name)", "D\t\(.birth_date)"' \
  "$T/small/cases.ndjson" | sort -u >"$T/lists"
psql_t -c "SELECT encode(token, 'hex') FROM warehouse.person_token WHERE kind = 2" >"$T/demo_tokens"
"$BIN/attack_dictionary" "$T/keys/pseudonym.key" 1 "$T/lists" <"$T/demo_tokens" >"$T/attack.json"
sed 's/^/# attack: /' "$T/attack.json"
check "the attack tried every candidate (> 100,000)" jq -e '.candidates > 100000' "$T/attack.json"
eq "without the key: 0 stored pseudonyms matched" "$(jq .unkeyed "$T/attack.json")" "0"
eq "with a wrong key: 0 matched" "$(jq .wrong_key "$T/attack.json")" "0"
eq "with the right key: every demographic token matched (positive control)" \
  "$(jq .right_key "$T/attack.json")" "$(wc -l <"$T/demo_tokens")"

# --- the key file ---
chmod 0644 "$T/keys/pseudonym.key"
status "a key file readable by others is refused" 2 "$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson"
check "with a clear message (K1002, chmod hint)" grep -q 'K1002.*group or world access' "$T/last"
check "the hint says how to fix it" grep -q 'chmod 0400' "$T/last"
chmod 0400 "$T/keys/pseudonym.key"
status "mode 0400 starts" 1 "$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson"
status "keygen never overwrites a key" 2 "$BIN/wiqaya-etl" keygen
check "the fingerprint is 16 hex digits" bash -c "'$BIN/wiqaya-etl' fingerprint | grep -qE '^[0-9a-f]{16}$'"

# --- merges: a record naming two existing persons joins them under the lower id ---
fresh_db merge
cat >"$T/m1.ndjson" <<'JSON'
{"agency":"DC-POL-01","case_ref":"M-1","reported":"2023-03","region":"DC-01","offences":["grooming"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","identity":{"national_id":"5550001"},"sex":"female","age":14}]}
{"agency":"DC-HOSP-01","case_ref":"M-2","reported":"2023-04","region":"DC-01","offences":["sextortion"],"detection":"health_service","status":"reported","victims":[{"ref":"V1","identity":{"given_name":"Qamar","family_name":"Zubair","birth_date":"2009-01-15"},"sex":"female"}]}
JSON
cat >"$T/m2.ndjson" <<'JSON'
{"agency":"DC-SOC-01","case_ref":"M-3","reported":"2023-05","region":"DC-01","offences":["grooming"],"detection":"school","status":"reported","victims":[{"ref":"V1","identity":{"given_name":"QAMAR","family_name":"Zubair","birth_date":"2009-01-15","national_id":"555-0001"},"sex":"female"}]}
JSON
"$BIN/wiqaya-etl" load "$T/m1.ndjson" >/dev/null
eq "two persons before the linking record" "$(psql_t -c 'SELECT count(*) FROM warehouse.person WHERE merged_into IS NULL')" "2"
status "the linking record loads" 0 "$BIN/wiqaya-etl" load "$T/m2.ndjson"
check "the summary reports one merge" grep -q '1 merges' "$T/last"
eq "one person remains, under the lower id" \
  "$(psql_t -c 'SELECT count(DISTINCT person_id), min(person_id) FROM warehouse.victim')" "1|1"
eq "the merge is recorded" "$(psql_t -c 'SELECT from_person, into_person FROM warehouse.person_merge')" "2|1"
integrity "no orphan after the merge"
eq "the child counts once in 2023" "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year WHERE year = 2023')" "1"

# --- cannot-link: two national IDs of one country never join, even through a third record ---
fresh_db veto
cat >"$T/v1.ndjson" <<'JSON'
{"agency":"DC-POL-01","case_ref":"T-1","reported":"2023-03","region":"DC-01","offences":["grooming"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","identity":{"given_name":"Hana","family_name":"Saleh","birth_date":"2012-05-05","national_id":"8800001"},"sex":"female"}]}
{"agency":"DC-POL-01","case_ref":"T-2","reported":"2023-04","region":"DC-01","offences":["grooming"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","identity":{"given_name":"Hana","family_name":"Saleh","birth_date":"2012-05-05","national_id":"8800002"},"sex":"female"}]}
JSON
cat >"$T/v2.ndjson" <<'JSON'
{"agency":"DC-SOC-01","case_ref":"T-3","reported":"2023-06","region":"DC-01","offences":["grooming"],"detection":"school","status":"reported","victims":[{"ref":"V1","identity":{"given_name":"Hana","family_name":"Saleh","birth_date":"2012-05-05"},"sex":"female"}]}
{"agency":"DC-SOC-01","case_ref":"T-4","reported":"2023-07","region":"DC-01","offences":["grooming"],"detection":"school","status":"reported","victims":[{"ref":"V1","identity":{"national_id":"8800002"},"sex":"female","age":11},{"ref":"V2","identity":{"given_name":"Hana","family_name":"Saleh","birth_date":"2012-05-05"},"sex":"female"}]}
JSON
"$BIN/wiqaya-etl" load "$T/v1.ndjson" >/dev/null
eq "same name and birth date, two national IDs: two persons" \
  "$(psql_t -c 'SELECT count(*) FROM warehouse.person')" "2"
status "records that name both through a chain load" 0 "$BIN/wiqaya-etl" load "$T/v2.ndjson"
eq "and still join nothing: no merge, two persons" \
  "$(psql_t -c 'SELECT count(*), count(*) FILTER (WHERE merged_into IS NOT NULL) FROM warehouse.person')" "2|0"
eq "the two IDs are on two persons" \
  "$(psql_t -c 'SELECT count(DISTINCT person_id) FROM warehouse.person_token WHERE kind = 1')" "2"
integrity "no orphan after refused links"

# --- rotation: linkage and counts identical, old tier-2 values gone ---
fresh_db rekey
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
snapshot() {
  psql_t -c "SELECT case_id, seq, person_id FROM warehouse.victim ORDER BY 1, 2" \
         -c "SELECT case_id, seq, person_id FROM warehouse.offender ORDER BY 1, 2" \
         -c "SELECT person_id, kind FROM warehouse.person_token ORDER BY 1, 2" \
         -c "SELECT * FROM analytics.victim_year ORDER BY record_key, year, row_key" \
         -c "SELECT record_key, year, status, offences FROM analytics.case_fact ORDER BY 1, 2, 3, 4"
}
snapshot >"$T/before"
psql_t -c "SELECT encode(token, 'hex') FROM warehouse.person_token UNION ALL
           SELECT encode(case_key, 'hex') FROM warehouse.\"case\" UNION ALL
           SELECT encode(batch_key, 'hex') FROM warehouse.batch" | sort >"$T/old_values"
status "rekey" 0 "$BIN/wiqaya-etl" rekey
check "it reports version 2" grep -q 'version 2' "$T/last"
snapshot >"$T/after"
check "linkage, tokens per person and analytics identical after rotation, without a refresh" cmp -s "$T/before" "$T/after"
# A case's fact is found by a row key made from its case key: rotated with it, or the
# next refresh of the case (a correction) adds a second fact and a withdrawal leaves it.
eq "every case fact is found by its rotated case key" \
  "$(psql_t -c "SELECT count(*) FROM analytics.case_fact f WHERE NOT EXISTS (SELECT FROM warehouse.\"case\" c WHERE warehouse.row_key(c.case_key, 'case', 0) = f.row_key)")" 0
psql_t -c "SELECT encode(token, 'hex') FROM warehouse.person_token UNION ALL
           SELECT encode(case_key, 'hex') FROM warehouse.\"case\" UNION ALL
           SELECT encode(batch_key, 'hex') FROM warehouse.batch" | sort >"$T/new_values"
eq "no old tier-2 value remains" "$(comm -12 "$T/old_values" "$T/new_values" | wc -l)" "0"
eq "as many values as before" "$(wc -l <"$T/new_values")" "$(wc -l <"$T/old_values")"
integrity "no orphan after rotation"
eq "every value is under version 2" \
  "$(psql_t -c 'SELECT count(*) FROM warehouse.person_token WHERE key_version <> 2')" "0"
status "reloading the same file after rotation is still a no-op" 0 "$BIN/wiqaya-etl" load "$T/syn/cases.ndjson"
check "(already loaded)" grep -q 'already loaded' "$T/last"
# A new report of a known child, loaded after rotation, links through the whole chain.
line=$(grep -m1 '"national_id"' "$T/syn/cases.ndjson" | jq -c '.case_ref = "AFTER-ROTATION-1" | del(.interventions)')
printf '%s\n' "$line" >"$T/after.ndjson"
persons=$(psql_t -c 'SELECT count(*) FROM warehouse.person')
status "a new report after rotation loads" 0 "$BIN/wiqaya-etl" load "$T/after.ndjson"
eq "its victims link to the existing persons (no new victim person)" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.person p WHERE p.first_batch = (SELECT max(batch_id) FROM warehouse.batch) AND EXISTS (SELECT 1 FROM warehouse.victim v WHERE v.person_id = p.person_id)")" "0"
# A case loaded before the rotation, corrected after it: its fact is replaced, not doubled.
facts=$(psql_t -c 'SELECT count(*) FROM analytics.case_fact')
grep -m1 '"status":"reported"' "$T/syn/cases.ndjson" | jq -c '.status = "convicted"' >"$T/corrected.ndjson"
status "a correction of a case loaded before the rotation loads" 0 "$BIN/wiqaya-etl" load "$T/corrected.ndjson"
eq "and replaces its case fact (the refresh finds it by the rotated key)" \
  "$(psql_t -c 'SELECT count(*) FROM analytics.case_fact')" "$facts"
eq "whose status is the correction's" \
  "$(psql_t -c "SELECT count(*) FROM analytics.case_fact WHERE status = 'convicted'")" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.\"case\" WHERE status = 'convicted'")"

# --- retention: children who harmed are unlinked after the configured months ---
fresh_db retention
cat >"$T/child.ndjson" <<'JSON'
{"agency":"DC-POL-02","case_ref":"R-1","reported":"2016-03","region":"DC-02","offences":["nonconsensual_sharing"],"detection":"school","status":"diverted","victims":[{"ref":"V1","sex":"female","age":14}],"offenders":[{"ref":"O1","identity":{"given_name":"Yazan","family_name":"Khoury","birth_date":"2001-02-03"},"sex":"male"}]}
{"agency":"DC-POL-02","case_ref":"R-2","reported":"2025-03","region":"DC-02","offences":["nonconsensual_sharing"],"detection":"school","status":"diverted","victims":[{"ref":"V1","sex":"female","age":14}],"offenders":[{"ref":"O1","identity":{"given_name":"Rami","family_name":"Saad","birth_date":"2010-02-03"},"sex":"male"}]}
JSON
"$BIN/wiqaya-etl" load "$T/child.ndjson" >/dev/null
eq "two children who harmed, under the child key" "$(psql_t -c "SELECT count(*) FROM warehouse.person WHERE scope = 'c' AND linkable")" "2"
# While a load writes (the linkage lock held, as a load holds it) retention waits: a load
# linking a new case to the child from a snapshot retention does not see would keep the
# child's new token for good.
psql_t -c "SET application_name = 'load_in_flight'; SELECT pg_advisory_lock(7270010), pg_sleep(600)" >/dev/null 2>&1 & holder=$!
for _ in $(seq 1 100); do [[ $(linkage_locked) == 1 ]] && break; sleep 0.1; done
"$BIN/wiqaya-etl" retention >"$T/retention.out" 2>&1 & retention=$!
for _ in $(seq 1 50); do [[ $(psql_t -c "SELECT count(*) FROM $SESSIONS_HERE s WHERE wait_event = 'advisory' AND query LIKE '%advisory_xact_lock%'") == 1 ]] && break; sleep 0.1; done
eq "retention waits for a load's linkage lock" \
  "$(psql_t -c "SELECT count(*) FROM $SESSIONS_HERE s WHERE wait_event = 'advisory' AND query LIKE '%advisory_xact_lock%'")" 1
eq "and has unlinked nobody meanwhile" "$(psql_t -c "SELECT count(*) FROM warehouse.person WHERE scope = 'c' AND NOT linkable")" 0
psql_t -c "SELECT pg_terminate_backend(pid) FROM $SESSIONS_HERE s WHERE application_name = 'load_in_flight'" >/dev/null
wait "$holder" 2>/dev/null
wait "$retention"
check "retention, once the load ends: one child unlinked (the 2016 case, past 60 months)" grep -q '^1 children' "$T/retention.out"
eq "its tokens are gone, the recent one's remain" \
  "$(psql_t -c "SELECT p.linkable, count(t.token) FROM warehouse.person p LEFT JOIN warehouse.person_token t USING (person_id) WHERE p.scope = 'c' GROUP BY 1 ORDER BY 1")" \
  "$(printf 'f|0\nt|2')"
# A child left unlinkable with a token and a recent case (as a load racing retention could
# leave one before retention took the linkage lock) loses the token at the next run.
psql_t -c "INSERT INTO warehouse.person_token (token, key_version, kind, person_id)
  SELECT sha256('a leftover token'::bytea), 1, 2, person_id FROM warehouse.person WHERE scope = 'c' AND NOT linkable" \
  -c "UPDATE warehouse.\"case\" SET reported = date_trunc('month', current_date) WHERE case_id IN (SELECT o.case_id FROM warehouse.offender o
        JOIN warehouse.person p USING (person_id) WHERE p.scope = 'c' AND NOT p.linkable)" >/dev/null
status "retention again" 0 "$BIN/wiqaya-etl" retention
eq "takes the token a child left unlinkable still held" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.person p JOIN warehouse.person_token t USING (person_id) WHERE p.scope = 'c' AND NOT p.linkable")" 0
echo "1..$n"
