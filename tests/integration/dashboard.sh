#!/usr/bin/env bash
# The dashboard (web/, served by wiqaya-server at /): its files and headers with curl,
# then the page itself in headless Chromium (tests/browser/dashboard.mjs), without a token
# and with a policy-maker's, in English and Arabic, with axe-core. Screenshots go to
# $SCREENSHOTS (build/screenshots; docs/img holds a copy, docs/dashboard.md).
source "$(dirname "$0")/../lib.sh"
SHOTS=${SCREENSHOTS:-$ROOT/build/screenshots}
mkdir -p "$SHOTS"
fresh_db dashboard
load_country 15 60000
POLICY=$("$BIN/wiqaya-server" token add --role policy --name "dashboard test" 2>/dev/null | tail -n 1)
start_server
URL=http://127.0.0.1:${TEST_HTTP_PORT:-18080}

curl -s -D "$T/h" -o "$T/index.html" "$URL/"
eq "GET / is the page" "$(head -n 1 "$T/h" | tr -d '\r')" "HTTP/1.1 200 OK"
eq "as HTML" "$(grep -i '^content-type:' "$T/h" | tr -d '\r')" "Content-Type: text/html; charset=utf-8"
check "with a strict Content-Security-Policy" grep -qi "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'" "$T/h"
check "revalidated at every load" grep -qi '^cache-control: no-cache' "$T/h"
etag=$(grep -i '^etag:' "$T/h" | cut -d' ' -f2 | tr -d '\r')
eq "a 304 for an unchanged page" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/")" 304
js=$(grep -o '/assets/app-[A-Z0-9]*\.js' "$T/index.html")
curl -s -D "$T/hj" -o "$T/app.js" "$URL$js"
eq "the bundle is JavaScript" "$(grep -i '^content-type:' "$T/hj" | tr -d '\r')" "Content-Type: text/javascript; charset=utf-8"
check "named by its hash, kept for a year" grep -qi '^cache-control: public, max-age=31536000, immutable' "$T/hj"
eq "the bundle is the built file" "$(cmp -s "$T/app.js" "$ROOT/build/web$js" && echo same)" same
check "nothing in the page or bundle names another host" bash -c "! grep -Eo 'https?://[a-z0-9.-]+' '$T/index.html' '$T/app.js' | grep -Ev 'www.w3.org|github.com/chartjs|chartjs.org|kurkle' | grep -q ."
curl -s -D "$T/hz" -o "$T/app.js.gz" -H 'Accept-Encoding: gzip, deflate, br' "$URL$js"
check "gzip to a browser that takes it" grep -qi '^content-encoding: gzip' "$T/hz"
eq "the same bundle once unzipped" "$(gunzip -c "$T/app.js.gz" | cmp -s - "$T/app.js" && echo same)" same
check "the answer varies by Accept-Encoding" grep -qi '^vary: accept-encoding' "$T/hz"
check "and the zipped one has its own ETag" bash -c "[[ \"$(grep -i '^etag:' "$T/hz")\" != \"$(grep -i '^etag:' "$T/hj")\" ]]"
eq "an unknown asset is a 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/assets/nope.js")" 404
eq "the API's answers load nothing" "$(curl -s -D - -o /dev/null "$URL/healthz" | grep -i '^content-security-policy' | tr -d '\r')" "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'"
figure "bundle: $(stat -c %s "$T/app.js") bytes of JavaScript ($(stat -c %s "$T/app.js.gz") sent gzipped), $(stat -c %s "$ROOT"/build/web/assets/style-*.css) of CSS, $(stat -c %s "$T/index.html") of HTML"

