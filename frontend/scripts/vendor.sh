#!/bin/sh
# Copies the pinned browser libraries from node_modules (npm ci) into the static folders.
# The copies are generated files: frontend/.gitignore keeps them out of git. Idempotent and quiet.
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules/@alpinejs/csp ] || [ ! -d node_modules/chart.js ]; then
  echo "vendor.sh: run 'npm ci' in frontend/ first" >&2
  exit 1
fi
mkdir -p dashboard/vendor
cp node_modules/@alpinejs/csp/dist/cdn.min.js dashboard/vendor/alpine-csp.min.js
cp node_modules/chart.js/dist/chart.umd.min.js dashboard/vendor/chart.umd.min.js
for lib in @alpinejs/csp chart.js; do
  printf '%s %s\n' "$lib" "$(node -p "require('./node_modules/$lib/package.json').version")"
done > dashboard/vendor/VERSIONS
