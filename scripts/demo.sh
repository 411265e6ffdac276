#!/usr/bin/env bash
# A scripted tour of what devagent does, against an instance this script
# starts (and stops) with everything on loopback:
#
#   1. a streamed answer with its plan and tool calls (the offline engine),
#   2. a model that is down, and the fallback to another (fake upstreams),
#   3. a fact remembered in one conversation and recalled in another,
#   4. a repeated question served from the response cache,
#   5. the usage, cache statistics and metrics all that left behind.
#
# Usage: scripts/demo.sh [BUILD_DIR]        (after `make build`; default: build)
# Each step checks what it shows and the script exits non-zero if a step does
# not behave as described, so it doubles as a smoke test (ctest: demo_script).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
DEVAGENT="$BUILD/devagent"
FAKE="$BUILD/fake-upstream"
for bin in "$DEVAGENT" "$FAKE"; do
  [[ -x "$bin" ]] || { echo "demo: $bin is missing; run 'make build' first" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "demo: curl is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
command -v node >/dev/null || { echo "demo: node is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }

WORK="$(mktemp -d -t devagent-demo.XXXXXX)"
cleanup() {
  local pid
  for pid in $(cat "$WORK/pids" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

# Starts a program in the background and waits for its "listening on URL" line.
start() {
  local name="$1"; shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  # Every pid goes to a file: start runs in a command substitution (a
  # subshell), whose variables the cleanup would never see.
  echo $! >>"$WORK/pids"
  for _ in $(seq 1 200); do
    local url
    url="$(grep -o 'listening on http://[^ ]*' "$WORK/$name.out" 2>/dev/null | head -1 | cut -d' ' -f3)"
    if [[ -n "$url" ]]; then echo "$url"; return; fi
    sleep 0.05
  done
  cat "$WORK/$name.err" >&2
  fail "$name did not start"
}

# Prints an SSE stream as one line per event; the answer's tokens joined.
show_events() {
  node -e '
    const text = require("fs").readFileSync(0, "utf8");
    let answer = "";
    for (const block of text.split("\n\n")) {
      const name = (block.match(/^event: (.*)$/m) || [])[1];
      const data = (block.match(/^data: (.*)$/m) || [])[1];
      if (!name || !data) continue;
      const d = JSON.parse(data);
      if (name === "token") { answer += d.text; continue; }
      if (name === "plan") console.log(`  plan (${d.planner}): ` + d.tasks.map((t) => `${t.id} ${t.tool}`).join(", "));
      else if (name === "task_started") console.log(`  task_started  ${d.id} ${d.tool}`);
      else if (name === "task_finished") console.log(`  task_finished ${d.id} ${d.status} in ${d.duration_ms} ms`);
      else if (name === "notice") console.log(`  notice: ${d.message}`);
      else if (name === "answer_done") {
        console.log("  answer:\n" + answer.split("\n").slice(0, 12).map((l) => "    | " + l).join("\n"));
        const cached = d.cached ? `, cached (${d.cached.match}, saved ${d.cached.tokens_saved} tokens)` : "";
        console.log(`  answer_done: ${d.engine}${d.model ? " " + d.provider + ":" + d.model : ""}, ` +
                    `${d.usage.input_tokens}+${d.usage.output_tokens} tokens, $${d.cost_usd}${cached}`);
      } else if (name === "error") console.log(`  error: ${d.kind}: ${d.message}`);
    }'
}

chat() {  # chat JSON-BODY -> the raw SSE stream
  curl -sS -N --max-time 60 -H 'Content-Type: application/json' -d "$1" "$URL/api/v1/chat"
}

bold "Starting two fake model upstreams (one down, one up) and devagent"
DOWN="$(start down "$FAKE" --fail-status 503)"
UP="$(start up "$FAKE" --text "A mutex lets one thread at a time into a critical section; others wait until it is released." --chunks 6 --delay-ms 20)"
export DEVAGENT_PROVIDERS_PRIMARY_TYPE=openai DEVAGENT_PROVIDERS_PRIMARY_BASE_URL="$DOWN" DEVAGENT_PROVIDERS_PRIMARY_API_KEY=demo
export DEVAGENT_PROVIDERS_BACKUP_TYPE=openai DEVAGENT_PROVIDERS_BACKUP_BASE_URL="$UP" DEVAGENT_PROVIDERS_BACKUP_API_KEY=demo
export DEVAGENT_ROUTES_DECOMPOSITION="primary:gpt-4o,backup:gpt-4o-mini"
export DEVAGENT_ROUTES_RESPONSE="primary:gpt-4o,backup:gpt-4o-mini"
export DEVAGENT_MEMORY_LLM_EXTRACTION=false DEVAGENT_LOG_LEVEL=warn
URL="$(cd "$ROOT" && start devagent "$DEVAGENT" --data-dir "$WORK/data" serve --listen 127.0.0.1:0)"
echo "  devagent at $URL (workspace: $ROOT), model upstreams: down $DOWN, up $UP"
curl -sf "$URL/healthz" >/dev/null || fail "/healthz"

bold "1. A streamed answer with its plan and tool calls (offline engine)"
echo '  POST /api/v1/chat {"message": "what are the hotspots in this repository?", "options": {"offline": true}}'
out="$(chat '{"message": "what are the hotspots in this repository?", "options": {"offline": true}}')"
echo "$out" | show_events
grep -q '^event: plan' <<<"$out" || fail "no plan event"
grep -q '"tool":"analyzeRepository"' <<<"$out" || fail "the plan did not analyze the repository"
grep -q '^event: answer_done' <<<"$out" || fail "no answer_done"

bold "2. The first model is down: retries, then the fallback answers"
echo '  POST /api/v1/chat {"message": "what is a mutex?"}'
out="$(chat '{"message": "what is a mutex?", "conversation_id": "demo-mutex"}')"
echo "$out" | show_events
grep -q '^event: notice' <<<"$out" || fail "no fallback notice"
grep -q '"provider":"backup"' <<<"$out" || fail "the backup model did not answer"

bold "3. Memory: a fact stated in one conversation, recalled in another"
echo '  conversation A: "Our staging database is db-staging-7."'
chat '{"message": "Our staging database is db-staging-7.", "conversation_id": "demo-a", "options": {"offline": true}}' | show_events
echo '  conversation B: "which host runs the staging DB?"'
out="$(chat '{"message": "which host runs the staging DB?", "conversation_id": "demo-b", "options": {"offline": true}}')"
echo "$out" | show_events
grep -q 'db-staging-7' <<<"$out" || fail "the fact was not recalled"

bold "4. The same question again, in a new conversation: served from the response cache"
out="$(chat '{"message": "what is a mutex?", "conversation_id": "demo-mutex-2"}')"
echo "$out" | show_events
grep -q '"cached":{' <<<"$out" || fail "the repeated question was not a cache hit"

bold "5. What it left behind"
echo "  GET /api/v1/usage?by=provider"
curl -sf "$URL/api/v1/usage?by=provider" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const g of r.groups) console.log(`    ${g.key.padEnd(10)} ${g.calls} calls, ${g.errors} errors, ${g.input_tokens}+${g.output_tokens} tokens, $${g.cost_usd}`);'
echo "  GET /api/v1/cache/stats"
curl -sf "$URL/api/v1/cache/stats" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const [k, s] of Object.entries(r.kinds)) console.log(`    ${k.padEnd(14)} ${s.entries} entries, ${s.hits ?? (s.exact_hits + s.semantic_hits)} hits, ${s.tokens_saved} tokens saved`);'
echo "  GET /metrics (a few of them)"
metrics="$(curl -sf "$URL/metrics")"
for name in http_requests_total llm_requests_total llm_fallbacks_total cache_lookups_total; do
  grep -E "^$name\\{" <<<"$metrics" | grep -v ' 0$' | head -3 | sed 's/^/    /'
done
grep -q '^cache_lookups_total{' <<<"$metrics" || fail "no cache metrics"

bold "Done. Stop here, or point a browser at $URL while the script sleeps (DEMO_KEEP=1)."
if [[ "${DEMO_KEEP:-0}" == 1 ]]; then
  echo "  Ctrl-C to stop."
  wait
fi
