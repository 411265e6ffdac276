// Black-box tests of API keys and limits (docs/security.md): `devagent keys`
// and the real `devagent serve` over loopback HTTP.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace json = boost::json;

// `devagent keys ...` on a server's data directory.
RunResult keys(const std::filesystem::path& data_dir, std::vector<std::string> args) {
  ProcessOptions o;
  o.args = {"--data-dir", data_dir.string(), "keys"};
  o.args.insert(o.args.end(), args.begin(), args.end());
  return run(devagent_binary(), o);
}

struct Key {
  std::string id;
  std::string secret;
};

Key create_key(const std::filesystem::path& data_dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"create", "--name", "test key", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = keys(data_dir, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto v = json::parse(r.out).as_object();
  return {std::string(v.at("id").as_string()), std::string(v.at("key").as_string())};
}

void expect_error(const HttpResponse& res, int status, const std::string& type, const std::string& says) {
  EXPECT_EQ(res.status, status) << res.body;
  auto v = json::parse(res.body);
  EXPECT_EQ(v.at("error").at("type").as_string(), type) << res.body;
  EXPECT_NE(std::string(v.at("error").at("message").as_string()).find(says), std::string::npos) << res.body;
  EXPECT_EQ(v.at("error").at("request_id").as_string(), res.header("x-request-id"));
}

HttpResponse get(unsigned short port, const std::string& target, const std::string& header = {},
                 const std::string& value = {}) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!header.empty()) headers.emplace_back(header, value);
  return http_request(port, verb::get, target, {}, headers);
}

HttpResponse chat(unsigned short port, const std::string& key, const std::string& message) {
  json::object body{{"message", message}, {"stream", false}};
  return http_request(port, verb::post, "/api/v1/chat", json::serialize(body),
                      {{"Content-Type", "application/json"}, {"X-Api-Key", key}}, 60s);
}

