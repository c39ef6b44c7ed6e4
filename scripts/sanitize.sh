#!/usr/bin/env bash
# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer: a gcc build of its own in
# BUILD_DIR (default build-asan) with every object and the dipr binary the integration tests start
# instrumented, then ctest there with one throwaway PostgreSQL server, as scripts/test.sh does. An
# out-of-bounds access, a use after free, a leak at exit or any undefined behaviour (UBSan does not
# recover: -fno-sanitize-recover) fails the test it happens in, with the stack in its output.
# Without -Werror: instrumented code draws warnings the plain build does not (-Wmaybe-uninitialized
# above all), and those are the plain build's job.
#
# What runs: every test but those labelled `slow` (ctest -LE slow: what `make unit` runs), that is
# the unit tests, both backends' storage conformance suites and the HTTP/CLI integration tests
# (http_api, registration, registration_cli, cli, backup, ...). Left out: crash, two_node,
# partition, migrate, readme and the Go interop run. They kill servers and time takeovers and
# leases in seconds, which ASan's 2-3x slowdown turns into flakes rather than findings, and they
# are most of the suite's wall time; the code they drive is the code the integration tests above
# already run instrumented. DIPR_SANITIZE_ALL=1 runs them too.
# Not yet timed end to end: on the 2-core development machine, shared with three other builds
# (load 11), the plain build alone took over an hour, and the instrumented one (223 steps, gcc
# with ASan+UBSan compiles more slowly) did not fit beside it. Measure it on the CI machine and
# revisit the selection above if it runs past ~35 minutes.
# Usage: scripts/sanitize.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$(realpath -m "${1:-$root/build-asan}")

bash "$here/bootstrap.sh" --test
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if [[ ! -f "$build/build.ninja" ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DCMAKE_SHARED_LINKER_FLAGS="$flags" "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j 2

pgdir=$(mktemp -d /tmp/dipr-pg.XXXXXX)
trap 'bash "$here/pg.sh" destroy "$pgdir" >/dev/null 2>&1 || true' EXIT
DIPR_TEST_PG_URI=$(bash "$here/pg.sh" start "$pgdir" $$)
export DIPR_TEST_PG_URI
echo "sanitize.sh: PostgreSQL at $DIPR_TEST_PG_URI" >&2

# abort_on_error: a report kills the process with SIGABRT, so a server a test started dies as
# loudly as the test itself. Child processes (the dipr servers of the integration tests) inherit
# these.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
select=(-LE slow)
[[ "${DIPR_SANITIZE_ALL:-}" == 1 ]] && select=()
cd "$build"
ctest --output-on-failure -j 2 --timeout 1800 "${select[@]}"
