// Feature flags and prompt templates through the real `devagent serve`:
// each flag switched off changes what a request gets (streaming, memory,
// caching, function calling, multi-model routing), and a prompt A/B split
// reaches the model, is recorded on the run, and is compared per variant
// with its feedback by GET /api/v1/usage?by=variant.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/sse_events.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace json = boost::json;

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 100; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

HttpResponse chat(unsigned short port, json::object body) {
  return http_request(port, verb::post, "/api/v1/chat", json::serialize(body), {{"Content-Type", "application/json"}},
                      60s);
}

json::object answer(unsigned short port, const std::string& message, const std::string& conversation) {
  auto res = chat(port, {{"message", message}, {"conversation_id", conversation}, {"stream", false}});
  EXPECT_EQ(res.status, 200) << res.body;
  auto v = json::parse(res.body);
  return v.is_object() ? v.as_object() : json::object{};
}

std::string system_prompt(const RecordedRequest& r) {
  auto body = json::parse(r.body).as_object();
  for (const auto& m : body.at("messages").as_array()) {
    if (m.at("role").as_string() == "system") return std::string(m.at("content").as_string());
  }
  return "";
}

std::string source_file(const std::string& rel) {
  std::ifstream in(std::string(DEVAGENT_SOURCE_DIR) + "/" + rel);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::map<std::string, std::string> model_env(const FakeUpstream& fake) {
  return {{"OPENAI_BASE_URL", fake.base_url()},
          {"OPENAI_API_KEY", "k"},
          {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
          {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
          {"DEVAGENT_MEMORY_ENABLED", "false"}};
}

TEST(Features, StreamingOffAnswersOneDocumentAndRefusesStreams) {
  ServerProcess server({}, {{"DEVAGENT_FEATURES_STREAMING", "off"}, {"DEVAGENT_MEMORY_ENABLED", "false"}});
  // The chat API asked for a stream (the default) answers one JSON document.
  auto res = chat(server.port(), {{"message", "thanks!"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.header("content-type").find("application/json"), std::string::npos) << res.header("content-type");
  EXPECT_TRUE(json::parse(res.body).as_object().contains("answer")) << res.body;
  // A WebSocket is refused before the upgrade.
  auto ws = http_request(server.port(), verb::get, "/api/v1/ws", "",
                         {{"Connection", "Upgrade"},
                          {"Upgrade", "websocket"},
                          {"Sec-WebSocket-Version", "13"},
                          {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(ws.status, 403) << ws.body;
  EXPECT_NE(ws.body.find("feature_disabled"), std::string::npos) << ws.body;
  // The OpenAI-compatible API refuses stream: true in OpenAI's error shape; stream: false works.
  json::object completion{{"model", "devagent"},
                          {"stream", true},
                          {"messages", json::array{json::object{{"role", "user"}, {"content", "hello"}}}}};
  auto streamed = http_request(server.port(), verb::post, "/v1/chat/completions", json::serialize(completion),
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(streamed.status, 403) << streamed.body;
  auto error = json::parse(streamed.body).at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "feature_disabled");
  EXPECT_EQ(error.at("param").as_string(), "stream");
  completion["stream"] = false;
  auto whole = http_request(server.port(), verb::post, "/v1/chat/completions", json::serialize(completion),
                            {{"Content-Type", "application/json"}});
  EXPECT_EQ(whole.status, 200) << whole.body;
}

TEST(Features, MemoryOffNeitherRemembersNorRecalls) {
  ServerProcess on({}, {});
  answer(on.port(), "Our staging database is db-staging-7.", "a");
  EXPECT_NE(answer(on.port(), "which host runs the staging DB?", "b").at("answer").as_string().find("db-staging-7"),
            std::string::npos);

  ServerProcess off({}, {{"DEVAGENT_FEATURES_MEMORY", "off"}});
  answer(off.port(), "Our staging database is db-staging-7.", "a");
  auto asked = answer(off.port(), "which host runs the staging DB?", "b");
  EXPECT_EQ(std::string(asked.at("answer").as_string()).find("db-staging-7"), std::string::npos) << asked;
  std::this_thread::sleep_for(300ms);  // remembering runs after the answer: give it the chance to (wrongly) happen
  auto listed = http_get(off.port(), "/api/v1/memory");
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find("db-staging-7"), std::string::npos) << listed.body;
}

TEST(Features, CachingOffServesNothingFromTheCache) {
  ServerProcess on({}, {{"DEVAGENT_MEMORY_ENABLED", "false"}});
  answer(on.port(), "what is a mutex?", "a");
  EXPECT_TRUE(answer(on.port(), "what is a mutex?", "b").contains("cached"));

  ServerProcess off({}, {{"DEVAGENT_MEMORY_ENABLED", "false"}, {"DEVAGENT_FEATURES_CACHING", "off"}});
  answer(off.port(), "what is a mutex?", "a");
  EXPECT_FALSE(answer(off.port(), "what is a mutex?", "b").contains("cached"));
  auto stats = json::parse(http_get(off.port(), "/api/v1/cache/stats").body);
  EXPECT_EQ(stats.at("kinds").at("response").at("entries").as_int64(), 0) << stats;
}

TEST(Features, FunctionCallingOffLetsTheBuiltinPlannerPickTheToolsAndTheModelWrite) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("Written by the model.").usage(100, 10));
  auto env = model_env(fake);
  env["DEVAGENT_FEATURES_FUNCTION_CALLING"] = "off";
  ServerProcess server({}, env);
  auto res = chat(server.port(), {{"message", "what are the hotspots in this repository?"}});
  ASSERT_EQ(res.status, 200);
  auto events = parse_sse(res.body);
  auto plan = std::find_if(events.begin(), events.end(), [](const SseEvent& e) { return e.kind == "plan"; });
  ASSERT_NE(plan, events.end()) << res.body;
  EXPECT_EQ(plan->data.at("planner").as_string(), "builtin");
  EXPECT_EQ(plan->data.at("tasks").at(0).at("tool").as_string(), "analyzeRepository");
  EXPECT_EQ(events.back().kind, "answer_done") << res.body;
  // One model call, the answer, offered no tools: nothing for it to call.
  auto sent = fake.requests();
  ASSERT_EQ(sent.size(), 1u);
  auto body = json::parse(sent[0].body).as_object();
  EXPECT_FALSE(body.contains("tools")) << sent[0].body;
  EXPECT_EQ(system_prompt(sent[0]), source_file("config/prompts/response/v1.md"));
}

TEST(Features, RoutingOffSendsEveryTaskToTheResponseRoutesFirstModel) {
  FakeUpstream response_model, planner_model;
  response_model.set_default_reply(Reply::text("From the response model.").usage(100, 10));
  planner_model.set_default_reply(Reply::text("From the planning model.").usage(100, 10));
  std::map<std::string, std::string> env{{"DEVAGENT_PROVIDERS_A_TYPE", "openai"},
                                         {"DEVAGENT_PROVIDERS_A_BASE_URL", response_model.base_url()},
                                         {"DEVAGENT_PROVIDERS_A_API_KEY", "k"},
                                         {"DEVAGENT_PROVIDERS_B_TYPE", "openai"},
                                         {"DEVAGENT_PROVIDERS_B_BASE_URL", planner_model.base_url()},
                                         {"DEVAGENT_PROVIDERS_B_API_KEY", "k"},
                                         {"DEVAGENT_ROUTES_DECOMPOSITION", "b:planner-model"},
                                         {"DEVAGENT_ROUTES_RESPONSE", "a:writer-model,b:planner-model"},
                                         {"DEVAGENT_MEMORY_ENABLED", "false"},
                                         {"DEVAGENT_FEATURES_ROUTING", "off"}};
  ServerProcess server({}, env);
  auto doc = answer(server.port(), "hello there", "r");
  EXPECT_EQ(doc.at("answer").as_string(), "From the response model.") << doc;
  EXPECT_EQ(planner_model.requests().size(), 0u) << "the decomposition route was used";
  ASSERT_EQ(response_model.requests().size(), 1u);
  EXPECT_EQ(json::parse(response_model.requests()[0].body).at("model").as_string(), "writer-model");
}

TEST(Prompts, ASplitReachesTheModelIsRecordedAndComparedWithItsFeedback) {
  FakeUpstream fake;
  // The planning call asks for a tool; the answer is then written from its
  // result by the response route, with the response template.
  fake.push(Reply::tool_call("analyzeRepository", R"({"repository": ".", "aspects": ["languages"]})").usage(500, 40));
  fake.set_default_reply(Reply::text("Brief answer.").usage(120, 12));
  auto env = model_env(fake);
  env["DEVAGENT_PROMPTS_RESPONSE"] = "v1=0,v2=100";  // a split: every key lands on v2
  ServerProcess server({}, env);
  auto res = chat(server.port(), {{"message", "which languages is this repository written in?"}, {"conversation_id", "ab"}});
  ASSERT_EQ(res.status, 200);
  auto events = parse_sse(res.body);
  ASSERT_EQ(events.back().kind, "answer_done") << res.body;
  EXPECT_EQ(events.back().data.at("variant").as_string(), "response@v2");
  // The model wrote it with the v2 template.
  auto sent = fake.requests();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(system_prompt(sent.back()), source_file("config/prompts/response/v2.md"));

  // The stored answer carries the variant; a thumbs-up is counted for it.
  auto conversation = json::parse(http_get(server.port(), "/api/v1/conversations/ab").body).as_object();
  const auto& messages = conversation.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u) << conversation;
  const auto& reply = messages[1].as_object();
  EXPECT_EQ(reply.at("variant").as_string(), "response@v2");
  std::string id(reply.at("id").as_string());
  auto rated = http_request(server.port(), verb::post, "/api/v1/messages/" + id + "/feedback", R"({"rating": 1})",
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(rated.status, 200) << rated.body;

  json::object group, totals;
  ASSERT_TRUE(eventually([&] {
    auto usage = json::parse(http_get(server.port(), "/api/v1/usage?by=variant").body).as_object();
    totals = usage.at("totals").as_object();
    for (const auto& g : usage.at("groups").as_array()) {
      if (g.at("key").as_string() == "response@v2" && g.at("calls").as_int64() >= 2) group = g.as_object();
    }
    return !group.empty();
  }));
  EXPECT_EQ(group.at("feedback").at("answers").as_int64(), 1) << group;
  EXPECT_EQ(group.at("feedback").at("up").as_int64(), 1) << group;
  EXPECT_EQ(group.at("feedback").at("down").as_int64(), 0) << group;
  // Every model call of the run counts for its variant: the planning calls
  // (one asked for the tool) and the answer's.
  EXPECT_EQ(group.at("calls").as_int64(), totals.at("calls").as_int64()) << totals;
  EXPECT_EQ(group.at("output_tokens").as_int64(), totals.at("output_tokens").as_int64()) << totals;
  EXPECT_EQ(group.at("output_tokens").as_int64(), 40 + 12 * (group.at("calls").as_int64() - 1)) << group;
}

TEST(Prompts, AnUnknownVersionStopsTheServerWithTheReason) {
  ProcessOptions o;
  TempDir data;
  o.args = {"--data-dir", data.path().string(), "serve", "--listen", "127.0.0.1:0"};
  o.env = {{"DEVAGENT_PROMPTS_RESPONSE", "v7"}};
  auto r = run(devagent_binary(), o, 60s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("prompts.response: no template response/v7.md"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace devagent::testing
