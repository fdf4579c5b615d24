# The analytics model and the query layer: 200 random queries, every exact cell checked
# against an independent count from the warehouse, and what the API publishes of it
# checked against the exact cell; rates against the population; outcomes by linkage
# checked by hand; bad queries.
source "$(dirname "$0")/../lib.sh"
fresh_db analytics
"$BIN/wiqaya-synth" --seed 31 --cases 3000 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null
start_server
TOKEN=$(new_token researcher)

# The counting rule's item cap (a child-year counts in at most this many offences or
# technologies, the first in code order; disclosure.md), applied alike below.
cap=$(psql_t -c "SELECT item_cap FROM analytics.data_version")
# An independent victim-year table, written apart from the rebuild (window functions, not
# DISTINCT ON; array unions by subquery), and an independent case table.
psql_t -c "CREATE TEMP TABLE x (n int)" >/dev/null
indep_victims="
  WITH occ AS (
    SELECT v.person_id, extract(year FROM c.reported)::int AS year, c.reported, c.case_id,
           c.region, c.agency, c.detection, c.financial::text AS financial, c.status, v.sex,
           CASE WHEN v.age < 5 THEN '0-4' WHEN v.age < 10 THEN '5-9' WHEN v.age < 13 THEN '10-12'
                WHEN v.age < 16 THEN '13-15' WHEN v.age < 18 THEN '16-17' ELSE '18+' END AS age_band,
           v.gender_identity, v.sexual_orientation, v.ethnicity, v.disability, v.migrant_status,
           v.economic_status, v.education_status, v.relationship,
           row_number() OVER (PARTITION BY v.person_id, extract(year FROM c.reported)
                              ORDER BY c.reported, c.case_id) AS k
    FROM warehouse.victim v JOIN warehouse.\"case\" c ON c.case_id = v.case_id)
  SELECT o.*,
    (SELECT (array_agg(DISTINCT x ORDER BY x))[1:$cap] FROM warehouse.victim v2 JOIN warehouse.\"case\" c2 ON c2.case_id = v2.case_id,
       unnest(c2.offences) x WHERE v2.person_id = o.person_id AND extract(year FROM c2.reported) = o.year) AS offence_set,
    (SELECT coalesce((array_agg(DISTINCT x ORDER BY x))[1:$cap], '{}') FROM warehouse.victim v2 JOIN warehouse.\"case\" c2 ON c2.case_id = v2.case_id,
       unnest(c2.technology) x WHERE v2.person_id = o.person_id AND extract(year FROM c2.reported) = o.year) AS technology_set
  FROM occ o WHERE k = 1"
psql_t -c "CREATE TABLE public.indep_victim AS $indep_victims" -c "GRANT SELECT ON public.indep_victim TO PUBLIC" >/dev/null
psql_t -c "CREATE TABLE public.indep_case AS SELECT extract(year FROM reported)::int AS year, region, agency, detection,
             financial::text AS financial, status, offences[1:$cap] AS offence_set, technology[1:$cap] AS technology_set FROM warehouse.\"case\"" >/dev/null

victim_dims=(year region sex age_band gender_identity sexual_orientation ethnicity disability migrant_status
             economic_status education_status relationship offence technology detection financial status agency)
case_dims=(year region offence technology detection financial status agency)
value_of() { # value_of TABLE DIM DRAW: a value of DIM present in TABLE, chosen by the seed and DRAW
  local col=$2
  case $2 in offence) col="offence_set[1]" ;; technology) col="technology_set[1]" ;; esac
  psql_t -c "SELECT $col FROM public.$1 WHERE $col IS NOT NULL ORDER BY md5($col::text || '$seed/$3') LIMIT 1"
}
# The queries are random; the seed is printed so that a failure can be replayed
# (ANALYTICS_SEED=N make test).
seed=${ANALYTICS_SEED:-$$}
RANDOM=$seed
figure "random queries from seed $seed (ANALYTICS_SEED=$seed replays them)"
mismatch=0 cells=0 published=0 wrong=0
for i in $(seq 1 200); do
  if (( i % 4 == 0 )); then ind=cases; table=indep_case; dims=("${case_dims[@]}")
  else ind=victims; table=indep_victim; dims=("${victim_dims[@]}"); fi
  k=$((RANDOM % 4 + 1))
  mapfile -t chosen < <(printf '%s\n' "${dims[@]}" | shuf -n "$k" --random-source=<(yes "$i"))
  url="/api/v1/analytics?indicator=$ind"
  select="" group="" where="true" from="public.$table t"
  nd=0
  for d in "${chosen[@]}"; do
    nd=$((nd + 1))
    url+="&dimension=$d"
    case $d in
      offence|technology) from+=" CROSS JOIN LATERAL unnest(t.${d}_set) AS u$nd(v)"; select+="u$nd.v::text, " ;;
      *) select+="coalesce(t.$d::text, 'null'), " ;;
    esac
    group+="${group:+, }$nd"
  done
  # 0-2 random filters on dimensions not chosen
  for f in $(printf '%s\n' "${dims[@]}" | shuf -n $((RANDOM % 3)) --random-source=<(yes "f$i")); do
    printf '%s\n' "${chosen[@]}" | grep -qx "$f" && continue
    val=$(value_of "$table" "$f" "$i")
    [[ -z $val ]] && continue
    url+="&filter=$f:$val"
    case $f in
      offence|technology) where+=" AND '$val' = ANY(t.${f}_set)" ;;
      *) where+=" AND t.$f::text = '$val'" ;;
    esac
  done
  q=${url#/api/v1/analytics?}
  exact "$q" | awk -F'\t' -v k="$k" '$(k + 1) > 0 { s = $1; for (j = 2; j <= k + 1; j++) s = s "|" $j; print s }' | sort >"$T/exact"
  psql_t -c "SELECT ${select}count(*) FROM $from WHERE $where GROUP BY $group" | sort >"$T/sql"
  cells=$((cells + $(wc -l <"$T/sql")))
  if ! cmp -s "$T/exact" "$T/sql"; then
    mismatch=$((mismatch + 1))
    figure "query $i differs: $url"; diff "$T/exact" "$T/sql" | head -4 | sed 's/^/# figure:   /'
  fi
  # Every 10th query through the API: each published cell within the noise of its exact
  # count (|noise| > 30 has probability below 1e-6 at b = 2), none below the floor.
  if (( i % 10 == 0 )); then
    api "$url" | jq -r --argjson k "$k" 2>/dev/null '.rows[] | select(.[-1] != "suppressed") | [.[0:$k][] | if . == null then "null" else tostring end] + [(.[$k + 3] | tostring)] | join("|")' >"$T/pub"
    published=$((published + $(wc -l <"$T/pub")))
    wrong=$((wrong + $(awk -F'|' 'NR == FNR { n = split($0, a, "|"); key = a[1]; for (j = 2; j < n; j++) key = key "|" a[j]; truth[key] = a[n]; next }
      { key = $1; for (j = 2; j < NF; j++) key = key "|" $j; t = (key in truth) ? truth[key] : 0
        d = $NF - t; if (d < 0) d = -d; if (t < 5 || d > 30) bad++ } END { print bad + 0 }' "$T/sql" "$T/pub")))
  fi
done
eq "200 random queries (1-4 dimensions, random filters): every exact cell equals the independent count ($cells cells)" "$mismatch" "0"
check "the queries covered many cells" test "$cells" -gt 2000
eq "20 of them through the API: every published cell within the noise of its count, none below the floor ($published published)" "$wrong" "0"
check "and many cells were published" test "$published" -gt 100

# Rates: numerators as counts, denominators from the population table.
rq='indicator=victim_rate&dimension=year&dimension=sex&filter=region:DC-01'
exact "$rq" >"$T/rate.tsv"
api "/api/v1/analytics?$rq" >"$T/rate.json"
check "victim_rate answers every year x sex cell (11 years x 4 sexes)" jq -e '.rows | length == 44' "$T/rate.json"
den=$(psql_t -c "SELECT sum(population) FROM warehouse.population WHERE year = 2020 AND sex = 'female' AND region = 'DC-01' AND age <= 17")
eq "the 2020 girls' denominator is the population's" "$(awk -F'\t' '$1 == 2020 && $2 == "female" { print $4 }' "$T/rate.tsv")" "$den"
num=$(psql_t -c "SELECT count(*) FROM public.indep_victim WHERE year = 2020 AND sex = 'female' AND region = 'DC-01' AND age_band <> '18+'")
eq "and its numerator the victim-years aged 0-17" "$(awk -F'\t' '$1 == 2020 && $2 == "female" { print $3 }' "$T/rate.tsv")" "$num"
eq "the API publishes the population as the denominator (public data, not noised)" \
  "$(jq -r '.rows[] | select(.[0] == 2020 and .[1] == "female") | .[6]' "$T/rate.json")" "$den"
check "and the rate as its noisy numerator / denominator x 100,000" \
  jq -e '.rows[] | select(.[0] == 2020 and .[1] == "female") | ((.[2] - .[5] / .[6] * 100000) | fabs) < 1e-9' "$T/rate.json"
check "a rate by a dimension the population lacks has no denominator (or is suppressed)" \
  jq -e '[.rows[][-1]] | unique - ["suppressed"] == ["no_denominator"]' <(api '/api/v1/analytics?indicator=victim_rate&dimension=ethnicity')

# The answer cache: a repeated query is the same protected table for every token, each
# token charged for it once; a new data version is a new answer.
A=$(new_token researcher)
B=$(new_token researcher)
# (by agency: a column the published product has not, so it is computed and charged)
cq='/api/v1/analytics?indicator=victims&dimension=agency&filter=year:2021'
first=$(TOKEN=$A api "$cq")
second=$(TOKEN=$B api "$cq")
again=$(TOKEN=$A api "$cq")
eq "a cached answer has the same rows for another token" "$(jq -c .rows <<<"$second")" "$(jq -c .rows <<<"$first")"
eq "and charges that token (0.5), then nobody twice" \
  "$(jq -r '.metaData.disclosure.epsilon_charged' <<<"$first") $(jq -r '.metaData.disclosure.epsilon_charged' <<<"$second") $(jq -r '.metaData.disclosure.epsilon_charged' <<<"$again")" "0.5 0.5 0"
"$BIN/wiqaya-etl" refresh >/dev/null
# Inside a period a token sees its period's version (docs/privacy.md, "Periods"); an
# admin's new period, which the server hears of by NOTIFY, shows the rebuild's.
eq "after a rebuild, inside the period, the answer is the same, of its version" \
  "$(TOKEN=$A api "$cq" | jq -c '[.metaData.data_version, .rows]')" "$(jq -c '[.metaData.data_version, .rows]' <<<"$first")"
check "an admin starts a new period, which the server answers in" new_period
for _ in $(seq 1 20); do
  fresh=$(TOKEN=$A api "$cq")
  [[ $(jq '.metaData.data_version' <<<"$fresh") -gt $(jq '.metaData.data_version' <<<"$first") ]] && break
  sleep 0.1
done
eq "in a new period the answer is of the new data version, without a restart" \
  "$(jq '.metaData.data_version' <<<"$fresh")" "$(($(jq '.metaData.data_version' <<<"$first") + 1))"
eq "and charged again" "$(jq '.metaData.disclosure.epsilon_charged' <<<"$fresh")" "0.5"

# Outcomes by linkage, checked by hand (tests/data/outcomes.ndjson: A re-victimised in
# 4 months; B reported twice for one abuse; C again after 15 months; D censored; E
# unlinkable; F again after 13 months).
fresh_db outcomes
stop_server
"$BIN/wiqaya-etl" load "$ROOT/tests/data/outcomes.ndjson" >/dev/null
start_server
TOKEN=$(new_token researcher)
row() { exact "$1" | paste -sd' '; }
eq "re-victimisation by year: 2023 1 of 4 (1 excluded), 2024 0 of 2, 2025 only 1 excluded" \
  "$(row 'indicator=revictimisation_12m&dimension=year')" $'2023\t1\t4\t1 2024\t0\t2\t0 2025\t0\t0\t1'
eq "victims by year count the child reported twice once" \
  "$(exact 'indicator=victims&dimension=year' | cut -f1,2 | paste -sd' ')" $'2023\t5 2024\t2 2025\t1'
eq "cases count every report" "$(exact 'indicator=cases' | cut -f1)" "10"
eq "charge rate: 2 of 10 reached charged" "$(exact 'indicator=charge_rate' | cut -f1,2)" $'2\t10'
eq "financial share: 1 of the 2 cases where it is given" "$(exact 'indicator=financial_share' | cut -f1,2)" $'1\t2'
eq "intervention completion: 1 of 1" "$(exact 'indicator=intervention_completion' | cut -f1,2)" $'1\t1'
eq "sex unknown has no population row for a rate" \
  "$(exact 'indicator=victim_rate&dimension=sex' | awk -F'\t' '$1 == "unknown" { print "[" $3 "]" }')" "[]"
check "the excluded count of a proportion is protected like a count (null below the floor)" \
  jq -e '.metaData.excluded_from_denominator == null' <(api '/api/v1/analytics?indicator=revictimisation_12m')
check "CSV on request" bash -c "curl -s -H 'Authorization: Bearer $TOKEN' 'http://127.0.0.1:${TEST_HTTP_PORT:-18080}/api/v1/analytics?indicator=victims&dimension=year&format=csv' | head -1 | grep -qx \$'year,value,lower,upper,numerator,denominator,cell_status\\r'"

# Bad queries: each a numbered error.
code() { api "$1" | jq -r '"\(.status) \(.code)"'; }
eq "unknown indicator" "$(code '/api/v1/analytics?indicator=nope')" "400 Q1001"
eq "no indicator" "$(code '/api/v1/analytics?dimension=year')" "400 Q1006"
eq "unknown dimension" "$(code '/api/v1/analytics?indicator=victims&dimension=shoe_size')" "400 Q1002"
eq "unknown item" "$(code '/api/v1/analytics?indicator=victims&dimension=sex:F')" "409 Q1003"
eq "dimension not applicable to the indicator" "$(code '/api/v1/analytics?indicator=cases&dimension=sex')" "409 Q1004"
eq "too many dimensions" "$(code '/api/v1/analytics?indicator=victims&dimension=year&dimension=sex&dimension=region&dimension=agency&dimension=status')" "409 Q1005"
eq "a table of more than 20,000 cells" "$(code '/api/v1/analytics?indicator=victims&dimension=agency&dimension=offence&dimension=technology&dimension=status')" "409 Q1013"
eq "a filter without items" "$(code '/api/v1/analytics?indicator=victims&filter=sex')" "400 Q1007"
eq "a dimension twice" "$(code '/api/v1/analytics?indicator=victims&dimension=sex&dimension=sex')" "409 Q1008"
eq "a bad period" "$(code '/api/v1/analytics?indicator=victims&from=last')" "400 Q1009"
eq "the catalogue lists every indicator of api.md and the two of first identification" \
  "$(api /api/v1/indicators | jq -c '[.indicators[].id] | sort')" \
  '["cases","charge_rate","children_who_harmed","conviction_rate","financial_share","image_removal_success","intervention_completion","new_victim_rate","new_victims","proactive_detection_share","reoffending_12m","revictimisation_12m","victim_rate","victims"]' 
eq "dimensions carry Arabic labels" "$(api /api/v1/dimensions/sex | jq -r '.items[] | select(.code == "female") | .name_ar')" "أنثى"
# The international frameworks (issue 30): every indicator names what it serves, how far
# (direct, partial, related) and why, in both languages; the frameworks are listed.
api /api/v1/indicators >"$T/catalogue.json"
eq "the four frameworks are listed, each with its names and publisher" \
  "$(jq -c '[.frameworks[] | select(.name and .name_ar and .publisher) | .id]' "$T/catalogue.json")" '["sdg","childlight","mnr","uncts"]'
eq "every indicator serves at least one, each mapping a listed framework with a fit and its reasons in both languages" \
  "$(jq 'def arabic: explode | any(. >= 1536 and . <= 1791); [.frameworks[].id] as $f | [.indicators[] | (.frameworks | length > 0) and all(.frameworks[];
      (.framework as $x | $f | index($x)) != null and (.fit | IN("direct", "partial", "related"))
      and (.note | length > 20) and (.note_ar | arabic) and (.item_ar | arabic))] | all' "$T/catalogue.json")" true
eq "no indicator of reported cases claims to measure SDG 16.2.3 (survey prevalence)" \
  "$(jq -c '[.indicators[] | .frameworks[] | select((.item | startswith("16.2.3")) and .fit != "related")] | length' "$T/catalogue.json")" 0
stop_server
jq '.indicators[0].frameworks[0].framework = "unicef"' "$ROOT/config/indicators.json" >"$T/bad_indicators.json"
cp "$CONF" "$T/badind.conf"; printf '[paths]\nindicators = %s/bad_indicators.json\n' "$T" >>"$T/badind.conf"
status "an indicator naming a framework the file does not list stops the server" 2 env WIQAYA_CONF="$T/badind.conf" timeout 10 "$BIN/wiqaya-server" serve
check "naming the indicator (S1202)" grep -q "S1202.*\|Indicator 1 (victims): a framework not listed" "$T/last"
jq '.indicators[1].frameworks[0].fit = "exact"' "$ROOT/config/indicators.json" >"$T/bad_indicators.json"
status "or a fit that is not direct, partial or related" 2 env WIQAYA_CONF="$T/badind.conf" timeout 10 "$BIN/wiqaya-server" serve
check "saying so" grep -q "Indicator 2 (victim_rate): a framework's fit must be direct, partial or related" "$T/last"
echo "1..$n"
