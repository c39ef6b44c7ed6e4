#!/usr/bin/env bash
# The load run (bench/load.sh) on SQLite and then on PostgreSQL (a throwaway server started with
# scripts/pg.sh), same machine, same wrk, one after the other.
# Usage: bench/load_backends.sh [BUILD_DIR]   env: as bench/load.sh (ENTRIES default 300000 here)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
export ENTRIES=${ENTRIES:-300000} ROUNDS=${ROUNDS:-3}
echo "== SQLite"
bash "$here/load.sh" "$build" 2>/dev/null
pgdir=$(mktemp -d /tmp/dipr-pgload.XXXXXX)
trap 'bash "$here/../scripts/pg.sh" destroy "$pgdir" >/dev/null 2>&1 || true' EXIT
DB=$(bash "$here/../scripts/pg.sh" start "$pgdir" $$)
echo "== PostgreSQL 15 ($DB)"
DB=$DB bash "$here/load.sh" "$build" 2>/dev/null
