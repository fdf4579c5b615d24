# Official releases (issue 30, docs/releases.md): agencies approve years of their cases; a
# release holds the years every agency approved and names the agencies it waits for; a
# change to an approved year reopens it, and a released year is revised, flagged; a
# published release never changes (bytes and ETag) while new data arrive or the rules
# change, and stays readable after the next; the next release's revision note finds a
# planted reclassification and a withdrawn batch.
source "$(dirname "$0")/../lib.sh"
fresh_db releases
load_country 7 4000
printf '[disclosure]\nofficial_releases = true\nrelease_calendar = 2020-01-01 2099-03-31, 2099-09-30\n' >>"$CONF"

# Two planted batches of DC-POL-01, apart from the country: 60 cases of 2019 (withdrawn
# after the first release) and 60 of 2020 (reclassified after it: grooming, then
# sextortion).
planted() { # REF-PREFIX YEAR OFFENCE ID-BASE
  for i in $(seq 1 60); do
    printf '{"agency":"DC-POL-01","case_ref":"REL-%s-%d","reported":"%s-06-15","incident":"%s-05","region":"DC-01","offences":["%s"],"detection":"victim_report","status":"reported","victims":[{"ref":"V1","identity":{"national_id":"%d"},"sex":"female","age":14}]}\n' \
      "$1" "$i" "$2" "$2" "$3" $(($4 + i))
  done
}
planted W 2019 grooming 7100000 >"$T/withdrawn.ndjson"
planted R 2020 grooming 7200000 >"$T/reclassified.ndjson"
planted R 2020 sextortion 7200000 >"$T/reclassified2.ndjson"
"$BIN/wiqaya-etl" load "$T/withdrawn.ndjson" >/dev/null
withdrawn_batch=$(psql_t -c "SELECT max(batch_id) FROM warehouse.batch")
"$BIN/wiqaya-etl" load "$T/reclassified.ndjson" >/dev/null
read -r first last < <(psql_t -F' ' -c "SELECT first_year, last_year FROM analytics.data_version")

# ---- approvals ----
status "a release before any approval is refused" 2 "$BIN/wiqaya-server" release create
check "R1004: not every agency has approved the first year" grep -q "R1004.*not every agency has approved" "$T/last"
# Every agency approves every year, but DC-HOSP-02 not the last and DC-SOC-03 not the one
# before: the release holds the years to the one before that.
for a in $(tail -n +2 config/codelists/agencies.csv | cut -d, -f1); do
  case $a in
    DC-HOSP-02) "$BIN/wiqaya-etl" approve "$a" "$first-$((last - 1))" >/dev/null ;;
    DC-SOC-03) "$BIN/wiqaya-etl" approve "$a" "$first-$((last - 2))" >/dev/null
               "$BIN/wiqaya-etl" approve "$a" "$last" >/dev/null ;;
    *) "$BIN/wiqaya-etl" approve "$a" "$first-$last" >/dev/null ;;
  esac
done
eq "the approvals are recorded" "$(psql_t -c "SELECT count(*) FROM warehouse.approval")" \
  "$(( 42 * (last - first + 1) - 2 ))"
status "an agency that is no code" 2 "$BIN/wiqaya-etl" approve DC-NOPE-01 2020
check "is refused, naming the field (S3013)" grep -q "S3013.*agency" "$T/last"
status "a year after this one" 2 "$BIN/wiqaya-etl" approve DC-POL-01 $(($(date +%Y) + 1))
check "is refused, naming the field (S3014)" grep -q "S3014.*year" "$T/last"
# While cases are being written (the linkage lock held, as a load holds it) an approval
# waits, then is refused (S3015): a change committed after it would otherwise reopen
# nothing, its trigger having run before the approval's row existed.
psql_t -c "SET application_name = 'load_in_flight'; SELECT pg_advisory_lock(7270010), pg_sleep(600)" >/dev/null 2>&1 & holder=$!
for _ in $(seq 1 100); do [[ $(linkage_locked) == 1 ]] && break; sleep 0.1; done
before=$(psql_t -c "SELECT approved_at FROM warehouse.approval WHERE agency = 'DC-HOSP-02' AND year = $last")
status "an approval while a load writes cases" 2 "$BIN/wiqaya-etl" approve DC-HOSP-02 "$last"
check "is refused when the load does not end within 5 s (S3015)" grep -q "S3015" "$T/last"
eq "and approves nothing" "$(psql_t -c "SELECT approved_at FROM warehouse.approval WHERE agency = 'DC-HOSP-02' AND year = $last")" "$before"
kill "$holder" 2>/dev/null
psql_t -c "SELECT pg_terminate_backend(pid) FROM $SESSIONS_HERE s WHERE application_name = 'load_in_flight'" >/dev/null
wait "$holder" 2>/dev/null

