// ResponseCache on both backends (one suite, run on SQLite and PostgreSQL):
// exact and semantic lookups within a scope, the guard, expiry and clean-up,
// LRU eviction, statistics, and two instances sharing one store.
#include "cache/cache.h"
#include "store/backend.h"

#include <gtest/gtest.h>

#include <thread>

namespace devagent::cache {
namespace {

using store::testing::Backend;

Scope response_scope() {
  Scope s;
  s.kind = Kind::response;
  s.model = "response:openai:gpt-4o";
  s.tools = "tools-1";
  s.prompt_version = "p1";
  return s;
}

class Cache : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && !store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
    backend_ = std::make_unique<Backend>(GetParam());
    db_ = backend_->open();
    cache_ = open(*db_);
  }
  std::unique_ptr<ResponseCache> open(store::Database& db, CacheOptions o = {}) {
    auto c = std::make_unique<ResponseCache>(db, o);
    auto loaded = c->load();
    EXPECT_TRUE(loaded) << loaded.error().message;
    return c;
  }
  Entry put(ResponseCache& c, const Scope& s, const std::string& q, const std::string& payload = "{\"text\":\"a\"}",
            std::int64_t in = 100, std::int64_t out = 50, std::int64_t cost = 1'500'000) {
    auto e = c.put(s, q, payload, in, out, cost);
    EXPECT_TRUE(e) << e.error().message;
    return e ? *e : Entry{};
  }
  std::optional<Hit> lookup(ResponseCache& c, const Scope& s, const std::string& q) {
    auto h = c.lookup(s, q);
    EXPECT_TRUE(h) << h.error().message;
    return h ? *h : std::nullopt;
  }
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ResponseCache> cache_;
};

TEST_P(Cache, TheSameQuestionIsAnExactHitWithItsPayload) {
  auto scope = response_scope();
  auto stored = put(*cache_, scope, "How do I reverse a list in Python?", "{\"text\":\"use reversed()\"}");
  auto hit = lookup(*cache_, scope, "  how do I REVERSE a list in python  ");
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->exact);
  EXPECT_EQ(hit->decision.reason, "exact");
  EXPECT_EQ(hit->entry.id, stored.id);
  EXPECT_EQ(hit->entry.payload, "{\"text\":\"use reversed()\"}");
  EXPECT_EQ(hit->entry.input_tokens, 100);
  EXPECT_EQ(hit->entry.output_tokens, 50);
  EXPECT_EQ(hit->entry.cost_nanos, 1'500'000);
}

TEST_P(Cache, AParaphraseIsASemanticHitAndADifferentQuestionIsNot) {
  auto scope = response_scope();
  put(*cache_, scope, "How do I reverse a list in Python?");
  auto hit = lookup(*cache_, scope, "how can I reverse a Python list");
  ASSERT_TRUE(hit);
  EXPECT_FALSE(hit->exact);
  EXPECT_GE(hit->decision.similarity, 0.85);
  EXPECT_FALSE(lookup(*cache_, scope, "How do I reverse a list in Rust?"));
  EXPECT_FALSE(lookup(*cache_, scope, "How do I sort a list in Python?"));
}

TEST_P(Cache, EveryPartOfTheScopeSeparatesEntries) {
  auto scope = response_scope();
  put(*cache_, scope, "Which files import src/server/router.cpp?");
  for (auto change : {+[](Scope& s) { s.model = "response:anthropic:claude"; },
                      +[](Scope& s) { s.tools = "tools-2"; },
                      +[](Scope& s) { s.prompt_version = "p2"; },
                      +[](Scope& s) { s.repository = "."; },
                      +[](Scope& s) { s.context = "follow-up"; },
                      +[](Scope& s) { s.kind = Kind::analysis; }}) {
    Scope other = scope;
    change(other);
    EXPECT_NE(other.key(), scope.key());
    EXPECT_FALSE(lookup(*cache_, other, "Which files import src/server/router.cpp?"));
  }
  EXPECT_TRUE(lookup(*cache_, scope, "Which files import src/server/router.cpp?"));
}