# Without the built files the API still serves, and / says how to build them; a file of a
# type the server does not know stops it at start.
stop_server
cp "$CONF" "$T/noweb.conf"; printf '[paths]\nweb = %s/noweb\n' "$T" >>"$T/noweb.conf"
WIQAYA_CONF=$T/noweb.conf start_server
eq "without a dashboard, / is a 404" "$(curl -s -o "$T/nw" -w '%{http_code}' "$URL/")" 404
check "saying how to build it" grep -q 'Run make' "$T/nw"
eq "and the API answers" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
stop_server
mkdir -p "$T/badweb/assets"; cp "$ROOT/build/web/index.html" "$T/badweb/"; echo x >"$T/badweb/assets/tool.exe"
cp "$CONF" "$T/badweb.conf"; printf '[paths]\nweb = %s/badweb\n' "$T" >>"$T/badweb.conf"
status "a file of an unknown type stops the server at start" 2 env WIQAYA_CONF="$T/badweb.conf" timeout 10 "$BIN/wiqaya-server" serve
check "naming it (S1303)" grep -q 'S1303.*tool.exe' "$T/last"
# The published product answers the age-standardised rates by region, and the rates by
# region and age band they are made of (a base table); a table naming a standard is no base.
printf 'indicator=victim_rate&dimension=region&standard=who_world\n' >"$T/bad_public.txt"
cp "$CONF" "$T/badpub.conf"; printf '[disclosure]\npublic_tables = %s/bad_public.txt\n' "$T" >>"$T/badpub.conf"
status "a published table naming a standard without standardise=age stops the server" 2 env WIQAYA_CONF="$T/badpub.conf" timeout 10 "$BIN/wiqaya-server" serve
check "naming its line (S1302)" grep -q 'S1302.*line 1' "$T/last"
start_server
std="$URL/api/v1/analytics?indicator=victim_rate&dimension=region&from=2025&to=2025"
eq "the age-standardised rates by region are published" "$(curl -s -o /dev/null -w '%{http_code}' "$std&standardise=age")" 200
eq "and the rates by region and age band they are made of" "$(curl -s -o /dev/null -w '%{http_code}' "$std&dimension=age_band")" 200
eq "and the crude rates by region" "$(curl -s -o /dev/null -w '%{http_code}' "$std")" 200
eq "but not a table the product has no base for (by relationship)" "$(curl -s -o /dev/null -w '%{http_code}' "$std&dimension=relationship")" 401

node "$ROOT/tests/browser/dashboard.mjs" "$URL" "$POLICY" "$SHOTS" 2>"$T/browser.err"
rc=$?
[[ $rc -eq 0 ]] || not_ok "the browser test ran to its end (exit $rc)" "$(tail -n 20 "$T/browser.err")"
check "the screenshots are saved" test -s "$SHOTS/dashboard-en.png" -a -s "$SHOTS/dashboard-ar.png"
stop_server

# A policy token whose own budget (token budget) is too small for the charts: it runs out.
POLICY=$("$BIN/wiqaya-server" token add --role policy --name "dashboard budget test" 2>"$T/add.err" | tail -n 1)
"$BIN/wiqaya-server" token budget "$(grep -o 'token [0-9]*' "$T/add.err" | cut -d' ' -f2)" 1 >/dev/null
start_server
node "$ROOT/tests/browser/dashboard.mjs" "$URL" "$POLICY" "$SHOTS" budget 2>"$T/browser.err"
rc=$?
[[ $rc -eq 0 ]] || not_ok "the budget test ran to its end (exit $rc)" "$(tail -n 20 "$T/browser.err")"

# The table builder, with a researcher's token of the shipped budget.
BUILDER=$("$BIN/wiqaya-server" token add --role researcher --name "dashboard builder" 2>"$T/add.err" | tail -n 1)
node "$ROOT/tests/browser/dashboard.mjs" "$URL" "$BUILDER" "$SHOTS" builder 2>"$T/browser.err"
rc=$?
[[ $rc -eq 0 ]] || not_ok "the builder test ran to its end (exit $rc)" "$(tail -n 20 "$T/browser.err")"