# ---- the first release, made as the daily timer makes one (wiqaya-release.timer) ----
status "release create --if-due on a day off the calendar" 0 "$BIN/wiqaya-server" release create --if-due
check "does nothing, saying so" bash -c "grep -q 'no release is due today' '$T/last' && [[ \$(WIQAYA_CONF=$CONF '$ROOT/scripts/pg.sh' psql -X -At -c 'SELECT count(*) FROM auth.release') == 0 ]]"
printf '[disclosure]\nrelease_calendar = 2020-01-01, %s 2099-03-31\n' "$(date -u +%F)" >>"$CONF"
status "on a day of the calendar, release create --if-due" 0 "$BIN/wiqaya-server" release create --if-due --note "first"
eq "makes draft 1" "$(psql_t -c "SELECT id, published_at IS NULL FROM auth.release")" "1|t"
status "and again that day" 0 "$BIN/wiqaya-server" release create --if-due
check "makes none, saying which was made" bash -c "grep -q 'release 1 was made today already' '$T/last' && [[ \$(WIQAYA_CONF=$CONF '$ROOT/scripts/pg.sh' psql -X -At -c 'SELECT count(*) FROM auth.release') == 1 ]]"
sed -i '$d' "$CONF"; sed -i '$d' "$CONF"
"$BIN/wiqaya-server" release show 1 >"$T/r1.json"
eq "it holds the years every agency approved, a year released whole or not at all" \
  "$(jq -c .years "$T/r1.json")" "[$first,$((last - 2))]"
eq "and names the agency it waits for, and the year" \
  "$(jq -c '.agencies[] | select(.agency == "DC-SOC-03") | .missing | map([.year, .why])' "$T/r1.json")" "[[$((last - 1)),\"not approved\"]]"
eq "and the other one" \
  "$(jq -c '.agencies[] | select(.agency == "DC-HOSP-02") | [(.approved | length), (.missing | map([.year, .why]))]' "$T/r1.json")" \
  "[$((last - 2 - first + 1)),[[$last,\"not approved\"]]]"
# The release's stored cases by year: exactly the held years' cases.
stored() { # RELEASE TABLE: the sum of a stored table's true numerators
  psql_t -c "SELECT sum(x::bigint) FROM auth.release_table t,
    jsonb_array_elements_text((t.body::jsonb)->'truth') WITH ORDINALITY a(x, i)
    WHERE t.release = $1 AND t.query = '$2' AND i % 3 = 1"
}
eq "its cases by year count the held years' cases and no other" \
  "$(stored 1 'indicator=cases&dimension=year&dimension=detection')" \
  "$(psql_t -c "SELECT count(*) FROM analytics.case_fact WHERE year <= $((last - 2))")"
check "which leaves cases out" test "$(stored 1 'indicator=cases&dimension=year&dimension=detection')" -lt \
  "$(psql_t -c "SELECT count(*) FROM analytics.case_fact")"

start_server
status "a draft answers nobody: the public gets a token refusal" 0 \
  bash -c "curl -s 'http://127.0.0.1:$TEST_HTTP_PORT/api/v1/analytics?indicator=victims&dimension=year' | grep -q T1000"
