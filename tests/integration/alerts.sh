# The alert rules (config/prometheus/wiqaya-alerts.yml, issue 31): promtool accepts them,
# each fires on the series it is for and not on healthy ones (promtool test rules), every
# metric of Wiqaya they name is one the server or the intake really exposes, and the budget
# refusals they watch are counted as they happen.
source "$(dirname "$0")/../lib.sh"
fresh_db alerts
load_country 31 3000 >/dev/null
RULES=$ROOT/config/prometheus/wiqaya-alerts.yml

check "promtool accepts the rules" promtool check rules "$RULES"
check "each alert fires on its series and not on healthy ones (promtool test rules)" \
  promtool test rules "$ROOT/tests/prometheus/wiqaya-alerts.test.yml"

start_server
start_intake
MONITOR=$(new_token monitor)
scrape() { curl -s -H "Authorization: Bearer $MONITOR" "$1/metrics"; }
{ scrape "http://127.0.0.1:$TEST_HTTP_PORT"; scrape "$INTAKE_URL"; } >"$T/metrics"
check "both scrapes pass promtool check metrics" bash -c "promtool check metrics <'$T/metrics'"
named=$(grep -oE '\bwiqaya_[a-z_]+' "$RULES" | sort -u)
missing=$(for m in $named; do grep -qE "^$m(\{| )" "$T/metrics" || echo "$m"; done)
eq "every Wiqaya metric the rules name is exposed ($(echo "$named" | wc -l) of them)" "$missing" ""
# The 5xx rule names the two programs' request counters by a pattern: both exist.
check "the server's and the intake's request counters, which the 5xx rule matches, exist" \
  bash -c "grep -q '^wiqaya_http_requests_total{' '$T/metrics' && grep -q '^wiqaya_intake_http_requests_total{' '$T/metrics'"
check "and the pattern in the rule is theirs" grep -qF '{__name__=~"wiqaya(_intake)?_http_requests_total"' "$RULES"

# The budget's refusals, counted by their code: a researcher with a budget of 0.6 asks two
# tables of 0.5 (the second is refused, D1001), and a proportion by support and disability
# (no published table covers it), whose cost is more than the whole budget (D1002).
RESEARCHER=$("$BIN/wiqaya-server" token add --role researcher --name "alerts" 2>"$T/add.err" | tail -n 1)
"$BIN/wiqaya-server" token budget "$(grep -o 'token [0-9]*' "$T/add.err" | cut -d' ' -f2)" 0.6 >/dev/null
ask() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $RESEARCHER" "http://127.0.0.1:$TEST_HTTP_PORT/api/v1/analytics?$1"; }
refusals() { scrape "http://127.0.0.1:$TEST_HTTP_PORT" | awk -v c="$1" '$1 == "wiqaya_budget_refusals_total{code=\"" c "\"}" { print $2 }'; }
before=$(refusals D1001)
eq "a first table is answered" "$(ask 'indicator=victims&dimension=disability')" 200
eq "a second is refused: the budget is exhausted" "$(ask 'indicator=victims&dimension=migrant_status')" 429
eq "and counted (D1001)" "$(refusals D1001)" "$((before + 1))"
eq "a query costing more than the whole budget is refused" "$(ask 'indicator=revictimisation_12m&dimension=support&dimension=disability')" 409
eq "and counted apart (D1002)" "$(refusals D1002)" 1
stop_intake
stop_server
echo "1..$n"
