// GET /api/v1/ws: the chat API over one WebSocket. The client sends
//   {"type": "chat", "message": ..., "conversation_id"?, "options"?, "ref"?}
//   {"type": "cancel", "run_id": ...}
//   {"type": "ping"}
// and the server sends each run's events as
//   {"type": <event kind>, "run_id": ..., "id": <seq>, "data": {...}}
// (the same events, in the same order, as the SSE stream), several runs at
// once, plus {"type": "cancel", ...} acknowledgements, {"type": "pong"} and
// {"type": "error", "data": {"kind", "message"}, "ref"?} for a message it
// could not take. Protocol pings are answered by Beast; the server pings an
// idle peer halfway through ws_idle_timeout.
//
// Everything here runs on the connection's strand. Frames go out through
// one queue and one writer; a queue past ws_queue_limit bytes means the
// client does not keep up: its runs are cancelled and the socket is closed
// with 1008 (policy violation) instead of buffering without bound.
#include "core/log.h"
#include "core/metrics.h"
#include "server/handlers.h"
#include "server/response_headers.h"
#include "server/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <deque>
#include <map>

namespace devagent::server::handlers {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxMessageBytes = 64 * 1024;  // one client message
constexpr std::size_t kMaxRefBytes = 128;
constexpr auto kForwardPoll = std::chrono::milliseconds(500);  // how often a forwarder looks up when idle

using Socket = websocket::stream<ClientStream&>;

metrics::Gauge& open_sockets() {
  static metrics::Gauge& g =
      metrics::registry().gauge("websocket_connections", "WebSocket connections open now.").labels({});
  return g;
}

// One socket's state; touched only on the connection's strand.
struct Session {
  Session(Socket& socket, const asio::any_io_executor& executor, const ChatState& state,
          std::chrono::milliseconds write_timeout)
      : ws(socket),
        limit(state.ws_queue_limit),
        max_runs(state.ws_max_runs),
        write_timeout(write_timeout),
        wake_writer(executor, asio::steady_timer::time_point::max()),
        write_deadline(executor),
        all_done(executor, asio::steady_timer::time_point::max()) {}

  Socket& ws;
  const std::size_t limit;
  const std::size_t max_runs;
  const std::chrono::milliseconds write_timeout;

  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  asio::steady_timer wake_writer;
  asio::steady_timer write_deadline;
  bool writer_running = false;

  bool closing = false;  // no more frames are queued; the writer closes after the queue
  websocket::close_reason close_reason;
  bool stopped = false;  // the peer is gone or the socket is closing: forwarders stop

  std::string principal = "local";  // who opened the socket, and what it may use
  std::optional<std::int64_t> daily_tokens;  // its key's own daily token budget
  features::Enabled features;
  std::map<std::string, std::shared_ptr<Run>> runs;  // unfinished runs started on this socket
  int forwarders = 0;
  asio::steady_timer all_done;  // cancelled when the writer or a forwarder ends

  void send(std::string frame) {
    if (closing) return;
    if (queued_bytes + frame.size() > limit) {
      log::warn("websocket client too slow; closing it", "queued_bytes", queued_bytes, "limit", limit);
      queue.clear();
      queued_bytes = 0;
      cancel_runs("client too slow");
      close(websocket::close_code::policy_error,
            "client too slow: more than " + std::to_string(limit) + " bytes of events unsent");
      return;
    }
    queued_bytes += frame.size();
    queue.push_back(std::move(frame));
    wake_writer.cancel();
  }

  void send_json(const json::object& o) { send(json::serialize(o)); }

  void send_error(std::string_view kind, std::string_view message, const json::value& ref = nullptr) {
    json::object data;
    data["kind"] = kind;
    data["message"] = message;
    json::object frame;
    frame["type"] = "error";
    if (!ref.is_null()) frame["ref"] = ref;
    frame["data"] = std::move(data);
    send_json(frame);
  }

  // The writer sends what is queued, then the close frame.
  void close(websocket::close_code code, std::string reason) {
    if (closing) return;
    closing = true;
    stopped = true;
    // A close reason is at most 123 bytes on the wire.
    if (reason.size() > 120) reason.resize(120);
    close_reason = websocket::close_reason(code, reason);
    wake_writer.cancel();
  }

  bool going_away = false;  // the server is shutting down: close once the runs have ended

