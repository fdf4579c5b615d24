#!/usr/bin/env bash
# make fuzz: runs every fuzz target of BUILD under libFuzzer for SECONDS, as many at once
# as there are cores. Each grows its corpus in var/fuzz/NAME (seeded by tests/fuzz/corpus/
# NAME, whose inputs are the ones worth keeping); a crash is written to tests/fuzz/crashes/
# NAME/, where make test replays it from then on. Prints each target's executions and
# exits 1 if any crashed.
# usage: tests/fuzz/run.sh BUILD SECONDS
set -uo pipefail
cd "$(dirname "$0")/../.."
build=$1 secs=$2
jobs=$(nproc)
mkdir -p var/fuzz
fuzz_one() {
  local t=$1 name; name=$(basename "$t"); name=${name#fuzz_}
  mkdir -p "var/fuzz/$name" "tests/fuzz/crashes/$name"
  # Leaks are reported by make asan; here a leak would stop the run as a crash would.
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="tests/fuzz/crashes/$name/" "var/fuzz/$name" "tests/fuzz/corpus/$name" \
    >"var/fuzz/$name.log" 2>&1
  local rc=$?
  local execs; execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "var/fuzz/$name.log")
  printf '%-12s %s executions in %s s, corpus %s inputs, exit %d\n' "$name" "${execs:-?}" "$secs" \
    "$(find "var/fuzz/$name" -type f | wc -l)" "$rc"
  return $rc
}
failed=0
pids=()
for t in "$build"/bin/fuzz_*; do
  fuzz_one "$t" & pids+=($!)
  if [[ ${#pids[@]} -ge $jobs ]]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[[ $failed -eq 0 ]] && echo "fuzz: no crash" || echo "fuzz: a target crashed: see var/fuzz/*.log and tests/fuzz/crashes/"
exit $failed
