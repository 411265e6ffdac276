// The deployment files under deploy/ checked against the real thing:
// promtool checks the Prometheus configuration and alert rules and runs
// their unit tests; every Grafana dashboard parses; and every metric that a
// rule or a dashboard names is declared by a real `devagent serve` (driven
// through a chat over SSE, a WebSocket and a model on the fake upstream),
// so the dashboards and alerts cannot silently go stale when a metric is
// renamed.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/sse_events.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace devagent::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using boost::beast::http::verb;
using namespace std::chrono_literals;

const fs::path kDeploy = fs::path(DEVAGENT_SOURCE_DIR) / "deploy";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult promtool(std::vector<std::string> args) {
  ProcessOptions o;
  o.args = std::move(args);
  o.cwd = kDeploy / "prometheus";
  return run("promtool", o);
}

// The PromQL expressions of a rules file: `expr: <one line>` or an `expr: |`
// block (the lines indented deeper than the key).
std::vector<std::string> rule_expressions(const std::string& yaml) {
  std::vector<std::string> out;
  std::istringstream in(yaml);
  std::string line;
  std::optional<std::size_t> block_indent;  // set while inside an `expr: |` block
  std::string block;
  auto indent_of = [](const std::string& l) { return l.find_first_not_of(' '); };
  while (std::getline(in, line)) {
    if (block_indent) {
      auto ind = indent_of(line);
      if (ind == std::string::npos || ind > *block_indent) {
        block += line + "\n";
        continue;
      }
      out.push_back(block);
      block.clear();
      block_indent.reset();
    }
    auto at = line.find("expr:");
    if (at == std::string::npos || line.find_first_not_of(' ') != at) continue;
    std::string rest = line.substr(at + 5);
    rest.erase(0, rest.find_first_not_of(' '));
    if (rest == "|" || rest == ">") {
      block_indent = at;
    } else {
      out.push_back(rest);
    }
  }
  if (block_indent) out.push_back(block);
  return out;
}

// Every "expr" string anywhere in a dashboard document.
void dashboard_expressions(const json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      if (k == "expr" && child.is_string())
        out.emplace_back(child.as_string());
      else
        dashboard_expressions(child, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) dashboard_expressions(child, out);
  }
}

