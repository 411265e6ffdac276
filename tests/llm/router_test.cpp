// The router against fake upstreams: every fallback path, retries and
// Retry-After, circuit breakers, exact costs in the usage log, budgets.
#include "llm/router.h"

#include "core/config.h"
#include "core/metrics.h"
#include "llm/budget.h"
#include "llm/http_provider.h"
#include "llm/providers.h"
#include "llm/usage_log.h"
#include "store/store.h"
#include "support/coro.h"
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

namespace devagent::llm {
namespace {

using testing::FakeUpstream;
using testing::Reply;
using testing::run_coro;
using namespace std::chrono_literals;

// A URL where nothing listens, reserved for the whole test binary.
std::string closed_port_url() {
  static testing::RefusingPort refusing;
  return refusing.url();
}

// Providers named a (openai format) and b (anthropic format), a store with a
// usage log, and a router over routes given by the test.
struct Rig {
  testing::TempDir dir;
  FakeUpstream fake_a, fake_b;
  http::Client client;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<UsageLog> usage;
  std::unique_ptr<BudgetGuard> budget;
  std::unique_ptr<ProviderSet> providers;
  std::unique_ptr<Router> router;

  explicit Rig(std::vector<Route> routes, RouterOptions options = fast_options(), BudgetLimits limits = {},
               std::string a_url = "") {
    auto opened = store::open({.sqlite_path = (dir.path() / "d.db").string()});
    EXPECT_TRUE(opened);
    db = std::move(*opened);
    EXPECT_TRUE(store::migrate(*db));
    usage = std::make_unique<UsageLog>(*db);
    budget = std::make_unique<BudgetGuard>(*db, limits);
    config::LoadOptions lo;
    lo.environment = std::map<std::string, std::string>{
        {"DEVAGENT_PROVIDERS_A_TYPE", "openai"},
        {"DEVAGENT_PROVIDERS_A_BASE_URL", a_url.empty() ? fake_a.base_url() : a_url},
        {"DEVAGENT_PROVIDERS_A_EMBEDDING_MODEL", "text-embedding-3-small"},
        {"DEVAGENT_PROVIDERS_B_TYPE", "anthropic"},
        {"DEVAGENT_PROVIDERS_B_BASE_URL", fake_b.base_url()}};
    auto cfg = config::Config::load(lo);
    EXPECT_TRUE(cfg) << cfg.error().message;
    auto set = ProviderSet::from_config(*cfg, client);
    EXPECT_TRUE(set) << set.error().message;
    providers = std::make_unique<ProviderSet>(std::move(*set));
    for (auto& r : routes) r.candidates.push_back({"builtin", "builtin"});
    router = std::make_unique<Router>(options, *providers, std::move(routes), PriceTable::builtin(), usage.get(),
                                      budget.get());
  }
  ~Rig() { router.reset(); }

  static RouterOptions fast_options() {
    RouterOptions o;
    o.retries = 0;
    o.backoff_base = 10ms;
    o.backoff_max = 50ms;
    o.breaker = {.failures = 3, .failure_rate_percent = 50, .min_calls = 10, .window = 60s, .cooldown = 300ms};
    return o;
  }

  Outcome<RoutedReply> ask(const std::string& task = "response", std::vector<AttemptFailure>* failures = nullptr,
                           std::string* streamed = nullptr) {
    ChatRequest req;
    req.messages = {{.role = Role::user, .content = "How are the modules layered?"}};
    DeltaSink sink = [streamed](const Delta& d) {
      if (streamed && d.kind == Delta::Kind::text) *streamed += d.text;
    };
    AttemptObserver obs = [failures](const AttemptFailure& f) {
      if (failures) failures->push_back(f);
    };
    return run_coro(router->chat(task, req, sink, {.request_id = "req-1", .principal = "tester"}, {}, obs));
  }

