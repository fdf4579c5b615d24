# Rates' populations remembered per data version (server/populations.h): a second rate
# table asking for the same population reads it from memory, with the census table's
# figures; a new population (a new data version) is read again in the next period, never
# the old one. The
# published product's answers are kept per data version too (server/protect.c).
source "$(dirname "$0")/../lib.sh"
fresh_db populations
"$BIN/wiqaya-synth" --seed 61 --cases 4000 --years 2018-2020 --out "$T/syn" >/dev/null
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null
generous_budgets
start_server
TOKEN=$(new_token researcher)
MON=$(new_token monitor)
metrics() { curl -s -H "Authorization: Bearer $MON" "http://127.0.0.1:$TEST_HTTP_PORT/metrics"; }
lookups() { metrics | awk -F'[ }]' -v f="$1" '$1 == "wiqaya_population_lookups_total{from=\"" f "\"" { print $NF }'; }
engine_at() { # waits until the engine holds the database's version
  local v; v=$(psql_t -c 'SELECT version FROM analytics.data_version')
  for _ in $(seq 1 100); do
    [[ $(metrics | awk '$1 == "wiqaya_engine_version" { print $2 }') == "$v" ]] && return 0
    sleep 0.1
  done
  return 1
}
check "the engine holds the data" engine_at
# rate CHANNEL: the victims' rate by year and sex among children found through CHANNEL,
# as "year sex denominator" lines (a fresh table: each channel's numerator is new).
rate() {
  api "/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=sex&filter=detection:$1" |
    jq -r '.rows[] | select(.[6] != null) | "\(.[0]) \(.[1]) \(.[6])"' | sort
}
# census FILE: the census table's children by year and sex (the rows of no extra
# dimension), for the years and sexes of FILE's lines.
census() {
  awk 'NR == FNR { k[$1 " " $2]; next } ($1 " " $2) in k' "$1" <(psql_t -F' ' -c "
    SELECT year, sex, sum(population) FROM analytics.population
    WHERE age <= 17 AND dims = '{}' GROUP BY 1, 2") | sort
}

db0=$(lookups database) mem0=$(lookups memory)
rate police_investigation >"$T/first"
check "a rate table has denominators" test -s "$T/first"
eq "they are the census table's children by year and sex" "$(cat "$T/first")" "$(census "$T/first")"
eq "its population came from the database" "$(($(lookups database) - db0))" 1
rate victim_report >"$T/second"
eq "another rate table of the same population took it from memory" "$(($(lookups memory) - mem0))" 1
eq "and the database was not asked again" "$(($(lookups database) - db0))" 1
eq "with the census table's denominators" "$(cat "$T/second")" "$(census "$T/second")"

# The published product's tables are summed from the release once a data version and
# then kept: the same answer for every asker, a rate's populations those of the version.
products() { metrics | awk -F'[ }]' -v f="$1" '$1 == "wiqaya_product_answers_total{from=\"" f "\"" { print $NF }'; }
published() { # the published rate by year and sex: "year sex value denominator" lines
  api '/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=sex' >"$T/published.json"
  jq -r '.rows[] | select(.[6] != null) | "\(.[0]) \(.[1]) \(.[2]) \(.[6])"' "$T/published.json" | sort
}
sum0=$(products sums) kept0=$(products memory)
published >"$T/pub1"
check "the rate by year and sex is the published product's" jq -e '.metaData.release != null' "$T/published.json"
eq "summed from the release's table" "$(($(products sums) - sum0)) $(($(products memory) - kept0))" "1 0"
TOKEN= published >"$T/pub2"
eq "asked again, by the public (no token): the same rows" "$(cat "$T/pub2")" "$(cat "$T/pub1")"
eq "kept, not summed again" "$(($(products sums) - sum0)) $(($(products memory) - kept0))" "1 1"

# New cases inside the period (a new data version, the population unchanged): a token's
# rate table of a population not asked before is still of the period's version, its
# population read at the database's version (the same rows, warehouse.population_written),
# and no period is started for it.
periods() { psql_t -c 'SELECT count(*) FROM auth.period'; }
p0=$(periods) v0=$(api "/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=sex&filter=detection:police_investigation" | jq .metaData.data_version)
"$BIN/wiqaya-synth" --seed 62 --cases 200 --years 2019-2019 --out "$T/more" >/dev/null
"$BIN/wiqaya-etl" load "$T/more/cases.ndjson" >/dev/null
check "new cases make a new data version" test "$(psql_t -c 'SELECT version FROM analytics.data_version')" -gt "$v0"
api "/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=age_band&filter=detection:platform_report" >"$T/inside.json"
check "(a table of the token's, not the published product's)" jq -e '.metaData.release == null' "$T/inside.json"
eq "a rate of a population not asked before is of the period's version" "$(jq .metaData.data_version "$T/inside.json")" "$v0"
eq "and started no period" "$(periods)" "$p0"
# A full rebuild writes the analytics population again, the same rows (whether a load
# rebuilds depends on its size and its merges: a cold review found that it started a
# period, a bit of the data): a rate of a population not asked before is still of the
# period's version, and no period is started.
"$BIN/wiqaya-etl" refresh >/dev/null
api "/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=region&filter=detection:platform_report" >"$T/rebuilt.json"
eq "after a full rebuild, a rate of a population not asked before is of the period's version" \
  "$(jq '[.metaData.release, .metaData.data_version]' -c "$T/rebuilt.json")" "[null,$v0]"
eq "and started no period" "$(periods)" "$p0"

# A new population: 2019's children doubled. Its refresh is a new data version, whose
# rates divide by the new figures, read from the database once.
awk -F, 'BEGIN { OFS = "," } NR > 1 && $1 == 2019 { $5 = $5 * 2 } { print }' "$T/syn/population.csv" >"$T/doubled.csv"
"$BIN/wiqaya-etl" load --population "$T/doubled.csv" >/dev/null
# Inside the period a token's rates are of the period's version, its population too
# (docs/privacy.md, "Periods"); a new period shows the new one.
db2=$(lookups database)
rate caregiver_report >"$T/inside"
eq "inside the period a rate divides by the period's population" \
  "$(awk '$1 == 2019 { print $3 }' "$T/inside" | paste -sd' ')" "$(awk '$1 == 2019 { print $3 }' "$T/first" | paste -sd' ')"
eq "from memory" "$(($(lookups database) - db2))" 0
# One of a population not asked before: the period's census is gone from the database, so
# its cells have no denominator until the next period; no period is started for it (a
# cold review: one started a period after every refresh, a fresh draw of everything).
p1=$(periods)
# (every detection channel but one: a filter the published product has not, whose counts are
# large enough to be published, so that a denominator could show)
channels=$(tail -n +2 "$ROOT/config/codelists/detection.csv" | cut -d, -f1 | tail -n +2 | paste -sd';')
api "/api/v1/analytics?indicator=victim_rate&dimension=year&dimension=sex&filter=region:DC-03&filter=detection:$channels" >"$T/gone.json"
eq "inside the period, a rate of a census loaded since has no denominator" \
  "$(jq -c '[.rows[][-1]] | unique - ["suppressed"]' "$T/gone.json")" '["no_denominator"]'
eq "and starts no period" "$(periods)" "$p1"
check "an admin starts a new period, which the server answers in" new_period
check "the engine holds the new version in the new period" engine_at
db2=$(lookups database)
rate police_investigation >"$T/third"
eq "the new version's rates divide by the new population" "$(cat "$T/third")" "$(census "$T/third")"
eq "2019's denominators are twice the old ones" \
  "$(awk '$1 == 2019 { print $3 * 2 }' "$T/first" | paste -sd' ')" "$(awk '$1 == 2019 { print $3 }' "$T/third" | paste -sd' ')"
eq "and 2018's are the old ones" "$(awk '$1 == 2018' "$T/first")" "$(awk '$1 == 2018' "$T/third")"
eq "read from the database once" "$(($(lookups database) - db2))" 1
published >"$T/pub3"
eq "the published rate at the new version is summed again" "$(($(products sums) - sum0))" 2
eq "dividing 2019 by the new population" \
  "$(awk '$1 == 2019 { print $4 * 2 }' "$T/pub1" | paste -sd' ')" "$(awk '$1 == 2019 { print $4 }' "$T/pub3" | paste -sd' ')"
eq "and 2018 by the old one" "$(awk '$1 == 2018 { print $4 }' "$T/pub1")" "$(awk '$1 == 2018 { print $4 }' "$T/pub3")"
