// The runs started by POST /api/v1/chat: cancel one, or resume its event
// stream after the last event a client saw.
#include "server/handlers.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace devagent::server::handlers {
namespace {

// Last-Event-ID, or ?after=N; 0 (from the start) when neither is given.
std::optional<std::uint64_t> resume_point(const Exchange& ex) {
  std::string text(ex.header("Last-Event-ID"));
  if (text.empty()) text = ex.query("after").value_or("");
  if (text.empty()) return 0;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

awaitable<void> cancel_run(ChatState& state, Exchange& ex) {
  auto run = state.runs.find(ex.param("id"));
  if (!run) {
    co_await ex.reply_error(404, "not_found", "no such run (unknown, or finished too long ago)");
    co_return;
  }
  boost::json::object body;
  body["cancelled"] = run->cancel("cancelled by request");
  if (!body["cancelled"].as_bool()) body["reason"] = "already finished";
  boost::json::value doc = std::move(body);
  co_await ex.reply_json(200, doc);
}

awaitable<void> run_events(ChatState& state, Exchange& ex) {
  auto after = resume_point(ex);
  if (!after) {
    co_await ex.reply_error(400, "invalid_argument", "Last-Event-ID / after must be an event id (a whole number)");
    co_return;
  }
  auto run = state.runs.find(ex.param("id"));
  if (!run) {
    co_await ex.reply_error(404, "not_found", "no such run (unknown, or finished too long ago)");
    co_return;
  }
  // Watching ends the stream early when the client leaves; unlike the
  // original chat request, a resumed stream leaving does not cancel the run.
  ex.watch_client();
  bool ok = co_await ex.begin_stream(200, "text/event-stream");
  if (ok) ok = co_await stream_run_sse(ex, *run, *after, state.heartbeat);
  if (ok) co_await ex.end_stream();
  co_await ex.stop_watching();
}

}  // namespace devagent::server::handlers