  std::vector<UsageRecord> records() {
    EXPECT_TRUE(usage->flush());
    auto r = usage->records({}, 1000);
    EXPECT_TRUE(r);
    std::reverse(r->begin(), r->end());  // oldest first
    return *r;
  }
};

Route route(std::vector<Candidate> c) { return Route{.task = "response", .candidates = std::move(c)}; }

TEST(Router, PrimaryAnswersWithExactCostRecorded) {
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})});
  rig.fake_a.push(Reply::text("Layered top to bottom.").usage(1000, 500, 200));
  std::string streamed;
  auto r = rig.ask("response", nullptr, &streamed);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->candidate.label(), "a:gpt-4o");
  EXPECT_FALSE(r->fell_back);
  EXPECT_EQ(streamed, "Layered top to bottom.");
  // 800 uncached x $2.50/M + 200 cached x $1.25/M + 500 out x $10/M = $0.007250
  EXPECT_EQ(r->cost_nanos, 7'250'000);
  auto recs = rig.records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].outcome, "ok");
  EXPECT_EQ(recs[0].cost_nanos, 7'250'000);
  EXPECT_EQ(recs[0].usage.cached_input_tokens, 200);
  EXPECT_EQ(recs[0].principal, "tester");
  EXPECT_EQ(recs[0].request_id, "req-1");
  EXPECT_EQ(recs[0].task, "response");
  EXPECT_GE(recs[0].ttft_ms, 0);
  EXPECT_TRUE(rig.fake_b.requests().empty());
}

TEST(Router, RefusedConnectionFallsBackAtOnce) {
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})}, Rig::fast_options(), {}, closed_port_url());
  rig.fake_b.push(Reply::text("from b"));
  std::vector<AttemptFailure> failures;
  std::string streamed;
  auto r = rig.ask("response", &failures, &streamed);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->candidate.provider, "b");
  EXPECT_TRUE(r->fell_back);
  EXPECT_EQ(streamed, "from b");  // one clean stream: nothing from the failed attempt
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].error.kind, ErrorKind::connection);
  EXPECT_EQ(failures[0].next, "fallback");
  auto recs = rig.records();
  ASSERT_EQ(recs.size(), 2u);
  auto& failed = recs[0].provider == "a" ? recs[0] : recs[1];
  auto& answered = recs[0].provider == "a" ? recs[1] : recs[0];
  EXPECT_EQ(failed.outcome, "fallback");
  EXPECT_EQ(failed.error_kind, "connection");
  EXPECT_EQ(answered.provider, "b");
  EXPECT_EQ(answered.outcome, "ok");
}

TEST(Router, ServerErrorsOverloadAndRateLimitsFallBack) {
  for (auto reply : {Reply::http_error(500), Reply::http_error(503), Reply::http_error(529), Reply::http_error(429)}) {
    Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})});
    int status = reply.status;
    rig.fake_a.push(reply);
    rig.fake_b.push(Reply::text("b answers"));
    auto r = rig.ask();
    ASSERT_TRUE(r) << status << ": " << r.error().message;
    EXPECT_EQ(r->candidate.provider, "b") << status;
  }
}

TEST(Router, RetriesOnTheSameCandidateWithBackoff) {
  auto options = Rig::fast_options();
  options.retries = 2;
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})}, options);
  rig.fake_a.push(Reply::http_error(500));
  rig.fake_a.push(Reply::http_error(503));
  rig.fake_a.push(Reply::text("third time"));
  std::vector<AttemptFailure> failures;
  auto r = rig.ask("response", &failures);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->candidate.provider, "a");
  EXPECT_EQ(r->attempts, 3);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].next, "retry");
  EXPECT_TRUE(rig.fake_b.requests().empty());
}

TEST(Router, RetryAfterIsHonoured) {
  auto options = Rig::fast_options();
  options.retries = 1;
  Rig rig({route({{"a", "gpt-4o"}})}, options);
  rig.fake_a.push(Reply::http_error(429).retry_after(1));
  rig.fake_a.push(Reply::text("after waiting"));
  auto r = rig.ask();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->response.text, "after waiting");
  auto reqs = rig.fake_a.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_GE(reqs[1].received - reqs[0].received, 1s);
}

