#!/bin/bash
# Usage: python.sh LOGURU_OUT.log STRUCTLOG_OUT.log -- makes a temp venv with loguru+structlog, runs py_app.py
set -eu
H=$(dirname "$(realpath "$0")"); V=$(mktemp -d /tmp/pyapp.XXXX)
python3 -m venv $V && $V/bin/pip install -q loguru structlog && $V/bin/python $H/py_app.py "$1" "$2"; rm -rf $V
