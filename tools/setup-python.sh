#!/usr/bin/env bash
# Creates .venv with the pinned Python packages mlspec's tests need: the MLflow server they start,
# and the scikit-learn/numpy/pandas references. Idempotent: a venv that already matches is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=tools/reference/requirements.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "python venv up to date (.venv)"
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
echo "python venv ready (.venv)"