// Opens a WebSocket with the key in the query, as the browser does; returns
// the connection and the handshake's answer.
std::pair<std::unique_ptr<RawConnection>, std::string> open_websocket(unsigned short port, const std::string& key) {
  auto c = std::make_unique<RawConnection>(port);
  c->send("GET /api/v1/ws?access_token=" + key +
          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string head = c->read_until("\r\n\r\n", 10s);
  return {std::move(c), head};
}

TEST(Keys, CreateListRevokeThroughTheCli) {
  TempDir dir;
  auto empty = keys(dir.path(), {"list"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.out.find("no API keys"), std::string::npos) << empty.out;

  auto created = keys(dir.path(), {"create", "--name", "ci", "--rpm", "5", "--daily-tokens", "1000"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string secret = created.out.substr(0, created.out.find('\n'));
  EXPECT_EQ(secret.size(), 47u) << created.out;
  EXPECT_TRUE(secret.starts_with("dak_"));
  EXPECT_NE(created.err.find("only time"), std::string::npos) << created.err;

  auto listed = keys(dir.path(), {"list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find(secret), std::string::npos) << "the key itself is never shown again";
  auto all = json::parse(listed.out).at("keys").as_array();
  ASSERT_EQ(all.size(), 1u);
  const auto& k = all[0].as_object();
  EXPECT_EQ(k.at("name").as_string(), "ci");
  EXPECT_EQ(k.at("prefix").as_string(), secret.substr(0, 12));
  EXPECT_EQ(k.at("limits").at("rpm").as_int64(), 5);
  EXPECT_TRUE(k.at("limits").at("streams").is_null());
  EXPECT_EQ(k.at("limits").at("daily_tokens").as_int64(), 1000);
  EXPECT_TRUE(k.at("revoked_at").is_null());
  EXPECT_TRUE(k.at("last_used_at").is_null());

  std::string id(k.at("id").as_string());
  auto revoked = keys(dir.path(), {"revoke", id});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  auto after = json::parse(keys(dir.path(), {"list", "--json"}).out).at("keys").as_array();
  EXPECT_FALSE(after[0].at("revoked_at").is_null());
  EXPECT_NE(keys(dir.path(), {"list"}).out.find("revoked"), std::string::npos);

  EXPECT_EQ(keys(dir.path(), {"revoke", "no-such-key"}).exit_code, 1);
  EXPECT_EQ(keys(dir.path(), {"create"}).exit_code, 2);  // --name is required
  EXPECT_EQ(keys(dir.path(), {"create", "--name", "x", "--rpm", "-1"}).exit_code, 2);
}

TEST(Keys, RequestsNeedAValidKeyOnceOneExists) {
  ServerProcess server;
  auto port = server.port();
  // No key yet: open on loopback.
  EXPECT_EQ(get(port, "/api/v1/conversations").status, 200);

  Key key = create_key(server.data_dir() / "data");
  expect_error(get(port, "/api/v1/conversations"), 401, "unauthorized", "API key is required");
  EXPECT_EQ(get(port, "/api/v1/conversations").header("www-authenticate"), "Bearer realm=\"devagent\"");
  expect_error(get(port, "/api/v1/conversations", "Authorization", "Bearer dak_wrong"), 401, "unauthorized",
               "not valid");
  std::string forged = key.secret;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  expect_error(get(port, "/api/v1/conversations", "X-Api-Key", forged), 401, "unauthorized", "not valid");
  expect_error(get(port, "/api/v1/conversations", "Authorization", "Basic dXNlcjpwYXNz"), 401, "unauthorized",
               "not valid");

  EXPECT_EQ(get(port, "/api/v1/conversations", "Authorization", "Bearer " + key.secret).status, 200);
  EXPECT_EQ(get(port, "/api/v1/conversations", "X-Api-Key", key.secret).status, 200);
  // The query parameter is for the WebSocket only.
  EXPECT_EQ(get(port, "/api/v1/conversations?access_token=" + key.secret).status, 401);
  // /metrics needs a key too.
  EXPECT_EQ(get(port, "/metrics").status, 401);
  auto metrics = get(port, "/metrics", "X-Api-Key", key.secret);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("http_unauthorized_requests_total{reason=\"missing_key\"}"), std::string::npos);

  // Open routes: health and the web UI.
  EXPECT_EQ(get(port, "/healthz").status, 200);
  EXPECT_EQ(get(port, "/readyz").status, 200);
  EXPECT_EQ(get(port, "/").status, 200);

  // The use is recorded.
  auto listed = json::parse(keys(server.data_dir() / "data", {"list", "--json"}).out);
  EXPECT_FALSE(listed.at("keys").at(0).at("last_used_at").is_null()) << listed;

  Key other = create_key(server.data_dir() / "data");
  ASSERT_EQ(keys(server.data_dir() / "data", {"revoke", key.id}).exit_code, 0);
  expect_error(get(port, "/api/v1/conversations", "Authorization", "Bearer " + key.secret), 401, "unauthorized",
               "revoked");
  expect_error(get(port, "/api/v1/conversations", "X-Api-Key", key.secret), 401, "unauthorized", "revoked");
  EXPECT_EQ(get(port, "/api/v1/conversations", "X-Api-Key", other.secret).status, 200);
  // Every key revoked: open again, since the server is on loopback; a key
  // sent anyway is ignored, as in any open mode (SDKs always send one).
  ASSERT_EQ(keys(server.data_dir() / "data", {"revoke", other.id}).exit_code, 0);
  EXPECT_EQ(get(port, "/api/v1/conversations").status, 200);
  EXPECT_EQ(get(port, "/api/v1/conversations", "Authorization", "Bearer dak_unused").status, 200);
}

TEST(Keys, PerMinuteLimitAnswers429WithRetryAfter) {
  ServerProcess server;
  auto port = server.port();
  Key limited = create_key(server.data_dir() / "data", {"--rpm", "3"});
  Key other = create_key(server.data_dir() / "data");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get(port, "/api/v1/version", "X-Api-Key", limited.secret).status, 200);
  auto refused = get(port, "/api/v1/version", "X-Api-Key", limited.secret);
  expect_error(refused, 429, "rate_limited", "3 requests per minute");
  int retry_after = std::stoi(refused.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  // Another key is not affected.
  EXPECT_EQ(get(port, "/api/v1/version", "X-Api-Key", other.secret).status, 200);
  auto metrics = get(port, "/metrics", "X-Api-Key", other.secret);
  EXPECT_NE(metrics.body.find("http_limited_requests_total{reason=\"rpm\"} 1"), std::string::npos) << metrics.body;
}

TEST(Keys, OpenRoutesAreLimitedPerAddress) {
  ServerProcess server({"--set", "auth.ip_rpm=2"});
  auto port = server.port();
  create_key(server.data_dir() / "data");
  EXPECT_EQ(get(port, "/healthz").status, 200);
  EXPECT_EQ(get(port, "/healthz").status, 200);
  auto refused = get(port, "/healthz");
  expect_error(refused, 429, "rate_limited", "from 127.0.0.1");
  EXPECT_FALSE(refused.header("retry-after").empty());
}

TEST(Keys, ConcurrentStreamLimitCountsOpenWebSockets) {
  ServerProcess server;
  auto port = server.port();
  Key key = create_key(server.data_dir() / "data", {"--streams", "1"});

  auto [first, head] = open_websocket(port, key.secret);
  ASSERT_NE(head.find("101"), std::string::npos) << head;
  auto [second, refused] = open_websocket(port, key.secret);
  EXPECT_NE(refused.find("HTTP/1.1 429"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Retry-After"), std::string::npos) << refused;
  EXPECT_NE(refused.find("streams open"), std::string::npos) << refused;
  // Plain requests are not streams.
  EXPECT_EQ(get(port, "/api/v1/conversations", "X-Api-Key", key.secret).status, 200);
  // A streaming chat is one: refused while the socket is open.
  json::object body{{"message", "hello"}, {"options", json::object{{"offline", true}}}};
  auto sse = http_request(port, verb::post, "/api/v1/chat", json::serialize(body),
                          {{"Content-Type", "application/json"}, {"X-Api-Key", key.secret}});
  EXPECT_EQ(sse.status, 429) << sse.body;

  // Closing the socket gives the slot back (the server notices the close
  // on its own schedule, so this waits for it).
  first.reset();
  bool reopened = false;
  for (int i = 0; i < 100 && !reopened; ++i) {
    auto [again, answer] = open_websocket(port, key.secret);
    reopened = answer.find("101") != std::string::npos;
    if (!reopened) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(reopened);
}

TEST(Keys, AKeysDailyTokenBudgetAnswers429) {
  FakeUpstream openai;
  ServerProcess server({}, {{"OPENAI_BASE_URL", openai.base_url()}});
  Key key = create_key(server.data_dir() / "data", {"--daily-tokens", "10"});
  auto res = chat(server.port(), key.secret, "what does this repository do?");
  expect_error(res, 429, "budget_exceeded", "daily token limit of 10 tokens");
  int retry_after = std::stoi(res.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 86'400);
  EXPECT_TRUE(openai.requests().empty());
}

TEST(Keys, ServeRefusesToRunOpenOnANonLoopbackAddress) {
  TempDir dir;
  ProcessOptions o;
  o.args = {"serve", "--listen", "0.0.0.0:0", "--data-dir", dir.path().string()};
  auto r = run(devagent_binary(), o, 30s);
  EXPECT_EQ(r.exit_code, 2) << r.err;  // a configuration error
  EXPECT_NE(r.err.find("refusing to serve on 0.0.0.0 without API keys"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("devagent keys create"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace devagent::testing
