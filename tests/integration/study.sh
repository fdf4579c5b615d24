#!/usr/bin/env bash
# A researcher's month of study (issue 24's goal, docs/privacy.md "The budget"): one token
# of the shipped default budget asks, in order, the questions of an ordinary study, each
# first as a dry run (what it would cost and leave) and then for real. Every question must
# be answered, the charge must be what the dry run said, and the budget spent per question
# is printed. On a synthetic country with the shipped configuration (no generous budgets).
REAL_BUDGETS=1
source "$(dirname "$0")/../lib.sh"
fresh_db study
load_country 24 20000
TOKEN=$(new_token researcher)
start_server
URL=http://127.0.0.1:${TEST_HTTP_PORT:-18080}
read -r y0 y1 <<<"$(psql_t -c "SELECT first_year || ' ' || last_year FROM analytics.data_version")"
budget=$(api /api/v1/disclosure | jq .caller.budget)
shipped=$(awk -F' *= *' '/^budget_researcher/ { print $2 + 0 }' "$ROOT/config/wiqaya.conf.example")
check "the researcher's budget is the shipped default ($shipped)" bash -c "[[ $budget == $shipped ]]"

# question | route?query (one line each, in the order a study asks them)
cat >"$T/questions" <<EOF
the national victim rate with its annual percent change|trends?indicator=victim_rate
victim rates by region and sex in one year|analytics?indicator=victim_rate&dimension=region&dimension=sex&from=$y1&to=$y1
one offence's cases by year (sextortion)|analytics?indicator=cases&dimension=year&filter=offence:sextortion
risk factors of first identification: sex, age band, disability|risk-factors?indicator=new_victim_rate&factors=sex,age_band,disability&reference=sex:male,age_band:10-12,disability:none
does support reduce re-victimisation, with Kaplan-Meier curves|interventions?outcome=revictimisation_12m&by=type&survival=true&from=$((y1 - 1))&to=$((y1 - 1))
the justice pathway over five years|pathway?from=$((y1 - 4))&to=$y1
age-standardised victim rates of the regions|analytics?indicator=victim_rate&dimension=region&standardise=age&from=$y1&to=$y1
the trend in the share of cases detected proactively|trends?indicator=proactive_detection_share
victim rates by migrant status over three years|analytics?indicator=victim_rate&dimension=migrant_status&dimension=year&from=$((y1 - 2))&to=$y1
the offence mix over three years|analytics?indicator=cases&dimension=offence&dimension=year&from=$((y1 - 2))&to=$y1
re-offending of children who harmed|analytics?indicator=reoffending_12m&dimension=age_band&from=$((y1 - 1))&to=$((y1 - 1))
conviction rate by offender group|analytics?indicator=conviction_rate&dimension=offender_group
newly identified victims by year and sex|analytics?indicator=new_victims&dimension=year&dimension=sex
victim rates by disability in the last year|analytics?indicator=victim_rate&dimension=disability&from=$y1&to=$y1
children who harmed, by year|analytics?indicator=children_who_harmed&dimension=year
cases by detection channel in the last year|analytics?indicator=cases&dimension=detection&from=$y1&to=$y1
victims by their relationship to the offender in the last year|analytics?indicator=victims&dimension=relationship&from=$y1&to=$y1
EOF
total=0
i=0
: >"$T/spend"
while IFS='|' read -r what q; do
  i=$((i + 1))
  dry=$(api "/api/v1/$q&dry_run=true")
  cost=$(jq -r '.epsilon // "refused"' <<<"$dry")
  curl -s -o "$T/a$i" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/$q" >"$T/s$i"
  charged=$(jq -r '.metaData.disclosure.epsilon_charged // "none"' "$T/a$i")
  left=$(jq -r '.metaData.disclosure.budget_remaining // "?"' "$T/a$i")
  eq "$i. $what: answered" "$(cat "$T/s$i")" "200"
  eq "$i. charged what the dry run said" "$charged" "$cost"
  [[ $charged =~ ^[0-9.]+$ ]] && total=$(echo "$total + $charged" | bc)
  printf '%2d. %-64s epsilon %-4s left %s\n' "$i" "$what" "$charged" "$left" >>"$T/spend"
done <"$T/questions"
while read -r line; do figure "$line"; done <"$T/spend"
figure "the study: $i questions, $(grep -c . "$T/spend") asked, epsilon $total of $budget spent"
check "every question of the month answered within the budget" bash -c "(( \$(echo '$total <= $budget' | bc) ))"
# Repeating the whole study costs nothing more: every cell was paid for.
before=$(api /api/v1/disclosure | jq .caller.budget_remaining)
while IFS='|' read -r _ q; do api "/api/v1/$q" >/dev/null; done <"$T/questions"
eq "asking the whole study again costs nothing" "$(api /api/v1/disclosure | jq .caller.budget_remaining)" "$before"
stop_server
