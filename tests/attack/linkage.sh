#!/usr/bin/env bash
# Attack 14, named children through linkage (docs/privacy.md, "Changes between data
# versions"; found by a red-team review on 2026-12-07). A submitter plants one case a
# candidate, each naming a child it can identify (national ID, names, birth date), dated
# late in year Y, each in a cell of its own agency's year (detection x status). Linkage
# joins the case to the child when the child was a victim in Y already: its victim-year
# keeps the attributes of its first case, and the planted cell stays as it was. A child
# who was not is a new row there. A researcher who asked the agency's table of Y before the
# plant then asks each cell's dry run: a cell whose children did not change used to keep
# its fresh noise and its ledger identity, so its repeat was free, and "free" said "was a
# victim in Y" for every candidate at once, for one table's epsilon (96 of 96 right in
# the review). The noise's epochs (migration 030) then drew every cell of the years a
# change reached anew; but a merge reaches every year, and whether a planted case merges
# depends on the data, one bit a refresh (a second review). Now a token is answered from
# one data version a period (server/period.h): inside the period nothing planted shows,
# every cell is free and the same, member or not; in the next period every cell is drawn
# and charged anew, member or not, the oldest years too.
source "$(dirname "$0")/../lib.sh"
fresh_db linkage
load_country 61 6000
start_server
TOKEN=$(new_token researcher)
AG=DC-HOSP-10
read -r first last < <(psql_t -F ' ' -c 'SELECT first_year, last_year FROM analytics.data_version')
Y=$((last - 2)) OLD=$((last - 5))
((OLD >= first)) || { echo "Bail out! the country spans $first-$last"; exit 1; }
region=$(jq -r --arg a "$AG" 'select(.agency == $a) | .region' "$T/syn/cases.ndjson" | head -1)

# The candidates: ten children first reported in Y before its last month by other agencies
# only (members), and ten national IDs in no record (not members).
jq -c --arg a "$AG" '{agency, reported, v: .victims[]?} | select(.v.identity.national_id != null)' \
  "$T/syn/cases.ndjson" >"$T/named"
jq -r --arg a "$AG" 'select(.agency == $a) | .v.identity.national_id' "$T/named" | sort -u >"$T/of_ag"
jq -r --arg y "$Y" 'select(.reported >= ($y + "-01") and .reported <= ($y + "-11")) | .v.identity.national_id' \
  "$T/named" | sort -u | comm -23 - "$T/of_ag" | head -10 >"$T/members"
eq "ten members found" "$(wc -l <"$T/members")" "10"
mapfile -t detections < <(tail -n +2 "$ROOT/config/codelists/detection.csv" | cut -d, -f1)
mapfile -t statuses < <(tail -n +2 "$ROOT/config/codelists/status.csv" | cut -d, -f1)
# cell I: the Ith (detection, status) pair
cell() { echo "${detections[$(($1 % ${#detections[@]}))]} ${statuses[$(($1 / ${#detections[@]}))]}"; }

# Before the plant: the agency's table of Y, and a table of an older year, asked once.
api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$Y&dimension=detection&dimension=status" >"$T/before"
eq "the researcher asked the agency's table of $Y (charged)" "$(jq '.metaData.disclosure.epsilon_charged > 0' "$T/before")" "true"
api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$OLD&dimension=detection&dimension=status" >"$T/old"
eq "and a table of $OLD" "$(jq '.metaData.disclosure.epsilon_charged > 0' "$T/old")" "true"

# The plant: twenty cases of the agency in December of Y, one a cell.
i=0
: >"$T/plant.ndjson"
{ sed 's/^/member /' "$T/members"; for k in $(seq 1 10); do printf 'other 19%08d\n' "$k"; done; } >"$T/candidates"
while read -r kind id; do
  read -r d s < <(cell "$i")
  if [[ $kind == member ]]; then
    v=$(jq -c --arg id "$id" 'select(.v.identity.national_id == $id) | .v | del(.age) | .ref = "V1"' "$T/named" | head -1)
  else
    v=$(jq -nc --arg id "$id" --arg n "Candidate$i" '{ref: "V1", sex: "female",
      identity: {given_name: "Cand", family_name: $n, birth_date: "2007-03-03", national_id: $id}}')
  fi
  jq -nc --arg a "$AG" --arg r "$region" --arg y "$Y" --arg d "$d" --arg s "$s" --arg ref "PLANT/$i" --argjson v "$v" \
    '{schema: "wiqaya.case/1", agency: $a, case_ref: $ref, reported: ($y + "-12"), incident: ($y + "-12"),
      region: $r, offences: ["sextortion"], detection: $d, status: $s, victims: [$v]}' >>"$T/plant.ndjson"
  echo "$kind $d $s" >>"$T/cells"
  i=$((i + 1))
