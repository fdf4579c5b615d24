# The attacks of docs/privacy.md against the running server, each printing its figure and
# failing past its bound: 1 small cells, 2 stickiness, 3 differencing, 4 averaging,
# 5 no microdata, 9 the budget, 12 filters that exclude nobody (6 coverage is tests/unit/test_disclosure.c, 7 the access
# matrix tests/integration/access.sh, 8 the audit tests/attack/audit.sh). One generated
# country with 200 planted children, each unique in its year and region on one attribute.
REAL_BUDGETS=1
source "$(dirname "$0")/../lib.sh"
fresh_db disclosure
PORT=${TEST_HTTP_PORT:-18080}
URL=http://127.0.0.1:$PORT
SEED=${ATTACK_SEED:-41}
"$BIN/wiqaya-synth" --seed "$SEED" --cases 10500 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null
real_conf=$(cat "$CONF")
budgets() { # budgets real|generous: the config the next server start reads
  echo "$real_conf" >"$CONF"
  [[ $1 == generous ]] && generous_budgets
  return 0
}
codes() { tail -n +2 "$ROOT/config/codelists/$1.csv" | cut -d, -f1; }

# --- the planted children: for 200 (year, region, attribute, value) with no child of that
# value in that year and region, a child who has it; present or absent by a coin ---
psql_t -c "
  WITH cells AS (SELECT year, region FROM analytics.victim_year GROUP BY 1, 2 HAVING count(*) >= 20),
  vals AS (SELECT 'migrant_status' AS attr, v FROM unnest(ARRAY['resident_migrant','refugee','asylum_seeker','stateless','undocumented']) v
           UNION ALL SELECT 'disability', v FROM unnest(ARRAY['seeing','hearing','mobility','cognition','self_care','communication','multiple']) v
           UNION ALL SELECT 'gender_identity', v FROM unnest(ARRAY['non_binary','other']) v
           UNION ALL SELECT 'sexual_orientation', v FROM unnest(ARRAY['gay_lesbian','bisexual','other']) v),
  free AS (SELECT c.year, c.region, a.attr, min(a.v) AS v FROM cells c CROSS JOIN vals a
           WHERE NOT EXISTS (SELECT 1 FROM analytics.victim_year x WHERE x.year = c.year AND x.region = c.region
                             AND (CASE a.attr WHEN 'migrant_status' THEN x.migrant_status WHEN 'disability' THEN x.disability
                                  WHEN 'gender_identity' THEN x.gender_identity ELSE x.sexual_orientation END) = a.v)
           GROUP BY 1, 2, 3)
  SELECT year, region, attr, v FROM free ORDER BY md5(year || region || attr || '$SEED') LIMIT 200" >"$T/targets"
eq "200 targets, each unique on its attribute in its year and region" "$(wc -l <"$T/targets")" "200"
awk -F'|' -v seed="$SEED" 'BEGIN { srand(seed) } {
  present = rand() < 0.5; print $0 "|" present
  if (!present) next
  attr = "\"" $3 "\":\"" $4 "\""
  printf "{\"agency\":\"DC-POL-01\",\"case_ref\":\"PLANT-%d\",\"reported\":\"%d-06\",\"region\":\"%s\",\"offences\":[\"grooming\"],\"detection\":\"victim_report\",\"status\":\"reported\",\"victims\":[{\"ref\":\"V1\",\"identity\":{\"given_name\":\"Planted%d\",\"family_name\":\"Target\",\"birth_date\":\"2008-01-01\",\"national_id\":\"88%06d\"},\"sex\":\"female\",%s}]}\n", NR, $1, $2, NR, NR, attr > "/dev/stderr"
}' "$T/targets" >"$T/truth" 2>"$T/planted.ndjson"
"$BIN/wiqaya-etl" load "$T/planted.ndjson" >/dev/null
figure "planted $(wc -l <"$T/planted.ndjson") of the 200 targets (the others are absent)"

