#!/bin/sh
# Installs what the frontend and its browser tests need, on a fresh machine or an up-to-date one:
#   Debian's chromium (only when missing; needs root or sudo), then libraries.sh: `npm ci` (only when
#   package-lock.json changed since the last run) and the copy of the pinned libraries into dashboard/vendor/.
# Idempotent and quiet: prints nothing when there is nothing to do.
set -eu
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x "${MINIRAG_CHROMIUM:-/usr/bin/chromium}" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

sh scripts/libraries.sh
