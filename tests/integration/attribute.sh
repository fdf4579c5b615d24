# Adding an attribute of a child, as docs/architecture.md's recipe says, end to end: in a
# copy of this tree, a throwaway attribute (school_type) is a row of common/attribute.c,
# a code list, a migration with its columns and the counting rule's line (two function
# files); nothing else is touched. The copy builds and migrates a warehouse that this
# tree loaded, and the attribute goes from the synthetic country's files through the
# loader into the warehouse, the analytics, the population denominators and the API,
# where it is a dimension like any other.
source "$(dirname "$0")/../lib.sh"
fresh_db attribute
"$BIN/wiqaya-synth" --seed 8 --cases 1000 --out "$T/before" >/dev/null
"$BIN/wiqaya-etl" load "$T/before/cases.ndjson" >/dev/null
before_rows=$(psql_t -c 'SELECT count(*) FROM analytics.victim_year')

tree=$T/tree
mkdir -p "$tree"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree" 2>/dev/null)
before=$(cd "$tree" && find . -type f | sort | xargs md5sum)

# --- the recipe ---
sed -i 's|^    {"relationship", "relationship", "unknown", ATTR_OF_CASE},|&\n    {"school_type", "school_type", "unknown", ATTR_POPULATION},|' "$tree/common/attribute.c"
cat >"$tree/config/codelists/school_type.csv" <<'EOF'
code,label_en,label_ar
public,Public school,مدرسة حكومية
private,Private school,مدرسة خاصة
none,Not in school,خارج المدرسة
unknown,Unknown,غير معروف
EOF
last=$(ls "$tree/sql/migrations" | sort | tail -1)
mig=$(printf '%03d_school_type.sql' $((10#${last%%_*} + 1)))
cat >"$tree/sql/migrations/$mig" <<'EOF'
-- The counting rule returns one more column: a new signature for CREATE OR REPLACE.
DROP FUNCTION warehouse.victim_years(bigint[], date, integer);
ALTER TABLE warehouse.victim ADD COLUMN school_type text NOT NULL DEFAULT 'unknown';
ALTER TABLE analytics.victim_year ADD COLUMN school_type text NOT NULL DEFAULT 'unknown';
GRANT SELECT (school_type) ON analytics.victim_year TO wiqaya_reader;
EOF
fn=$tree/sql/functions/analytics
sed -i 's|^  support text\[\], first_report boolean, row_key bytea)|  support text[], first_report boolean, row_key bytea, school_type text)|;
        s|^           p.linkable, p.salt$|           p.linkable, p.salt, v.school_type|;
        s|^         warehouse.row_key(f.salt, .victim., f.year)$|&, f.school_type|' "$fn/warehouse.victim_years.sql"
sed -i 's|support, first_report, row_key)$|support, first_report, row_key, school_type)|' "$fn/warehouse.build_analytics.sql"
changed=$(cd "$tree" && find . -type f | sort | xargs md5sum | diff <(echo "$before") - | grep '^>' | awk '{print $3}' | sort | paste -sd' ')
eq "the recipe is a row, a code list, a migration and the counting rule's line" "$changed" \
  "./common/attribute.c ./config/codelists/school_type.csv ./sql/functions/analytics/warehouse.build_analytics.sql ./sql/functions/analytics/warehouse.victim_years.sql ./sql/migrations/$mig"

# --- the copy builds and runs ---
if ! make -C "$tree" -j2 BUILD=build OPT="-O0" build/bin/wiqaya-etl build/bin/wiqaya-server build/bin/wiqaya-synth >"$T/build.log" 2>&1; then
  not_ok "the tree with the attribute builds" "$(grep -m3 -E 'error' "$T/build.log")"; echo "1..$n"; exit 1
fi
ok "the tree with the attribute builds"
BIN=$tree/build/bin
sed -i -e "s|^codelists *=.*|codelists = $tree/config/codelists|" -e "/^functions *=/d" \
  -e "s|^migrations *=.*|migrations = $tree/sql/migrations\nfunctions = $tree/sql/functions|" "$CONF"
eq "the copy migrates this tree's warehouse: the columns, the two function files, one rebuild" \
  "$(cluster_lock "$BIN/wiqaya-etl" migrate 2>&1)" "1 migration applied, 2 function files applied, analytics rebuilt"
eq "the rows loaded before have the attribute's default" \
  "$(psql_t -c "SELECT count(*) FILTER (WHERE school_type = 'unknown') || '/' || count(*) FROM analytics.victim_year")" \
  "$before_rows/$before_rows"

"$BIN/wiqaya-synth" --seed 7 --cases 3000 --out "$T/syn" >/dev/null
check "the synthetic country's CSV has the attribute's column" bash -c "head -1 '$T/syn/cases.csv' | tr , '\n' | grep -qx victim_school_type"
check "and its NDJSON the field, at its default" bash -c \
  "set -o pipefail; head -1 '$T/syn/cases.ndjson' | jq -e '.victims[0].school_type == \"unknown\"'"
# Agencies that record it: a child of an odd region is in public school, of an even one in
# private school, of DC-10 out of school.
jq -c '.region as $r | .victims |= map(.school_type = (if $r == "DC-10" then "none"
  elif ($r[3:] | tonumber) % 2 == 1 then "public" else "private" end))' "$T/syn/cases.ndjson" >"$T/cases.ndjson"
check "a file with the attribute loads" "$BIN/wiqaya-etl" load "$T/cases.ndjson"
eq "the warehouse holds it" "$(psql_t -c "SELECT string_agg(DISTINCT school_type, ' ' ORDER BY school_type) FROM warehouse.victim")" "none private public unknown"
awk -F, 'NR == 1 { print $0 ",school_type"; next } { h = int($5 / 2); print $1 "," $2 "," $3 "," $4 "," h ",public"; print $1 "," $2 "," $3 "," $4 "," $5 - h ",private" }' \
  "$T/syn/population.csv" >"$T/pop_school.csv"
check "a population file by the attribute loads" "$BIN/wiqaya-etl" load --population "$T/pop_school.csv"
eq "the analytics hold it (victim-years by school type)" \
  "$(psql_t -c "SELECT string_agg(school_type || ':' || (count > 0)::text, ' ' ORDER BY school_type) FROM (SELECT school_type, count(*) FROM analytics.victim_year GROUP BY 1) x")" \
  "none:true private:true public:true unknown:true"

start_server
TOKEN=$(new_token researcher)
api /api/v1/dimensions/school_type >"$T/dim.json"
check "the API lists it as a dimension with its items" \
  jq -e '[.items[].code] | sort == ["none", "private", "public", "unknown"]' "$T/dim.json"
api '/api/v1/analytics?indicator=victims&dimension=school_type&from=2024&to=2024' >"$T/by.json"
truth=$(psql_t -c "SELECT school_type || '=' || count(*) FROM analytics.victim_year WHERE year = 2024 GROUP BY school_type ORDER BY 1" | paste -sd' ')
check "victims by school type: a cell per code, the large ones published within the noise of the truth ($truth)" \
  jq -e --arg truth "$truth" '($truth | split(" ") | map(split("=") | {(.[0]): (.[1] | tonumber)}) | add) as $t
    | (.rows | length) == 4 and ([.rows[] | select(.[0] == "public" or .[0] == "private")
      | .[-1] != "suppressed" and ((.[1] - $t[.[0]]) | fabs) < 30] | all and length == 2)' "$T/by.json"
api '/api/v1/analytics?indicator=victim_rate&dimension=school_type&from=2024&to=2024' >"$T/rate.json"
check "and a rate by it has the population's denominators" \
  jq -e '[.rows[] | select(.[0] == "public" or .[0] == "private") | .[2] != null] | all and length == 2' "$T/rate.json"
stop_server
echo "1..$n"