# --- 1. small cells: 6,000 random queries, every published cell against its exact count ---
budgets generous
start_server
TOKEN=$(new_token researcher)
dims_of() {
  case $1 in
    victims|victim_rate|revictimisation_12m) echo "year region sex age_band gender_identity sexual_orientation ethnicity disability migrant_status economic_status education_status relationship offence technology detection financial status agency" ;;
    cases|charge_rate|conviction_rate|financial_share|proactive_detection_share) echo "year region offence technology detection financial status agency" ;;
    reoffending_12m|children_who_harmed) echo "year region sex age_band offence agency" ;;
    *) echo "year region sex age_band agency" ;;
  esac
}
list_of() { case $1 in region) echo regions ;; ethnicity) echo ethnicities ;; offence) echo offences ;; agency) echo agencies ;; *) echo "$1" ;; esac; }
{ # the items of every dimension: "dim<TAB>item item ..."
  echo -e "year\t$(seq -s' ' 2015 2025)"
  echo -e "financial\ttrue false"
  for d in region sex age_band gender_identity sexual_orientation ethnicity disability migrant_status economic_status education_status relationship offence technology detection status agency; do
    echo -e "$d\t$(codes "$(list_of "$d")" | paste -sd' ')"
  done
} >"$T/items"
for ind in victims victim_rate revictimisation_12m cases charge_rate conviction_rate financial_share proactive_detection_share reoffending_12m children_who_harmed intervention_completion image_removal_success; do
  echo -e "$ind\t$(dims_of "$ind")"
done >"$T/facts"
awk -F'\t' -v seed="$SEED" -v n=6000 '
  FILENAME == ARGV[1] { ni = split($2, it, " "); items[$1] = $2; nitems[$1] = ni; next }
  { inds[++nind] = $1; dims[$1] = $2 }
  END {
    srand(seed)
    sens["sexual_orientation"] = sens["gender_identity"] = sens["ethnicity"] = 1
    for (q = 0; q < n; ) {
      ind = inds[int(rand() * nind) + 1]; nd = split(dims[ind], d, " ")
      for (i = nd; i > 1; i--) { j = int(rand() * i) + 1; t = d[i]; d[i] = d[j]; d[j] = t }
      k = int(rand() * 4) + 1; nf = int(rand() * 3)
      if (k + nf > nd) continue
      hassens = 0; for (i = 1; i <= k + nf; i++) hassens += (d[i] in sens)
      if (hassens && k + nf - 1 > 2) continue
      url = "indicator=" ind; cells = 1
      for (i = 1; i <= k; i++) {
        url = url "&dimension=" d[i]; m = nitems[d[i]]
        if (rand() < 0.2) { split(items[d[i]], it, " "); c = int(rand() * 3) + 1; s = ""
          for (j = 0; j < c; j++) s = s (j ? ";" : ":") it[int(rand() * m) + 1]
          url = url s; m = c }
        cells *= m + 1
      }
      for (i = k + 1; i <= k + nf; i++) { split(items[d[i]], it, " "); m = nitems[d[i]]; c = int(rand() * 3) + 1; s = ""
        for (j = 0; j < c; j++) s = s (j ? ";" : ":") it[int(rand() * m) + 1]
        url = url "&filter=" d[i] s }
      if (cells > 600) continue # small tables: what the attack needs, in little time
      print url; q++
    }
  }' "$T/items" "$T/facts" | awk '!seen[$0]++' >"$T/queries"
