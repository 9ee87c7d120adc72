#!/usr/bin/env bash
# The main job on the repository's own content: extract, update, build every language, status.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
out="${1:-out}"
equalcity extract
equalcity update
for lang in $(ls locales | grep -v '^templates$'); do
  equalcity build --locale "$lang" --out "$out/$lang"
done
equalcity status
