#include "llm/wire.h"

#include <gtest/gtest.h>

namespace devagent::llm {
namespace {

using namespace std::chrono_literals;

TEST(Wire, RetryAfterInSecondsOrAsAnHttpDate) {
  EXPECT_EQ(parse_retry_after("2"), 2000ms);
  EXPECT_EQ(parse_retry_after(" 1.5 "), 1500ms);
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("-3"));
  auto past = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT");
  ASSERT_TRUE(past);
  EXPECT_EQ(*past, 0ms);
  auto future = std::chrono::system_clock::now() + std::chrono::seconds(30);
  std::time_t t = std::chrono::system_clock::to_time_t(future);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&t));
  auto soon = parse_retry_after(buf);
  ASSERT_TRUE(soon);
  EXPECT_GT(*soon, 25s);
  EXPECT_LE(*soon, 30s);
}

TEST(Wire, HttpStatusesMapToKinds) {
  http::ResponseHead head;
  head.headers = {{"retry-after", "7"}};
  EXPECT_EQ(http_error(401, {}, "", "").kind, ErrorKind::auth);
  EXPECT_EQ(http_error(403, {}, "permission_error", "").kind, ErrorKind::auth);
  auto rl = http_error(429, head, "rate_limit_error", "slow down");
  EXPECT_EQ(rl.kind, ErrorKind::rate_limited);
  EXPECT_EQ(rl.retry_after, std::chrono::milliseconds(7000));
  EXPECT_EQ(http_error(529, {}, "overloaded_error", "Overloaded").kind, ErrorKind::overloaded);
  EXPECT_EQ(http_error(500, {}, "", "").kind, ErrorKind::server);
  EXPECT_EQ(http_error(504, {}, "", "").kind, ErrorKind::timeout);
  EXPECT_EQ(http_error(404, {}, "", "model not found").kind, ErrorKind::bad_request);
  EXPECT_EQ(http_error(400, {}, "context_length_exceeded", "too long").kind, ErrorKind::context_length);
  EXPECT_EQ(http_error(400, {}, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum").kind,
            ErrorKind::context_length);
  auto e = http_error(400, {}, "invalid_request_error", "bad field");
  EXPECT_NE(e.message.find("HTTP 400"), std::string::npos);
  EXPECT_NE(e.message.find("bad field"), std::string::npos);
}

TEST(Wire, AssemblerAssignsUsageAndOrdersToolCalls) {
  std::vector<Delta> seen;
  DeltaSink sink = [&](const Delta& d) { seen.push_back(d); };
  ReplyAssembler a(sink);
  EXPECT_FALSE(a.output_started());
  a.tool_call(1, "id_b", "second", "{\"x\":");
  a.tool_call(0, "id_a", "first", "{}");
  a.tool_call(1, "", "", "1}");
  a.usage({.input_tokens = 10, .output_tokens = 1});
  a.usage({.input_tokens = 10, .output_tokens = 9});
  a.finish(FinishReason::tool_calls);
  auto r = a.response("m");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0].name, "first");
  EXPECT_EQ(r.tool_calls[1].arguments, "{\"x\":1}");
  EXPECT_EQ(r.usage.output_tokens, 9);  // assigned, not added
  EXPECT_TRUE(a.output_started());
  EXPECT_EQ(seen.size(), 6u);
}

TEST(Wire, EstimatesAreAQuarterOfTheCharacters) {
  EXPECT_EQ(estimate_tokens(""), 0);
  EXPECT_EQ(estimate_tokens("abcd"), 1);
  EXPECT_EQ(estimate_tokens("abcde"), 2);
  ChatRequest req;
  req.messages = {{.role = Role::user, .content = std::string(396, 'x')}};
  ChatResponse reply;
  reply.text = std::string(40, 'y');
  auto u = estimate_usage(req, reply);
  EXPECT_TRUE(u.estimated);
  EXPECT_EQ(u.input_tokens, 100);
  EXPECT_EQ(u.output_tokens, 10);
}

}  // namespace
}  // namespace devagent::llm