nq=$(wc -l <"$T/queries")
"$BIN/tool_cells" - <"$T/queries" >"$T/exact"
awk -v url="$URL" '{ printf "url = \"%s/api/v1/analytics?%s\"\n", url, $0 }' "$T/queries" >"$T/curl1"
curl -s -K "$T/curl1" -H "Authorization: Bearer $TOKEN" -w '\n' >"$T/bodies1"
answered=$(jq -c 'select(.rows)' "$T/bodies1" | wc -l)
# Numbered by a counter (one body a line), not by jq's input_line_number, which may lag.
jq -R -n -r 'foreach inputs as $line (0; . + 1; . as $i | $line | fromjson
         | if .rows then (.headers | length - 6) as $k | .rows[] | select(.[-1] != "suppressed")
             | "\($i)\t\([.[0:$k][] | if . == null then "null" else tostring end] | join("|"))\t\(.[$k + 3])"
           else empty end)' "$T/bodies1" >"$T/published1"
small=$(awk -F'\t' 'NR == FNR { truth[$1 "\t" $2] = $3; next }
  { t = (($1 "\t" $2) in truth) ? truth[$1 "\t" $2] : 0; if (t < 5) bad++; n++ }
  END { print bad + 0 }' "$T/exact" "$T/published1")
figure "small cells: $answered of $nq random queries answered (1-4 dimensions, every indicator), $(wc -l <"$T/published1") cells published; published with a true count of 0-4: $small"
check "at least 5,000 random allowed queries were answered" test "$answered" -ge 5000
eq "1. small cells: no published cell has a true count of 1-4 (or 0)" "$small" "0"
tiny=$(awk -F'\t' '$3 >= 1 && $3 <= 4' "$T/exact" | wc -l)
figure "the exact tables held $tiny cells of 1-4 children, every one suppressed"
check "the queries reached many true cells of 1-4 children" test "$tiny" -gt 1000

# --- 5. no microdata: no response, of any route, for any role, carries a record key, a
# cell key, a pseudonym or a row-level field ---
POLICY=$(new_token policy)
ADMIN=$(new_token admin)
for who in "$TOKEN" "$POLICY" "$ADMIN" ""; do
  for path in /healthz /api/v1/indicators /api/v1/dimensions /api/v1/dimensions/offence /api/v1/disclosure \
      '/api/v1/analytics?indicator=victims&dimension=year' '/api/v1/analytics?indicator=victims&dimension=sex&dimension=region' \
      '/api/v1/analytics?indicator=revictimisation_12m&dimension=year' '/api/v1/analytics?indicator=victim_rate&dimension=age_band&dimension=sex'; do
    curl -s ${who:+-H "Authorization: Bearer $who"} "$URL$path"; echo
  done
done >"$T/bodies5"
cat "$T/bodies1" >>"$T/bodies5"
psql_t -c "SELECT record_key FROM analytics.victim_year UNION SELECT record_key FROM analytics.case_fact
           UNION SELECT record_key FROM analytics.offender_year UNION SELECT record_key FROM analytics.intervention_fact
           UNION SELECT record_key FROM warehouse.person UNION SELECT record_key FROM warehouse.\"case\"" >"$T/record_keys"
cut -f4 "$T/exact" >>"$T/record_keys"
grep -oE '[0-9]{6,}' "$T/bodies5" | sort -u >"$T/numbers"
keyhits=$(awk 'NR == FNR { if ($1 >= 1000000) k[$1] = 1; next } ($1 in k)' "$T/record_keys" "$T/numbers" | wc -l)
hexhits=$(grep -cE '[0-9a-fA-F]{24}' "$T/bodies5" || true)
psql_t -c "SELECT encode(token, 'hex') FROM warehouse.person_token" >"$T/pseudonyms"
pshits=$(grep -cFf "$T/pseudonyms" "$T/bodies5" || true)
forbidden='record_key|person_id|case_id|salt|token|hash|pseudonym|birth_date|given_name|family_name|national_id|case_ref|cell_key|ckn|ckd|ckx|months_to_revictimisation|first_month|age|seq|linkable'
keyset=$(grep -oE '"[A-Za-z_0-9-]+":' "$T/bodies5" | tr -d '":' | sort -u)
fieldhits=$(grep -cxE "$forbidden" <<<"$keyset" || true)
figure "no microdata: $(wc -l <"$T/bodies5") responses of every route and role; record or cell keys found: $keyhits, hex runs: $hexhits, pseudonyms: $pshits, row-level field names: $fieldhits"
eq "5. no response carries a record key or a cell key" "$keyhits" "0"
eq "5. no response carries a pseudonym or any long hex string" "$((hexhits + pshits))" "0"
eq "5. no response has a row-level field" "$fieldhits" "0"
check "the key list is real (thousands of keys)" test "$(wc -l <"$T/record_keys")" -gt 5000

# --- 3. differencing: Q(S) and Q(S minus the target) for the 200 targets ---
{ while IFS='|' read -r year region attr value present; do
    others=$(codes "$attr" | grep -vx "$value" | paste -sd';')
    echo "indicator=victims&filter=year:$year&filter=region:$region"
    echo "indicator=victims&filter=year:$year&filter=region:$region&filter=$attr:$others"
  done <"$T/truth"; } >"$T/queries3"
awk -v url="$URL" '{ printf "url = \"%s/api/v1/analytics?%s\"\n", url, $0 }' "$T/queries3" >"$T/curl3"
DIFF=$(new_token researcher)
curl -s -K "$T/curl3" -H "Authorization: Bearer $DIFF" -w '\n' | jq -r '.rows[0][0] // "null"' | paste - - >"$T/pairs"
paste -d'|' "$T/truth" <(tr '\t' '|' <"$T/pairs") | awk -F'|' '
  { present = $5; s = $6; st = $7
    if (s == "null" || st == "null") { guess = NR % 2; coin++ } else guess = (s - st >= 1)
    correct += (guess == present); n++ }
  END { printf "%d %d %d\n", correct, n, coin }' >"$T/diff"
read -r correct total coin <"$T/diff"
acc=$(awk -v c="$correct" -v n="$total" 'BEGIN { printf "%.3f", c / n }')
bound=$(awk 'BEGIN { printf "%.3f", exp(1) / (1 + exp(1)) }')
figure "differencing: the attacker told presence right for $correct of $total targets ($acc; $coin by a coin, their S suppressed); bound e^eps/(1+e^eps) = $bound for the pair's eps = 1 (0.622 for the target's own query, eps = 0.5), before the floor's caveat"
check "3. differencing: accuracy $acc within the bound $bound" awk -v a="$acc" -v b="$bound" 'BEGIN { exit !(a <= b) }'
check "and the attack was made (at most 20 coin flips)" test "$coin" -le 20

# --- 2. stickiness: one query 1,000 times; the same cells through another query ---
# (by agency: a column the published product has not, so the query is charged)
q2='indicator=victims&dimension=agency&filter=year:2020&filter=region:DC-01'
STICKY=$(new_token researcher)
for _ in $(seq 1 1000); do echo "url = \"$URL/api/v1/analytics?$q2\""; done >"$T/curl2"
curl -s -K "$T/curl2" -H "Authorization: Bearer $STICKY" -w '\n' >"$T/bodies2"
distinct=$(jq -c '.rows' "$T/bodies2" | sort -u | wc -l)
charged=$(psql_t -c "SELECT count(*) FROM auth.spend WHERE token_id = (SELECT max(token_id) FROM auth.token)")
figure "stickiness: 1,000 repeats of one query gave $distinct distinct answer(s), charged $charged time(s)"
eq "2. stickiness: one distinct answer in 1,000 repeats" "$distinct" "1"
eq "2. and the budget charged once" "$charged" "1"
other=$(curl -s -H "Authorization: Bearer $STICKY" "$URL/api/v1/analytics?indicator=victims&dimension=year:2020&dimension=agency&filter=region:DC-01")
eq "2. the same cells through another query get the same noise" \
  "$(jq -c '[.rows[] | .[1:]]' <<<"$other")" "$(head -1 "$T/bodies2" | jq -c '[.rows[] | .[0:]]')"
eq "2. and cost nothing: every cell was seen" "$(jq '.metaData.disclosure.epsilon_charged' <<<"$other")" "0"
stop_server

# --- 4. averaging and 9. the budget: k decompositions of one total into two halves of the
# detection channels; one researcher token per total, on the real budgets. (Not halves of
# the agencies: an agency reports its own region's cases, so most halves of them differ
# only by agencies with no child in the total, and under noise function 3 those share
# their fresh noise, which the attack cannot average: attack 12.) ---
budgets real
start_server
agencies=$(codes agencies)
all_agencies=$(echo "$agencies" | paste -sd';')
# 60 random halves of the channels (and their complements), each a filter's item list,
# each split once.
awk -v seed="$SEED" 'NR == FNR { a[++n] = $1; b[n] = $1; next } END {
  for (j = 1; j <= 90; j++) { srand(seed * 1000 + j)
    for (i = n; i > 1; i--) { r = int(rand() * i) + 1; t = a[i]; a[i] = a[r]; a[r] = t }
    delete in_h; for (i = 1; i <= n / 2; i++) in_h[a[i]] = 1
    # (each half in the code list'"'"'s order, so that a split is spelled one way)
    h = ""; c = ""; for (i = 1; i <= n; i++) if (b[i] in in_h) h = h (h ? ";" : "") b[i]; else c = c (c ? ";" : "") b[i]
    print h "\t" c } }' <(codes detection) /dev/null |
  awk -F'\t' '!seen[$1 < $2 ? $1 : $2]++' | head -60 >"$T/halves" # (a split once: 462 of 12 channels)
