# The analytics routes beyond one table (trends, risk factors, interventions, pathway) and
# what every route shares: each answers as docs/openapi.yaml says (a real validator, every
# path walked), CSV carries the JSON's numbers (a real CSV parser), labels come in Arabic,
# bad parameters get a stable code naming the parameter, and every derived number is the
# statistics library's answer on the published cells, so it discloses nothing more.
source "$(dirname "$0")/../lib.sh"
fresh_db routes
"$BIN/wiqaya-synth" --seed 41 --cases 8000 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null
start_server
TOKEN=$(new_token researcher)
MONITOR=$(new_token monitor)
export TOKEN MONITOR
BASE=http://127.0.0.1:${TEST_HTTP_PORT:-18080}
STATS=$BIN/wiqaya-stats
NODE_PATH=$ROOT/node_modules
tap() { # tap DESC CMD...: a TAP producer's checks, renumbered into this script's
  local desc=$1; shift
  local out; out=$("$@" 2>&1); local rc=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) ok "${line#* - }" ;;
      "not ok "*) not_ok "${line#* - }" ;;
      "#"*) echo "$line" ;;
    esac
  done <<<"$out"
  [[ $rc -eq 0 ]] || grep -q "^not ok" <<<"$out" || not_ok "$desc" "exit $rc: $(tail -n 3 <<<"$out")"
}

# ---- the document, every path walked ----
tap "openapi walk" node "$ROOT/tests/tools/openapi_walk.mjs" "$ROOT/docs/openapi.yaml" "$BASE"

# docs/api.md (written by scripts/api_doc.sh from real answers) shows every path.
missing=$(curl -s "$BASE/api/v1/openapi.json" | jq -r '.paths | keys[]' | while read -r p; do
  grep -qF "### GET $p" "$ROOT/docs/api.md" || echo "$p"; done)
eq "docs/api.md has an example of every path of docs/openapi.yaml" "$missing" ""

# ---- CSV and JSON of the same query ----
tap "csv parity" node "$ROOT/tests/tools/csv_parity.mjs" \
  "$BASE/api/v1/analytics?indicator=victim_rate&dimension=sex&dimension=age_band" \
  "$BASE/api/v1/analytics?indicator=revictimisation_12m&dimension=region" \
  "$BASE/api/v1/analytics?indicator=victim_rate&dimension=region&dimension=sex:female;male&standardise=age" \
  "$BASE/api/v1/trends?indicator=victim_rate&dimension=sex" \
  "$BASE/api/v1/trends?indicator=victim_rate&standardise=age&dimension=region:DC-01;DC-03" \
  "$BASE/api/v1/risk-factors?indicator=victim_rate&factors=sex,age_band" \
  "$BASE/api/v1/interventions?survival=true" \
  "$BASE/api/v1/pathway?dimension=region:DC-01;DC-02"

