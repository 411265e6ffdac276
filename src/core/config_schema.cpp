// The configuration key table: every key devagent reads, its type, default
// and meaning. config/devagent.example.toml documents the same keys for
// users; a test checks that the two agree.
#include "core/config.h"
#include "core/features.h"

namespace devagent::config {
namespace {

std::string check_listen(std::string_view v) {
  auto r = parse_listen(v);
  return r ? std::string() : r.error().message;
}

std::string check_nonempty(std::string_view v) { return v.empty() ? "must not be empty" : ""; }

// A number from 0 to 1 ("0.35").
std::string check_unit(std::string_view v) {
  std::string text(v);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(d >= 0 && d <= 1)) return "must be a number from 0 to 1";
  return "";
}

// "provider:model" items; the model may contain ':' (ollama tags).
std::string check_route(std::string_view v) {
  size_t start = 0;
  while (start < v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    auto item = v.substr(start, comma - start);
    auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) {
      return "expected provider:model items, got '" + std::string(item) + "'";
    }
    start = comma + 1;
  }
  return "";
}

std::string check_dollars(std::string_view v) {
  bool dot = false, digit = false;
  for (char c : v) {
    if (c == '.' && !dot) dot = true;
    else if (c >= '0' && c <= '9') digit = true;
    else return "expected a dollar amount like 2.50, got '" + std::string(v) + "'";
  }
  return digit ? "" : "expected a dollar amount like 2.50, got '" + std::string(v) + "'";
}

std::string check_provider_type(std::string_view v) {
  if (v.empty() || v == "openai" || v == "anthropic" || v == "ollama" || v == "builtin") return "";
  return "must be one of openai, anthropic, ollama, builtin, got '" + std::string(v) + "'";
}

// "on", "off" or "N%" (features.*).
std::string check_rollout(std::string_view v) {
  return features::parse_rollout(v) ? "" : "must be on, off or a percentage like 25%, got '" + std::string(v) + "'";
}

// "v1" or "v1=50,v2=50" (prompts.*); the versions are checked against the
// templates when the agent loads them.
std::string check_prompt_split(std::string_view v) {
  auto split = features::parse_split(v);
  return split ? "" : split.error().message;
}

