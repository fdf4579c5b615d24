# Input tried as an attacker would (tests/data/hostile/): each file gets its expected exit
# status and code, and the warehouse changes exactly as expected (a rejected record changes
# nothing). Then what needs building at run time: a 100 MB line, a million rejects, a file
# that changes while it loads, and a batch loaded again after the cause of its rejects was
# fixed.
source "$(dirname "$0")/../lib.sh"
H=$ROOT/tests/data/hostile
# Peak RSS bounds (KiB). Under ASan freed memory sits in its quarantine (256 MiB by
# default), so there only growth beyond that would show.
rss_limit=65536
[[ $BUILD == *asan* ]] && rss_limit=$((320 * 1024))

# The warehouse as comparable text: cases (by key), persons, tokens, rejects' codes.
state() {
  psql_t -c "SELECT encode(case_key, 'hex'), status, revision FROM warehouse.\"case\" ORDER BY 1" \
         -c "SELECT count(*) FROM warehouse.victim" -c "SELECT count(*) FROM warehouse.person" \
         -c "SELECT count(*) FROM warehouse.person_token"
}
cases() { psql_t -c 'SELECT count(*) FROM warehouse."case"'; }

while IFS=$'\t' read -r file want code pointer new; do
  [[ $file == \#* || -z $file ]] && continue
  [[ $pointer == '""' ]] && pointer=""
  fresh_db hostile
  "$BIN/wiqaya-etl" load "$H/base.ndjson" >/dev/null
  before=$(state)
  n0=$(cases)
  "$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$H/$file" >"$T/run.out" 2>"$T/err"
  got=$?
  eq "$file: exit $want" "$got" "$want"
  if [[ $pointer == - && $code != - ]]; then
    check "$file: $code on stderr" grep -q "$code" "$T/err"
  elif [[ $code != - ]]; then
    eq "$file: $code at '$pointer'" \
      "$(jq -r '.errors[0] | "\(.code) \(.pointer)"' "$T/rej.ndjson" | head -1)" "$code $pointer"
  fi
  if [[ $new == 0 ]]; then
    eq "$file: the warehouse is unchanged" "$(state)" "$before"
  else
    eq "$file: $new new cases" "$(($(cases) - n0))" "$new"
  fi
  integrity "$file: no orphan"
done <"$H/expected.tsv"

rm -f "$T/rej.ndjson"
"$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$H/null_birth_date.ndjson" >/dev/null 2>&1
eq "the rejects file is its owner's only" "$(stat -c %a "$T/rej.ndjson")" 600
chmod 644 "$T/rej.ndjson"
"$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$H/null_birth_date.ndjson" >/dev/null 2>&1
eq "and becomes so when it was another's to read" "$(stat -c %a "$T/rej.ndjson")" 600

# What the files above must never echo: a name typed as a field name.
fresh_db hostile_echo
"$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$H/name_as_key.ndjson" >"$T/run.out" 2>"$T/err"
check "a name typed as a key reaches no reject file, stderr or reject table" bash -c \
  "! grep -q Canary '$T/rej.ndjson' '$T/err' '$T/run.out' && [[ \$(WIQAYA_CONF='$CONF' '$ROOT/scripts/pg.sh' psql -Atc \"SELECT count(*) FROM warehouse.reject WHERE message LIKE '%Canary%' OR pointer LIKE '%Canary%'\") == 0 ]]"
"$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$H/misspelt_key.ndjson" >/dev/null 2>&1
check "a field of ours misspelt by case is named" grep -q 'did you mean \\"region\\"' "$T/rej.ndjson"

# --- a 100 MB line (gzip), then a good record: the line is rejected in constant memory,
# and the record after it is loaded, not dropped ---
fresh_db hostile_long
{ printf '{"x":"'; head -c 100000000 /dev/zero | tr '\0' a; printf '"}\n'
  sed 's|BASE/1|LONG/2|' "$H/base.ndjson"; } | gzip -1 >"$T/long.ndjson.gz"
/usr/bin/time -f '%M' -o "$T/rss" "$BIN/wiqaya-etl" load --rejects "$T/rej.ndjson" "$T/long.ndjson.gz" >"$T/run.out" 2>&1
eq "a 100 MB line: exit 1 (one rejected)" "$?" "1"
eq "it is E1005" "$(jq -r '.errors[0].code' "$T/rej.ndjson")" "E1005"
eq "the record after it is loaded" "$(cases)" "1"
rss=$(tail -1 "$T/rss")
figure "peak RSS loading a 100 MB line: $((rss / 1024)) MiB"
check "memory stays far below the line's size (< $((rss_limit / 1024)) MiB)" test "$rss" -lt "$rss_limit"

# --- a million rejects from 3 KB of gzip: memory flat, and the batch stops (S3004) ---
fresh_db hostile_garbage
yes '{}' | head -n 1000000 | gzip -9 >"$T/garbage.ndjson.gz"
/usr/bin/time -f '%M' -o "$T/rss" "$BIN/wiqaya-etl" load "$T/garbage.ndjson.gz" >"$T/run.out" 2>&1
eq "a batch of 1,000,000 '{}': exit 2" "$?" "2"
check "S3004: mostly rejected, nothing loaded" grep -q 'S3004' "$T/run.out"
eq "no batch and no reject row is left" \
  "$(psql_t -c 'SELECT count(*) FROM warehouse.batch') $(psql_t -c 'SELECT count(*) FROM warehouse.reject')" "0 0"
rss=$(tail -1 "$T/rss")
figure "peak RSS of a 1,000,000-line garbage batch, stopped by the reject share: $((rss / 1024)) MiB"
check "memory stays flat (< $((rss_limit / 1024)) MiB)" test "$rss" -lt "$rss_limit"

# With the limits raised, the same garbage streams its rejects out with memory flat.
printf '\n[etl]\nmax_rejects = 10000000\nmax_reject_share = 1\n' >>"$CONF"
yes '{}' | head -n 200000 | gzip -9 >"$T/garbage2.ndjson.gz"
/usr/bin/time -f '%M' -o "$T/rss" "$BIN/wiqaya-etl" load "$T/garbage2.ndjson.gz" >"$T/run.out" 2>&1
eq "200,000 '{}' under raised limits: every record rejected (exit 2)" "$?" "2"
eq "each with its errors in the reject table" \
  "$(psql_t -c 'SELECT count(DISTINCT record_no) FROM warehouse.reject')" "200000"
rss=$(tail -1 "$T/rss")
figure "peak RSS writing $(psql_t -c 'SELECT count(*) FROM warehouse.reject') reject rows: $((rss / 1024)) MiB"
check "memory stays flat while rejects stream out (< $((rss_limit / 1024)) MiB)" test "$rss" -lt "$rss_limit"

# --- a file that changes while it is loaded: refused, nothing committed ---
fresh_db hostile_change
"$BIN/wiqaya-synth" --seed 5 --cases 20000 --out "$T/syn" >/dev/null
cp "$T/syn/cases.ndjson" "$T/moving.ndjson"
"$BIN/wiqaya-etl" load "$T/moving.ndjson" >"$T/run.out" 2>&1 &
pid=$!
# Once the loader holds the linkage lock, it has hashed the whole file and is about to
# stream it: cut it short then (the reader is then at most two chunks in).
for _ in $(seq 1 400); do
  [[ $(linkage_locked) != 0 ]] && break
  sleep 0.02
done
truncate -s 1000000 "$T/moving.ndjson"
wait "$pid"
eq "a file cut short while it loads: exit 2" "$?" "2"
check "S3005: it changed while it was being loaded" grep -q 'S3005' "$T/run.out"
eq "nothing was committed" "$(cases) $(psql_t -c 'SELECT count(*) FROM warehouse.batch')" "0 0"

# --- loading a batch again after fixing the cause of its rejects loads those, and only those ---
fresh_db hostile_retry
mkdir -p "$T/lists"; cp "$ROOT/config/codelists/"*.csv "$T/lists/"
grep -v '^DC-13,' "$ROOT/config/codelists/regions.csv" >"$T/lists/regions.csv"
sed -i "s|^codelists *=.*|codelists = $T/lists|" "$CONF"
{ sed 's|BASE/1|R/1|' "$H/base.ndjson"; sed 's|BASE/1|R/2|; s|DC-01|DC-13|' "$H/base.ndjson"
  sed 's|BASE/1|R/3|; s|"female"|"f"|' "$H/base.ndjson"; } >"$T/retry.ndjson"
status "a region missing from the code list: one record rejected" 1 "$BIN/wiqaya-etl" load "$T/retry.ndjson"
cp "$ROOT/config/codelists/regions.csv" "$T/lists/regions.csv"
status "the code list fixed, the same command again" 1 "$BIN/wiqaya-etl" load "$T/retry.ndjson"
check "says the batch's rejected records were processed again" grep -q 'its 2 rejected records were processed again' "$T/last"
eq "the fixed record is loaded; the other bad one is still rejected; nothing twice" \
  "$(cases) $(psql_t -c 'SELECT accepted, rejected FROM warehouse.batch') $(psql_t -c 'SELECT count(DISTINCT record_no) FROM warehouse.reject')" "2 2|1 1"
status "and again: only the bad record, rejected again (exit 1)" 1 "$BIN/wiqaya-etl" load "$T/retry.ndjson"
check "nothing changed" grep -q 'already loaded; its 1 rejected records were rejected again; nothing changed' "$T/last"
eq "its reject row is kept" "$(psql_t -c 'SELECT count(DISTINCT record_no) FROM warehouse.reject')" "1"
eq "still two cases, each once" "$(psql_t -c 'SELECT count(*), max(revision) FROM warehouse."case"')" "2|1"
integrity "no orphan after retries"

# --- wiqaya-stats: null means absent there too ---
eq "a rate with \"population\": null is a rate without a population" \
  "$(echo '{"count": 5, "population": null}' | "$BIN/wiqaya-stats" rate | jq -r '.estimate')" \
  "$(echo '{"count": 5}' | "$BIN/wiqaya-stats" rate | jq -r '.estimate')"
echo "1..$n"
