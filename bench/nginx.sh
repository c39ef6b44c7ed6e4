# The yardstick both load scripts run beside dipr: nginx serving a 6-byte static file with its
# access log off. Sourced; start_nginx WORK_DIR sets nginx_port (the caller stops
# $WORK_DIR/nginx.pid).
start_nginx() {
  local work=$1
  nginx_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  mkdir -p "$work/html"
  # nginx's workers run as www-data: mktemp's 0700 directory would answer 403 to every request.
  chmod o+x "$work"
  chmod o+rx "$work/html"
  echo "hello" >"$work/html/index.html"
  cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$nginx_port; root $work/html; } }
NGINX
  nginx -c "$work/nginx.conf"
}
