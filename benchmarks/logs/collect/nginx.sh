#!/bin/bash
# Real nginx 1.22 access + error logs: static 200/304/404, a dead upstream (502), a slow
# upstream (504), rate limiting (503), a forbidden dir (403), a config reload, a bad reload
# attempt, and shutdown. Usage: nginx.sh OUT_ACCESS.log OUT_ERROR.log
set -u
ACC=${1:-nginx_access.log}; ERR=${2:-nginx_error.log}
D=$(mktemp -d /tmp/ngx.XXXX); mkdir -p $D/www/static $D/www/private $D/logs
for i in $(seq 1 20); do head -c $((i*317)) /usr/share/common-licenses/GPL-3 > $D/www/static/page$i.html; done
echo ok > $D/www/index.html; chmod 755 $D; chmod -R a+rX $D/www; chmod 000 $D/www/private
python3 -c "
import http.server,time,sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(s):
        if 'slow' in s.path: time.sleep(3)
        s.send_response(500 if 'boom' in s.path else 200); s.end_headers(); s.wfile.write(b'x'*100)
    def log_message(s,*a): pass
http.server.ThreadingHTTPServer(('127.0.0.1',18081),H).serve_forever()" & UP=$!
cat > $D/nginx.conf <<CONF
worker_processes 2;
pid $D/nginx.pid;
error_log $D/logs/error.log info;
events { worker_connections 64; }
http {
  access_log $D/logs/access.log combined;
  limit_req_zone \$binary_remote_addr zone=api:1m rate=5r/s;
  upstream app { server 127.0.0.1:18081; }
  upstream dead { server 127.0.0.1:18099; }
  client_body_temp_path $D/tmp; proxy_temp_path $D/tmp; fastcgi_temp_path $D/tmp; uwsgi_temp_path $D/tmp; scgi_temp_path $D/tmp;
  server {
    listen 127.0.0.1:18080;
    root $D/www;
    location /api/ { limit_req zone=api burst=3 nodelay; proxy_pass http://app; proxy_read_timeout 1s; }
    location /legacy/ { proxy_pass http://dead; }
    location /private/ { autoindex on; }
  }
}
CONF
mkdir -p $D/tmp
nginx -c $D/nginx.conf -e $D/logs/error.log
sleep 0.5
U=http://127.0.0.1:18080
AG=("curl/7.88.1" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0" "python-requests/2.31.0" "Go-http-client/1.1" "kube-probe/1.28")
req() { curl -s -o /dev/null -A "${AG[$((RANDOM % 5))]}" "$@"; }
RANDOM=7
for round in 1 2 3; do
  for i in $(seq 1 60); do req "$U/static/page$(( (RANDOM % 24) + 1 )).html"; done
  for i in $(seq 1 15); do req "$U/"; req -H "If-Modified-Since: $(date -R)" "$U/static/page3.html"; done
  req "$U/api/slow/report"; req "$U/api/boom"                            # 504, 500
  sleep 1
  for i in $(seq 1 12); do req "$U/api/items?id=$RANDOM"; done          # some 503 (rate limited)
  for i in $(seq 1 4); do req "$U/legacy/login.php?u=$RANDOM"; done      # 502
  req "$U/private/"; req "$U/../../etc/passwd"; req "$U/wp-admin/setup.php"; req -X POST "$U/static/page1.html"
  req "$U/%00"; req -X DELETE "$U/"
  if [ $round = 1 ]; then nginx -c $D/nginx.conf -e $D/logs/error.log -s reload; sleep 1; fi
  if [ $round = 2 ]; then cp $D/nginx.conf $D/nginx.good; echo "bogus_directive on;" >> $D/nginx.conf
     nginx -c $D/nginx.conf -e $D/logs/error.log -s reload 2>/dev/null; nginx -t -c $D/nginx.conf -e $D/logs/error.log 2>/dev/null
     cp $D/nginx.good $D/nginx.conf; nginx -c $D/nginx.conf -e $D/logs/error.log -s reopen; sleep 1; fi
  for i in $(seq 1 40); do req "$U/api/v2/users/$((RANDOM % 50))"; sleep 0.05; done
done
nginx -c $D/nginx.conf -e $D/logs/error.log -s quit; sleep 1; kill $UP
sed -e "s#$D#/srv/site#g" $D/logs/access.log > "$ACC"; sed -e "s#$D#/srv/site#g" $D/logs/error.log > "$ERR"
rm -rf "$D"
