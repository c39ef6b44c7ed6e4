#!/usr/bin/env bash
# Runs every test: unit, storage conformance (SQLite and PostgreSQL), HTTP integration, CLI,
# crash (kill -9) and interop (Go sumdb). Starts one throwaway PostgreSQL 15 server for the whole
# run (scripts/pg.sh) and stops it at the end, whatever happens.
# Usage: scripts/test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "${1:-build}")
here=$(cd "$(dirname "$0")" && pwd)

pgdir=$(mktemp -d /tmp/dipr-pg.XXXXXX)
trap 'bash "$here/pg.sh" destroy "$pgdir" >/dev/null 2>&1 || true' EXIT
DIPR_TEST_PG_URI=$(bash "$here/pg.sh" start "$pgdir" $$)
export DIPR_TEST_PG_URI
echo "test.sh: PostgreSQL at $DIPR_TEST_PG_URI" >&2

cd "$build"
# Two jobs: the machine has two cores, and the crash and interop tests start servers of their own.
ctest --output-on-failure -j 2 --timeout 600
