#!/bin/bash
# Real PostgreSQL 15 server log: initdb, start, pgbench load, failing SQL, lock timeout,
# deadlock, checkpoint, bad logins, restart, fast shutdown. Usage: postgres.sh OUT.log
set -u
OUT=${1:-postgres.log}
BIN=/usr/lib/postgresql/15/bin
D=$(mktemp -d /tmp/pgbench.XXXX); chown postgres "$D"
as() { su postgres -s /bin/bash -c "$*"; }
as "$BIN/initdb -D $D/data -A trust >/dev/null"
cat >> $D/data/postgresql.conf <<CONF
port = 5499
unix_socket_directories = '$D'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_connections = on
log_disconnections = on
log_checkpoints = on
log_lock_waits = on
deadlock_timeout = 200ms
log_min_duration_statement = 50
log_autovacuum_min_duration = 0
autovacuum_naptime = 2
log_temp_files = 0
work_mem = 64kB
CONF
cat > $D/data/pg_hba.conf <<CONF
local all baduser reject
local all all trust
host all all 127.0.0.1/32 scram-sha-256
CONF
LOG=$D/server.log; chown postgres "$D"; touch $LOG; chown postgres $LOG
P="-h $D -p 5499"
as "$BIN/pg_ctl -D $D/data -l $LOG -w start" >/dev/null
as "$BIN/createdb $P bench"
as "$BIN/pgbench $P -i -s 2 bench" >/dev/null 2>&1
as "$BIN/pgbench $P -c 4 -j 2 -T 8 bench" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'select * from no_such_table'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'select 1/0'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'insert into pgbench_branches values (1, 0, null)'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'selec 1'" >/dev/null 2>&1
as "$BIN/psql $P -d nosuchdb -c 'select 1'" >/dev/null 2>&1
as "$BIN/psql $P -U baduser -d bench -c 'select 1'" >/dev/null 2>&1
PGPASSWORD=wrong as "$BIN/psql -h 127.0.0.1 -p 5499 -d bench -c 'select 1'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'select pg_sleep(0.3)'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'select count(*) from generate_series(1,300000) g, (select 1) x order by 1'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'select g from generate_series(1,200000) g order by g desc limit 5'" >/dev/null 2>&1
# lock wait + lock timeout
as "$BIN/psql $P -d bench -c 'begin; lock table pgbench_tellers; select pg_sleep(1.5); commit;'" >/dev/null 2>&1 &
sleep 0.3
as "$BIN/psql $P -d bench -c \"set lock_timeout='800ms'; update pgbench_tellers set tbalance=0 where tid=1\"" >/dev/null 2>&1
wait
# deadlock
as "$BIN/psql $P -d bench -c 'begin; update pgbench_accounts set abalance=1 where aid=1; select pg_sleep(0.5); update pgbench_accounts set abalance=1 where aid=2; commit;'" >/dev/null 2>&1 &
as "$BIN/psql $P -d bench -c 'begin; update pgbench_accounts set abalance=2 where aid=2; select pg_sleep(0.5); update pgbench_accounts set abalance=2 where aid=1; commit;'" >/dev/null 2>&1 &
wait
as "$BIN/psql $P -d bench -c 'checkpoint'" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'vacuum analyze'" >/dev/null 2>&1
as "$BIN/pgbench $P -c 2 -j 1 -T 4 -S bench" >/dev/null 2>&1
as "$BIN/pgbench $P -C -c 2 -j 1 -t 150 -S bench" >/dev/null 2>&1
as "$BIN/pg_ctl -D $D/data -l $LOG -w -m fast restart" >/dev/null
as "$BIN/pgbench $P -c 3 -j 1 -t 200 -N bench" >/dev/null 2>&1
as "$BIN/psql $P -d bench -c 'select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and backend_type = \$\$client backend\$\$'" >/dev/null 2>&1
as "$BIN/pg_ctl -D $D/data -w -m fast stop" >/dev/null
sed -e "s#$D#/tmp/pgbench#g" $LOG > "$OUT"
rm -rf "$D"