eq "nor is it listed to the public" "$(api /api/v1/releases)" '{"releases":[]}'
status "release publish" 0 "$BIN/wiqaya-server" release publish 1
Q="/api/v1/analytics?indicator=victims&dimension=year&dimension=sex"
curl -s -D "$T/h1" -o "$T/a1" "http://127.0.0.1:$TEST_HTTP_PORT$Q"
eq "a published answer names its release" "$(jq -c '[.metaData.release_id, .metaData.release]' "$T/a1")" "[1,\"$(date -u +%F)\"]"
etag1=$(awk 'tolower($1) == "etag:" { print $2 }' "$T/h1" | tr -d '\r')
check "and carries an ETag" test -n "$etag1"
eq "which a client revalidates (304)" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag1" "http://127.0.0.1:$TEST_HTTP_PORT$Q")" 304
eq "the public lists it" "$(api /api/v1/releases | jq -c '[.releases[] | [.id, .status]]')" '[[1,"published"]]'
curl -s -D "$T/hr1" -o "$T/r1.public" "http://127.0.0.1:$TEST_HTTP_PORT/api/v1/releases/1"
status "a published release cannot be published again" 2 "$BIN/wiqaya-server" release publish 1
check "R1006" grep -q R1006 "$T/last"
printf '[disclosure]\nnoise_scale = 3\n' >>"$CONF"
status "a release under other noise scales than its key's is refused" 2 "$BIN/wiqaya-server" release create
check "S5007: the same draw at two scales would give the true counts away" grep -q "S5007.*noise_scale 2" "$T/last"
stop_server
status "and so is a server" 2 "$BIN/wiqaya-server" serve
check "S5007" grep -q S5007 "$T/last"
sed -i '$d' "$CONF"; sed -i '$d' "$CONF"
printf '[disclosure]\nfloor_spread = 2\n' >>"$CONF"
status "a server under another floor_spread than its key's is refused" 2 "$BIN/wiqaya-server" serve
check "S5010: the same draw under two spreads would say more of a count" grep -q "S5010.*floor_spread 4" "$T/last"
eq "the key's spread is recorded with its scales" "$(psql_t -c 'SELECT floor_spread FROM auth.noise_rules')" "4"
status "and kept: nobody changes it in the database" 1 psql_t -c "UPDATE auth.noise_rules SET floor_spread = 2"
# Asked while it fails to start, it stops at once: what its front had relayed is reset,
# not left to its 90 s deadline (the server kept its port and its clients that long).
"$BIN/wiqaya-server" serve 2>/dev/null &
bad=$!
reached=0
for _ in $(seq 1 300); do
  curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$TEST_HTTP_PORT/healthz"
  [[ $? != 7 ]] && reached=$((reached + 1)) # 7: nothing listened yet
  kill -0 "$bad" 2>/dev/null || break
done
figure "a server failing to start (S5010) was asked $reached time(s) through its front"
check "a server that fails to start while clients ask stops at once (its front too)" \
  bash -c "! kill -0 $bad 2>/dev/null && ! curl -s --max-time 1 -o /dev/null http://127.0.0.1:$TEST_HTTP_PORT/healthz"
wait "$bad" 2>/dev/null
sed -i '$d' "$CONF"; sed -i '$d' "$CONF"
start_server
status "nor changed in the database, even by its owner" 1 \
  psql_t -c "UPDATE auth.release_table SET body = '{}' WHERE release = 1"
status "nor given a table" 1 \
  psql_t -c "INSERT INTO auth.release_table VALUES (1, 'indicator=victims&dimension=year', '{}')"
stop_server
printf '[disclosure]\nthreshold = 1000\nfloor = 100\n' >>"$CONF"
start_server
curl -s -o "$T/a1r" "http://127.0.0.1:$TEST_HTTP_PORT$Q"
check "nor does it answer by rules changed since: the same bytes" cmp "$T/a1" "$T/a1r"
stop_server
sed -i '$d' "$CONF"; sed -i '$d' "$CONF"; sed -i '$d' "$CONF"
start_server
status "nor dropped" 2 "$BIN/wiqaya-server" release drop 1

# ---- new data reopen what they touch, and change nothing published ----
"$BIN/wiqaya-etl" withdraw "$withdrawn_batch" >/dev/null
"$BIN/wiqaya-etl" load "$T/reclassified2.ndjson" >/dev/null
eq "a withdrawal and a resubmission reopen the approved years they touch, and only those" \
  "$(psql_t -c "SELECT string_agg(agency || ' ' || year, ',' ORDER BY year) FROM warehouse.approval WHERE reopened_at IS NOT NULL")" \
  "DC-POL-01 2019,DC-POL-01 2020"
