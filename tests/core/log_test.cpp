#include "core/log.h"

#include "core/blocking.h"
#include "core/log_context.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <thread>

namespace devagent::log {
namespace {

struct Capture {
  std::vector<std::string> lines;
  Capture() {
    set_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~Capture() {
    set_sink({});
    configure(Level::info, Format::json);
  }
};

TEST(Log, JsonLinesCarryTimeLevelMessageAndFields) {
  Capture cap;
  configure(Level::info, Format::json);
  info("request", "request_id", "abc123", "status", 200, "ok", true);
  ASSERT_EQ(cap.lines.size(), 1u);
  auto v = boost::json::parse(cap.lines[0]).as_object();
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("msg").as_string(), "request");
  EXPECT_EQ(v.at("request_id").as_string(), "abc123");
  EXPECT_EQ(v.at("status").as_int64(), 200);
  EXPECT_TRUE(v.at("ok").as_bool());
  std::string time(v.at("time").as_string());
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-11-26T05:06:18.123Z
  EXPECT_EQ(time.back(), 'Z');
}

TEST(Log, LevelFiltersLowerLevels) {
  Capture cap;
  configure(Level::warn, Format::json);
  info("hidden");
  debug("hidden");
  warn("shown");
  error("shown too");
  EXPECT_EQ(cap.lines.size(), 2u);
  configure(Level::off, Format::json);
  error("nothing");
  EXPECT_EQ(cap.lines.size(), 2u);
}

TEST(Log, TextFormatIsReadable) {
  Capture cap;
  configure(Level::info, Format::text);
  info("listening", "url", "http://127.0.0.1:8080", "threads", 2);
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_NE(cap.lines[0].find("INFO"), std::string::npos);
  EXPECT_NE(cap.lines[0].find("listening url=http://127.0.0.1:8080 threads=2"), std::string::npos) << cap.lines[0];
}

TEST(Log, MessagesWithControlCharactersStayOneLine) {
  Capture cap;
  configure(Level::info, Format::json);
  info("line one\nline two", "field", "a\nb");
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_EQ(cap.lines[0].find('\n'), std::string::npos);
}

// The request id in scope (core/log_context.h) reaches every line, across
// threads, coroutines and the blocking pool.

namespace asio = boost::asio;

TEST(LogContext, AScopeAddsItsRequestIdToEveryLineUntilItEnds) {
  Capture cap;
  configure(Level::info, Format::json);
  {
    RequestScope outer("req-outer");
    info("one");
    {
      RequestScope inner("req-inner");
      info("two");
      info("three", "request_id", "its-own");  // a line's own id wins
    }
    info("four");
  }
  info("five");
  ASSERT_EQ(cap.lines.size(), 5u);
  auto id_of = [&](std::size_t i) -> std::string {
    auto v = boost::json::parse(cap.lines[i]).as_object();
    return v.contains("request_id") ? std::string(v.at("request_id").as_string()) : "";
  };
  EXPECT_EQ(id_of(0), "req-outer");
  EXPECT_EQ(id_of(1), "req-inner");
  EXPECT_EQ(id_of(2), "its-own");
  EXPECT_EQ(cap.lines[2].find("req-inner"), std::string::npos) << cap.lines[2];
  EXPECT_EQ(id_of(3), "req-outer");
  EXPECT_EQ(id_of(4), "");
  EXPECT_TRUE(current_request_id().empty());
}

TEST(LogContext, TextLinesCarryTheIdToo) {
  Capture cap;
  configure(Level::info, Format::text);
  RequestScope scope("req-7");
  info("tool done", "tool", "searchCode");
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_NE(cap.lines[0].find("tool done request_id=req-7 tool=searchCode"), std::string::npos) << cap.lines[0];
}

asio::awaitable<void> log_steps(std::string who, int steps) {
  auto ex = co_await asio::this_coro::executor;
  for (int i = 0; i < steps; ++i) {
    info("step", "who", who);
    co_await asio::post(ex, asio::use_awaitable);  // resume later, perhaps on another thread
    int n = co_await run_blocking([&] {
      info("blocking", "who", who);
      return i;
    });
    EXPECT_EQ(n, i);
  }
}

asio::awaitable<void> request_work(std::string who) {
  auto ex = co_await asio::this_coro::executor;
  // Work the request's coroutine spawns on its own executor shares its id.
  asio::co_spawn(ex, log_steps(who + "/child", 20), asio::detached);
  co_await log_steps(who, 20);
}

TEST(LogContext, CoroutinesOnAWrappedExecutorKeepTheirIdOnEveryThread) {
  Capture cap;
  configure(Level::info, Format::json);
  asio::io_context ioc;
  for (const char* who : {"a", "b", "c"}) {
    auto work = request_work(who);
    asio::co_spawn(with_request_id(asio::make_strand(ioc), std::string("req-") + who), std::move(work), asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { ioc.run(); });
  for (auto& t : threads) t.join();

  ASSERT_EQ(cap.lines.size(), 3u * 2 * 20 * 2);
  for (const auto& line : cap.lines) {
    auto v = boost::json::parse(line).as_object();
    std::string who(v.at("who").as_string());
    ASSERT_TRUE(v.contains("request_id")) << line;
    EXPECT_EQ(std::string(v.at("request_id").as_string()), "req-" + who.substr(0, 1)) << line;
  }
  EXPECT_TRUE(current_request_id().empty());
}

}  // namespace
}  // namespace devagent::log
