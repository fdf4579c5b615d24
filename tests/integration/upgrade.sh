# Upgrade: a database built by the code before sql/functions existed (commit b839482: ten
# migrations, every function defined inside them, a loaded country) migrates to the layout
# of today with every analytics row unchanged, and then has the schema of a new database
# (000_baseline, then the function files) object for object; a second migrate is a no-op;
# a changed function file is applied again exactly once, a changed builder rebuilds the
# analytics once, and so does a change of an agency's source; and every live function has
# exactly one definition in the tree.
source "$(dirname "$0")/../lib.sh"
OLD_COMMIT=b839482
fresh_db upgrade
psql_admin -c "DROP DATABASE $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null

# The old code, built once per checkout into var/ (outside build/, whose dependency files
# make reads): its wiqaya-etl migrates, generates and loads as that code did.
old=$ROOT/var/upgrade-from-$OLD_COMMIT
if [[ ! -x $old/build/bin/wiqaya-etl ]]; then
  rm -rf "$old" && mkdir -p "$old"
  if ! git -C "$ROOT" archive "$OLD_COMMIT" | tar -x -C "$old" ||
     ! make -C "$old" -j2 BUILD=build build/bin/wiqaya-etl >"$T/old-build.log" 2>&1; then
    echo "Bail out! could not build the code of $OLD_COMMIT"; tail "$T/old-build.log"; exit 1
  fi
fi
# (without the keys it did not know yet)
new_keys='/^functions *=/d; /^official_releases *=/d; /^approval_grace_days *=/d; /^release_calendar *=/d; /^fixed_noise_scale *=/d; /^release_days *=/d; /^min_body_rate *=/d; /^auth_failures_per_minute *=/d; /^passwords *=/d; /^column_engine *=/d; /^cache_mb *=/d; /^embed_ancestors *=/d; /^floor_spread *=/d'
# The old code knows no [database] passwords: libpq finds its roles' passwords in the
# operator's file instead (scripts/pg.sh).
export PGPASSFILE=$(awk -F' *= *' '$1 == "passwords" { print $2; exit }' "$CONF")/all.pgpass
sed "s|^migrations *=.*|migrations = $old/sql/migrations|; $new_keys" "$CONF" >"$T/old.conf"
OLD=("$old/build/bin/wiqaya-etl" -c "$T/old.conf")
cluster_lock "${OLD[@]}" migrate >/dev/null
"${OLD[@]}" synth --seed 23 --cases 3000 --out "$T/syn" >/dev/null
"${OLD[@]}" load "$T/syn/cases.ndjson" >/dev/null
for p in population population_disability population_migrant; do
  "${OLD[@]}" load --population "$T/syn/$p.csv" >/dev/null
done
eq "the old code made ten migrations and no function file" \
  "$(psql_t -c "SELECT count(*), to_regclass('public.schema_functions') IS NULL FROM schema_migrations")" "10|t"
# (The old code's rows, without the columns added since: a child-year's sources and report delay.)
before=$(digest sources report_delay)
check "the old code's country has analytics" test "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year')" -gt 2000

nfiles=$(cd "$ROOT/sql/functions" && find . -name '*.sql' | wc -l)
# The migrations after the ten (000_baseline replaces them: recorded, not run).
nmig=$(ls "$ROOT"/sql/migrations | awk '$0 > "010"' | wc -l)
out=$(cluster_lock "$BIN/wiqaya-etl" migrate 2>&1)
eq "migrate applies the new migrations and every function file, and rebuilds once" "$out" \
  "$nmig migration$([[ $nmig == 1 ]] || echo s) applied, $nfiles function files applied, analytics rebuilt"
eq "every analytics row is unchanged by the upgrade" "$(digest sources report_delay)" "$before"
eq "and every child-year has its sources" \
  "$(psql_t -c 'SELECT count(*) FROM analytics.victim_year WHERE sources IS NULL')" "0"
v=$(psql_t -c 'SELECT version FROM analytics.data_version')
out=$(cluster_lock "$BIN/wiqaya-etl" migrate 2>&1)
eq "a second migrate is a no-op" "$out" "0 migrations applied, 0 function files applied"
eq "and rebuilds nothing: the data version stays" "$(psql_t -c 'SELECT version FROM analytics.data_version')" "$v"
same_as_rebuild "a rebuild after the upgrade gives the same rows"

eq "the baseline is recorded, not run, beside the ten it replaces" \
  "$(psql_t -c "SELECT count(*) FROM schema_migrations WHERE name <= '010_intake.sql'")" "11"

