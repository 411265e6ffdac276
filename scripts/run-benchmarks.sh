#!/usr/bin/env bash
# Runs every micro-benchmark built in BUILD_DIR (default: build) and prints
# its numbers. docs/benchmarks.md records results and how they were taken.
set -euo pipefail
build_dir="${1:-build}"
shopt -s nullglob
benches=("$build_dir"/bench/*_bench)
if ((${#benches[@]} == 0)); then
  echo "no benchmarks in $build_dir/bench; run make build first" >&2
  exit 1
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
for b in "${benches[@]}"; do
  echo
  echo "== $(basename "$b")"
  case "$(basename "$b")" in
    # Store sizes of 10k and 100k here; the 1M runs take minutes to half an
    # hour each and are run alone (docs/benchmarks.md gives their commands).
    memory_bench) "$b" --sizes=10000,100000 ;;
    cache_bench) "$b" --sizes 10000,100000 ;;
    *)
      if "$b" --help 2>&1 | grep -q benchmark_filter; then
        "$b" --benchmark_min_time=0.2 "${@:2}"
      else
        "$b"
      fi
      ;;
  esac
done
