#!/usr/bin/env bash
# The CI's clang job for the thread-safety annotations (src/common/mutex.h): every translation
# unit of BUILD_DIR/compile_commands.json (the gcc build's flags: the same defines, include paths
# and standard) is parsed by clang 16 with -Wthread-safety, and any warning fails the run, so a
# DIPR_GUARDED_BY member touched without its lock, or a DIPR_REQUIRES function called without it,
# does not merge. Only parsed (-fsyntax-only), nothing is built: two jobs take ~N minutes here.
# clang 16, not Debian's default clang 14: clang 14 cannot compile Boost.Asio's coroutines.
# Generated sources (under BUILD_DIR) hold no locks and are skipped.
# Usage: scripts/thread_safety.sh [BUILD_DIR [REGEX]]  (configures BUILD_DIR with gcc if it is not
# yet; REGEX: only the translation units whose command matches, for a quick look at a few files)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$(realpath -m "${1:-$root/build}")
only=${2:-}
clang=clang++-16

missing=()
command -v "$clang" >/dev/null || missing+=(clang-16)
command -v jq >/dev/null || missing+=(jq)
if ((${#missing[@]} > 0)); then
  echo "thread_safety.sh: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f "$build/compile_commands.json" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi

# One line per translation unit: its gcc command (shell syntax, as CMake writes it) without the
# compiler, the output, -c and every -W flag; what is left (defines, include paths, the standard,
# the file) is what clang needs. The gcc build has its own warnings (and -Werror): this job checks
# only the analysis.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
jq -r --arg build "$build/" '.[] | select(.file | startswith($build) | not) | .command
  | sub("^[^ ]+ "; "") | gsub(" -o [^ ]+"; "") | gsub(" -c "; " ") | gsub(" -W[^ ]+"; "")' \
  "$build/compile_commands.json" >"$list"

check() {
  local out
  out=$(cd "$build" && eval "$clang -fsyntax-only $extra -Wthread-safety -Werror=thread-safety $1" \
    2>&1) || true
  if [[ -n "$out" ]]; then
    printf '%s\n' "$out"
    return 1
  fi
}
# Boost 1.74's Asio enables co_await for clang only with the Coroutines TS (<experimental/coroutine>,
# gone from clang 16); clang 16 has C++20 coroutines, and the <coroutine> of libstdc++ 12 that
# gcc uses, so say so.
extra="-DBOOST_ASIO_HAS_CO_AWAIT=1"
export -f check
export build clang extra

if [[ -n "$only" ]]; then grep -E -- "$only" "$list" >"$list.only" || true; mv "$list.only" "$list"; fi
n=$(wc -l <"$list")
echo "thread_safety.sh: $clang -Wthread-safety over $n translation units" >&2
if ! tr '\n' '\0' <"$list" | xargs -0 -P 2 -n 1 bash -c 'check "$1"' _; then
  echo "thread_safety.sh: FAILED (the messages above)" >&2
  exit 1
fi
echo "thread_safety.sh: no thread-safety warnings" >&2