exact 'indicator=victims&dimension=year&dimension=region' | awk -F'\t' '$3 >= 50 { print $1 "|" $2 "|" $3 }' | head -140 >"$T/totals"
[[ $(wc -l <"$T/halves") == 60 ]] || { echo "Bail out! fewer than 60 distinct halves"; exit 1; }
ntot=$(wc -l <"$T/totals")
attack4() { # attack4 OUT DECOMPOSITIONS: the attack on every total, one fresh token each
  local out=$1 k=$2
  : >"$T/curl4"
  while IFS='|' read -r year region truth; do
    local tok; tok=$(new_token researcher)
    # (every agency named: a filter the published product cannot sum, so each answer
    # has its own noise, as the attacker wants)
    local base="indicator=victims&filter=year:$year&filter=region:$region&filter=agency:$all_agencies"
    { echo "url = \"$URL/api/v1/analytics?$base\""; echo "header = \"Authorization: Bearer $tok\""; echo 'write-out = "\n"'; echo next
      head -n "$k" "$T/halves" | while IFS=$'\t' read -r half rest; do
        for part in "$half" "$rest"; do
          echo "url = \"$URL/api/v1/analytics?$base&filter=detection:$part\""
          echo "header = \"Authorization: Bearer $tok\""; echo 'write-out = "\n"'; echo next
        done
      done; } >>"$T/curl4"
  done <"$T/totals"
  sed -i '$d' "$T/curl4" # no "next" after the last request
  curl -s -K "$T/curl4" | jq -c '[.status // 200, (.rows[0][0] // null)]' >"$out"
}
# The attacker's estimate after k complete decompositions: (2 E0 + sum D) / (2 + k), the
# inverse-variance weighting of the total (variance v) and the sums of halves (2v).
rmse() { # rmse ANSWERS K: per k, the RMSE over the totals that reached it; then "stop"
  # with the RMSE of every total's estimate where its attack ended
  awk -v per=$((1 + 2 * $2)) -F'[],[]' 'NR == FNR { truth[NR] = $0; next }
    { t = int((FNR - 1) / per) + 1; i = (FNR - 1) % per
      if (i == 0) { ok[t] = ($2 == 200 && $3 != "null"); e0[t] = $3; sum[t] = 0; k[t] = 0; stop[t] = 0; next }
      if ($2 == 429 && !stop[t]) stop[t] = 1
      if (stop[t] || !ok[t]) next
      if (i % 2 == 1) { a[t] = $3; aok[t] = ($2 == 200 && $3 != "null"); next }
      if (aok[t] && $2 == 200 && $3 != "null") { sum[t] += a[t] + $3; k[t]++
        est = (2 * e0[t] + sum[t]) / (2 + k[t]); se[k[t]] += (est - truth[t]) ^ 2; cnt[k[t]]++ } }
    END { for (t in ok) if (ok[t]) { e = e0[t] - truth[t]; se[0] += e * e; cnt[0]++; if (k[t] > maxk) maxk = k[t]
            f = (2 * e0[t] + sum[t]) / (2 + k[t]) - truth[t]; fse += f * f; fn++; fk += k[t] }
          for (j = 0; j <= maxk; j++) if (cnt[j]) printf "%d %.3f %d\n", j, sqrt(se[j] / cnt[j]), cnt[j]
          printf "stop %.3f %.1f %d\n", sqrt(fse / fn), fk / fn, fn }' \
    <(cut -d'|' -f3 "$T/totals") "$1"
}
# Enough decompositions that the budget, not the attacker, ends each attack: each costs
# two one-year halves (epsilon 0.5 each).
budget4=$(grep -E '^budget_researcher' "$CONF" | tail -1 | awk '{ print $3 }')
k4=$(awk -v b="$budget4" 'BEGIN { print int(b) + 4 }')
attack4 "$T/answers4" "$k4"
rmse "$T/answers4" "$k4" >"$T/rmse4"
read -r _ at_stop mean_k attacked < <(grep '^stop' "$T/rmse4")
refused=$(grep -c '^\[429,' "$T/answers4")
figure "averaging ($attacked totals of 50+ children, one researcher token each, budget $budget4): RMSE by decompositions k: $(awk '$1 != "stop" { printf "k=%d %.2f; ", $1, $2 }' "$T/rmse4")the budget stopped each attack at k=$mean_k on average ($refused requests refused with 429), RMSE there $at_stop"
check "4. averaging: the budget stopped every attack (429s)" test "$refused" -ge "$attacked"
check "4. over many totals (at least 50)" test "$attacked" -ge 50
check "4. the attacker's RMSE where the budget stopped it ($at_stop) stays above 1 child" \
  awk -v r="$at_stop" 'BEGIN { exit !(r > 1) }'

