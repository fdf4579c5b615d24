# The incremental refresh gives exactly the tables of a full rebuild, after random
# interleavings of intake requests and batch loads (with and without --no-refresh):
# new children, the same child from two agencies (merges), re-abuse a few months later
# (re-victimisation outcomes of earlier years), resubmissions that change a status or drop
# a victim (a person removed), a later month of data (censoring moves), new population
# denominators; then intake and loads running at once while the refresher works.
source "$(dirname "$0")/../lib.sh"
fresh_db intake_refresh
printf '[intake]\nrefresh_delay = 3600\n' >>"$CONF" # refreshed by hand until the last part
"$BIN/wiqaya-synth" --seed 8 --cases 4000 --bad-rate 0 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null

# Parts in reported order, so that the data's last month moves forward as they arrive.
node -e '
  const fs = require("fs");
  const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
  lines.sort((a, b) => JSON.parse(a).reported < JSON.parse(b).reported ? -1 : 1);
  const parts = 10, size = Math.ceil(lines.length / parts);
  for (let p = 0; p < parts; p++)
    fs.writeFileSync(`${process.argv[2]}/part${p}.ndjson`, lines.slice(p * size, (p + 1) * size).join("\n") + "\n");
  // Resubmissions of cases of the first parts: a new status, and the last victim dropped
  // from cases with more than one (that child may then be named by no case at all).
  const early = lines.slice(0, 2 * size).map((l) => JSON.parse(l));
  const resub = early.filter((_, i) => i % 7 === 0).map((c, i) => {
    c.status = i % 2 ? "charged" : "convicted";
    if (c.victims.length > 1) {
      const gone = c.victims.pop().ref;
      if (c.interventions) c.interventions = c.interventions.filter((x) => x.person_ref !== gone);
    }
    return JSON.stringify(c);
  });
  fs.writeFileSync(`${process.argv[2]}/resub.ndjson`, resub.join("\n") + "\n");
  // Merges: a child first known by name and birth date only (agency 1), another by a
  // national ID (agency 2), then a case of a third agency naming both: two persons of
  // the warehouse become one. The first two go with part 1, the third with part 3.
  const triple = (c, i, agency, ref, identity) => {
    const x = JSON.parse(JSON.stringify(c));
    x.agency = agency; x.case_ref = `MERGE-${ref}-${i}`;
    x.victims = [Object.assign(x.victims[0], {identity})];
    if (x.interventions) x.interventions = x.interventions.filter((v) => v.person_ref === x.victims[0].ref);
    return JSON.stringify(x);
  };
  const first = [], third = [];
  early.filter((c) => c.victims[0].identity && c.victims[0].identity.birth_date).slice(0, 30).forEach((c, i) => {
    const b = c.victims[0].identity.birth_date, id = String(9100000000 + i);
    first.push(triple(c, i, "DC-POL-01", "A", {given_name: `Mergetest${i}`, family_name: "Linkage", birth_date: b}));
    first.push(triple(c, i, "DC-HOSP-01", "B", {given_name: "Other", family_name: `Child${i}`, birth_date: b, national_id: id}));
    third.push(triple(c, i, "DC-SOC-01", "C", {given_name: `Mergetest${i}`, family_name: "Linkage", birth_date: b, national_id: id}));
  });
  fs.appendFileSync(`${process.argv[2]}/part1.ndjson`, first.join("\n") + "\n");
  fs.appendFileSync(`${process.argv[2]}/part3.ndjson`, third.join("\n") + "\n");
' "$T/syn/cases.ndjson" "$T"
agency_tokens "$T/syn/cases.ndjson" >"$T/tokens.json"
start_intake
via_intake() { # via_intake FILE: every record over HTTP, by agency, 20 a request
  node "$ROOT/tests/tools/intake_client.mjs" "$INTAKE_URL" "$T/tokens.json" "$1" "$T/answers" \
    --per 20 --workers 4 --key-prefix "$(basename "$1")-$RANDOM-" >/dev/null
}
queued() { psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue'; }

RANDOM=8
steps=(part0 part1 part2 part3 part4 resub part5 part6 part7)
for i in "${!steps[@]}"; do
  f=$T/${steps[$i]}.ndjson
  how=$((RANDOM % 3))
  case $how in
    0) via_intake "$f"; way="over HTTP" ;;
    1) "$BIN/wiqaya-etl" load --no-refresh "$f" >/dev/null; way="by a load with --no-refresh" ;;
    2) "$BIN/wiqaya-etl" load "$f" >/dev/null; way="by a load (full rebuild)" ;;
  esac
  # Refreshed now, or left queued for a later step (a refresh over several changes).
  if ((RANDOM % 3 != 0 || i == ${#steps[@]} - 1)); then
    waiting=$(queued)
    "$BIN/wiqaya-etl" refresh --queued >/dev/null
    same_as_rebuild "step $((i + 1)), ${steps[$i]} $way, then the refresh of $waiting queued changes: the tables of a full rebuild"
  fi
done
figure "persons merged by the steps: $(psql_t -c 'SELECT count(*) FROM warehouse.person_merge'); cases resubmitted: $(psql_t -c 'SELECT count(*) FROM warehouse."case" WHERE revision > 1'); persons removed: $(psql_t -c 'SELECT max(person_id) - count(*) FROM warehouse.person')"
check "the steps merged persons (the same child from two agencies)" test "$(psql_t -c 'SELECT count(*) FROM warehouse.person_merge')" -gt 0
check "the steps resubmitted cases" test "$(psql_t -c 'SELECT count(*) FROM warehouse."case" WHERE revision > 1')" -gt 100
check "the steps saw re-victimisation outcomes" test "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year WHERE revictimised_12m')" -gt 0

# New denominators over HTTP: the population table refreshes too.
ADMIN=$(new_token admin)
curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' \
  --data-binary "@$T/syn/population_migrant.csv" "$INTAKE_URL/api/v1/population"
"$BIN/wiqaya-etl" refresh --queued >/dev/null
same_as_rebuild "after new population denominators over HTTP, the refresh: the tables of a full rebuild"

# The last parts at once: the intake (its refresher every second) and a batch load with
# --no-refresh, concurrently; then the queue drains by itself.
stop_intake
sed -i 's/^refresh_delay = 3600/refresh_delay = 1/' "$CONF"
start_intake
via_intake "$T/part8.ndjson" &
client=$!
"$BIN/wiqaya-etl" load --no-refresh "$T/part9.ndjson" >/dev/null
wait "$client"
for _ in $(seq 1 100); do
  [[ $(queued) == 0 ]] && break
  sleep 0.2
done
eq "the refresher drained the queue of the concurrent intake and load" "$(queued)" "0"
same_as_rebuild "intake and a load at once, refreshed by the refresher: the tables of a full rebuild"
eq "every case of the country is in the warehouse (and the 90 of the merges)" "$(psql_t -c 'SELECT count(*) FROM warehouse."case"')" "4090"
integrity "the warehouse is whole"