constexpr std::int64_t kMiB = std::int64_t{1024} * 1024;

}  // namespace

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> keys = {
      // [server]
      {.name = "server.listen", .default_value = "127.0.0.1:8080",
       .help = "Address and port to listen on (host:port; port 0 picks a free port)", .check = check_listen},
      {.name = "server.threads", .type = Type::integer, .default_value = "0",
       .help = "Worker threads serving connections; 0 means one per core", .min = 0, .max = 256},
      {.name = "server.body_limit", .type = Type::size, .default_value = "1MiB",
       .help = "Largest request body accepted; larger requests get 413 before the body is read",
       .min = 1024, .max = 1024 * kMiB},
      {.name = "server.header_limit", .type = Type::size, .default_value = "16KiB",
       .help = "Largest request header block accepted", .min = 1024, .max = 1 * kMiB},
      {.name = "server.header_timeout", .type = Type::duration, .default_value = "10s",
       .help = "Time a client has to send a request's headers once it starts", .min = 10, .max = 3'600'000},
      {.name = "server.body_timeout", .type = Type::duration, .default_value = "30s",
       .help = "Time a client has to send a request body", .min = 10, .max = 3'600'000},
      {.name = "server.idle_timeout", .type = Type::duration, .default_value = "60s",
       .help = "Keep-alive connections with no request for this long are closed", .min = 10, .max = 86'400'000},
      {.name = "server.write_timeout", .type = Type::duration, .default_value = "30s",
       .help = "A client that does not accept a response write for this long is disconnected",
       .min = 10, .max = 3'600'000},
      {.name = "server.shutdown_timeout", .type = Type::duration, .default_value = "5s",
       .help = "On SIGTERM, in-flight requests get this long to finish", .min = 0, .max = 600'000},
      {.name = "server.max_connections", .type = Type::integer, .default_value = "20000",
       .help = "Connections above this are refused with 503", .min = 1, .max = 1'000'000},
      {.name = "server.sse_heartbeat", .type = Type::duration, .default_value = "10s",
       .help = "An SSE stream with nothing to send gets a ': ping' comment this often", .min = 100, .max = 600'000},
      {.name = "server.run_keep", .type = Type::duration, .default_value = "5m",
       .help = "Finished chat runs stay this long for resume (GET /api/v1/runs/{id}/events)", .min = 0,
       .max = 86'400'000},
      {.name = "server.run_max_events", .type = Type::integer, .default_value = "10000",
       .help = "Events kept per chat run for resume; older ones are dropped", .min = 100, .max = 1'000'000},
      {.name = "server.ws_queue_limit", .type = Type::size, .default_value = "1MiB",
       .help = "A WebSocket client whose unsent frames pass this many bytes is closed (code 1008)", .min = 1024,
       .max = 256 * kMiB},
      {.name = "server.ws_idle_timeout", .type = Type::duration, .default_value = "60s",
       .help = "A WebSocket that receives nothing for this long is closed; a ping goes out halfway", .min = 200,
       .max = 86'400'000},
      {.name = "server.ws_max_runs", .type = Type::integer, .default_value = "16",
       .help = "Unfinished chat runs one WebSocket may have at once", .min = 1, .max = 1000},
      // TLS, security headers and CORS (docs/security.md)
      {.name = "server.tls_cert", .default_value = "",
       .help = "PEM certificate chain; with tls_key the server speaks HTTPS (reloaded on SIGHUP)"},
      {.name = "server.tls_key", .default_value = "", .help = "PEM private key of tls_cert"},
      {.name = "server.tls_min_version", .default_value = "1.2", .help = "Oldest TLS version accepted",
       .choices = {"1.2", "1.3"}},
      {.name = "server.redirect_http_port", .type = Type::integer, .default_value = "-1",
       .help = "A plain-HTTP port answering 308 to the https URL; -1: none, 0: a free port", .min = -1,
       .max = 65535},
      {.name = "server.cors_origins", .type = Type::list, .default_value = "",
       .help = "Origins allowed to call the API from a browser (https://app.example.com); \"*\": any, without "
               "credentials"},
      {.name = "server.cors_credentials", .type = Type::boolean, .default_value = "false",
       .help = "Send Access-Control-Allow-Credentials to the listed origins (never with \"*\")"},
      {.name = "server.cors_max_age", .type = Type::duration, .default_value = "10m",
       .help = "How long a browser may cache a preflight answer", .min = 0, .max = 86'400'000},

      // [auth] API keys and request limits (docs/security.md)
      {.name = "auth.rpm", .type = Type::integer, .default_value = "600",
       .help = "Requests per minute per API key unless the key has its own; 0: no limit", .min = 0,
       .max = 1'000'000'000},
      {.name = "auth.streams", .type = Type::integer, .default_value = "8",
       .help = "Concurrent streams (SSE, WebSocket, streaming OpenAI) per API key unless the key has its own; 0: no "
               "limit",
       .min = 0, .max = 1'000'000},
      {.name = "auth.ip_rpm", .type = Type::integer, .default_value = "600",
       .help = "Requests per minute per client address on the open routes when keys exist; 0: no limit", .min = 0,
       .max = 1'000'000'000},
      {.name = "auth.open_routes", .type = Type::list, .default_value = "/,/assets/{*rest},/healthz,/readyz",
       .help = "Route patterns that need no API key (limited per client address instead)"},
      {.name = "auth.stream_lease", .type = Type::duration, .default_value = "60s",
       .help = "A stream's slot expires this long after its last renewal (renewed every third of it), so a "
               "crashed instance frees its streams",
       .min = 3'000, .max = 3'600'000},

      // [store]
      {.name = "store.driver", .default_value = "sqlite", .help = "Storage backend",
       .choices = {"sqlite", "postgres"}},
      {.name = "store.data_dir", .default_value = ".devagent",
       .help = "Directory for the SQLite database and other local state (DEVAGENT_DATA_DIR)", .check = check_nonempty},
      {.name = "store.sqlite_path", .default_value = "",
       .help = "SQLite database file; empty means <data_dir>/devagent.db"},
      {.name = "store.postgres_url", .default_value = "", .help = "PostgreSQL connection URI (postgres://...)",
       .secret = true},
      {.name = "store.busy_timeout", .type = Type::duration, .default_value = "5s",
       .help = "How long a write waits for a locked SQLite database", .min = 0, .max = 600'000},
      {.name = "store.pool_size", .type = Type::integer, .default_value = "4",
       .help = "Database connections kept open", .min = 1, .max = 256},

      // [log]
      {.name = "log.level", .default_value = "info", .help = "Lowest level logged",
       .choices = {"trace", "debug", "info", "warn", "error", "off"}},
      {.name = "log.format", .default_value = "auto",
       .help = "json (one object per line), text, or auto (text on a terminal, json otherwise)",
       .choices = {"auto", "json", "text"}},

      // [workspace]
      {.name = "workspace.roots", .type = Type::list, .default_value = ".",
       .help = "Directories devagent may read; the first is the default workspace"},

      // [http] the client for upstream APIs
      {.name = "http.connect_timeout", .type = Type::duration, .default_value = "10s",
       .help = "Time to open a connection to an upstream (TCP, TLS, proxy)", .min = 1, .max = 600'000},
      {.name = "http.first_byte_timeout", .type = Type::duration, .default_value = "120s",
       .help = "Time from sending a request to the response headers", .min = 1, .max = 3'600'000},
      {.name = "http.idle_timeout", .type = Type::duration, .default_value = "60s",
       .help = "Longest silence while a response body streams", .min = 1, .max = 3'600'000},
      {.name = "http.keep_alive", .type = Type::duration, .default_value = "30s",
       .help = "Unused upstream connections are closed after this", .min = 0, .max = 3'600'000},
      {.name = "http.max_idle_per_host", .type = Type::integer, .default_value = "32",
       .help = "Idle connections kept per upstream", .min = 0, .max = 10'000},
      {.name = "http.ca_file", .default_value = "",
       .help = "Extra trusted CA certificates (PEM), added to the system store"},
      {.name = "http.https_proxy", .default_value = "", .help = "Proxy for https upstreams (HTTPS_PROXY)",
       .secret = true},
      {.name = "http.http_proxy", .default_value = "", .help = "Proxy for http upstreams (HTTP_PROXY)", .secret = true},
      {.name = "http.no_proxy", .default_value = "", .help = "Hosts that bypass the proxy (NO_PROXY)"},

      // [providers.<name>] LLM providers; the name is yours, the type says which API it speaks
      {.name = "providers.*.type", .default_value = "",
       .help = "openai, anthropic, ollama or builtin; empty: taken from the name", .check = check_provider_type},
      {.name = "providers.*.base_url", .default_value = "", .help = "API base URL (OPENAI_BASE_URL, ...)"},
      {.name = "providers.*.api_key", .default_value = "", .help = "API key (OPENAI_API_KEY, ...)", .secret = true},
      {.name = "providers.*.model", .default_value = "", .help = "Default chat model"},
      {.name = "providers.*.embedding_model", .default_value = "", .help = "Default embedding model"},
      {.name = "providers.*.api_version", .default_value = "", .help = "Anthropic API version header"},
      {.name = "providers.*.max_tokens", .type = Type::integer, .default_value = "4096",
       .help = "Default output token limit (Anthropic requires one)", .min = 1, .max = 1'000'000},
      {.name = "providers.*.enabled", .type = Type::boolean, .default_value = "true",
       .help = "Set false to keep a provider configured but unused"},

      // [routes] task -> ordered "provider:model" candidates; the first is the primary
      {.name = "routes.*", .type = Type::list, .default_value = "",
       .help = "Candidates for a task, primary first: \"anthropic:claude-sonnet-4-5,openai:gpt-4o\"",
       .check = check_route},

      // [router] retries, circuit breakers, prices
      {.name = "router.retries", .type = Type::integer, .default_value = "1",
       .help = "Extra attempts on the same candidate for retryable errors before falling back", .min = 0, .max = 10},
      {.name = "router.backoff_base", .type = Type::duration, .default_value = "200ms",
       .help = "First retry delay; doubles per attempt, with jitter", .min = 0, .max = 60'000},
      {.name = "router.backoff_max", .type = Type::duration, .default_value = "5s",
       .help = "Longest retry delay", .min = 0, .max = 600'000},
      {.name = "router.max_retry_wait", .type = Type::duration, .default_value = "5s",
       .help = "A Retry-After longer than this falls back to the next candidate instead of waiting",
       .min = 0, .max = 600'000},
      {.name = "router.breaker_failures", .type = Type::integer, .default_value = "5",
       .help = "Consecutive failures that open a candidate's circuit", .min = 1, .max = 1000},
      {.name = "router.breaker_failure_rate", .type = Type::integer, .default_value = "50",
       .help = "Percent of failures in the window that opens the circuit", .min = 1, .max = 100},
      {.name = "router.breaker_min_calls", .type = Type::integer, .default_value = "10",
       .help = "Calls in the window before the failure rate counts", .min = 1, .max = 100'000},
      {.name = "router.breaker_window", .type = Type::duration, .default_value = "60s",
       .help = "Window for the failure rate", .min = 1000, .max = 86'400'000},
      {.name = "router.breaker_cooldown", .type = Type::duration, .default_value = "30s",
       .help = "Time an open circuit waits before one probe call", .min = 10, .max = 86'400'000},
      {.name = "router.prices_file", .default_value = "",
       .help = "A price file whose entries override the shipped table (config/prices.toml)"},

      // [budgets] hard daily limits per API key or user
      {.name = "budgets.daily_tokens", .type = Type::integer, .default_value = "0",
       .help = "Tokens per principal per UTC day; 0: no limit", .min = 0, .max = INT64_MAX / 4},
      {.name = "budgets.daily_cost", .default_value = "0",
       .help = "Dollars per principal per UTC day; 0: no limit", .check = check_dollars},
      {.name = "budgets.reserve_output_tokens", .type = Type::integer, .default_value = "4096",
       .help = "Output tokens reserved (and capped) per call when budgets apply", .min = 1, .max = 1'000'000},

      // [agent] planning, tools and answers
      // [memory]
      {.name = "memory.enabled", .type = Type::boolean, .default_value = "true",
       .help = "Remember facts, summaries and entities across conversations and recall them"},
      {.name = "memory.dimension", .type = Type::integer, .default_value = "256",
       .help = "Dimensions of the builtin embeddings memory recall uses", .min = 16, .max = 4096},
      {.name = "memory.recall_k", .type = Type::integer, .default_value = "5",
       .help = "Memories from earlier conversations put into an answer's context at most", .min = 0, .max = 50},
      {.name = "memory.recall_tokens", .type = Type::integer, .default_value = "1000",
       .help = "Tokens of recalled memories an answer's context holds at most", .min = 50, .max = 100'000},
      {.name = "memory.llm_extraction", .type = Type::boolean, .default_value = "true",
       .help = "With a model, read each question's facts and entities with the summary route (one call per turn); "
               "false uses the rules",},
      {.name = "memory.min_score", .default_value = "0.35",
       .help = "Fused recall score (docs/memory.md) a memory needs to go into an answer's context",
       .check = check_unit},
      {.name = "memory.recency_half_life", .type = Type::duration, .default_value = "30d",
       .help = "Age at which a memory's recency weight has halved", .min = 60'000, .max = 3'650LL * 86'400'000},
      {.name = "memory.history_tokens", .type = Type::integer, .default_value = "3000",
       .help = "A conversation's turns beyond this many tokens fold into its running summary", .min = 200,
       .max = 1'000'000},
      {.name = "memory.summary_tokens", .type = Type::integer, .default_value = "400",
       .help = "Budget of a conversation's running summary, in tokens", .min = 50, .max = 100'000},

      // [cache] the response cache (docs/cache.md)
      {.name = "cache.enabled", .type = Type::boolean, .default_value = "true",
       .help = "Serve repeated and reworded questions from the response cache"},
      {.name = "cache.max_bytes", .type = Type::size, .default_value = "256MiB",
       .help = "Size of the response cache; over it the least recently used entries go", .min = 0,
       .max = kMiB * 1024 * 1024},
      {.name = "cache.cleanup_interval", .type = Type::duration, .default_value = "10m",
       .help = "How often the server deletes expired cache entries", .min = 1000, .max = 86'400'000},
      {.name = "cache.warm_recent", .type = Type::integer, .default_value = "20",
       .help = "Most frequent recent questions the server answers ahead of time when the cache lacks them; 0: none",
       .min = 0, .max = 10'000},
      {.name = "cache.warm_interval", .type = Type::duration, .default_value = "1h",
       .help = "How often the server warms the cache from recent questions; 0: never", .min = 0,
       .max = 30LL * 86'400'000},
      // Per kind: the cosine a reworded question needs (the guard applies too,
      // docs/cache.md "Matching") and how long an entry lives.
      {.name = "cache.decomposition.similarity", .default_value = "0.90",
       .help = "Similarity a reworded question needs to reuse a cached plan (0 to 1)", .check = check_unit},
      {.name = "cache.decomposition.ttl", .type = Type::duration, .default_value = "7d",
       .help = "How long a cached plan lives", .min = 1000, .max = 365LL * 86'400'000},
      {.name = "cache.response.similarity", .default_value = "0.85",
       .help = "Similarity a reworded question needs to reuse a cached answer (0 to 1)", .check = check_unit},
      {.name = "cache.response.ttl", .type = Type::duration, .default_value = "24h",
       .help = "How long a cached answer lives", .min = 1000, .max = 365LL * 86'400'000},
      {.name = "cache.analysis.similarity", .default_value = "0.95",
       .help = "Similarity a reworded question needs to reuse a cached repository analysis (0 to 1)",
       .check = check_unit},
      {.name = "cache.analysis.ttl", .type = Type::duration, .default_value = "3d",
       .help = "How long a cached repository analysis lives", .min = 1000, .max = 365LL * 86'400'000},

      // [features] gradual roll-out: on, off or a percentage of API keys
      // (docs/rollout.md)
      {.name = "features.streaming", .default_value = "on",
       .help = "Streamed answers (SSE, WebSocket, stream:true); off: one JSON document", .check = check_rollout},
      {.name = "features.function_calling", .default_value = "on",
       .help = "The model picks tools by function calling; off: the builtin planner picks them", .check = check_rollout},
      {.name = "features.memory", .default_value = "on",
       .help = "Recall from and remembering into conversation memory", .check = check_rollout},
      {.name = "features.routing", .default_value = "on",
       .help = "Routes per task and fallback between models; off: the response route's first model only",
       .check = check_rollout},
      {.name = "features.caching", .default_value = "on",
       .help = "The response cache serves and keeps answers", .check = check_rollout},

      // [prompts] versioned templates (config/prompts/README.md)
      {.name = "prompts.dir", .default_value = "",
       .help = "A folder of <template>/<version>.md files adding to or replacing the built-in templates"},
      {.name = "prompts.decomposition", .default_value = "v1",
       .help = "Version of the tool-picking prompt, or an A/B split like v1=50,v2=50", .check = check_prompt_split},
      {.name = "prompts.response", .default_value = "v1",
       .help = "Version of the answer-writing prompt, or an A/B split like v1=50,v2=50", .check = check_prompt_split},

      {.name = "agent.max_steps", .type = Type::integer, .default_value = "6",
       .help = "Rounds of tool calls a model may make before it must answer", .min = 1, .max = 50},
      {.name = "agent.task_timeout", .type = Type::duration, .default_value = "120s",
       .help = "A tool call taking longer is stopped and reported as timed out", .min = 100, .max = 3'600'000},
      {.name = "agent.max_parallel", .type = Type::integer, .default_value = "8",
       .help = "Tool calls of one question running at once", .min = 1, .max = 64},
      {.name = "agent.context_tokens", .type = Type::integer, .default_value = "8000",
       .help = "Tokens of tool results given to the model that writes the answer", .min = 500,
       .max = 1'000'000},

      // [code] code intelligence
      {.name = "code.index_path", .default_value = "",
       .help = "The code index database; empty means <data_dir>/code-index.db"},
      {.name = "code.max_file_size", .type = Type::size, .default_value = "1MiB",
       .help = "Files larger than this are not indexed", .min = 1024, .max = 1024 * kMiB},
      {.name = "code.refresh_interval", .type = Type::duration, .default_value = "10s",
       .help = "An index older than this is refreshed (incrementally) before it answers", .min = 0,
       .max = 86'400'000},
      {.name = "code.index_threads", .type = Type::integer, .default_value = "0",
       .help = "Threads reading files while indexing; 0: one per core", .min = 0, .max = 256},
      {.name = "code.max_commits", .type = Type::integer, .default_value = "5000",
       .help = "Newest commits read for history, churn, hotspots and change coupling", .min = 1,
       .max = 10'000'000},

      // [github]
      {.name = "github.token", .default_value = "", .help = "GitHub token (GITHUB_TOKEN)", .secret = true},
      {.name = "github.api_url", .default_value = "https://api.github.com",
       .help = "GitHub REST API base (GITHUB_API_URL), for GitHub Enterprise", .check = check_nonempty},
      {.name = "github.timeout", .type = Type::duration, .default_value = "30s",
       .help = "Time GitHub has to answer a request (to the headers, and between body reads)", .min = 100,
       .max = 600'000},
      {.name = "github.max_wait", .type = Type::duration, .default_value = "10s",
       .help = "Longest wait for a GitHub rate limit to reset; longer limits fail at once", .min = 0,
       .max = 3'600'000},
      {.name = "github.max_pages", .type = Type::integer, .default_value = "10",
       .help = "Result pages followed (Link rel=next) per GitHub call", .min = 1, .max = 100},
      {.name = "github.cache_max_entries", .type = Type::integer, .default_value = "2000",
       .help = "GitHub responses kept for conditional requests (ETag); least recently used dropped", .min = 1,
       .max = 1'000'000},
      {.name = "github.cache_max_body", .type = Type::size, .default_value = "1MiB",
       .help = "GitHub responses larger than this are not cached", .min = 0, .max = 64 * kMiB},
  };
  return keys;
}

const std::vector<EnvAlias>& env_aliases() {
  static const std::vector<EnvAlias> aliases = {
      {"DEVAGENT_LISTEN", "server.listen"},
      {"DEVAGENT_DATA_DIR", "store.data_dir"},
      {"GITHUB_TOKEN", "github.token"},
      {"OPENAI_API_KEY", "providers.openai.api_key"},
      {"OPENAI_BASE_URL", "providers.openai.base_url"},
      {"ANTHROPIC_API_KEY", "providers.anthropic.api_key"},
      {"ANTHROPIC_BASE_URL", "providers.anthropic.base_url"},
      {"OLLAMA_HOST", "providers.ollama.base_url"},
      {"https_proxy", "http.https_proxy"},
      {"HTTPS_PROXY", "http.https_proxy"},
      {"http_proxy", "http.http_proxy"},
      {"HTTP_PROXY", "http.http_proxy"},
      {"no_proxy", "http.no_proxy"},
      {"NO_PROXY", "http.no_proxy"},
      {"GITHUB_API_URL", "github.api_url"},
  };
  return aliases;
}

}  // namespace devagent::config
