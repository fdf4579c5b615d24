# Foundation: migrations, roles and grants, configuration errors from the command line.
source "$(dirname "$0")/../lib.sh"
fresh_db foundation

out=$(cluster_lock "$BIN/wiqaya-etl" migrate 2>&1)
eq "migrate twice applies nothing the second time" "$out" "0 migrations applied, 0 function files applied"
eq "every migration is recorded" "$(psql_t -c 'SELECT count(*) FROM public.schema_migrations')" \
  "$(ls "$ROOT"/sql/migrations/*.sql | wc -l)"

as_role() { # as_role ROLE SQL: runs SQL connected as ROLE
  local role=$1; shift
  "$ROOT/scripts/pg.sh" psql -X -q -At -U "$role" -d "$DB" -c "$1" 2>&1
}

# wiqaya_reader cannot read any warehouse table; it reads analytics; writes nothing there.
tables=$(psql_t -c "SELECT tablename FROM pg_tables WHERE schemaname = 'warehouse' ORDER BY 1")
denied=0 total=0
for t in $tables; do
  total=$((total + 1))
  if as_role wiqaya_reader "SELECT 1 FROM warehouse.\"$t\" LIMIT 1" | grep -q "permission denied"; then
    denied=$((denied + 1))
  fi
done
eq "wiqaya_reader is denied every warehouse table ($total tables)" "$denied" "$total"
check "there are warehouse tables to deny" test "$total" -ge 9
eq "wiqaya_reader reads analytics" "$(as_role wiqaya_reader 'SELECT count(*) FROM analytics.victim_year')" "0"
check "wiqaya_reader cannot write analytics" \
  bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -d $DB -c 'DELETE FROM analytics.victim_year' 2>&1 | grep -q 'permission denied'"
check "wiqaya_reader cannot call the rebuild" \
  bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -d $DB -c 'SELECT warehouse.rebuild_analytics()' 2>&1 | grep -q 'permission denied'"
check "wiqaya_loader cannot create tables" \
  bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_loader -d $DB -c 'CREATE TABLE warehouse.x (a int)' 2>&1 | grep -q 'permission denied'"
eq "wiqaya_loader writes the warehouse" \
  "$(as_role wiqaya_loader "INSERT INTO warehouse.population (year, region, sex, age, population) VALUES (2025, 'DC-01', 'female', 3, 100) RETURNING population")" "100"
# The roles as the docs promise them: no object of their own (the reader not even a
# temporary one; the loader stages chunks in temporary tables), no other database, and
# auth and audit only as granted.
denied() { "$ROOT/scripts/pg.sh" psql -X -q -U "$1" -d "${3:-$DB}" -c "$2" 2>&1 | grep -qE 'permission denied|not permitted'; }
check "wiqaya_reader cannot create a temporary table" denied wiqaya_reader "CREATE TEMP TABLE x (a int)"
check "nor a temporary function" denied wiqaya_reader "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"
check "nor a temporary view" denied wiqaya_reader "CREATE TEMP VIEW v AS SELECT 1"
check "wiqaya_loader cannot create a function" denied wiqaya_loader "CREATE FUNCTION warehouse.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"
for r in wiqaya_reader wiqaya_loader; do
  check "$r cannot connect to the postgres database" denied $r "SELECT 1" postgres
  check "$r cannot connect to template1" denied $r "SELECT 1" template1
done
check "wiqaya_loader cannot read tokens" denied wiqaya_loader "SELECT 1 FROM auth.token"
check "nor the ledger" denied wiqaya_loader "SELECT 1 FROM auth.spend"
check "but may look one up by its keyed hash (the intake)" bash -c \
  "'$ROOT/scripts/pg.sh' psql -X -q -At -U wiqaya_loader -d $DB -c \"SELECT count(*) FROM auth.lookup('\\\\x00')\" | grep -qx 0"
eq "no default privilege on auth or audit for the loader" \
  "$(psql_t -c "SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname IN ('auth', 'audit') AND d.defaclacl::text LIKE '%wiqaya_loader%'")" "0"