  void cancel_runs(const std::string& reason) {
    for (auto& [id, run] : runs) run->cancel(reason);
  }
};

// One event as a frame; the client's ref goes on the run's first frame.
std::string event_frame(const Run& run, const RunEvent& e, const json::value& ref) {
  json::object o;
  o["type"] = e.kind;
  o["run_id"] = run.id();
  o["id"] = e.seq;
  if (e.kind == "run" && !ref.is_null()) o["ref"] = ref;
  o["data"] = e.data;
  return json::serialize(o);
}

// A peer that takes no bytes for write_timeout is dropped: closing the
// socket fails the pending write (and read). Cancelled after each write.
void arm_write_deadline(const std::shared_ptr<Session>& s) {
  s->write_deadline.expires_after(s->write_timeout);
  s->write_deadline.async_wait([s](const boost::system::error_code& ec) {
    if (ec) return;
    boost::system::error_code ignored;
    beast::get_lowest_layer(s->ws).socket().close(ignored);
  });
}

asio::awaitable<void> write_loop(std::shared_ptr<Session> s) {
  bool broken = false;
  for (;;) {
    if (s->queue.empty()) {
      if (s->closing) break;
      s->wake_writer.expires_at(asio::steady_timer::time_point::max());
      co_await s->wake_writer.async_wait(tuple_awaitable);
      continue;
    }
    std::string frame = std::move(s->queue.front());
    s->queue.pop_front();
    s->queued_bytes -= frame.size();
    arm_write_deadline(s);
    auto [ec, n] = co_await s->ws.async_write(asio::buffer(frame), tuple_awaitable);
    s->write_deadline.cancel();
    if (ec) {
      broken = true;
      break;
    }
  }
  if (!broken && s->ws.is_open()) {
    arm_write_deadline(s);
    auto [ec] = co_await s->ws.async_close(s->close_reason, tuple_awaitable);
    if (ec) log::debug("websocket close handshake failed", "error", ec.message());
    s->write_deadline.cancel();
  }
  s->closing = true;
  s->stopped = true;
  s->queue.clear();
  s->queued_bytes = 0;
  s->writer_running = false;
  s->all_done.cancel();
}

// Sends a run's events until it ends (or the socket stops).
asio::awaitable<void> forward(std::shared_ptr<Session> s, std::shared_ptr<Run> run, json::value ref) {
  std::uint64_t last = 0;
  for (;;) {
    auto snapshot = run->since(last);
    for (const auto& e : snapshot.events) {
      s->send(event_frame(*run, e, ref));
      last = e.seq;
    }
    if (snapshot.done || s->stopped) break;
    co_await run->wait(last, kForwardPoll);
  }
  s->runs.erase(run->id());
  --s->forwarders;
  if (s->going_away && s->forwarders == 0) s->close(websocket::close_code::going_away, "server shutting down");
  s->all_done.cancel();
}

// One message from the client.
void handle_message(Services& services, ChatState& state, const std::shared_ptr<Session>& s,
                    std::string_view text, const std::string& request_id, const asio::any_io_executor& executor) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    s->send_error("invalid_argument", "a message must be a JSON object with a \"type\"");
    return;
  }
  const auto& o = v.as_object();
  json::value ref = nullptr;
  if (const auto* r = o.if_contains("ref"); r && !r->is_null()) {
    if (!r->is_string() || r->as_string().size() > kMaxRefBytes) {
      s->send_error("invalid_argument", "ref must be a string of at most 128 bytes");
      return;
    }
    ref = *r;
  }
  const auto* type = o.if_contains("type");
  if (!type || !type->is_string()) {
    s->send_error("invalid_argument", "type is required: \"chat\", \"cancel\" or \"ping\"", ref);
    return;
  }
  std::string_view kind = type->as_string();
  if (kind == "ping") {
    json::object pong;
    pong["type"] = "pong";
    if (!ref.is_null()) pong["ref"] = ref;
    s->send_json(pong);
    return;
  }
  if (kind == "cancel") {
    const auto* id = o.if_contains("run_id");
    if (!id || !id->is_string()) {
      s->send_error("invalid_argument", "cancel needs run_id (a string)", ref);
      return;
    }
    auto run = state.runs.find(std::string(id->as_string()));
    if (!run) {
      s->send_error("not_found", "no such run (unknown, or finished too long ago)", ref);
      return;
    }
    json::object data;
    data["cancelled"] = run->cancel("cancelled by the client");
    if (!data["cancelled"].as_bool()) data["reason"] = "already finished";
    json::object ack;
    ack["type"] = "cancel";
    ack["run_id"] = run->id();
    if (!ref.is_null()) ack["ref"] = ref;
    ack["data"] = std::move(data);
    s->send_json(ack);
    return;
  }
  if (kind != "chat") {
    s->send_error("invalid_argument",
                  "unknown type \"" + std::string(kind.substr(0, 40)) + "\"; expected \"chat\", \"cancel\" or \"ping\"",
                  ref);
    return;
  }
  auto request = parse_chat_request(v);
  if (!request) {
    s->send_error("invalid_argument", request.error().message, ref);
    return;
  }
  if (s->runs.size() >= s->max_runs) {
    s->send_error("too_many_runs",
                  "this socket already has " + std::to_string(s->runs.size()) +
                      " unfinished runs; wait for one to end or cancel one",
                  ref);
    return;
  }
  request->principal = s->principal;
  request->daily_tokens = s->daily_tokens;
  request->features = s->features;
  auto run = start_chat_run(services, state, *request, request_id, executor);
  s->runs.emplace(run->id(), run);
  ++s->forwarders;
  asio::co_spawn(executor, forward(s, run, ref), asio::detached);
}

}  // namespace

