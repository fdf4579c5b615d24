#!/usr/bin/env bash
# The test runner behind `make test`: starts the throwaway PostgreSQL, runs every unit
# test (cmocka, TAP output) and every integration and attack script (TAP), and ends with
# the line "N passed, N failed". Exit status 1 when anything failed.
#
# Scripts run TEST_JOBS at a time (default: the number of cores), longest first by the
# times of the last run (var/test-times); each has its own database, its own free ports
# (tests/lib.sh) and its own temporary folder, so they share nothing but the cluster. The
# scripts that stop or crash the cluster (EXCLUSIVE) run alone, after the others. Each
# script's line is printed as it ends, with its time; TEST_ONLY=REGEX runs only the
# scripts whose name matches.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
JOBS=${TEST_JOBS:-$(nproc)}
# outage and crashloop stop or crash the cluster; intake measures its memory, which
# other scripts' load makes the allocator spread over more arenas.
EXCLUSIVE='integration/(outage|crashloop|intake)$'
scripts/pg.sh start || { echo "0 passed, 1 failed"; exit 1; }

out=$(mktemp -d)
times=var/test-times
touch "$times"

# run NAME CMD...: one TAP producer; its summary goes to $out/NAME.res, its output to .log.
run() {
  local name=$1; shift
  local file=$out/${name//\//_}
  local start=$SECONDS
  "$@" >"$file.log" 2>&1
  local rc=$?
  local p f
  p=$(grep -c '^ok ' "$file.log")
  f=$(grep -c '^not ok ' "$file.log")
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; echo "not ok - $name exited $rc without a failing check" >>"$file.log"; fi
  echo "$p $f $((SECONDS - start))" >"$file.res"
}

# report NAME: its line, its figures, and what failed.
report() {
  local name=$1 file=$out/${1//\//_}
  local p f s
  read -r p f s <"$file.res"
  passed=$((passed + p)); failed=$((failed + f))
  printf '%-44s %4d passed %4d failed %4ds\n' "$name" "$p" "$f" "$s"
  grep '^# figure: ' "$file.log" | sed 's/^# figure: /    /'
  # A failed check with its comment lines (what it got, what the servers said last); an
  # error with the 4 lines after it.
  if [[ $f -gt 0 ]]; then
    awk '/^not ok/ { note = 1; print; next }
         note && /^#/ { print; next }
         { note = 0 }
         /Bail out|ERROR|runtime error|Sanitizer/ { after = 5 }
         after-- > 0' "$file.log" | head -n 80 | sed 's/^/    /'
  fi
  echo "$name $s" >>"$out/times"
}

passed=0 failed=0
for t in "$BUILD"/bin/test_*; do
  [[ -x $t ]] || continue
  run "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
  report "unit/$(basename "$t")"
done
# Every fuzz target's corpus and every crash ever found, replayed (tests/fuzz/).
for t in "$BUILD"/bin/fuzz_*; do
  [[ -x $t ]] || continue
  f=$(basename "$t"); f=${f#fuzz_}
  run "fuzz/$f" "$t" "tests/fuzz/corpus/$f" "tests/fuzz/crashes/$f"
  report "fuzz/$f"
done

# The scripts, longest first (unknown ones first of all: they may be long).
names=()
for t in tests/integration/*.sh tests/attack/*.sh; do
  names+=("$(basename "$(dirname "$t")")/$(basename "$t" .sh)")
done
[[ -n ${TEST_ONLY:-} ]] && mapfile -t names < <(printf '%s\n' "${names[@]}" | grep -E "$TEST_ONLY")
ordered=$(for n in "${names[@]}"; do
  s=$(awk -v n="$n" '$1 == n { print $2 }' "$times"); echo "${s:-100000} $n"; done | sort -rn | cut -d' ' -f2)
parallel=$(grep -vE "$EXCLUSIVE" <<<"$ordered")
alone=$(grep -E "$EXCLUSIVE" <<<"$ordered")

declare -A name_of=()
finish_one() { # waits for the next script to end (wait -p names it), then reports it
  local pid= p
  wait -n -p pid 2>/dev/null
  if [[ -z $pid ]]; then # no child left to wait for: every script has ended
    for p in "${!name_of[@]}"; do report "${name_of[$p]}"; unset "name_of[$p]"; done
    return 0
  fi
  [[ -n ${name_of[$pid]:-} ]] || return 0
  report "${name_of[$pid]}"
  unset "name_of[$pid]"
}
for n in $parallel; do
  while [[ ${#name_of[@]} -ge $JOBS ]]; do finish_one; done
  run "$n" bash "tests/$n.sh" &
  name_of[$!]=$n
done
while [[ ${#name_of[@]} -gt 0 ]]; do finish_one; done
for n in $alone; do
  run "$n" bash "tests/$n.sh"
  report "$n"
done

# The times of this run, for the next one's order (kept for scripts not run this time).
if [[ -s $out/times ]]; then
  awk 'NR == FNR { seen[$1] = 1; print; next } !($1 in seen)' "$out/times" "$times" >"$out/all" &&
    mv "$out/all" "$times"
fi
rm -rf "$out"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
