#!/usr/bin/env bash
# The test runner behind `make test`: starts the throwaway PostgreSQL, runs every unit
# test (cmocka, TAP output) and every integration script (TAP), and ends with the line
# "N passed, N failed". Exit status 1 when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
scripts/pg.sh start || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
log=$(mktemp)
run() { # run NAME CMD...: one TAP producer
  local name=$1; shift
  local start=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$?
  local p f
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; echo "not ok - $name exited $rc without a failing check" >>"$log"; fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '%-44s %4d passed %4d failed %4ds\n' "$name" "$p" "$f" $((SECONDS - start))
  grep '^# figure: ' "$log" | sed 's/^# figure: /    /' 
  if [[ $f -gt 0 ]]; then grep -E -A4 '^not ok|Bail out|ERROR|runtime error|Sanitizer' "$log" | head -n 60 | sed 's/^/    /'; fi
}

for t in "$BUILD"/bin/test_*; do
  [[ -x $t ]] || continue
  run "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
for t in tests/integration/*.sh tests/attack/*.sh; do
  run "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" bash "$t"
done
rm -f "$log"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
