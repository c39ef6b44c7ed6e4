#!/usr/bin/env bash
# `make bench`: the Google Benchmark binaries, then the HTTP load run (bench/load.sh).
set -euo pipefail
build=${1:-build}
for b in "$build"/bench/*_bench; do
  [[ -x "$b" ]] && "$b" --benchmark_min_time=0.5
done
bash "$(dirname "$0")/load.sh" "$build"