check "wiqaya_reader cannot revoke its way out of the ledger" denied wiqaya_reader "DELETE FROM auth.spend"
check "nor rewrite it" denied wiqaya_reader "UPDATE auth.released SET at = now()"
check "nor forget a released cell" denied wiqaya_reader "DELETE FROM auth.released"
check "nor read the warehouse's salts" denied wiqaya_reader "SELECT salt FROM warehouse.person"
check "nor derive a record key" denied wiqaya_reader "SELECT warehouse.year_key('\\x00', 'victim', 2020)"
check "no pseudonym or person id column in analytics (the refresh's row keys aside)" \
  bash -c "[ -z \"\$(WIQAYA_CONF=$CONF '$ROOT/scripts/pg.sh' psql -X -At -c \"SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' AND (column_name LIKE '%token%' OR column_name IN ('person_id', 'case_key', 'batch_key', 'case_id') OR (data_type = 'bytea' AND column_name <> 'row_key'))\")\" ]"
# The row keys (16 bytes from a person's random salt and a year) tell the
# refresh which rows to replace; the reader cannot even read them.
for t in victim_year case_fact offender_year intervention_fact; do
  check "wiqaya_reader cannot read analytics.$t.row_key" \
    bash -c "'$ROOT/scripts/pg.sh' psql -X -q -U wiqaya_reader -d $DB -c 'SELECT row_key FROM analytics.$t' 2>&1 | grep -q 'permission denied'"
done
eq "wiqaya_reader reads the other columns" "$(as_role wiqaya_reader 'SELECT count(*) FROM (SELECT year, region, record_key FROM analytics.case_fact) x')" "0"

# An edited migration is detected, never silently skipped.
mig=$T/migrations
cp -r "$ROOT/sql/migrations" "$mig"
sed "s|^migrations *=.*|migrations = $mig|" "$CONF" >"$T/mig.conf"
echo "-- edited" >>"$mig/000_baseline.sql"
status "an edited migration is refused" 2 cluster_lock "$BIN/wiqaya-etl" -c "$T/mig.conf" migrate
check "the refusal names S4002 and the file" grep -q 'S4002.*000_baseline.sql' "$T/last"

# Configuration errors name the file, the line and the key.
status "a missing config is fatal" 2 "$BIN/wiqaya-etl" -c /nonexistent.conf migrate
check "it names the file (S1001)" grep -q 'S1001.*/nonexistent.conf' "$T/last"
printf '[database]\nport = 99999\n' >"$T/bad.conf"
status "a bad value is fatal" 2 "$BIN/wiqaya-server" -c "$T/bad.conf" serve
check "it names the key and the line" bash -c "grep -q 'S1004.*\"port\"' '$T/last' && grep -q 'line 2' '$T/last'"

# The server refuses to listen beyond loopback without TLS (tests/integration/access.sh
# has the rest).
sed "s|^listen *= *127.0.0.1|listen = 0.0.0.0|" "$CONF" >"$T/open.conf"
status "the server refuses a public address without TLS" 2 "$BIN/wiqaya-server" -c "$T/open.conf" serve
check "and says why" grep -q 'without TLS' "$T/last"

# pg.sh in a checkout with mode 0700, which the postgres user cannot enter, creates its
# cluster without a word about it (PostgreSQL's programs said "could not change
# directory" four times).
mkdir -m 0700 "$T/private"
cp -r "$ROOT/scripts" "$ROOT/config" "$T/private/"
(cd "$T/private" && env -u WIQAYA_CONF scripts/pg.sh start >"$T/pgsh.out" 2>&1)
check "a fresh cluster from a 0700 checkout starts quietly" bash -c \
  "! grep -q 'could not change' '$T/pgsh.out' && ! [[ -s '$T/pgsh.out' ]]"
(cd "$T/private" && env -u WIQAYA_CONF scripts/pg.sh destroy >/dev/null 2>&1)

