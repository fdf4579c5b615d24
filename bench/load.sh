# Loading benchmark: 1,000,000 synthetic cases end to end (parse, validate, normalise,
# hash, link, COPY, merge, rebuild), against the database's share of the same work: the
# sum of the server-side durations PostgreSQL logs for the loader's own statements (the
# same COPY data and merge statements on the same already-pseudonymised rows, without the
# client), over all its connections: the rebuild's facts are built on several at once, so
# the sum can exceed the wall time. Peak RSS too; BENCH_LARGE=1 adds 5,000,000 cases (BENCH_SIZES="N ..." picks;
# BENCH_SIZES=none only the side by side below).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/${BUILD:-build}/bin
DIR=$ROOT/var/bench
mkdir -p "$DIR"
env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
base=$(env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" conf)
log=$ROOT/var/pg/postgres.log
sizes=${BENCH_SIZES:-1000000}
[[ $sizes == none ]] && sizes=
[[ ${BENCH_LARGE:-0} == 1 ]] && sizes="1000000 5000000"
conf=$DIR/bench.conf
sed -e "s|^dbname *=.*|dbname = wiqaya_bench|" -e "s|^pseudonym_key *=.*|pseudonym_key = $DIR/bench.key|" \
    -e "s|^level *=.*|level = warning|" "$base" >"$conf"
export WIQAYA_CONF=$conf
psql_admin() { env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -d postgres "$@"; }
# A data officer's correction (issue 27's goal: loaded and visible in the analytics within
# 2 s): 40 cases spread over FILE submitted again with another status, timed from the
# command's start to its end, its refresh of what the correction changed included; visible
# when the analytics count the new statuses (the convicted cases move by what the 40 say).
correct() {
  local file=$1 n want before after wall
  n=$(wc -l <"$file")
  awk -v step=$((n / 40 > 0 ? n / 40 : 1)) 'NR % step == 0 && c < 40 { print; c++ }' "$file" |
    jq -c '.status = (if .status == "convicted" then "charged" else "convicted" end)' >"$DIR/correction.ndjson"
  want=$(jq -r 'if .status == "convicted" then 1 else -1 end' "$DIR/correction.ndjson" | awk '{ s += $1 } END { print s }')
  convicted() { env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -At -d wiqaya_bench -c "SELECT count(*) FILTER (WHERE status = 'convicted') FROM analytics.case_fact"; }
  before=$(convicted)
  if ! /usr/bin/time -f "%e" -o "$DIR/time" "$BIN/wiqaya-etl" load "$DIR/correction.ndjson" >"$DIR/correction.out" 2>"$DIR/correction.err"; then
    echo "  a correction of 40 cases FAILED: $(tail -1 "$DIR/correction.err")"
    return
  fi
  read -r wall <"$DIR/time"
  after=$(convicted)
  echo "  a correction of 40 cases: ${wall} s, load and refresh (goal: within 2 s); $(head -1 "$DIR/correction.out" | sed 's/^[^:]*: //')"
  if [[ $((after - before)) == "$want" ]]; then
    echo "    visible: the analytics count $((after - before)) convicted cases more, as the 40 say"
  else
    echo "    NOT visible: the analytics count $((after - before)) convicted cases more, the 40 say $want"
  fi
}
for n in $sizes; do
  data=$DIR/synth-$n
  [[ -f $data/cases.ndjson ]] || "$BIN/wiqaya-synth" --seed 7 --cases "$n" --out "$data" >/dev/null
  psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS wiqaya_bench WITH (FORCE)" \
    -c "CREATE DATABASE wiqaya_bench" >/dev/null
  [[ -f $DIR/bench.key ]] || "$BIN/wiqaya-etl" keygen >/dev/null
  "$BIN/wiqaya-etl" migrate >/dev/null 2>&1
  psql_admin -c "ALTER ROLE wiqaya_loader IN DATABASE wiqaya_bench SET log_min_duration_statement = 0" >/dev/null
  start_line=$(wc -l <"$log")
  /usr/bin/time -f "%e %M" -o "$DIR/time" "$BIN/wiqaya-etl" load "$data/cases.ndjson" >"$DIR/load.out"
  psql_admin -c "ALTER ROLE wiqaya_loader IN DATABASE wiqaya_bench RESET log_min_duration_statement" >/dev/null
  read -r wall rss <"$DIR/time"
  db=$(tail -n +"$((start_line + 1))" "$log" | grep -o 'duration: [0-9.]* ms' | awk '{s += $2} END {printf "%.1f", s / 1000}')
  echo "load $n cases ($(du -h "$data/cases.ndjson" | cut -f1) NDJSON): $(cat "$DIR/load.out")"
  echo "  end to end: ${wall} s wall, peak RSS $((rss / 1024)) MiB"
  echo "  database's share (server-side statement time, summed over the loader's connections: the rebuild's run at once): ${db} s"
  awk -v w="$wall" -v d="$db" 'BEGIN { printf "  ratio end-to-end / database: %.2f (goal <= 1.3)\n", w / d }'
  correct "$data/cases.ndjson"
done

# Side by side with the peer a data team would write instead (bench/load_peer.py: parse,
# validate, normalise, keyed hash, COPY into one unlogged table; no linkage, no analytics),
# on one generated country, one after the other in this run: wiqaya-etl doing all its work
# (the load and its refresh of the analytics) against the peer doing its minimum.
n=${BENCH_PEER_CASES:-80000}
data=$DIR/synth-peer-$n
[[ -f $data/cases.ndjson ]] || "$BIN/wiqaya-synth" --seed 11 --cases "$n" --out "$data" >/dev/null
records=$(wc -l <"$data/cases.ndjson")
psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS wiqaya_bench WITH (FORCE)" \
  -c "CREATE DATABASE wiqaya_bench" -c "DROP DATABASE IF EXISTS wiqaya_peer WITH (FORCE)" -c "CREATE DATABASE wiqaya_peer" >/dev/null
[[ -f $DIR/bench.key ]] || "$BIN/wiqaya-etl" keygen >/dev/null
"$BIN/wiqaya-etl" migrate >/dev/null 2>&1
host=$(awk -F' *= *' '$1 == "host" { print $2; exit }' "$base") port=$(awk -F' *= *' '$1 == "port" { print $2; exit }' "$base")
admin=$(awk -F' *= *' '$1 == "admin_user" { print $2; exit }' "$base" | cut -d' ' -f1)
# The cluster's CPU-seconds so far, from /proc: what its postmaster has reaped of its
# children (the backends that ended, autovacuum's workers) and what those still running
# have used (the WAL writer, the checkpointer). Read after a contestant's backends ended.
pg_cpu() {
  local pm
  pm=$(head -1 "$host/.s.PGSQL.$port.lock")
  { awk '{ print $16 + $17 }' "/proc/$pm/stat"
    for c in $(pgrep -P "$pm"); do awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || true; done
  } | awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f", s / hz }'
}
settled() { sleep 1; } # (a client's backend ends just after the client)
settled
cpu0=$(pg_cpu)
/usr/bin/time -f "%e %M %U %S" -o "$DIR/time" "$BIN/wiqaya-etl" load "$data/cases.ndjson" >"$DIR/load.out" 2>/dev/null
read -r ours ours_rss ours_user ours_sys <"$DIR/time"
settled
cpu1=$(pg_cpu)
# (the admin's password from the cluster's passfile, as scripts/pg.sh's psql finds it)
PGPASSFILE=$host/roles/all.pgpass /usr/bin/time -f "%e %M %U %S" -o "$DIR/time" /usr/bin/python3 "$ROOT/bench/load_peer.py" "$ROOT/config/codelists" \
  "$data/cases.ndjson" "host=$host port=$port dbname=wiqaya_peer user=$admin" >"$DIR/peer.out"
read -r peer peer_rss peer_user peer_sys <"$DIR/time"
settled
cpu2=$(pg_cpu)
echo "load side by side: $records records ($(du -h "$data/cases.ndjson" | cut -f1) NDJSON), one after the other"
echo "  wiqaya-etl load, all its work (validate, pseudonymise, link, write, refresh): ${ours} s, $(awk -v r="$records" -v t="$ours" 'BEGIN { printf "%.0f", r / t }') records/s, peak RSS $((ours_rss / 1024)) MiB"
echo "    $(head -1 "$DIR/load.out")"
echo "  Python peer (parse, validate, normalise, hash, COPY; no linkage, no analytics): ${peer} s, $(awk -v r="$records" -v t="$peer" 'BEGIN { printf "%.0f", r / t }') records/s, peak RSS $((peer_rss / 1024)) MiB"
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "  wiqaya / peer time: %.2f (goal: at most 1)\n", a / b }'
# Why the ratio: the work each side does, in CPU-seconds of the client and of PostgreSQL
# (on the cores of one machine, both).
awk -v u="$ours_user" -v s="$ours_sys" -v d="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" \
    -v pu="$peer_user" -v ps="$peer_sys" -v pd="$(awk -v a="$cpu1" -v b="$cpu2" 'BEGIN { print b - a }')" -v n="$(nproc)" \
  'BEGIN { printf "  CPU-seconds: wiqaya-etl %.2f + PostgreSQL %.2f = %.2f; the peer %.2f + PostgreSQL %.2f = %.2f (%d cores)\n",
           u + s, d, u + s + d, pu + ps, pd, pu + ps + pd, n }'
correct "$data/cases.ndjson"
