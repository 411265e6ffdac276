#include "core/log.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace devagent::log
