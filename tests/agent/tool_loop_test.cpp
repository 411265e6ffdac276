// The function-calling loop and the agent's LLM path against the fake
// upstream, in each vendor's wire format: tool call → result → final answer,
// an invalid call the model then corrects, and the fallbacks.
#include "agent/tool_loop.h"

#include "agent/agent.h"
#include "agent/test_tools.h"
#include "core/config.h"
#include "http/client.h"
#include "llm/providers.h"
#include "support/coro.h"
#include "support/fake_upstream.h"
#include "support/http_client.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace devagent::agent {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using testing::FakeUpstream;
using testing::FnTool;
using testing::Reply;
using testing::run_coro;
using Status = TaskResult::Status;

constexpr std::string_view kLookupSchema = R"({"type":"object","properties":{
  "query":{"type":"string","minLength":1},"limit":{"type":"integer","minimum":1,"maximum":100,"default":10}},
  "required":["query"],"additionalProperties":false})";

// One provider "up" of the given vendor type in front of a fake upstream (or
// a refusing port), routes for decomposition and response through it, and a
// registry with one tool, lookup, that records what it was called with.
struct Rig {
  explicit Rig(const std::string& type, std::string base_url = "") {
    config::LoadOptions lo;
    lo.environment = std::map<std::string, std::string>{
        {"DEVAGENT_PROVIDERS_UP_TYPE", type},
        {"DEVAGENT_PROVIDERS_UP_BASE_URL", base_url.empty() ? fake.base_url() : base_url},
        {"DEVAGENT_PROVIDERS_UP_MODEL", "m1"},
        {"DEVAGENT_ROUTES_DECOMPOSITION", "up:m1"},
        {"DEVAGENT_ROUTES_RESPONSE", "up:m1"}};
    auto cfg = config::Config::load(lo);
    EXPECT_TRUE(cfg) << cfg.error().message;
    auto set = llm::ProviderSet::from_config(*cfg, client);
    EXPECT_TRUE(set) << set.error().message;
    providers = std::make_unique<llm::ProviderSet>(std::move(*set));
    auto r = llm::Router::from_config(*cfg, *providers, llm::PriceTable::builtin(), nullptr, nullptr);
    EXPECT_TRUE(r) << r.error().message;
    router = std::move(*r);
    tools.add(std::make_unique<FnTool>("lookup", kLookupSchema,
                                       [this](const json::object& args, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
                                         calls.push_back(json::serialize(args));
                                         co_return json::object{{"found", "src/core/config.cpp:40"}};
                                       }));
  }
  ~Rig() { router.reset(); }

  std::vector<llm::Message> conversation() {
    return {{.role = llm::Role::system, .content = "You answer with tools."},
            {.role = llm::Role::user, .content = "Where is parse_config defined?"}};
  }

  FakeUpstream fake;
  http::Client client;
  std::unique_ptr<llm::ProviderSet> providers;
  std::unique_ptr<llm::Router> router;
  tools::ToolRegistry tools;
  std::vector<std::string> calls;
  std::vector<Event> events;
  EventSink sink() {
    return [this](const Event& e) { events.push_back(e); };
  }
};

json::object body_of(const testing::RecordedRequest& r) { return json::parse(r.body).as_object(); }

class ToolLoop : public ::testing::TestWithParam<std::string> {};