# ---- Arabic labels ----
q="/api/v1/analytics?indicator=victims&dimension=sex&from=2024&to=2024"
eq "lang=ar: the indicator's name in Arabic" "$(api "$q&lang=ar" | jq -r .indicator.name)" "$(jq -r '.indicators[] | select(.id == "victims") | .name_ar' "$ROOT/config/indicators.json")"
eq "lang=ar: item labels in Arabic" "$(api "$q&lang=ar" | jq -r .metaData.items.sex.female.name)" "أنثى"
eq "lang=en (the default): item labels in English" "$(api "$q" | jq -r .metaData.items.sex.female.name)" "Female"
# A label for each item of each coded dimension of a table's rows, and for no other (each
# item is labelled once, known by the pointer its cells name it with: server/analytics.c).
labels=$(api "/api/v1/analytics?indicator=victims&dimension=sex&dimension=age_band&dimension=region&from=2024&to=2024" |
  jq -c '[(.rows | map(.[0]) | unique), (.rows | map(.[1]) | unique), (.rows | map(.[2]) | unique)]
         == [(.metaData.items.sex | keys), (.metaData.items.age_band | keys), (.metaData.items.region | keys)]')
eq "a 3-dimension table labels the items of its rows, and no others" "$labels" "true"
ar=$(curl -s -H "Authorization: Bearer $TOKEN" -H "Accept-Language: fr;q=1, ar;q=0.8, en;q=0.5" "$BASE$q" | jq -r .metaData.items.sex.female.name)
eq "Accept-Language: the best of en and ar (ar at 0.8 over en at 0.5)" "$ar" "أنثى"
en=$(curl -s -H "Authorization: Bearer $TOKEN" -H "Accept-Language: en-GB, ar;q=0.9" "$BASE$q" | jq -r .metaData.items.sex.female.name)
eq "Accept-Language: en-GB first" "$en" "Female"
eq "?lang wins over Accept-Language" "$(curl -s -H "Authorization: Bearer $TOKEN" -H "Accept-Language: en" "$BASE$q&lang=ar" | jq -r .metaData.items.sex.female.name)" "أنثى"
eq "lang=ar on a derived route: the trend's group labels" \
  "$(api "/api/v1/trends?indicator=victims&dimension=sex&lang=ar" | jq -r .metaData.items.sex.male.name)" "ذكر"
eq "lang=ar: the numbers are those of English" "$(api "$q&lang=ar" | jq -c .rows)" "$(api "$q" | jq -c .rows)"
eq "the public release answers in Arabic too" \
  "$(curl -s "$BASE/api/v1/analytics?indicator=victims&dimension=sex&from=2025&to=2025&lang=ar" | jq -r .metaData.items.sex.female.name)" "أنثى"

# ---- bad parameters: a stable code, the parameter named ----
bad() { # bad DESC PATH STATUS CODE PARAM
  local body status
  body=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE$2")
  status=${body##*$'\n'}; body=${body%$'\n'*}
  if [[ $status == "$3" ]] && jq -e --arg c "$4" --arg p "$5" \
       '.code == $c and .status == ($ARGS.positional[0] | tonumber) and (.title | length > 0) and any(.invalid_params[]; .name == $p)' \
       --args "$3" <<<"$body" >/dev/null 2>&1; then ok "$1: $3 $4 naming $5"
  else not_ok "$1: $3 $4 naming $5" "status $status: $body"; fi
}
for r in "analytics?indicator=nosuch" "trends?indicator=nosuch" "risk-factors?indicator=nosuch&factors=sex"; do
  bad "unknown indicator (${r%%\?*})" "/api/v1/$r" 400 Q1001 indicator
done
bad "unknown dimension (analytics)" "/api/v1/analytics?indicator=victims&dimension=nosuch" 400 Q1002 dimension
bad "unknown dimension (trends)" "/api/v1/trends?indicator=victims&dimension=nosuch" 400 Q1002 dimension
bad "unknown dimension (pathway)" "/api/v1/pathway?dimension=nosuch" 400 Q1002 dimension
bad "unknown factor" "/api/v1/risk-factors?indicator=victim_rate&factors=sex,nosuch" 400 Q1002 factors
bad "a factor that is no dimension of the indicator's fact" "/api/v1/risk-factors?indicator=charge_rate&factors=sex" 409 Q1004 factors
bad "a dimension that is no dimension of the fact (pathway: cases)" "/api/v1/pathway?dimension=sex" 409 Q1004 dimension
bad "an unknown item" "/api/v1/trends?indicator=victims&dimension=sex:nosuch" 409 Q1003 dimension
bad "an unknown filter item" "/api/v1/interventions?filter=sex:nosuch" 409 Q1003 filter
for r in "analytics?indicator=victims&" "trends?indicator=victims&" "risk-factors?indicator=victim_rate&factors=sex&" "interventions?" "pathway?"; do
  bad "from after to (${r%%\?*})" "/api/v1/${r}from=2024&to=2019" 400 Q1009 from
  bad "years outside the data (${r%%\?*})" "/api/v1/${r}from=2040" 409 Q1015 from
  bad "a repeated parameter (${r%%\?*})" "/api/v1/${r}from=2020&from=2021" 400 H1002 from
  bad "an unknown parameter (${r%%\?*})" "/api/v1/${r}colour=red" 400 H1001 "parameter $(($(tr -cd '&' <<<"$r" | wc -c) + 1))"
done
bad "years before the data" "/api/v1/trends?indicator=victims&to=1990" 409 Q1015 to
bad "an unsupported format" "/api/v1/pathway?format=xml" 400 Q1010 format
bad "an unsupported language" "/api/v1/trends?indicator=victims&lang=fr" 400 Q1010 lang
bad "an unsupported standardisation" "/api/v1/trends?indicator=victim_rate&standardise=sex" 400 Q1010 standardise
bad "an unsupported standardisation (analytics)" "/api/v1/analytics?indicator=victim_rate&standardise=sex" 400 Q1010 standardise
bad "an unknown standard population" "/api/v1/trends?indicator=victim_rate&standardise=age&standard=nosuch" 400 Q1003 standard
bad "factors missing" "/api/v1/risk-factors?indicator=victim_rate" 400 Q1006 factors
bad "an unsupported grouping of interventions" "/api/v1/interventions?by=age" 400 Q1010 by
check "a model that cannot be fitted is a 409 with the library's reason" bash -c \
  "curl -s -H 'Authorization: Bearer $TOKEN' '$BASE/api/v1/risk-factors?indicator=revictimisation_12m&factors=sex' | jq -e '.status == 409 and (.code | test(\"^A10\")) and (.detail | test(\"cells\"))'"
# Without a token, what the published product answers (docs/privacy.md), and nothing else.
for r in "trends?indicator=victims" "risk-factors?indicator=victim_rate&factors=sex,age_band" interventions pathway; do
  eq "GET /api/v1/$r without a token: the published product's" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/$r")" 200
done
for r in "trends?indicator=victims&filter=agency:DC-POL-01" "risk-factors?indicator=victim_rate&factors=sex&filter=agency:DC-POL-01" \
         "interventions?survival=true" "pathway?filter=agency:DC-POL-01"; do
  eq "GET /api/v1/$r without a token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/$r")" 401
done
SUB=$(new_token submitter DC-POL-01)
for r in trends risk-factors interventions pathway openapi.json; do
  eq "GET /api/v1/$r as a submitter: 403" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SUB" "$BASE/api/v1/$r")" 403
done

# ---- the server's memory of tokens and cells (common/token.h, server/seen.h) ----
# A token checked once is remembered; a change to auth.token is heard at once
# (NOTIFY wiqaya_tokens, sql/functions/auth.tokens_changed.sql), whoever makes it.
code_with() { curl -s -H "Authorization: Bearer $1" "$BASE/api/v1/disclosure" | jq -r '.code // "ok"'; }
R1=$(new_token researcher); R2=$(new_token researcher)
eq "a new token answers (and is now remembered)" "$(code_with "$R1") $(code_with "$R1")" "ok ok"
id1=$("$BIN/wiqaya-server" token list 2>/dev/null | awk -F'\t' '$4 == "test researcher" { id = $1 } END { print id - 1 }')
"$BIN/wiqaya-server" token revoke "$id1" >/dev/null 2>&1
eq "revoked while remembered: refused on the next request (T1004)" "$(code_with "$R1")" "T1004"
# The watcher's backend stopped: the revocation is still heard, on the connection of the
# request's thread (its read barrier itself: tests/integration/token_cache.sh).
R3=$(new_token researcher)
eq "a third token is remembered" "$(code_with "$R3")" "ok"
id3=$("$BIN/wiqaya-server" token list 2>/dev/null | awk -F'\t' '$4 == "test researcher" { id = $1 } END { print id }')
# (The newest: a watcher that lost its connection connects again, and the backend it left
# may still be ending.)
watcher=$(psql_t -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'wiqaya-watch' AND usename = 'wiqaya_reader' ORDER BY backend_start DESC LIMIT 1")
check "the server's watcher has a backend" test -n "$watcher"
kill -STOP "$watcher"
"$BIN/wiqaya-server" token revoke "$id3" >/dev/null 2>&1
eq "revoked, not heard by the watcher: refused all the same (T1004)" "$(code_with "$R3")" "T1004"
kill -CONT "$watcher"
id2=$((id1 + 1))
eq "the second token is remembered too" "$(code_with "$R2")" "ok"
psql_t -c "UPDATE auth.token SET expires_at = now() - interval '1 day' WHERE token_id = $id2" >/dev/null
eq "expired by hand in psql while remembered: refused at once (T1005)" "$(code_with "$R2")" "T1005"
q1="/api/v1/analytics?indicator=victims&dimension=agency&from=2023&to=2023"
c1=$(api "$q1"); c2=$(api "$q1")
eq "a repeated query costs nothing the second time, from memory or ledger alike" \
  "$(jq -r '.metaData.disclosure.epsilon_charged > 0' <<<"$c1") $(jq -r .metaData.disclosure.epsilon_charged <<<"$c2")" "true 0"
eq "and reports the budget left as the ledger holds it" \
  "$(jq -r .metaData.disclosure.budget_remaining <<<"$c2")" "$(api /api/v1/disclosure | jq -r .caller.budget_remaining)"

# ---- every derived number from the published cells ----
# close A B: two numbers (never null: a check of nothing against nothing fails), equal to 1e-9.
close() { [[ $1 =~ ^-?[0-9] && $2 =~ ^-?[0-9] ]] && awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a); exit !(d <= 1e-9 * (s > 1 ? s : 1)) }'; }
tr=$(api "/api/v1/trends?indicator=victim_rate&dimension=sex:female")
in=$(jq -c '[.rows[] | select(.[7] == "ok" or .[7] == "unreliable")] | {years: map(.[1]), counts: map(.[5]), populations: map(.[6])}' <<<"$tr")
want=$("$STATS" trend <<<"$in" | jq .apc)
got=$(jq '.trends[0].apc' <<<"$tr")
if close "$got" "$want"; then ok "trends: the APC is wiqaya-stats trend on the published series ($got)"; else not_ok "trends APC" "route $got, library $want"; fi
# The same series as the analytics route publishes it: sticky noise, the same cells.
eq "trends: the series is the analytics table's (sticky noise)" \
  "$(jq -c '[.rows[] | .[5]]' <<<"$tr")" \
  "$(api "/api/v1/analytics?indicator=victim_rate&dimension=year&filter=sex:female" | jq -c '[.rows[] | .[4]]')"

rf=$(api "/api/v1/risk-factors?indicator=victim_rate&factors=sex,age_band&reference=sex:male,age_band:10-12")
cells=$(api "/api/v1/analytics?indicator=victim_rate&dimension=sex&dimension=age_band" |
  jq -c '[.rows[] | select((.[7] == "ok" or .[7] == "unreliable") and .[6] > 0)]')
glm_in=$(jq -c '{family: "poisson", y: map(.[5]), offset: map(.[6] | log), factors: {sex: map(.[0]), age_band: map(.[1])}, reference: {sex: "male", age_band: "10-12"}}' <<<"$cells")
want=$("$STATS" glm <<<"$glm_in" | jq '.coefficients[] | select(.name == "sexfemale") | .exp_estimate')
got=$(jq '.rows[] | select(.[1] == "female") | .[3]' <<<"$rf")
if close "$got" "$want"; then ok "risk-factors: the IRR is wiqaya-stats glm on the published cells ($got)"; else not_ok "risk-factors IRR" "route $got, library $want"; fi
eq "risk-factors: the cells used are the published ones" "$(jq .fit.cells_used <<<"$rf")" "$(jq length <<<"$cells")"

iv=$(api "/api/v1/interventions")
tb=$(jq -c '[.rows[] | select(.[0] == "psychosocial_support" or .[0] == "none")] | (map(select(.[0] == "psychosocial_support"))[0]) as $t | (map(select(.[0] == "none"))[0]) as $n | {a: $t[2], b: ($t[1] - $t[2]), c: $n[2], d: ($n[1] - $n[2])}' <<<"$iv")
want=$("$STATS" two-by-two <<<"$tb" | jq .risk_difference.estimate)
got=$(jq '.rows[] | select(.[0] == "psychosocial_support") | .[7]' <<<"$iv")
if close "$got" "$want"; then ok "interventions: the RD is wiqaya-stats two-by-two on the published counts ($got)"; else not_ok "interventions RD" "route $got, library $want"; fi
nnt=$(jq '.rows[] | select(.[0] == "psychosocial_support") | .[13]' <<<"$iv")
if close "$nnt" "$(awk -v r="$got" 'BEGIN { printf "%.17g", 1 / (r < 0 ? -r : r) }')"; then ok "interventions: NNT = 1 / |RD| ($nnt)"; else not_ok "NNT" "$nnt for RD $got"; fi
cost=$(jq '.rows[] | select(.[0] == "psychosocial_support") | .[18]' <<<"$iv")
unit=$(jq '.unit_costs.psychosocial_support' "$ROOT/config/intervention_costs.json")
if close "$cost" "$(awk -v u="$unit" -v n="$nnt" 'BEGIN { printf "%.17g", u * n }')"; then ok "interventions: cost per outcome averted = unit cost x NNT ($cost)"; else not_ok "cost" "$cost vs $unit x $nnt"; fi
check "interventions: survival curves per type and a log-rank test" bash -c \
  "curl -s -H 'Authorization: Bearer $TOKEN' '$BASE/api/v1/interventions?survival=true' | jq -e '(.survival.curves | length) >= 2 and .survival.log_rank.p_value >= 0 and all(.survival.curves[].curve[]; .survival <= 1 and .survival >= 0)'"

# The whole country, not one region: a year's point is null when any of its age bands is
# suppressed, and the region DC-01 of this 8,000-case country published 1 to 3 years of 11
# (27 runs, each with its own noise key; girls alone 2), so that now and then none, and
# the check had no year to test (three make tests failed so). The country publishes most.
# dsr_of BANDS COL: wiqaya-stats dsr's rate on an analytics answer's published age bands
# (in column COL, their numerator and population 4 and 5 columns on), 18+ aside, with the
# WHO weights.
dsr_of() {
  jq -c --slurpfile std "$ROOT/config/standard_populations.json" --argjson c "$2" \
    '[.rows[] | select(.[$c] != "18+")] | {counts: map(.[$c + 4]), populations: map(.[$c + 5]), standard: map(.[$c] as $b | $std[0].standards[0].weights[$b])}' <<<"$1" |
    "$STATS" dsr | jq .rate
}
st=$(api "/api/v1/trends?indicator=victim_rate&standardise=age")
# The latest year whose every band is published (a suppressed band makes the point null).
Y=$(jq '[.rows[] | select(.[6] == "ok")][-1][0]' <<<"$st")
trend_said=
[[ $Y =~ ^[0-9]+$ ]] || trend_said="the standardised trend published no year: $(jq -c '[.rows[]]' <<<"$st" 2>&1 | head -c 1500) $(jq -c '.metaData // .' <<<"$st" | head -c 600)"
bands=$(api "/api/v1/analytics?indicator=victim_rate&dimension=year:$Y&dimension=age_band")
want=$(dsr_of "$bands" 1)
got=$(jq --argjson y "$Y" '.rows[] | select(.[0] == $y) | .[1]' <<<"$st")
if close "$got" "$want"; then ok "standardise=age: the rate is wiqaya-stats dsr (Fay-Feuer) on the published band counts and the WHO weights ($got)"; else not_ok "DSR" "route $got, library $want" ${trend_said:+"$trend_said"}; fi
sa=$(api "/api/v1/analytics?indicator=victim_rate&dimension=year:$Y&standardise=age")
got=$(jq '.rows[0][1]' <<<"$sa")
if close "$got" "$want"; then ok "analytics with standardise=age: the same DSR, one cell per year ($got)"; else not_ok "analytics DSR" "route $got, library $want"; fi
eq "analytics with standardise=age: the age band is no column, the standard is named" \
  "$(jq -c '[.headers[].name][0:2], .metaData.standardised.standard' <<<"$sa")" $'["year","value"]\n"who_world"' 
# The same with another dimension beside the year (the age band collapsed out of three
# dimensions): a cell whose every band is published. Each noise key suppresses another
# set, and in this small country a table can publish none (DC-01, the largest region: 1
# to 3 years of 11 in 27 runs; every region at once, none in 2 runs of 19, the others
# being smaller): the first of three tables that publishes a cell is checked.
R= RY= rt=
for dim in region:DC-01 sex region; do
  rt=$(api "/api/v1/trends?indicator=victim_rate&standardise=age&dimension=$dim")
  read -r R RY < <(jq -r '[.rows[] | select(.[7] == "ok")][0] | "\(.[0]) \(.[1])"' <<<"$rt")
  [[ $RY =~ ^[0-9]+$ ]] && break
done
if [[ $RY =~ ^[0-9]+$ ]]; then
  rbands=$(api "/api/v1/analytics?indicator=victim_rate&dimension=year:$RY&dimension=${dim%%:*}:$R&dimension=age_band")
  want=$(dsr_of "$rbands" 2)
  got=$(jq --arg r "$R" --argjson y "$RY" '.rows[] | select(.[0] == $r and .[1] == $y) | .[2]' <<<"$rt")
  if close "$got" "$want"; then ok "standardise=age with a dimension beside the year: $R in $RY is wiqaya-stats dsr on its published bands ($got)"; else not_ok "DSR by ${dim%%:*}" "$R $RY: route $got, library $want"; fi
else
  not_ok "DSR by region or sex" "no cell published: $(jq -c '[.rows[] | [.[0], .[1], .[7]]]' <<<"$rt" | head -c 1500)"
fi

pw=$(api "/api/v1/pathway")
byst=$(api "/api/v1/analytics?indicator=cases&dimension=offender_group:adult&dimension=status")
want=$(jq '[.rows[] | select(.[1] == "charged" or .[1] == "prosecuted" or .[1] == "convicted" or .[1] == "acquitted") | .[5] // 0] | add' <<<"$byst")
eq "pathway: cases charged are the published status cells summed" "$(jq '.rows[] | select(.[0] == "adult" and .[1] == "charged") | .[3]' <<<"$pw")" "$want"
eq "pathway: children who harmed have their own rows, never in adult figures" \
  "$(jq -c '[.rows[] | .[0]] | unique' <<<"$pw")" '["adult","child","mixed","unidentified"]'
stop_server
echo "1..$n"
