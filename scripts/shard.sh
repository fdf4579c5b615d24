#!/usr/bin/env bash
# The analytics facts of some years on other PostgreSQL servers (docs/operations.md,
# "Beyond one machine"): each year of the four fact tables is a partition (migration 023);
# a year moved to a node becomes a postgres_fdw foreign table of the same parent, and
# everything that reads or writes the parent (the server's SQL path, the column engine's
# load, the refresh, the rebuild) goes on unchanged. Run on the coordinator's
# configuration, as [database] admin_user. A node is a PostgreSQL server with a database
# migrated by `wiqaya-etl migrate` (the roles, with the same passwords).
#
#   scripts/shard.sh add NODE HOST PORT [DBNAME]   the node, and the roles' user mappings
#   scripts/shard.sh move YEAR NODE                the year's facts to NODE
#   scripts/shard.sh list                          where each year of each fact lives
#   scripts/shard.sh analyze                       the planner's statistics, the nodes' too
#
# Exit 0 done, 2 refused (with the reason), 1 PostgreSQL's own failure.
set -euo pipefail
umask 077
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=scripts/ini.sh
source "$root/scripts/ini.sh"
conf=$(wiqaya_conf "$root")
fail() { echo "shard: $*" >&2; exit 2; }
[[ -r $conf ]] || fail "no configuration at $conf (WIQAYA_CONF)"
host=$(ini database host) port=$(ini database port) dbname=$(ini database dbname)
admin=$(ini database admin_user) passwords=$(ini database passwords)
loader=$(ini database loader_user) reader=$(ini database reader_user)
[[ -n $passwords ]] && export PGPASSFILE="$passwords/$admin.pgpass"
coordinator() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$admin" -d "$dbname" "$@"; }
FACTS=(victim_year case_fact offender_year intervention_fact)

# A role's password, from its file of [database] passwords (libpq's format: the fifth
# field); empty without the folder (peer or trust authentication).
password_of() { [[ -n $passwords ]] && awk -F: -v r="$1" '$4 == r { print $5; exit }' "$passwords/$1.pgpass"; }