TEST_P(Cache, ANewRevisionIsAMiss) {
  auto scope = response_scope();
  scope.kind = Kind::analysis;
  scope.repository = ".";
  scope.revision = "1111111";
  put(*cache_, scope, "Analyze this repository");
  EXPECT_TRUE(lookup(*cache_, scope, "Analyze this repository"));
  scope.revision = "2222222";
  EXPECT_FALSE(lookup(*cache_, scope, "Analyze this repository"));
}

TEST_P(Cache, AScopeWithoutSemanticMatchingServesOnlyTheSameText) {
  auto scope = response_scope();
  scope.semantic = false;
  put(*cache_, scope, "How do I reverse a list in Python?");
  EXPECT_FALSE(lookup(*cache_, scope, "how can I reverse a Python list"));
  EXPECT_TRUE(lookup(*cache_, scope, "How do I reverse a list in Python?"));
}

TEST_P(Cache, StoringTheSameQuestionAgainReplacesIt) {
  auto scope = response_scope();
  put(*cache_, scope, "What is a mutex?", "{\"v\":1}");
  put(*cache_, scope, "what is a mutex", "{\"v\":2}");
  auto hit = lookup(*cache_, scope, "What is a mutex?");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->entry.payload, "{\"v\":2}");
  auto stats = cache_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->kinds[static_cast<int>(Kind::response)].entries, 1);
}

