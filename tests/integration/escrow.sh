# The key escrow drill (scripts/key_escrow.sh, issue 31): the pseudonymisation key split 3
# of 5 with Shamir's secret sharing (Debian's ssss); any three shares recover it, checked
# by its fingerprint (wiqaya-etl fingerprint FILE); two recover nothing; a damaged share,
# another key's share or too few shares are refused, write nothing and leave no temporary
# key behind; no share holds the key.
source "$(dirname "$0")/../lib.sh"
test_config escrow
mkdir -p "$T/keys"
"$BIN/wiqaya-etl" keygen >/dev/null
KEY=$T/keys/pseudonym.key
fp=$("$BIN/wiqaya-etl" fingerprint)
ESCROW=$ROOT/scripts/key_escrow.sh

check "the key is split 3 of 5" "$ESCROW" split 3 5 "$T/shares"
eq "into five share files, readable by their owner alone" "$(stat -c %a "$T"/shares/share-*.txt | sort -u) $(ls "$T/shares" | wc -l)" "600 5"
eq "each naming the key's fingerprint" "$(sed -n 's/^fingerprint //p' "$T"/shares/share-*.txt | sort -u)" "$fp"
# (The key's hex through a pipe, never an argument.)
no_key_in_shares() { ! grep -qiF -f <(xxd -p -c 64 "$KEY") "$T"/shares/* && ! grep -qiF -f <(head -c 8 "$KEY" | xxd -p) "$T"/shares/*; }
check "no share holds the key in hex, whole or its first 8 bytes" no_key_in_shares
for set in "1 3 5" "2 3 4" "5 4 1 2"; do
  files=$(for k in $set; do echo "$T/shares/share-$k.txt"; done)
  out="$T/recovered-${set// /}"
  # shellcheck disable=SC2086
  check "shares $set recover it" "$ESCROW" recover "$out" $files
  eq "the very key (shares $set)" "$(cmp -s "$out" "$KEY" && echo same)" same
done
status "two shares are refused" 2 "$ESCROW" recover "$T/two" "$T/shares/share-1.txt" "$T/shares/share-4.txt"
check "saying how many it needs" grep -q "2 shares given; this key needs 3" "$T/last"
check "and write nothing" test ! -e "$T/two"
# Two shares combined anyway (ssss alone) give 32 bytes that are not the key.
for k in 1 4; do sed -n 3p "$T/shares/share-$k.txt"; done | { ssss-combine -t 2 -x -Q 2>&1 >/dev/null; } | xxd -r -p >"$T/guess"
eq "two shares combined anyway give another key" "$(stat -c %s "$T/guess") $(cmp -s "$T/guess" "$KEY" && echo same || echo other)" "32 other"
# A damaged share: the last hex digit of share 2 changed.
mkdir "$T/bad"; cp "$T"/shares/share-{1,2,3}.txt "$T/bad/"; chmod u+w "$T/bad/share-2.txt"
line=$(sed -n 3p "$T/bad/share-2.txt")
sed -i "3s/.\$/$([[ ${line: -1} == 0 ]] && echo 1 || echo 0)/" "$T/bad/share-2.txt"
status "a damaged share is refused" 2 "$ESCROW" recover "$T/damaged" "$T"/bad/share-{1,2,3}.txt
check "by the fingerprint" grep -q "fingerprint is not $fp" "$T/last"
check "writing nothing" test ! -e "$T/damaged"
# Another key's shares mixed in.
cp "$CONF" "$T/other.conf"; sed -i "s|^pseudonym_key *=.*|pseudonym_key = $T/other.key|" "$T/other.conf"
WIQAYA_CONF=$T/other.conf "$BIN/wiqaya-etl" keygen >/dev/null
WIQAYA_CONF=$T/other.conf "$ESCROW" split 3 5 "$T/other" >/dev/null
status "another key's share among them is refused" 2 "$ESCROW" recover "$T/mixed" "$T/shares/share-1.txt" "$T/shares/share-2.txt" "$T/other/share-3.txt"
check "saying so" grep -q "the shares are of different keys" "$T/last"
status "a recovery never overwrites a file" 2 "$ESCROW" recover "$KEY" "$T"/shares/share-{1,2,3}.txt
check "and leaves no temporary key behind" bash -c "! ls -A '$T' '$T/keys' | grep -q '^.wiqaya-key'"
status "nor a split an existing folder" 2 "$ESCROW" split 3 5 "$T/shares"
status "a threshold of one is refused (one custodian would hold the key)" 2 "$ESCROW" split 1 5 "$T/one"
echo "1..$n"
