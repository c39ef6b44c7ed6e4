#!/usr/bin/env bash
# The load run of the registration issue (issue 4):
#   1. starts `dipr serve` with a one-second public notice, so that the registrar registers every
#      accepted application by itself a second later;
#   2. fills it with REGISTRATIONS registrations through the real HTTP workflow
#      (build/bench/workflow_load: WORKERS keep-alive clients looping create -> submit -> accept),
#      reporting transitions/s and latencies while filling, and waits until all are registered;
#   3. runs wrk on the public register: a mix of searches (bench/search.lua: 3+ character Chinese
#      and English terms, 2-character Chinese terms, holder and industry filters, browsing) and
#      record lookups of random known numbers (bench/lookup.lua), at 16 and 64 connections, and
#      paced below saturation; then each kind of search alone (1 and 16 connections).
# Results and what they mean: docs/PERFORMANCE.md, "Registration (issue 4)".
# Usage: bench/registration_load.sh [BUILD_DIR]
#   env: REGISTRATIONS (default 100000), WORKERS (64), HOLDERS (40), SECONDS_PER_RUN (10),
#        KIND_SECONDS (5; the per-kind runs), PACED_SEARCH_RPS (50) and PACED_LOOKUP_RPS (2000):
#        the rates of the paced runs (16 connections, each waiting between requests),
#        DB (a PostgreSQL URI for `dipr serve --db`, or "scratch" to start a throwaway PostgreSQL
#        with scripts/pg.sh; default SQLite in DATA),
#        DATA (reuse a data directory: its numbers and queries are kept in DATA.bench/, a scratch
#        PostgreSQL in DATA.pg/, and only the registrations still missing are made).
# The server's CPU time is reported per request and per registration (and PostgreSQL's, for a
# scratch server), so that runs on a machine shared with other work can still be compared.
set -euo pipefail
build=${1:-build}
dipr=$(realpath "$build/dipr")
gen=$(realpath "$build/bench/workflow_load")
here=$(cd "$(dirname "$0")" && pwd)
want=${REGISTRATIONS:-100000}
workers=${WORKERS:-64}
holders=${HOLDERS:-40}
secs=${SECONDS_PER_RUN:-10}
kind_secs=${KIND_SECONDS:-5}
work=$(mktemp -d /tmp/dipr-regload.XXXXXX)
data=${DATA:-$work/data}
files=$work
if [[ -n "${DATA:-}" ]]; then
  files=$DATA.bench
  mkdir -p "$files"
fi
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cleanup() {
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2>/dev/null || true
  if [[ -n "${pgdir:-}" ]]; then
    if [[ -n "${DATA:-}" ]]; then
      bash "$here/../scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
    else
      bash "$here/../scripts/pg.sh" destroy "$pgdir" >/dev/null 2>&1 || true
    fi
  fi
  [[ -z "${DATA:-}" ]] && rm -rf "$work" || true
}
trap cleanup EXIT
if [[ "${DB:-}" == scratch ]]; then
  # Its own directory: pg.sh hands it to the postgres user, who cannot enter $work.
  if [[ -n "${DATA:-}" ]]; then pgdir=$DATA.pg; else pgdir=$(mktemp -d /tmp/dipr-regload-pg.XXXXXX); fi
  DB=$(bash "$here/../scripts/pg.sh" start "$pgdir")
  postmaster=$(head -1 "$pgdir/data/postmaster.pid")
