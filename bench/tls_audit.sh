#!/usr/bin/env bash
# dipr audit over https (nginx as the TLS proxy, as docs/DEPLOY.md deploys it) against the same
# registry over http, straight and through the same nginx without TLS; and one GET with curl
# beside `dipr settings show`. Numbers in docs/PERFORMANCE.md ("The CLI over https").
# Usage: bench/tls_audit.sh BUILD_DIR [APPLICATIONS] [RUNS]
set -euo pipefail
build=${1:-build}; apps=${2:-2000}; runs=${3:-3}
dipr=$(realpath "$build/dipr")
work=$(mktemp -d /tmp/dipr-tls-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dport=$(free_port); tport=$(free_port); pport=$(free_port)
cleanup() { [[ -n ${npid:-} ]] && kill "$npid" 2>/dev/null; [[ -n ${dpid:-} ]] && kill "$dpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$dipr" serve --data "$work/data" --listen "127.0.0.1:$dport" --notice-period 1s 2>"$work/serve.log" & dpid=$!
until curl -sf "http://127.0.0.1:$dport/healthz" >/dev/null; do sleep 0.1; done
"$build/bench/workflow_load" --server "http://127.0.0.1:$dport" \
  --admin-token-file "$work/data/admin.token" --applications "$apps" --workers 8 >"$work/load.log" 2>&1

cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj '/CN=bench CA' 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj '/CN=localhost' 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
  -extfile server.ext 2>/dev/null
mkdir -p temp
cat > nginx.conf <<CONF
daemon off; master_process off; worker_processes 1;
pid $work/nginx.pid; error_log $work/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $work/temp/body; proxy_temp_path $work/temp/proxy;
  fastcgi_temp_path $work/temp/fastcgi; uwsgi_temp_path $work/temp/uwsgi; scgi_temp_path $work/temp/scgi;
  upstream dipr { server 127.0.0.1:$dport; keepalive 32; }
  server {
    listen 127.0.0.1:$tport ssl; listen 127.0.0.1:$pport;
    ssl_certificate $work/server.pem; ssl_certificate_key $work/server.key;
    ssl_protocols TLSv1.2 TLSv1.3; keepalive_requests 1000000;
    location / { proxy_pass http://dipr; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$host; }
  }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" & npid=$!
until curl -sf --cacert ca.pem "https://localhost:$tport/healthz" >/dev/null; do sleep 0.1; done
"$dipr" key --server "http://127.0.0.1:$dport" -o registry.key >/dev/null

audit() {  # label, server, extra args
  local label=$1; shift
  for i in $(seq "$runs"); do
    local t0=$(date +%s.%N)
    "$dipr" audit --key registry.key "$@" --json >audit.json
    local t1=$(date +%s.%N)
    printf '%-28s run %d: %.2f s wall (%s)\n' "$label" "$i" "$(echo "$t1 - $t0" | bc)" \
      "$(python3 -c 'import json; j=json.load(open("audit.json")); print(j["size"], "entries,", j["records_checked"], "records,", j["listing_items_checked"], "listing items")')"
  done
}
audit "http, direct" --server "http://127.0.0.1:$dport"
audit "http, through nginx" --server "http://127.0.0.1:$pport"
audit "https, through nginx" --server "https://localhost:$tport" --ca ca.pem

one_get() {  # label, command...
  local label=$1; shift
  local t0=$(date +%s.%N)
  for i in $(seq 50); do "$@" >/dev/null; done
  local t1=$(date +%s.%N)
  printf '%-40s %.1f ms per run (50 runs)\n' "$label" "$(echo "($t1 - $t0) * 20" | bc)"
}
one_get "curl http GET /v1/settings" curl -s "http://127.0.0.1:$pport/v1/settings"
one_get "dipr settings show (http)" "$dipr" settings show --server "http://127.0.0.1:$pport"
one_get "curl https GET /v1/settings" curl -s --cacert ca.pem "https://localhost:$tport/v1/settings"
one_get "dipr settings show (https)" "$dipr" settings show --server "https://localhost:$tport" --ca ca.pem
