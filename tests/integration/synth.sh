# The synthetic country: deterministic, complete, loadable, and faithful to what it plants.
source "$(dirname "$0")/../lib.sh"
fresh_db synth
S=$T/s1
"$BIN/wiqaya-synth" --seed 5 --cases 3000 --years 2015-2025 --bad-rate 0.02 --out "$S" >/dev/null
"$BIN/wiqaya-synth" --seed 5 --cases 3000 --years 2015-2025 --bad-rate 0.02 --out "$T/s2" >/dev/null
"$BIN/wiqaya-synth" --seed 6 --cases 3000 --years 2015-2025 --bad-rate 0.02 --out "$T/s3" >/dev/null
for f in cases.ndjson cases.csv population.csv truth.json linkage.csv bad.tsv; do
  check "same seed, same bytes: $f" cmp -s "$S/$f" "$T/s2/$f"
done
check "another seed, other cases" bash -c "! cmp -s '$S/cases.ndjson' '$T/s3/cases.ndjson'"
eq "3,000 records written" "$(wc -l <"$S/cases.ndjson")" "3000"
eq "the CSV header has the 34 columns of case-record.md" "$(head -1 "$S/cases.csv" | tr ',' '\n' | wc -l)" "34"
eq "population: 11 years x 13 regions x 2 sexes x 18 ages" "$(tail -n +2 "$S/population.csv" | wc -l)" "5148"
check "Arabic and Latin names both occur" bash -c "grep -qP 'given_name\":\"\\p{Arabic}' '$S/cases.ndjson' && grep -q 'given_name\":\"[A-Z][a-z]' '$S/cases.ndjson'"

# Every malformed record gets the code and pointer the side file names; nothing else is rejected.
status "loading the set with its malformed records" 1 "$BIN/wiqaya-etl" load --rejects "$T/rejects.ndjson" "$S/cases.ndjson"
nbad=$(grep -vc '^#' "$S/bad.tsv")
check "some malformed records were planted (2%)" test "$nbad" -ge 30
eq "exactly the planted records are rejected" "$(jq -r .line "$T/rejects.ndjson" | sort -n | tr '\n' ' ')" \
  "$(grep -v '^#' "$S/bad.tsv" | cut -f1 | sort -n | tr '\n' ' ')"
jq -r '.line as $l | .errors[] | "\($l)\t\(.code)\t\(.pointer)"' "$T/rejects.ndjson" >"$T/got.tsv"
missing=$(grep -v '^#' "$S/bad.tsv" | while IFS=$'\t' read -r l c p; do
  grep -qxF "$l"$'\t'"$c"$'\t'"$p" "$T/got.tsv" || echo "$l $c $p"; done | wc -l)
eq "each with its expected code and pointer" "$missing" "0"
check "at least 10 different error codes are planted" test "$(grep -v '^#' "$S/bad.tsv" | cut -f2 | sort -u | wc -l)" -ge 10
integrity "no orphan after the load"

# The warehouse holds exactly what the generator realised.
real() { jq -r ".realised.$1" "$S/truth.json"; }
eq "cases per reported year equal the generator's" \
  "$(psql_t -c "SELECT string_agg(n::text, ' ' ORDER BY y) FROM (SELECT extract(year FROM reported) y, count(*) n FROM warehouse.\"case\" GROUP BY 1) x")" \
  "$(jq -r '[.realised.valid_cases_by_reported_year[]] | map(tostring) | join(" ")' "$S/truth.json")"
eq "victim records equal the generator's" "$(psql_t -c 'SELECT count(*) FROM warehouse.victim')" "$(real victim_records)"
eq "girls among victim records equal the generator's" \
  "$(psql_t -c "SELECT count(*) FROM warehouse.victim WHERE sex = 'female'")" "$(real victim_records_female)"

# And what it realised agrees with what it planted, within 4 standard errors.
within() { # within DESC OBSERVED_K N EXPECTED_P
  awk -v k="$2" -v n="$3" -v p="$4" -v what="$1" 'BEGIN { o = k / n; se = sqrt(p * (1 - p) / n);
    d = (o - p) / se; printf "# %s: %.4f (planted %.4f, %.1f SE)\n", what, o, p, d;
    exit (d < -4 || d > 4) }'
  local rc=$?
  if [[ $rc -eq 0 ]]; then ok "$1"; else not_ok "$1" "observed $2/$3, planted $4"; fi
}
within "share of girls among first victims" "$(real first_victims_female)" "$(real first_victims)" \
  "$(jq .expected_female_share_first_victims "$S/truth.json")"
# The sources (docs/synth.md, "Hidden victims"): the child-years none reported, and the
# referral pathway from social services to the police.
seen=$(jq '[.realised.child_years_by_sources[]] | add' "$S/truth.json")
hidden=$(jq '[.realised.hidden_child_years_by_year[]] | add' "$S/truth.json")
within "share of child-years no source reported" "$hidden" "$((seen + hidden))" \
  "$(jq '.sources | (1 - .social) * (1 - .police_otherwise) * (1 - .health) * (1 - .hotline)' "$S/truth.json")"
within "the police among child-years social services reported" \
  "$(jq '[.realised.child_years_by_sources | to_entries[] | select(.key | test("police\\+social")) | .value] | add' "$S/truth.json")" \
  "$(jq '[.realised.child_years_by_sources | to_entries[] | select(.key | test("social")) | .value] | add' "$S/truth.json")" \
  "$(jq .sources.police_if_social "$S/truth.json")"
eq "every child-year of the warehouse has its sources" \
  "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year WHERE sources IS NULL')" "0"
within "re-victimisation within 12 months without support" "$(real revictimised_without_support)" \
  "$(real revictimisation_eligible_without_support)" \
  "$(jq .revictimisation_12m_probability_without_support "$S/truth.json")"
within "re-victimisation within 12 months with psychosocial support" "$(real revictimised_with_support)" \
  "$(real revictimisation_eligible_with_support)" \
  "$(jq '.revictimisation_12m_probability_without_support * .revictimisation_rate_ratio_with_support' "$S/truth.json")"
# Cases grow by (1 + incidence growth) x (1 + population growth) a year: 2017 -> 2024.
ratio=$(jq -r '.realised.valid_cases_by_reported_year | .["2024"] / .["2017"]' "$S/truth.json")
check "cases grow as planted, 2024/2017 = $ratio (planted 1.90)" \
  awk -v r="$ratio" 'BEGIN { exit !(r > 1.5 && r < 2.4) }'
echo "1..$n"
