#!/usr/bin/env bash
# Runs every test: unit, storage conformance (SQLite and PostgreSQL), HTTP integration, CLI,
# crash (kill -9), interop (Go sumdb), and a short run of every fuzz target (a clang build in
# BUILD_DIR-fuzz). Starts one throwaway PostgreSQL 15 server for the whole run (scripts/pg.sh)
# and stops it at the end, whatever happens.
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

# The fuzz targets (docs/FUZZING.md): a clang build of their own beside BUILD_DIR, then each
# target replays its seed corpus and fuzzes a few seconds; a crash, leak or UBSan report fails.
fuzz_build="${build}-fuzz"
fuzz_seconds=${DIPR_TEST_FUZZ_SECONDS:-5}
if [[ ! -f "$fuzz_build/build.ninja" ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$(dirname "$here")" -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DDIPR_FUZZ=ON "${launcher[@]}" >/dev/null
fi
cmake --build "$fuzz_build" -j 2 --target fuzzers
bash "$here/fuzz.sh" "$fuzz_build" --seconds "$fuzz_seconds" --jobs 2