# 9. the budget: Retry-After, another token unaffected, no reset by a restart.
EXHAUSTED=$(grep -o 'Bearer wq_[A-Za-z0-9_-]*' "$T/curl4" | tail -1 | cut -d' ' -f2)
fresh='indicator=victims&dimension=relationship&filter=year:2019&filter=region:DC-03'
code429=$(curl -s -o "$T/b9" -D "$T/h9" -w '%{http_code}' -H "Authorization: Bearer $EXHAUSTED" "$URL/api/v1/analytics?$fresh")
eq "9. an exhausted token: 429" "$code429" "429"
check "9. with Retry-After (seconds until the budget renews)" grep -qiE '^retry-after: [0-9]+' "$T/h9"
check "9. and a problem naming the budget (D1001)" jq -e '.code == "D1001"' "$T/b9"
OTHER=$(new_token researcher)
eq "9. another token is unaffected" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OTHER" "$URL/api/v1/analytics?$fresh")" "200"
stop_server
start_server
eq "9. a restart of the server resets no ledger" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $EXHAUSTED" "$URL/api/v1/analytics?$fresh&filter=age_band:13-15")" "429"
check "9. the remaining budget is in every answer" \
  bash -c "curl -s -H 'Authorization: Bearer $OTHER' '$URL/api/v1/analytics?$fresh' | jq -e '.metaData.disclosure | .budget_remaining == .budget - 0.5'"