# The upgraded database is a new one, object for object: the schema (pg_dump: tables,
# columns in order, constraints and their names, indexes, triggers, functions, grants,
# default privileges) and what pg_dump leaves out (the database's own grants, the rows a
# migration inserts).
schema() {
  # (The facts' partitions of a year are made by the data: migration 023.)
  dump_db "$1" --schema-only --exclude-table='public.schema_*' --exclude-table='analytics.*_[0-9][0-9][0-9][0-9]'
  sed -i -e '/^\\\(un\)\?restrict /d' -e '/^--/d' -e '/^$/d' "$1"
  psql_t -c "SELECT datacl FROM pg_database WHERE datname = current_database()" \
    -c "SELECT * FROM warehouse.key_state" -c "SELECT token_id, role, name FROM auth.token WHERE token_id = 0" \
    -c "SELECT singleton, item_cap FROM analytics.data_version" | sed "s/$DB/DB/" >>"$1"
}
schema "$T/upgraded.sql"
fresh_db upgrade_fresh
schema "$T/fresh.sql"
check "a new database has the schema of an upgraded one ($(wc -l <"$T/fresh.sql") lines of pg_dump)" \
  diff "$T/fresh.sql" "$T/upgraded.sql"
test_config upgrade

# A changed function file is applied again, once; a changed builder rebuilds, once.
cp -r "$ROOT/sql/functions" "$T/functions"
sed "s|^functions *=.*||; s|^migrations *=.*|migrations = $ROOT/sql/migrations\nfunctions = $T/functions|" "$CONF" >"$T/fn.conf"
echo "-- a comment changes the checksum" >>"$T/functions/auth.lookup.sql"
eq "a changed function file is applied again" "$(cluster_lock "$BIN/wiqaya-etl" -c "$T/fn.conf" migrate 2>&1)" \
  "0 migrations applied, 1 function file applied"
eq "exactly once" "$(cluster_lock "$BIN/wiqaya-etl" -c "$T/fn.conf" migrate 2>&1)" "0 migrations applied, 0 function files applied"
v=$(psql_t -c 'SELECT version FROM analytics.data_version')
echo "-- a comment changes the checksum" >>"$T/functions/analytics/warehouse.victim_years.sql"
eq "a changed builder is applied and rebuilds the analytics" "$(cluster_lock "$BIN/wiqaya-etl" -c "$T/fn.conf" migrate 2>&1)" \
  "0 migrations applied, 1 function file applied, analytics rebuilt"
eq "once: the data version moved by one" "$(psql_t -c 'SELECT version FROM analytics.data_version')" "$((v + 1))"
eq "the rebuilt rows are the same" "$(digest sources report_delay)" "$before"
# The agencies' sources (agencies.csv's source column): a change is a rebuild, once; a
# source the sources' code list cannot label stops migrate, changing nothing.
cp -r "$ROOT/config/codelists" "$T/lists"
sed "s|^codelists *=.*|codelists = $T/lists|" "$T/fn.conf" >"$T/lists.conf"
hotline() { psql_t -c "SELECT count(*) FROM analytics.victim_year WHERE sources LIKE '%hotline%'"; }
was=$(hotline)
sed -i 's/^\(DC-HOT-00,.*\),hotline$/\1,health/; s/^\(DC-HOSP-01,.*\),health$/\1,hotline/' "$T/lists/agencies.csv"
eq "two agencies given each other's source rebuild the analytics" "$(cluster_lock "$BIN/wiqaya-etl" -c "$T/lists.conf" migrate 2>&1)" \
  "0 migrations applied, 0 function files applied, analytics rebuilt"
check "their children are the other source's now ($was child-years of the hotline, then $(hotline))" test "$(hotline)" -ne "$was"
eq "once" "$(cluster_lock "$BIN/wiqaya-etl" -c "$T/lists.conf" migrate 2>&1)" "0 migrations applied, 0 function files applied"
sed -i 's/^\(DC-FIU-00,.*\),police$/\1,finance/' "$T/lists/agencies.csv"
status "a source that no code of sources.csv names stops migrate" 2 cluster_lock "$BIN/wiqaya-etl" -c "$T/lists.conf" migrate
check "saying S4007 and the set" grep -q 'S4007.*"finance" is not a code' "$T/last"
eq "changing nothing" "$(psql_t -c "SELECT source FROM warehouse.agency_source WHERE agency = 'DC-FIU-00'")" "police"
sed -i 's/^\(DC-FIU-00,.*\),finance$/\1,police/; s/^\(DC-HOSP-01,.*\),hotline$/\1,health/; s/^\(DC-HOT-00,.*\),health$/\1,police/' "$T/lists/agencies.csv"
status "a source of sources.csv that no agency has stops migrate" 2 cluster_lock "$BIN/wiqaya-etl" -c "$T/lists.conf" migrate
check "saying S4007 and the source" grep -q 'S4007.*"hotline" of the sources.* is no agency' "$T/last"
sed -i 's/^\(DC-HOT-00,.*\),police$/\1,hot line/' "$T/lists/agencies.csv"
status "a source that is no code stops migrate" 2 cluster_lock "$BIN/wiqaya-etl" -c "$T/lists.conf" migrate
check "saying S1102 and the line" grep -q "S1102.*agencies.csv" "$T/last"
cp "$ROOT/config/codelists/agencies.csv" "$T/lists/"
eq "the shipped sources again: a rebuild" "$(cluster_lock "$BIN/wiqaya-etl" -c "$T/lists.conf" migrate 2>&1)" \
  "0 migrations applied, 0 function files applied, analytics rebuilt"
