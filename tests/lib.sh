# Helpers for the integration tests (sourced). Each check prints one TAP line; the
# runner counts them. Every script gets a fresh database and key of its own.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/bin
T=${TEST_TMP:-$(mktemp -d /tmp/wiqaya-test.XXXXXX)}
n=0

# free_port: a TCP port nobody listens on, so that scripts running side by side, and
# two checkouts on one machine, never answer for each other. Every script gets its own
# server and intake ports (TEST_HTTP_PORT, TEST_INTAKE_PORT) unless the caller sets them.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000)) # below Linux's ephemeral ports (32768 on)
    ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
}
export TEST_HTTP_PORT=${TEST_HTTP_PORT:-$(free_port)}
export TEST_INTAKE_PORT=${TEST_INTAKE_PORT:-$(free_port)}
[[ $TEST_INTAKE_PORT != "$TEST_HTTP_PORT" ]] || TEST_INTAKE_PORT=$((TEST_HTTP_PORT + 1))
# cluster_lock CMD...: CMD while no other script migrates a new database of the cluster:
# the first migrations change the cluster's shared catalogues (roles, the grants on its
# databases), which two concurrent transactions cannot both update.
cluster_lock() { flock "$ROOT/var/test-cluster.lock" "$@"; }

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); echo "not ok $n - $1"; shift
  local l f
  for l in "$@"; do echo "#   $l"; done
  # What the servers said last: a failure seen once in CI is explained by its own run.
  for f in "$T/server.log" "$T/intake.log"; do
    [[ -s $f ]] && tail -n 8 "$f" | sed "s|^|#   $(basename "$f" .log): |"
  done
  return 0
}
# figure TEXT: a measured figure, printed by the runner under the test's line.
figure() { echo "# figure: $*"; }
# check DESC CMD...: passes when CMD exits 0.
check() { local d=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$d"; else not_ok "$d" "command: $*" "$(tail -n 5 "$T/out")"; fi; }
# eq DESC ACTUAL EXPECTED
eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1" "got:      $2" "expected: $3"; fi; }
# status DESC EXPECTED CMD...: passes when CMD exits with EXPECTED; its output stays in
# $T/last for the checks that follow.
status() { local d=$1 want=$2; shift 2; "$@" >"$T/last" 2>&1; local got=$?; eq "$d (exit $want)" "$got" "$want"; }

# A test config: the checkout's cluster, a database and key of this script's own.
test_config() {
  local name=$1
  env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" start >/dev/null
  local base; base=$(env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" conf)
  mkdir -p "$T/keys"
  DB=wiqaya_t_$name
  CONF=$T/wiqaya.conf
  sed -e "s|^dbname *=.*|dbname = $DB|" \
      -e "s|^pseudonym_key *=.*|pseudonym_key = $T/keys/pseudonym.key|" \
      -e "s|^noise_key *=.*|noise_key = $T/keys/noise.key|" \
      -e "s|^token_key *=.*|token_key = $T/keys/token.key|" \
      -e "s|^port *= *8080|port = $TEST_HTTP_PORT|" \
      -e "s|^port *= *8081|port = $TEST_INTAKE_PORT|" \
      -e "s|^level *=.*|level = warning|" "$base" >"$CONF"
  export WIQAYA_CONF=$CONF
  [[ -n ${REAL_BUDGETS:-} ]] || generous_budgets
}

psql_t() { WIQAYA_CONF=$CONF "$ROOT/scripts/pg.sh" psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
# The locks and sessions of this script's database, for FROM: pg_locks and pg_stat_activity
# list every database's, and the scripts that run at once share the cluster (a probe of
# all of them saw another script's load holding the linkage lock).
LOCKS_HERE="(SELECT * FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
SESSIONS_HERE="(SELECT * FROM pg_stat_activity WHERE datname = current_database())"
# linkage_locked: how many sessions here hold the linkage lock, as a load holds it.
linkage_locked() { psql_t -c "SELECT count(*) FROM $LOCKS_HERE l WHERE locktype = 'advisory' AND objid = 7270010 AND granted"; }
psql_admin() { env -u WIQAYA_CONF "$ROOT/scripts/pg.sh" psql -X -q -v ON_ERROR_STOP=1 -At -d postgres "$@"; }

# fresh_db NAME: drop and recreate the test database and migrate it. The script's key is
# written once and kept, so that warehouses of one script can be compared.
fresh_db() {
  test_config "$1"
  psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
    -c "CREATE DATABASE $DB" >/dev/null
  # (Every migrate under the cluster's lock: migrations grant to the cluster's roles.)
  cluster_lock "$BIN/wiqaya-etl" migrate >"$T/migrate.out" 2>&1 ||
    { echo "Bail out! migrate failed: $(tail -n 3 "$T/migrate.out" | tr '\n' ' ')"; exit 1; }
  [[ -f $T/keys/pseudonym.key ]] || "$BIN/wiqaya-etl" keygen >/dev/null
  [[ -f $T/keys/noise.key ]] || "$BIN/wiqaya-server" keygen >/dev/null
}

# load_country SEED CASES: a synthetic country (docs/synth.md) into the test database,
# with its populations by disability and migrant status; the files stay in $T/syn.
load_country() {
  "$BIN/wiqaya-synth" --seed "$1" --cases "$2" --out "$T/syn" >/dev/null
  "$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >/dev/null
  local p
  for p in population population_disability population_migrant; do
    "$BIN/wiqaya-etl" load --population "$T/syn/$p.csv" >/dev/null
  done
}

SERVER_PID=
start_server() {
  # A server left over on the port would answer for this one: refuse to test against it
  # (after a moment: the front of a server just stopped ends just after it).
  local tries=0
  while curl -s --max-time 1 "http://127.0.0.1:$TEST_HTTP_PORT/healthz" >/dev/null 2>&1; do
    if ((++tries > 20)); then echo "Bail out! port $TEST_HTTP_PORT is already served"; exit 1; fi
    sleep 0.1
  done
  "$BIN/wiqaya-server" serve 2>"$T/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 50); do
    curl -s "http://127.0.0.1:$TEST_HTTP_PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Bail out! the server did not start"; cat "$T/server.log"; exit 1
}
stop_server() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
INTAKE_PID=
INTAKE_URL=http://127.0.0.1:$TEST_INTAKE_PORT
# start_intake: wiqaya-etl serve on the test config, waited for until it answers.
start_intake() {
  # (The front of an intake just killed ends a moment after it: its port is waited for.)
  local tries=0
  while curl -s --max-time 1 "$INTAKE_URL/healthz" >/dev/null 2>&1 && [[ -z $INTAKE_PID ]]; do
    if ((++tries > 20)); then echo "Bail out! port $TEST_INTAKE_PORT is already served"; exit 1; fi
    sleep 0.1
  done
  "$BIN/wiqaya-etl" serve 2>>"$T/intake.log" &
  INTAKE_PID=$!
  for _ in $(seq 1 100); do
    curl -s "$INTAKE_URL/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -s "$INTAKE_URL/healthz" >/dev/null 2>&1 || { echo "Bail out! the intake did not start"; cat "$T/intake.log"; exit 1; }
  # Until its committer has read the storage-key version, the intake answers submissions
  # with 503 and Retry-After (S2001), as it should while it starts: a test's first post
  # waits for it (up to 10 s; a test that starts the intake without its database goes on).
  for _ in $(seq 1 100); do
    curl -s "$INTAKE_URL/healthz" 2>/dev/null | jq -e '.key_version > 0' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 0
}
stop_intake() {
  [[ -n $INTAKE_PID ]] && kill "$INTAKE_PID" 2>/dev/null && wait "$INTAKE_PID" 2>/dev/null
  INTAKE_PID=
}
# post TOKEN TYPE FILE [CURL ARGS...]: POST FILE to /api/v1/cases; the body lands in
# $T/body, the status is printed.
post() {
  local tok=$1 type=$2 file=$3; shift 3
  curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
    -H "Content-Type: $type" --data-binary "@$file" "$@" "$INTAKE_URL/api/v1/cases"
}
# agency_tokens FILE: a JSON object of a submitter token for every agency of the NDJSON
# FILE, by agency (what tests/tools/intake_client.mjs sends each record with).
agency_tokens() {
  local a sep=
  echo "{"
  for a in $(grep -o '"agency":"[^"]*"' "$1" | cut -d'"' -f4 | sort -u); do
    printf '%s"%s":"%s"\n' "$sep" "$a" "$(new_token submitter "$a")"
    sep=,
  done
  echo "}"
}
# digest [COLUMN...]: one line per analytics table, its rows and a hash of their sorted
# text; each COLUMN left out of every row (a column an upgrade adds to old rows).
digest() {
  local row=t::text c
  if (($#)); then row="(to_jsonb(t)"; for c in "$@"; do row+=" - '$c'"; done; row+=")::text"; fi
  psql_t -c "SELECT string_agg(x, ' ' ORDER BY x) FROM (
    SELECT 'victim_year:' || count(*) || ':' || md5(coalesce(string_agg($row, '|' ORDER BY $row), '')) x FROM analytics.victim_year t
    UNION ALL SELECT 'case_fact:' || count(*) || ':' || md5(coalesce(string_agg($row, '|' ORDER BY $row), '')) FROM analytics.case_fact t
    UNION ALL SELECT 'offender_year:' || count(*) || ':' || md5(coalesce(string_agg($row, '|' ORDER BY $row), '')) FROM analytics.offender_year t
    UNION ALL SELECT 'intervention_fact:' || count(*) || ':' || md5(coalesce(string_agg($row, '|' ORDER BY $row), '')) FROM analytics.intervention_fact t
    UNION ALL SELECT 'population:' || count(*) || ':' || md5(coalesce(string_agg($row, '|' ORDER BY $row), '')) FROM analytics.population t) d"
}
# same_as_rebuild DESC: the analytics tables as they are equal those a full rebuild gives.
same_as_rebuild() {
  local before after
  before=$(digest)
  "$BIN/wiqaya-etl" refresh >/dev/null
  after=$(digest)
  eq "$1" "$before" "$after"
}

# api PATH: GET PATH, with the bearer token $TOKEN when it is set.
TOKEN=
api() { curl -s ${TOKEN:+-H "Authorization: Bearer $TOKEN"} "http://127.0.0.1:$TEST_HTTP_PORT$1"; }
# new_token ROLE [AGENCY]: a new token of ROLE, printed (the token command).
new_token() { "$BIN/wiqaya-server" token add --role "$1" ${2:+--agency "$2"} --name "test $1" 2>/dev/null; }
# new_period: an admin's new period (docs/privacy.md, "Periods"), and the wait until the
# server's column engine answers in it (it loads the period's version first).
new_period() {
  "$BIN/wiqaya-server" period new >"$T/period.out" || return 1
  local id mon; id=$(psql_t -c 'SELECT max(id) FROM auth.period') mon=$(new_token monitor)
  for _ in $(seq 1 100); do
    curl -s -H "Authorization: Bearer $mon" "http://127.0.0.1:$TEST_HTTP_PORT/metrics" |
      awk -v id="$id" '$1 == "wiqaya_engine_period" && $2 >= id { f = 1 } END { exit !f }' && return 0
    sleep 0.1
  done
  return 1
}
# ask: asks each of QUERIES (an array of API paths) with $TOKEN, into $T/asked-I.json.
ask() { local i; for i in "${!QUERIES[@]}"; do api "${QUERIES[$i]}" >"$T/asked-$i.json"; done; }
# asked_again SAME FREE: asks each of QUERIES again with $TOKEN (into $T/again-I.json) and
# checks, under the descriptions SAME and FREE, that each answer is the one saved in
# $T/asked-I.json (its disclosure block aside) and that none is charged: the ledger
# remembers its cells. For what must not change an answer (a restore, a spread layout).
asked_again() {
  local i same=0 free=0
  for i in "${!QUERIES[@]}"; do
    api "${QUERIES[$i]}" >"$T/again-$i.json"
    cmp -s <(jq -S 'del(.metaData.disclosure)' "$T/asked-$i.json") <(jq -S 'del(.metaData.disclosure)' "$T/again-$i.json") && same=$((same + 1))
    [[ $(jq '.metaData.disclosure.epsilon_charged' "$T/again-$i.json") == 0 ]] && free=$((free + 1))
  done
  eq "$1 (${#QUERIES[@]} queries)" "$same" "${#QUERIES[@]}"
  eq "$2" "$free" "${#QUERIES[@]}"
}
# exact QUERY: the exact cells of an analytics query (tests/tools/cells.c), never served.
exact() { "$BIN/tool_cells" "$1"; }
# generous_budgets: budgets no functional test can exhaust (the attack tests keep theirs).
generous_budgets() {
  printf '[disclosure]\nbudget_researcher = 1000000\nbudget_policy = 1000000\nbudget_admin = 1000000\nbudget_public = 1000000\n' >>"$CONF"
}

cleanup() { stop_server; stop_intake; [[ -z ${TEST_TMP:-} ]] && rm -rf "$T"; }
trap cleanup EXIT

# dump_db FILE [PG_DUMP OPTIONS]: pg_dump of the test database.
dump_db() {
  local out=$1; shift
  PGPASSFILE="$(awk -F' *= *' '$1 == "passwords" { print $2; exit }' "$CONF")/all.pgpass" \
  "/usr/lib/postgresql/15/bin/pg_dump" -h "$(awk -F' *= *' '/^host/{print $2; exit}' "$CONF" | cut -d' ' -f1)" \
    -p "$(awk -F' *= *' '/^port/{print $2; exit}' "$CONF" | cut -d' ' -f1)" -U postgres -d "$DB" "$@" >"$out"
}

# integrity DESC: the warehouse has no orphan or dangling reference.
integrity() { eq "$1" "$(psql_t -c 'SELECT sum(n) FROM warehouse.integrity()')" "0"; }
