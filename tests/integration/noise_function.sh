# The noise function a noise key publishes with (docs/privacy.md, "The noise function"):
# the database records it with the key's scales, and the recorded one, not the binary,
# makes every published number. A new key takes function 3 (SipHash, the fresh part keyed
# by the children; 2 without a fixed part); a key recorded with 2 keeps it; a key recorded
# before the functions were (migration 024) keeps keyed BLAKE2b (1), and so does the first
# key of a database that published before the rules were recorded (migration 022): an
# upgrade changes no published number and charges no cell again.
source "$(dirname "$0")/../lib.sh"
fresh_db noise_function
load_country 11 3000
generous_budgets
start_server
# (A table the published product does not answer: its cells are noised per answer.)
Q="/api/v1/analytics?indicator=victims&dimension=year&dimension=sex&filter=detection:victim_report;caregiver_report;platform_report;police_investigation"
recorded() { psql_t -c "SELECT string_agg(noise_function::text, ' ' ORDER BY since) FROM auth.noise_rules"; }
# rows TOKEN: the rows of Q asked by the token.
rows() { TOKEN=$1 api "$Q" | jq -c .rows; }
restart() { stop_server; psql_t -c "$1"; start_server; }

eq "a new key is recorded with function 3" "$(recorded)" 3
a=$(new_token researcher)
three=$(rows "$a")
check "which publishes 20 of its 44 cells or more" \
  test "$(jq '[.[] | select(.[-1] != "suppressed")] | length' <<<"$three")" -ge 20
# differing A B: how many of the rows of A and B differ.
differing() { jq -n --argjson a "$1" --argjson b "$2" '[range($a | length) | select($a[.] != $b[.])] | length'; }
eq "the same table, by another token, has the same noise" "$(rows "$(new_token researcher)")" "$three"

restart "UPDATE auth.noise_rules SET noise_function = 2"
two=$(rows "$(new_token researcher)")
published=$(jq '[.[] | select(.[-1] != "suppressed")] | length' <<<"$three")
check "a key recorded with function 2 publishes with it: other noise on most cells" \
  test "$(differing "$two" "$three")" -gt "$((published / 2))"

restart "UPDATE auth.noise_rules SET noise_function = 1"
one=$(rows "$(new_token researcher)")
differ=$(differing "$one" "$two")
published=$(jq '[.[] | select(.[-1] != "suppressed")] | length' <<<"$two")
figure "under function 1, $differ rows differ from function 2's, which published $published"
check "a key recorded with function 1 publishes with it: other noise on most cells" \
  test "$differ" -gt "$((published / 2))"
before=$(psql_t -c "SELECT count(*) FROM auth.released")
eq "and the cells it published before are new measurements to the ledger (charged)" \
  "$(TOKEN=$a api "$Q" | jq '.metaData.disclosure.epsilon_charged > 0')" true
eq "(one ledger row more)" "$(psql_t -c "SELECT count(*) FROM auth.released")" "$((before + 1))"

# A database that published before the rules were recorded (its ledger has rows, the
# rules none): the key it meets first is the key that published, under function 1.
restart "DELETE FROM auth.noise_rules"
eq "the first key of a database that published is recorded with function 1" "$(recorded)" 1
check "with a warning naming the key's id" grep -q "noise key [0-9a-f]\{32\} is recorded with noise function 1" "$T/server.log"
eq "and publishes as it did" "$(rows "$(new_token researcher)")" "$one"

# A second key (a rotation: docs/privacy.md, "Changing the noise") is a new key.
stop_server
mv "$T/keys/noise.key" "$T/keys/noise.key.old"
"$BIN/wiqaya-server" keygen >/dev/null
start_server
eq "a second key is recorded with function 3" "$(recorded)" "1 3"
check "and its noise is its own" test "$(differing "$(rows "$(new_token researcher)")" "$three")" -gt 0

restart "UPDATE auth.noise_rules SET noise_function = 2 WHERE noise_function = 1"
stop_server
mv "$T/keys/noise.key.old" "$T/keys/noise.key"
start_server
eq "the first key back under function 2 answers as it did under 2" "$(rows "$(new_token researcher)")" "$two"

# A key whose fixed part is smaller than its fresh one takes function 2: under 3 two
# definitions of the same children would then give nearly equal answers, telling whether
# a filter excluded anyone.
stop_server
mv "$T/keys/noise.key" "$T/keys/noise.key.first"
"$BIN/wiqaya-server" keygen >/dev/null
printf '[disclosure]\nfixed_noise_scale = 1\n' >>"$CONF"
start_server
eq "a key first seen with a fixed part smaller than the fresh one is recorded with function 2" "$(recorded)" "2 3 2"
stop_server
echo "1..$n"
