#!/usr/bin/env bash
# Creates the Python venvs mlspec's tests need, from pinned requirements. Idempotent: a venv that
# already matches its requirements file is kept.
#   .venv                  the MLflow server and client of the newest MLflow release, and the
#                          scikit-learn/numpy/pandas references (tools/reference/requirements.txt)
#   .venv-mlflow-oldest    the oldest MLflow release mlspec supports, for the oldest-MLflow test
#                          tier (tools/reference/requirements-mlflow-oldest.txt; see README)
set -euo pipefail
cd "$(dirname "$0")/.."

make_venv() {
  local venv=$1 requirements=$2
  local stamp=$venv/.requirements.sha256
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "python venv up to date ($venv)"
    return
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
  echo "python venv ready ($venv)"
}

make_venv .venv tools/reference/requirements.txt
make_venv .venv-mlflow-oldest tools/reference/requirements-mlflow-oldest.txt
