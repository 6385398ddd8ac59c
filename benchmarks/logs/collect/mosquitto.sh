#!/bin/bash
# Real Mosquitto 2.0 MQTT broker log (log_type all): authenticated publishers and subscribers,
# bad passwords, unknown users, a client killed without DISCONNECT (keepalive expiry), retained
# messages, an oversized message, a SIGHUP reload. Usage: mosquitto.sh OUT.log
set -u
OUT=$(realpath -m "${1:-mosquitto.log}"); D=$(mktemp -d /tmp/mqt.XXXX); chmod 755 $D
touch $D/passwd; mosquitto_passwd -b $D/passwd sensor s3cret-pw 2>/dev/null; mosquitto_passwd -b $D/passwd dash dash-pw 2>/dev/null
chmod 644 $D/passwd
cat > $D/m.conf <<CONF
listener 18883 127.0.0.1
allow_anonymous false
password_file $D/passwd
log_dest file $D/mosquitto.log
log_type all
log_timestamp_format %Y-%m-%dT%H:%M:%S
message_size_limit 2048
CONF
chown -R mosquitto $D 2>/dev/null
mosquitto -c $D/m.conf & M=$!
sleep 1
P="-h 127.0.0.1 -p 18883"
mosquitto_sub $P -u dash -P dash-pw -i dashboard -t 'plant/#' -v > /dev/null & SUB=$!
mosquitto_sub $P -u dash -P dash-pw -i flaky-sub -k 5 -t 'plant/line1/#' > /dev/null & FL=$!
sleep 0.5
RANDOM=9
for i in $(seq 1 40); do mosquitto_pub $P -u sensor -P s3cret-pw -i sensor-$((i % 5)) -t plant/line$((i % 3))/temp -m "{\"t\":$((RANDOM % 90)),\"seq\":$i}"; done
for i in $(seq 1 6); do mosquitto_pub $P -u sensor -P wrong$RANDOM -i intruder-$i -t plant/x -m hi 2>/dev/null; done
mosquitto_pub $P -u ghost -P nope -i ghost-1 -t plant/x -m hi 2>/dev/null
mosquitto_pub $P -u sensor -P s3cret-pw -i sensor-big -t plant/line1/blob -m "$(head -c 5000 /dev/zero | tr '\0' x)" 2>/dev/null
mosquitto_pub $P -u sensor -P s3cret-pw -i config-pub -r -t plant/config -m '{"interval":5}'
kill -9 $FL; sleep 8
for i in $(seq 41 70); do mosquitto_pub $P -u sensor -P s3cret-pw -i sensor-$((i % 5)) -q 1 -t plant/line$((i % 3))/temp -m "{\"t\":$((RANDOM % 90)),\"seq\":$i}"; done
kill -HUP $M; sleep 0.5
mosquitto_sub $P -u dash -P dash-pw -i late-joiner -t plant/config -C 1 >/dev/null
kill $SUB; sleep 0.3; kill $M; sleep 0.5
sed -e "s#$D#/etc/mosquitto#g" $D/mosquitto.log > "$OUT"; rm -rf "$D"