stop_server

# Without the budget the same attacker goes on: the test above would fail without it.
budgets generous
start_server
attack4 "$T/answers4b" 60
rmse "$T/answers4b" 60 >"$T/rmse4b"
# Over every total, where its attack ended (the deepest k alone holds too few totals to
# judge by).
read -r _ unlimited mean_kb _ < <(grep '^stop' "$T/rmse4b")
figure "without a budget the same attack, 60 decompositions a total, ends at RMSE $unlimited (k=$mean_kb on average)"
# The control: the same attacker without a budget does markedly better, so the budget is
# what stops it. (60 decompositions by channel end at 0.77-0.78 children; the error where
# the budget stops the attack is 1.18-1.51, docs/privacy.md.)
check "without a budget the averaging attack ends far closer (RMSE $unlimited, at most 3/4 of $at_stop): the budget is what stops it" \
  awk -v r="$unlimited" -v s="$at_stop" 'BEGIN { exit !(r <= 0.75 * s) }'
stop_server

# --- 12. filters that exclude nobody: one total asked in k definitions that select the
# same children (every agency but one of another region: an agency reports its own
# region's cases), each a new definition, charged 0.5, whose answers the attacker
# averages; one researcher token per total, on the real budgets. The fresh part of the
# noise is keyed by the children (noise function 3), so averaging takes only the fixed
# parts away: the error stays near the fresh part's standard deviation (2.8), where
# under function 2 (fresh noise per definition) it fell to sqrt(15.66 / 24) = 0.81 ---
budgets real
start_server
: >"$T/curl12"
k12=$(awk -v b="$budget4" 'BEGIN { print int(2 * b) + 4 }')
head -100 "$T/totals" >"$T/totals12"
while IFS='|' read -r year region truth; do
  tok=$(new_token researcher)
  # the agencies of other regions, one left out by each definition
  others=$(echo "$agencies" | grep -E -- '-[0-9]{2}$' | grep -v -- "-${region#DC-}$" | head -n "$k12")
  while read -r left; do
    echo "url = \"$URL/api/v1/analytics?indicator=victims&filter=year:$year&filter=region:$region&filter=agency:$(echo "$agencies" | grep -vx -- "$left" | paste -sd';')\""
    echo "header = \"Authorization: Bearer $tok\""; echo 'write-out = "\n"'; echo next
  done <<<"$others"
