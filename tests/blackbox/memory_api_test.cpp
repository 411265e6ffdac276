// Black-box tests of conversation memory through the real `devagent serve`
// (offline engine, SQLite) and `devagent memory`: a fact stated in one
// conversation is recalled in a new one by a differently worded question.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/shared_server.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <thread>
#include <vector>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace json = boost::json;

json::object chat(unsigned short port, const std::string& message, const std::string& conversation = "") {
  json::object body{{"message", message}, {"stream", false}, {"options", json::object{{"offline", true}}}};
  if (!conversation.empty()) body["conversation_id"] = conversation;
  auto res = http_request(port, verb::post, "/api/v1/chat", json::serialize(body),
                          {{"Content-Type", "application/json"}}, 60s);
  EXPECT_EQ(res.status, 200) << res.body;
  return json::parse(res.body).as_object();
}

std::string str(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : std::string(); }

class MemoryApi : public SharedServer<MemoryApi> {};

TEST_F(MemoryApi, AFactFromOneConversationAnswersADifferentlyWordedQuestionInAnother) {
  auto stated = chat(port(), "Our staging database is db-staging-7.", "mem-a");
  EXPECT_NE(str(stated.at("answer")).find("remember"), std::string::npos) << stated;
  auto asked = chat(port(), "which host runs the staging DB?", "mem-b");
  std::string answer = str(asked.at("answer"));
  EXPECT_NE(answer.find("db-staging-7"), std::string::npos) << answer;
  EXPECT_NE(answer.find("From earlier conversations"), std::string::npos) << answer;

  // A later statement supersedes it; a new conversation gets the new value only.
  chat(port(), "The staging DB moved to db-staging-9.", "mem-c");
  auto again = chat(port(), "what's the staging database host now?", "mem-d");
  std::string now = str(again.at("answer"));
  EXPECT_NE(now.find("db-staging-9"), std::string::npos) << now;
  EXPECT_EQ(now.find("db-staging-7"), std::string::npos) << now;
}

TEST_F(MemoryApi, SearchListAndForget) {
  chat(port(), "We use buildkite for CI.", "mem-ci");
  auto res = http_get(port(), "/api/v1/memory/search?q=what%20runs%20our%20CI%20builds&k=3");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body).as_object();
  const auto& memories = doc.at("memories").as_array();
  ASSERT_FALSE(memories.empty()) << res.body;
  const auto& top = memories[0].as_object();
  EXPECT_EQ(str(top.at("kind")), "fact");
  EXPECT_EQ(str(top.at("content")), "We use buildkite for CI");
  for (const char* key : {"vector", "keyword", "entity"}) EXPECT_TRUE(top.at("scores").at(key).is_number()) << key;
  std::string id = str(top.at("id"));

  auto listed = http_get(port(), "/api/v1/memory?kind=fact&conversation_id=mem-ci");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(json::parse(listed.body).at("memories").as_array().size(), 1u) << listed.body;

  auto gone = http_request(port(), verb::delete_, "/api/v1/memory/" + id);
  EXPECT_EQ(gone.status, 204) << gone.body;
  EXPECT_EQ(http_request(port(), verb::delete_, "/api/v1/memory/" + id).status, 404);
  auto after = http_get(port(), "/api/v1/memory/search?q=what%20runs%20our%20CI%20builds&k=3");
  EXPECT_EQ(after.body.find(id), std::string::npos) << after.body;
}

TEST_F(MemoryApi, BadRequestsAre400) {
  for (const std::string& target : std::vector<std::string>
       {"/api/v1/memory/search", "/api/v1/memory/search?q=%20", "/api/v1/memory/search?q=x&k=0",
        "/api/v1/memory/search?q=x&k=abc", "/api/v1/memory/search?q=x&kind=planet",
        "/api/v1/memory/search?q=" + std::string(3000, 'x'), "/api/v1/memory?limit=-1", "/api/v1/memory?kind=x"}) {
    auto res = http_get(port(), target);
    EXPECT_EQ(res.status, 400) << target << " " << res.body;
    EXPECT_TRUE(json::parse(res.body).at("error").at("message").is_string());
  }
}

TEST_F(MemoryApi, DeletingAConversationForgetsItsMemories) {
  chat(port(), "Our deploy target is k8s-prod-3.", "mem-del");
  auto before = http_get(port(), "/api/v1/memory?conversation_id=mem-del");
  ASSERT_FALSE(json::parse(before.body).at("memories").as_array().empty());
  EXPECT_EQ(http_request(port(), verb::delete_, "/api/v1/conversations/mem-del").status, 204);
  auto after = http_get(port(), "/api/v1/memory?conversation_id=mem-del");
  EXPECT_TRUE(json::parse(after.body).at("memories").as_array().empty()) << after.body;
}

