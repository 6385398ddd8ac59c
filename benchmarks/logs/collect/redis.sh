#!/bin/bash
# Real redis-server 7.0 logs (loglevel verbose): a primary under redis-benchmark load with
# BGSAVE/SAVE, client connect/disconnect, a replica pointed at a dead primary (retry loop),
# then at the live primary (full sync), a bad-config start, and shutdown. Usage: redis.sh OUT.log
set -u
OUT=${1:-redis.log}
D=$(mktemp -d /tmp/rds.XXXX)
redis-server --port 16390 --dir $D --logfile $D/primary.log --loglevel verbose --save "5 10" --daemonize yes --pidfile $D/p.pid
redis-server --port 16391 --dir $D --dbfilename r.rdb --logfile $D/replica.log --loglevel verbose --replicaof 127.0.0.1 16399 --daemonize yes --pidfile $D/r.pid
redis-server --port 16392 --maxmemory lots --logfile $D/bad.log 2>$D/bad.err
redis-server --port 16393 --dir /nonexistent/dir --logfile $D/bad2.log 2>>$D/bad.err
sleep 1
redis-benchmark -p 16390 -q -n 3000 -c 5 -t set,get,lpush,incr >/dev/null
redis-cli -p 16390 bgsave >/dev/null; sleep 1
for i in $(seq 1 30); do redis-cli -p 16390 ping >/dev/null; done
redis-cli -p 16390 config set maxmemory 1mb >/dev/null
redis-cli -p 16390 config set maxmemory-policy noeviction >/dev/null
redis-benchmark -p 16390 -q -n 20000 -c 2 -t set -r 100000 -d 200 >/dev/null 2>&1
redis-cli -p 16390 config set maxmemory 0 >/dev/null
sleep 4
redis-cli -p 16391 replicaof 127.0.0.1 16390 >/dev/null; sleep 4
redis-benchmark -p 16390 -q -n 2000 -c 3 -t set >/dev/null
redis-cli -p 16390 client kill type replica >/dev/null; sleep 3
redis-cli -p 16390 save >/dev/null
redis-cli -p 16390 debug sleep 0 >/dev/null
redis-cli -p 16391 shutdown >/dev/null 2>&1
redis-benchmark -p 16390 -q -n 1000 -c 4 -t get >/dev/null; sleep 6
redis-cli -p 16390 shutdown >/dev/null 2>&1; sleep 1
{ cat $D/bad.err; cat $D/bad2.log 2>/dev/null; cat $D/primary.log; cat $D/replica.log; } | sed -e "s#$D#/var/lib/redis#g" > "$OUT"
rm -rf "$D"
