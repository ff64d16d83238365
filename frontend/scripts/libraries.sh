#!/bin/sh
# The dashboard's pinned libraries: `npm ci` when package-lock.json changed since the last run (or never
# ran), then their copy into dashboard/vendor/. `make run` and `make test` (through setup.sh) call it.
# Quiet when there is nothing to do; when Node.js/npm is missing or npm fails it says so and exits non-zero:
# a dashboard without its libraries is a blank page, so nothing may start as if all were well.
set -eu
cd "$(dirname "$0")/.."

fail() {
  echo "frontend: $1" >&2
  echo "frontend: the dashboard cannot run without its libraries (Alpine.js, Chart.js, pinned in" \
    "frontend/package-lock.json); fix the above and run the command again" >&2
  exit 1
}

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f dashboard/vendor/alpine-csp.min.js ] &&
  [ -f dashboard/vendor/chart.umd.min.js ]; then
  exit 0 # installed from this lock and copied: nothing to do
fi

command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 ||
  fail "Node.js 18 or newer with npm is required (Debian/Ubuntu: apt-get install nodejs npm)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null ||
  fail "'npm ci' in frontend/ failed (its errors are above: no network to the npm registry, an old npm?)"
sh scripts/vendor.sh || fail "copying the libraries into dashboard/vendor/ failed"
echo "$want" > "$stamp"
