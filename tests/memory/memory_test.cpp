// MemoryStore on both backends (one suite, run on SQLite and PostgreSQL):
// storing, hybrid recall, supersession, forgetting, reload, two instances
// on one store, summaries and history folding.
#include "memory/conversations.h"
#include "memory/history.h"
#include "memory/memory.h"
#include "store/backend.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace devagent::memory {
namespace {

using store::testing::Backend;

class Memory : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && !store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
    backend_ = std::make_unique<Backend>(GetParam());
    db_ = backend_->open();
    ASSERT_TRUE(store::migrate(*db_));
    mem_ = std::make_unique<MemoryStore>(*db_);
    auto loaded = mem_->load();
    ASSERT_TRUE(loaded) << loaded.error().message;
  }
  std::vector<MemoryHit> search(MemoryStore& m, const std::string& q, SearchOptions o = {}) {
    auto hits = m.search(q, o);
    EXPECT_TRUE(hits) << (hits ? "" : hits.error().message);
    return hits ? *hits : std::vector<MemoryHit>{};
  }
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<MemoryStore> mem_;
};

TEST_P(Memory, AFactIsRecalledByADifferentlyWordedQuestion) {
  ASSERT_TRUE(mem_->remember_turn("c1", "local", "Our staging database is db-staging-7.", ""));
  ASSERT_TRUE(mem_->remember_turn("c1", "local", "How do I run the unit tests?", "Run `make test`."));
  ASSERT_TRUE(mem_->remember_turn("c2", "local", "Alice owns the billing service", ""));
  auto hits = search(*mem_, "which host runs the staging DB?", {.k = 3, .exclude_conversation = "c9"});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].fragment.kind, "fact");
  EXPECT_EQ(hits[0].fragment.content, "Our staging database is db-staging-7");
  EXPECT_GT(hits[0].keyword, 0);
  EXPECT_GT(hits[0].vector, 0);
  EXPECT_GE(hits[0].score, hits.back().score);
  // The same conversation can be left out (recall into a conversation's own context).
  auto elsewhere = search(*mem_, "which host runs the staging DB?", {.k = 3, .exclude_conversation = "c1"});
  for (const auto& h : elsewhere) EXPECT_NE(h.fragment.conversation_id, "c1");
}

TEST_P(Memory, ALaterFactSupersedesTheEarlierOneWhichIsKeptButNotReturned) {
  auto first = mem_->remember_turn("c1", "local", "Our staging database is db-staging-7.", "");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->facts.size(), 1u);
  auto second = mem_->remember_turn("c2", "local", "The staging DB moved to db-staging-9.", "");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->superseded, std::vector<std::string>{first->facts[0].id});
  auto hits = search(*mem_, "staging database host", {.k = 10});
  for (const auto& h : hits) EXPECT_EQ(h.fragment.content.find("db-staging-7"), std::string::npos) << h.fragment.content;
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0].fragment.content.find("db-staging-9"), std::string::npos);
  auto kept = mem_->list({.kind = "fact", .include_superseded = true});
  ASSERT_TRUE(kept);
  ASSERT_EQ(kept->size(), 2u);
  auto old = std::find_if(kept->begin(), kept->end(), [&](const Fragment& f) { return f.id == first->facts[0].id; });
  ASSERT_NE(old, kept->end());
  EXPECT_EQ(old->superseded_by, second->facts[0].id);
  auto current = mem_->list({.kind = "fact"});
  ASSERT_EQ(current->size(), 1u);
  // Another user's fact about the same subject supersedes nothing of this user's.
  auto other = mem_->remember_turn("c3", "bob", "Our staging database is db-bob-1.", "");
  EXPECT_TRUE(other->superseded.empty());
}

TEST_P(Memory, EntitiesLinkConversations) {
  ASSERT_TRUE(mem_->remember_turn("c1", "local", "What does tokio-rs/tokio use for its scheduler?",
                                  "tokio-rs/tokio uses a work-stealing scheduler in tokio/src/runtime/scheduler."));
  ASSERT_TRUE(mem_->remember_turn("c2", "local", "How big is the serde crate?", "serde has 40k lines."));
  auto hits = search(*mem_, "what did we find about tokio last week?", {.k = 5});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].fragment.conversation_id, "c1");
  EXPECT_GT(hits[0].entity, 0);
  auto entities = mem_->list({.conversation_id = "c1", .kind = "entity"});
  ASSERT_TRUE(entities);
  EXPECT_TRUE(std::any_of(entities->begin(), entities->end(),
                          [](const Fragment& f) { return f.subject == "repo:tokio-rs/tokio"; }));
}