"$BIN/wiqaya-etl" approvals DC-POL-01 >"$T/approvals"
check "wiqaya-etl approvals says so" grep -qP "^DC-POL-01\t2020\treopened\t" "$T/approvals"
check "new data arrived" test "$(psql_t -c "SELECT version FROM analytics.data_version")" -gt "$(jq .data_version "$T/r1.json")"
curl -s -D "$T/h2" -o "$T/a2" "http://127.0.0.1:$TEST_HTTP_PORT$Q"
check "the published answer is the same bytes" cmp "$T/a1" "$T/a2"
eq "and the same ETag" "$(awk 'tolower($1) == "etag:" { print $2 }' "$T/h2" | tr -d '\r')" "$etag1"
curl -s -D "$T/hr2" -o "$T/r2.public" "http://127.0.0.1:$TEST_HTTP_PORT/api/v1/releases/1"
check "so is the release's own description" cmp "$T/r1.public" "$T/r2.public"
# New population estimates: the live rates move, the release's do not.
QR="/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=sex&release=1"
curl -s -o "$T/rate1" "http://127.0.0.1:$TEST_HTTP_PORT$QR"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $5 = $5 * 2 } 1' "$T/syn/population.csv" >"$T/population2.csv"
"$BIN/wiqaya-etl" load --population "$T/population2.csv" >/dev/null
eq "the population table changed since the release" "$(psql_t -c "SELECT (SELECT sum(population) FROM analytics.population)
  <> (SELECT sum(population) FROM auth.release_population WHERE release = 1)")" t
curl -s -o "$T/rate2" "http://127.0.0.1:$TEST_HTTP_PORT$QR"
check "and a published rate is the same bytes: the release divides by its own populations" cmp "$T/rate1" "$T/rate2"

# A draft made now leaves the reopened years out, named.
"$BIN/wiqaya-server" release create >/dev/null
"$BIN/wiqaya-server" release show 2 >"$T/r2.json"
eq "a draft made before the agency approves again still holds the released years" \
  "$(jq -c .years "$T/r2.json")" "[$first,$((last - 2))]"
eq "revised, flagged: the reopened years of the agency" \
  "$(jq -c '.agencies[] | select(.agency == "DC-POL-01") | .flagged | map([.year, .why])' "$T/r2.json")" \
  '[[2019,"reopened"],[2020,"reopened"]]'
eq "those years are carried: not every agency approved their revision" "$(jq -c .carried "$T/r2.json")" '[2019,2020]'
stored_year() { # RELEASE TABLE YEAR: a stored table's true numerators of a year
  psql_t -c "SELECT sum((t.body::jsonb->'truth'->>(3 * ((v.i - 1) / 2))::int)::bigint)
    FROM auth.release_table t, jsonb_array_elements_text((t.body::jsonb)->'values') WITH ORDINALITY v(x, i)
    WHERE t.release = $1 AND t.query = '$2' AND v.x = '$3' AND v.i % 2 = 1"
}
eq "their cells are the published release's, the withdrawal not in them" \
  "$(stored_year 2 'indicator=cases&dimension=year&dimension=detection' 2019)" \
  "$(stored_year 1 'indicator=cases&dimension=year&dimension=detection' 2019)"
check "while the data have it" test "$(psql_t -c "SELECT count(*) FROM analytics.case_fact WHERE year = 2019")" -lt \
  "$(stored_year 1 'indicator=cases&dimension=year&dimension=detection' 2019)"
psql_t -c "UPDATE auth.release SET complete = false WHERE id = 2"
status "a draft whose tables are not all measured is not published" 2 "$BIN/wiqaya-server" release publish 2
check "R1008" grep -q R1008 "$T/last"
psql_t -c "UPDATE auth.release SET complete = true WHERE id = 2"
status "the carried release is published" 0 "$BIN/wiqaya-server" release publish 2
Q2019="/api/v1/analytics?indicator=cases&dimension=detection&from=2019&to=2019"
eq "its 2019 is release 1's, figure for figure" "$(api "$Q2019&release=2" | jq -c .rows)" "$(api "$Q2019&release=1" | jq -c .rows)"
"$BIN/wiqaya-server" release create >/dev/null
id3=$(psql_t -c "SELECT max(id) FROM auth.release")
status "a draft can be dropped" 0 "$BIN/wiqaya-server" release drop "$id3"
eq "and is gone" "$(psql_t -c "SELECT count(*) FROM auth.release WHERE id = $id3")" 0

