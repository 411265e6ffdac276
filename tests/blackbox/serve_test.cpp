// Black-box tests: the real `devagent serve` on a free loopback port.
#include "support/http_client.h"
#include "support/process.h"
#include "support/shared_server.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;

void expect_error_shape(const HttpResponse& res, int status, const std::string& type) {
  EXPECT_EQ(res.status, status) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/json");
  auto v = boost::json::parse(res.body).as_object();
  const auto& err = v.at("error").as_object();
  EXPECT_EQ(err.at("type").as_string(), type) << res.body;
  EXPECT_FALSE(err.at("message").as_string().empty());
  EXPECT_EQ(err.at("request_id").as_string(), res.header("x-request-id"));
  EXPECT_FALSE(res.header("x-request-id").empty());
}

class Serve : public SharedServer<Serve> {};

TEST_F(Serve, HealthzAnswers) {
  auto res = http_get(port(), "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"ok"})");
}

TEST_F(Serve, ReadyzReportsTheMigratedStore) {
  auto res = http_get(port(), "/readyz");
  EXPECT_EQ(res.status, 200);
  auto v = boost::json::parse(res.body).as_object();
  EXPECT_EQ(v.at("status").as_string(), "ready");
  EXPECT_GE(v.at("schema_version").as_int64(), 1);
  EXPECT_TRUE(std::filesystem::exists(server().data_dir() / "data" / "devagent.db"));
}

TEST_F(Serve, ToolsAreListedWithTheirSchemas) {
  auto res = http_get(port(), "/api/v1/tools");
  ASSERT_EQ(res.status, 200) << res.body;
  auto v = boost::json::parse(res.body).as_object();
  std::vector<std::string> names;
  for (const auto& t : v.at("tools").as_array()) names.emplace_back(t.at("name").as_string());
  EXPECT_EQ(names,
            (std::vector<std::string>{"searchGitHub", "analyzeRepository", "findRelationships", "searchCode", "readFile"}));
  const auto& params = v.at("tools").at(0).at("parameters").as_object();
  EXPECT_EQ(params.at("required").at(0).as_string(), "query");
  EXPECT_EQ(params.at("properties").at("limit").at("maximum").as_int64(), 100);
}