done <"$T/candidates"
"$BIN/wiqaya-etl" load "$T/plant.ndjson" >"$T/plant.out" 2>&1
check "the plant loads, and its refresh makes a data version" grep -q "analytics: data version" "$T/plant.out"
# The setup is real: the members' cases linked to the children already there.
check "the ten members linked to their children (10 new victims of 20 cases)" grep -q "20 new cases, 0 replacing earlier submissions; 10 new victims" "$T/plant.out"

# free_cells: how many planted cells' dry runs are free, of the members' and of the others'.
free_cells() {
  local kind d s m=0 o=0 free
  while read -r kind d s; do
    free=$(api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$Y&dimension=detection:$d&dimension=status:$s&dry_run=true" | jq -r .free)
    [[ $free == true && $kind == member ]] && m=$((m + 1))
    [[ $free == true && $kind == other ]] && o=$((o + 1))
  done <"$T/cells"
  echo "$m $o"
}

# Inside the period: each candidate's cell, by its dry run, and the tables again.
read -r member_free other_free < <(free_cells)
figure "planted cells free after the plant, inside the period: $member_free of 10 members', $other_free of 10 others'"
eq "every member's cell is free inside the period" "$member_free" "10"
eq "and every other's: free says nothing of membership" "$other_free" "10"
api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$Y&dimension=detection&dimension=status" >"$T/inside"
eq "the agency's table of $Y is the same answer, the plant unseen" "$(jq -c .rows "$T/inside")" "$(jq -c .rows "$T/before")"
eq "from the period's data version, not the plant's" "$(jq .metaData.data_version "$T/inside")" "$(jq .metaData.data_version "$T/before")"
eq "free" "$(jq '.metaData.disclosure.epsilon_charged' "$T/inside")" "0"

# The next period (an admin's here; the calendar's a period of release_days later):
# every cell is drawn and charged anew, member or not, and the oldest years too, so a
# merge's reach (every year) is no longer told apart from a case's.
check "an admin starts a new period, which the server answers in" new_period
check "an admin starts a new period at the plant's data version" grep -q "from data version $(psql_t -c 'SELECT version FROM analytics.data_version')" "$T/period.out"
check "audited" psql_t -c "SELECT 1 FROM audit.log WHERE kind = 'period'"
read -r member_free other_free < <(free_cells)
figure "planted cells free in the next period: $member_free of 10 members', $other_free of 10 others'"
eq "no member's cell is free in the next period" "$member_free" "0"
eq "nor any other's" "$other_free" "0"
eq "the table of $OLD, which no change reached, costs again too" \
  "$(api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$OLD&dimension=detection&dimension=status&dry_run=true" | jq .free)" "false"
api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$Y&dimension=detection&dimension=status" >"$T/next"
eq "the next period answers from the plant's data version" "$(jq .metaData.data_version "$T/next")" "$(psql_t -c 'SELECT version FROM analytics.data_version')"
eq "and is free when asked again in it" "$(api "/api/v1/analytics?indicator=victims&filter=agency:$AG&filter=year:$Y&dimension=detection&dimension=status&dry_run=true" | jq .free)" "true"

# The published product keeps the noise's epochs (its base cells are measured once a
# release period from the data of the moment): each change records the first year it may
# reach. An intervention's fact is filed in the year it started, which may be before its
# case's (a review of the epochs found one that escaped them): its year is recorded.
eq "the plant's change is recorded from $((Y - 1)), at its data version" \
  "$(psql_t -c "SELECT version = (SELECT version FROM analytics.data_version) FROM analytics.year_change WHERE from_year = $((Y - 1))")" "t"
EARLY=$((first + 1))
sed -n 11p "$T/plant.ndjson" | jq -c --arg e "$EARLY" \
  '.case_ref = "PLANT/IV" | .interventions = [{person: "V1", type: "psychosocial_support", started: ($e + "-03")}]' >"$T/iv.ndjson"
"$BIN/wiqaya-etl" load "$T/iv.ndjson" >"$T/iv.out" 2>&1
check "a case of $Y with an intervention started in $EARLY loads" grep -q "analytics: data version" "$T/iv.out"
eq "its change is recorded from $((EARLY - 1)), at its data version" \
  "$(psql_t -c "SELECT version = (SELECT version FROM analytics.data_version) FROM analytics.year_change WHERE from_year = $((EARLY - 1))")" "t"
# A resubmission (an update of a case: a new revision) records its year less one too.
sed -n 1p "$T/plant.ndjson" | jq -c '.status = (if .status == "convicted" then "charged" else "convicted" end)' >"$T/resubmit.ndjson"
"$BIN/wiqaya-etl" load "$T/resubmit.ndjson" >"$T/resubmit.out" 2>&1
check "a planted case resubmitted with another status loads (replacing it)" grep -q "1 replacing earlier submissions" "$T/resubmit.out"
eq "and its change is recorded from $((Y - 1)), at its data version" \
  "$(psql_t -c "SELECT version = (SELECT version FROM analytics.data_version) FROM analytics.year_change WHERE from_year = $((Y - 1))")" "t"