fi
# CPU seconds of a process and its children so far (a PostgreSQL server and its backends).
tree_cpu() {
  local hz
  hz=$(getconf CLK_TCK)
  for st in /proc/[0-9]*/stat; do
    awk -v root="$1" '{pid = $1; sub(/^.*\) /, ""); if (pid == root || $2 == root) print $12 + $13}' \
      "$st" 2>/dev/null
  done | awk -v hz="$hz" '{s += $1} END {printf "%.3f", s / hz}'
}
# CPU seconds of the server so far, per thread name ("dipr-sequencer 12.3 ..."), and in all.
thread_cpu() {
  for t in /proc/"$server_pid"/task/*; do
    awk '{sub(/^.*\) /, ""); print $12 + $13}' "$t/stat" | paste -d' ' <(tr -d '\n' <"$t/comm") -
  done | awk -v hz="$(getconf CLK_TCK)" '{cpu[$1] += $2} END {for (n in cpu) printf "%s %.2f\n", n, cpu[n] / hz}'
}
server_cpu() {  # dipr's, and a scratch PostgreSQL's
  { thread_cpu; if [[ -n "${postmaster:-}" ]]; then echo "pg $(tree_cpu "$postmaster")"; fi; } |
    awk '{s += $2} END {printf "%.3f", s}'
}

port=$(free_port)
url="http://127.0.0.1:$port"
"$dipr" serve --data "$data" --listen "127.0.0.1:$port" ${DB:+--db "$DB"} \
  --rate-limit-address 0 --rate-limit-account 0 --max-connections-per-address 0 \
  --notice-period 1s --due-interval 0.2 >>"$work/server.log" 2>&1 &
server_pid=$!
until curl -sf "$url/healthz" >/dev/null; do sleep 0.05; done

echo "== machine: $(nproc) cores; $(cut -d' ' -f1-3 /proc/loadavg) load average at start;" \
  "backend: $(if [[ -n "${DB:-}" ]]; then echo "PostgreSQL $DB"; else echo SQLite; fi)"

have=0
[[ -f "$files/numbers.txt" ]] && have=$(wc -l <"$files/numbers.txt")
if (( have < want )); then
  cpu_before=$(thread_cpu)
  [[ -n "${postmaster:-}" ]] && pg_before=$(tree_cpu "$postmaster")
  echo "== filling: $(( want - have )) applications through create -> submit -> accept," \
    "$workers workers, $holders holders (have $have)"
  "$gen" --server "$url" --admin-token-file "$data/admin.token" \
    --applications $(( want - have )) --workers "$workers" --holders "$holders" \
    --seed "$(( have + 1 ))" --numbers-out "$files/numbers.txt" --queries-out "$files/queries.txt"
  echo "load average after the fill: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server CPU seconds by thread during setup and fill (all $(( want - have )) registrations):"
  join -a2 <(echo "$cpu_before" | sort) <(thread_cpu | sort) |
    awk -v n=$(( want - have )) 'NF == 2 {$3 = $2; $2 = 0} {d = $3 - $2; t += d;
      printf "  %-16s %7.1f s  %6.0f us/registration\n", $1, d, 1e6 * d / n}
      END {printf "  %-16s %7.1f s  %6.0f us/registration\n", "all", t, 1e6 * t / n}'
  if [[ -n "${postmaster:-}" ]]; then
    awk -v a="$pg_before" -v b="$(tree_cpu "$postmaster")" -v n=$(( want - have )) \
      'BEGIN {printf "  %-16s %7.1f s  %6.0f us/registration\n", "PostgreSQL", b - a, 1e6 * (b - a) / n}'
  fi
fi
registered=$(curl -sf "$url/v1/registrations?status=registered" |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["total"])')
rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$server_pid/status")
if [[ -z "${DB:-}" ]]; then
  size="SQLite files $(du -sm "$data" | cut -f1) MB"
else
  size="PostgreSQL database $(psql "$DB" -Atc 'SELECT pg_database_size(current_database())/1048576') MB"
fi
echo "== register: $registered registrations; $(curl -sf "$url/log/checkpoint" | sed -n 2p) log" \
  "entries; $size; server RSS $rss MB"

export DIPR_QUERIES=$files/queries.txt DIPR_NUMBERS=$files/numbers.txt
# One wrk run: a table row with req/s and the latencies from the script's done().
run() {  # LABEL THREADS CONNECTIONS SECONDS SCRIPT
  local load out c0 c1
  load=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(server_cpu)
  out=$(wrk -t"$2" -c"$3" -d"$4s" --latency -s "$here/$5" "$url/")
  c1=$(server_cpu)
  python3 - "$1" "$3" "$load" "$out" "$c0" "$c1" <<'PY'
import re, sys
label, conns, load, out = sys.argv[1:5]
cpu = float(sys.argv[6]) - float(sys.argv[5])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
n = int(re.search(r"(\d+) requests in", out).group(1))
lat = dict(re.findall(r"(p50|p90|p99|max|non200)=([\d.]+)", out))
print(f"| {label} | {conns} | {rps:,.0f} | {lat['p50']} | {lat['p90']} | **{lat['p99']}** | "
      f"{lat['max']} | {1000 * cpu / max(n, 1):.2f} | {lat['non200']} | {load} |")
PY
}
header() {
  echo "| run | connections | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req |" \
    "non-200 | load avg |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
}

echo "== public register, ${secs} s per run (wrk -t2 --latency)"
header
# Warm-up (page cache, statement caches), not reported.
wrk -t2 -c16 -d3s -s "$here/search.lua" "$url/" >/dev/null
wrk -t2 -c16 -d3s -s "$here/lookup.lua" "$url/" >/dev/null
export DIPR_KIND=
for c in 16 64; do
  run "search, mix" 2 "$c" "$secs" search.lua
  run "lookup GET /v1/registrations/{number}" 2 "$c" "$secs" lookup.lua
done
# Below saturation: what a request waits when the server is not queueing (wrk's delay()).
search_rps=${PACED_SEARCH_RPS:-50}
lookup_rps=${PACED_LOOKUP_RPS:-2000}
DIPR_DELAY_MS=$(( 16 * 1000 / search_rps )) run "search, mix, paced ≤ $search_rps/s" 2 16 "$secs" search.lua
DIPR_DELAY_MS=$(( 16 * 1000 / lookup_rps )) run "lookup, paced ≤ $lookup_rps/s" 2 16 "$secs" lookup.lua

echo "== each kind of search alone, ${kind_secs} s per run"
header
for kind in zh3 en zh2 holder industry browse; do
  export DIPR_KIND=$kind
  run "search: $kind" 1 1 "$kind_secs" search.lua
  run "search: $kind" 2 16 "$kind_secs" search.lua
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "server RSS $(awk '/VmRSS/{print int($2/1024)}' "/proc/$server_pid/status") MB"
