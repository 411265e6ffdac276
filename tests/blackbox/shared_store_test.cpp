// Two `devagent serve` instances on one PostgreSQL database, as behind a
// load balancer: what one remembers, the other recalls.
#include "store/backend.h"
#include "support/http_client.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <thread>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace json = boost::json;

std::map<std::string, std::string> on_postgres(const std::string& url) {
  return {{"DEVAGENT_STORE_DRIVER", "postgres"}, {"DEVAGENT_STORE_POSTGRES_URL", url}};
}

TEST(SharedStore, TwoInstancesOnOnePostgresSeeEachOthersMemories) {
  if (!store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
  store::testing::Backend db("postgres");
  ServerProcess a({}, on_postgres(db.options().postgres_url));
  ServerProcess b({}, on_postgres(db.options().postgres_url));

  json::object stated{{"message", "Our staging database is db-staging-7."}, {"stream", false},
                      {"options", json::object{{"offline", true}}}};
  auto res = http_request(a.port(), verb::post, "/api/v1/chat", json::serialize(stated),
                          {{"Content-Type", "application/json"}}, 60s);
  ASSERT_EQ(res.status, 200) << res.body;

  // The other instance recalls it, through its API and in an answer.
  auto found = http_get(b.port(), "/api/v1/memory/search?q=which%20host%20runs%20the%20staging%20DB&k=3");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find("db-staging-7"), std::string::npos) << found.body;
  json::object asked{{"message", "which host runs the staging DB?"}, {"stream", false},
                     {"options", json::object{{"offline", true}}}};
  auto answer = http_request(b.port(), verb::post, "/api/v1/chat", json::serialize(asked),
                             {{"Content-Type", "application/json"}}, 60s);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(json::parse(answer.body).at("answer").as_string().find("db-staging-7"), std::string::npos) << answer.body;

  // A correction made on the second replaces the fact on the first too.
  json::object moved{{"message", "The staging DB moved to db-staging-9."}, {"stream", false},
                     {"options", json::object{{"offline", true}}}};
  ASSERT_EQ(http_request(b.port(), verb::post, "/api/v1/chat", json::serialize(moved),
                         {{"Content-Type", "application/json"}}, 60s).status, 200);
  auto now = http_get(a.port(), "/api/v1/memory/search?q=staging%20database%20host&k=5&kind=fact");
  EXPECT_NE(now.body.find("db-staging-9"), std::string::npos) << now.body;
  EXPECT_EQ(now.body.find("db-staging-7"), std::string::npos) << now.body;

  // Conversations are shared as well.
  auto listed = http_get(a.port(), "/api/v1/conversations");
  EXPECT_EQ(json::parse(listed.body).at("conversations").as_array().size(), 3u) << listed.body;
}

TEST(SharedStore, AnAnswerCachedByOneInstanceIsAHitOnTheOther) {
  if (!store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
  store::testing::Backend db("postgres");
  auto env = on_postgres(db.options().postgres_url);
  env["DEVAGENT_MEMORY_ENABLED"] = "false";
  ServerProcess a({}, env);
  ServerProcess b({}, env);
  auto ask = [](unsigned short port, const std::string& message) {
    json::object body{{"message", message}, {"stream", false}};
    auto res = http_request(port, verb::post, "/api/v1/chat", json::serialize(body),
                            {{"Content-Type", "application/json"}}, 60s);
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  };
  auto first = ask(a.port(), "How do I reverse a list in Python?");
  EXPECT_FALSE(first.contains("cached"));
  auto second = ask(b.port(), "how can I reverse a Python list");
  ASSERT_TRUE(second.contains("cached")) << second;
  EXPECT_EQ(second.at("cached").at("match").as_string(), "semantic");
  EXPECT_EQ(second.at("answer"), first.at("answer"));
  // The statistics are shared too.
  auto stats = json::parse(http_get(a.port(), "/api/v1/cache/stats").body);
  EXPECT_EQ(stats.at("kinds").at("response").at("semantic_hits").as_int64(), 1) << stats;
  EXPECT_EQ(stats.at("kinds").at("response").at("entries").as_int64(), 1) << stats;
  // Cleared through one, gone for the other.
  ASSERT_EQ(http_request(b.port(), verb::delete_, "/api/v1/cache").status, 200);
  EXPECT_FALSE(ask(a.port(), "How do I reverse a list in Python?").contains("cached"));
}

TEST(SharedStore, TwoInstancesShareAKeysPerMinuteLimit) {
  if (!store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
  store::testing::Backend db("postgres");
  auto env = on_postgres(db.options().postgres_url);
  ServerProcess a({}, env);
  ServerProcess b({}, env);
  ProcessOptions create;
  create.args = {"keys", "create", "--name", "shared", "--rpm", "3", "--json"};
  create.env = env;
  auto created = run(devagent_binary(), create);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string key(json::parse(created.out).at("key").as_string());
  auto version = [&](unsigned short port) {
    return http_request(port, verb::get, "/api/v1/version", {}, {{"Authorization", "Bearer " + key}});
  };
  EXPECT_EQ(version(a.port()).status, 200);
  EXPECT_EQ(version(b.port()).status, 200);
  EXPECT_EQ(version(a.port()).status, 200);
  // The fourth request of the minute is refused on either instance.
  auto refused = version(b.port());
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(version(a.port()).status, 429);
  // Without a key both refuse alike.
  EXPECT_EQ(http_get(a.port(), "/api/v1/version").status, 401);
  EXPECT_EQ(http_get(b.port(), "/api/v1/version").status, 401);
}

}  // namespace
}  // namespace devagent::testing