TEST(MemoryCli, SearchListAndForgetReadTheServersStore) {
  ServerProcess server;
  {
    json::object body{{"message", "Alice owns the billing service."}, {"stream", false},
                      {"options", json::object{{"offline", true}}}};
    auto res = http_request(server.port(), verb::post, "/api/v1/chat", json::serialize(body),
                            {{"Content-Type", "application/json"}}, 60s);
    ASSERT_EQ(res.status, 200) << res.body;
  }
  ProcessOptions o;
  o.env["DEVAGENT_DATA_DIR"] = (server.data_dir() / "data").string();
  o.args = {"memory", "search", "--json", "who is responsible for billing?"};
  auto found = run(devagent_binary(), o);
  ASSERT_EQ(found.exit_code, 0) << found.err;
  auto doc = json::parse(found.out).as_object();
  ASSERT_FALSE(doc.at("memories").as_array().empty()) << found.out << found.err;
  std::string id = str(doc.at("memories").at(0).at("id"));
  EXPECT_EQ(str(doc.at("memories").at(0).at("content")), "Alice owns the billing service");

  o.args = {"memory", "list", "--kind", "fact"};
  auto listed = run(devagent_binary(), o);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;

  o.args = {"memory", "forget", id};
  auto forgot = run(devagent_binary(), o);
  EXPECT_EQ(forgot.exit_code, 0) << forgot.err;
  o.args = {"memory", "forget", id};
  EXPECT_NE(run(devagent_binary(), o).exit_code, 0);
  o.args = {"memory", "search", ""};
  EXPECT_EQ(run(devagent_binary(), o).exit_code, 2);
  o.args = {"memory", "list", "--kind", "planet"};
  EXPECT_NE(run(devagent_binary(), o).exit_code, 0);
}

// The memory commands work on a data directory no server has opened yet:
// they bring the store's schema up to date themselves.
TEST(MemoryCli, WorksOnAFreshDataDirectory) {
  TempDir dir;
  ProcessOptions o;
  o.env["DEVAGENT_DATA_DIR"] = (dir.path() / "data").string();
  o.args = {"memory", "list", "--json"};
  auto listed = run(devagent_binary(), o);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(json::parse(listed.out).at("memories").as_array().empty()) << listed.out;
  o.args = {"memory", "search", "--json", "what is our staging database?"};
  auto found = run(devagent_binary(), o);
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_TRUE(json::parse(found.out).at("memories").as_array().empty()) << found.out;
}

// With a model, the summary route reads each question with the record_memory
// tool (a JSON-schema tool call) after the answer; its facts are what is kept.
TEST(MemoryWithModel, TheSummaryRouteExtractsFactsWithAToolCall) {
  FakeUpstream fake;
  fake.push(Reply::text("Got it, staging is on the seventh database host."));
  fake.push(Reply::tool_call(
      "record_memory",
      R"({"facts": [{"subject": "Staging DB host", "statement": "Staging runs on db-staging-7"}],
          "entities": [{"type": "repo", "value": "acme/infra"}]})"));
  ServerProcess server({}, {{"OPENAI_BASE_URL", fake.base_url()},
                            {"OPENAI_API_KEY", "k"},
                            {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_SUMMARY", "openai:gpt-4o-mini"}});
  json::object body{{"message", "fyi staging lives on the seventh db box (acme/infra has the config)"},
                    {"stream", false}};
  auto res = http_request(server.port(), verb::post, "/api/v1/chat", json::serialize(body),
                          {{"Content-Type", "application/json"}}, 60s);
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(fake.wait_for_requests(2, 20s));
  // The memory is written after the run; wait for it.
  std::string listed;
  for (int i = 0; i < 100 && listed.find("db-staging-7") == std::string::npos; ++i) {
    listed = http_get(server.port(), "/api/v1/memory?kind=fact").body;
    if (listed.find("db-staging-7") == std::string::npos) std::this_thread::sleep_for(50ms);
  }
  auto facts = json::parse(listed).at("memories").as_array();
  ASSERT_EQ(facts.size(), 1u) << listed;
  EXPECT_EQ(str(facts[0].at("content")), "Staging runs on db-staging-7");
  EXPECT_EQ(str(facts[0].at("subject")), "staging database host");
  // The entities the model named link the conversation to them.
  auto entities = http_get(server.port(), "/api/v1/memory?kind=entity").body;
  EXPECT_NE(entities.find("\"repo:acme/infra\""), std::string::npos) << entities;
  // The extraction call offered record_memory with its schema, on the summary route's model.
  auto sent = fake.requests();
  ASSERT_GE(sent.size(), 2u);
  auto extraction = json::parse(sent[1].body).as_object();
  EXPECT_EQ(str(extraction.at("model")), "gpt-4o-mini");
  EXPECT_EQ(str(extraction.at("tools").at(0).at("function").at("name")), "record_memory");
  EXPECT_TRUE(extraction.at("tools").at(0).at("function").at("parameters").at("properties").as_object().contains("facts"));
}

// memory.llm_extraction = false: no extra model call per turn; the rules read the facts.
TEST(MemoryWithModel, ExtractionCanBeLeftToTheRulesToSaveTheCall) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("Noted."));
  ServerProcess server({}, {{"OPENAI_BASE_URL", fake.base_url()},
                            {"OPENAI_API_KEY", "k"},
                            {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
                            {"DEVAGENT_MEMORY_LLM_EXTRACTION", "false"}});
  json::object body{{"message", "Our staging database is db-staging-7."}, {"stream", false}};
  auto res = http_request(server.port(), verb::post, "/api/v1/chat", json::serialize(body),
                          {{"Content-Type", "application/json"}}, 60s);
  ASSERT_EQ(res.status, 200) << res.body;
  auto facts = http_get(server.port(), "/api/v1/memory?kind=fact").body;
  EXPECT_NE(facts.find("db-staging-7"), std::string::npos) << facts;
  std::this_thread::sleep_for(300ms);  // time for a call that must not come
  EXPECT_EQ(fake.requests().size(), 1u);
}

}  // namespace
}  // namespace devagent::testing
