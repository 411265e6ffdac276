// The semantic-cache decision: a labelled table of question pairs
// (match_cases.jsonl, written for this test) and the fingerprint's aspects.
#include "cache/match.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace devagent::cache {
namespace {

// Thresholds as in config/devagent.example.toml.
double threshold(Kind kind) {
  switch (kind) {
    case Kind::decomposition:
      return 0.90;
    case Kind::response:
      return 0.85;
    case Kind::analysis:
      return 0.95;
  }
  return 1.0;
}

struct Case {
  Kind kind = Kind::response;
  std::string stored, fresh;
  bool same = false;
  std::string rule;  // for a near-miss: the guard rule it exercises
};

std::vector<Case> load_cases() {
  std::ifstream in(std::string(DEVAGENT_SOURCE_DIR) + "/tests/cache/match_cases.jsonl");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto o = boost::json::parse(line).as_object();
    Case c;
    EXPECT_TRUE(parse_kind(o.at("kind").as_string(), c.kind)) << line;
    c.stored = o.at("stored").as_string();
    c.fresh = o.at("new").as_string();
    c.same = o.at("same").as_bool();
    if (const auto* rule = o.if_contains("rule")) c.rule = rule->as_string();
    cases.push_back(std::move(c));
  }
  return cases;
}

Decision decide_case(const Case& c) {
  return decide(fingerprint(c.stored), fingerprint(c.fresh), threshold(c.kind));
}

// The measured floor. The table's paraphrases hit 79 of 90 (88%). Measured
// honestly on pairs the rules were not written for, the later batches of
// the table (from "How do I remove the last character..." on) hit 6 of 20,
// then 15 of 21, when first run; general vocabulary and rule fixes took them
// to 15/20 and 17/21. Expect about 70-75% on new wording.
constexpr double kParaphraseHitFloor = 0.85;

TEST(MatchTable, HasEnoughCasesOfEveryShape) {
  const auto cases = load_cases();
  ASSERT_GE(cases.size(), 80u);
  std::size_t same = 0;
  for (const auto& c : cases) same += c.same;
  EXPECT_GE(same, 30u);
  EXPECT_GE(cases.size() - same, 40u);
}

TEST(MatchTable, NoWrongHits) {
  for (const auto& c : load_cases()) {
    if (c.same) continue;
    const auto d = decide_case(c);
    EXPECT_FALSE(d.hit) << "wrong hit (" << c.rule << "): \"" << c.stored << "\" served for \"" << c.fresh
                        << "\" similarity " << d.similarity << " " << d.reason;
  }
}

TEST(MatchTable, ParaphrasesHit) {
  std::size_t same = 0, hits = 0;
  for (const auto& c : load_cases()) {
    if (!c.same) continue;
    ++same;
    const auto d = decide_case(c);
    hits += d.hit;
    if (!d.hit) std::cout << "paraphrase missed: \"" << c.stored << "\" / \"" << c.fresh << "\": " << d.reason << "\n";
  }
  ASSERT_GT(same, 0u);
  std::cout << "paraphrase hits " << hits << "/" << same << "\n";
  EXPECT_GE(static_cast<double>(hits) / static_cast<double>(same), kParaphraseHitFloor);
}

// Each near-miss is stopped by the rule it was written for: the reason names it.
TEST(MatchTable, NearMissesNameTheirRule) {
  for (const auto& c : load_cases()) {
    if (c.same || c.rule.empty()) continue;
    const auto d = decide_case(c);
    const std::string expected = c.rule == "relation" ? "direction" : c.rule;
    EXPECT_NE(d.reason.find(expected), std::string::npos)
        << "\"" << c.stored << "\" / \"" << c.fresh << "\": " << d.reason << " (expected " << c.rule << ")";
  }
}

TEST(Fingerprint, NormalisedKeepsPathsSlugsVersionsAndLanguageNames) {
  EXPECT_EQ(fingerprint("  What does src/server/router.cpp DO?? ").normalised, "what does src/server/router.cpp do");
  EXPECT_EQ(fingerprint("Analyze facebook/react, please!").normalised, "analyze facebook/react please");
  EXPECT_EQ(fingerprint("What's new in Python 3.11?").normalised, "whats new in python 3.11");
  EXPECT_EQ(fingerprint("C++ or C#? Or Node.js").normalised, "c++ or c# or node.js");
}

