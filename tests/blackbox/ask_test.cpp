// `devagent ask` and `devagent providers` as a user runs them, against the
// fake upstream (each vendor's wire format) and with nothing configured.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>

namespace devagent::testing {
namespace {

using namespace std::chrono_literals;

// Runs devagent in a scratch directory (its default data dir is ./.devagent).
RunResult devagent(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  static TempDir scratch;
  ProcessOptions o;
  o.args = std::move(args);
  o.env = std::move(env);
  o.cwd = scratch.path();
  return run(devagent_binary(), o, 60s);
}

// A URL where nothing listens, reserved for the whole test binary.
std::string closed_port_url() {
  static testing::RefusingPort refusing;
  return refusing.url();
}

TEST(Ask, WithNothingConfiguredTheBuiltinEngineAnswers) {
  auto r = devagent({"ask", "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  // The agent's offline engine: a greeting gets what devagent can do, no tools.
  EXPECT_NE(r.out.find("Analyze a repository"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("plan"), std::string::npos) << r.err;
  auto q = devagent({"ask", "Why is my Rust borrow checker complaining about lifetimes?"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("OPENAI_API_KEY"), std::string::npos) << q.out;  // says how to configure an LLM
}

TEST(Ask, StreamsFromEachVendorFormat) {
  struct Case {
    std::string provider, env_var;
  };
  for (const auto& c : std::vector<Case>{{"openai", "OPENAI_BASE_URL"}, {"anthropic", "ANTHROPIC_BASE_URL"},
                                         {"ollama", "OLLAMA_HOST"}}) {
    FakeUpstream fake;
    fake.push(Reply::text("The answer comes from " + c.provider + ".").chunks(6));
    auto r = devagent({"ask", "--provider", c.provider, "--model", "m1", "where does it come from?"},
                      {{c.env_var, fake.base_url()}, {"OPENAI_API_KEY", "k"}, {"ANTHROPIC_API_KEY", "k"}});
    ASSERT_EQ(r.exit_code, 0) << c.provider << ": " << r.err;
    EXPECT_EQ(r.out, "The answer comes from " + c.provider + ".\n");
    auto reqs = fake.requests();
    ASSERT_EQ(reqs.size(), 1u);
    auto body = boost::json::parse(reqs[0].body).as_object();
    EXPECT_EQ(body.at("model").as_string(), "m1");
  }
}

TEST(Ask, TwoOpenAiCompatibleServersCoexistByName) {
  FakeUpstream cloud, local;
  cloud.push(Reply::text("from the cloud"));
  local.push(Reply::text("from the local server"));
  std::map<std::string, std::string> env = {{"OPENAI_BASE_URL", cloud.base_url()},
                                            {"DEVAGENT_PROVIDERS_LOCAL_VLLM_TYPE", "openai"},
                                            {"DEVAGENT_PROVIDERS_LOCAL_VLLM_BASE_URL", local.base_url()},
                                            {"DEVAGENT_PROVIDERS_LOCAL_VLLM_MODEL", "qwen-coder"}};
  auto r = devagent({"ask", "--provider", "local_vllm", "q"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from the local server\n");
  EXPECT_EQ(boost::json::parse(local.requests().at(0).body).at("model").as_string(), "qwen-coder");
  EXPECT_TRUE(cloud.requests().empty());
  auto c = devagent({"ask", "q"}, env);  // the standard name comes first
  EXPECT_EQ(c.out, "from the cloud\n");
}

TEST(Ask, TextReachesStdoutBeforeTheStreamEnds) {
  FakeUpstream fake;
  fake.push(Reply::text("first line\nsecond line\nthird line\n").chunks(3).delay_ms(400));
  ProcessOptions o;
  o.args = {"ask", "--provider", "openai", "q"};
  o.env = {{"OPENAI_BASE_URL", fake.base_url()}};
  TempDir cwd;
  o.cwd = cwd.path();
  auto p = Process::start(devagent_binary(), o);
  auto first = p->wait_for_line("first line", 10s);
  ASSERT_TRUE(first) << p->stderr_text();
  EXPECT_FALSE(p->wait(0ms)) << "the process had already finished: nothing was streamed";
  EXPECT_EQ(p->wait(20s).value_or(-1), 0);
}

TEST(Ask, UpstreamErrorsAreOneLineAndExitOne) {
  FakeUpstream fake;
  fake.push(Reply::http_error(401));
  auto r = devagent({"ask", "--provider", "openai", "q"}, {{"OPENAI_BASE_URL", fake.base_url()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("openai: auth: HTTP 401"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  auto down = devagent({"ask", "--provider", "openai", "q"}, {{"OPENAI_BASE_URL", closed_port_url()}});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("connection"), std::string::npos) << down.err;
}

TEST(Ask, FallsBackThroughTheRouteAndRecordsBothAttempts) {
  TempDir dir;
  FakeUpstream openai;
  openai.push(Reply::text("answered by the fallback").usage(40, 5));
  std::map<std::string, std::string> env = {
      {"ANTHROPIC_BASE_URL", closed_port_url()},
      {"ANTHROPIC_API_KEY", "sk-ant"},
      {"OPENAI_BASE_URL", openai.base_url()},
      {"DEVAGENT_ROUTES_DECOMPOSITION", "anthropic:claude-sonnet-4-5,openai:gpt-4o"},
      {"DEVAGENT_DATA_DIR", dir.path().string()}};
  auto r = devagent({"ask", "what fails over?"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "answered by the fallback\n");
  EXPECT_NE(r.err.find("anthropic:claude-sonnet-4-5 failed (connection), trying the next model"), std::string::npos)
      << r.err;

  auto usage = devagent({"usage", "--json", "--by", "provider"}, env);
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  auto v = boost::json::parse(usage.out).as_object();
  EXPECT_EQ(v.at("totals").at("calls").as_int64(), 2) << usage.out;
  EXPECT_EQ(v.at("totals").at("fallbacks").as_int64(), 1);
  const auto& groups = v.at("groups").as_array();
  ASSERT_EQ(groups.size(), 2u) << usage.out;
  EXPECT_EQ(groups[0].at("key").as_string(), "anthropic");
  EXPECT_EQ(groups[0].at("fallbacks").as_int64(), 1);
  EXPECT_EQ(groups[1].at("key").as_string(), "openai");
  EXPECT_EQ(groups[1].at("input_tokens").as_int64(), 40);
  // gpt-4o: 40 x $2.50/M + 5 x $10/M = $0.00015
  EXPECT_EQ(groups[1].at("cost_nanos").as_int64(), 150'000);
}

TEST(Ask, BudgetRefusalSaysWhichLimitAndWhen) {
  TempDir dir;
  FakeUpstream openai;
  auto r = devagent({"ask", "--set", "budgets.daily_tokens=10", "q"},
                    {{"OPENAI_BASE_URL", openai.base_url()}, {"DEVAGENT_DATA_DIR", dir.path().string()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("budget_exceeded"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("daily token limit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resets"), std::string::npos) << r.err;
  EXPECT_TRUE(openai.requests().empty());
}

TEST(Ask, UnknownProviderIsAUsageError) {
  auto r = devagent({"ask", "--provider", "nope", "q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope"), std::string::npos);
}

TEST(Ask, InterruptStopsTheUpstreamRequest) {
  FakeUpstream fake;
  fake.push(Reply::text("partial answer\nnever finished").chunks(2).stall_after(2));
  ProcessOptions o;
  o.args = {"ask", "--provider", "openai", "q"};
  o.env = {{"OPENAI_BASE_URL", fake.base_url()}};
  TempDir cwd;
  o.cwd = cwd.path();
  auto p = Process::start(devagent_binary(), o);
  ASSERT_TRUE(p->wait_for_line("partial answer", 10s)) << p->stderr_text();
  auto sent = std::chrono::steady_clock::now();
  p->signal(SIGINT);
  auto seen = fake.wait_for_disconnect(5s);
  ASSERT_TRUE(seen);
  EXPECT_LT(*seen - sent, 1s);
  EXPECT_EQ(p->wait(10s).value_or(-1), 1);
  EXPECT_NE(p->stderr_text().find("cancelled"), std::string::npos) << p->stderr_text();
}

TEST(Providers, ListsEachWithItsHealth) {
  FakeUpstream fake;
  fake.set_models({"gpt-a", "gpt-b"});
  auto r = devagent({"providers", "--json"},
                    {{"OPENAI_BASE_URL", fake.base_url()}, {"ANTHROPIC_BASE_URL", closed_port_url()},
                     {"ANTHROPIC_API_KEY", "sk-ant-secret"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("sk-ant-secret"), std::string::npos);
  auto v = boost::json::parse(r.out).as_object();
  const auto& list = v.at("providers").as_array();
  ASSERT_EQ(list.size(), 3u) << r.out;
  EXPECT_EQ(list[0].at("name").as_string(), "openai");
  EXPECT_TRUE(list[0].at("healthy").as_bool());
  EXPECT_EQ(list[0].at("models").as_int64(), 2);
  EXPECT_EQ(list[1].at("name").as_string(), "anthropic");
  EXPECT_FALSE(list[1].at("healthy").as_bool());
  EXPECT_EQ(list[2].at("name").as_string(), "builtin");
  EXPECT_TRUE(list[2].at("healthy").as_bool());

  auto text = devagent({"providers"}, {{"OPENAI_BASE_URL", fake.base_url()}});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("openai"), std::string::npos);
  EXPECT_NE(text.out.find("builtin"), std::string::npos);
}

TEST(Providers, TheServerShowsRoutesAndCircuitStates) {
  FakeUpstream fake;
  ServerProcess server({"--set", "routes.summary=openai:gpt-4o-mini"}, {{"OPENAI_BASE_URL", fake.base_url()}});
  auto res = http_get(server.port(), "/api/v1/providers");
  ASSERT_EQ(res.status, 200) << res.body;
  auto v = boost::json::parse(res.body).as_object();
  const auto& providers = v.at("providers").as_array();
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers[0].at("name").as_string(), "openai");
  EXPECT_EQ(providers[1].at("name").as_string(), "builtin");
  bool saw_summary = false;
  for (const auto& r : v.at("routes").as_array()) {
    if (r.at("task").as_string() != "summary") continue;
    saw_summary = true;
    EXPECT_FALSE(r.at("derived").as_bool());
    const auto& c = r.at("candidates").as_array();
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].at("model").as_string(), "gpt-4o-mini");
    EXPECT_EQ(c[0].at("circuit").as_string(), "closed");
    EXPECT_EQ(c[1].at("provider").as_string(), "builtin");
  }
  EXPECT_TRUE(saw_summary);
}

TEST(Providers, BadProviderConfigurationIsRefused) {
  auto r = devagent({"providers"}, {{"DEVAGENT_PROVIDERS_LOCAL_BASE_URL", "http://127.0.0.1:1"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("providers.local.type"), std::string::npos) << r.err;
  auto bad = devagent({"providers"}, {{"OPENAI_BASE_URL", "not a url"}});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("providers.openai.base_url"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace devagent::testing
