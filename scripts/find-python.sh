#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter (the Lambda runtime's version), or fails clearly.
set -euo pipefail
for candidate in "${PYTHON:-}" python3.13; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
    path=$(command -v "$candidate")
    if "$path" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
      echo "$path"; exit 0
    fi
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -rV); do
    path="$(pyenv prefix "$version")/bin/python"
    if [ -x "$path" ]; then echo "$path"; exit 0; fi
  done
fi
echo "error: Python 3.13 not found. Install it (pyenv install 3.13.0, or your OS package python3.13) or set PYTHON=/path/to/python3.13." >&2
exit 1