TEST_F(Serve, MetricsPassPromtool) {
  http_get(port(), "/healthz");
  http_get(port(), "/no-such-page");
  // A request is counted once its response is written, so the client can see the
  // answer a moment before the counter moves (another server thread): read until
  // both requests are there, for at most a few seconds.
  auto res = http_get(port(), "/metrics");
  auto counted = [&] {
    return res.body.find("route=\"unmatched\"") != std::string::npos &&
           res.body.find("route=\"/healthz\"") != std::string::npos;
  };
  for (int i = 0; i < 100 && !counted(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    res = http_get(port(), "/metrics");
  }
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.header("content-type").find("text/plain"), std::string::npos);
  for (const char* name :
       {"http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}", "http_request_duration_seconds_bucket",
        "http_in_flight_requests", "process_resident_memory_bytes", "process_cpu_seconds_total",
        "devagent_build_info{version=", "http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"}) {
    EXPECT_NE(res.body.find(name), std::string::npos) << name;
  }
  ProcessOptions o;
  o.args = {"check", "metrics"};
  o.stdin_text = res.body;
  auto check = run("promtool", o);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(Serve, UnknownRouteIs404InTheErrorShape) {
  expect_error_shape(http_get(port(), "/api/v1/nothing-here"), 404, "not_found");
}

TEST_F(Serve, WrongMethodIs405WithAllow) {
  auto res = http_request(port(), verb::delete_, "/healthz");
  expect_error_shape(res, 405, "method_not_allowed");
  EXPECT_EQ(res.header("allow"), "GET");
}

TEST_F(Serve, RequestIdIsTakenFromTheRequestOrGenerated) {
  auto res = http_request(port(), verb::get, "/healthz", "", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(res.header("x-request-id"), "trace-abc.123");
  auto gen = http_request(port(), verb::get, "/healthz", "", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_EQ(gen.header("x-request-id").size(), 32u);
}

TEST_F(Serve, OversizedBodyIs413BeforeTheBodyIsRead) {
  // Only the headers are sent: the answer must come without the body.
  RawConnection c(port());
  c.send("POST /api/v1/config/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: 5000000\r\n\r\n");
  auto resp = c.read_until("}}", 5s);
  EXPECT_NE(resp.find("HTTP/1.1 413"), std::string::npos) << resp;
  EXPECT_NE(resp.find("payload_too_large"), std::string::npos);
}

TEST_F(Serve, OversizedBodySentWholeIs413) {
  std::string big(1024 * 1024 + 1, ' ');
  expect_error_shape(http_request(port(), verb::post, "/api/v1/config/check", big), 413, "payload_too_large");
}

TEST_F(Serve, OversizedChunkedBodyIs413) {
  RawConnection c(port());
  c.send("POST /api/v1/config/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n");
  std::string chunk(64 * 1024, 'x');
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  std::string resp;
  for (int i = 0; i < 20 && resp.empty(); ++i) {
    try {
      c.send(size + chunk + "\r\n");
    } catch (...) {
      break;
    }
    resp = c.read_until("}}", 20ms);
  }
  resp += c.read_until("}}", 5s);
  EXPECT_NE(resp.find("HTTP/1.1 413"), std::string::npos) << resp.substr(0, 200);
}

TEST_F(Serve, MalformedJsonIs400) {
  auto res = http_request(port(), verb::post, "/api/v1/config/check", "{\"server\": {");
  expect_error_shape(res, 400, "invalid_request");
  EXPECT_NE(res.body.find("invalid JSON"), std::string::npos);
}

TEST_F(Serve, ConfigCheckValidatesLikeStartUp) {
  auto ok = http_request(port(), verb::post, "/api/v1/config/check", R"({"server": {"threads": 4}})");
  EXPECT_EQ(ok.status, 200);
  auto bad = http_request(port(), verb::post, "/api/v1/config/check", R"({"server": {"threads": "four"}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("server.threads"), std::string::npos);
}

TEST_F(Serve, MalformedHttpIs400) {
  RawConnection c(port());
  c.send("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n");
  auto resp = c.read_until("}}", 5s);
  EXPECT_NE(resp.find("HTTP/1.1 400"), std::string::npos) << resp;
}

TEST_F(Serve, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawConnection c(port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto resp = c.read_until("ready", 5s);
  EXPECT_NE(resp.find("\"ok\""), std::string::npos);
  EXPECT_NE(resp.find("\"ready\""), std::string::npos);
}

TEST_F(Serve, OversizedHeadersAre431) {
  RawConnection c(port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  auto resp = c.read_until("}}", 5s);
  EXPECT_NE(resp.find("HTTP/1.1 431"), std::string::npos) << resp.substr(0, 100);
}

TEST(ServeLifecycle, SigtermExitsCleanlyAndLogsJsonWithRequestIds) {
  auto server = std::make_unique<ServerProcess>();
  http_request(server->port(), verb::get, "/healthz", "", {{"X-Request-Id", "lifecycle-1"}});
  auto start = std::chrono::steady_clock::now();
  server->process().signal(SIGTERM);
  auto code = server->process().wait(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  auto err = server->process().stderr_text();
  bool found_request = false;
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    auto v = boost::json::parse(line).as_object();  // every line is a JSON object
    EXPECT_TRUE(v.contains("time") && v.contains("level") && v.contains("msg")) << line;
    if (v.contains("request_id") && v.at("request_id").as_string() == "lifecycle-1") found_request = true;
  }
  EXPECT_TRUE(found_request) << err;
  EXPECT_NE(err.find("devagent stopped"), std::string::npos);
}

TEST(ServeLifecycle, BodyLimitComesFromConfiguration) {
  ServerProcess server({"--set", "server.body_limit=2KiB"});
  auto res = http_request(server.port(), verb::post, "/api/v1/config/check", std::string(3000, ' '));
  EXPECT_EQ(res.status, 413);
  auto ok = http_request(server.port(), verb::post, "/api/v1/config/check", R"({"log": {"level": "warn"}})");
  EXPECT_EQ(ok.status, 200);
}

}  // namespace
}  // namespace devagent::testing
