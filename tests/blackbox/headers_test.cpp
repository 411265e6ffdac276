// Black-box tests of the headers every response carries (security headers)
// and of CORS, against the real `devagent serve` on loopback.
#include "support/http_client.h"
#include "support/process.h"
#include "support/shared_server.h"

#include <gtest/gtest.h>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kApiPolicy = "default-src 'none'; frame-ancestors 'none'";

void expect_security_headers(const HttpResponse& res, const std::string& what) {
  EXPECT_EQ(res.header("x-content-type-options"), "nosniff") << what;
  EXPECT_EQ(res.header("referrer-policy"), "no-referrer") << what;
  EXPECT_EQ(res.header("x-frame-options"), "DENY") << what;
  EXPECT_NE(res.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos) << what;
  EXPECT_EQ(res.header("strict-transport-security"), "") << what << ": HSTS only over TLS";
}

class Headers : public SharedServer<Headers> {
 public:
  static std::vector<std::string> server_args() {
    return {"--set", "server.cors_origins=https://app.example.com,http://localhost:5173", "--set",
            "server.cors_credentials=true"};
  }
};

TEST_F(Headers, JsonResponsesCarryTheApiPolicy) {
  auto res = http_get(port(), "/healthz");
  ASSERT_EQ(res.status, 200);
  expect_security_headers(res, "200");
  EXPECT_EQ(res.header("content-security-policy"), kApiPolicy);
}

TEST_F(Headers, ErrorsCarryThemToo) {
  auto missing = http_get(port(), "/api/v1/no-such-thing");
  ASSERT_EQ(missing.status, 404);
  expect_security_headers(missing, "404");
  EXPECT_EQ(missing.header("content-security-policy"), kApiPolicy);

  auto bad = http_request(port(), verb::post, "/api/v1/chat", "{", {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad.status, 400);
  expect_security_headers(bad, "400");

  // Refused before routing: a declared body over the limit.
  RawConnection c(port());
  c.send("POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n");
  auto raw = c.read_until("\r\n\r\n", 10s);
  EXPECT_NE(raw.find("413"), std::string::npos) << raw;
  EXPECT_NE(raw.find("X-Content-Type-Options: nosniff"), std::string::npos) << raw;
  EXPECT_NE(raw.find(std::string("Content-Security-Policy: ") + kApiPolicy), std::string::npos) << raw;
}

// On a server of its own: a chat runs the whole agent.
TEST(HeadersStream, AnSseStreamCarriesThem) {
  ServerProcess server;
  auto res = http_request(server.port(), verb::post, "/api/v1/chat",
                          R"({"message": "which files depend on src/engine.h?", "options": {"offline": true}})",
                          {{"Content-Type", "application/json"}}, 60s);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("content-type"), "text/event-stream");
  expect_security_headers(res, "SSE");
  EXPECT_EQ(res.header("content-security-policy"), kApiPolicy);
}

TEST_F(Headers, ThePageKeepsItsOwnPolicy) {
  auto res = http_get(port(), "/");
  ASSERT_EQ(res.status, 200);
  expect_security_headers(res, "page");
  auto csp = res.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
}

TEST_F(Headers, AWebSocketRefusalCarriesThem) {
  auto res = http_get(port(), "/api/v1/ws");
  EXPECT_EQ(res.status, 426);
  expect_security_headers(res, "426");
}