TEST(Router, ARetryAfterLongerThanTheLimitFallsBackInstead) {
  auto options = Rig::fast_options();
  options.retries = 3;
  options.max_retry_wait = 2s;
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})}, options);
  rig.fake_a.push(Reply::http_error(429).retry_after(60));
  rig.fake_b.push(Reply::text("b now"));
  auto started = std::chrono::steady_clock::now();
  auto r = rig.ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->candidate.provider, "b");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(rig.fake_a.requests().size(), 1u);
}

TEST(Router, NoFallbackOnceOutputHasStarted) {
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})});
  rig.fake_a.push(Reply::text("the first half of an answer").chunks(6).cut_after(3));
  std::vector<AttemptFailure> failures;
  std::string streamed;
  auto r = rig.ask("response", &failures, &streamed);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().output_started);
  EXPECT_EQ(r.error().kind, ErrorKind::connection);
  EXPECT_FALSE(streamed.empty());
  EXPECT_TRUE(rig.fake_b.requests().empty());
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].next, "");
  auto recs = rig.records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].outcome, "error");
  EXPECT_GT(recs[0].usage.output_tokens, 0);  // what was generated is still recorded
}

TEST(Router, ContextLengthMovesToALargerWindow) {
  // gpt-4o (128k) overflows; gpt-4 (8k) is smaller and skipped; claude (200k) answers.
  Rig rig({route({{"a", "gpt-4o"}, {"a", "gpt-4"}, {"b", "claude-sonnet-4-5"}})});
  rig.fake_a.push(Reply::context_length_exceeded(130000, 128000));
  rig.fake_b.push(Reply::text("a bigger window"));
  auto r = rig.ask();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->candidate.label(), "b:claude-sonnet-4-5");
  EXPECT_EQ(rig.fake_a.requests().size(), 1u);
}

TEST(Router, BadRequestsDoNotFallBack) {
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})});
  rig.fake_a.push(Reply::http_error(400));
  auto r = rig.ask();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::bad_request);
  EXPECT_TRUE(rig.fake_b.requests().empty());
}

TEST(Router, WhenEveryUpstreamIsDownBuiltinAnswers) {
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})});
  rig.fake_a.push(Reply::http_error(500));
  rig.fake_b.push(Reply::http_error(529));
  auto r = rig.ask();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->candidate.provider, "builtin");
  EXPECT_FALSE(r->response.text.empty());
  auto recs = rig.records();
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& rec : recs) {
    EXPECT_EQ(rec.outcome, rec.provider == "builtin" ? "ok" : "fallback") << rec.provider;
    // Refused requests consumed nothing; builtin is free.
    EXPECT_EQ(rec.cost_nanos, 0) << rec.provider;
    if (rec.provider != "builtin") {
      EXPECT_EQ(rec.usage.input_tokens, 0) << rec.provider;
    }
  }
}

TEST(Router, CircuitOpensSkipsThenProbesAndCloses) {
  Rig rig({route({{"a", "gpt-4o"}, {"b", "claude-sonnet-4-5"}})});
  for (int i = 0; i < 3; ++i) {
    rig.fake_a.push(Reply::http_error(500));
    rig.fake_b.push(Reply::text("b"));
    ASSERT_TRUE(rig.ask());
  }
  auto circuit = [&] {
    for (const auto& s : rig.router->status()) {
      if (s.candidate.provider == "a") return s.circuit;
    }
    return CircuitState::closed;
  };
  EXPECT_EQ(circuit(), CircuitState::open);
  // Open: a is not even asked.
  rig.fake_b.push(Reply::text("b again"));
  auto skipped = rig.ask();
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->candidate.provider, "b");
  EXPECT_EQ(rig.fake_a.requests().size(), 3u);
  // After the cooldown one probe goes through; its success closes the circuit.
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(circuit(), CircuitState::half_open);
  rig.fake_a.push(Reply::text("a is back"));
  auto probe = rig.ask();
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->candidate.provider, "a");
  EXPECT_EQ(circuit(), CircuitState::closed);
}

