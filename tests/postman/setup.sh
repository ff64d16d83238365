#!/bin/sh
# Installs newman and the MCP TypeScript SDK (pinned with their closures in package-lock.json) for the
# Postman collection and the second MCP client (mcp_client.mjs, tests/integration/test_mcp.py) in
# `make test`: `npm ci` only when package-lock.json changed since the last install (or node_modules is gone).
# Idempotent and quiet: prints nothing when there is nothing to do.
set -eu
cd "$(dirname "$0")"

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/newman ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" > "$stamp"
fi
