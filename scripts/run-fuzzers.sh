#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time over its seed corpus
# (fuzz/corpus/<target>/, regressions/ included) and fails on the first
# crash, timeout, leak or out-of-memory. New inputs go to
# <build>/fuzz/corpus/<target>/, findings to <build>/fuzz/artifacts/<target>/.
#
#   scripts/run-fuzzers.sh BUILD_DIR SECONDS TARGET...
#
# A finding is a bug: fix it, add the input to fuzz/corpus/<target>/regressions/
# and a GoogleTest case that reproduces it (docs/security.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 seconds=$2
shift 2

max_len_of() {
  case "$1" in
    manifests) echo 16384 ;;
    json_schema | http_request) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

failed=()
for target in "$@"; do
  bin=$build/fuzz/fuzz_$target
  work=$build/fuzz/corpus/$target
  artifacts=$build/fuzz/artifacts/$target
  mkdir -p "$work" "$artifacts"
  args=(-max_total_time="$seconds" -max_len="$(max_len_of "$target")" -timeout=10 -rss_limit_mb=2560
        -artifact_prefix="$artifacts/" -print_final_stats=1)
  [ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")
  echo "fuzz: $target for ${seconds}s" >&2
  # ASAN_OPTIONS: a finding aborts with a stack trace; UBSan findings are
  # errors too (the build uses -fno-sanitize-recover=undefined).
  if ! ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin" "${args[@]}" "$work" "fuzz/corpus/$target" 2> "$build/fuzz/$target.log"; then
    tail -n 60 "$build/fuzz/$target.log" >&2
    echo "fuzz: $target FAILED; the input is in $artifacts/, the log in $build/fuzz/$target.log" >&2
    failed+=("$target")
  else
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/fuzz/$target.log" | sed "s/^/fuzz: $target /" >&2 || true
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no findings in $*" >&2