case ${1:-} in
add)
  [[ $# -ge 4 && $# -le 5 ]] || fail "usage: add NODE HOST PORT [DBNAME]"
  node=$2 node_host=$3 node_port=$4 node_db=${5:-$dbname}
  [[ $node =~ ^[a-z][a-z0-9_]*$ ]] || fail "a node's name is lower-case letters, digits and _: \"$node\""
  [[ $node_port =~ ^[0-9]+$ ]] || fail "the port \"$node_port\" is not a number"
  # Every role reaches the node as itself: the admin (migrate's rebuild, the statistics),
  # the loader (the refresh's writes) and the reader (the server's queries, the column
  # engine's load). The passwords travel on psql's standard input, never its arguments.
  # Without passwords, the non-superusers need password_required off (the admin's to set).
  declare -A mapping
  for role in "$admin" "$loader" "$reader"; do
    pw=
    if [[ -n $passwords ]]; then
      pw=$(password_of "$role") && [[ -n $pw ]] ||
        fail "no password for $role in $passwords/$role.pgpass: nothing was added"
    fi
    if [[ -n $pw ]]; then mapping[$role]="user '$role', password '${pw//\'/\'\'}'"
    elif [[ $role == "$admin" ]]; then mapping[$role]="user '$role'"
    else mapping[$role]="user '$role', password_required 'false'"; fi
  done
  {
    echo "CREATE EXTENSION IF NOT EXISTS postgres_fdw;"
    printf "CREATE SERVER %s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '%s', port '%s', dbname '%s', async_capable 'true', fetch_size '10000', batch_size '1000');\n" \
      "$node" "${node_host//\'/\'\'}" "$node_port" "${node_db//\'/\'\'}"
    for role in "$admin" "$loader" "$reader"; do
      echo "CREATE USER MAPPING FOR \"$role\" SERVER $node OPTIONS (${mapping[$role]});"
    done
    # A query's aggregation per partition, pushed to the node when it groups by the year
    # (docs/operations.md): for the database, not a role (the server refuses a role with
    # settings of its own, S5004).
    echo "ALTER DATABASE \"$dbname\" SET enable_partitionwise_aggregate = on;"
    echo "ALTER DATABASE \"$dbname\" SET enable_partitionwise_join = on;"
    # The node answers each role, through its own mapping, or nothing of this remains.
    echo "CREATE FOREIGN TABLE analytics.wiqaya_node_probe (datname name) SERVER $node OPTIONS (schema_name 'pg_catalog', table_name 'pg_database');"
    echo "GRANT SELECT ON analytics.wiqaya_node_probe TO \"$loader\", \"$reader\";"
    for role in "$admin" "$loader" "$reader"; do
      echo "SET ROLE \"$role\"; SELECT count(*) FROM analytics.wiqaya_node_probe; RESET ROLE;"
    done
    echo "DROP FOREIGN TABLE analytics.wiqaya_node_probe;"
  } | coordinator --single-transaction -f - >/dev/null ||
    fail "node $node was not added (PostgreSQL said why, above): nothing of it remains"
  echo "node $node added: $node_host:$node_port, database $node_db"
  ;;
move)
  [[ $# -eq 3 ]] || fail "usage: move YEAR NODE"
  year=$2 node=$3
  [[ $year =~ ^[0-9]{4}$ ]] || fail "\"$year\" is not a year"
  opts=$(coordinator -v node="$node" -f - <<<"SELECT array_to_string(srvoptions, ' ') FROM pg_foreign_server WHERE srvname = :'node'")
  [[ -n $opts ]] || fail "no node $node (scripts/shard.sh add)"
  opt() { tr ' ' '\n' <<<"$opts" | sed -n "s/^$1=//p"; }
  # The facts of that year still here: their tables are made on the node (empty: a
  # table there that holds rows stops the move), then the move copies and swaps them in
  # one transaction.
  local_facts=$(coordinator -v year="$year" -f - <<<"SELECT string_agg(p.relname, ' ') FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind = 'r'
      AND c.relname = p.relname || '_' || :'year' AND p.relname IN ('victim_year', 'case_fact', 'offender_year', 'intervention_fact')")
  [[ -n $local_facts ]] || fail "no fact of $year is here: none of that year, or moved already (scripts/shard.sh list)"
  for t in $local_facts; do
    coordinator -v t="$t" -v year="$year" -f - <<<"SELECT analytics.fact_table_ddl(:'t', :'year')" |
      "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(opt host)" -p "$(opt port)" -U "$admin" -d "$(opt dbname)" \
        --single-transaction -f - >/dev/null ||
      fail "the tables of $year could not be made on $node (PostgreSQL said why, above): nothing was moved"
  done
  rows=$(coordinator -v year="$year" -v node="$node" -f - <<<"SELECT analytics.move_year(:'year', :'node')") ||
    fail "the move stopped: $year is here as it was"
  # The parents' statistics, after the commit: sampling them (the nodes' partitions too)
  # holds no lock a reader waits for.
  coordinator -c "ANALYZE analytics.victim_year, analytics.case_fact, analytics.offender_year, analytics.intervention_fact" ||
    echo "shard: the move is done, its statistics were not taken: scripts/shard.sh analyze" >&2
  echo "$year moved to $node: $rows rows of ${local_facts// /, }"
  ;;
list)
  coordinator -F ' ' -c "SELECT p.relname, c.relname, coalesce(s.srvname, 'here')
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver
    WHERE p.relnamespace = 'analytics'::regnamespace AND p.relkind = 'p' ORDER BY 1, 2"
  ;;
analyze)
  # After a rebuild (whose own statistics leave the foreign partitions alone: a deadlock
  # across servers otherwise, warehouse.analyze_analytics), as the refresh timer's
  # companion: the parents and every partition, the nodes' sampled through postgres_fdw.
  coordinator -c "ANALYZE analytics.victim_year, analytics.case_fact, analytics.offender_year, analytics.intervention_fact"
  echo "statistics taken"
  ;;
*) fail "usage: add NODE HOST PORT [DBNAME] | move YEAR NODE | list | analyze" ;;
esac
