#!/usr/bin/env bash
# Escrow of the pseudonymisation key by Shamir's secret sharing (docs/privacy.md, "Key
# escrow"), with Debian's ssss: the key split into N shares of which any T recover it and
# fewer say nothing of it, each share a file for one custodian; and its recovery, checked
# against the key's public fingerprint (wiqaya-etl fingerprint) before anything is written.
#
#   scripts/key_escrow.sh split T N OUTDIR     the configured key ([keys] pseudonym_key)
#   scripts/key_escrow.sh recover OUT SHARE... T or more share files, into the new file OUT
#
# The key and its hex form only ever pass through pipes (never an argument, a variable or
# a file other than OUT); a share file holds one share and the fingerprint of the key it
# belongs to. Exit 0 done, 2 refused (with the reason on stderr).
set -euo pipefail
umask 077
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
fail() { echo "key_escrow: $*" >&2; exit 2; }
command -v ssss-split >/dev/null || fail "ssss is not installed (scripts/deps.sh installs it)"
conf=${WIQAYA_CONF:-var/wiqaya.conf}

# The public fingerprint of key file $1, as wiqaya-etl prints it for the configured key.
fingerprint() {
  local c; c=$(mktemp)
  sed "s|^pseudonym_key *=.*|pseudonym_key = $1|" "$conf" >"$c"
  WIQAYA_CONF=$c "$BIN/wiqaya-etl" fingerprint || { rm -f "$c"; return 1; }
  rm -f "$c"
}

case ${1:-} in
split)
  [[ $# -eq 4 && $2 =~ ^[0-9]+$ && $3 =~ ^[0-9]+$ ]] || fail "usage: split T N OUTDIR"
  t=$2 n=$3 out=$4
  ((t >= 2 && t <= n && n <= 255)) || fail "a threshold from 2 to the number of shares (at most 255)"
  key=$(sed -n 's/^pseudonym_key *= *//p' "$conf")
  [[ -r $key && $(stat -c %s "$key") -eq 32 ]] || fail "no 32-byte key at [keys] pseudonym_key"
  [[ ! -e $out ]] || fail "$out exists: shares are written into a new folder"
  fp=$(fingerprint "$key")
  mkdir -p "$out"
  k=0
  xxd -p -c 64 "$key" | ssss-split -t "$t" -n "$n" -x -s 256 -Q | while IFS= read -r share; do
    k=$((k + 1))
    printf 'wiqaya key escrow share %d of %d (any %d recover the key)\nfingerprint %s\n%s\n' \
      "$k" "$n" "$t" "$fp" "$share" >"$out/share-$k.txt"
  done
  echo "key $fp split into $n shares, any $t of which recover it: $out/share-1.txt ... share-$n.txt"
  ;;
recover)
  [[ $# -ge 3 ]] || fail "usage: recover OUT SHARE..."
  out=$2; shift 2
  [[ ! -e $out ]] || fail "$out exists: the key is recovered into a new file"
  fps=$(for f in "$@"; do sed -n 's/^fingerprint //p' "$f"; done | sort -u)
  need=$(sed -n '1s/.*(any \([0-9]*\) recover the key)$/\1/p' "$1")
  [[ $(wc -l <<<"$fps") -eq 1 && -n $fps ]] || fail "the shares are of different keys"
  [[ -n $need ]] || fail "$1 is not a share file"
  (($# >= need)) || fail "$# shares given; this key needs $need"
  tmp=$(mktemp)
  # Any T of the shares recover the key: the first T given. ssss-combine writes the
  # secret on stderr: through the pipe, as bytes, into the file.
  for f in "${@:1:need}"; do sed -n '3p' "$f"; done |
    { ssss-combine -t "$need" -x -Q 2>&1 >/dev/null; } | xxd -r -p >"$tmp" ||
    { rm -f "$tmp"; fail "ssss-combine refused the shares"; }
  got=$(fingerprint "$tmp" 2>/dev/null || true)
  if [[ $(stat -c %s "$tmp") -ne 32 || $got != "$fps" ]]; then
    rm -f "$tmp"
    fail "the recovered key's fingerprint is not $fps: a share is wrong or damaged"
  fi
  mv "$tmp" "$out"
  chmod 0400 "$out"
  echo "key $fps recovered into $out"
  ;;
*) fail "usage: split T N OUTDIR | recover OUT SHARE..." ;;
esac