TEST(Fingerprint, TermsDropFillerAndFoldSynonyms) {
  EXPECT_EQ(fingerprint("Can you please explain how to make a virtual environment?").terms,
            fingerprint("create venv").terms);
  EXPECT_EQ(fingerprint("str to int in py").terms, fingerprint("string to integer in Python").terms);
  EXPECT_EQ(fingerprint("delete a dir").terms, fingerprint("remove directories").terms);
  EXPECT_EQ(fingerprint("What is k8s?").terms, fingerprint("kubernetes").terms);
}

TEST(Fingerprint, DependenciesAndDependentsStayApart) {
  EXPECT_NE(fingerprint("dependencies of the parser").terms, fingerprint("dependents of the parser").terms);
  EXPECT_EQ(fingerprint("deps of the parser").terms, fingerprint("dependencies of the parser").terms);
}

TEST(Fingerprint, Aspects) {
  const auto f = fingerprint("Why does facebook/react/src/index.js fail on Node.js 18 in TypeScript with Jest?");
  EXPECT_EQ(f.paths, std::vector<std::string>{"facebook/react/src/index.js"});
  EXPECT_EQ(f.languages, std::vector<std::string>{"typescript"});
  EXPECT_EQ(f.numbers, std::vector<std::string>{"18"});
  EXPECT_FALSE(f.negated);
  EXPECT_EQ(fingerprint("Summarize rust-lang/cargo").repositories, std::vector<std::string>{"rust-lang/cargo"});
  EXPECT_TRUE(fingerprint("Why doesn't my build work?").negated);
  EXPECT_TRUE(fingerprint("install without sudo").negated);
  EXPECT_EQ(fingerprint("How do I read a file in Go?").languages, std::vector<std::string>{"go"});
  EXPECT_TRUE(fingerprint("how do I go back to the previous page").languages.empty());
}

TEST(Fingerprint, Directions) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(fingerprint("convert a list to a tuple").directions, (Pairs{{"list", "tupl"}}));
  EXPECT_TRUE(fingerprint("how to sort a list").directions.empty());  // "how to" is no pivot
  EXPECT_EQ(fingerprint("files that import src/a.h").directions, (Pairs{{"fil", "import:src/a.h"}}));
  EXPECT_EQ(fingerprint("src/a.h is imported by src/b.cpp").directions, (Pairs{{"src/b.cpp", "import:src/a.h"}}));
}

TEST(Decide, ExactParaphraseAndThreshold) {
  const auto a = fingerprint("How do I reverse a list in Python?");
  EXPECT_EQ(decide(a, fingerprint("how do I reverse a list in python"), 0.99).reason, "exact");
  const auto d = decide(a, fingerprint("python: reversing lists"), 0.85);
  EXPECT_TRUE(d.hit) << d.reason;
  EXPECT_EQ(d.reason, "paraphrase");
  EXPECT_NEAR(d.similarity, 1.0, 1e-6);
  // A soft word ("script") may differ, within the threshold only.
  const auto s1 = fingerprint("a python script to reverse a list");
  const auto soft = decide(a, s1, 0.85);
  EXPECT_LT(soft.similarity, 1.0);
  EXPECT_EQ(decide(a, s1, 0.999).reason.rfind("below threshold 1.00", 0), 0u) << decide(a, s1, 0.999).reason;
}

TEST(Decide, ReasonsNameTheDifference) {
  auto reason = [](std::string_view a, std::string_view b) {
    return decide(fingerprint(a), fingerprint(b), 0.85).reason;
  };
  EXPECT_EQ(reason("reverse a list in Python", "reverse a list in JavaScript"),
            "languages differ: python vs javascript");
  EXPECT_EQ(reason("upgrade to Node.js 18", "upgrade to Node.js 20"), "numbers differ: 18 vs 20");
  EXPECT_EQ(reason("convert string to int", "convert int to string"),
            "direction differs: string->integer vs integer->string");
  EXPECT_EQ(reason("undo a commit", "undo a push"), "terms differ: commit vs push");
  EXPECT_EQ(reason("hello", "hi"), "below threshold 0.85 (0.00)");
}

TEST(Kind, ParseAndPrint) {
  Kind k{};
  for (const auto name : {"decomposition", "response", "analysis"}) {
    ASSERT_TRUE(parse_kind(name, k));
    EXPECT_EQ(to_string(k), name);
  }
  EXPECT_FALSE(parse_kind("answers", k));
}

}  // namespace
}  // namespace devagent::cache
