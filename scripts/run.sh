#!/usr/bin/env bash
# make run: the throwaway PostgreSQL, a key, the schema, the demo country, then the API
# and dashboard on 127.0.0.1:8080 and the intake on 127.0.0.1:8081 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD:-build}/bin
scripts/pg.sh start
export WIQAYA_CONF=$PWD/var/wiqaya.conf
mkdir -p var/keys var/demo
[[ -f var/keys/pseudonym.key ]] || "$BIN/wiqaya-etl" keygen
"$BIN/wiqaya-server" keygen >/dev/null
"$BIN/wiqaya-etl" migrate
# The demo country: 200,000 synthetic cases (docs/synth.md), generated once; loading it
# again is a no-op (the batch key is known).
if [[ ! -f var/demo/cases.ndjson ]]; then
  "$BIN/wiqaya-synth" --seed 2026 --cases 200000 --years 2015-2025 --out var/demo
fi
for pop in population population_disability population_migrant; do
  # The denominators of rates by disability and migrant status (a demo made before they
  # existed has only the first).
  if [[ -f var/demo/$pop.csv ]]; then "$BIN/wiqaya-etl" load --population "var/demo/$pop.csv"; fi
done
"$BIN/wiqaya-etl" load --rejects var/demo/rejects.ndjson var/demo/cases.ndjson
# The demo's tokens: one researcher, one policy-maker, made once, shown once, kept in
# var/tokens (mode 0600) for the dashboard. Only their keyed hashes are in the database.
mkdir -p -m 0700 var/tokens
# A kept token whose database is gone (scripts/pg.sh destroy) is made again: the database
# must hold an active "demo ROLE" token.
known=$("$BIN/wiqaya-server" token list | awk -F'\t' '$7 == "active" { print $4 }')
for role in researcher policy submitter; do
  if [[ ! -s var/tokens/$role ]] || ! grep -qx "demo $role" <<<"$known"; then
    # The demo submitter is the capital's police (docs/intake.md).
    agency=; [[ $role == submitter ]] && agency="--agency DC-POL-01"
    (umask 077; "$BIN/wiqaya-server" token add --role "$role" $agency --name "demo $role" >var/tokens/$role)
    echo "demo $role token (kept in var/tokens/$role): $(cat var/tokens/$role)"
  fi
done
# The intake beside the API (it holds the pseudonymisation key; the API never does).
"$BIN/wiqaya-etl" serve &
intake=$!
trap 'kill $intake 2>/dev/null; wait $intake 2>/dev/null' EXIT INT TERM
echo "the dashboard: http://127.0.0.1:8080/ (Ctrl-C stops); paste a token of var/tokens into its"
echo "\"Access token\" for what the published product does not answer. The API under it; without a"
echo "token, the published product (free), with one, anything else (dry_run=true says the cost):"
echo "  curl 'http://127.0.0.1:8080/api/v1/analytics?indicator=victims&dimension=year&filter=region:DC-02'"
echo "  curl -H \"Authorization: Bearer \$(cat var/tokens/researcher)\" 'http://127.0.0.1:8080/api/v1/analytics?indicator=victims&dimension=relationship&from=2025&to=2025&dry_run=true'"
echo "intake on http://127.0.0.1:8081 (docs/intake.md), for the demo submitter of DC-POL-01:"
echo "  curl -H \"Authorization: Bearer \$(cat var/tokens/submitter)\" -H 'Content-Type: application/json' --data-binary @case.json http://127.0.0.1:8081/api/v1/cases"
"$BIN/wiqaya-server" serve