# ---- the second release and its revision note ----
"$BIN/wiqaya-etl" approve DC-POL-01 2019-2020 >/dev/null
"$BIN/wiqaya-etl" approve DC-SOC-03 $((last - 1)) >/dev/null
eq "approving again closes the reopening" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.approval WHERE reopened_at IS NOT NULL")" 0
"$BIN/wiqaya-server" release create --note "revised" >/dev/null
id2=$(psql_t -c "SELECT max(id) FROM auth.release")
"$BIN/wiqaya-server" release publish "$id2" >/dev/null
"$BIN/wiqaya-server" release show "$id2" >"$T/rn.json"
eq "the revision note is against release 2, which carried the changed years" "$(jq .revisions.previous "$T/rn.json")" 2
eq "the release holds the year the last agency approved since" "$(jq -c .years "$T/rn.json")" "[$first,$((last - 1))]"
moved() { # TABLE-PREFIX CELL-FILTER REASON: the moved cells of a table, with the reason
  jq -r --arg t "$1" --arg r "$3" "[.revisions.cells[] | select((.table | startswith(\$t)) and ($2) and (.reasons | index(\$r)))] | length" "$T/rn.json"
}
check "the reclassified cases move their 2020 sextortion cells, for reclassification" \
  test "$(moved 'indicator=cases&dimension=year&dimension=offence' '.cell.year == "2020" and .cell.offence == "sextortion"' reclassification)" -ge 1
check "and their grooming cells" \
  test "$(moved 'indicator=cases&dimension=year&dimension=offence' '.cell.year == "2020" and .cell.offence == "grooming"' reclassification)" -ge 1
check "the withdrawn batch moves 2019's cells, for withdrawals" \
  test "$(moved 'indicator=cases&dimension=year&dimension=offence' '.cell.year == "2019" and .cell.offence == "grooming"' withdrawals)" -ge 1
eq "a moved cell's figures are the two releases' published counts, apart by more than the noise" \
  "$(jq '[.revisions.cells[] | select((.now - .previous | fabs) <= .band)] | length' "$T/rn.json")" 0
eq "no cell of a year nothing changed in is said to move" \
  "$(jq '[.revisions.cells[] | select(.reasons == [])] | length' "$T/rn.json")" 0
curl -s -D "$T/h3" -o "$T/a3" "http://127.0.0.1:$TEST_HTTP_PORT$Q"
eq "answers now come from the new release" "$(jq .metaData.release_id "$T/a3")" "$id2"
eq "the disclosure rules name the newest release and the planned ones to come" \
  "$(api /api/v1/disclosure | jq -c .release)" \
  "{\"official\":true,\"release_id\":$id2,\"current_since\":\"$(date -u +%F)\",\"next\":[\"2099-03-31\",\"2099-09-30\"]}"
# A new synthetic country's cases: every agency's years reopen, and nothing published moves.
"$BIN/wiqaya-synth" --seed 8 --cases 300 --out "$T/syn8" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn8/cases.ndjson" >/dev/null
check "new cases reopen the years they reach" test \
  "$(psql_t -c "SELECT count(*) FROM warehouse.approval WHERE reopened_at IS NOT NULL")" -gt 100
curl -s -o "$T/a3b" "http://127.0.0.1:$TEST_HTTP_PORT$Q"
check "and the newest release's answer is the same bytes" cmp "$T/a3" "$T/a3b"
curl -s -D "$T/h4" -o "$T/a4" "http://127.0.0.1:$TEST_HTTP_PORT$Q&release=1"
check "the first release stays readable, the same bytes" cmp "$T/a1" "$T/a4"
eq "and the same ETag" "$(awk 'tolower($1) == "etag:" { print $2 }' "$T/h4" | tr -d '\r')" "$etag1"
eq "a release that is not published is 404 (R1001)" \
  "$(api "$Q&release=99" | jq -r .code)" R1001
eq "a release that is no number is 400 (R1001)" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TEST_HTTP_PORT$Q&release=x")" 400
eq "a query no table of the release answers is 409 (R1003), even with a token" \
  "$(TOKEN=$(new_token researcher) api "/api/v1/analytics?indicator=victims&dimension=disability&release=1" | jq -r .code)" R1003

