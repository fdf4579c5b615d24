#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for `make run` and the tests.
#   scripts/pg.sh start|stop|crash|status|psql [args]|destroy|conf   (crash: an immediate stop)
# The cluster lives under /var/tmp/wiqaya-<checkout hash> (or $WIQAYA_CLUSTER), which the
# postgres user can reach even when the checkout sits in a private home directory; var/pg
# links to the checkout's own. Port and
# socket directory come from the config (var/wiqaya.conf, written from the example on first
# use). As root, initdb and postgres run as the postgres user (initdb refuses root).
# Every role logs in with its own password (SCRAM), made with the cluster: one file a role
# under <cluster>/roles (libpq's passfile format, mode 0600), which the config names
# ([database] passwords); each program opens its own role's file only, and `migrate` sets
# the loader's and the reader's passwords from theirs. `psql` here is the operator's, with
# every role's (roles/all.pgpass).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
conf=${WIQAYA_CONF:-$root/var/wiqaya.conf}
# WIQAYA_CLUSTER: another cluster's directory (a test's own: tests/integration/base_backup.sh).
cluster=${WIQAYA_CLUSTER:-/var/tmp/wiqaya-$(printf '%s' "$root" | cksum | cut -d' ' -f1)}
roles=$cluster/roles

# shellcheck source=scripts/ini.sh
source "$root/scripts/ini.sh"

write_conf() { # the example, pointed at this checkout's cluster and code lists
  [[ -f $conf ]] && return 0
  mkdir -p "$(dirname "$conf")"
  sed -e "s|^host *=.*|host = $cluster|" \
      -e "s|^pseudonym_key *=.*|pseudonym_key = $root/var/keys/pseudonym.key|" \
      -e "s|^noise_key *=.*|noise_key = $root/var/keys/noise.key|" \
      -e "s|^token_key *=.*|token_key = $root/var/keys/token.key|" \
      -e "s|^passwords *=.*|passwords = $roles|" \
      -e "s|^public_tables *=.*|public_tables = $root/config/public_tables.txt|" \
      -e "s|^codelists *=.*|codelists = $root/config/codelists|" \
      -e "s|^migrations *=.*|migrations = $root/sql/migrations|" \
      -e "s|^functions *=.*|functions = $root/sql/functions|" \
      -e "s|^indicators *=.*|indicators = $root/config/indicators.json|" \
      -e "s|^standards *=.*|standards = $root/config/standard_populations.json|" \
      -e "s|^costs *=.*|costs = $root/config/intervention_costs.json|" \
      -e "s|^openapi *=.*|openapi = $root/docs/openapi.yaml|" \
      -e "s|^web *=.*|web = $root/build/web|" \
      "$root/config/wiqaya.conf.example" >"$conf"
}

