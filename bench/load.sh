#!/usr/bin/env bash
# The load run of the evidence-deposit issue, side by side with nginx under the same wrk:
#   - nginx serving a small static file (the yardstick),
#   - POST /v1/deposits with unique digests (every one durable before its 201),
#   - GET /log/proof/inclusion for random indexes,
# with the log filled to ENTRIES first; then start-up time and memory of a restarted server.
# Usage: bench/load.sh [BUILD_DIR]   env: ENTRIES (default 1000000), SECONDS_PER_RUN (10),
#        ROUNDS (3), CONNECTIONS (256), DATA (default: a fresh temp dir; reuse one to skip filling),
#        DB (a PostgreSQL URI for `dipr serve --db`; default: SQLite in DATA)
set -euo pipefail
build=${1:-build}
dipr=$(realpath "$build/dipr")
here=$(cd "$(dirname "$0")" && pwd)
entries=${ENTRIES:-1000000}
secs=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
conns=${CONNECTIONS:-256}
work=$(mktemp -d /tmp/dipr-load.XXXXXX)
data=${DATA:-$work/data}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cleanup() {
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2>/dev/null || true
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -z "${DATA:-}" ]] && rm -rf "$work" || true
}
trap cleanup EXIT

# --- nginx, the yardstick ---
source "$(dirname "$0")/nginx.sh"
start_nginx "$work"

port=$(free_port)
url="http://127.0.0.1:$port"
start_server() {
  local t0 t1
  t0=$(date +%s.%N)
  "$dipr" serve --data "$data" --listen "127.0.0.1:$port" ${DB:+--db "$DB"} \
  --rate-limit-address 0 --rate-limit-account 0 --max-connections-per-address 0 2>>"$work/server.log" &
  server_pid=$!
  until curl -sf "$url/healthz" >/dev/null; do sleep 0.01; done
  t1=$(date +%s.%N)
  startup=$(python3 -c "print(f'{$t1-$t0:.3f}')")
}
rss_mb() { python3 -c "print(round(int(open('/proc/$server_pid/status').read().split('VmRSS:')[1].split()[0])/1024))"; }
tree_size() { curl -sf "$url/log/checkpoint" | sed -n 2p; }
rps() { grep 'Requests/sec' | awk '{print $2}'; }

start_server
token=$("$dipr" user create --name "load test" --role holder --server "$url" \
  --token "$(cat "$data/admin.token")" --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
export DIPR_TOKEN=$token

# --- fill the log (runs sized for ~60,000 deposits/s, so it overshoots little) ---
while (( $(tree_size) < entries )); do
  left=$(( entries - $(tree_size) ))
  wrk -t2 -c"$conns" -d"$(( left / 60000 + 1 ))s" -s "$here/deposit.lua" "$url/" >/dev/null
  echo "filled: $(tree_size) entries" >&2
done

# --- restart: start-up time and memory at this size ---
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
start_server
size=$(tree_size)
rss_start=$(rss_mb)
export DIPR_SIZE=$size

# Warm the proof cache as a server that has been running would have it: proofs until the cache
# stops growing (it is bounded, 128 MiB by default).
cache_bytes() { curl -sf "$url/metrics" | awk '/^dipr_tile_cache_bytes/{print $2}'; }
prev=-1
for _ in $(seq 1 12); do
  wrk -t2 -c"$conns" -d5s -s "$here/inclusion.lua" "$url/" >/dev/null
  now=$(cache_bytes)
  echo "warming: tile cache $now bytes" >&2
  [[ "$now" == "$prev" ]] && break
  prev=$now
done

declare -a ng dep inc deplat inclat
for ((r = 0; r < rounds; r++)); do
  ng+=("$(wrk -t2 -c"$conns" -d"${secs}s" "http://127.0.0.1:$nginx_port/index.html" | rps)")
  out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$here/deposit.lua" "$url/")
  dep+=("$(echo "$out" | rps)"); deplat+=("$(echo "$out" | grep '^p50')")
  out=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$here/inclusion.lua" "$url/")
  inc+=("$(echo "$out" | rps)"); inclat+=("$(echo "$out" | grep '^p50')")
done
rss_end=$(rss_mb)

python3 - "$size" "$startup" "$rss_start" "$rss_end" "${ng[*]}" "${dep[*]}" "${inc[*]}" \
  "$(printf '%s|' "${deplat[@]}")" "$(printf '%s|' "${inclat[@]}")" <<'PY'
import sys, statistics as st
size, startup, rss0, rss1 = sys.argv[1:5]
ng, dep, inc = ([float(x) for x in a.split()] for a in sys.argv[5:8])
deplat, inclat = sys.argv[8].strip('|').split('|'), sys.argv[9].strip('|').split('|')
m = st.median
print(f"log size {size} entries; start-up {startup} s; RSS {rss0} MB after start, {rss1} MB after load")
print(f"| run | req/s per round | median | ratio to nginx |")
print(f"|---|---|---|---|")
print(f"| nginx static file | {' / '.join(f'{x:,.0f}' for x in ng)} | {m(ng):,.0f} | 1.00 |")
print(f"| deposits (POST /v1/deposits) | {' / '.join(f'{x:,.0f}' for x in dep)} | {m(dep):,.0f} | {m(dep)/m(ng):.2f} |")
print(f"| inclusion proofs | {' / '.join(f'{x:,.0f}' for x in inc)} | {m(inc):,.0f} | {m(inc)/m(ng):.2f} |")
for i, (a, b) in enumerate(zip(deplat, inclat)):
    print(f"round {i+1}: deposits {a}; proofs {b}")
PY