eq "and the rows of before" "$(digest sources report_delay)" "$before"
# A new migration and a broken function file in one run: neither lands (one transaction).
cp -r "$ROOT/sql/migrations" "$T/migs"
echo 'CREATE TABLE warehouse.probe (x integer);' >"$T/migs/999_probe.sql"
sed -i "s|^migrations *=.*|migrations = $T/migs|" "$T/fn.conf"
sed -i 's/SELECT a\[1:cap\]/SELECT a[1:cap] FROM no_such_table/' "$T/functions/analytics/analytics.cap_items.sql"
echo "-- changed" >>"$T/functions/auth.charge.sql"
charge_sum() { psql_t -c "SELECT checksum FROM schema_functions WHERE name = 'auth.charge.sql'"; }
sum=$(charge_sum)
status "a function file PostgreSQL refuses stops migrate" 2 cluster_lock "$BIN/wiqaya-etl" -c "$T/fn.conf" migrate
check "naming S4004 and the file" grep -q 'S4004.*no_such_table' "$T/last"
check "and the hint names the file" grep -q 'analytics.cap_items.sql' "$T/last"
eq "nothing of that run remains (auth.charge's change is not recorded)" "$(charge_sum)" "$sum"
eq "nor the migration before it (no table, no record)" \
  "$(psql_t -c "SELECT to_regclass('warehouse.probe') IS NULL, count(*) FROM schema_migrations WHERE name = '999_probe.sql'")" "t|0"

# A database that stopped part of the way (migrations 001-005 of the ten) is refused, not
# half upgraded: it must first be migrated by a release that has the rest.
fresh_db upgrade_partial
psql_admin -c "DROP DATABASE $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
mkdir -p "$T/five" && cp "$old"/sql/migrations/00[1-5]_*.sql "$T/five/"
sed "s|^migrations *=.*|migrations = $T/five|; $new_keys" "$CONF" >"$T/five.conf"
cluster_lock "$old/build/bin/wiqaya-etl" -c "$T/five.conf" migrate >/dev/null
status "migrate refuses a database that has five of the ten migrations the baseline replaces" 2 \
  cluster_lock "$BIN/wiqaya-etl" migrate
check "saying S4005 and what to do" bash -c "grep -q 'S4005.*5 of the 10.*000_baseline.sql' '$T/last' && grep -qi 'release that has those migrations' '$T/last'"
eq "and changing nothing" "$(psql_t -c 'SELECT count(*) FROM schema_migrations')" "5"
test_config upgrade

# One definition per live function: every function of our schemas has one file named after
# it, which is its only CREATE in the tree.
missing=
while IFS='|' read -r schema name; do
  files=$(grep -rlE "^CREATE (OR REPLACE )?FUNCTION $schema\.$name\(" "$ROOT/sql")
  [[ $files == "$ROOT/sql/functions/"*"$schema.$name.sql" && $(wc -l <<<"$files") == 1 ]] ||
    missing+="$schema.$name:[$files] "
done < <(psql_t -c "SELECT DISTINCT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname IN ('warehouse', 'analytics', 'auth', 'audit') ORDER BY 1, 2")
eq "every live function has exactly one definition, in its own file of sql/functions" "$missing" ""
eq "no migration defines a function" \
  "$(grep -lE '^CREATE (OR REPLACE )?FUNCTION' "$ROOT"/sql/migrations/*.sql || true)" ""
eq "no counting rule is formatted at run time (EXECUTE format)" \
  "$(grep -rl --include='*.sql' 'EXECUTE format' "$ROOT/sql/functions/analytics" || true)" ""
# Elsewhere (the partitions, named by their year) only with the reason beside it.
eq "and any other function that formats its SQL says why" \
  "$(for f in $(grep -rl --include='*.sql' 'EXECUTE format' "$ROOT/sql/functions"); do grep -q -- '-- .*EXECUTE format: ' "$f" || echo "$f"; done)" ""
echo "1..$n"
