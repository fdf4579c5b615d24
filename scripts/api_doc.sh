#!/usr/bin/env bash
# Writes docs/api.md: every route of docs/openapi.yaml with a curl example and the answer
# it really gets, from a throwaway database holding the synthetic demo country (seed 2026,
# API_DOC_CASES cases, 200,000 as make run loads). Long answers are shortened (the first
# rows, the labels of one dimension), and say so. Run it after changing a route:
#   scripts/api_doc.sh            (about two minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_TMP=$(mktemp -d /tmp/wiqaya-apidoc.XXXXXX)
source tests/lib.sh
trap 'stop_server; rm -rf "$T"' EXIT
fresh_db apidoc
load_country 2026 "${API_DOC_CASES:-200000}"
start_server
TOKEN=$(new_token researcher)
MONITOR=$(new_token monitor)
BASE=http://127.0.0.1:${TEST_HTTP_PORT:-18080}
out=docs/api.md

shorten='def cut: if type == "array" and length > 4 then .[0:4] + ["… \(length - 4) more"] else . end;
  (if .rows then .rows |= cut else . end)
  | (if .trends then .trends |= cut else . end)
  | (if .estimates then .estimates |= (cut | map(if type == "object" then .steps |= cut else . end)) else . end)
  | (if .survival then .survival.curves |= (map(.curve |= cut) | cut) else . end)
  | (if .metaData.items then .metaData.items |= with_entries(.value |= (to_entries | .[0:2] | from_entries)) else . end)
  | (if .indicators then .indicators |= (cut | map(if type == "object" then .definition_ar = "…" | .dimensions = (.dimensions | cut) else . end)) else . end)
  | (if .dimensions then .dimensions |= cut else . end)
  | (if .agencies then .agencies |= (cut | map(if type == "object" then .approved |= cut else . end)) else . end)
  | (if .tables then .tables |= cut else . end)
  | (if .items then .items |= cut else . end)
  | (if .paths then {openapi, info: {title: .info.title, version: .info.version}, paths: (.paths | keys)} else . end)
  | (if .rows then .rows |= map(if type == "array" then tojson else . end) else . end)
  | (if .headers then .headers |= tojson else . end)'

example() { # example TITLE PATH [CURL OPTIONS...]: the request and its answer
  local title=$1 path=$2; shift 2
  local auth=(-H "Authorization: Bearer $TOKEN") shown='-H "Authorization: Bearer $TOKEN" '
  if [[ ${1:-} == --anonymous ]]; then auth=(); shown=""; shift; fi
  if [[ ${1:-} == --monitor ]]; then auth=(-H "Authorization: Bearer $MONITOR"); shown='-H "Authorization: Bearer $MONITOR" '; shift; fi
  local extra="" a; for a in "$@"; do extra+="$(printf '%q ' "$a")"; done
  {
    echo "### $title"
    echo
    echo '```'
    echo "curl -s ${shown}${extra}'http://127.0.0.1:8080$path'"
    echo '```'
    echo
    local body type
    body=$(curl -s -D "$T/h" "${auth[@]}" "$@" "$BASE$path")
    type=$(awk 'tolower($1) == "content-type:" { print $2 }' "$T/h" | tr -d '\r;')
    echo "$(head -1 "$T/h" | tr -d '\r')  ($type)"
    echo
    echo '```'
    case $type in
      # Each row (and the header names) on one line, as the JSON has them.
      *json*) jq "$shorten" <<<"$body" | sed -E \
        -e '/^ *"\[.*\]",?$/ { s/^( *)"(.*)"(,?)$/\1\2\3/; s/\\"/"/g }' \
        -e '/^ *"headers": "\[.*\]",?$/ { s/: "(.*)"(,?)$/: \1\2/; s/\\"/"/g }' ;;
      # SDMX-ML: indented, the first 30 lines.
      *xml*) body=$(python3 -c 'import sys, xml.dom.minidom as m; print(m.parseString(sys.stdin.buffer.read()).toprettyxml(indent="  "))' <<<"$body" | sed '/^ *$/d')
             head -n 30 <<<"$body"; [[ $(wc -l <<<"$body") -le 30 ]] || echo "… $(($(wc -l <<<"$body") - 30)) more lines" ;;
      *) head -n 12 <<<"$body"; [[ $(wc -l <<<"$body") -le 12 ]] || echo "… $(($(wc -l <<<"$body") - 12)) more lines" ;;
    esac
    echo '```'
    echo
  } >>"$out"
}

