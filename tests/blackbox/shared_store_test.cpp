// Two `devagent serve` instances on one PostgreSQL database, as behind a
// load balancer: what one remembers, the other recalls. And the production
// topology itself: the two behind a real nginx running deploy/nginx/nginx.conf.
#include "store/backend.h"
#include "support/http_client.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
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

// A loopback port nothing listens on right now (bound, read, closed).
unsigned short unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  unsigned short port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// nginx with the deployment's own configuration, changed only where a test
// must: the two upstreams are the given loopback ports, it listens on a free
// loopback port, and its logs, pid file and temp files live in a temp dir.
class Nginx {
 public:
  Nginx(unsigned short first, unsigned short second) {
    std::string conf = read_text(std::filesystem::path(DEVAGENT_SOURCE_DIR) / "deploy/nginx/nginx.conf");
    auto replace = [&](const std::string& from, const std::string& to) {
      auto at = conf.find(from);
      EXPECT_NE(at, std::string::npos) << "deploy/nginx/nginx.conf no longer has: " << from;
      if (at != std::string::npos) conf.replace(at, from.size(), to);
    };
    const auto dir = dir_.path().string();
    replace("server devagent-1:8080", "server 127.0.0.1:" + std::to_string(first));
    replace("server devagent-2:8080", "server 127.0.0.1:" + std::to_string(second));
    replace("access_log /dev/stdout devagent;", "access_log " + dir + "/access.log devagent;");
    replace("error_log /dev/stderr warn;", "error_log " + dir + "/error.log warn;");
    replace("worker_processes auto;",
            "worker_processes 1;\npid " + dir + "/nginx.pid;" + (::geteuid() == 0 ? "\nuser root;" : ""));
    replace("http {", "http {\n  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir +
                          "/proxy;\n  fastcgi_temp_path " + dir + "/fastcgi;\n  uwsgi_temp_path " + dir +
                          "/uwsgi;\n  scgi_temp_path " + dir + "/scgi;");
    // A port picked free can be taken before nginx binds it: try a few.
    for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
      port_ = unused_port();
      std::string listening = conf;
      listening.replace(listening.find("listen 80;"), 10, "listen 127.0.0.1:" + std::to_string(port_) + ";");
      std::ofstream(dir_.path() / "nginx.conf") << listening;
      ProcessOptions o;
      o.args = {"-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/error.log", "-g", "daemon off;"};
      auto p = Process::start(binary(), o);
      for (int i = 0; i < 100 && !p->wait(0ms); ++i) {
        try {
          if (http_get(port_, "/healthz").status != 0) {
            process_ = std::move(p);
            break;
          }
        } catch (const std::exception&) {
          std::this_thread::sleep_for(50ms);
        }
      }
    }
    EXPECT_TRUE(process_) << read_text(dir_.path() / "error.log");
  }
  ~Nginx() {
    if (!process_) return;
    process_->signal(SIGTERM);
    process_->wait(10s);
  }
  static std::string binary() {
    for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
      if (std::filesystem::exists(p)) return p;
    }
    return "";
  }
  bool running() const { return process_ != nullptr; }
  unsigned short port() const { return port_; }
  std::string access_log() const { return read_text(dir_.path() / "access.log"); }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
};

TEST(SharedStore, TwoInstancesBehindNginxWithTheDeploymentsConfiguration) {
  if (!store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
  if (Nginx::binary().empty()) GTEST_SKIP() << "nginx is not installed (scripts/install-deps.sh installs it)";
  store::testing::Backend db("postgres");
  auto env = on_postgres(db.options().postgres_url);
  ServerProcess a({}, env);
  ServerProcess b({}, env);
  Nginx nginx(a.port(), b.port());
  ASSERT_TRUE(nginx.running());

  // The client's request id goes through nginx to devagent and back, and
  // into nginx's log with the instance that answered.
  auto health = http_request(nginx.port(), verb::get, "/healthz", {}, {{"X-Request-Id", "nginx-test-0001"}});
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.header("x-request-id"), "nginx-test-0001");

  // A chat streamed through nginx arrives as Server-Sent Events, to the end.
  RawConnection sse(nginx.port());
  std::string body = R"({"message": "Our staging database is db-staging-7.", "options": {"offline": true}})";
  sse.send(
      "POST /api/v1/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Accept: text/event-stream\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string events = sse.read_until("event: answer_done", 60s);
  EXPECT_NE(events.find("HTTP/1.1 200"), std::string::npos) << events;
  EXPECT_NE(events.find("text/event-stream"), std::string::npos) << events;
  EXPECT_NE(events.find("event: answer_done"), std::string::npos) << events;

  // What was said through nginx is in the one store both instances read.
  for (auto port : {a.port(), b.port()}) {
    auto found = http_get(port, "/api/v1/memory/search?q=which%20host%20runs%20the%20staging%20DB&k=3");
    EXPECT_NE(found.body.find("db-staging-7"), std::string::npos) << port << ": " << found.body;
  }

  // The WebSocket upgrade passes through.
  RawConnection ws(nginx.port());
  ws.send(
      "GET /api/v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string upgrade = ws.read_until("\r\n\r\n", 10s);
  EXPECT_NE(upgrade.find("101 Switching Protocols"), std::string::npos) << upgrade;
  EXPECT_NE(upgrade.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << upgrade;

  // Metrics are scraped from each instance, not through nginx.
  EXPECT_EQ(http_get(nginx.port(), "/metrics").status, 404);
  EXPECT_EQ(http_get(a.port(), "/metrics").status, 200);

  std::string log = nginx.access_log();
  std::regex line("\"GET /healthz HTTP/1.1\" 200 .* upstream=127\\.0\\.0\\.1:(\\d+) request_id=nginx-test-0001");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, line)) << log;
  EXPECT_TRUE(m[1] == std::to_string(a.port()) || m[1] == std::to_string(b.port())) << log;
}

}  // namespace
}  // namespace devagent::testing
