// Black-box tests of cost reporting: `devagent usage` and GET /api/v1/usage
// read records written straight into the store of a data directory.
#include "llm/usage_log.h"
#include "store/store.h"
#include "support/http_client.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>

namespace devagent::testing {
namespace {

using namespace std::chrono_literals;

struct Written {
  std::int64_t calls = 0, input = 0, output = 0, cached = 0, cost = 0;
};

// Writes a few records into <data_dir>/devagent.db, the way serve lays it out,
// and returns their sums per provider ("" for all).
std::map<std::string, Written> write_records(const std::filesystem::path& data_dir) {
  store::Options o;
  o.sqlite_path = (data_dir / "devagent.db").string();
  auto db = store::open(o);
  EXPECT_TRUE(db) << (db ? "" : db.error().message);
  EXPECT_TRUE(store::migrate(**db));
  llm::UsageLog log(**db);
  std::map<std::string, Written> sums;
  struct Call {
    const char* provider;
    const char* model;
    std::int64_t in, out, cached, cost;
  };
  const Call calls[] = {
      {"openai", "gpt-4o", 1000, 500, 200, 7'250'000},
      {"openai", "gpt-4o-mini", 1234, 567, 234, 507'750},
      {"anthropic", "claude-sonnet-4-5", 300, 20, 0, 1'200'000},
      {"anthropic", "claude-sonnet-4-5", 4000, 1000, 1000, 24'300'000},
      {"builtin", "builtin", 80, 40, 0, 0},
  };
  for (const auto& c : calls) {
    llm::UsageRecord r;
    r.principal = "local";
    r.task = "response";
    r.provider = c.provider;
    r.model = c.model;
    r.usage = llm::Usage{c.in, c.out, c.cached, false};
    r.cost_nanos = c.cost;
    r.outcome = "ok";
    log.record(r);
    for (const auto& key : {std::string(c.provider), std::string()}) {
      auto& w = sums[key];
      w.calls += 1;
      w.input += c.in;
      w.output += c.out;
      w.cached += c.cached;
      w.cost += c.cost;
    }
  }
  auto flushed = log.flush();
  EXPECT_TRUE(flushed) << (flushed ? "" : flushed.error().message);
  return sums;
}

void expect_totals(const boost::json::value& totals, const Written& w) {
  EXPECT_EQ(totals.at("calls").as_int64(), w.calls);
  EXPECT_EQ(totals.at("input_tokens").as_int64(), w.input);
  EXPECT_EQ(totals.at("output_tokens").as_int64(), w.output);
  EXPECT_EQ(totals.at("cached_tokens").as_int64(), w.cached);
  EXPECT_EQ(totals.at("cost_nanos").as_int64(), w.cost);
}

RunResult devagent(std::vector<std::string> args) {
  ProcessOptions o;
  o.args = std::move(args);
  return run(devagent_binary(), o, 30s);
}

TEST(Usage, CommandReportsTotalsAndGroups) {
  TempDir dir;
  auto data = dir.path() / "data";
  auto sums = write_records(data);

  auto r = devagent({"usage", "--json", "--data-dir", data.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = boost::json::parse(r.out);
  expect_totals(json.at("totals"), sums[""]);
  // 7250000 + 507750 + 1200000 + 24300000 = 33257750 nanos: $0.03325775, rounded half up
  EXPECT_EQ(json.at("totals").at("cost_usd").as_string(), "0.033258");
  EXPECT_TRUE(json.at("groups").as_array().empty());

  auto by = devagent({"usage", "--json", "--by", "provider", "--data-dir", data.string()});
  ASSERT_EQ(by.exit_code, 0) << by.err;
  auto grouped = boost::json::parse(by.out);
  expect_totals(grouped.at("totals"), sums[""]);
  const auto& groups = grouped.at("groups").as_array();
  ASSERT_EQ(groups.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& g : groups) {
    std::string key(g.at("key").as_string());
    keys.push_back(key);
    expect_totals(g, sums[key]);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"anthropic", "builtin", "openai"}));

  auto text = devagent({"usage", "--by", "provider", "--since", "7d", "--data-dir", data.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("anthropic"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("$0.033258"), std::string::npos) << text.out;

  auto future = devagent({"usage", "--json", "--since", "2999-01-01", "--data-dir", data.string()});
  ASSERT_EQ(future.exit_code, 0) << future.err;
  EXPECT_EQ(boost::json::parse(future.out).at("totals").at("calls").as_int64(), 0);
}

TEST(Usage, CommandRefusesBadFlagsWithOneLine) {
  TempDir dir;
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"--by", "colour"}, "--by"},
      {{"--since", "yesterday"}, "--since"},
      {{"--until", "2026-02-30"}, "--until"},
  };
  for (const auto& [flags, named] : cases) {
    std::vector<std::string> args{"usage", "--data-dir", (dir.path() / "data").string()};
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = devagent(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind(std::string("devagent: ") + named, 0), 0u) << r.err;
  }
}

TEST(Usage, EndpointReportsTheSameJson) {
  ServerProcess server;
  auto sums = write_records(server.data_dir() / "data");

  auto all = http_get(server.port(), "/api/v1/usage");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_NE(all.header("content-type").find("application/json"), std::string::npos);
  auto json = boost::json::parse(all.body);
  expect_totals(json.at("totals"), sums[""]);
  EXPECT_EQ(json.at("totals").at("cost_usd").as_string(), "0.033258");

  auto by = http_get(server.port(), "/api/v1/usage?by=provider&since=7d&user=local");
  ASSERT_EQ(by.status, 200) << by.body;
  auto grouped = boost::json::parse(by.body);
  expect_totals(grouped.at("totals"), sums[""]);
  const auto& groups = grouped.at("groups").as_array();
  ASSERT_EQ(groups.size(), 3u);
  for (const auto& g : groups) expect_totals(g, sums[std::string(g.at("key").as_string())]);

  auto other = http_get(server.port(), "/api/v1/usage?user=someone-else");
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(boost::json::parse(other.body).at("totals").at("calls").as_int64(), 0);

  for (const auto& [target, parameter] :
       std::vector<std::pair<std::string, std::string>>{{"/api/v1/usage?by=colour", "by"},
                                                        {"/api/v1/usage?since=yesterday", "since"},
                                                        {"/api/v1/usage?until=2026-13-01", "until"}}) {
    auto bad = http_get(server.port(), target);
    EXPECT_EQ(bad.status, 400) << target << ": " << bad.body;
    auto error = boost::json::parse(bad.body).at("error");
    EXPECT_EQ(error.at("type").as_string(), "invalid_request") << bad.body;
    EXPECT_EQ(std::string(error.at("message").as_string()).rfind(parameter + ": ", 0), 0u) << bad.body;
    EXPECT_FALSE(error.at("request_id").as_string().empty());
  }
}

}  // namespace
}  // namespace devagent::testing
