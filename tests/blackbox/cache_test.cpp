// Black-box tests of the response cache through the real `devagent serve`
// and `devagent cache`: exact and semantic hits replayed as the same events,
// the guard, Cache-Control opt-outs, a new commit as a miss, what a hit
// saves with a model (the fake upstream), the decomposition cache,
// statistics (API, CLI, Prometheus) and warming from a file.
#include "support/fake_upstream.h"
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/sse_events.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace json = boost::json;

json::object ask(unsigned short port, const std::string& message, const std::string& cache_control = "",
                 const std::string& conversation = "") {
  json::object body{{"message", message}, {"stream", false}};
  if (!conversation.empty()) body["conversation_id"] = conversation;
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  if (!cache_control.empty()) headers.emplace_back("Cache-Control", cache_control);
  auto res = http_request(port, verb::post, "/api/v1/chat", json::serialize(body), headers, 60s);
  EXPECT_EQ(res.status, 200) << res.body;
  auto v = json::parse(res.body);
  return v.is_object() ? v.as_object() : json::object{};
}

std::vector<SseEvent> ask_streaming(unsigned short port, const std::string& message) {
  json::object body{{"message", message}};
  auto res = http_request(port, verb::post, "/api/v1/chat", json::serialize(body),
                          {{"Content-Type", "application/json"}}, 60s);
  EXPECT_EQ(res.status, 200) << res.body;
  return parse_sse(res.body);
}

std::string match_of(const json::object& doc) {
  const auto* c = doc.if_contains("cached");
  return c && c->is_object() ? std::string(c->at("match").as_string()) : std::string("none");
}

json::object stats(unsigned short port) {
  auto res = http_get(port, "/api/v1/cache/stats");
  EXPECT_EQ(res.status, 200) << res.body;
  return json::parse(res.body).as_object();
}

std::int64_t count(const json::object& stats, const char* kind, const char* field) {
  return stats.at("kinds").at(kind).at(field).as_int64();
}

class CacheOffline : public SharedServer<CacheOffline> {
 public:
  static std::map<std::string, std::string> server_env() { return {{"DEVAGENT_MEMORY_ENABLED", "false"}}; }
};

