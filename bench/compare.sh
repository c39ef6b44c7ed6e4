#!/usr/bin/env bash
# Two builds side by side in one run (a change's before and after): bench/load.sh (deposits and
# inclusion proofs beside nginx) and bench/registration_load.sh (the registration workflow and
# the public register's searches), each on a fresh registry, alternating A, B, A, B so that the
# machine's drift falls on both. Every run's full output is kept in OUT (default a temp dir);
# the summary lines are printed at the end.
# Usage: bench/compare.sh BUILD_A BUILD_B
#   env: ROUNDS_EACH (2: runs per build of each script), OUT, and what the two scripts take
#        (ENTRIES, SECONDS_PER_RUN, ROUNDS for load.sh; REGISTRATIONS, KIND_SECONDS for
#        registration_load.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
a=$(realpath "$1")
b=$(realpath "$2")
rounds=${ROUNDS_EACH:-2}
out=${OUT:-$(mktemp -d /tmp/dipr-compare.XXXXXX)}
mkdir -p "$out"
echo "compare: A=$a B=$b, $rounds rounds each; logs in $out" >&2
for ((r = 1; r <= rounds; ++r)); do
  for side in A B; do
    build=$a
    [[ $side == B ]] && build=$b
    echo "compare: round $r, $side: load.sh" >&2
    bash "$here/load.sh" "$build" >"$out/load-$side-$r.txt" 2>&1
    echo "compare: round $r, $side: registration_load.sh" >&2
    bash "$here/registration_load.sh" "$build" >"$out/registration-$side-$r.txt" 2>&1
  done
done
for f in "$out"/*.txt; do
  echo "== $(basename "$f")"
  grep -E '^\||req/s|transitions|registered after|==' "$f" | head -60
done
