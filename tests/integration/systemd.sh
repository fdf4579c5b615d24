# The systemd units (packaging/systemd, issue 31): systemd-analyze verify finds nothing to
# say of them (their programs pointed at this build), each service is confined as the issue
# asks (no new privileges, no capabilities, the file system read-only, private /tmp, no
# home, no writable-executable memory) and scores "OK" or better in systemd-analyze
# security; the front's own seccomp filter can still be loaded; the timers start their jobs.
source "$(dirname "$0")/../lib.sh"
UNITS=$ROOT/packaging/systemd
mkdir -p "$T/units"
for f in "$UNITS"/*.service "$UNITS"/*.timer; do
  sed "s|/usr/bin/wiqaya-|$BIN/wiqaya-|" "$f" >"$T/units/$(basename "$f")"
done
(cd "$T/units" && systemd-analyze verify ./*.service ./*.timer) >"$T/verify" 2>&1
eq "systemd-analyze verify has nothing to say of the $(ls "$T/units" | wc -l) units" "$(cat "$T/verify")" ""
for u in "$T"/units/*.service; do
  name=$(basename "$u" .service)
  for d in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ProtectHome=yes CapabilityBoundingSet= MemoryDenyWriteExecute=yes; do
    grep -qx "$d" "$u" || { not_ok "$name: $d" "missing"; continue 2; }
  done
  ok "$name: no new privileges, no capabilities, the system read-only, no home, private /tmp, no W+X memory"
  check "$name runs as its own user, not root" grep -qE '^User=wiqaya-(server|etl)$' "$u"
  # Its secrets as credentials (its own 0400 copies), never through a group: the programs
  # refuse a key file others can read (K1002).
  check "$name gets its database password as a credential, and shares no group" \
    bash -c "grep -qE '^LoadCredential=wiqaya_(reader|loader).pgpass:/etc/wiqaya/passwords/' '$u' && ! grep -q '^SupplementaryGroups=' '$u'"
  check "$name lets a front load its own seccomp filter (common/sandbox.c)" grep -qE '^SystemCallFilter=.*\bseccomp\b' "$u"
  score=$(cd "$T/units" && systemd-analyze security --offline=true "$name.service" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  figure "$name: systemd-analyze security exposure $score (0 safe, 10 exposed)"
  check "$name: exposure under 2 (systemd's \"OK\")" awk -v s="$score" 'BEGIN { exit !(s != "" && s < 2) }'
done
for u in server intake; do
  check "the $u's keys are its own credentials" grep -q '^LoadCredential=token.key:/etc/wiqaya/keys/token.key$' "$T/units/wiqaya-$u.service"
done
check "the noise key only the server's (and its release timer's), the pseudonymisation key only the intake's" bash -c \
  "grep -l '^LoadCredential=noise.key' '$T'/units/*.service | xargs -n1 basename | paste -sd, - | grep -qx wiqaya-release.service,wiqaya-server.service &&
   grep -l '^LoadCredential=pseudonym.key' '$T'/units/*.service | xargs -n1 basename | paste -sd, - | grep -qx wiqaya-intake.service"
for t in "$T"/units/*.timer; do
  eq "$(basename "$t") has the job it starts" "$(test -f "${t%.timer}.service" && echo yes)" yes
done
echo "1..$n"