# ---- approvals over the intake ----
start_intake
SUB=$(new_token submitter DC-HOSP-02)
approve() { curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" -H "Content-Type: application/json" --data-binary "$2" "$INTAKE_URL/api/v1/approvals"; }
eq "an agency's submitter approves its own year" "$(approve "$SUB" "{\"year\":$last}")" 200
eq "and sees it" "$(curl -s -H "Authorization: Bearer $SUB" "$INTAKE_URL/api/v1/approvals" | jq -c "[.approvals[] | select(.year == $last) | [.agency, .year, .state]]")" "[[\"DC-HOSP-02\",$last,\"approved\"]]"
eq "another agency's year is 403 (I1003)" "$(approve "$SUB" '{"year":2024,"agency":"DC-POL-01"}')" 403
eq "a year that is no number is 400 (I1007)" "$(approve "$SUB" '{"year":"2024"}')" 400
check "naming the rule" grep -q I1007 "$T/body"
eq "a year after this one is 422 (S3014)" "$(approve "$SUB" "{\"year\":$(($(date +%Y) + 1))}")" 422
# While cases are being written the intake refuses at once (its request threads are few):
# 503 with Retry-After, S3015.
psql_t -c "SET application_name = 'load_in_flight'; SELECT pg_advisory_lock(7270010), pg_sleep(600)" >/dev/null 2>&1 & holder=$!
for _ in $(seq 1 100); do [[ $(linkage_locked) == 1 ]] && break; sleep 0.1; done
got=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -H "Authorization: Bearer $SUB" -H "Content-Type: application/json" \
  --data-binary "{\"year\":$last}" --max-time 3 "$INTAKE_URL/api/v1/approvals")
eq "an approval over the intake while a load writes cases is 503 at once" "$got" 503
check "with S3015 and Retry-After" bash -c "grep -q S3015 '$T/body' && grep -qi '^retry-after: 5' '$T/headers'"
kill "$holder" 2>/dev/null
psql_t -c "SELECT pg_terminate_backend(pid) FROM $SESSIONS_HERE s WHERE application_name = 'load_in_flight'" >/dev/null
wait "$holder" 2>/dev/null
eq "an admin names the agency" "$(approve "$(new_token admin)" '{"year":2023,"agency":"DC-HOSP-02"}')" 200
eq "a submitter reads no other agency's approvals" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SUB" "$INTAKE_URL/api/v1/approvals?agency=DC-POL-01")" 403

status "every approval and release step is in the audit chain, which holds" 0 "$BIN/wiqaya-server" audit verify
eq "the chain has them" "$(psql_t -c "SELECT count(*) FILTER (WHERE kind = 'approval') > 400, count(*) FILTER (WHERE kind = 'release') > 6 FROM audit.log")" "t|t"

# ---- a draft overtaken ----
"$BIN/wiqaya-server" release create >/dev/null
ida=$(psql_t -c "SELECT max(id) FROM auth.release")
"$BIN/wiqaya-server" release create >/dev/null
idb=$(psql_t -c "SELECT max(id) FROM auth.release")
"$BIN/wiqaya-server" release publish "$idb" >/dev/null
status "a draft made before another release was published is not published" 2 "$BIN/wiqaya-server" release publish "$ida"
check "R1006, naming both" grep -q "R1006.*release $idb was published after release $ida was made" "$T/last"

# ---- a new noise key ----
# Every year approved again, a release of the data of now (nothing carried), then the same
# data under a new noise key with the same scales: no cell changed, but every cell is two
# independent draws of both parts of the noise, so about 5% of them fall outside a 95% band
# of both parts' variance; a band of the fresh part's alone calls a sixth of them moved.
for a in $(tail -n +2 config/codelists/agencies.csv | cut -d, -f1); do "$BIN/wiqaya-etl" approve "$a" "$first-$last" >/dev/null; done
"$BIN/wiqaya-server" release create >/dev/null
idc=$(psql_t -c "SELECT max(id) FROM auth.release")
"$BIN/wiqaya-server" release publish "$idc" >/dev/null
eq "a release records its noise key and function" \
  "$(psql_t -c "SELECT length(noise_key_id), noise_function FROM auth.release WHERE id = $idc")" "16|3"
