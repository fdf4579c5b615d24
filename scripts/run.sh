#!/usr/bin/env bash
# make run: the throwaway PostgreSQL, a key, the schema, the demo country, then the API
# and dashboard on 127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD:-build}/bin
scripts/pg.sh start
export WIQAYA_CONF=$PWD/var/wiqaya.conf
mkdir -p var/keys var/demo
[[ -f var/keys/pseudonym.key ]] || "$BIN/wiqaya-etl" keygen
"$BIN/wiqaya-etl" migrate
# The demo country: 200,000 synthetic cases (docs/synth.md), generated once; loading it
# again is a no-op (the batch key is known).
if [[ ! -f var/demo/cases.ndjson ]]; then
  "$BIN/wiqaya-etl" synth --seed 2026 --cases 200000 --years 2015-2025 --out var/demo
fi
"$BIN/wiqaya-etl" load --population var/demo/population.csv
"$BIN/wiqaya-etl" load --rejects var/demo/rejects.ndjson var/demo/cases.ndjson
echo "serving http://127.0.0.1:8080/api/v1/analytics?indicator=victims&dimension=year (Ctrl-C stops)"
exec "$BIN/wiqaya-server" serve
