# ini SECTION KEY: the value of KEY in [SECTION] of the file $conf (Wiqaya's configuration),
# comments stripped; the last one, when a section comes again, as the programs read it.
# Sourced by scripts/pg.sh, backup.sh, key_escrow.sh and shard.sh.
# wiqaya_conf ROOT: the configuration a script reads: $WIQAYA_CONF, else the checkout's
# (ROOT/var/wiqaya.conf), else the one the packages install.
wiqaya_conf() {
  if [[ -n ${WIQAYA_CONF:-} ]]; then echo "$WIQAYA_CONF"
  elif [[ -r $1/var/wiqaya.conf ]]; then echo "$1/var/wiqaya.conf"
  else echo /etc/wiqaya/wiqaya.conf; fi
}

ini() {
  awk -v s="[$1]" -v k="$2" '
    /^[ \t]*\[/ { gsub(/[ \t]/, ""); insec = ($0 == s); next }
    insec { line = $0; sub(/[;#].*$/, "", line)
            n = index(line, "="); if (n == 0) next
            key = substr(line, 1, n - 1); val = substr(line, n + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", key); gsub(/^[ \t]+|[ \t]+$/, "", val)
            if (key == k) { found = 1; last = val } }
    END { if (found) print last }' "$conf"
}
