#!/usr/bin/env bash
# Code intelligence on a large real tree, against the tools a developer would
# otherwise run, in the same session:
#   - devagent index (first run and re-run) and analyze, time and peak memory,
#     against cloc on the same tree;
#   - search against ripgrep (build/bench/search_bench on the same index).
# The tree is a copy of /usr/include committed into a fresh git repository
# (present on every Debian machine with a compiler).
#
#   bench/code_intel.sh [BUILD_DIR] [TREE]
set -euo pipefail
build="${1:-build}"
src="${2:-/usr/include}"
bin="$build/devagent"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

repo="$work/tree"
cp -r "$src" "$repo"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m tree
files=$(git -C "$repo" ls-files | wc -l)
bytes=$(du -sb "$repo" --exclude=.git | cut -f1)
echo "tree: $src, $files files, $((bytes / 1048576)) MiB, $(nproc) cores"

measure() {  # label, command...: prints seconds and peak RSS
  local label="$1"; shift
  local out
  out=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>"$work/err"; } 2>&1 ) || true
  out=$(tail -1 "$work/err")
  printf "  %-44s %8.2f s  %7.0f MiB peak\n" "$label" "$(echo "$out" | cut -d' ' -f1)" \
    "$(echo "$out" | awk '{print $2/1024}')"
}

data="$work/data"
cd "$repo"
echo "devagent (index: file list, hashes, languages and lines, search text, imports, manifests, symbols):"
measure "devagent index, first run" "$OLDPWD/$bin" --data-dir "$data" --log-level error index .
measure "devagent index, unchanged re-run" "$OLDPWD/$bin" --data-dir "$data" --log-level error index .
measure "devagent analyze --aspects languages (warm)" "$OLDPWD/$bin" --data-dir "$data" analyze . --aspects languages --json
measure "cloc (same tree)" cloc --quiet --json --skip-uniqueness .
cd "$OLDPWD"
echo "language detection and counting alone, against cloc (analysis_bench):"
"$build/bench/analysis_bench" "$repo" | sed 's/^/  /'
