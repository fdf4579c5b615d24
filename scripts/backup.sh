#!/usr/bin/env bash
# Backup and restore of the warehouse's database (docs/operations.md, "Backup and restore"):
# the whole database (warehouse, analytics, the tokens, the ledger, the audit chain, the
# published releases), its own properties and grants, in pg_dump's custom format; and its
# restore into a server where it does not exist yet. The keys are not in it: they are
# escrowed apart (scripts/key_escrow.sh), and a restore answers as before only with them.
#
#   scripts/backup.sh dump FILE      [database] dbname, as [database] admin_user
#   scripts/backup.sh restore FILE   the same database, created anew from FILE
#
# The file holds every pseudonym and the ledger: keep it as the database is kept (it is
# written 0600). Exit 0 done, 2 refused (with the reason), 1 PostgreSQL's own failure.
set -euo pipefail
umask 077
root=$(cd "$(dirname "$0")/.." && pwd)
conf=${WIQAYA_CONF:-$root/var/wiqaya.conf}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=scripts/ini.sh
source "$root/scripts/ini.sh"
fail() { echo "backup: $*" >&2; exit 2; }
host=$(ini database host) port=$(ini database port) dbname=$(ini database dbname)
admin=$(ini database admin_user) passwords=$(ini database passwords)
[[ -n $passwords ]] && export PGPASSFILE="$passwords/$admin.pgpass"
exists() {
  "$PG_BIN/psql" -X -h "$host" -p "$port" -U "$admin" -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -qx 1
}

case ${1:-} in
dump)
  [[ $# -eq 2 ]] || fail "usage: dump FILE"
  [[ ! -e $2 ]] || fail "$2 exists: a backup is written to a new file"
  # Written aside, then moved: a dump cut short never looks like a backup.
  "$PG_BIN/pg_dump" -h "$host" -p "$port" -U "$admin" --format=custom --create \
    --file="$2.partial" "$dbname"
  mv "$2.partial" "$2"
  version=$("$PG_BIN/psql" -X -h "$host" -p "$port" -U "$admin" -d "$dbname" -Atqc \
    "SELECT version FROM analytics.data_version")
  echo "database $dbname (data version $version) backed up to $2 ($(stat -c %s "$2") bytes)"
  ;;
restore)
  [[ $# -eq 2 ]] || fail "usage: restore FILE"
  [[ -r $2 ]] || fail "no backup at $2"
  ! exists || fail "database $dbname exists: restore into a server without it (drop it, or name another dbname in the configuration)"
  # --create makes the database with its own properties (jit off) and grants; its roles
  # (the loader, the reader) must exist in the cluster: a new cluster gets them from
  # wiqaya-etl migrate on a scratch database first (docs/operations.md).
  "$PG_BIN/pg_restore" -h "$host" -p "$port" -U "$admin" --create --dbname=postgres \
    --exit-on-error "$2"
  echo "database $dbname restored from $2"
  ;;
*) fail "usage: dump FILE | restore FILE" ;;
esac