TEST_P(Memory, ForgettingRemovesFromTheIndexAndTheStore) {
  auto f = mem_->add(Fragment{.conversation_id = "c1", .content = "the release train leaves on Thursdays", .kind = "fact"});
  ASSERT_TRUE(f);
  ASSERT_EQ(search(*mem_, "release train Thursdays").size(), 1u);
  auto removed = mem_->forget(f->id);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_TRUE(search(*mem_, "release train Thursdays").empty());
  EXPECT_FALSE(mem_->get(f->id)->has_value());
  EXPECT_FALSE(*mem_->forget(f->id));
  // A fresh instance built from the store does not bring it back.
  MemoryStore again(*db_);
  ASSERT_TRUE(again.load());
  EXPECT_TRUE(search(again, "release train Thursdays").empty());
}

TEST_P(Memory, IndexesAreRebuiltFromTheStoreAtLoad) {
  ASSERT_TRUE(mem_->remember_turn("c1", "local", "We use buildkite for CI.", ""));
  auto db2 = backend_->open();  // another connection, as after a restart
  MemoryStore fresh(*db2);
  ASSERT_TRUE(fresh.load());
  EXPECT_EQ(fresh.indexed(), mem_->indexed());
  auto hits = search(fresh, "what runs our continuous integration builds?");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].fragment.content, "We use buildkite for CI");
}

// Spread over the cores (the vector search, the keyword search and the
// entity candidates' cosines in batches of 64 as tasks), a search finds
// exactly what it finds on the calling thread alone.
TEST_P(Memory, SearchOnSeveralCoresFindsWhatOneThreadFinds) {
  const char* repos[] = {"acme/billing", "acme/ingest", "tokio-rs/tokio"};
  const char* files[] = {"src/handler.go", "src/retry.rs", "lib/queue.py", "cmd/server/main.go"};
  for (int i = 0; i < 400; ++i) {
    std::string repo = repos[i % 3], file = files[i % 4];
    Fragment f{.conversation_id = "c" + std::to_string(i % 9),
               .content = "Note " + std::to_string(i) + ": " + file + " in " + repo + " retries " +
                          std::to_string(i % 11) + " times before the queue gives up",
               .kind = i % 5 == 0 ? "fact" : "message",
               .entities = {repo, file}};
    ASSERT_TRUE(mem_->add(std::move(f)));
  }
  MemoryOptions spread_options;
  spread_options.parallel_from = 0;
  auto db1 = backend_->open();
  auto db2 = backend_->open();
  MemoryStore one(*db1), spread(*db2, spread_options);  // the same rows, so the same labels
  ASSERT_TRUE(one.load());
  ASSERT_TRUE(spread.load());
  std::size_t compared = 0;
  for (std::string q : {"how often does src/handler.go in acme/billing retry?", "tokio-rs/tokio queue",
                        "what gives up in lib/queue.py", "cmd/server/main.go acme/ingest retries 7 times"}) {
    for (std::size_t k : {1, 5, 40}) {
      SearchOptions o{.k = k, .touch = false};
      auto a = search(one, q, o);
      auto b = search(spread, q, o);
      ASSERT_EQ(a.size(), b.size()) << q;
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].fragment.id, b[i].fragment.id) << q << " rank " << i;
        EXPECT_EQ(a[i].vector, b[i].vector) << q << " rank " << i;
        EXPECT_EQ(a[i].keyword, b[i].keyword) << q << " rank " << i;
        EXPECT_EQ(a[i].entity, b[i].entity) << q << " rank " << i;
        EXPECT_NEAR(a[i].score, b[i].score, 1e-9) << q << " rank " << i;  // recency: a little later
      }
      compared += a.size();
    }
  }
  EXPECT_GT(compared, 100u);
}

TEST_P(Memory, TwoInstancesOnOneStoreSeeEachOthersChanges) {
  auto db2 = backend_->open();
  MemoryStore second(*db2);
  ASSERT_TRUE(second.load());
  auto f = mem_->add(Fragment{.conversation_id = "c1", .content = "payments-api deploys from the release branch", .kind = "fact"});
  ASSERT_TRUE(f);
  auto seen = search(second, "payments-api deploy branch");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].fragment.id, f->id);
  // A supersession and a forget made by the second are seen by the first.
  auto newer = second.add(Fragment{.conversation_id = "c2", .content = "payments-api deploys from main now",
                                   .kind = "fact", .subject = "payments-api deploys"});
  ASSERT_TRUE(newer);
  ASSERT_TRUE(second.forget(f->id));
  auto hits = search(*mem_, "payments-api deploy branch");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].fragment.id, newer->id);
  auto older = mem_->add(Fragment{.conversation_id = "c3", .content = "payments-api deploys from a tag",
                                  .kind = "fact", .subject = "payments-api deploys"});
  ASSERT_TRUE(older);
  auto after = search(second, "payments-api deploy");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].fragment.id, older->id);  // the newest fact about the subject, from the other instance
}

