#!/usr/bin/env bash
# Backup and restore of the warehouse's database (docs/operations.md, "Backup and restore"):
# the whole database (warehouse, analytics, the tokens, the ledger, the audit chain, the
# published releases), its own properties and grants, in pg_dump's custom format; and its
# restore into a server where it does not exist yet. The keys are not in it: they are
# escrowed apart (scripts/key_escrow.sh), and a restore answers as before only with them.
#
#   scripts/backup.sh dump FILE      [database] dbname, as [database] admin_user
#   scripts/backup.sh restore FILE   the database FILE holds (its own name), created anew
#
# And of the whole cluster, with pg_basebackup (every database of the server, as its files
# are, with the WAL that makes them consistent; the start of point-in-time recovery):
#   scripts/backup.sh base DIR                  a new directory, checked by pg_verifybackup
#   scripts/backup.sh restore-base DIR DATADIR  DIR checked again, copied to DATADIR (new
#                                               or empty), for the cluster to start on
#
# The file holds every pseudonym and the ledger: keep it as the database is kept (it is
# written 0600). Exit 0 done, 2 refused (with the reason), 1 PostgreSQL's own failure.
set -euo pipefail
umask 077
# (Installed, the command is a link to the script: /usr/sbin/wiqaya-* -> /usr/share/wiqaya/scripts.)
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=scripts/ini.sh
source "$root/scripts/ini.sh"
conf=$(wiqaya_conf "$root")
fail() { echo "backup: $*" >&2; exit 2; }
[[ -r $conf ]] || fail "no configuration at $conf (WIQAYA_CONF)"
host=$(ini database host) port=$(ini database port) dbname=$(ini database dbname)
admin=$(ini database admin_user) passwords=$(ini database passwords)
[[ -n $host && -n $port && -n $dbname && -n $admin ]] ||
  fail "$conf names no [database] host, port, dbname and admin_user"
[[ -n $passwords ]] && export PGPASSFILE="$passwords/$admin.pgpass"
exists() { # exists NAME: whether the server has database NAME (quoted by psql: stdin,
  # since psql interpolates no variable into -c)
  echo "SELECT 1 FROM pg_database WHERE datname = :'name'" |
    "$PG_BIN/psql" -X -h "$host" -p "$port" -U "$admin" -d postgres -Atq -v name="$1" | grep -qx 1
}

case ${1:-} in
dump)
  [[ $# -eq 2 ]] || fail "usage: dump FILE"
  [[ ! -e $2 ]] || fail "$2 exists: a backup is written to a new file"
  # Written aside under a name of its own (gone if the dump fails), then linked into
  # place: a dump cut short never looks like a backup, and nothing is overwritten.
  tmp=$(mktemp "$2.XXXXXX")
  trap 'rm -f "$tmp"' EXIT INT TERM
  "$PG_BIN/pg_dump" -h "$host" -p "$port" -U "$admin" --format=custom --create \
    --file="$tmp" "$dbname"
  ln "$tmp" "$2" || fail "$2 appeared meanwhile: nothing was written there"
  version=$("$PG_BIN/psql" -X -h "$host" -p "$port" -U "$admin" -d "$dbname" -Atqc \
    "SELECT version FROM analytics.data_version")
  echo "database $dbname (data version $version) backed up to $2 ($(stat -c %s "$2") bytes)"
  ;;
restore)
  [[ $# -eq 2 ]] || fail "usage: restore FILE"
  [[ -r $2 ]] || fail "no backup at $2"
  # --create makes the database the backup names (not the configuration's), with its own
  # properties (jit off) and grants; its roles (the loader, the reader) must exist in the
  # cluster: a new cluster gets them from wiqaya-etl migrate on a scratch database first
  # (docs/operations.md).
  name=$("$PG_BIN/pg_restore" -l "$2" 2>/dev/null | sed -n 's/^; *dbname: //p' || true)
  [[ -n $name ]] || fail "$2 is not a backup of scripts/backup.sh (pg_restore -l names no database)"
  ! exists "$name" || fail "database $name exists: a restore makes it anew (drop it first, deliberately)"
  "$PG_BIN/pg_restore" -h "$host" -p "$port" -U "$admin" --create --dbname=postgres \
    --exit-on-error "$2" ||
    fail "pg_restore stopped; database $name may be partly restored: drop it before trying again"
  echo "database $name restored from $2"
  ;;
base)
  [[ $# -eq 2 ]] || fail "usage: base DIR"
  [[ ! -e $2 ]] || fail "$2 exists: a base backup is written to a new directory"
  # Plain format (the files as they are: pg_verifybackup checks every one against the
  # manifest's SHA-256 and parses the WAL) with the WAL streamed alongside, so the copy
  # starts consistent on its own. Written aside, renamed when whole and verified.
  tmp=$(mktemp -d "$2.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT INT TERM
  "$PG_BIN/pg_basebackup" -h "$host" -p "$port" -U "$admin" -D "$tmp" --format=plain \
    --wal-method=stream --checkpoint=fast --manifest-checksums=SHA256 --label="wiqaya $(date -u +%FT%TZ)"
  "$PG_BIN/pg_verifybackup" --quiet "$tmp" || fail "the base backup did not verify: nothing kept"
  # (-n: never onto a directory that appeared meanwhile, even an empty one.)
  mv -T -n "$tmp" "$2" && [[ ! -e $tmp ]] || fail "$2 appeared meanwhile: nothing was written there"
  trap - EXIT INT TERM
  echo "cluster at $host:$port backed up to $2 ($(du -sh "$2" | cut -f1), verified)"
  ;;
restore-base)
  [[ $# -eq 3 ]] || fail "usage: restore-base DIR DATADIR"
  [[ -f $2/backup_manifest ]] || fail "$2 is not a base backup of scripts/backup.sh (no backup_manifest)"
  [[ ! -e $3 || -z $(ls -A "$3") ]] || fail "$3 is not empty: a restore makes a data directory anew"
  "$PG_BIN/pg_verifybackup" --quiet "$2" || fail "$2 does not verify: it is damaged, restore another"
  mkdir -p "$3"
  cp -a "$2/." "$3/"
  rm -f "$3/backup_manifest" # its own record, not the cluster's
  chmod 0700 "$3"
  # Run as root, the files go to the postgres user, which runs the cluster.
  [[ $(id -u) -ne 0 ]] || chown -R postgres: "$3"
  echo "data directory $3 restored from $2: start the cluster on it (it replays the WAL it holds)"
  ;;
*) fail "usage: dump FILE | restore FILE | base DIR | restore-base DIR DATADIR" ;;
esac
