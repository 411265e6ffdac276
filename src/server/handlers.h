// Route handlers, grouped by the area they serve (internal to the server
// module). routes.cpp puts them in one table.
#pragma once

#include "agent/answer_cache.h"
#include "core/features.h"
#include "server/exchange.h"
#include "server/runs.h"
#include "server/server.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace devagent::server::handlers {

using boost::asio::awaitable;

// health.cpp
awaitable<void> healthz(Exchange& ex);
awaitable<void> readyz(Services& services, Exchange& ex);
awaitable<void> metrics(Exchange& ex);
awaitable<void> version(Exchange& ex);

}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// config_check.cpp
awaitable<void> check_config(Exchange& ex);
// usage_routes.cpp
awaitable<void> usage(Services& services, Exchange& ex);
// providers_routes.cpp
awaitable<void> providers(Services& services, Exchange& ex);
// tools_routes.cpp
awaitable<void> tools(Services& services, Exchange& ex);
}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// The state the chat routes share: the runs, and how streams behave.
struct ChatState {
  ChatState(RunOptions options, std::chrono::milliseconds heartbeat_every) : runs(options), heartbeat(heartbeat_every) {}
  RunRegistry runs;
  std::chrono::milliseconds heartbeat{10'000};
  // WebSocket: a socket whose unsent frames pass ws_queue_limit bytes is
  // closed (1008); ws_idle_timeout without a frame from the peer (a ping is
  // sent halfway) closes it; at most ws_max_runs unfinished runs per socket.
  std::size_t ws_queue_limit = 1 << 20;
  std::chrono::milliseconds ws_idle_timeout{60'000};
  std::size_t ws_max_runs = 16;
  static std::shared_ptr<ChatState> from(const config::Config* config);  // defaults without a config
};
// chat_routes.cpp: POST /api/v1/chat (SSE, or one document with stream=false)
awaitable<void> chat(Services& services, ChatState& state, Exchange& ex);
// A chat request as the chat API and the WebSocket take it.
struct ChatRequest {
  std::string message;
  std::string conversation_id;  // empty: a new conversation
  bool offline = false;
  bool stream = true;
  agent::CachePolicy cache;  // options.cache, or the Cache-Control header
  std::string principal = "local";  // the caller (an API key's id), set by the handler
  std::optional<std::int64_t> daily_tokens;  // the caller's own daily token budget (its key's), set by the handler
  features::Enabled features;       // what the caller may use, set by the handler
};
// The feature flags (features.*) as they fall for a principal; all on
// without flags.
features::Enabled enabled_features(const Services& services, std::string_view principal);
// The response cache policy a Cache-Control header asks for: no-cache: do
// not serve from the cache (the fresh answer is kept); no-store: neither
// serve nor keep. Other directives are ignored.
agent::CachePolicy cache_policy(std::string_view cache_control);
// {"message", "conversation_id"?, "options"?: {"offline"?, "cache"?:
// "use"|"no-cache"|"no-store"}, "stream"?}; the
// errors say which field is wrong (invalid_argument).
Result<ChatRequest> parse_chat_request(const boost::json::value& body);
// Registers a run (its "run" event already pushed) and starts the agent on
// a strand of the executor's io_context. services.agent must be set.
std::shared_ptr<Run> start_chat_run(Services& services, ChatState& state, const ChatRequest& request,
                                    const std::string& request_id, const boost::asio::any_io_executor& executor);
// ws_routes.cpp: GET /api/v1/ws (docs/api.md, "WebSocket")
awaitable<void> websocket_chat(Services& services, ChatState& state, Exchange& ex);
// run_routes.cpp: POST /api/v1/runs/{id}/cancel, GET /api/v1/runs/{id}/events (resume)
awaitable<void> cancel_run(ChatState& state, Exchange& ex);
awaitable<void> run_events(ChatState& state, Exchange& ex);
// conversation_routes.cpp: GET /api/v1/conversations, GET and DELETE
// /api/v1/conversations/{id}, POST /api/v1/messages/{id}/feedback
awaitable<void> list_conversations(Services& services, Exchange& ex);
awaitable<void> get_conversation(Services& services, Exchange& ex);
awaitable<void> delete_conversation(Services& services, Exchange& ex);
awaitable<void> message_feedback(Services& services, Exchange& ex);
// sse_stream.cpp: writes a run's events after `after` as SSE until the run
// ends; false when the client went away first.
awaitable<bool> stream_run_sse(Exchange& ex, Run& run, std::uint64_t after, std::chrono::milliseconds heartbeat);
}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// memory_routes.cpp: GET /api/v1/memory/search, GET /api/v1/memory, DELETE /api/v1/memory/{id}
awaitable<void> memory_search(Services& services, Exchange& ex);
awaitable<void> memory_list(Services& services, Exchange& ex);
awaitable<void> memory_forget(Services& services, Exchange& ex);
}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// cache_routes.cpp: GET /api/v1/cache/stats, DELETE /api/v1/cache
awaitable<void> cache_stats(Services& services, Exchange& ex);
awaitable<void> cache_clear(Services& services, Exchange& ex);
}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// web_routes.cpp: the embedded web UI (GET / and GET /assets/{*rest})
awaitable<void> web_asset(Exchange& ex);
}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// openai_routes.cpp: the OpenAI-compatible API (docs/openai-api.md)
awaitable<void> openai_chat_completions(Services& services, Exchange& ex);
awaitable<void> openai_models(Services& services, Exchange& ex);
awaitable<void> openai_embeddings(Services& services, Exchange& ex);
}  // namespace devagent::server::handlers
