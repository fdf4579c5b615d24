#!/usr/bin/env bash
# Escrow of the pseudonymisation key by Shamir's secret sharing (docs/privacy.md, "Key
# escrow"), with Debian's ssss: the key split into N shares of which any T recover it and
# fewer say nothing of it, each share a file for one custodian; and its recovery, checked
# against the key's public fingerprint (wiqaya-etl fingerprint FILE) before it is kept.
#
#   scripts/key_escrow.sh split T N OUTDIR     the configured key ([keys] pseudonym_key)
#   scripts/key_escrow.sh recover OUT SHARE... T or more share files, into the new file OUT
#
# The key and its hex form only pass through pipes (never an argument, a variable or the
# environment); recovered, it is written beside OUT under a temporary name, removed on any
# exit, and renamed to OUT only once its fingerprint is the shares'. A share file holds
# one share and the fingerprint of the key it belongs to. Exit 0 done, 2 refused.
set -euo pipefail
umask 077
# (Installed, the command is a link to the script: /usr/sbin/wiqaya-* -> /usr/share/wiqaya/scripts.)
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# The installed program, or this checkout's build.
ETL=$(command -v wiqaya-etl || echo "$root/build/bin/wiqaya-etl")
# shellcheck source=scripts/ini.sh
source "$root/scripts/ini.sh"
conf=$(wiqaya_conf "$root")
fail() { echo "key_escrow: $*" >&2; exit 2; }
command -v ssss-split >/dev/null || fail "ssss is not installed (scripts/deps.sh installs it)"
[[ -r $conf ]] || fail "no configuration at $conf (WIQAYA_CONF)"
fingerprint() { WIQAYA_CONF=$conf "$ETL" fingerprint "$1"; }

case ${1:-} in
split)
  [[ $# -eq 4 && $2 =~ ^[0-9]+$ && $3 =~ ^[0-9]+$ ]] || fail "usage: split T N OUTDIR"
  t=$2 n=$3 out=$4
  ((t >= 2 && t <= n && n <= 255)) || fail "a threshold from 2 to the number of shares (at most 255)"
  key=$(ini keys pseudonym_key)
  [[ -r $key && $(stat -c %s "$key") -eq 32 ]] || fail "no 32-byte key at [keys] pseudonym_key ($key)"
  [[ ! -e $out ]] || fail "$out exists: shares are written into a new folder"
  fp=$(fingerprint "$key") || fail "the key's fingerprint could not be read"
  mkdir "$out"
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
  [[ -n $fps && $(wc -l <<<"$fps") -eq 1 ]] || fail "the shares are of different keys"
  [[ -n $need ]] || fail "$1 is not a share file"
  (($# >= need)) || fail "$# shares given; this key needs $need"
  # Beside OUT (the same file system: the rename is atomic), gone on any exit.
  tmp=$(mktemp "$(dirname "$out")/.wiqaya-key.XXXXXX")
  trap 'rm -f "$tmp"' EXIT INT TERM
  # Any T of the shares recover the key: the first T given. ssss-combine writes the
  # secret on stderr: through the pipe, as bytes, into the file.
  for f in "${@:1:need}"; do sed -n '3p' "$f"; done |
    { ssss-combine -t "$need" -x -Q 2>&1 >/dev/null; } | xxd -r -p >"$tmp" ||
    fail "ssss-combine refused the shares"
  got=$(fingerprint "$tmp" 2>/dev/null || true)
  [[ $(stat -c %s "$tmp") -eq 32 && $got == "$fps" ]] ||
    fail "the recovered key's fingerprint is not $fps: a share is wrong or damaged"
  # A hard link, not a rename: it never replaces a file that appeared meanwhile.
  ln "$tmp" "$out" || fail "$out appeared meanwhile: nothing was written there"
  chmod 0400 "$out"
  echo "key $fps recovered into $out"
  ;;
*) fail "usage: split T N OUTDIR | recover OUT SHARE..." ;;
esac
