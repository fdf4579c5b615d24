# The full rebuild on several connections (etl/load/rebuild.c): every row as the rebuild in
# one transaction (warehouse.rebuild_analytics) gives it; the rows of one snapshot, whatever
# commits while the facts are built; and a builder that fails leaves the analytics, the
# data version and the queue as they were.
source "$(dirname "$0")/../lib.sh"
fresh_db rebuild
"$BIN/wiqaya-synth" --seed 52 --cases 12000 --bad-rate 0 --out "$T/syn" >/dev/null
"$BIN/wiqaya-synth" --seed 53 --cases 300 --bad-rate 0 --out "$T/more" >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population.csv" >/dev/null 2>&1
version() { psql_t -c 'SELECT version FROM analytics.data_version'; }
queued() { psql_t -c 'SELECT count(*) FROM warehouse.refresh_queue'; }
# builder FUNCTION: the backends of the rebuild's connection building that fact.
# (every probe of pg_stat_activity and pg_locks keeps to this script's database: other
# scripts rebuild in theirs at the same time)
builder() { psql_t -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT * FROM warehouse.$1(%'"; }
# seen QUERY WAIT: whether a session of this database runs a query LIKE QUERY and waits as
# WAIT says (its wait_event_type, or the event itself).
seen() { [[ -n $(psql_t -c "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                            AND query LIKE '$1' AND '$2' IN (wait_event_type, wait_event)") ]]; }
# waiting FUNCTION: whether that fact's builder waits for a lock.
waiting() { seen "COPY (SELECT * FROM warehouse.$1(%" Lock; }
until_true() { local i; for i in $(seq 1 300); do "$@" && return 0; sleep 0.1; done; return 1; }

# ---- the first load: a queue of 12,000 cases is rebuilt whole, on several connections ----
# hold NAME SQL: a test session holding a lock (SQL) for up to 600 s, named by its sleep;
# free NAME ends it.
hold() {
  psql_t -c "BEGIN" -c "$2" -c "SELECT pg_sleep(600) /* $1 */" >/dev/null 2>&1 &
  until_true seen "%/* $1 */" PgSleep
}
free() { psql_t -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%/* $1 */'" >/dev/null; }
# The rebuild waits for a reader of case_fact to end (its TRUNCATE), its snapshot taken;
# meanwhile another batch commits, which that snapshot does not hold. Then its builder of
# victim-years waits for the agencies' sources, held by another session, so that the
# load's refresh is seen building on connections of its own.
# How many times each warehouse table a refresh reads was analysed by hand, before the load.
analysed_before=$(psql_t -c "SELECT string_agg(relname || '=' || analyze_count, ' ') FROM pg_stat_user_tables
                             WHERE schemaname = 'warehouse' AND relname IN ('case', 'victim', 'offender', 'person', 'intervention')")
hold reader "LOCK TABLE analytics.case_fact IN ACCESS SHARE MODE"
hold sources "LOCK TABLE warehouse.agency_source IN ACCESS EXCLUSIVE MODE"
"$BIN/wiqaya-etl" load "$T/syn/cases.ndjson" >"$T/first.out" 2>&1 &
loader=$!
check "the load's rebuild waits for a reader of the analytics" until_true seen "%rebuild_start%" Lock
"$BIN/wiqaya-etl" load --no-refresh "$T/more/cases.ndjson" >/dev/null 2>&1
free reader
check "then builds the victim-years on a connection of its own" until_true waiting victim_years
# done: its connection idle in its transaction, its rows copied into the rebuild's
done_building() { [[ $(psql_t -c "SELECT state FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT * FROM warehouse.$1(%'") == "idle in transaction" ]]; }
# (on one core, one builder: the others wait behind the victim-years)
if (($(nproc) > 1)); then check "and the other facts meanwhile" until_true done_building intervention_facts; fi
free sources
wait "$loader"
eq "the load and its refresh succeed" "$?" 0
check "saying so" grep -q "analytics: data version" "$T/first.out"
# The warehouse's statistics too: the next small load plans its writes with them
# (warehouse.rebuild_finish).
analysed() {
  local t
  for t in $analysed_before; do # TABLE=COUNT
    (($(psql_t -c "SELECT analyze_count FROM pg_stat_user_tables WHERE schemaname = 'warehouse' AND relname = '${t%%=*}'") > ${t#*=})) || return 1
  done
}
check "and analyses the warehouse's five tables the refresh reads" until_true analysed
eq "the batch that committed meanwhile is still queued (the rebuild's snapshot is before it)" "$(psql_t -c "SELECT count(*) > 0 FROM warehouse.refresh_queue q JOIN warehouse.batch b USING (batch_id) WHERE b.accepted = 300")" t
eq "and none of its 300 cases is in the analytics (every builder read the rebuild's snapshot)" "$(psql_t -c "SELECT count(*) FROM analytics.case_fact")" 12000
eq "nor its victims" \
  "$(psql_t -c "SELECT count(*) FROM analytics.victim_year")" \
  "$(psql_t -c "SELECT count(DISTINCT (v.person_id, extract(year FROM c.reported))) FROM warehouse.victim v
                JOIN warehouse.\"case\" c USING (case_id) JOIN warehouse.batch b USING (batch_id) WHERE b.accepted = 12000")"
no_builder() { [[ $(psql_t -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT * FROM warehouse.%'") == 0 ]]; }
check "no builder's connection is left" until_true no_builder

# ---- every row as the rebuild in one transaction gives it ----
"$BIN/wiqaya-etl" refresh --queued >/dev/null
"$BIN/wiqaya-etl" load --population "$T/syn/population_disability.csv" >/dev/null 2>&1
check "wiqaya-etl refresh rebuilds on several connections" "$BIN/wiqaya-etl" refresh
# (TRUNCATE leaves a table's reltuples at -1, unknown, until it is analysed)
eq "each table's statistics are fresh (analysed in the rebuild, a fact once it is in)" \
  "$(psql_t -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'analytics'::regnamespace
                AND relname ~ '^((victim_year|case_fact|offender_year|intervention_fact)_[0-9]{4}|population)$'
                AND reltuples < 0")" 0
# At the facts' statistics target, 10 (warehouse.analyze_fact: at 25 the refresh of 80,000
# cases took 3.12-4.13 s against 2.61-2.84, its plans no better): a column of thousands of
# values, the record key, has a histogram of 11 bounds, not 26. Read on the partitioned
# facts themselves, which autovacuum never analyses (a partition it reached first would
# have the cluster's 101).
eq "the facts are analysed at a statistics target of 10 (histograms of 11 bounds)" \
  "$(psql_t -c "SELECT string_agg(tablename || '=' || array_length(histogram_bounds::text::bigint[], 1), ' ' ORDER BY tablename)
                FROM pg_stats WHERE schemaname = 'analytics' AND attname = 'record_key'
                AND tablename IN ('victim_year', 'case_fact')")" "case_fact=11 victim_year=11"
parallel=$(digest)
v=$(version)
psql_t -c "SELECT warehouse.rebuild_analytics()" >/dev/null
eq "every analytics row (victim-years, cases, offenders, interventions, population) is the one-transaction rebuild's" "$(digest)" "$parallel"
eq "with the data version after it" "$(version)" "$((v + 1))"
figure "$(tr ' ' '\n' <<<"$parallel" | cut -d: -f1,2 | paste -sd' ')"
eq "every table has rows" "$(psql_t -c "SELECT (SELECT count(*) > 0 FROM analytics.victim_year) AND (SELECT count(*) > 0 FROM analytics.case_fact)
  AND (SELECT count(*) > 0 FROM analytics.offender_year) AND (SELECT count(*) > 0 FROM analytics.intervention_fact)
  AND (SELECT count(*) > 0 FROM analytics.population)")" t

# ---- a builder that fails: nothing changes ----
before=$(digest) v=$(version)
psql_t -c "INSERT INTO warehouse.refresh_queue (person_id, salt) SELECT person_id, salt FROM warehouse.person LIMIT 5" >/dev/null
q=$(queued)
hold sources "LOCK TABLE warehouse.agency_source IN ACCESS EXCLUSIVE MODE"
"$BIN/wiqaya-etl" refresh >"$T/failed.out" 2>&1 &
refresher=$!
check "a rebuild's builder of victim-years waits" until_true waiting victim_years
psql_t -c "SELECT pg_terminate_backend($(builder victim_years))" >/dev/null
free sources
wait "$refresher"
eq "the rebuild whose builder was stopped fails" "$?" 2
check "with a numbered error" grep -q "S2002" "$T/failed.out"
eq "the analytics are as they were" "$(digest)" "$before"
eq "and so is the data version" "$(version)" "$v"
eq "and the queue" "$(queued)" "$q"
no_builder() { [[ $(psql_t -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT * FROM warehouse.%'") == 0 ]]; }
check "no builder's connection is left" until_true no_builder
check "the next rebuild succeeds" "$BIN/wiqaya-etl" refresh
eq "with the same rows" "$(digest)" "$before"
eq "and empties the queue" "$(queued)" 0

# ---- a lock wait through the rebuild, which PostgreSQL cannot see as a deadlock ----
# The rebuild holds its read of the cases while its TRUNCATE waits for a reader of
# case_fact; a session then asks for the cases alone (as a migration's ALTER would) and
# queues behind it; once the reader ends, every builder's read of the cases queues behind
# that session, which waits for the rebuild, which waits for its builders.
# cycle TAG TABLE HOLDER OUT WHAT: a session (tagged TAG) asks TABLE for itself and queues;
# HOLDER's lock is freed, and the rebuild ($refresher, its output in OUT) must fail with
# S2002 (WHAT says which), the session then have its lock.
cycle() {
  local alter
  psql_t -c "BEGIN" -c "LOCK TABLE $2 IN ACCESS EXCLUSIVE MODE /* $1 */" -c "SELECT pg_sleep(2)" >/dev/null 2>&1 &
  alter=$!
  until_true seen "%/* $1 */" Lock
  free "$3"
  wait "$refresher"
  eq "$5" "$?" 2
  check "saying so" grep -q "S2002: the analytics' builders wait for a lock that waits for the rebuild" "$4"
  wait "$alter"
  eq "the other session then has its lock" "$?" 0
}
before=$(digest) v=$(version)
hold reader "LOCK TABLE analytics.case_fact IN ACCESS SHARE MODE"
timeout 120 "$BIN/wiqaya-etl" refresh >"$T/cycle.out" 2>&1 &
refresher=$!
until_true seen "%rebuild_start%" Lock
cycle alter 'warehouse."case"' reader "$T/cycle.out" \
  "the rebuild whose builders wait for it fails (instead of waiting for ever)"
eq "the analytics are as they were" "$(digest)" "$before"
eq "and so is the data version" "$(version)" "$v"
check "no builder's connection is left" until_true no_builder

# ---- the same through a builder done with its facts, which keeps its reads to the end ----
# The victim-years' builder waits for the agencies' sources, having read the cases; the
# other builder is done (its reads of the interventions held until the rebuild ends); a
# session asks for the interventions alone and queues behind it; once the sources are
# free, the victim-years' read of the interventions queues behind that session. The
# rebuild itself holds no lock on them. (One core, one builder: not this case.)
if (($(nproc) > 1)); then
  hold sources "LOCK TABLE warehouse.agency_source IN ACCESS EXCLUSIVE MODE"
  timeout 120 "$BIN/wiqaya-etl" refresh >"$T/cycle2.out" 2>&1 &
  refresher=$!
  until_true waiting victim_years
  check "the other builder is done with its facts" until_true done_building intervention_facts
  cycle alter2 warehouse.intervention sources "$T/cycle2.out" \
    "a rebuild whose builder waits for another of its builders fails too"
  eq "the analytics are as they were" "$(digest)" "$before"
fi

# ---- a session queued behind the builders once they are done: the rebuild's analysis of
# the warehouse (warehouse.rebuild_finish) passes its table by instead of queueing behind
# it, which would wait for ever (the session waits for the builders, which end with the
# rebuild) ----
if (($(nproc) > 1)); then
  v=$(version)
  hold population "LOCK TABLE warehouse.population IN ACCESS EXCLUSIVE MODE"
  timeout 120 "$BIN/wiqaya-etl" refresh >"$T/late.out" 2>&1 &
  refresher=$!
  check "the builders are done, the rebuild's last step waits" until_true seen "%rebuild_finish%" Lock
  psql_t -c "BEGIN" -c "LOCK TABLE warehouse.person IN ACCESS EXCLUSIVE MODE /* late */" -c "SELECT pg_sleep(1)" >/dev/null 2>&1 &
  late=$!
  until_true seen "%/* late */" Lock
  free population
  wait "$refresher"
  eq "a session queued behind the done builders does not hold the rebuild up" "$?" 0
  wait "$late"
  eq "and has its lock once the rebuild ends" "$?" 0
  eq "the rebuild made its data version" "$(version)" "$((v + 1))"
  v=$(version)
fi

# ---- no builder's connection to be had: the facts built in the rebuild's transaction ----
# (the rebuild's own connection retries while another backend, autovacuum say, is in the
# database; a builder's connection is tried once)
alone() { [[ $(psql_t -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") == 0 ]]; }
until_true alone
psql_t -c "ALTER DATABASE $DB CONNECTION LIMIT 1" >/dev/null
"$BIN/wiqaya-etl" refresh >"$T/alone.out" 2>&1
eq "a rebuild when the database takes no more connection succeeds" "$?" 0
check "saying it built with no builder" grep -q "rebuild: 0 of [0-9] builders' connections" "$T/alone.out"
eq "and gives the same rows" "$(digest)" "$before"
eq "a new data version" "$(version)" "$((v + 1))"
psql_t -c "ALTER DATABASE $DB CONNECTION LIMIT -1" >/dev/null