TEST_P(Cache, ExpiredEntriesAreNotServedAndCleanUpDeletesThem) {
  CacheOptions o;
  // Long enough that a loaded machine still looks up before it expires.
  o.kinds[static_cast<int>(Kind::response)].ttl = std::chrono::milliseconds(2000);
  auto c = open(*db_, o);
  auto scope = response_scope();
  put(*c, scope, "What is a mutex?");
  put(*c, scope, "What is a semaphore?");
  ASSERT_TRUE(lookup(*c, scope, "What is a mutex?"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_FALSE(lookup(*c, scope, "What is a mutex?"));
  auto removed = c->cleanup();
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(c->size(), 0u);
  auto rows = db_->query("SELECT COUNT(*) FROM cache_entries");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows.front().integer(0), 0);
}

TEST_P(Cache, OverTheSizeLimitTheLeastRecentlyUsedGo) {
  CacheOptions o;
  o.max_bytes = 16'000;  // 17 entries of ~920 bytes fit, 18 do not; one entry may take 1,000
  auto c = open(*db_, o);
  auto scope = response_scope();
  const std::string payload(900, 'x');
  auto question = [](int i) { return "What does error code E" + std::to_string(1000 + i) + " mean?"; };
  std::vector<Entry> stored;
  for (int i = 0; i < 17; ++i) {
    stored.push_back(put(*c, scope, question(i), payload));
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // distinct last_used times
  }
  ASSERT_TRUE(c->touch(stored[0].id));  // the oldest is used again: E1001 is now the least recent
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  put(*c, scope, question(17), payload);
  EXPECT_TRUE(lookup(*c, scope, question(0)));
  EXPECT_FALSE(lookup(*c, scope, question(1)));
  EXPECT_TRUE(lookup(*c, scope, question(2)));
  EXPECT_TRUE(lookup(*c, scope, question(17)));
  auto stats = c->stats();
  ASSERT_TRUE(stats);
  EXPECT_LE(stats->total().bytes, 16'000);
  EXPECT_EQ(stats->total().entries, 17);
  // One answer bigger than a sixteenth of the cache is not kept.
  auto huge = c->put(scope, "What is a barrier?", std::string(1001, 'x'), 1, 1, 1);
  EXPECT_FALSE(huge);
  EXPECT_FALSE(lookup(*c, scope, "What is a barrier?"));
}

TEST_P(Cache, StatisticsCountHitsMissesAndWhatWasSaved) {
  auto scope = response_scope();
  put(*cache_, scope, "What is a mutex?", "{}", 1000, 200, 4'000'000);
  ASSERT_TRUE(cache_->record(Kind::response, Outcome::exact_hit, 1200, 4'000'000));
  ASSERT_TRUE(cache_->record(Kind::response, Outcome::semantic_hit, 1200, 4'000'000));
  ASSERT_TRUE(cache_->record(Kind::response, Outcome::miss));
  ASSERT_TRUE(cache_->record(Kind::decomposition, Outcome::miss));
  auto stats = cache_->stats();
  ASSERT_TRUE(stats) << stats.error().message;
  const auto& r = stats->kinds[static_cast<int>(Kind::response)];
  EXPECT_EQ(r.exact_hits, 1);
  EXPECT_EQ(r.semantic_hits, 1);
  EXPECT_EQ(r.misses, 1);
  EXPECT_NEAR(r.hit_rate(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(r.entries, 1);
  EXPECT_EQ(r.bytes, static_cast<std::int64_t>(std::string("{}").size() + std::string("What is a mutex?").size()));
  EXPECT_EQ(r.tokens_saved, 2400);
  EXPECT_EQ(r.cost_saved_nanos, 8'000'000);
  EXPECT_EQ(stats->total().misses, 2);
  auto json = stats->to_json();
  EXPECT_EQ(json.at("kinds").at("response").at("hits").as_int64(), 2);
  EXPECT_DOUBLE_EQ(json.at("kinds").at("response").at("cost_saved_usd").as_double(), 0.008);
  EXPECT_EQ(json.at("total").at("lookups").as_int64(), 4);
}

TEST_P(Cache, AnAnswerCachedByOneInstanceIsAHitOnAnother) {
  auto other_db = backend_->open();
  auto other = open(*other_db);
  auto scope = response_scope();
  put(*cache_, scope, "How do I reverse a list in Python?", "{\"from\":\"a\"}");
  auto hit = lookup(*other, scope, "how can I reverse a Python list");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->entry.payload, "{\"from\":\"a\"}");
  // Cleared on the first instance: the second never serves what is gone.
  ASSERT_TRUE(cache_->clear());
  EXPECT_FALSE(lookup(*other, scope, "How do I reverse a list in Python?"));
}

TEST_P(Cache, AReloadedCacheServesWhatWasStored) {
  auto scope = response_scope();
  put(*cache_, scope, "How do I reverse a list in Python?");
  auto reopened = open(*db_);
  EXPECT_EQ(reopened->size(), 1u);
  EXPECT_TRUE(lookup(*reopened, scope, "how can I reverse a Python list"));
}

TEST_P(Cache, ClearingOneKindKeepsTheOthers) {
  auto scope = response_scope();
  auto plan = scope;
  plan.kind = Kind::decomposition;
  put(*cache_, scope, "What is a mutex?");
  put(*cache_, plan, "What is a mutex?");
  auto removed = cache_->clear(Kind::response);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(lookup(*cache_, scope, "What is a mutex?"));
  EXPECT_TRUE(lookup(*cache_, plan, "What is a mutex?"));
}

TEST_P(Cache, ADisabledCacheServesNothing) {
  CacheOptions o;
  o.enabled = false;
  auto c = open(*db_, o);
  auto scope = response_scope();
  put(*c, scope, "What is a mutex?");
  EXPECT_FALSE(lookup(*c, scope, "What is a mutex?"));
}

TEST_P(Cache, HugeAndHostileQuestionsAreHandled) {
  auto scope = response_scope();
  std::string huge(200'000, 'a');
  for (std::size_t i = 0; i < huge.size(); i += 7) huge[i] = ' ';
  put(*cache_, scope, huge);
  EXPECT_TRUE(lookup(*cache_, scope, huge));
  std::string binary("\x00\xff\xfe' OR 1=1; --\n\t", 18);
  put(*cache_, scope, binary);
  EXPECT_TRUE(lookup(*cache_, scope, binary));
  EXPECT_FALSE(lookup(*cache_, scope, ""));
}

INSTANTIATE_TEST_SUITE_P(Backends, Cache, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devagent::cache
