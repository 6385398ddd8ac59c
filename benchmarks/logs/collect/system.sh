#!/bin/bash
# Package-manager logs written by real installs on this machine (the image build, then
#   apt-get install -y nginx redis-server openssh-server rsyslog sudo maven sshpass liblog4j2-java
#   and the npm install done by node.sh). Copies the tails. Usage: system.sh DATA_DIR
set -eu
O=$1
tail -n 2500 /var/log/dpkg.log > $O/dpkg.log
tail -n 2000 /var/log/apt/term.log | sed "s/\r$//; s/.*\r//" > $O/apt_term.log
f=$(grep -l "npm install winston@3 pino@9" ~/.npm/_logs/*.log | tail -1); cp "$f" $O/npm_debug.log
