// The server in-process, with test routes, for behaviour that needs control
// of handlers: streams ended by shutdown, in-flight requests finishing,
// timeouts.
#include "server/server.h"

#include "server/exchange.h"
#include "server/router.h"
#include "support/http_client.h"
#include "http/sse.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace devagent::server {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace asio = boost::asio;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

// Sends an event every 20 ms until shutdown, then a final event.
asio::awaitable<void> ticking_stream(Exchange& ex) {
  if (!co_await ex.begin_stream(200, "text/event-stream")) co_return;
  for (int i = 0; !ex.shutdown_token().cancelled(); ++i) {
    std::string event = http::encode_sse({.event = "tick", .data = std::to_string(i)});
    if (!co_await ex.write(event)) co_return;
    co_await sleep_for(20ms);
  }
  std::string last = http::encode_sse({.event = "error", .data = R"({"type":"shutdown"})"});
  co_await ex.write(last);
  co_await ex.end_stream();
}

asio::awaitable<void> slow(Exchange& ex) {
  co_await sleep_for(300ms);
  co_await ex.reply(200, "finished", "text/plain");
}

asio::awaitable<void> throws(Exchange&) {
  throw std::runtime_error("boom");
  co_return;
}

asio::awaitable<void> silent(Exchange&) { co_return; }

struct Running {
  explicit Running(ServerOptions o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    server = std::make_unique<Server>(o, Services{},
                                      std::vector<Route>{{verb::get, "/stream", ticking_stream},
                                                         {verb::get, "/slow", slow},
                                                         {verb::get, "/throws", throws},
                                                         {verb::get, "/silent", silent}});
    auto p = server->listen();
    EXPECT_TRUE(p);
    port = *p;
    thread = std::thread([this] {
      server->run();
      finished = std::chrono::steady_clock::now();
    });
  }
  ~Running() {
    server->stop();
    if (thread.joinable()) thread.join();
  }
  std::unique_ptr<Server> server;
  unsigned short port = 0;
  std::thread thread;
  std::chrono::steady_clock::time_point finished;
};

TEST(Server, ShutdownEndsOpenStreamsWithAFinalEvent) {
  Running r;
  testing::RawConnection c(r.port);
  c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = c.read_until("data: 2", 5s);
  ASSERT_NE(first.find("Transfer-Encoding: chunked"), std::string::npos) << first;
  auto stop_at = std::chrono::steady_clock::now();
  r.server->stop();
  auto rest = c.read_until("0\r\n\r\n", 5s);
  EXPECT_NE(rest.find("event: error"), std::string::npos) << rest;
  EXPECT_NE(rest.find("shutdown"), std::string::npos);
  EXPECT_TRUE(c.closed_within(5s));
  r.thread.join();
  EXPECT_LT(r.finished - stop_at, 5s);
}

TEST(Server, InFlightRequestsFinishDuringShutdown) {
  Running r;
  std::string body;
  std::thread client([&] { body = testing::http_get(r.port, "/slow").body; });
  std::this_thread::sleep_for(100ms);
  r.server->stop();
  client.join();
  EXPECT_EQ(body, "finished");
  r.thread.join();
  EXPECT_THROW(testing::http_get(r.port, "/slow"), std::exception);  // no longer accepting
}

TEST(Server, ShutdownClosesIdleKeepAliveConnections) {
  Running r;
  testing::RawConnection c(r.port);
  c.send("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");
  auto resp = c.read_until("\r\n\r\n", 5s);
  ASSERT_NE(resp.find("500"), std::string::npos);
  r.server->stop();
  EXPECT_TRUE(c.closed_within(3s));
}

TEST(Server, HandlerExceptionsBecome500InTheErrorShape) {
  Running r;
  auto res = testing::http_get(r.port, "/throws");
  EXPECT_EQ(res.status, 500);
  EXPECT_NE(res.body.find("\"type\":\"internal_error\""), std::string::npos);
  EXPECT_NE(res.body.find(res.header("x-request-id")), std::string::npos);
  EXPECT_EQ(res.body.find("boom"), std::string::npos);  // internals stay in the log
}

TEST(Server, SlowHeadersAreCutOffAtTheHeaderTimeout) {
  ServerOptions o;
  o.header_timeout = 300ms;
  Running r(o);
  testing::RawConnection c(r.port);
  c.send("GET /slow HTTP/1.1\r\nHost: x\r\n");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    try {
      c.send("X-Drip: " + std::to_string(i) + "\r\n");
    } catch (...) {
      break;
    }
    if (c.closed_within(100ms)) break;
  }
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(Server, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  ServerOptions o;
  o.idle_timeout = 200ms;
  Running r(o);
  testing::RawConnection c(r.port);
  c.send("GET /throws HTTP/1.1\r\nHost: x\r\n\r\n");
  c.read_until("internal_error", 5s);
  EXPECT_TRUE(c.closed_within(3s));
}

TEST(Server, ConnectionLimitAnswers503) {
  ServerOptions o;
  o.max_connections = 1;
  Running r(o);
  testing::RawConnection hold(r.port);
  hold.send("GET /throws HTTP/1.1\r\nHost: x\r\n\r\n");
  hold.read_until("internal_error", 5s);
  testing::RawConnection second(r.port);
  auto resp = second.read_until("}", 5s);
  EXPECT_NE(resp.find("503"), std::string::npos) << resp;
  EXPECT_NE(resp.find("connection limit"), std::string::npos);
}

}  // namespace
}  // namespace devagent::server