# Boundaries of the layout (docs/architecture.md): who includes whom, who links what. A
# folder includes only itself and the folders below it: no arrow runs back up.
layer() { # layer FOLDER ALLOWED...: every quoted include of FOLDER's files is of ALLOWED
  local dir=$1; shift
  local pattern; pattern=$(printf '%s|' "$@"); pattern=${pattern%|}
  ! grep -HoE '#include "[a-z_/]+\.h"' "$ROOT/$dir"/*.[ch] | grep -vE "#include \"($pattern)/[a-z_]+\.h\""
}
check "common/ includes only common/" layer common common
check "stats/ includes only common/ and stats/" layer stats common stats
check "synth/ includes only common/ and synth/ (no key, no loader)" layer synth common synth
check "etl/pseudonym/ includes only common/ and itself" layer etl/pseudonym common etl/pseudonym
check "etl/load/ includes only common/, etl/pseudonym/ and itself" layer etl/load common etl/pseudonym etl/load
check "etl/ops/ includes only common/, etl/pseudonym/, etl/load/, itself and stats/'s outliers" layer etl/ops common etl/pseudonym etl/load etl/ops stats
check "of stats/, etl/ops/ includes only the outliers (no GSL in wiqaya-etl)" bash -c "! grep -hoE '#include \"stats/[a-z_]+\.h\"' '$ROOT'/etl/ops/*.[ch] | grep -v 'stats/outlier.h'"
check "etl/intake/ includes only common/, etl/pseudonym/, etl/load/, etl/ops/ (an agency's quality) and itself" layer etl/intake common etl/pseudonym etl/load etl/ops etl/intake
check "etl/ (the commands) includes nothing of server/, stats/ or synth/" layer etl common etl etl/pseudonym etl/load etl/ops etl/intake
check "server/ includes only common/, stats/ and itself" layer server common stats server
check "stats/ includes no libpq or libmicrohttpd" bash -c "! grep -lE '#include <(libpq|microhttpd)' '$ROOT'/stats/*.[ch]"
check "wiqaya-synth links Jansson and no database, HTTP or crypto library, and no key code" bash -c \
  "ldd '$BIN/wiqaya-synth' | grep -q libjansson && ! ldd '$BIN/wiqaya-synth' | grep -qE 'libpq|microhttpd|sodium|utf8proc|icu' && ! nm '$BIN/wiqaya-synth' | grep -qE ' T (pseudo_|keys_|link_|db_|rec_)'"
check "wiqaya-stats links GSL and Jansson, no database, HTTP or crypto library" bash -c \
  "ldd '$BIN/wiqaya-stats' | grep -q libgsl && ! ldd '$BIN/wiqaya-stats' | grep -qE 'libpq|microhttpd|sodium|utf8proc|icu'"
check "wiqaya-server links no normalisation library (utf8proc, ICU) and no pseudonymisation code" bash -c \
  "ldd '$BIN/wiqaya-server' | grep -q libmicrohttpd && ! ldd '$BIN/wiqaya-server' | grep -qE 'utf8proc|icu' && ! nm '$BIN/wiqaya-server' | grep -qE ' T (pseudo_|keys_load|link_)'"

# Every command answers COMMAND --help with its usage, taken from the command table.
for c in keygen fingerprint migrate load refresh rekey retention; do
  check "wiqaya-etl $c --help" bash -c "'$BIN/wiqaya-etl' $c --help | grep -q '^usage: wiqaya-etl $c'"
done
for c in serve keygen token audit; do
  check "wiqaya-server $c --help" bash -c "'$BIN/wiqaya-server' $c --help | grep -q '^usage: wiqaya-server $c'"
done
check "the load usage names --no-refresh" bash -c "'$BIN/wiqaya-etl' --help | grep -q -- '--no-refresh'"
status "an unknown option of synth is bad usage" 2 "$BIN/wiqaya-synth" --colour --out "$T/x"
check "answered with synth's usage" grep -q '^usage: wiqaya-synth' "$T/last"

# The four programs answer --help and --version.
for p in wiqaya-etl wiqaya-server wiqaya-stats wiqaya-synth; do
  check "$p --help" "$BIN/$p" --help
  check "$p --version" bash -c "'$BIN/$p' --version | grep -q '^$p '"
done
# --- the planner's view of the analytics (issue 26: the SQL path's own fixes) ---
# A rebuild leaves fresh statistics (warehouse.analyze_analytics): the planner does not
# take the refilled tables for empty until autovacuum comes by.
"$BIN/wiqaya-etl" load "$ROOT/tests/data/slice.ndjson" >/dev/null 2>&1
counts=$(for t in case_fact intervention_fact offender_year population victim_year; do
  echo "('$t', (SELECT count(*) FROM analytics.$t))"; done | paste -sd,)
eq "after a load's rebuild the planner knows every analytics table's rows" \
  "$(psql_t -c "SELECT string_agg(t.name || ':' || (c.reltuples = t.n), ' ' ORDER BY t.name)
    FROM (VALUES $counts) t(name, n) JOIN pg_class c ON c.oid = ('analytics.' || t.name)::regclass")" \
  "case_fact:true intervention_fact:true offender_year:true population:true victim_year:true"
# The facts are partitioned by year (migration 023): each year the slice reaches has its
# partition, the default holds nothing, and the reader reads no partition directly (the
# parent's columns only, the row key not among them).
eq "a partition a year of the slice, for every fact table, the defaults empty" \
  "$(psql_t -c "SELECT bool_and(n = (SELECT count(DISTINCT year) FROM analytics.case_fact)) FROM (SELECT i.inhparent, count(*) - 1 AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relnamespace = 'analytics'::regnamespace AND p.relname IN ('victim_year', 'case_fact') GROUP BY 1) x")|$(psql_t -c 'SELECT (SELECT count(*) FROM analytics.victim_year_default) + (SELECT count(*) FROM analytics.case_fact_default)')" "t|0"
parts=$(psql_t -c "SELECT string_agg(i.inhrelid::regclass::text, ' ') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind = 'r'")
readable=0
for p in $parts; do
  "$ROOT/scripts/pg.sh" psql -X -q -U wiqaya_reader -d "$DB" -c "SELECT year FROM $p LIMIT 1" 2>&1 | grep -q 'permission denied' || readable=$((readable + 1))
done
eq "wiqaya_reader reads none of the $(wc -w <<<"$parts") partitions directly" "$readable" 0
eq "no JIT in the warehouse's database (the reader's sessions included)" "$(as_role wiqaya_reader 'SHOW jit')" "off"

# --- every role logs in with its own password (scripts/pg.sh, common/db.h) ---
roles_dir=$(awk -F' *= *' '$1 == "passwords" { print $2; exit }' "$CONF")
pg_host=$(awk -F' *= *' '$1 == "host" { print $2; exit }' "$CONF")
pg_port=$(awk -F' *= *' '$1 == "port" { print $2; exit }' "$CONF")
check "the cluster keeps one password file a role" test -s "$roles_dir/wiqaya_reader.pgpass" -a -s "$roles_dir/wiqaya_loader.pgpass"
eq "each readable by its owner only" "$(stat -c %a "$roles_dir/wiqaya_reader.pgpass" "$roles_dir/wiqaya_loader.pgpass" | sort -u)" "600"
# connect_as ROLE PASSFILE: what psql says connecting as ROLE with only PASSFILE's passwords.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
connect_as() { PGPASSFILE=$2 "$PG_BIN/psql" -w -X -h "$pg_host" -p "$pg_port" -U "$1" -d "$DB" -Atc 'SELECT current_user' 2>&1; }
refused() { connect_as "$1" "$2" | grep -q "$3"; }
: >"$T/none.pgpass"; chmod 600 "$T/none.pgpass"
admin_role=$(awk -F' *= *' '$1 == "admin_user" { print $2; exit }' "$CONF")
for role in wiqaya_reader wiqaya_loader "$admin_role"; do
  check "$role without a password: refused" refused "$role" "$T/none.pgpass" 'no password supplied'
done
awk -F: '{ print "*:*:*:wiqaya_loader:" $5 }' "$roles_dir/wiqaya_reader.pgpass" >"$T/swapped.pgpass"; chmod 600 "$T/swapped.pgpass"
check "the reader's password does not open the loader's role" refused wiqaya_loader "$T/swapped.pgpass" 'password authentication failed'

eq "the reader's own file opens the reader's role" "$(connect_as wiqaya_reader "$roles_dir/wiqaya_reader.pgpass")" "wiqaya_reader"
# Each program needs its own role's file only: with a folder holding the reader's alone,
# the server answers and the loader cannot connect.
mkdir -p "$T/reader_only"; chmod 700 "$T/reader_only"
cp "$roles_dir/wiqaya_reader.pgpass" "$T/reader_only/"
sed "s|^passwords *=.*|passwords = $T/reader_only|" "$CONF" >"$T/reader_only.conf"
WIQAYA_CONF=$T/reader_only.conf start_server
eq "the server, with the reader's file alone, reaches the database" \
  "$(curl -s "http://127.0.0.1:$TEST_HTTP_PORT/healthz" | jq -r .database)" "ok"
stop_server
check "the loader, with the reader's file alone, cannot connect (S2001)" bash -c \
  "WIQAYA_CONF='$T/reader_only.conf' '$BIN/wiqaya-etl' refresh 2>&1 | grep -q S2001"

echo "1..$n"
