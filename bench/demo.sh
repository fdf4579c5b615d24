# Sourced by the benchmarks that need the demo country: the throwaway PostgreSQL with the
# 200,000 cases make run loads (generated once into var/demo, loaded again as a no-op), a
# researcher token in $token, and serve_bench PORT to start a server with budgets no
# benchmark exhausts ($pid; stopped on exit).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/${BUILD:-build}/bin
cd "$ROOT"
scripts/pg.sh start >/dev/null
export WIQAYA_CONF=$ROOT/var/wiqaya.conf
mkdir -p var/keys var/demo var/bench
[[ -f var/keys/pseudonym.key ]] || "$BIN/wiqaya-etl" keygen >/dev/null
"$BIN/wiqaya-server" keygen >/dev/null
"$BIN/wiqaya-etl" migrate >/dev/null
if [[ ! -f var/demo/cases.ndjson ]]; then
  "$BIN/wiqaya-synth" --seed 2026 --cases 200000 --years 2015-2025 --out var/demo >/dev/null
fi
for pop in population population_disability population_migrant; do
  # The denominators of rates by disability and migrant status (a demo made before they
  # existed has only the first).
  if [[ -f var/demo/$pop.csv ]]; then "$BIN/wiqaya-etl" load --population "var/demo/$pop.csv" >/dev/null; fi
done
"$BIN/wiqaya-etl" load --rejects var/demo/rejects.ndjson var/demo/cases.ndjson >/dev/null || true
token=$("$BIN/wiqaya-server" token add --role researcher --name "bench" 2>/dev/null)
echo "demo country: $(scripts/pg.sh psql -X -At -d wiqaya -c 'SELECT count(*) FROM analytics.case_fact') cases, $(scripts/pg.sh psql -X -At -d wiqaya -c 'SELECT count(*) FROM analytics.victim_year') victim-years"
serve_bench() {
  local conf=var/bench/serve-$1.conf
  # wrk is one address standing for many clients: its 32 connections, and those of the run
  # before whose answers are still being computed, are not one client's.
  { cat var/wiqaya.conf; printf '[server]\nport = %s\n[disclosure]\nbudget_researcher = 1000000\n[limits]\nconnections_per_ip = 256\n[log]\nlevel = warning\n' "$1"; } >"$conf"
  WIQAYA_CONF=$conf "$BIN/wiqaya-server" serve 2>"var/bench/serve-$1.log" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start"; cat "var/bench/serve-$1.log"; exit 1
}
