#!/usr/bin/env bash
# make bench: every benchmark, with the command and data size in its output. Long runs
# (millions of rows) live here, never in make test.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD:-build}/bin
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
echo "== $BIN/bench_pseudonym 1000000 7"
"$BIN/bench_pseudonym" 1000000 7
for b in bench/*.sh; do
  [[ -f $b && $b != bench/run.sh && $b != bench/demo.sh ]] || continue # demo.sh: sourced
  echo "== $b"
  bash "$b"
done
