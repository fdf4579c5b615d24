# The Debian packages (make deb, debian/; issue 31): built with Debian's hardening flags;
# their dependencies satisfiable on this machine; installed into a clean root with
# `dpkg --root` (the maintainer scripts run outside a chroot, with DPKG_ROOT, as dpkg's
# --force-script-chrootless has them), which makes each program's system user and no key,
# and runs no migration; then, from the installed files alone (the programs, the code
# lists, the migrations, the dashboard, the configuration the package ships, pointed at
# this test's cluster), a migrate, a synthetic country loaded, the API and the dashboard
# answered.
source "$(dirname "$0")/../lib.sh"
fresh_db packages
psql_admin -c "DROP DATABASE $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null # empty: the package must not migrate it

check "make deb builds the packages" make -C "$ROOT" --no-print-directory deb DEB_OUT="$T/deb"
mapfile -t debs < <(ls "$T"/deb/*.deb)
eq "three of them" "$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done | sort | tr '\n' ' ')" \
  "wiqaya-common wiqaya-etl wiqaya-server "
R=$T/root
check "the programs are hardened (PIE, bind-now, stack protector, fortified)" bash -c "
  dpkg-deb -x '$T/deb/wiqaya-server_'*.deb '$T/x' && f='$T/x/usr/bin/wiqaya-server' &&
  readelf -h \"\$f\" | grep -q 'DYN (Position-Independent' && readelf -d \"\$f\" | grep -q BIND_NOW &&
  nm -D \"\$f\" | grep -q __stack_chk_fail && nm -D \"\$f\" | grep -q '_chk@'"
check "their dependencies are satisfiable here (apt-get --simulate)" \
  apt-get install --simulate --no-install-recommends "${debs[@]}"

# A clean root: an empty dpkg database and the accounts files a new system has.
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc"
: >"$R/var/lib/dpkg/status"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
force=script-chrootless,depends # the root holds no libc: its dependencies are the host's, checked above
[[ $(id -u) -eq 0 ]] || force+=,not-root
host_accounts=$(cat /etc/passwd /etc/group | md5sum)
check "they install into it (dpkg --root)" dpkg --root="$R" --force-"$force" -i "${debs[@]}"
eq "each installed" "$(dpkg --root="$R" -l 'wiqaya-*' | awk '/^ii/ { printf "%s ", $2 }')" "wiqaya-common wiqaya-etl wiqaya-server "
check "each program has its own system user (systemd-sysusers)" \
  bash -c "grep -q '^wiqaya-server:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' '$R/etc/passwd' && grep -q '^wiqaya-etl:' '$R/etc/passwd'"
eq "in the root's accounts: this machine's are as they were" "$(cat /etc/passwd /etc/group | md5sum)" "$host_accounts"
eq "the keys' and passwords' folders are root's alone, and empty: no key made" \
  "$(stat -c '%a %U' "$R/etc/wiqaya/keys" "$R/etc/wiqaya/passwords" | tr '\n' ' ')$(find "$R/etc/wiqaya/keys" "$R/etc/wiqaya/passwords" -mindepth 1 | wc -l)" "700 root 700 root 0"
eq "no migration ran: the database is as it was made" "$(psql_t -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('warehouse', 'analytics', 'auth')")" 0
check "the configuration is a conffile" grep -qx /etc/wiqaya/wiqaya.conf "$R/var/lib/dpkg/info/wiqaya-common.conffiles"
check "the units are installed, none enabled" bash -c "ls '$R/lib/systemd/system/wiqaya-server.service' '$R/lib/systemd/system/wiqaya-intake.service' >/dev/null && ! ls '$R'/etc/systemd/system/*.wants/wiqaya-* 2>/dev/null"
(cd "$R/lib/systemd/system" && for u in wiqaya-*.service wiqaya-*.timer; do
  sed "s|/usr/bin/wiqaya-|$R/usr/bin/wiqaya-|" "$u" >"$T/$u"; done)
(cd "$T" && systemd-analyze verify ./wiqaya-*.service ./wiqaya-*.timer) >"$T/verify" 2>&1
eq "systemd-analyze verify has nothing to say of the installed units" "$(cat "$T/verify")" ""

# The installed programs, on the packaged configuration pointed at this test's cluster,
# keys and ports, and at the root's files instead of /usr/share.
BIN=$R/usr/bin
sed -n '/^\[database\]/,/^\[/p' "$CONF" | grep -E '^(host|port|passwords|dbname) *=' >"$T/db"
awk -v db="$T/db" -v keys="$T/pkeys" -v root="$R" -v http="$TEST_HTTP_PORT" -v intake="$TEST_INTAKE_PORT" '
  BEGIN { while ((getline l < db) > 0) { split(l, kv, / *= */); d[kv[1]] = kv[2] } }
  /^\[/ { section = $0 }
  section == "[database]" && match($0, /^(host|port|passwords|dbname) *=/) { k = $0; sub(/ *=.*/, "", k); print k " = " d[k]; next }
  /^(pseudonym_key|noise_key|token_key) *=/ { k = $1; f = $3; sub(/.*\//, "", f); print k " = " keys "/" f; next }
  section == "[server]" && /^port *=/ { print "port = " http; next }
  section == "[intake]" && /^port *=/ { print "port = " intake; next }
  /^level *=/ { print "level = warning"; next }
  { gsub(/\/usr\/share\/wiqaya\//, root "/usr/share/wiqaya/"); print }' "$R/etc/wiqaya/wiqaya.conf" >"$CONF"
generous_budgets
check "the packaged configuration names only installed files" bash -c "! grep -nE '^[a-z_]+ *= *(config|sql|docs|build|var)/' '$CONF'"
check "wiqaya-etl migrate, from the package's migrations" cluster_lock "$BIN/wiqaya-etl" migrate
mkdir -p "$T/pkeys"
check "the operator makes the keys with the installed programs" bash -c "'$BIN/wiqaya-etl' keygen && '$BIN/wiqaya-server' keygen"
load_country 39 1500
eq "the demo country is loaded" "$(psql_t -c 'SELECT count(*) > 1000 FROM analytics.victim_year')" t
start_server
TOKEN=$(new_token researcher)
eq "the installed server answers a table" \
  "$(api '/api/v1/analytics?indicator=victims&dimension=sex' | jq -r '[(.rows | length > 0), (.metaData.data_version | type)] | @tsv')" "true	number"
check "and serves the dashboard from /usr/share/wiqaya/web" bash -c "curl -sf 'http://127.0.0.1:$TEST_HTTP_PORT/' | grep -qi '<html'"
eq "and its API description" "$(api /api/v1/openapi.json | jq -r '.openapi | startswith("3.")')" true
stop_server
check "wiqaya-backup, the package's backup command, works on the packaged configuration" \
  "$R/usr/sbin/wiqaya-backup" dump "$T/packaged.dump"
echo "1..$n"
