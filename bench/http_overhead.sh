#!/usr/bin/env bash
# What the access log and the rate limiters cost a static GET (issue 10), side by side with nginx
# serving a static file and with the dipr before them, under the same wrk:
#   nginx   a 6-byte static file (access_log off, as the yardstick elsewhere)
#   before  BEFORE_DIPR (a build without logs and limits, e.g. main's) on GET /log/checkpoint
#   quiet   this dipr, --log-level warn (no access lines) and no limits
#   log     this dipr, an access line per request (to a file), no limits
#   limits  this dipr, access log and both limiters on (rates high enough that none refuses)
# Usage: bench/http_overhead.sh [BUILD_DIR]   env: BEFORE_DIPR (default: /work/main/build/dipr),
#        ROUNDS (3), SECONDS_PER_RUN (5), CONNECTIONS (64)
set -euo pipefail
build=${1:-build}
dipr=$(realpath "$build/dipr")
before=${BEFORE_DIPR:-/work/main/build/dipr}
rounds=${ROUNDS:-3}
secs=${SECONDS_PER_RUN:-5}
conns=${CONNECTIONS:-64}
work=$(mktemp -d /tmp/dipr-overhead.XXXXXX)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

source "$(dirname "$0")/nginx.sh"
start_nginx "$work"

declare -A url
start() {  # name binary args...
  local name=$1 bin=$2
  shift 2
  local port
  port=$(free_port)
  "$bin" serve --data "$work/data-$name" --listen "127.0.0.1:$port" "$@" 2>"$work/$name.log" &
  pids+=($!)
  url[$name]="http://127.0.0.1:$port/log/checkpoint"
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.02; done
}
start before "$before"
start quiet "$dipr" --log-level warn --rate-limit-address 0 --rate-limit-account 0 \
  --max-connections-per-address 0
start log "$dipr" --rate-limit-address 0 --rate-limit-account 0 --max-connections-per-address 0
start limits "$dipr" --rate-limit-address 1000000 --rate-burst-address 1000000 \
  --max-connections-per-address 1000
url[nginx]="http://127.0.0.1:$nginx_port/index.html"

declare -A results
for r in $(seq "$rounds"); do
  for name in nginx before quiet log limits; do
    rps=$(wrk -t2 -c"$conns" -d"${secs}s" "${url[$name]}" | awk '/Requests\/sec/ {print $2}')
    results[$name]+="$rps "
  done
done
printf "%-8s %s\n" run "req/s per round"
for name in nginx before quiet log limits; do printf "%-8s %s\n" "$name" "${results[$name]}"; done
echo "access lines written by 'limits': $(grep -c '^' "$work/limits.log") ($(du -h "$work/limits.log" | cut -f1))"
grep -m1 ' request ' "$work/log.log" || true