TEST_F(CacheOffline, RepeatedAndRewordedQuestionsAreServedAndOthersAreNot) {
  auto first = ask(port(), "What is a mutex?");
  EXPECT_EQ(match_of(first), "none");
  auto again = ask(port(), "What is a mutex?");
  EXPECT_EQ(match_of(again), "exact") << again;
  EXPECT_EQ(again.at("answer"), first.at("answer"));
  auto reworded = ask(port(), "what's a mutex");
  EXPECT_EQ(match_of(reworded), "semantic") << reworded;
  EXPECT_EQ(reworded.at("answer"), first.at("answer"));
  EXPECT_EQ(reworded.at("cached").at("question").as_string(), "What is a mutex?");
  auto other = ask(port(), "What is a semaphore?");
  EXPECT_EQ(match_of(other), "none") << other;

  auto s = stats(port());
  EXPECT_TRUE(s.at("enabled").as_bool());
  EXPECT_EQ(count(s, "response", "exact_hits"), 1);
  EXPECT_EQ(count(s, "response", "semantic_hits"), 1);
  EXPECT_EQ(count(s, "response", "misses"), 2);
  EXPECT_EQ(count(s, "response", "entries"), 2);
  EXPECT_GT(count(s, "response", "bytes"), 0);
  EXPECT_DOUBLE_EQ(s.at("kinds").at("response").at("hit_rate").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(s.at("options").at("kinds").at("response").at("similarity").as_double(), 0.85);

  auto metrics = http_get(port(), "/metrics").body;
  EXPECT_NE(metrics.find("cache_lookups_total{kind=\"response\",result=\"exact\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("cache_lookups_total{kind=\"response\",result=\"semantic\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("cache_lookups_total{kind=\"response\",result=\"miss\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("cache_entries{kind=\"response\"} 2"), std::string::npos);
}

TEST_F(CacheOffline, AStreamedAnswerIsReplayedAsTheSameEventsMarkedCached) {
  auto first = ask_streaming(port(), "How do I reverse a linked list in C?");
  auto second = ask_streaming(port(), "How do I reverse a linked list in C?");
  auto kinds_and_text = [](const std::vector<SseEvent>& events, bool cached) {
    std::vector<std::string> kinds;
    std::string text;
    for (const auto& e : events) {
      if (e.kind == "run") continue;
      kinds.push_back(e.kind);
      if (e.kind == "token") text += std::string(e.data.at("text").as_string());
      if (e.kind != "answer_done") {
        const auto* c = e.data.if_contains("cached");
        EXPECT_EQ(c != nullptr && c->is_bool() && c->as_bool(), cached) << e.kind << " " << json::serialize(e.data);
      }
    }
    return std::make_pair(kinds, text);
  };
  auto [kinds1, text1] = kinds_and_text(first, false);
  auto [kinds2, text2] = kinds_and_text(second, true);
  EXPECT_EQ(kinds1, kinds2);
  EXPECT_EQ(text1, text2);
  EXPECT_FALSE(text1.empty());
  ASSERT_FALSE(second.empty());
  const auto& done = second.back();
  ASSERT_EQ(done.kind, "answer_done");
  EXPECT_EQ(done.data.at("cached").at("match").as_string(), "exact");
  EXPECT_EQ(done.data.at("usage").at("input_tokens").as_int64(), 0);
}

TEST_F(CacheOffline, CacheControlNoStoreKeepsNothingAndNoCacheAnswersAfresh) {
  auto unsaved = ask(port(), "What is a spinlock?", "no-store");
  EXPECT_EQ(match_of(unsaved), "none");
  auto next = ask(port(), "What is a spinlock?");
  EXPECT_EQ(match_of(next), "none") << "no-store kept the answer";
  auto fresh = ask(port(), "What is a spinlock?", "max-age=0, No-Cache");
  EXPECT_EQ(match_of(fresh), "none") << "no-cache was served from the cache";
  EXPECT_EQ(match_of(ask(port(), "What is a spinlock?")), "exact");
  // The same opt-out in the request body.
  auto body = http_request(port(), verb::post, "/api/v1/chat",
                           R"({"message": "What is a spinlock?", "stream": false, "options": {"cache": "no-cache"}})",
                           {{"Content-Type", "application/json"}}, 60s);
  ASSERT_EQ(body.status, 200) << body.body;
  EXPECT_FALSE(json::parse(body.body).as_object().contains("cached"));
  auto bad = http_request(port(), verb::post, "/api/v1/chat",
                          R"({"message": "What is a spinlock?", "options": {"cache": "sometimes"}})",
                          {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("options.cache"), std::string::npos) << bad.body;
}

TEST_F(CacheOffline, AFollowUpIsNotServedFromAnotherConversation) {
  ask(port(), "What is a mutex?", "", "follow-a");
  auto a = ask(port(), "and how does it differ from a semaphore?", "", "follow-a");
  EXPECT_EQ(match_of(a), "none");
  ask(port(), "What is a condition variable?", "", "follow-b");
  auto b = ask(port(), "and how does it differ from a semaphore?", "", "follow-b");
  EXPECT_EQ(match_of(b), "none") << "a follow-up was answered with another conversation's answer";
}

TEST_F(CacheOffline, ClearingEmptiesTheCache) {
  ask(port(), "What is a rwlock?");
  EXPECT_EQ(match_of(ask(port(), "What is a rwlock?")), "exact");
  auto cleared = http_request(port(), verb::delete_, "/api/v1/cache?kind=response");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_GE(json::parse(cleared.body).at("removed").as_int64(), 1);
  EXPECT_EQ(match_of(ask(port(), "What is a rwlock?")), "none");
  EXPECT_EQ(http_request(port(), verb::delete_, "/api/v1/cache?kind=everything").status, 400);
}

// Polls until pred holds or ~20 s pass.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 200; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

TEST(CacheUpkeep, TheServerWarmsFrequentRecentQuestions) {
  ServerProcess server({}, {{"DEVAGENT_MEMORY_ENABLED", "false"}, {"DEVAGENT_CACHE_WARM_INTERVAL", "1s"}});
  // Asked twice, in two conversations, never kept (no-store): only warming can cache it.
  ask(server.port(), "What is a semaphore?", "no-store", "warm-1");
  ask(server.port(), "what is a semaphore?", "no-store", "warm-2");
  ask(server.port(), "What is a futex?", "no-store", "warm-3");  // asked once: not warmed
  EXPECT_TRUE(eventually([&] { return count(stats(server.port()), "response", "entries") == 1; }))
      << json::serialize(stats(server.port()));
  EXPECT_EQ(match_of(ask(server.port(), "What is a semaphore?")), "exact");
  EXPECT_EQ(match_of(ask(server.port(), "What is a futex?")), "none");
}

TEST(CacheUpkeep, ExpiredEntriesAreCleanedUp) {
  ServerProcess server({}, {{"DEVAGENT_MEMORY_ENABLED", "false"},
                            {"DEVAGENT_CACHE_RESPONSE_TTL", "1s"},
                            {"DEVAGENT_CACHE_CLEANUP_INTERVAL", "1s"}});
  ask(server.port(), "What is a semaphore?");
  EXPECT_EQ(match_of(ask(server.port(), "What is a semaphore?")), "exact");
  // The gauge counts what the instance holds: clean-up has deleted the entry.
  EXPECT_TRUE(eventually([&] {
    return http_get(server.port(), "/metrics").body.find("cache_entries{kind=\"response\"} 0") != std::string::npos;
  }));
  EXPECT_EQ(match_of(ask(server.port(), "What is a semaphore?")), "none");
}

TEST(CacheRepository, ANewCommitIsAMiss) {
  GitRepo repo;
  repo.write("src/main.cpp", "int main() { return 0; }\n");
  repo.commit("first");
  // The index refreshes before every question, so a commit is seen at once.
  ServerProcess server({}, {{"DEVAGENT_WORKSPACE_ROOTS", repo.root().string()},
                            {"DEVAGENT_MEMORY_ENABLED", "false"},
                            {"DEVAGENT_CODE_REFRESH_INTERVAL", "0"}});
  auto first = ask(server.port(), "What languages is this repository written in?");
  EXPECT_EQ(match_of(first), "none");
  auto again = ask(server.port(), "What languages is this repository written in?");
  EXPECT_EQ(match_of(again), "exact") << again;
  EXPECT_EQ(again.at("cached").at("kind").as_string(), "analysis");

  repo.write("src/tool.py", "print('hi')\n");
  repo.commit("second");
  auto after = ask(server.port(), "What languages is this repository written in?");
  EXPECT_EQ(match_of(after), "none") << "an answer about the old commit was served";
  EXPECT_NE(std::string(after.at("answer").as_string()).find("Python"), std::string::npos) << after;
}

TEST(CacheRepository, AnEditWithoutACommitIsAMiss) {
  TempDir dir;
  std::ofstream(dir.path() / "main.go") << "package main\n";
  ServerProcess server({}, {{"DEVAGENT_WORKSPACE_ROOTS", dir.path().string()},
                            {"DEVAGENT_MEMORY_ENABLED", "false"},
                            {"DEVAGENT_CODE_REFRESH_INTERVAL", "0"}});
  ask(server.port(), "What languages is this repository written in?");
  EXPECT_EQ(match_of(ask(server.port(), "What languages is this repository written in?")), "exact");
  std::ofstream(dir.path() / "build.rs") << "fn main() {}\n";
  auto after = ask(server.port(), "What languages is this repository written in?");
  EXPECT_EQ(match_of(after), "none") << "an answer about the files before the edit was served";
  EXPECT_NE(std::string(after.at("answer").as_string()).find("Rust"), std::string::npos) << after;
}

std::map<std::string, std::string> model_env(const FakeUpstream& fake, const std::string& workspace = "") {
  std::map<std::string, std::string> env{{"OPENAI_BASE_URL", fake.base_url()},
                                         {"OPENAI_API_KEY", "k"},
                                         {"DEVAGENT_CODE_REFRESH_INTERVAL", "0"},
                                         {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                                         {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
                                         {"DEVAGENT_MEMORY_ENABLED", "false"}};
  if (!workspace.empty()) env["DEVAGENT_WORKSPACE_ROOTS"] = workspace;
  return env;
}

TEST(CacheWithModel, AHitCostsNoModelCallAndRecordsWhatItSaved) {
  FakeUpstream fake;
  fake.push(Reply::text("A mutex is a lock that one thread holds at a time.").chunks(4).usage(1000, 200));
  ServerProcess server({}, model_env(fake));
  auto first = ask_streaming(server.port(), "What is a mutex?");
  ASSERT_EQ(fake.requests().size(), 1u);
  auto second = ask_streaming(server.port(), "what's a mutex?");
  EXPECT_EQ(fake.requests().size(), 1u) << "the model was asked again";
  std::string text;
  for (const auto& e : second) {
    if (e.kind == "token") text += std::string(e.data.at("text").as_string());
  }
  EXPECT_EQ(text, "A mutex is a lock that one thread holds at a time.");
  ASSERT_FALSE(second.empty());
  const auto& cached = second.back().data.at("cached").as_object();
  EXPECT_EQ(cached.at("match").as_string(), "semantic");
  EXPECT_EQ(cached.at("tokens_saved").as_int64(), 1200);
  EXPECT_GT(cached.at("cost_saved_usd").as_double(), 0.0);
  EXPECT_EQ(second.back().data.at("model").as_string(), "gpt-4o");

  auto s = stats(server.port());
  EXPECT_EQ(count(s, "response", "tokens_saved"), 1200);
  EXPECT_DOUBLE_EQ(s.at("kinds").at("response").at("cost_saved_usd").as_double(),
                   cached.at("cost_saved_usd").as_double());
}

TEST(CacheWithModel, WithMemoryOnlyARecalledFactSeparatesAnswers) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("Use list.reverse() or reversed(list).").usage(300, 30));
  auto env = model_env(fake);
  env["DEVAGENT_MEMORY_ENABLED"] = "true";
  env["DEVAGENT_MEMORY_LLM_EXTRACTION"] = "false";
  ServerProcess server({}, env);
  ask(server.port(), "How do I reverse a list in Python?", "", "mem-1");
  // A new conversation recalls the earlier one; that changes nothing the model needs.
  auto again = ask(server.port(), "How do I reverse a list in Python?", "", "mem-2");
  EXPECT_EQ(match_of(again), "exact") << again;
  // A fact the user stated about their Python does: the cached answer is not served.
  ask(server.port(), "Our project is pinned to Python 2.7.", "", "mem-3");
  ASSERT_TRUE(eventually([&] {
    return http_get(server.port(), "/api/v1/memory?kind=fact").body.find("Python 2.7") != std::string::npos;
  }));
  auto after = ask(server.port(), "How do I reverse a list in Python?", "", "mem-4");
  EXPECT_EQ(match_of(after), "none") << after;
}

TEST(CacheWithModel, AfterANewCommitTheModelsToolCallsAreReusedAndOnlyTheAnswerIsWritten) {
  GitRepo repo;
  repo.write("src/main.cpp", "int main() { return 0; }\n");
  repo.commit("first");
  FakeUpstream fake;
  fake.push(Reply::tool_call("analyzeRepository", R"({"repository": ".", "aspects": ["languages"]})").usage(500, 40));
  fake.push(Reply::text("Enough gathered.").usage(600, 10));
  fake.push(Reply::text("It is written in C++.").usage(700, 20));
  ServerProcess server({}, model_env(fake, repo.root().string()));
  auto first = ask(server.port(), "Which languages does this repository use?");
  ASSERT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(first.at("answer").as_string(), "It is written in C++.");

  repo.write("src/tool.py", "print('hi')\n");
  repo.commit("second");
  fake.push(Reply::text("It is written in C++ and Python.").usage(800, 20));
  auto events = ask_streaming(server.port(), "Which languages does this repository use?");
  auto sent = fake.requests();
  ASSERT_EQ(sent.size(), 4u) << "the plan was not taken from the cache";
  EXPECT_NE(sent.back().body.find("Python"), std::string::npos) << "the tools did not run again on the new commit";
  bool cached_plan = false;
  std::string text;
  for (const auto& e : events) {
    if (e.kind == "plan" && e.data.contains("planner")) cached_plan = e.data.at("planner").as_string() == "cache";
    if (e.kind == "token") text += std::string(e.data.at("text").as_string());
  }
  EXPECT_TRUE(cached_plan);
  EXPECT_EQ(text, "It is written in C++ and Python.");
  auto s = stats(server.port());
  EXPECT_EQ(count(s, "decomposition", "exact_hits"), 1);
  EXPECT_EQ(count(s, "decomposition", "tokens_saved"), 500 + 40 + 600 + 10);
}

TEST(CacheCli, WarmingFromAFileMakesTheQuestionsHitsAndStatsReportThem) {
  TempDir dir;
  {
    std::ofstream f(dir.path() / "common.txt");
    f << "# common questions\n\nWhat is a mutex?\n{\"question\": \"How do I reverse a list in Python?\"}\n";
  }
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"DEVAGENT_MEMORY_ENABLED", "false"}};
  o.args = {"--data-dir", (dir.path() / "data").string(), "cache", "warm", "--json", (dir.path() / "common.txt").string()};
  auto warmed = run(devagent_binary(), o);
  ASSERT_EQ(warmed.exit_code, 0) << warmed.err;
  auto report = json::parse(warmed.out).as_object();
  EXPECT_EQ(report.at("answered").as_int64(), 2) << warmed.out;
  auto again = run(devagent_binary(), o);
  EXPECT_EQ(json::parse(again.out).at("already_cached").as_int64(), 2) << again.out;

  o.args = {"--data-dir", (dir.path() / "data").string(), "ask", "--json", "how can I reverse a Python list"};
  auto asked = run(devagent_binary(), o);
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_EQ(json::parse(asked.out).at("cached").at("match").as_string(), "semantic") << asked.out;

  o.args = {"--data-dir", (dir.path() / "data").string(), "cache", "stats", "--json"};
  auto listed = run(devagent_binary(), o);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto s = json::parse(listed.out).as_object();
  EXPECT_EQ(count(s, "response", "entries"), 2);
  EXPECT_EQ(count(s, "response", "semantic_hits"), 1);
  o.args = {"--data-dir", (dir.path() / "data").string(), "cache", "stats"};
  auto table = run(devagent_binary(), o);
  EXPECT_NE(table.out.find("response"), std::string::npos) << table.out;

  o.args = {"--data-dir", (dir.path() / "data").string(), "cache", "warm", (dir.path() / "missing.txt").string()};
  auto missing = run(devagent_binary(), o);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
}

TEST(CacheCli, MatchPrintsTheServersDecisionWithTheConfiguredThreshold) {
  ProcessOptions o;
  auto match = [&](std::vector<std::string> args) {
    o.args = {"cache", "match"};
    o.args.insert(o.args.end(), args.begin(), args.end());
    return run(devagent_binary(), o);
  };
  auto hit = match({"--json", "--kind", "response", "How do I reverse a list in Python?", "how can I reverse a Python list"});
  ASSERT_EQ(hit.exit_code, 0) << hit.err;
  auto doc = json::parse(hit.out).as_object();
  EXPECT_TRUE(doc.at("hit").as_bool()) << hit.out;
  EXPECT_GE(doc.at("similarity").as_double(), 0.85);
  EXPECT_EQ(doc.at("reason").as_string(), "paraphrase");

  auto miss = match({"--json", "--kind", "response", "How do I reverse a list in Python?", "How do I reverse a list in Rust?"});
  ASSERT_EQ(miss.exit_code, 0) << miss.err;
  auto missed = json::parse(miss.out).as_object();
  EXPECT_FALSE(missed.at("hit").as_bool()) << miss.out;
  EXPECT_NE(std::string(missed.at("reason").as_string()).find("languages differ"), std::string::npos) << miss.out;

  // The kind's threshold comes from the configuration: a pair that differs in
  // a soft word only ("tool") scores 0.82, under the default 0.85 ...
  auto below = match({"--json", "Which tool formats Go code?", "What formats Go code?"});
  ASSERT_EQ(below.exit_code, 0) << below.err;
  auto below_doc = json::parse(below.out).as_object();
  EXPECT_FALSE(below_doc.at("hit").as_bool()) << below.out;
  EXPECT_LT(below_doc.at("similarity").as_double(), 0.85);
  // ... and hits once the configured threshold is below its score.
  o.env = {{"DEVAGENT_CACHE_RESPONSE_SIMILARITY", "0.80"}};
  auto lowered = match({"--json", "Which tool formats Go code?", "What formats Go code?"});
  o.env.clear();
  ASSERT_EQ(lowered.exit_code, 0) << lowered.err;
  EXPECT_TRUE(json::parse(lowered.out).at("hit").as_bool()) << lowered.out;

  auto bad = match({"--json", "--kind", "everything", "a", "b"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown cache kind"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace devagent::testing
