#!/usr/bin/env bash
# make soak (not in make test): SOAK_SECONDS (600) of mixed traffic on both servers while
# batch loads and refreshes run, on a synthetic country of SOAK_CASES cases (50,000):
#   - researchers' fresh 4-dimension tables (bench/fresh.lua, 2 connections),
#   - the public's published tables (a cached answer, 2 connections),
#   - agencies' submissions, 5 new cases a request (bench/intake.lua, 2 connections),
#   - a batch load of 2,000 cases every 60 s, a refresh of the queue every 20 s.
# Prints the requests, errors and latency percentiles of each stream, the loads' and
# refreshes' outcomes, and each server's RSS and open file descriptors at the start and
# the end; exits 1 on any error, or a descriptor count that grew.
source "$(dirname "$0")/lib.sh"
SECS=${SOAK_SECONDS:-600}
fresh_db soak
load_country 2026 "${SOAK_CASES:-50000}"
printf '[intake]\nrefresh_delay = 30\n' >>"$CONF"
start_server
start_intake
API=http://127.0.0.1:$TEST_HTTP_PORT
RESEARCHER=$(new_token researcher)
SUBMITTER=$(new_token submitter DC-POL-01)
"$BIN/wiqaya-synth" --seed 77 --cases 5000 --bad-rate 0 --out "$T/new" >/dev/null

state() { # state PID: RSS in KiB and open descriptors
  echo "$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status") $(ls "/proc/$1/fd" | wc -l)"
}
FRONT=$(pgrep -P "$SERVER_PID" -f wiqaya-server)
INTAKE_FRONT=$(pgrep -P "$INTAKE_PID" -f wiqaya-etl)
read -r api_rss0 api_fd0 <<<"$(state "$SERVER_PID")"
read -r fr_rss0 fr_fd0 <<<"$(state "$FRONT")"
read -r in_rss0 in_fd0 <<<"$(state "$INTAKE_PID")"
read -r if_rss0 if_fd0 <<<"$(state "$INTAKE_FRONT")"
cat >"$T/public.lua" <<'LUA'
bad = 0
request = function() return wrk.format("GET", "/api/v1/analytics?indicator=victims&dimension=year") end
response = function(status) if status ~= 200 then bad = bad + 1 end end
LUA

BENCH_TOKEN=$RESEARCHER wrk -t1 -c2 -d"${SECS}s" --timeout 30s --latency -s "$ROOT/bench/fresh.lua" "$API" >"$T/fresh.txt" 2>&1 &
w1=$!
wrk -t1 -c2 -d"${SECS}s" --timeout 30s --latency -s "$T/public.lua" "$API" >"$T/public.txt" 2>&1 &
w2=$!
BENCH_TOKEN=$SUBMITTER BENCH_CASES=$T/new/cases.ndjson BENCH_PER=5 BENCH_AGENCY=DC-POL-01 \
  wrk -t1 -c2 -d"${SECS}s" --timeout 30s --latency -s "$ROOT/bench/intake.lua" "$INTAKE_URL" >"$T/intake.txt" 2>&1 &
w3=$!

loads=0 load_errors=0 refreshes=0 refresh_errors=0
t0=$SECONDS
while ((SECONDS - t0 < SECS)); do
  sleep 20
  if "$BIN/wiqaya-etl" refresh --queued >/dev/null 2>"$T/refresh.err"; then refreshes=$((refreshes + 1)); else refresh_errors=$((refresh_errors + 1)); fi
  if (((SECONDS - t0) % 60 < 20)); then
    "$BIN/wiqaya-synth" --seed $((1000 + loads)) --cases 2000 --bad-rate 0 --out "$T/batch" >/dev/null
    if "$BIN/wiqaya-etl" load "$T/batch/cases.ndjson" >/dev/null 2>"$T/load.err"; then loads=$((loads + 1)); else load_errors=$((load_errors + 1)); fi
  fi
done
wait "$w1" "$w2" "$w3"
read -r api_rss1 api_fd1 <<<"$(state "$SERVER_PID")"
read -r fr_rss1 fr_fd1 <<<"$(state "$FRONT")"
read -r in_rss1 in_fd1 <<<"$(state "$INTAKE_PID")"
read -r if_rss1 if_fd1 <<<"$(state "$INTAKE_FRONT")"

# stream NAME FILE: requests, non-2xx answers and socket errors, p50/p90/p99 (wrk --latency)
errors=0
stream() {
  local reqs non2xx sock pct
  reqs=$(awk '/requests in/ { print $1 }' "$2")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$2"); non2xx=${non2xx:-0}
  sock=$(awk -F'[ ,]+' '/Socket errors/ { print $4 + $6 + $8 + $10 }' "$2"); sock=${sock:-0}
  pct=$(awk '/^ +(50|90|99)%/ { printf "%s %s  ", $1, $2 }' "$2")
  printf '%-28s %8s requests, %s non-2xx, %s socket errors; latency %s\n' "$1" "$reqs" "$non2xx" "$sock" "$pct"
  errors=$((errors + non2xx + sock))
  grep '^non-200' "$2" | sed 's/^/    /'
}
echo "soak: ${SECS} s on $(nproc) cores, $(psql_t -c 'SELECT count(*) FROM warehouse."case"') cases at the end"
stream "researchers' fresh tables" "$T/fresh.txt"
stream "the public's tables" "$T/public.txt"
stream "agencies' submissions" "$T/intake.txt"
printf '%-28s %d loaded, %d failed\n' "batch loads (2,000 cases)" "$loads" "$load_errors"
printf '%-28s %d done, %d failed\n' "refreshes of the queue" "$refreshes" "$refresh_errors"
printf '%-28s RSS %d -> %d KiB, descriptors %d -> %d\n' "wiqaya-server (front)" "$fr_rss0" "$fr_rss1" "$fr_fd0" "$fr_fd1"
printf '%-28s RSS %d -> %d KiB, descriptors %d -> %d\n' "wiqaya-server (data)" "$api_rss0" "$api_rss1" "$api_fd0" "$api_fd1"
printf '%-28s RSS %d -> %d KiB, descriptors %d -> %d\n' "wiqaya-etl serve (front)" "$if_rss0" "$if_rss1" "$if_fd0" "$if_fd1"
printf '%-28s RSS %d -> %d KiB, descriptors %d -> %d\n' "wiqaya-etl serve (data)" "$in_rss0" "$in_rss1" "$in_fd0" "$in_fd1"
errors=$((errors + load_errors + refresh_errors))
if ((errors > 0 || api_fd1 > api_fd0 + 4 || fr_fd1 > fr_fd0 + 4 || in_fd1 > in_fd0 + 4 || if_fd1 > if_fd0 + 4)); then
  echo "soak: FAILED ($errors errors)"; tail -3 "$T/load.err" "$T/refresh.err"; exit 1
fi
echo "soak: passed"