std::vector<fs::path> dashboard_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kDeploy / "grafana" / "dashboards")) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The metric names a PromQL expression selects: identifiers outside label
// matchers, strings, ranges and by/without/on/ignoring lists that are not
// function calls or keywords.
std::set<std::string> metric_names(std::string expr) {
  static const std::regex strings(R"("(\\.|[^"\\])*")");
  static const std::regex matchers(R"(\{[^}]*\})");
  static const std::regex ranges(R"(\[[^\]]*\])");
  static const std::regex groupings(R"(\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))");
  expr = std::regex_replace(expr, strings, " ");
  expr = std::regex_replace(expr, matchers, " ");
  expr = std::regex_replace(expr, ranges, " ");
  expr = std::regex_replace(expr, groupings, " ");
  static const std::set<std::string> keywords = {"and",         "or",      "unless", "bool",     "offset",
                                                 "by",          "without", "on",     "ignoring", "group_left",
                                                 "group_right", "inf",     "nan"};
  static const std::regex ident(R"([A-Za-z_:][A-Za-z0-9_:]*(\s*\()?)");
  std::set<std::string> out;
  for (std::sregex_iterator it(expr.begin(), expr.end(), ident), end; it != end; ++it) {
    std::string token = (*it)[0];
    if (token.back() == '(') continue;  // a function or aggregation
    // Identifiers glued to a number (1e3, 0x1f) are not names.
    auto pos = static_cast<std::size_t>(it->position());
    if (pos > 0 && (std::isdigit(static_cast<unsigned char>(expr[pos - 1])) || expr[pos - 1] == '.')) continue;
    std::string lower = token;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (keywords.count(lower)) continue;
    out.insert(token);
  }
  return out;
}

// Names /metrics declares (# TYPE), with a histogram's _bucket, _sum and
// _count series; and the names that have at least one sample.
struct Exposition {
  std::set<std::string> declared, sampled;
};

Exposition parse_exposition(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name, type;
      fields >> name >> type;
      e.declared.insert(name);
      if (type == "histogram") {
        for (const char* suffix : {"_bucket", "_sum", "_count"}) e.declared.insert(name + suffix);
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    e.sampled.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return e;
}

double sample_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(Deploy, PrometheusConfigAndRulesPassPromtool) {
  auto config = promtool({"check", "config", "prometheus.yml"});
  EXPECT_EQ(config.exit_code, 0) << config.out << config.err;
  auto rules = promtool({"check", "rules", "alerts.yml"});
  EXPECT_EQ(rules.exit_code, 0) << rules.out << rules.err;
  auto tests = promtool({"test", "rules", "alerts_test.yml"});
  EXPECT_EQ(tests.exit_code, 0) << tests.out << tests.err;
}

TEST(Deploy, EveryAlertHasAUnitTestAndASeverity) {
  std::string rules = read_file(kDeploy / "prometheus" / "alerts.yml");
  std::string tests = read_file(kDeploy / "prometheus" / "alerts_test.yml");
  static const std::regex alert(R"(- alert: (\w+))");
  int count = 0;
  for (std::sregex_iterator it(rules.begin(), rules.end(), alert), end; it != end; ++it) {
    std::string name = (*it)[1];
    ++count;
    EXPECT_NE(tests.find("alertname: " + name + "\n"), std::string::npos) << name << " has no promtool test";
  }
  EXPECT_GE(count, 5);
  static const std::regex severity(R"(severity: (critical|warning))");
  auto severities = std::distance(std::sregex_iterator(rules.begin(), rules.end(), severity), std::sregex_iterator());
  EXPECT_EQ(severities, count) << "every alert carries a severity label";
}

TEST(Deploy, DashboardsAreValidGrafanaJson) {
  auto files = dashboard_files();
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    boost::system::error_code ec;
    auto doc = json::parse(read_file(file), ec);
    ASSERT_FALSE(ec) << ec.message();
    const auto& o = doc.as_object();
    EXPECT_FALSE(o.at("uid").as_string().empty());
    EXPECT_FALSE(o.at("title").as_string().empty());
    std::set<std::int64_t> ids;
    for (const auto& p : o.at("panels").as_array()) {
      const auto& panel = p.as_object();
      EXPECT_TRUE(ids.insert(panel.at("id").as_int64()).second) << "duplicate panel id " << panel.at("id");
      EXPECT_TRUE(panel.contains("gridPos"));
      if (panel.at("type").as_string() == "row") continue;
      std::vector<std::string> exprs;
      dashboard_expressions(p, exprs);
      EXPECT_FALSE(exprs.empty()) << "panel without a query: " << panel.at("title");
    }
  }
}

TEST(Deploy, ExpressionParserFindsMetricNames) {
  auto names = metric_names(
      R"(histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{route!~"/a|b"}[5m]))) > 1e3
         and on (job) max without (instance) (llm_circuit_state) >= 2 or time() - process_start_time_seconds)");
  EXPECT_EQ(names, (std::set<std::string>{"http_request_duration_seconds_bucket", "llm_circuit_state",
                                          "process_start_time_seconds"}));
}

// A server with a model on the fake upstream and a daily budget, driven
// through what the dashboards show: HTTP requests, a chat over SSE (model
// calls, the cache, the store), a WebSocket.
TEST(Deploy, EveryMetricInTheRulesAndDashboardsIsExposed) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("The engine is in src/engine.cpp."));
  ServerProcess server({}, {{"OPENAI_BASE_URL", fake.base_url()},
                            {"OPENAI_API_KEY", "k"},
                            {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
                            {"DEVAGENT_BUDGETS_DAILY_TOKENS", "10000000"}});
  auto port = server.port();
  ASSERT_EQ(http_get(port, "/healthz").status, 200);
  ASSERT_EQ(http_get(port, "/readyz").status, 200);

  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  for (int i = 0; i < 2; ++i) {  // the second identical question may be a cache hit
    auto chat = http_request(port, verb::post, "/api/v1/chat", R"({"message": "where is the engine?"})", headers, 60s);
    ASSERT_EQ(chat.status, 200) << chat.body;
    ASSERT_EQ(chat.header("content-type"), "text/event-stream");
    ASSERT_EQ(parse_sse(chat.body).back().kind, "answer_done") << chat.body;
  }

  // A WebSocket stays open while /metrics is read.
  RawConnection ws(port);
  ws.send(
      "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  auto handshake = ws.read_until("\r\n\r\n", 10s);
  ASSERT_NE(handshake.find(" 101 "), std::string::npos) << handshake;

  // The server counts the socket once its handshake has completed on its
  // side, which may be just after the 101 reached us.
  HttpResponse res;
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    res = http_get(port, "/metrics");
    if (sample_value(res.body, "websocket_connections") == 1) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(res.status, 200);
  auto exposed = parse_exposition(res.body);

  std::map<std::string, std::set<std::string>> referenced;  // name -> where
  for (const auto& e : rule_expressions(read_file(kDeploy / "prometheus" / "alerts.yml"))) {
    for (const auto& n : metric_names(e)) referenced[n].insert("alerts.yml");
  }
  for (const auto& file : dashboard_files()) {
    std::vector<std::string> exprs;
    dashboard_expressions(json::parse(read_file(file)), exprs);
    for (const auto& e : exprs) {
      for (const auto& n : metric_names(e)) referenced[n].insert(file.filename().string());
    }
  }
  ASSERT_GE(referenced.size(), 20u);
  const std::set<std::string> made_by_prometheus = {"up"};
  for (const auto& [name, where] : referenced) {
    if (made_by_prometheus.count(name)) continue;
    std::string files;
    for (const auto& w : where) files += " " + w;
    EXPECT_TRUE(exposed.declared.count(name)) << name << " (used in" << files << ") is not in /metrics";
  }

  // The seed metrics have samples, not just declarations.
  for (const char* name :
       {"http_requests_total", "http_request_duration_seconds_bucket", "http_in_flight_requests",
        "http_open_connections", "llm_requests_total", "llm_tokens_total", "llm_cost_dollars_total",
        "llm_request_duration_seconds_bucket", "llm_circuit_state", "llm_budget_used_ratio", "cache_lookups_total",
        "websocket_connections", "sse_connections", "store_query_duration_seconds_bucket",
        "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds", "devagent_build_info"}) {
    EXPECT_TRUE(exposed.sampled.count(name)) << name << " has no sample in /metrics";
  }
  EXPECT_EQ(sample_value(res.body, "websocket_connections"), 1) << res.body;
  EXPECT_EQ(sample_value(res.body, "sse_connections"), 0) << "both chat streams have ended";
  EXPECT_GT(sample_value(res.body, "process_resident_memory_bytes"), 0);
}

// An open SSE stream is counted while it is open.
TEST(Deploy, AnOpenEventStreamIsCounted) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("partial answer\nnever finished").chunks(2).stall_after(2));
  ServerProcess server({}, {{"OPENAI_BASE_URL", fake.base_url()},
                            {"OPENAI_API_KEY", "k"},
                            {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"}});
  RawConnection conn(server.port());
  std::string body = R"({"message": "explain the build"})";
  conn.send("POST /api/v1/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  auto seen = conn.read_until("run_id", 20s);
  ASSERT_NE(seen.find("text/event-stream"), std::string::npos) << seen;
  auto metrics = http_get(server.port(), "/metrics").body;
  EXPECT_EQ(sample_value(metrics, "sse_connections"), 1) << metrics;
}

}  // namespace
}  // namespace devagent::testing