awaitable<void> websocket_chat(Services& services, ChatState& state, Exchange& ex) {
  if (!websocket::is_upgrade(ex.request())) {
    Headers headers{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
    co_await ex.reply_error(426, "upgrade_required",
                            "GET /api/v1/ws is a WebSocket: send Connection: Upgrade and Upgrade: websocket", headers);
    co_return;
  }
  if (!services.agent) {
    co_await ex.reply_error(503, "unavailable", "no agent in this server");
    co_return;
  }
  std::string principal = ex.caller().principal;
  features::Enabled enabled = enabled_features(services, principal);
  if (!enabled.streaming) {
    co_await ex.reply_error(403, "feature_disabled",
                            "streaming is not enabled for this API key (features.streaming); use POST /api/v1/chat");
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  std::string request_id = ex.request_id();
  auto& connection = ex.take_connection();
  connection.expires_never();  // the WebSocket keeps its own time (below)
  Socket ws(connection);
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = state.ws_idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  const ServerOptions& options = ex.options();
  std::string origin(ex.header("Origin"));
  ws.set_option(websocket::stream_base::decorator([request_id, &options, origin](websocket::response_type& res) {
    res.set("X-Request-Id", request_id);
    add_response_headers(res, options, origin);
  }));
  ws.read_message_max(kMaxMessageBytes);
  ws.text(true);
  auto [accept_error] = co_await ws.async_accept(ex.request(), tuple_awaitable);
  if (accept_error) {
    log::info("websocket handshake failed", "request_id", request_id, "error", accept_error.message());
    co_return;
  }
  open_sockets().inc();
  log::info("websocket open", "request_id", request_id);

  auto s = std::make_shared<Session>(ws, executor, state, ex.options().write_timeout);
  s->principal = principal;
  s->daily_tokens = ex.caller().daily_tokens;
  s->features = enabled;
  s->writer_running = true;
  asio::co_spawn(executor, write_loop(s), asio::detached);

  // Shutdown: the runs end with their final event, then the socket closes
  // with 1001 (going away).
  auto on_shutdown = ex.shutdown_token().on_cancel([s, executor] {
    asio::post(executor, [s] {
      s->going_away = true;
      s->cancel_runs("server shutting down");
      if (s->forwarders == 0) s->close(websocket::close_code::going_away, "server shutting down");
    });
  });
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    auto [ec, n] = co_await ws.async_read(buffer, tuple_awaitable);
    if (ec) break;  // closed by the peer, idle, too big (Beast answers 1009), or closed by us
    if (!ws.got_text()) {
      s->send_error("invalid_argument", "messages must be text frames holding JSON");
      continue;
    }
    if (s->going_away) {
      s->send_error("unavailable", "server shutting down");
      continue;
    }
    std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
    handle_message(services, state, s, text, request_id, executor);
  }

  // The peer is gone (or we closed): its runs stop, and this frame, which
  // owns the socket, outlives the writer and the forwarders.
  s->cancel_runs("client disconnected");
  s->close(websocket::close_code::normal, "");
  while (s->writer_running || s->forwarders > 0) {
    s->all_done.expires_at(asio::steady_timer::time_point::max());
    co_await s->all_done.async_wait(tuple_awaitable);
  }
  on_shutdown.reset();
  open_sockets().dec();
  log::info("websocket closed", "request_id", request_id);
}

}  // namespace devagent::server::handlers