TEST(Router, MetricsCoverRequestsFallbacksTokensCostLatencyAndCircuits) {
  Rig rig({route({{"a", "gpt-4o-mini"}, {"b", "claude-haiku-4-5"}})});
  rig.fake_a.push(Reply::http_error(503));
  rig.fake_b.push(Reply::text("b").usage(100, 10));
  ASSERT_TRUE(rig.ask());
  auto text = metrics::registry().expose();
  for (const char* series : {
           R"(llm_requests_total{task="response",provider="a",model="gpt-4o-mini",outcome="fallback"} 1)",
           R"(llm_requests_total{task="response",provider="b",model="claude-haiku-4-5",outcome="ok"} 1)",
           R"(llm_fallbacks_total{task="response",provider="a",model="gpt-4o-mini"} 1)",
           R"(llm_tokens_total{task="response",provider="b",model="claude-haiku-4-5",type="input"} 100)",
           R"(llm_cost_dollars_total{task="response",provider="b",model="claude-haiku-4-5"} 0.00015)",
           R"(llm_time_to_first_token_seconds_count{task="response",provider="b",model="claude-haiku-4-5"} 1)",
           R"(llm_request_duration_seconds_count{task="response",provider="a",model="gpt-4o-mini"} 1)",
           R"(llm_circuit_state{provider="a",model="gpt-4o-mini"} 0)"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
  testing::ProcessOptions o;
  o.args = {"check", "metrics"};
  o.stdin_text = text;
  auto check = testing::run("promtool", o);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(Router, EmbeddingsFallBackToBuiltin) {
  Route emb{.task = "embedding", .candidates = {{"a", "text-embedding-3-small"}}};
  Rig rig({route({{"a", "gpt-4o"}}), emb}, Rig::fast_options(), {}, closed_port_url());
  auto r = run_coro(rig.router->embed({"hello", "world"}, {}, {}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->candidate.provider, "builtin");
  EXPECT_EQ(r->embeddings.vectors.size(), 2u);
}

TEST(Router, BudgetRefusesBeforeAnyUpstreamCall) {
  Rig rig({route({{"a", "gpt-4o"}})}, Rig::fast_options(), BudgetLimits{.daily_tokens = 100});
  auto r = rig.ask();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::budget_exceeded);
  EXPECT_NE(r.error().message.find("daily token limit"), std::string::npos) << r.error().message;
  EXPECT_TRUE(r.error().retry_after);
  EXPECT_TRUE(rig.fake_a.requests().empty());
}

TEST(Router, FiftyConcurrentCallsNeverOverspendTheBudget) {
  // Each call reserves its prompt (2 chars/token) plus 100 output tokens;
  // the limit admits only some of them at once.
  auto options = Rig::fast_options();
  options.reserve_output_tokens = 100;
  const std::int64_t limit = 1500;
  Rig rig({route({{"a", "gpt-4o"}})}, options, BudgetLimits{.daily_tokens = limit});
  rig.fake_a.set_default_reply(Reply::text("short answer").usage(20, 60).delay_ms(20));
  auto& ioc = testing::test_context();
  ioc.restart();
  int ok = 0, refused = 0, other = 0;
  for (int i = 0; i < 50; ++i) {
    ChatRequest req;
    req.messages = {{.role = Role::user, .content = "question number " + std::to_string(i)}};
    boost::asio::co_spawn(
        ioc, rig.router->chat("response", req, [](const Delta&) {}, {.principal = "team"}, {}),
        [&](std::exception_ptr, Outcome<RoutedReply> r) {
          if (r) ++ok;
          else if (r.error().kind == ErrorKind::budget_exceeded) ++refused;
          else ++other;
        });
  }
  ioc.run();
  EXPECT_EQ(other, 0);
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(ok + refused, 50);
  auto standing = rig.budget->standing("team");
  ASSERT_TRUE(standing);
  EXPECT_LE(standing->tokens_used, limit);
  EXPECT_EQ(standing->tokens_reserved, 0);
  EXPECT_EQ(standing->tokens_used, ok * 80);  // settled to actual usage
  // The upstream honoured the output cap the reservation set.
  for (const auto& req : rig.fake_a.requests()) {
    EXPECT_NE(req.body.find("\"max_tokens\":100"), std::string::npos);
  }
}

TEST(Router, DerivedRoutesFollowTheConfiguredProviders) {
  config::LoadOptions lo;
  lo.environment = std::map<std::string, std::string>{{"OPENAI_API_KEY", "k"}};
  auto cfg = config::Config::load(lo);
  ASSERT_TRUE(cfg);
  http::Client client;
  auto set = ProviderSet::from_config(*cfg, client);
  ASSERT_TRUE(set);
  auto router = Router::from_config(*cfg, *set, PriceTable::builtin(), nullptr, nullptr);
  ASSERT_TRUE(router) << router.error().message;
  const auto& resp = (*router)->route("response");
  ASSERT_EQ(resp.candidates.size(), 2u);
  EXPECT_EQ(resp.candidates[0].label(), "openai:gpt-4o-mini");
  EXPECT_EQ(resp.candidates[1].label(), "builtin:builtin");
  EXPECT_TRUE(resp.derived);
  const auto& emb = (*router)->route("embedding");
  EXPECT_EQ(emb.candidates[0].label(), "openai:text-embedding-3-small");
  EXPECT_EQ((*router)->route("no-such-task").task, "response");
}

TEST(Router, ConfiguredRoutesAndTheSeedTable) {
  config::LoadOptions lo;
  lo.file = std::string(DEVAGENT_SOURCE_DIR) + "/config/examples/seed-routing.toml";
  lo.environment = std::map<std::string, std::string>{{"DEVAGENT_ROUTES_REVIEW", "anthropic:claude-opus-4-1"}};
  auto cfg = config::Config::load(lo);
  ASSERT_TRUE(cfg) << cfg.error().message;
  http::Client client;
  auto set = ProviderSet::from_config(*cfg, client);
  ASSERT_TRUE(set) << set.error().message;
  auto router = Router::from_config(*cfg, *set, PriceTable::builtin(), nullptr, nullptr);
  ASSERT_TRUE(router) << router.error().message;
  auto labels = [&](const std::string& task) {
    std::vector<std::string> out;
    for (const auto& c : (*router)->route(task).candidates) out.push_back(c.label());
    return out;
  };
  EXPECT_EQ(labels("decomposition"),
            (std::vector<std::string>{"anthropic:claude-sonnet-4-5", "openai:gpt-3.5-turbo", "builtin:builtin"}));
  EXPECT_EQ(labels("response"),
            (std::vector<std::string>{"openai:gpt-4-turbo", "anthropic:claude-opus-4-1", "builtin:builtin"}));
  EXPECT_EQ(labels("summary"),
            (std::vector<std::string>{"openai:gpt-3.5-turbo", "anthropic:claude-haiku-4-5", "builtin:builtin"}));
  EXPECT_EQ(labels("embedding"), (std::vector<std::string>{"openai:text-embedding-3-small", "builtin:builtin"}));
  EXPECT_EQ(labels("review"), (std::vector<std::string>{"anthropic:claude-opus-4-1", "builtin:builtin"}));

  lo.file.reset();
  lo.environment = std::map<std::string, std::string>{{"DEVAGENT_ROUTES_RESPONSE", "mystery:model-x"}};
  auto bad = config::Config::load(lo);
  ASSERT_TRUE(bad);
  auto none = ProviderSet::from_config(*bad, client);
  ASSERT_TRUE(none);
  auto refused = Router::from_config(*bad, *none, PriceTable::builtin(), nullptr, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("routes.response"), std::string::npos);
}

}  // namespace
}  // namespace devagent::llm
