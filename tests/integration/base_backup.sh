# The base backup of a whole cluster (scripts/backup.sh base, restore-base; issue 31), on a
# cluster of this script's own (the shared one is gigabytes): a loaded country with a
# token's answers and its audit, backed up while it serves; a later batch; the data
# directory lost; restored: the answers of the moment of the backup, the same bytes, none
# charged again, the audit chain verified, the warehouse's integrity whole; a damaged
# backup and a data directory in use are refused.
source "$(dirname "$0")/../lib.sh"
test_config base_backup # the script's keys and ports; its database lives on its own cluster
BACKUP=$ROOT/scripts/backup.sh
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export WIQAYA_CLUSTER=/var/tmp/wiqaya-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)-base-backup
PG_CONF=$T/pg.conf
own_pg() { WIQAYA_CONF=$PG_CONF "$ROOT/scripts/pg.sh" "$@"; }
own_pg destroy >/dev/null 2>&1 # a run killed before its end left it
trap 'cleanup; own_pg destroy >/dev/null 2>&1' EXIT
PG_PORT=$(free_port)
rm -f "$PG_CONF"
own_pg conf >/dev/null
sed -i -e "s|^port *= *5[0-9]*|port = $PG_PORT|" -e "s|^dbname *=.*|dbname = $DB|" "$PG_CONF"
sed -i -e "s|^host *=.*|host = $WIQAYA_CLUSTER|" -e "s|^port *= *5[0-9]*|port = $PG_PORT|" \
  -e "s|^passwords *=.*|passwords = $WIQAYA_CLUSTER/roles|" "$CONF"
check "a cluster of its own starts" own_pg start
check "the database is migrated" "$BIN/wiqaya-etl" migrate
"$BIN/wiqaya-etl" keygen >/dev/null
"$BIN/wiqaya-server" keygen >/dev/null
load_country 37 2000

QUERIES=("/api/v1/analytics?indicator=victims&dimension=region&dimension=sex"
         "/api/v1/trends?indicator=victim_rate&dimension=age_band"
         "/api/v1/pathway?dimension=region")
start_server
TOKEN=$(new_token researcher)
ask
budget_before=$(api /api/v1/disclosure | jq .caller.budget_remaining)
version_before=$(psql_t -c 'SELECT version FROM analytics.data_version')

# Backed up while the server answers: a base backup needs no stop.
for i in $(seq 1 30); do api "${QUERIES[$((i % 3))]}" >/dev/null; done &
askers=$!
check "the cluster is backed up while it serves" "$BACKUP" base "$T/base"
wait "$askers"
figure "$(tail -n 1 "$T/out")"
check "with a manifest pg_verifybackup accepts" "$PG_BIN/pg_verifybackup" --quiet "$T/base"
eq "nothing else beside it" "$(ls "$T" | grep -c '^base')" 1
status "a base backup never lands on a directory that exists" 2 "$BACKUP" base "$T/base"

# After the backup: a batch the restore must not have.
"$BIN/wiqaya-synth" --seed 38 --cases 300 --years 2024-2024 --out "$T/later" >/dev/null
"$BIN/wiqaya-etl" load "$T/later/cases.ndjson" >/dev/null
check "a later batch moves the data version" test "$(psql_t -c 'SELECT version FROM analytics.data_version')" -gt "$version_before"
stop_server
DATA=$WIQAYA_CLUSTER/data
status "a restore onto the data directory in use is refused" 2 "$BACKUP" restore-base "$T/base" "$DATA"

# The server's disk lost: the cluster stopped, its data directory gone.
own_pg crash
rm -rf "$DATA"
cp -a "$T/base" "$T/damaged"
printf 'x' >>"$T/damaged/global/pg_control"
status "a damaged backup is refused before a file is copied" 2 "$BACKUP" restore-base "$T/damaged" "$DATA"
check "and nothing was made" test ! -e "$DATA"
check "the data directory is restored from the base backup" "$BACKUP" restore-base "$T/base" "$DATA"
check "and the cluster starts on it" own_pg start

start_server
asked_again "every answer is the moment of the backup's: cells, intervals, labels, data version" \
  "none is charged again: the ledger came back"
eq "the token's budget is what it was" "$(api /api/v1/disclosure | jq .caller.budget_remaining)" "$budget_before"
eq "the later batch is not there" "$(psql_t -c 'SELECT version FROM analytics.data_version')" "$version_before"
stop_server
check "the audit chain holds after" "$BIN/wiqaya-server" audit verify
integrity "the warehouse's integrity checks are zeros"
echo "1..$n"