// The model calls lookup with limit 500; the schema refuses it; the model
// sees the path and rule, corrects the call, then says it is done.
TEST_P(ToolLoop, InvalidCallIsCorrectedThenTheLoopEnds) {
  Rig rig(GetParam());
  rig.fake.push(Reply::tool_call("lookup", R"({"query":"parse_config","limit":500})"));
  rig.fake.push(Reply::tool_call("lookup", R"({"query":"parse_config","limit":5})").piece_bytes(3));
  rig.fake.push(Reply::text("I have what I need."));
  Orchestrator orch(rig.tools, {});
  auto out = run_coro(run_tool_loop(*rig.router, rig.tools, orch, rig.conversation(), rig.sink(), {}, {}, {}));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->steps, 3);
  EXPECT_EQ(out->final_text, "I have what I need.");
  ASSERT_EQ(out->results.size(), 2u);
  EXPECT_EQ(out->results[0].status, Status::failed);
  EXPECT_EQ(out->results[0].error, "lookup: /limit: must be <= 100");
  EXPECT_EQ(out->results[1].status, Status::ok);
  EXPECT_EQ(rig.calls, (std::vector<std::string>{R"({"query":"parse_config","limit":5})"}));
  ASSERT_EQ(out->plan.tasks.size(), 2u);
  EXPECT_EQ(out->plan.tasks[1].id, "t2");

  // What went upstream, in the vendor's own format.
  auto sent = rig.fake.requests();
  ASSERT_EQ(sent.size(), 3u);
  auto first = body_of(sent[0]);
  ASSERT_TRUE(first.contains("tools"));
  const auto& tool = first.at("tools").as_array().at(0).as_object();
  if (GetParam() == "anthropic") {
    EXPECT_EQ(tool.at("name").as_string(), "lookup");
    EXPECT_EQ(tool.at("input_schema").at("required").as_array().at(0).as_string(), "query");
  } else {
    EXPECT_EQ(tool.at("type").as_string(), "function");
    EXPECT_EQ(tool.at("function").at("name").as_string(), "lookup");
    EXPECT_EQ(tool.at("function").at("parameters").at("properties").at("limit").at("maximum").as_int64(), 100);
  }
  // The second request carries the refusal back as the call's tool result.
  auto second = json::serialize(body_of(sent[1]));
  EXPECT_NE(second.find("/limit: must be <= 100"), std::string::npos) << second;
  auto third = json::serialize(body_of(sent[2]));
  EXPECT_NE(third.find("src/core/config.cpp:40"), std::string::npos) << third;
  if (GetParam() == "anthropic") EXPECT_NE(third.find("\"tool_result\""), std::string::npos);
  else EXPECT_NE(third.find("\"role\":\"tool\""), std::string::npos);

  // One plan event per round, then the task's own events.
  std::vector<std::string> kinds;
  for (const auto& e : rig.events) kinds.emplace_back(to_string(e.kind));
  EXPECT_EQ(kinds, (std::vector<std::string>{"plan", "task_finished", "plan", "task_started", "task_finished"}));
  EXPECT_EQ(rig.events[0].data.at("step").as_int64(), 1);
}

TEST_P(ToolLoop, MalformedArgumentsGoBackToTheModel) {
  Rig rig(GetParam());
  if (GetParam() == "ollama") GTEST_SKIP() << "Ollama sends arguments as a JSON object: they cannot be malformed text";
  rig.fake.push(Reply::tool_call("lookup", R"({"query": "parse_config")"));
  rig.fake.push(Reply::text("Giving up."));
  Orchestrator orch(rig.tools, {});
  auto out = run_coro(run_tool_loop(*rig.router, rig.tools, orch, rig.conversation(), rig.sink(), {}, {}, {}));
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->results.size(), 1u);
  EXPECT_EQ(out->results[0].status, Status::failed);
  EXPECT_NE(out->results[0].error.find("not valid JSON"), std::string::npos) << out->results[0].error;
  EXPECT_TRUE(rig.calls.empty());
}

TEST_P(ToolLoop, StopsAfterMaxSteps) {
  Rig rig(GetParam());
  for (int i = 0; i < 5; ++i) rig.fake.push(Reply::tool_call("lookup", R"({"query":"again"})"));
  Orchestrator orch(rig.tools, {});
  auto out = run_coro(
      run_tool_loop(*rig.router, rig.tools, orch, rig.conversation(), rig.sink(), {}, {}, {.max_steps = 2}));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->steps, 2);
  EXPECT_EQ(out->results.size(), 2u);
  EXPECT_EQ(rig.fake.requests().size(), 2u);
}

// The whole agent with an LLM: tools, then the response route streams the
// answer with the results as context.
TEST_P(ToolLoop, AgentAnswersFromToolResults) {
  Rig rig(GetParam());
  rig.fake.push(Reply::tool_call("lookup", R"({"query":"parse_config"})").usage(120, 10));
  rig.fake.push(Reply::text("Done.").usage(200, 3));
  rig.fake.push(Reply::text("parse_config is defined in src/core/config.cpp:40.").chunks(5).usage(300, 12));
  Agent agent({}, rig.tools, *rig.router);
  ASSERT_TRUE(agent.has_llm());
  auto answer = run_coro(agent.ask(Question{.text = "Where is parse_config defined?"}, rig.sink(), {}));
  EXPECT_FALSE(answer.error) << *answer.error;
  EXPECT_EQ(answer.engine, "llm");
  EXPECT_EQ(answer.text, "parse_config is defined in src/core/config.cpp:40.");
  ASSERT_TRUE(answer.answered_by);
  EXPECT_EQ(answer.answered_by->label(), "up:m1");
  EXPECT_EQ(answer.usage.input_tokens, 620);
  EXPECT_EQ(answer.usage.output_tokens, 25);
  int tokens = 0;
  for (const auto& e : rig.events) tokens += e.kind == EventKind::token;
  EXPECT_EQ(tokens, 5);
  EXPECT_EQ(rig.events.back().kind, EventKind::answer_done);
  // The answer request holds the question and the tool's result, and no tools.
  auto sent = rig.fake.requests();
  ASSERT_EQ(sent.size(), 3u);
  auto last = body_of(sent[2]);
  EXPECT_FALSE(last.contains("tools"));
  auto text = json::serialize(last);
  EXPECT_NE(text.find("Where is parse_config defined?"), std::string::npos);
  EXPECT_NE(text.find("src/core/config.cpp:40"), std::string::npos);
}

