#!/usr/bin/env bash
# Runs every test: unit, storage conformance, HTTP integration, crash, and interop (Go sumdb).
# Usage: scripts/test.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
cd "$build"
# Two jobs: the machine has two cores, and the crash and interop tests start servers of their own.
ctest --output-on-failure -j 2 --timeout 600