cat >"$out" <<'HEAD'
# The API, by example

Every route of `docs/openapi.yaml` (the contract, served at `/api/v1/openapi.json`), with
a curl command and the answer it got from the synthetic demo country that `make run`
serves. This page is written by `scripts/api_doc.sh`, which runs each command against a
real server; noise keys are drawn afresh each time, so the published numbers move by a
few units between runs (docs/privacy.md), and long answers are shortened (marked `…`).
`$TOKEN` is a researcher token (`make run` prints one and keeps it in
`var/tokens/researcher`). Errors are problem+json with a stable code
(docs/indicators.md lists them) and `invalid_params` naming the parameter at fault (an
unknown one by its position, `parameter 2`, never as sent: a name may be typed as a key).

Common to the data routes: `filter=NAME:item;item` (repeatable), `from`, `to`,
`format=csv` (or `Accept: text/csv`: the same columns and numbers), `lang=ar` (or
`Accept-Language: ar`: labels and names in Arabic). Rows carry codes, in CSV as in JSON
(stable for machines, the same in both languages); the labels of the codes in an answer
are in its `metaData.items`, and every label of a dimension at `/api/v1/dimensions/{id}`.

Besides the API, the same server serves the dashboard at `/` and its files at
`/assets/NAME` (docs/dashboard.md): a page that asks these routes, not a route of its own.

## Service
HEAD
example "GET /healthz" "/healthz" --anonymous
example "GET /metrics (the first lines; a monitor's token: wiqaya-server token add --role monitor)" "/metrics" --monitor
example "GET /api/v1/openapi.json (the paths)" "/api/v1/openapi.json" --anonymous
echo "## Catalogue" >>"$out"; echo >>"$out"
example "GET /api/v1/indicators" "/api/v1/indicators"
example "GET /api/v1/dimensions" "/api/v1/dimensions"
example "GET /api/v1/dimensions/{id}" "/api/v1/dimensions/support"
example "GET /api/v1/disclosure" "/api/v1/disclosure"
example "GET /api/v1/data-quality" "/api/v1/data-quality" --anonymous
echo "## Tables" >>"$out"; echo >>"$out"
example "GET /api/v1/analytics: the published product, without a token" "/api/v1/analytics?indicator=victims&dimension=year" --anonymous
example "GET /api/v1/analytics: a dry run (what a query would cost)" "/api/v1/analytics?indicator=victims&dimension=relationship&from=2025&to=2025&dry_run=true"
example "GET /api/v1/analytics: rates by sex and age" "/api/v1/analytics?indicator=victim_rate&dimension=sex:female;male&dimension=age_band&from=2025&to=2025"
example "GET /api/v1/analytics in Arabic" "/api/v1/analytics?indicator=victims&dimension=sex&from=2025&to=2025&lang=ar"
example "GET /api/v1/analytics: age-standardised rates by region" "/api/v1/analytics?indicator=victim_rate&dimension=region&from=2025&to=2025&standardise=age"
example "GET /api/v1/analytics as CSV" "/api/v1/analytics?indicator=revictimisation_12m&dimension=region&format=csv"
echo "## Trends" >>"$out"; echo >>"$out"
example "GET /api/v1/trends: rate by sex, APC by Poisson regression" "/api/v1/trends?indicator=victim_rate&dimension=sex:female;male"
example "GET /api/v1/trends: age-standardised rates by region" "/api/v1/trends?indicator=victim_rate&standardise=age&dimension=region:DC-07;DC-13&from=2019"
example "GET /api/v1/trends: a proportion" "/api/v1/trends?indicator=proactive_detection_share"
echo "## Risk factors" >>"$out"; echo >>"$out"
example "GET /api/v1/risk-factors: incidence rate ratios" "/api/v1/risk-factors?indicator=new_victim_rate&factors=sex,age_band,region&reference=sex:male,age_band:10-12"
example "GET /api/v1/risk-factors: odds ratios" "/api/v1/risk-factors?indicator=revictimisation_12m&factors=sex,age_band"
example "GET /api/v1/risk-factors: a model that cannot be fitted" "/api/v1/risk-factors?indicator=revictimisation_12m&factors=sex"
echo "## Estimates" >>"$out"; echo >>"$out"
example "GET /api/v1/estimates/hidden: children no source reported, by sex" "/api/v1/estimates/hidden?from=2025&to=2025&dimension=sex"
example "GET /api/v1/estimates/nowcast: victims by the year of the abuse, the last years nowcast" "/api/v1/estimates/nowcast"
echo "## Interventions" >>"$out"; echo >>"$out"
example "GET /api/v1/interventions: RD, RR, NNT and cost per outcome averted" "/api/v1/interventions?outcome=revictimisation_12m&by=type"
example "GET /api/v1/interventions with Kaplan-Meier curves" "/api/v1/interventions?survival=true&from=2020"
echo "## The justice pathway" >>"$out"; echo >>"$out"
example "GET /api/v1/pathway" "/api/v1/pathway?from=2022&to=2023"
echo "## Official releases" >>"$out"; echo >>"$out"
# The same country published by release (docs/releases.md): every agency approves its
# years, an admin creates and publishes release 1, and the server answers from it.
read -r first last < <(psql_t -F' ' -c "SELECT first_year, last_year FROM analytics.data_version")
for a in $(tail -n +2 config/codelists/agencies.csv | cut -d, -f1); do
  "$BIN/wiqaya-etl" approve "$a" "$first-$last" >/dev/null
