#!/bin/bash
# Real OpenSSH sshd (LogLevel VERBOSE) on 127.0.0.1:2222: brute-force style failed logins with
# invalid users and wrong passwords, a refused root password login, successful key logins running
# a command, a session killed mid-way, a config reload (SIGHUP). Usage: sshd.sh OUT.log
set -u
OUT=${1:-sshd.log}
D=$(mktemp -d /tmp/sshd.XXXX); mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f $D/host_ed25519; ssh-keygen -q -t ed25519 -N '' -f $D/client
id benchuser >/dev/null 2>&1 || useradd -m -s /bin/bash benchuser
echo 'benchuser:Correct-Horse-9' | chpasswd
mkdir -p ~benchuser/.ssh; cp $D/client.pub ~benchuser/.ssh/authorized_keys; chown -R benchuser ~benchuser/.ssh; chmod 700 ~benchuser/.ssh
cat > $D/sshd_config <<CONF
Port 2222
ListenAddress 127.0.0.1
HostKey $D/host_ed25519
LogLevel VERBOSE
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
MaxAuthTries 3
PidFile $D/sshd.pid
CONF
/usr/sbin/sshd -f $D/sshd_config -E $D/sshd.log
sleep 0.5
O="-p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=QUIET -o ConnectTimeout=5"
try() { sshpass -p "$2" ssh $O -o PreferredAuthentications=password -o PubkeyAuthentication=no "$1@127.0.0.1" true 2>/dev/null; }
RANDOM=11
USERS=(admin oracle test ubuntu git postgres pi user guest ftpuser deploy jenkins)
for i in $(seq 1 45); do try "${USERS[$((RANDOM % 12))]}" "pass$RANDOM"; done
for i in $(seq 1 8); do try benchuser "wrong$RANDOM"; done
try root toor
for i in $(seq 1 10); do ssh $O -i $D/client benchuser@127.0.0.1 "uptime" >/dev/null 2>&1; done
try benchuser Correct-Horse-9
kill -HUP $(cat $D/sshd.pid); sleep 1
ssh $O -o BatchMode=yes nobody@127.0.0.1 true 2>/dev/null
echo "garbage" | timeout 2 bash -c "cat > /dev/tcp/127.0.0.1/2222" 2>/dev/null
for i in $(seq 1 20); do try "${USERS[$((RANDOM % 12))]}" "pass$RANDOM"; done
timeout 1 ssh $O -i $D/client benchuser@127.0.0.1 "sleep 5" >/dev/null 2>&1
for i in $(seq 1 5); do ssh $O -i $D/client benchuser@127.0.0.1 "ls /nonexistent" >/dev/null 2>&1; done
kill $(cat $D/sshd.pid); sleep 1
sed -e "s#$D#/etc/ssh#g" $D/sshd.log > "$OUT"
rm -rf "$D"
