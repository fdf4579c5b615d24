#!/usr/bin/env bash
# Installs the Debian packages Wiqaya needs, only those missing. As root it runs apt-get;
# otherwise it prints the exact command and stops, so nothing is ever half-installed.
# Then the npm packages of package-lock.json (npm ci), when the lock changed since the
# last install.
set -euo pipefail
cd "$(dirname "$0")/.."

npm_packages() {
  [[ -f package-lock.json ]] || return 0
  cmp -s package-lock.json node_modules/.wiqaya-installed-lock 2>/dev/null && return 0
  echo "deps: npm ci (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  cp package-lock.json node_modules/.wiqaya-installed-lock
}

packages=(
  build-essential pkg-config git curl ca-certificates
  postgresql-15 postgresql-client-15
  libpq-dev libsodium-dev libjansson-dev libmicrohttpd-dev libgsl-dev
  libseccomp-dev  # the fronts' system-call filter (common/sandbox.c)
  libutf8proc-dev libicu-dev libcsv-dev libinih-dev libcmocka-dev zlib1g-dev
  clang-format cppcheck valgrind jq time openssl prometheus wrk libyaml-dev nodejs
  iproute2 util-linux  # ss and flock: the test runner's free ports and its cluster lock
  chromium fonts-dejavu-core  # the dashboard's browser test (DejaVu has the Arabic glyphs)
  python3 python3-psycopg2  # the loading benchmark's peer (bench/load_peer.py)
  r-base-core  # known answers recomputed by R's glm (tests/stats/mse.R)
  r-cran-rsdmx r-cran-jsonlite  # the SDMX read back in R (tests/integration/sdmx_read.R)
  libxlsxwriter-dev r-cran-readxl  # the UN-CTS workbook, and reading it back (server/uncts.c)
  nginx-light  # the example TLS front, run in front of a server (packaging/nginx, access.sh)
  systemd  # systemd-analyze: the units' checks (tests/integration/systemd.sh)
  ssss xxd  # the key escrow's Shamir secret sharing and its hex (scripts/key_escrow.sh)
  debhelper fakeroot  # make deb (debian/), installed into a clean root by tests/integration/packages.sh
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
# Debian's npm, unless the installed nodejs brings its own (NodeSource's does, and
# conflicts with it).
command -v npm >/dev/null || missing+=(npm)
if [[ ${#missing[@]} -eq 0 ]]; then npm_packages; exit 0; fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists; refresh them once if an install fails for that.
if ! $cmd >/dev/null 2>&1; then
  apt-get update -qq
  $cmd >/dev/null
fi
npm_packages
