#!/usr/bin/env bash
# Re-pin every Python dependency (with hashes) after a change to pyproject.toml, or to take
# newer releases on purpose: the scheduled latest-dependencies workflow says when that is safe.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check uv
python3 -m uv pip compile pyproject.toml --extra test --generate-hashes --universal \
  --python-version 3.11 --quiet -o requirements/lock.txt "$@"
python3 -m uv pip compile requirements/build.in --generate-hashes --universal \
  --python-version 3.11 --quiet -o requirements/build.txt "$@"