# The sweep: a new policy token with the shipped policy budget, 100 random filter states.
SWEEP=$("$BIN/wiqaya-server" token add --role policy --name "dashboard sweep" 2>"$T/add.err" | tail -n 1)
shipped=$(awk -F' *= *' '/^budget_policy/ { print $2 + 0 }' "$ROOT/config/wiqaya.conf.example")
"$BIN/wiqaya-server" token budget "$(grep -o 'token [0-9]*' "$T/add.err" | cut -d' ' -f2)" "$shipped" >/dev/null
node "$ROOT/tests/browser/dashboard.mjs" "$URL" "$SWEEP" "$SHOTS" sweep 2>"$T/browser.err"
rc=$?
[[ $rc -eq 0 ]] || not_ok "the sweep ran to its end (exit $rc)" "$(tail -n 20 "$T/browser.err")"
stop_server

# The map from a boundary file, as a deployment supplies one: the page built with the test
# country's GeoJSON (tests/browser/boundaries.mjs), projected and simplified at build time.
node "$ROOT/tests/browser/boundaries.mjs" "$T/regions.geojson"
WIQAYA_BOUNDARIES=$T/regions.geojson node "$ROOT/web/build.mjs" "$T/geoweb" >"$T/geobuild" 2>&1
check "the page builds with a boundary file" grep -q '^map: 13 regions' "$T/geobuild"
read -r given drawn < <(sed -n 's/.*, \([0-9]*\) vertices simplified to \([0-9]*\)$/\1 \2/p' "$T/geobuild")
check "and simplifies it at build time ($given vertices to $drawn)" test "${drawn:-0}" -gt 0 -a "${drawn:-0}" -lt "$((given / 2))"
rings() { grep -o "\"$1\":\"M[^\"]*\"" "$T"/geoweb/assets/app-*.js | grep -o M | wc -l; }
eq "the bundle holds a path a region, not the file" "$(grep -o '"DC-[0-9]*":"M' "$T"/geoweb/assets/app-*.js | sort -u | wc -l) $(grep -c FeatureCollection "$T"/geoweb/assets/app-*.js)" "13 0"
eq "a hole is a ring of its own, and an islet too small to simplify is kept" "$(rings DC-09) $(rings DC-11)" "2 2"
# A boundary file that cannot be drawn stops the build, saying why.
badgeo() { # badgeo DESC JQ-EDIT MESSAGE
  jq -c "$2" "$T/regions.geojson" >"$T/bad.geojson"
  status "$1 stops the build" 1 env WIQAYA_BOUNDARIES="$T/bad.geojson" node "$ROOT/web/build.mjs" "$T/badgeo"
  check "saying so ($3)" grep -q "$3" "$T/last"
}
badgeo "a feature without a region code" '.features[0].properties = {}' 'feature 0 has no properties.code'
badgeo "a region the code list does not have" '.features[0].properties.code = "XX-99"' 'XX-99 is not a code'
badgeo "a region of the code list without a boundary" 'del(.features[1])' 'has no boundary'
badgeo "a projected file (metres, not degrees)" '.features[0].geometry.coordinates[0][0] = [3896000, 3895000]' 'in degrees'
badgeo "a point for a region" '.features[2].geometry = {"type": "Point", "coordinates": [35, 33]}' 'not a Polygon or MultiPolygon'
status "a boundary file that is not there stops the build" 1 env WIQAYA_BOUNDARIES="$T/none.geojson" node "$ROOT/web/build.mjs" "$T/badgeo"
cp "$CONF" "$T/geo.conf"; printf '[paths]\nweb = %s/geoweb\n' "$T" >>"$T/geo.conf"
WIQAYA_CONF=$T/geo.conf start_server
node "$ROOT/tests/browser/dashboard.mjs" "$URL" "" "$SHOTS" choropleth 2>"$T/browser.err"
rc=$?
[[ $rc -eq 0 ]] || not_ok "the choropleth test ran to its end (exit $rc)" "$(tail -n 20 "$T/browser.err")"
stop_server