done <"$T/totals12" >>"$T/curl12"
sed -i '$d' "$T/curl12"
curl -s -K "$T/curl12" | jq -c '[.status // 200, (.rows[0][0] // null)]' >"$T/answers12"
# Per total: the mean of its answered definitions, against the truth.
awk -v per="$k12" -F'[],[]' 'NR == FNR { truth[NR] = $0; next }
  { t = int((FNR - 1) / per) + 1; if ($2 == 200 && $3 != "null") { sum[t] += $3; n[t]++ } else if ($2 == 429) refused++ }
  END { for (t in n) { e = sum[t] / n[t] - truth[t]; se += e * e; totals++; answers += n[t] }
        printf "%.3f %d %.1f %d\n", sqrt(se / totals), totals, answers / totals, refused }' \
  <(cut -d'|' -f3 "$T/totals12") "$T/answers12" >"$T/rmse12"
read -r rmse12 totals12 mean12 refused12 <"$T/rmse12"
figure "filters that exclude nobody ($totals12 totals, one researcher token each, budget $budget4): $mean12 definitions answered a total on average ($refused12 refused with 429), RMSE of their mean $rmse12 children"
check "12. the attack was made: about 2 x the budget's definitions answered a total" \
  awk -v m="$mean12" -v b="$budget4" 'BEGIN { exit !(m >= 2 * b - 1) }'
check "12. averaging definitions of the same children leaves the fresh noise: RMSE $rmse12 above 2 children" \
  awk -v r="$rmse12" 'BEGIN { exit !(r > 2) }'
stop_server
echo "1..$n"
