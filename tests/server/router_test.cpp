#include "server/router.h"

#include <gtest/gtest.h>

namespace devagent::server {
namespace {

using boost::beast::http::verb;

boost::asio::awaitable<void> noop(Exchange&) { co_return; }

Router table() {
  return Router({{verb::get, "/healthz", noop},
                 {verb::get, "/api/v1/conversations", noop},
                 {verb::get, "/api/v1/conversations/{id}", noop},
                 {verb::delete_, "/api/v1/conversations/{id}", noop},
                 {verb::get, "/assets/{*path}", noop}});
}

TEST(Router, MatchesLiteralPaths) {
  auto r = table();
  auto m = r.match(verb::get, "/healthz");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/healthz");
  EXPECT_EQ(r.match(verb::get, "/healthz/").route->pattern, "/healthz");
  EXPECT_EQ(r.match(verb::get, "/health").route, nullptr);
  EXPECT_FALSE(r.match(verb::get, "/health").path_matched);
}

TEST(Router, CapturesParameters) {
  auto r = table();
  auto m = r.match(verb::delete_, "/api/v1/conversations/c-42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, verb::delete_);
  EXPECT_EQ(m.params.at("id"), "c-42");
  EXPECT_EQ(r.match(verb::get, "/api/v1/conversations").route->pattern, "/api/v1/conversations");
  EXPECT_EQ(r.match(verb::get, "/api/v1/conversations/a/b").route, nullptr);
}

TEST(Router, RestParameterTakesTheRemainder) {
  auto r = table();
  auto m = r.match(verb::get, "/assets/js/app.js");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("path"), "js/app.js");
}

TEST(Router, WrongMethodReportsAllowedOnes) {
  auto r = table();
  auto m = r.match(verb::post, "/api/v1/conversations/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.allow, (std::vector<std::string>{"GET", "DELETE"}));
}

TEST(Router, HeadFollowsGet) {
  auto r = table();
  EXPECT_NE(r.match(verb::head, "/healthz").route, nullptr);
}

}  // namespace
}  // namespace devagent::server
