#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (docs/FUZZING.md): each one first replays its seed
# corpus (fuzz/corpus/<target>/), then fuzzes for the given time with its dictionary
# (fuzz/dict/<target>.dict, if any). New inputs go to a scratch directory, not the committed corpus
# (--merge adds the ones that add coverage to it, minimized). Fails if any target crashes, leaks,
# times out, runs out of memory or reports undefined behaviour; the input that did it is left in
# the artifacts directory and named in the output.
#
# Usage: scripts/fuzz.sh FUZZ_BUILD_DIR [--seconds N] [--jobs J] [--targets "a b ..."]
#                        [--merge] [--nice] [--out DIR]
#   --seconds N   fuzzing time per target after the corpus replay (default 10; 0: replay only)
#   --jobs J      targets run at the same time (default 1)
#   --targets     which targets (default: every fuzz/*.cc that defines LLVMFuzzerTestOneInput)
#   --merge       afterwards, merge what the run found into fuzz/corpus/<target>/ (-merge=1)
#   --nice        run under nice -n 19 (the long run, beside other work)
#   --out DIR     scratch corpora, artifacts and one log per target (default: a temporary dir)
# Prints one line per target: seconds, executions, exec/s, corpus files, cov and ft (libFuzzer's
# coverage counters from its last status line).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$(realpath "${1:?usage: scripts/fuzz.sh FUZZ_BUILD_DIR [options]}")
shift
seconds=10 jobs=1 targets="" merge=0 nice_cmd=() out=""
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    --nice) nice_cmd=(nice -n 19); shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z "$targets" ]]; then
  targets=$(grep -l LLVMFuzzerTestOneInput "$root"/fuzz/*.cc | xargs -n1 basename | sed 's/\.cc$//')
fi
[[ -n "$out" ]] || out=$(mktemp -d /tmp/dipr-fuzz-run.XXXXXX)
mkdir -p "$out"

run_one() {
  local t=$1 bin="$build/fuzz/$1" seeds="$root/fuzz/corpus/$1"
  local work="$out/$t/corpus" artifacts="$out/$t/artifacts/" log="$out/$t.log"
  [[ -x "$bin" ]] || { echo "fuzz.sh: $bin is not built" >&2; return 1; }
  mkdir -p "$work" "$artifacts" "$seeds"
  local args=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536
    -print_final_stats=1 -artifact_prefix="$artifacts" -max_total_time="$seconds")
  [[ -f "$root/fuzz/dict/$t.dict" ]] && args+=(-dict="$root/fuzz/dict/$t.dict")
  # -runs=0 with no time: replay the corpus only.
  ((seconds == 0)) && args+=(-runs=0)
  local start=$SECONDS rc=0
  # halt_on_error: a UBSan report aborts (the build also says -fno-sanitize-recover).
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "${nice_cmd[@]}" "$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  local wall=$((SECONDS - start))
  if ((rc != 0)); then
    echo "FAIL $t (exit $rc): $(grep -m1 -E 'ERROR: |runtime error|property broken' "$log" || tail -1 "$log")"
    echo "     input: $(ls "$artifacts" 2>/dev/null | head -1 | sed "s|^|$artifacts|")  log: $log"
    return 1
  fi
  local added=""
  if ((merge)); then
    "${nice_cmd[@]}" "$bin" -merge=1 -max_len=65536 -rss_limit_mb=2048 "$seeds" "$work" \
      >"$out/$t.merge.log" 2>&1
    added=$(sed -nE 's/^MERGE-OUTER: ([0-9]+) new files.*/  (merged \1 new inputs)/p' "$out/$t.merge.log")
  fi
  # The run's last status line: "#123 DONE cov: 456 ft: 789 corp: 12/3456b ... exec/s: 100 ...".
  local last execs cov ft corp eps
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
  eps=$(grep -m1 -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
  printf 'ok   %-18s %5ss %10s execs %7s exec/s  corpus %5s  cov %5s  ft %6s%s\n' \
    "$t" "$wall" "${execs:-0}" "${eps:-0}" "${corp:-0}" "${cov:-0}" "${ft:-0}" "$added"
}

failed=0
pids=()
for t in $targets; do
  run_one "$t" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
if ((failed)); then
  echo "fuzz.sh: a target failed; logs and inputs in $out" >&2
  exit 1
fi
echo "fuzz.sh: every target ok (logs in $out)" >&2
