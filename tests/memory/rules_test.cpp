// Memory's rules: entities, facts, the extractive summary and history folding.
#include "memory/entities.h"
#include "memory/extract.h"
#include "memory/facts.h"
#include "memory/history.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace devagent::memory {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(Entities, FindsEachKind) {
  auto e = extract_entities(
      "Did @octocat change parse_config() in src/core/config.cpp of tokio-rs/tokio? It is Rust; "
      "we also use the serde crate, see https://docs.rs/serde/latest. `HttpClient` and main.py too.");
  EXPECT_TRUE(has(e, "person:@octocat")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "symbol:parse_config")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "file:src/core/config.cpp")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "repo:tokio-rs/tokio")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "language:rust")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "package:serde")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "url:https://docs.rs/serde/latest")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "symbol:HttpClient")) << ::testing::PrintToString(e);
  EXPECT_TRUE(has(e, "file:main.py")) << ::testing::PrintToString(e);
  // The URL's pieces are not read again as a repository or a file.
  EXPECT_FALSE(has(e, "repo:docs.rs/serde")) << ::testing::PrintToString(e);
}

TEST(Entities, AmbiguousWordsStayWordsInProse) {
  auto e = extract_entities("we need to go to the store and see what c is doing");
  EXPECT_TRUE(std::none_of(e.begin(), e.end(), [](const std::string& x) { return x.starts_with("language:"); }))
      << ::testing::PrintToString(e);
  EXPECT_TRUE(has(extract_entities("Is this written in Go or C?"), "language:go"));
}

TEST(Entities, KeysLetANameFindItsRepository) {
  auto keys = entity_keys("repo:tokio-rs/tokio");
  EXPECT_TRUE(has(keys, "tokio"));
  EXPECT_TRUE(has(keys, "tokio-rs"));
  EXPECT_TRUE(has(keys, "tokio-rs/tokio"));
  EXPECT_TRUE(has(entity_keys("file:src/core/config.cpp"), "config.cpp"));
}

TEST(Facts, StatementsBecomeFactsWithANormalisedSubject) {
  auto f = extract_facts("Our staging database is db-staging-7.");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].subject, "staging database");
  EXPECT_EQ(f[0].value, "db-staging-7");
  EXPECT_EQ(f[0].statement, "Our staging database is db-staging-7");
  auto moved = extract_facts("FYI the staging DB moved to db-staging-9.internal");
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].subject, "staging database");  // same subject: the later one supersedes
  EXPECT_EQ(moved[0].value, "db-staging-9.internal");
  auto uses = extract_facts("We use tokio for the ingest workers.");
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0].subject, "ingest workers");
  EXPECT_EQ(uses[0].value, "tokio");
  auto owner = extract_facts("Alice owns the billing service.");
  ASSERT_EQ(owner.size(), 1u);
  EXPECT_EQ(owner[0].subject, "owner of billing service");
  EXPECT_EQ(owner[0].value, "Alice");
  auto reads = extract_facts("The ingest workers read from the Kafka topic events.raw.");
  auto reads_now = extract_facts("The ingest workers now read from the Kafka topic events.v2.");
  ASSERT_EQ(reads.size(), 1u);
  ASSERT_EQ(reads_now.size(), 1u);
  EXPECT_EQ(reads[0].subject, "ingest workers read from");
  EXPECT_EQ(reads_now[0].subject, reads[0].subject);
  auto rota = extract_facts("Bob is on call for the search cluster this week.");
  auto rota_now = extract_facts("The on-call for the search cluster this week is Dana.");
  ASSERT_EQ(rota.size(), 1u);
  ASSERT_EQ(rota_now.size(), 1u);
  EXPECT_EQ(rota[0].subject, "on call for search cluster");
  EXPECT_EQ(rota_now[0].subject, rota[0].subject);
  EXPECT_EQ(rota_now[0].value, "Dana");
  EXPECT_EQ(extract_facts("Nightly builds take about 40 minutes.").at(0).subject, "nightly builds take");
  auto remembered = extract_facts("Remember that releases are cut every other Thursday");
  ASSERT_EQ(remembered.size(), 1u);
  EXPECT_EQ(remembered[0].subject, "releases");
}

TEST(Facts, QuestionsRequestsAndChatterStateNone) {
  for (const char* text : {"What is our staging database?", "is the staging db up", "Show me the hotspots",
                           "which files depend on src/core/cancel.h", "This is great", "It is slow",
                           "explain how the build works", "thanks!", ""}) {
    EXPECT_TRUE(extract_facts(text).empty()) << text;
  }
  EXPECT_TRUE(is_question("which host runs staging?"));
  EXPECT_TRUE(is_question("list the files"));
  EXPECT_FALSE(is_question("Our CI runs on buildkite"));
}

TEST(Summary, KeepsFactsFirstWhenOverBudget) {
  std::vector<StoredMessage> fold;
  for (int i = 0; i < 20; ++i) {
    fold.push_back(StoredMessage{.role = "user", .content = "How does module " + std::to_string(i) + " work? It matters."});
    fold.push_back(StoredMessage{.role = "assistant", .content = "## Module\nModule " + std::to_string(i) + " parses input. More."});
  }
  fold[10].content = "Our deploy target is k8s-prod-3.";
  auto s = extractive_summary("- Fact: The API lives at api.example.com", fold, 120);
  EXPECT_LE(s.size(), 120u * 4 + 50);
  EXPECT_NE(s.find("api.example.com"), std::string::npos) << s;
  EXPECT_NE(s.find("Fact: Our deploy target is k8s-prod-3"), std::string::npos) << s;
  auto roomy = extractive_summary("", {fold[0], fold[1]}, 400);
  EXPECT_EQ(roomy, "- Asked: How does module 0 work? — answer: Module 0 parses input.");
}

TEST(RecordMemory, ArgumentsAreCheckedAgainstTheSchema) {
  auto ok = parse_record_memory(
      R"({"facts": [{"subject": "the Staging DB", "statement": "staging runs on db-staging-7"}],
          "entities": [{"type": "repo", "value": "Tokio-rs/Tokio"}, {"type": "file", "value": "src/Main.cpp"}]})");
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->from_llm);
  ASSERT_EQ(ok->facts.size(), 1u);
  EXPECT_EQ(ok->facts[0].subject, "staging database");
  EXPECT_EQ(ok->entities, (std::vector<std::string>{"repo:tokio-rs/tokio", "file:src/Main.cpp"}));
  for (const char* bad : {"", "[]", R"({"facts": []})", R"({"facts": [{"subject": 1, "statement": "x"}], "entities": []})",
                          R"({"facts": [], "entities": [{"type": "planet", "value": "mars"}]})",
                          R"({"facts": [{"subject": "", "statement": "x"}], "entities": []})"}) {
    EXPECT_FALSE(parse_record_memory(bad).has_value()) << bad;
  }
  EXPECT_EQ(record_memory_schema().at("type").as_string(), "object");
}

}  // namespace
}  // namespace devagent::memory
