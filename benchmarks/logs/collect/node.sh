#!/bin/bash
# Usage: node.sh WINSTON_OUT.log PINO_OUT.log  -- installs winston/pino from npm into a temp dir and runs node_app.js
set -eu
W=$(realpath -m "$1"); P=$(realpath -m "$2"); H=$(dirname "$(realpath "$0")")
T=$(mktemp -d /tmp/nodeapp.XXXX); cd $T && npm init -y >/dev/null && npm install -s winston@3 pino@9 >/dev/null
cp "$H/node_app.js" . && rm -f "$W" "$P" && node node_app.js "$W" "$P"; rm -rf "$T"
