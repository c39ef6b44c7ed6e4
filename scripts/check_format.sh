#!/usr/bin/env bash
# Checks that the C++ sources are formatted as .clang-format says: `clang-format --dry-run
# -Werror` over every tracked .cc and .h of src/, tests/, bench/ and fuzz/, failing with the
# differences listed. With --fix it rewrites them instead (what `make format` runs), so the check
# and the fix see the same files with the same binary. The version is pinned (clang-format-16,
# Debian bookworm's, beside the clang-16 of scripts/thread_safety.sh): each release formats a
# little differently, and an unpinned one would fail the check on a tree nobody changed.
# Usage: scripts/check_format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=clang-format-16

if ! command -v "$clang_format" >/dev/null; then
  echo "check_format.sh: installing $clang_format" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$clang_format" >/dev/null
fi
[[ -f .clang-format ]] || { echo "check_format.sh: no .clang-format at the top" >&2; exit 1; }

mapfile -t files < <(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' \
  'bench/*.h' 'fuzz/*.cc' 'fuzz/*.h')
if [[ "${1:-}" == "--fix" ]]; then
  "$clang_format" -i --style=file "${files[@]}"
  exit 0
fi
# Every difference is reported as "file:line:col: error: ..."; the list of files is what a reader
# needs, the lines are for clang-format to fix.
if ! out=$("$clang_format" --dry-run -Werror --style=file "${files[@]}" 2>&1); then
  mapfile -t bad < <(grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$out" | cut -d: -f1 | sort -u)
  if ((${#bad[@]} == 0)); then printf '%s\n' "$out" >&2; exit 1; fi  # not a difference: say what
  printf '  %s\n' "${bad[@]}" >&2
  echo "check_format.sh: ${#bad[@]} of ${#files[@]} files are not formatted as .clang-format" \
    "says; \`make format\` fixes them" >&2
  exit 1
fi
echo "check_format.sh: ${#files[@]} files formatted" >&2
