// Every route the server answers, in one table, read top to bottom.
#include "server/handlers.h"
#include "server/router.h"

namespace devagent::server {

using boost::beast::http::verb;
namespace h = handlers;

std::vector<Route> routes(Services& s) {
  auto chat = h::ChatState::from(s.config);  // shared by the chat routes' handlers
  return {
      {verb::get, "/", h::web_asset},
      {verb::get, "/assets/{*rest}", h::web_asset},
      {verb::get, "/healthz", h::healthz},
      {verb::get, "/readyz", [&s](Exchange& ex) { return h::readyz(s, ex); }},
      {verb::get, "/metrics", h::metrics},
      {verb::get, "/api/v1/version", h::version},
      {verb::post, "/api/v1/config/check", h::check_config},
      {verb::get, "/api/v1/usage", [&s](Exchange& ex) { return h::usage(s, ex); }},
      {verb::get, "/api/v1/providers", [&s](Exchange& ex) { return h::providers(s, ex); }},
      {verb::get, "/api/v1/tools", [&s](Exchange& ex) { return h::tools(s, ex); }},
      {verb::post, "/v1/chat/completions", [&s](Exchange& ex) { return h::openai_chat_completions(s, ex); }},
      {verb::get, "/v1/models", [&s](Exchange& ex) { return h::openai_models(s, ex); }},
      {verb::post, "/v1/embeddings", [&s](Exchange& ex) { return h::openai_embeddings(s, ex); }},
      {verb::post, "/api/v1/chat", [&s, chat](Exchange& ex) { return h::chat(s, *chat, ex); }},
      {verb::get, "/api/v1/ws", [&s, chat](Exchange& ex) { return h::websocket_chat(s, *chat, ex); }},
      {verb::post, "/api/v1/runs/{id}/cancel", [chat](Exchange& ex) { return h::cancel_run(*chat, ex); }},
      {verb::get, "/api/v1/runs/{id}/events", [chat](Exchange& ex) { return h::run_events(*chat, ex); }},
      {verb::get, "/api/v1/conversations", [&s](Exchange& ex) { return h::list_conversations(s, ex); }},
      {verb::get, "/api/v1/conversations/{id}", [&s](Exchange& ex) { return h::get_conversation(s, ex); }},
      {verb::delete_, "/api/v1/conversations/{id}", [&s](Exchange& ex) { return h::delete_conversation(s, ex); }},
      {verb::get, "/api/v1/memory", [&s](Exchange& ex) { return h::memory_list(s, ex); }},
      {verb::get, "/api/v1/memory/search", [&s](Exchange& ex) { return h::memory_search(s, ex); }},
      {verb::delete_, "/api/v1/memory/{id}", [&s](Exchange& ex) { return h::memory_forget(s, ex); }},
      {verb::get, "/api/v1/cache/stats", [&s](Exchange& ex) { return h::cache_stats(s, ex); }},
      {verb::delete_, "/api/v1/cache", [&s](Exchange& ex) { return h::cache_clear(s, ex); }},
      {verb::post, "/api/v1/messages/{id}/feedback", [&s](Exchange& ex) { return h::message_feedback(s, ex); }},
  };
}

}  // namespace devagent::server