TEST_P(ToolLoop, AgentWithoutToolCallsUsesTheModelsReply) {
  Rig rig(GetParam());
  rig.fake.push(Reply::text("Hello! Ask me about your code.").chunks(4));
  Agent agent({}, rig.tools, *rig.router);
  auto answer = run_coro(agent.ask(Question{.text = "hi"}, rig.sink(), {}));
  EXPECT_EQ(answer.text, "Hello! Ask me about your code.");
  EXPECT_EQ(rig.fake.requests().size(), 1u);
  EXPECT_TRUE(answer.results.empty());
  // Streamed as the model wrote it: one token event per chunk, not one at the end.
  std::string streamed;
  int tokens = 0;
  for (const auto& e : rig.events) {
    if (e.kind != EventKind::token) continue;
    ++tokens;
    streamed += e.data.at("text").as_string();
  }
  EXPECT_EQ(tokens, 4);
  EXPECT_EQ(streamed, answer.text);
}

// Text the model writes before its tool calls is shown first; the answer
// written from the results follows it.
TEST_P(ToolLoop, APreambleToToolCallsIsStreamedBeforeTheAnswer) {
  Rig rig(GetParam());
  rig.fake.push(Reply::text("Let me look that up.").and_tool_call("lookup", R"({"query":"parse_config"})"));
  rig.fake.push(Reply::text("Done."));
  rig.fake.push(Reply::text("It is in src/core/config.cpp.").chunks(3));
  Agent agent({}, rig.tools, *rig.router);
  auto answer = run_coro(agent.ask(Question{.text = "Where is parse_config defined?"}, rig.sink(), {}));
  ASSERT_FALSE(answer.error) << *answer.error;
  std::string streamed;
  for (const auto& e : rig.events) {
    if (e.kind == EventKind::token) streamed += e.data.at("text").as_string();
  }
  EXPECT_EQ(streamed, "Let me look that up.\n\nIt is in src/core/config.cpp.");
  EXPECT_EQ(answer.text, streamed);
}

INSTANTIATE_TEST_SUITE_P(Vendors, ToolLoop, ::testing::Values("openai", "anthropic", "ollama"),
                         [](const auto& info) { return info.param; });

TEST(Agent, UpstreamDownFallsBackToTheOfflineEngineAndSaysSo) {
  testing::RefusingPort refusing;
  Rig rig("openai", refusing.url());
  Agent agent({}, rig.tools, *rig.router);
  auto answer = run_coro(agent.ask(Question{.text = "hello there"}, rig.sink(), {}));
  EXPECT_EQ(answer.engine, "builtin");
  EXPECT_FALSE(answer.error);
  EXPECT_FALSE(answer.text.empty());
  bool noticed = false;
  for (const auto& e : rig.events) {
    if (e.kind == EventKind::notice && json::serialize(e.data).find("answering offline") != std::string::npos) noticed = true;
  }
  EXPECT_TRUE(noticed);
  EXPECT_EQ(rig.events.back().kind, EventKind::answer_done);
}

TEST(Agent, ResponseModelDownAfterToolsComposesOffline) {
  Rig rig("openai");
  rig.fake.push(Reply::tool_call("lookup", R"({"query":"parse_config"})"));
  rig.fake.push(Reply::text("Done."));
  rig.fake.push(Reply::http_error(400).error("invalid_request_error", "bad request"));
  Agent agent({}, rig.tools, *rig.router);
  auto answer = run_coro(agent.ask(Question{.text = "Where is parse_config defined?"}, rig.sink(), {}));
  EXPECT_EQ(answer.engine, "builtin");
  EXPECT_EQ(answer.results.size(), 1u);
  EXPECT_FALSE(answer.text.empty());
  EXPECT_EQ(rig.events.back().kind, EventKind::answer_done);
}

TEST(Agent, StreamCutAfterOutputEndsWithAnErrorEvent) {
  Rig rig("openai");
  rig.fake.push(Reply::tool_call("lookup", R"({"query":"parse_config"})"));
  rig.fake.push(Reply::text("Done."));
  rig.fake.push(Reply::text("parse_config is defined in a file that").chunks(4).cut_after(2));
  Agent agent({}, rig.tools, *rig.router);
  auto answer = run_coro(agent.ask(Question{.text = "Where is parse_config defined?"}, rig.sink(), {}));
  ASSERT_TRUE(answer.error);
  EXPECT_EQ(rig.events.back().kind, EventKind::error);
  EXPECT_NE(json::serialize(rig.events.back().data).find("the answer stopped"), std::string::npos);
}

}  // namespace
}  // namespace devagent::agent
