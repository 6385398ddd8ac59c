#!/bin/bash
# Real rsyslogd (traditional file format) capturing /dev/log while real programs run: sudo
# (allowed, denied, wrong passwords), su failures, useradd/usermod/userdel/groupadd, chpasswd,
# logger from scripts. Usage: syslog.sh OUT.log   (needs apt: rsyslog sudo sshpass; run as root)
set -u
OUT=$(realpath -m "${1:-syslog.log}")
D=$(mktemp -d /tmp/rsys.XXXX)
cat > $D/rsyslog.conf <<CONF
module(load="imuxsock" SysSock.Name="/dev/log")
\$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat
*.* $D/syslog
CONF
rsyslogd -f $D/rsyslog.conf -i $D/rsyslogd.pid
sleep 1
id benchuser >/dev/null 2>&1 || useradd -m -s /bin/bash benchuser
echo 'benchuser:Correct-Horse-9' | chpasswd
echo 'benchuser ALL=(ALL) /usr/bin/id, /usr/bin/ls' > /etc/sudoers.d/benchuser
RANDOM=5
for i in $(seq 1 12); do
  su benchuser -c "echo Correct-Horse-9 | sudo -S -k id >/dev/null 2>&1"
  su benchuser -c "echo wrong$RANDOM | sudo -S -k ls /root >/dev/null 2>&1"
  su benchuser -c "echo Correct-Horse-9 | sudo -S -k cat /etc/shadow >/dev/null 2>&1"
  logger -t backup -p local0.info "backup job $i started for volume vol$((RANDOM % 4))"
  logger -t backup -p local0.info "backup job $i finished: $((RANDOM % 900)) files, $((RANDOM % 5000)) MB"
  [ $((i % 4)) = 0 ] && logger -t backup -p local0.err "backup job $i: snapshot of vol$((RANDOM % 4)) failed: device busy"
  su benchuser -c "echo nope | su -c true root" >/dev/null 2>&1
done
for u in alice bob carol; do useradd -m $u; usermod -aG users $u; echo "$u:pw$RANDOM" | chpasswd; done
groupadd ops; usermod -aG ops alice; gpasswd -d alice ops >/dev/null
useradd alice 2>/dev/null; userdel -r carol 2>/dev/null; userdel -r bob 2>/dev/null; userdel -r alice 2>/dev/null; groupdel ops
for i in $(seq 1 25); do logger -t healthcheck -p daemon.info "probe http://127.0.0.1:8080/healthz status=200 latency=$((RANDOM % 40))ms"; done
logger -t healthcheck -p daemon.warning "probe http://127.0.0.1:8080/healthz status=503 latency=5001ms"
logger -t kernel-sim -p kern.crit "disk sda reported 3 pending sectors (SMART)" 
sleep 1; kill $(cat $D/rsyslogd.pid); sleep 0.5
sed -e "s#$D#/var/log#g" $D/syslog > "$OUT"; rm -rf "$D" /etc/sudoers.d/benchuser
