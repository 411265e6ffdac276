// Black-box tests of the WebSocket chat API (GET /api/v1/ws): the real
// `devagent serve`, a Beast WebSocket client, the offline engine, and the
// fake upstream where a model has to stall.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/shared_server.h"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace devagent::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using namespace std::chrono_literals;

// A WebSocket client whose every operation has a deadline (run_for on its
// own io_context), so a server that misbehaves fails the test, not hangs it.
class WsClient {
 public:
  explicit WsClient(unsigned short port, int receive_buffer = 0) : ws_(ioc_) {
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.open(asio::ip::tcp::v4());
    if (receive_buffer > 0) socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) ++pings_;
      if (kind == websocket::frame_type::pong) ++pongs_;
    });
    boost::system::error_code ec;
    bool done = false;
    ws_.async_handshake("127.0.0.1", "/api/v1/ws", [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
    run(done, 10s);
    if (!done || ec) throw std::runtime_error("websocket handshake failed: " + ec.message());
  }

  void send(const std::string& text, bool binary = false) {
    ws_.binary(binary);
    boost::system::error_code ec;
    bool done = false;
    ws_.async_write(asio::buffer(text), [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run(done, 10s);
    if (!done || ec) throw std::runtime_error("websocket write failed: " + ec.message());
  }

  void send_json(const json::object& o) { send(json::serialize(o)); }

  void ping() {
    bool done = false;
    ws_.async_ping({}, [&](boost::system::error_code) { done = true; });
    run(done, 10s);
  }

  // The next message; nullopt when the socket closed (see close_code) or
  // nothing came within timeout (see timed_out).
  std::optional<json::object> read(std::chrono::milliseconds timeout = 20s) {
    if (closed_) return std::nullopt;
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    bool done = false;
    ws_.async_read(buffer, [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run(done, timeout);
    if (!done) {
      timed_out_ = true;
      beast::get_lowest_layer(ws_).socket().close();
      run(done, 5s);
      closed_ = true;
      return std::nullopt;
    }
    if (ec) {
      closed_ = true;
      close_code_ = ws_.reason().code;
      return std::nullopt;
    }
    return json::parse(beast::buffers_to_string(buffer.data())).as_object();
  }

  // Messages until one satisfies `last` (included), or the socket closes.
  template <class Pred>
  std::vector<json::object> read_until(Pred last, std::chrono::milliseconds timeout = 20s) {
    std::vector<json::object> out;
    while (auto m = read(timeout)) {
      out.push_back(*m);
      if (last(*m)) break;
    }
    return out;
  }

  void close() {
    bool done = false;
    ws_.async_close(websocket::close_code::normal, [&](boost::system::error_code) { done = true; });
    run(done, 5s);
    closed_ = true;
  }

  bool timed_out() const { return timed_out_; }
  int close_code() const { return close_code_; }
  int pings() const { return pings_; }
  int pongs() const { return pongs_; }

 private:
  void run(const bool& done, std::chrono::milliseconds timeout) {
    ioc_.restart();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc_.run_one_for(deadline - std::chrono::steady_clock::now());
  }

  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  bool closed_ = false;
  bool timed_out_ = false;
  int close_code_ = 0;
  int pings_ = 0;
  int pongs_ = 0;
};

std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool ends_run(const json::object& m) {
  auto type = str(m, "type");
  return (type == "answer_done" || type == "error") && !str(m, "run_id").empty();
}

json::object chat(const std::string& message, const std::string& ref, bool offline = true) {
  json::object o;
  o["type"] = "chat";
  o["message"] = message;
  o["ref"] = ref;
  if (offline) o["options"] = json::object{{"offline", true}};
  return o;
}

class WebSocket : public SharedServer<WebSocket> {};

TEST_F(WebSocket, AChatStreamsTheRunsEventsInOrder) {
  WsClient ws(port());
  ws.send_json(chat("which files depend on src/engine.h?", "q1"));
  auto frames = ws.read_until(ends_run);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_EQ(str(frames.front(), "type"), "run");
  EXPECT_EQ(str(frames.front(), "ref"), "q1");
  std::string run_id = str(frames.front(), "run_id");
  ASSERT_FALSE(run_id.empty());
  EXPECT_EQ(str(frames.front().at("data").as_object(), "run_id"), run_id);
  EXPECT_FALSE(str(frames.front().at("data").as_object(), "conversation_id").empty());
  EXPECT_EQ(str(frames[1], "type"), "plan");
  EXPECT_EQ(str(frames.back(), "type"), "answer_done");
  EXPECT_EQ(str(frames.back().at("data").as_object(), "engine"), "builtin");
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(str(frames[i], "run_id"), run_id);
    EXPECT_EQ(frames[i].at("id").as_int64(), static_cast<std::int64_t>(i + 1));
  }
  // The same run, read over SSE from the registry, has the same events.
  auto replay = http_get(port(), "/api/v1/runs/" + run_id + "/events");
  ASSERT_EQ(replay.status, 200);
  std::size_t sse_events = 0;
  for (std::size_t at = 0; (at = replay.body.find("\nevent: ", at)) != std::string::npos; ++at) ++sse_events;
  EXPECT_EQ(sse_events + (replay.body.rfind("event: ", 0) == 0 ? 1 : 0), frames.size()) << replay.body;
}

TEST_F(WebSocket, SeveralRunsShareOneSocket) {
  WsClient ws(port());
  ws.send_json(chat("which files depend on src/engine.h?", "a"));
  ws.send_json(chat("what are the hotspots in this repository?", "b"));
  std::map<std::string, std::vector<json::object>> by_run;
  std::map<std::string, std::string> ref_of;
  std::set<std::string> finished;
  while (finished.size() < 2) {
    auto m = ws.read();
    ASSERT_TRUE(m.has_value()) << "socket closed or silent before both runs ended";
    std::string run_id = str(*m, "run_id");
    ASSERT_FALSE(run_id.empty()) << json::serialize(*m);
    by_run[run_id].push_back(*m);
    if (str(*m, "type") == "run") ref_of[run_id] = str(*m, "ref");
    if (ends_run(*m)) finished.insert(run_id);
  }
  ASSERT_EQ(by_run.size(), 2u);
  std::set<std::string> refs;
  for (const auto& [run_id, frames] : by_run) {
    refs.insert(ref_of[run_id]);
    EXPECT_EQ(str(frames.back(), "type"), "answer_done");
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(frames[i].at("id").as_int64(), static_cast<std::int64_t>(i + 1)) << run_id;
    }
  }
  EXPECT_EQ(refs, (std::set<std::string>{"a", "b"}));
}

TEST_F(WebSocket, BadMessagesGetAnErrorAndTheSocketStaysOpen) {
  WsClient ws(port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "invalid_argument"},
      {"[1, 2]", "invalid_argument"},
      {R"({"type": 5})", "invalid_argument"},
      {R"({"type": "launch"})", "invalid_argument"},
      {R"({"type": "chat"})", "invalid_argument"},
      {R"({"type": "chat", "message": "   "})", "invalid_argument"},
      {R"({"type": "chat", "message": "q", "conversation_id": "has spaces"})", "invalid_argument"},
      {R"({"type": "chat", "message": "q", "ref": 7})", "invalid_argument"},
      {R"({"type": "cancel"})", "invalid_argument"},
      {R"({"type": "cancel", "run_id": "no-such-run", "ref": "c"})", "not_found"},
  };
  for (const auto& [text, kind] : cases) {
    ws.send(text);
    auto m = ws.read();
    ASSERT_TRUE(m.has_value()) << text;
    EXPECT_EQ(str(*m, "type"), "error") << text;
    EXPECT_EQ(str(m->at("data").as_object(), "kind"), kind) << text;
    EXPECT_FALSE(str(m->at("data").as_object(), "message").empty()) << text;
  }
  ws.send(R"({"type": "chat"})", /*binary=*/true);
  auto binary = ws.read();
  ASSERT_TRUE(binary.has_value());
  EXPECT_NE(str(binary->at("data").as_object(), "message").find("text"), std::string::npos);

  ws.send(R"({"type": "ping", "ref": "p"})");
  auto pong = ws.read();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(str(*pong, "type"), "pong");
  EXPECT_EQ(str(*pong, "ref"), "p");
}

TEST_F(WebSocket, AnOversizedMessageClosesWith1009) {
  WsClient ws(port());
  ws.send(R"({"type": "chat", "message": ")" + std::string(70 * 1024, 'x') + R"("})");
  EXPECT_FALSE(ws.read().has_value());
  EXPECT_FALSE(ws.timed_out());
  EXPECT_EQ(ws.close_code(), 1009);
  EXPECT_EQ(http_get(port(), "/healthz").status, 200);
}

TEST_F(WebSocket, ProtocolPingsAreAnswered) {
  WsClient ws(port());
  ws.ping();
  ws.send(R"({"type": "ping"})");
  auto m = ws.read();  // the pong control frame arrives before this answer
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(ws.pongs(), 1);
}

TEST_F(WebSocket, APlainGetIsRefusedWith426) {
  auto res = http_get(port(), "/api/v1/ws");
  EXPECT_EQ(res.status, 426) << res.body;
  EXPECT_EQ(res.header("upgrade"), "websocket");
  auto err = json::parse(res.body).at("error").as_object();
  EXPECT_EQ(err.at("type").as_string(), "upgrade_required");
}

TEST_F(WebSocket, OpenSocketsAreCountedInMetrics) {
  WsClient ws(port());
  ws.send(R"({"type": "ping"})");
  ASSERT_TRUE(ws.read().has_value());
  auto metrics = http_get(port(), "/metrics");
  EXPECT_NE(metrics.body.find("websocket_connections 1"), std::string::npos) << metrics.body;
}

const char* kUpgrade =
    "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

TEST(WebSocketIdle, TheServerPingsAndClosesAPeerThatNeverAnswers) {
  ServerProcess server({}, {{"DEVAGENT_SERVER_WS_IDLE_TIMEOUT", "600ms"}});
  {
    // A Beast client answers pings by itself: it stays connected past the idle timeout.
    WsClient ws(server.port());
    EXPECT_FALSE(ws.read(2500ms).has_value());
    EXPECT_TRUE(ws.timed_out()) << "closed with " << ws.close_code();
    EXPECT_GE(ws.pings(), 1);
  }
  // A raw client that completes the handshake and then says nothing (not
  // even a pong) is closed after the idle timeout.
  RawConnection raw(server.port());
  raw.send(kUpgrade);
  auto head = raw.read_until("\r\n\r\n", 10s);
  ASSERT_NE(head.find("101"), std::string::npos) << head;
  EXPECT_TRUE(raw.closed_within(10s));
}

TEST(WebSocketSlowClient, IsClosedWith1008InsteadOfBufferingWithoutBound) {
  ServerProcess server({}, {{"DEVAGENT_SERVER_WS_QUEUE_LIMIT", "2KiB"}, {"DEVAGENT_SERVER_WS_MAX_RUNS", "200"}});
  WsClient ws(server.port(), /*receive_buffer=*/2048);
  // Many runs, and a client that reads nothing while they stream.
  for (int i = 0; i < 60; ++i) ws.send_json(chat("what are the hotspots in this repository?", std::to_string(i)));
  std::this_thread::sleep_for(3s);
  std::size_t frames = 0;
  while (ws.read(20s)) ++frames;
  EXPECT_FALSE(ws.timed_out());
  EXPECT_EQ(ws.close_code(), 1008) << "after " << frames << " frames";
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);
  // The server lives on and serves the next client.
  WsClient next(server.port());
  next.send(R"({"type": "ping"})");
  EXPECT_TRUE(next.read().has_value());
}