TEST_P(Memory, FiltersAndLimits) {
  ASSERT_TRUE(mem_->add(Fragment{.conversation_id = "c1", .user_id = "a", .content = "grafana dashboards live in deploy/grafana", .kind = "fact"}));
  ASSERT_TRUE(mem_->add(Fragment{.conversation_id = "c2", .user_id = "b", .content = "grafana alerts page the on-call", .kind = "message"}));
  EXPECT_EQ(search(*mem_, "grafana", {.k = 10}).size(), 2u);
  EXPECT_EQ(search(*mem_, "grafana", {.k = 1}).size(), 1u);
  EXPECT_EQ(search(*mem_, "grafana", {.k = 10, .user_id = "b"}).size(), 1u);
  EXPECT_EQ(search(*mem_, "grafana", {.k = 10, .kinds = {"fact"}}).at(0).fragment.user_id, "a");
  EXPECT_TRUE(search(*mem_, "grafana", {.k = 10, .min_score = 2.0}).empty());
  EXPECT_TRUE(search(*mem_, "", {.k = 10}).empty());
  // Recall records when a memory was last used.
  auto hits = search(*mem_, "grafana dashboards", {.k = 1});
  auto stored = mem_->get(hits.at(0).fragment.id);
  EXPECT_GE((*stored)->last_accessed, (*stored)->created_at);
}

TEST_P(Memory, ForgettingAConversationForgetsItsMemories) {
  ASSERT_TRUE(mem_->remember_turn("c1", "local", "Our main branch is trunk.", ""));
  ASSERT_TRUE(mem_->remember_turn("c2", "local", "Our CI runs on buildkite.", ""));
  auto n = mem_->forget_conversation("c1");
  ASSERT_TRUE(n);
  EXPECT_GE(*n, 1);
  auto left = mem_->list({});
  for (const auto& f : *left) EXPECT_EQ(f.conversation_id, "c2");
  for (const auto& h : search(*mem_, "trunk main branch")) EXPECT_EQ(h.fragment.conversation_id, "c2");
}

TEST_P(Memory, LongConversationsFoldIntoARunningSummaryAtTurnBoundaries) {
  MemoryOptions small;
  small.history_tokens = 200;
  small.summary_tokens = 100;
  MemoryStore m(*db_, small);
  ASSERT_TRUE(m.load());
  Conversations conversations(*db_);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(conversations.append(StoredMessage{.id = "q" + std::to_string(i), .conversation_id = "long", .role = "user",
                                                   .content = "Question " + std::to_string(i) + ": " + std::string(120, 'q')}));
    ASSERT_TRUE(conversations.append(StoredMessage{.id = "a" + std::to_string(i), .conversation_id = "long", .role = "assistant",
                                                   .content = "Answer " + std::to_string(i) + ". " + std::string(120, 'a')}));
  }
  auto plan = plan_history(conversations, m, "long");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_FALSE(plan->fold.empty());
  EXPECT_EQ(plan->fold.size() % 2, 0u);  // whole turns
  EXPECT_EQ(plan->fold.front().role, "user");
  EXPECT_EQ(plan->recent.front().role, "user");
  EXPECT_EQ(plan->fold.size() + plan->recent.size(), 16u);
  std::size_t tokens = 0;
  for (const auto& r : plan->recent) tokens += approx_tokens(r.content) + 4;
  EXPECT_LE(tokens, 200u);
  auto text = extractive_summary(plan->summary, plan->fold, small.summary_tokens);
  ASSERT_TRUE(m.set_summary("long", "local", text, plan->covers + static_cast<std::int64_t>(plan->fold.size())));
  // The next plan starts after what the summary covers, and keeps it at the front.
  auto next = plan_history(conversations, m, "long");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->summary, text);
  EXPECT_EQ(next->covers, static_cast<std::int64_t>(plan->fold.size()));
  EXPECT_TRUE(next->fold.empty());
  EXPECT_EQ(next->recent.size(), plan->recent.size());
  // A newer summary supersedes the older one.
  ASSERT_TRUE(m.set_summary("long", "local", "- newer", 16));
  EXPECT_EQ((*m.summary("long"))->content, "- newer");
  EXPECT_EQ(m.list({.conversation_id = "long", .kind = "summary"})->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, Memory, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devagent::memory