TEST_F(Headers, AListedOriginIsAllowedWithCredentials) {
  // Scheme and host compare case-insensitively; the Origin is echoed as sent.
  auto res = http_request(port(), verb::get, "/healthz", "", {{"Origin", "https://APP.example.com"}});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("access-control-allow-origin"), "https://APP.example.com");
  EXPECT_EQ(res.header("access-control-allow-credentials"), "true");
  EXPECT_EQ(res.header("access-control-expose-headers"), "X-Request-Id, Retry-After");
  EXPECT_NE(res.header("vary").find("Origin"), std::string::npos);

  auto dev = http_request(port(), verb::get, "/healthz", "", {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(dev.header("access-control-allow-origin"), "http://localhost:5173");
}

TEST_F(Headers, AnotherOriginGetsNoCorsHeaders) {
  for (const char* origin : {"https://evil.example.com", "https://app.example.com.evil.net", "http://app.example.com",
                             "https://app.example.com:8443", "null"}) {
    auto res = http_request(port(), verb::get, "/healthz", "", {{"Origin", origin}});
    EXPECT_EQ(res.status, 200) << origin;
    EXPECT_EQ(res.header("access-control-allow-origin"), "") << origin;
    EXPECT_EQ(res.header("access-control-allow-credentials"), "") << origin;
    EXPECT_NE(res.header("vary").find("Origin"), std::string::npos) << origin;
  }
}

TEST_F(Headers, PreflightForAListedOriginIs204) {
  HeaderList headers = {{"Origin", "https://app.example.com"},
                        {"Access-Control-Request-Method", "POST"},
                        {"Access-Control-Request-Headers", "content-type, x-api-key"}};
  auto res = http_request(port(), verb::options, "/api/v1/chat", "", headers);
  EXPECT_EQ(res.status, 204) << res.body;
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.header("access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(res.header("access-control-allow-credentials"), "true");
  EXPECT_NE(res.header("access-control-allow-methods").find("POST"), std::string::npos);
  auto allowed = res.header("access-control-allow-headers");
  for (const char* h : {"Authorization", "X-Api-Key", "Content-Type", "Last-Event-ID", "X-Request-Id"}) {
    EXPECT_NE(allowed.find(h), std::string::npos) << h;
  }
  EXPECT_EQ(res.header("access-control-max-age"), "600");
  expect_security_headers(res, "preflight");

  // Any path: the preflight is answered before routing.
  auto other = http_request(port(), verb::options, "/api/v1/runs/some-id/events", "", headers);
  EXPECT_EQ(other.status, 204);
}

TEST_F(Headers, PreflightForAnotherOriginIs403) {
  HeaderList headers = {{"Origin", "https://evil.example.com"}, {"Access-Control-Request-Method", "POST"}};
  auto res = http_request(port(), verb::options, "/api/v1/chat", "", headers);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  EXPECT_EQ(res.header("access-control-allow-methods"), "");
  EXPECT_NE(res.body.find("\"forbidden\""), std::string::npos) << res.body;
}

TEST_F(Headers, OptionsWithoutPreflightHeadersIsRoutedAsUsual) {
  auto res = http_request(port(), verb::options, "/healthz");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "GET");
}

TEST(HeadersWildcard, StarAllowsAnyOriginWithoutCredentials) {
  ServerProcess server({"--set", "server.cors_origins=*"});
  auto res = http_request(server.port(), verb::get, "/healthz", "", {{"Origin", "https://anyone.example"}});
  EXPECT_EQ(res.header("access-control-allow-origin"), "*");
  EXPECT_EQ(res.header("access-control-allow-credentials"), "");
  auto pre = http_request(server.port(), verb::options, "/api/v1/chat", "",
                          {{"Origin", "https://anyone.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "*");
}

TEST(HeadersWildcard, NoCorsConfiguredMeansNoCorsHeaders) {
  ServerProcess server;
  auto res = http_request(server.port(), verb::get, "/healthz", "", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  EXPECT_EQ(res.header("vary"), "");
  auto pre = http_request(server.port(), verb::options, "/api/v1/chat", "",
                          {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 403);
}

TEST(HeadersConfig, StarWithCredentialsIsRefused) {
  TempDir data;
  auto start = [&](std::vector<std::string> extra) {
    ProcessOptions o;
    o.args = {"serve", "--listen", "127.0.0.1:0", "--data-dir", (data.path() / "d").string()};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    return run(devagent_binary(), o, 30s);
  };
  auto star = start({"--set", "server.cors_origins=*", "--set", "server.cors_credentials=true"});
  EXPECT_EQ(star.exit_code, 2) << star.err;
  EXPECT_NE(star.err.find("cors_credentials"), std::string::npos) << star.err;
  auto path = start({"--set", "server.cors_origins=https://app.example.com/ui"});
  EXPECT_EQ(path.exit_code, 2) << path.err;
  EXPECT_NE(path.err.find("not an origin"), std::string::npos) << path.err;
}

}  // namespace
}  // namespace devagent::testing