done
"$BIN/wiqaya-server" release create --note "The demo country, every agency's years approved" >/dev/null
"$BIN/wiqaya-server" release publish 1 >/dev/null
stop_server
printf '[disclosure]\nofficial_releases = true\n' >>"$CONF"
start_server
example "GET /api/v1/releases" "/api/v1/releases" --anonymous
example "GET /api/v1/releases/{id}" "/api/v1/releases/1" --anonymous
example "GET /api/v1/analytics from a release" "/api/v1/analytics?indicator=victims&dimension=year&release=1" --anonymous
echo "## SDMX" >>"$out"; echo >>"$out"
example "GET /api/v1/sdmx/dataflow/{agency}" "/api/v1/sdmx/dataflow/WIQAYA" --anonymous
example "GET /api/v1/sdmx/dataflow/{agency}/{id}/{version}" "/api/v1/sdmx/dataflow/WIQAYA/DF_VICTIMS_BY_SEX/1.0" --anonymous
example "GET /api/v1/sdmx/datastructure/{agency}/{id}/{version}" "/api/v1/sdmx/datastructure/WIQAYA/DSD_WIQAYA/1.0" --anonymous
example "GET /api/v1/sdmx/data/{flow}: SDMX-ML generic data" "/api/v1/sdmx/data/DF_VICTIMS_BY_SEX?startPeriod=2025" --anonymous
example "GET /api/v1/sdmx/data/{flow}/{key}: SDMX-CSV, girls and boys" "/api/v1/sdmx/data/DF_VICTIMS_BY_SEX/VICTIMS._T.female+male......?format=csv&startPeriod=2023" --anonymous
example "GET /api/v1/sdmx/data/{flow}/{key}: SDMX-JSON" "/api/v1/sdmx/data/DF_VICTIMS_BY_SEX/VICTIMS._T.female......?format=json&startPeriod=2025" --anonymous
echo "## Errors" >>"$out"; echo >>"$out"
example "An unknown factor" "/api/v1/risk-factors?indicator=victim_rate&factors=sex,colour"
example "from after to" "/api/v1/trends?indicator=victims&from=2024&to=2019"
example "Years outside the data" "/api/v1/pathway?from=2040"
example "No token, and not the published product" "/api/v1/trends?indicator=victims&filter=agency:DC-POL-01" --anonymous
echo "wrote $out"
