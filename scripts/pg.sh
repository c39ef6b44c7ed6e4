#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks.
#
#   pg.sh start DIR [OWNER_PID]   initdb into DIR (if it holds no cluster yet), start the server on
#                                 a free port of 127.0.0.1 and print its URI on stdout:
#                                 postgres://postgres@127.0.0.1:PORT/dipr
#   pg.sh stop DIR                stop the server cleanly (DIR stays)
#   pg.sh destroy DIR             stop the server at once, without a shutdown checkpoint, and
#                                 remove DIR (for throwaway clusters: saves about a second)
#
# The cluster is a test cluster: trust authentication from 127.0.0.1 and the unix socket (which
# lives in DIR, not /run/postgresql), superuser "postgres", database "dipr". The server runs with
# fsync and synchronous_commit on, so durability behaves as in production. PostgreSQL refuses to
# run as root, so when started by root the cluster belongs to the "postgres" system user (created
# by the Debian package) and every server command runs through runuser.
#
# With OWNER_PID, a watchdog stops the server and removes DIR once that process is gone, so a
# crashed test run does not leave a server behind.
#
# Layout: DIR/data (the cluster), DIR/server.log, DIR/port, DIR/.s.PGSQL.PORT (the socket).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: pg.sh start DIR [OWNER_PID] | pg.sh stop DIR | pg.sh destroy DIR" >&2
  exit 2
}

# Runs a server command as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

show_log() {
  if [[ -s "$dir/pg_ctl.log" ]]; then
    cat "$dir/pg_ctl.log" >&2
  fi
  if [[ -f "$dir/server.log" ]]; then
    echo "---- $dir/server.log (last 50 lines) ----" >&2
    tail -n 50 "$dir/server.log" >&2 || true
    echo "----" >&2
  fi
}

# A port nothing listens on. Another process may still take it before the server binds it; start
# retries with a new port when that happens.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

is_running() {
  [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

uri() {
  echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/dipr"
}

start() {
  [[ -x "$PG_BIN/initdb" ]] || die "no PostgreSQL binaries in $PG_BIN (set PG_BIN)"
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    die "running as root but there is no 'postgres' system user to own the cluster"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    chmod 0700 "$dir"
    # Every directory above DIR must be traversable by the postgres user.
    as_owner test -w "$dir" || die "the postgres user cannot write to $dir (check the parent directories' permissions)"
  fi

  if is_running; then
    uri
    return 0
  fi

  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    [[ -z "$(ls -A "$dir/data" 2>/dev/null)" ]] || die "$dir/data exists but holds no cluster"
    # -N: no fsync of the fresh data directory (it is throwaway; the server itself runs with
    # fsync on). UTF-8 encoding; C collation (fast, byte-wise); C.UTF-8 character classes, which
    # pg_trgm needs to index CJK characters (in the C locale it drops them; docs/DEPLOY.md).
    if ! as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
        --lc-collate=C --lc-ctype=C.UTF-8 -N \
        >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      die "initdb failed"
    fi
  fi

  local port started=0
  for _ in 1 2 3 4 5; do
    port=$(free_port) || die "no free port found on 127.0.0.1"
    echo "$port" >"$dir/port"
    # -w: pg_ctl waits until the server accepts connections (or fails).
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o \
        "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=on -c synchronous_commit=on -c max_connections=200" \
        start >/dev/null 2>"$dir/pg_ctl.log"; then
      started=1
      break
    fi
    # A port taken between free_port and bind is worth another try; anything else is not.
    if ! grep -qs "could not bind\|Address already in use" "$dir/server.log"; then
      break
    fi
  done
  if [[ $started -ne 1 ]]; then
    show_log
    die "the server in $dir did not start"
  fi

  local ready=0
  for _ in $(seq 1 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [[ $ready -ne 1 ]]; then
    show_log
    die "the server in $dir does not accept connections on 127.0.0.1:$port"
  fi

  local exists
  exists=$("$PG_BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = 'dipr'") || { show_log; die "psql failed"; }
  if [[ "$exists" != "1" ]]; then
    "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "CREATE DATABASE dipr" >/dev/null || { show_log; die "CREATE DATABASE dipr failed"; }
  fi

  if [[ -n "${owner_pid:-}" ]]; then
    watchdog "$owner_pid" </dev/null >/dev/null 2>&1 &
    disown
  fi
  uri
}

# Stops the server and removes DIR when OWNER_PID exits while the server still runs. Its output
# is detached, so a caller reading our stdout sees EOF as soon as start returns.
watchdog() {
  local owner=$1
  while kill -0 "$owner" 2>/dev/null && [[ -f "$dir/data/postmaster.pid" ]]; do
    sleep 1
  done
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop || true
    rm -rf "$dir"
  fi
}

stop() {
  [[ -d "$dir/data" ]] || die "$dir holds no cluster"
  if ! is_running; then
    return 0
  fi
  # fast: roll back open transactions and disconnect clients rather than wait for them.
  if ! as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null; then
    show_log
    die "the server in $dir did not stop"
  fi
}

destroy() {
  if [[ -d "$dir/data" ]] && is_running; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null ||
      { show_log; die "the server in $dir did not stop"; }
  fi
  rm -rf "$dir"
}

[[ $# -ge 2 ]] || usage
cmd=$1
dir=$2
owner_pid=${3:-}
case "$cmd" in
  start) start ;;
  stop) stop ;;
  destroy) destroy ;;
  *) usage ;;
esac