# 60 more cases of 2019 reopen DC-POL-01's year: the next release carries it, as the last
# one drew it.
planted M 2019 grooming 7300000 >"$T/more.ndjson"
"$BIN/wiqaya-etl" load "$T/more.ndjson" >/dev/null
mv "$T/keys/noise.key" "$T/keys/noise.key.old"
"$BIN/wiqaya-server" keygen >/dev/null
# The new key publishes with a narrower spread of the floor's raise (a key keeps the spread
# it starts with, a new key may take another).
printf '[disclosure]\nfloor_spread = 2\n' >>"$CONF"
"$BIN/wiqaya-server" release create >/dev/null
idd=$(psql_t -c "SELECT max(id) FROM auth.release")
"$BIN/wiqaya-server" release publish "$idd" >/dev/null
"$BIN/wiqaya-server" release show "$idd" >"$T/rk.json"
eq "the next release under a new key records the new key" \
  "$(psql_t -c "SELECT count(DISTINCT noise_key_id) FROM auth.release WHERE id IN ($idc, $idd)")" 2
read -r compared moved < <(jq -r '.revisions | "\(.cells_compared) \(.cells_moved)"' "$T/rk.json")
echo "    a new noise key, the same data: $moved of $compared cells called moved"
check "its revision note compares hundreds of cells" test "$compared" -ge 300
check "and calls at most 8% of them moved (about 5%: the 95% band of both parts' noise; 11% with the fresh part's alone)" \
  awk -v m="$moved" -v c="$compared" 'BEGIN { exit !(m <= 0.08 * c) }'
check "every cell called moved lies outside its band" \
  test "$(jq '[.revisions.cells[] | select((.now - .previous | fabs) <= .band)] | length' "$T/rk.json")" -eq 0
# That release carries 2019 as the one before drew it, under the old key: its fixed parts
# are not all its key's. The next, under the same new key, measures 2019 again: its note
# compares 2019's cells across two keys, and takes the wider band (both parts').
eq "a release carrying cells of another key says so" \
  "$(psql_t -c "SELECT jsonb_array_length(holds->'carried') > 0, noise_mixed FROM auth.release WHERE id = $idd")" "t|t"
# Its carried 2019 keeps the raises the old key drew, up to 4 where the new key draws up to
# 2: each table states the wider spread (its raises must lie within the spread it states,
# or the table is no table), and answers 2019 as the release before did.
eq "and states the wider spread of the raises it carries" \
  "$(psql_t -c "SELECT min((body::jsonb->>'floor_spread')::int), max((body::jsonb->>'floor_spread')::int),
                       (SELECT max(r::int) FROM auth.release_table u, jsonb_array_elements_text(u.body::jsonb->'raise') r
                        WHERE u.release = $idd) > 2
                FROM auth.release_table WHERE release = $idd")" "4|4|t"
eq "its carried 2019 is the release before's, figure for figure" \
  "$(api "$Q2019&release=$idd" | jq -c .rows)" "$(api "$Q2019&release=$idc" | jq -c .rows)"
check "and is one (a table of rows)" test "$(api "$Q2019&release=$idd" | jq '.rows | length')" -gt 0
"$BIN/wiqaya-etl" approve DC-POL-01 2019 >/dev/null
"$BIN/wiqaya-server" release create >/dev/null
ide=$(psql_t -c "SELECT max(id) FROM auth.release")
"$BIN/wiqaya-server" release publish "$ide" >/dev/null
"$BIN/wiqaya-server" release show "$ide" >"$T/rm.json"
eq "the next, under one key, carries nothing" "$(psql_t -c "SELECT noise_mixed FROM auth.release WHERE id = $ide")" "f"
check "its note finds the 60 cases of 2019" \
  test "$(jq '[.revisions.cells[] | select(.cell.year == "2019")] | length' "$T/rm.json")" -ge 1
check "with the band of both parts of the noise (1.96 sd of four draws: 10.97 at scales 2 and 2)" \
  test "$(jq '[.revisions.cells[] | select(.band < 10)] | length' "$T/rm.json")" -eq 0
mv "$T/keys/noise.key.old" "$T/keys/noise.key"
sed -i '$d' "$CONF"; sed -i '$d' "$CONF" # the old key's spread again

# ---- a server that publishes by calendar ----
stop_server
printf '[disclosure]\nrelease_calendar = 2099-13-01\n' >>"$CONF"
status "a planned day that is no date stops the server" 2 "$BIN/wiqaya-server" serve
check "naming the key (S1004)" grep -q "S1004.*release_calendar" "$T/last"
sed -i '$d' "$CONF"
sed -i 's/^official_releases = true/official_releases = false/' "$CONF"
start_server
eq "a release asked of a calendar server is 409 (R1002)" "$(api "$Q&release=1" | jq -r .code)" R1002