# From /: in a checkout with mode 0700 the postgres user could not enter the current
# directory, and every command would say so.
as_pg() { if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

write_conf
# A config written before the passwords (an older checkout's) learns where they are: the
# cluster asks every role for one now.
if [[ $(ini database host) == "$cluster" ]] && ! grep -qE '^[[:space:]]*passwords[[:space:]]*=' "$conf"; then
  sed -i "/^\[database\]/a passwords = $roles" "$conf"
fi
host=$(ini database host)
port=$(ini database port)
dbname=$(ini database dbname)
admin=$(ini database admin_user)
data=$cluster/data

running() { as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

# Each role's password, made once: 24 random bytes in base64url (no ':' or '\' to escape).
passwords() {
  mkdir -p "$roles"
  chmod 0700 "$roles"
  local role
  for role in "$admin" "$(ini database loader_user)" "$(ini database reader_user)"; do
    [[ -s $roles/$role.pgpass ]] && continue
    (umask 077; printf '*:*:*:%s:%s\n' "$role" "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')" >"$roles/$role.pgpass")
  done
  (umask 077; cat "$roles"/*.pgpass | grep -v '^$' | sort -u >"$roles/all.tmp" && mv "$roles/all.tmp" "$roles/all.pgpass")
}
admin_password() { awk -F: -v r="$admin" '$4 == r { print $5 }' "$roles/$admin.pgpass"; }
export PGPASSFILE=$roles/all.pgpass

start() {
  if [[ $host != "$cluster" ]]; then
    echo "pg.sh: the config points at $host, not this checkout's cluster; nothing to start" >&2
    return 0
  fi
  mkdir -p "$cluster"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$cluster"
  chmod 0700 "$cluster"
  [[ -n ${WIQAYA_CLUSTER:-} ]] || ln -sfn "$cluster" "$root/var/pg"
  passwords
  if [[ ! -f $data/PG_VERSION ]]; then
    # The admin's password goes to initdb in a file the postgres user reads, then goes.
    (umask 077; admin_password >"$cluster/pwfile")
    [[ $(id -u) -eq 0 ]] && chown postgres: "$cluster/pwfile"
    as_pg "$PG_BIN/initdb" -D "$data" -U "$admin" --auth=scram-sha-256 --pwfile="$cluster/pwfile" \
      -E UTF8 --no-locale --no-instructions >"$cluster/initdb.log" 2>&1 ||
      { rm -f "$cluster/pwfile"; cat "$cluster/initdb.log" >&2; exit 1; }
    rm -f "$cluster/pwfile"
    # A throwaway cluster: no TCP, no durability on crash of the machine (tests kill the
    # loader, never the machine), and no statement text with parameters in the log.
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$cluster'
unix_socket_permissions = 0770
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_min_error_statement = panic
log_parameter_max_length_on_error = 0
CONF
  fi
  if ! running; then
    # A postmaster.pid left by a killed server (or a reboot) would block the start.
    rm -f "$data/postmaster.pid"
    # Memory for bulk loads (the machine has plenty); checkpoints rare during a load. Terse
    # errors in the log: a failed statement's DETAIL would quote the values of a key (a
    # unique violation names the row's key), and the log is a file like any other.
    local opts="-p $port -k $cluster -c shared_buffers=1GB -c work_mem=64MB -c log_error_verbosity=terse"
    opts+=" -c maintenance_work_mem=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min"
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$cluster/postgres.log" -w -t 60 \
      -o "$opts" start >/dev/null ||
      { tail -n 20 "$cluster/postgres.log" >&2; exit 1; }
  fi
  # A cluster made before the passwords trusted every local connection: the admin's
  # password is set while it still does, then every line asks for one.
  if grep -qE '^(local|host).*trust' "$data/pg_hba.conf"; then
    "$PG_BIN/psql" -h "$cluster" -p "$port" -U "$admin" -d postgres -Xqc \
      "ALTER ROLE \"$admin\" PASSWORD '$(admin_password)'" >/dev/null
    as_pg sed -i -E 's/^((local|host).*)trust$/\1scram-sha-256/' "$data/pg_hba.conf"
    as_pg "$PG_BIN/pg_ctl" -D "$data" reload >/dev/null
  fi
  if ! "$PG_BIN/psql" -h "$cluster" -p "$port" -U "$admin" -d postgres -Atqc \
      "select 1 from pg_database where datname = '$dbname'" | grep -q 1; then
    "$PG_BIN/createdb" -h "$cluster" -p "$port" -U "$admin" "$dbname"
  fi
}

case ${1:-} in
  start) start ;;
  stop) if running; then as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi ;;
  crash) if running; then as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null; fi ;;
  status) if running; then echo "running: $cluster port $port"; else echo "stopped"; exit 3; fi ;;
  psql) shift; exec "$PG_BIN/psql" -h "$host" -p "$port" -U "$admin" -d "$dbname" "$@" ;;
  destroy) if running; then as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null; fi
           rm -rf "$cluster"; [[ -n ${WIQAYA_CLUSTER:-} ]] || rm -f "$root/var/pg" ;;
  conf) echo "$conf" ;;
  *) echo "usage: scripts/pg.sh start|stop|crash|status|psql [args]|destroy|conf" >&2; exit 2 ;;
esac
