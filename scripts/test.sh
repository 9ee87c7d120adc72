#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest (unit, golden, property, CLI, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
EQUALCITY_BROWSER=1 bash scripts/install.sh
python3 -m ruff check src tests benchmarks
python3 -m ruff format --check src tests benchmarks
python3 -m mypy
# Screenshots of every page the browser tests open, uploaded by CI.
EQUALCITY_SCREENSHOTS=test-artifacts/screenshots python3 -m pytest -q -p no:cacheprovider --durations=12
