# Backup and restore (scripts/backup.sh, issue 31): a loaded country with a token's answers
# and its audit, backed up, its database destroyed, restored: every answer the same bytes,
# none of them charged again (the ledger came back), the audit chain verified, the
# warehouse's integrity whole; a restore never lands on a database that exists.
source "$(dirname "$0")/../lib.sh"
fresh_db backup
load_country 33 3000
BACKUP=$ROOT/scripts/backup.sh
QUERIES=("/api/v1/analytics?indicator=victims&dimension=region&dimension=sex"
         "/api/v1/trends?indicator=victim_rate&dimension=age_band"
         "/api/v1/analytics?indicator=revictimisation_12m&dimension=disability"
         "/api/v1/pathway?dimension=region")
start_server
TOKEN=$(new_token researcher)
ask
budget_before=$(api /api/v1/disclosure | jq .caller.budget_remaining)
stop_server
check "the audit chain holds before" "$BIN/wiqaya-server" audit verify

check "the database is backed up" "$BACKUP" dump "$T/wiqaya.dump"
eq "into a file its owner alone reads" "$(stat -c %a "$T/wiqaya.dump")" 600
eq "and nothing else beside it" "$(ls "$T" | grep -c '^wiqaya.dump')" 1
status "a backup never overwrites a file" 2 "$BACKUP" dump "$T/wiqaya.dump"
status "a restore onto the database that exists is refused" 2 "$BACKUP" restore "$T/wiqaya.dump"
check "saying so" grep -q "database $DB exists" "$T/last"
status "a file that is no backup is refused" 2 "$BACKUP" restore "$ROOT/README.md"

psql_admin -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
eq "the database is gone" "$(psql_admin -c "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" 0
check "and restored from the backup" "$BACKUP" restore "$T/wiqaya.dump"

start_server
# The same answers, but for what the ledger says of them: the first asking charged the
# budget, the second (after the restore) is a repeat, free.
asked_again "every answer is the same: its cells, intervals, labels and data version" \
  "and none is charged again: the ledger came back"
eq "the token's budget is what it was" "$(api /api/v1/disclosure | jq .caller.budget_remaining)" "$budget_before"
eq "the answers are of the data version backed up" "$(jq .metaData.data_version "$T/again-0.json")" "$(jq .metaData.data_version "$T/asked-0.json")"
stop_server
check "the audit chain holds after" "$BIN/wiqaya-server" audit verify
integrity "the warehouse's integrity checks are zeros"
eq "the database keeps its own setting (no JIT)" "$(psql_t -c 'SHOW jit')" off
echo "1..$n"
