#!/bin/bash
# Real HAProxy 2.6 log (log stdout, option httplog): 3 backends behind a frontend with health
# checks; one server dead, one killed and restarted mid-run (DOWN/UP transitions, "no server
# available"), 503s, a stats/deny rule (403), a reload via -sf. Usage: haproxy.sh OUT.log
set -u
OUT=$(realpath -m "${1:-haproxy.log}"); D=$(mktemp -d /tmp/hap.XXXX)
srv() { python3 -c "
import http.server,sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(s):
        s.send_response(500 if 'fail' in s.path else 200); s.end_headers(); s.wfile.write(b'ok')
    def log_message(s,*a): pass
http.server.ThreadingHTTPServer(('127.0.0.1',$1),H).serve_forever()" 2>/dev/null & }
srv 18201; S1=$!; srv 18202; S2=$!
cat > $D/h.cfg <<CONF
global
  log stdout format raw local0 info
defaults
  mode http
  log global
  option httplog
  timeout connect 500ms
  timeout client 2s
  timeout server 2s
frontend web
  bind 127.0.0.1:18200
  http-request deny if { path_beg /admin }
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /health
  server s1 127.0.0.1:18201 check inter 300ms fall 2 rise 2
  server s2 127.0.0.1:18202 check inter 300ms fall 2 rise 2
  server s3 127.0.0.1:18203 check inter 300ms fall 2 rise 2
CONF
haproxy -f $D/h.cfg > $D/out.log 2>&1 & H1=$!
sleep 1.5
U=http://127.0.0.1:18200; RANDOM=3
hit() { for i in $(seq 1 $1); do curl -s -o /dev/null "$U/api/item/$RANDOM"; done; }
hit 60; curl -s -o /dev/null $U/admin/users; curl -s -o /dev/null $U/api/fail
kill $S2; sleep 1.5; hit 40
kill $S1; sleep 1.5; hit 10
srv 18201; S1=$!; sleep 1.5; hit 40
srv 18202; S2=$!; sleep 1.5; hit 50; curl -s -o /dev/null $U/admin; curl -s -o /dev/null $U/api/fail
haproxy -f $D/h.cfg -sf $H1 >> $D/out.log 2>&1 & H2=$!
sleep 1.5; hit 30
kill $H2 2>/dev/null; sleep 0.5; kill $S1 $S2
sed -e "s#$D#/etc/haproxy#g" $D/out.log > "$OUT"; rm -rf "$D"