// A server whose model is the fake upstream, stalling mid-answer.
struct StallingModel {
  FakeUpstream fake;
  std::unique_ptr<ServerProcess> server;
  StallingModel() {
    fake.set_default_reply(Reply::text("partial answer\nnever finished").chunks(2).stall_after(2));
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{}, std::map<std::string, std::string>{{"OPENAI_BASE_URL", fake.base_url()},
                                                                       {"OPENAI_API_KEY", "k"},
                                                                       {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                                                                       {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"}});
  }
};

TEST(WebSocketCancel, ACancelMessageStopsTheRunAndTheUpstreamRequest) {
  StallingModel m;
  WsClient ws(m.server->port());
  ws.send_json(chat("explain the build", "x", /*offline=*/false));
  auto first = ws.read();
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(str(*first, "type"), "run");
  std::string run_id = str(*first, "run_id");
  ASSERT_TRUE(m.fake.wait_for_requests(1, 20s));

  json::object cancel{{"type", "cancel"}, {"run_id", run_id}};
  ws.send_json(cancel);
  bool acknowledged = false;
  auto frames = ws.read_until([&](const json::object& f) {
    if (str(f, "type") == "cancel") acknowledged = f.at("data").at("cancelled").as_bool();
    return ends_run(f);
  });
  EXPECT_TRUE(acknowledged);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(str(frames.back(), "type"), "error");
  EXPECT_EQ(str(frames.back().at("data").as_object(), "kind"), "cancelled");
  EXPECT_TRUE(m.fake.wait_for_disconnect(20s).has_value());
}

TEST(WebSocketCancel, ClosingTheSocketCancelsItsRuns) {
  StallingModel m;
  std::string run_id;
  {
    WsClient ws(m.server->port());
    ws.send_json(chat("explain the build", "x", /*offline=*/false));
    auto first = ws.read();
    ASSERT_TRUE(first.has_value());
    run_id = str(*first, "run_id");
    ASSERT_TRUE(m.fake.wait_for_requests(1, 20s));
    ws.close();
  }
  EXPECT_TRUE(m.fake.wait_for_disconnect(20s).has_value());
  auto replay = http_get(m.server->port(), "/api/v1/runs/" + run_id + "/events");
  ASSERT_EQ(replay.status, 200);
  EXPECT_NE(replay.body.find("\"kind\":\"cancelled\""), std::string::npos) << replay.body;
}

TEST(WebSocketShutdown, RunsEndWithTheirLastEventThenTheSocketClosesWith1001) {
  StallingModel m;
  WsClient ws(m.server->port());
  ws.send_json(chat("explain the build", "x", /*offline=*/false));
  ASSERT_TRUE(ws.read().has_value());
  ASSERT_TRUE(m.fake.wait_for_requests(1, 20s));
  m.server->process().signal(SIGTERM);
  auto frames = ws.read_until(ends_run);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(str(frames.back(), "type"), "error");
  EXPECT_FALSE(ws.read().has_value());
  EXPECT_FALSE(ws.timed_out());
  EXPECT_EQ(ws.close_code(), 1001);
  EXPECT_EQ(m.server->process().wait(20s), 0);
}

}  // namespace
}  // namespace devagent::testing
