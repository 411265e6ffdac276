#include "llm/budget.h"

#include "store/backend.h"
#include "store/store.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <random>
#include <thread>
#include <vector>

namespace devagent::llm {
namespace {

// A migrated (or bare) Database on the test's backend.
std::unique_ptr<store::Database> open_db(const store::testing::Backend& backend, bool migrated = true) {
  auto db = backend.open(4);
  if (migrated) {
    auto v = store::migrate(*db);
    if (!v) ADD_FAILURE() << v.error().message;
  }
  return db;
}

// A UTC day `offset` days from today, as the store writes it.
std::string utc_day(int offset) {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(system_clock::now()) + days{offset}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

BudgetGuard::Standing standing(BudgetGuard& guard, const std::string& principal) {
  auto s = guard.standing(principal);
  EXPECT_TRUE(s) << s.error().message;
  return s ? *s : BudgetGuard::Standing{};
}

// Every test runs on SQLite and on PostgreSQL (see tests/store/backend.h).
class BudgetTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && !store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
    backend_ = std::make_unique<store::testing::Backend>(GetParam());
    db_ = open_db(*backend_);
  }
  void TearDown() override {
    db_.reset();
    backend_.reset();
  }

  std::unique_ptr<store::testing::Backend> backend_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(BudgetTest, NoLimitGivesInactiveReservationWithoutTouchingTheStore) {
  // Not migrated: any query against budget_usage would fail.
  store::testing::Backend bare_backend(GetParam());
  auto bare = open_db(bare_backend, /*migrated=*/false);
  BudgetGuard guard(*bare, BudgetLimits{});
  EXPECT_FALSE(guard.enabled());
  auto r = guard.reserve("alice", 1'000'000, 1'000'000'000);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->active());
  r->settle(5, 5);                                                 // no-op
  EXPECT_FALSE(bare->query("SELECT COUNT(*) FROM budget_usage"));  // still no table
}

TEST_P(BudgetTest, ReservationWithinLimitSucceedsAndSettles) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto r = guard.reserve("alice", 300, 7);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->active());
  auto s = standing(guard, "alice");
  EXPECT_EQ(s.tokens_reserved, 300);
  EXPECT_EQ(s.cost_reserved_nanos, 7);  // costs are tracked even without a cost limit
  EXPECT_EQ(s.tokens_used, 0);

  r->settle(200, 5);
  EXPECT_FALSE(r->active());
  s = standing(guard, "alice");
  EXPECT_EQ(s.tokens_used, 200);
  EXPECT_EQ(s.tokens_reserved, 0);
  EXPECT_EQ(s.cost_used_nanos, 5);
  EXPECT_EQ(s.cost_reserved_nanos, 0);

  r->settle(999, 999);  // settling twice does nothing
  EXPECT_EQ(standing(guard, "alice").tokens_used, 200);
  EXPECT_EQ(standing(guard, "bob").tokens_used, 0);  // principals are independent
}

TEST_P(BudgetTest, RefusalNamesTheLimitAndTheResetTime) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto spent = guard.reserve("alice", 900, 0);
  ASSERT_TRUE(spent);
  spent->settle(900, 0);
  auto held = guard.reserve("alice", 60, 0);
  ASSERT_TRUE(held);

  auto refused = guard.reserve("alice", 100, 0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::rate_limited);
  const std::string& m = refused.error().message;
  EXPECT_NE(m.find("daily token limit of 1000 tokens would be exceeded"), std::string::npos) << m;
  EXPECT_NE(m.find("900 tokens used"), std::string::npos) << m;
  EXPECT_NE(m.find("60 tokens reserved"), std::string::npos) << m;
  EXPECT_NE(m.find("40 tokens left"), std::string::npos) << m;
  // The test may straddle midnight; either next midnight is right then.
  bool names_reset = m.find("resets at " + utc_day(1) + "T00:00:00Z") != std::string::npos ||
                     m.find("resets at " + utc_day(2) + "T00:00:00Z") != std::string::npos;
  EXPECT_TRUE(names_reset) << m;

  auto wait = BudgetGuard::until_reset();
  EXPECT_GE(wait.count(), 1);
  EXPECT_LE(wait.count(), 24 * 3600);

  // The refusal reserved nothing; what is left can still be taken.
  EXPECT_EQ(standing(guard, "alice").tokens_reserved, 60);
  EXPECT_TRUE(guard.reserve("alice", 40, 0));
}

TEST_P(BudgetTest, SettledReservationFreesTheUnusedPart) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto r = guard.reserve("alice", 1000, 0);
  ASSERT_TRUE(r);
  EXPECT_FALSE(guard.reserve("alice", 1, 0));
  r->settle(400, 0);
  auto next = guard.reserve("alice", 600, 0);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_FALSE(guard.reserve("alice", 1, 0));
}

TEST_P(BudgetTest, UnsettledReservationIsReleasedOnDestruction) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  {
    auto r = guard.reserve("alice", 700, 3);
    ASSERT_TRUE(r);
    EXPECT_EQ(standing(guard, "alice").tokens_reserved, 700);
  }
  auto s = standing(guard, "alice");
  EXPECT_EQ(s.tokens_reserved, 0);
  EXPECT_EQ(s.tokens_used, 0);
  EXPECT_EQ(s.cost_reserved_nanos, 0);
  EXPECT_TRUE(guard.reserve("alice", 1000, 0));
}

TEST_P(BudgetTest, MovingHandsOverTheReservationOnce) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto a = guard.reserve("alice", 300, 0);
  auto b = guard.reserve("alice", 200, 0);
  ASSERT_TRUE(a && b);
  Reservation kept = std::move(*a);
  EXPECT_FALSE(a->active());
  EXPECT_TRUE(kept.active());
  kept = std::move(*b);  // the 300 it held is released
  EXPECT_EQ(standing(guard, "alice").tokens_reserved, 200);
  kept.settle(150, 0);
  auto s = standing(guard, "alice");
  EXPECT_EQ(s.tokens_reserved, 0);
  EXPECT_EQ(s.tokens_used, 150);
}

TEST_P(BudgetTest, CostLimitIsCheckedSeparately) {
  BudgetGuard cost_only(*db_, BudgetLimits{.daily_cost_nanos = 1'000'000'000});  // $1
  auto big = cost_only.reserve("alice", 50'000'000, 600'000'000);                // no token limit
  ASSERT_TRUE(big) << big.error().message;
  auto refused = cost_only.reserve("alice", 1, 500'000'000);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::rate_limited);
  const std::string& m = refused.error().message;
  EXPECT_NE(m.find("daily cost limit of $1.000000 would be exceeded"), std::string::npos) << m;
  EXPECT_NE(m.find("$0.600000 reserved"), std::string::npos) << m;
  EXPECT_NE(m.find("$0.400000 left"), std::string::npos) << m;
  EXPECT_NE(m.find("resets at "), std::string::npos) << m;
  big->settle(1, 0);

  // With both limits, the one that is passed is the one named.
  BudgetGuard both(*db_, BudgetLimits{.daily_tokens = 1'000'000, .daily_cost_nanos = 1'000'000'000});
  auto over_cost = both.reserve("bob", 10, 2'000'000'000);
  ASSERT_FALSE(over_cost);
  EXPECT_NE(over_cost.error().message.find("daily cost limit"), std::string::npos) << over_cost.error().message;
  auto over_tokens = both.reserve("bob", 2'000'000, 10);
  ASSERT_FALSE(over_tokens);
  EXPECT_NE(over_tokens.error().message.find("daily token limit"), std::string::npos) << over_tokens.error().message;
  EXPECT_TRUE(both.reserve("bob", 1'000'000, 1'000'000'000));
}

TEST_P(BudgetTest, DaysAreIndependent) {
  ASSERT_TRUE(db_->execute(
      "INSERT INTO budget_usage (principal, day, tokens_used, tokens_reserved, cost_used_nanos, cost_reserved_nanos, "
      "updated_at) VALUES (?, ?, 1000, 500, 9, 9, 0)",
      {std::string("alice"), utc_day(-1)}));
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto r = guard.reserve("alice", 1000, 0);
  ASSERT_TRUE(r) << r.error().message;
  r->settle(10, 0);
  auto yesterday = db_->query("SELECT tokens_used, tokens_reserved FROM budget_usage WHERE principal = ? AND day = ?",
                              {std::string("alice"), utc_day(-1)});
  ASSERT_TRUE(yesterday);
  ASSERT_EQ(yesterday->rows.size(), 1u);
  EXPECT_EQ(yesterday->rows[0].integer(0), 1000);
  EXPECT_EQ(yesterday->rows[0].integer(1), 500);
}

TEST_P(BudgetTest, ReservedNeverGoesNegativeAndUnderReservingShowsInUsed) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto r = guard.reserve("alice", 100, 100);
  ASSERT_TRUE(r);
  // Someone else's bookkeeping went wrong: less is reserved than this call holds.
  ASSERT_TRUE(db_->execute("UPDATE budget_usage SET tokens_reserved = 10, cost_reserved_nanos = 0"));
  r->settle(150, 150);  // more than was reserved
  auto s = standing(guard, "alice");
  EXPECT_EQ(s.tokens_reserved, 0);
  EXPECT_EQ(s.cost_reserved_nanos, 0);
  EXPECT_EQ(s.tokens_used, 150);
  EXPECT_EQ(s.cost_used_nanos, 150);
}

TEST_P(BudgetTest, RejectsNegativeAmountsAndNoPrincipal) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = 1000});
  auto negative = guard.reserve("alice", -1, 0);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().kind, ErrorKind::invalid_argument);
  auto nobody = guard.reserve("", 1, 0);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().kind, ErrorKind::invalid_argument);
}

// ---- concurrency ----

constexpr std::int64_t kLimit = 10'000;
constexpr std::int64_t kAsk = 1'000;
constexpr int kThreads = 50;

struct Contention {
  int granted = 0;
  int refused = 0;
  int failed = 0;  // any error other than a refusal
  std::int64_t settled_sum = 0;
  std::int64_t worst_view = 0;  // the most ever seen held + settled, by the test's own count
  int most_held = 0;            // the most reservations ever held at once
};

// kThreads threads start together, each reserves kAsk tokens through one of
// `guards` (round robin), holds it briefly so reservations overlap, and
// settles it at the full amount or a random part of it.
//
// The test keeps its own count: a reservation is counted as held from just
// after it is granted to just before it is settled, and its actual use counts
// once settling has returned. So at any moment the count is at most what the
// store holds as used + reserved, and any overspend by the guard shows up here.
Contention contend(const std::vector<BudgetGuard*>& guards, bool settle_full) {
  std::atomic<int> granted{0}, refused{0}, failed{0}, held{0}, most_held{0};
  std::atomic<std::int64_t> held_tokens{0}, settled{0}, worst_view{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      BudgetGuard& guard = *guards[static_cast<size_t>(i) % guards.size()];
      std::mt19937 rng(static_cast<unsigned>(i));
      start.arrive_and_wait();
      auto r = guard.reserve("team", kAsk, 0);
      if (!r) {
        (r.error().kind == ErrorKind::rate_limited ? refused : failed)++;
        return;
      }
      ++granted;
      int now_held = ++held;
      std::int64_t view = (held_tokens += kAsk) + settled.load();
      for (int m = most_held.load(); now_held > m && !most_held.compare_exchange_weak(m, now_held);) {
      }
      for (std::int64_t w = worst_view.load(); view > w && !worst_view.compare_exchange_weak(w, view);) {
      }

      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 20));
      std::int64_t actual = settle_full ? kAsk : std::uniform_int_distribution<std::int64_t>(0, kAsk)(rng);
      --held;
      held_tokens -= kAsk;
      r->settle(actual, 0);
      settled += actual;
    });
  }
  for (auto& t : threads) t.join();
  return Contention{granted.load(), refused.load(), failed.load(), settled.load(), worst_view.load(), most_held.load()};
}

void expect_no_overspend(const Contention& c, BudgetGuard& guard, bool settle_full) {
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(c.granted + c.refused + c.failed, kThreads);
  EXPECT_LE(c.most_held * kAsk, kLimit);
  EXPECT_LE(c.worst_view, kLimit);
  EXPECT_GE(c.granted, 10);  // the first ten can never be refused
  EXPECT_GT(c.refused, 0);
  auto s = standing(guard, "team");
  EXPECT_EQ(s.tokens_reserved, 0);
  EXPECT_EQ(s.tokens_used, c.settled_sum);  // every settlement landed exactly once
  EXPECT_LE(s.tokens_used + s.tokens_reserved, kLimit);
  if (settle_full) {
    EXPECT_EQ(c.granted, 10);
    EXPECT_EQ(s.tokens_used, kLimit);
  }
}

TEST_P(BudgetTest, ConcurrentReservationsNeverPassTheLimit) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = kLimit});
  auto c = contend({&guard}, /*settle_full=*/false);
  expect_no_overspend(c, guard, false);
}

TEST_P(BudgetTest, TwoInstancesOnOneDatabaseNeverPassTheLimit) {
  auto other = open_db(*backend_);  // a second "instance": its own Database, same data
  BudgetGuard first(*db_, BudgetLimits{.daily_tokens = kLimit});
  BudgetGuard second(*other, BudgetLimits{.daily_tokens = kLimit});
  auto c = contend({&first, &second}, /*settle_full=*/false);
  expect_no_overspend(c, first, false);
}

TEST_P(BudgetTest, UsedNeverPassesTheLimitWhenEveryCallUsesItsFullReservation) {
  BudgetGuard guard(*db_, BudgetLimits{.daily_tokens = kLimit});
  auto c = contend({&guard}, /*settle_full=*/true);
  expect_no_overspend(c, guard, true);
}

TEST_P(BudgetTest, TwoInstancesUseExactlyTheLimitWhenEveryCallUsesItsFullReservation) {
  auto other = open_db(*backend_);
  BudgetGuard first(*db_, BudgetLimits{.daily_tokens = kLimit});
  BudgetGuard second(*other, BudgetLimits{.daily_tokens = kLimit});
  auto c = contend({&first, &second}, /*settle_full=*/true);
  expect_no_overspend(c, second, true);
}

TEST_P(BudgetTest, APrincipalsOwnTokenLimitAppliesWithoutAConfiguredOne) {
  BudgetGuard guard(*db_, BudgetLimits{});  // no configured limit
  ASSERT_FALSE(guard.enabled());
  auto within = guard.reserve("key-a", 60, 0, 100);
  ASSERT_TRUE(within) << within.error().message;
  EXPECT_TRUE(within->active());
  within->settle(60, 0);
  auto over = guard.reserve("key-a", 50, 0, 100);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, devagent::ErrorKind::rate_limited);
  EXPECT_NE(over.error().message.find("daily token limit of 100 tokens"), std::string::npos) << over.error().message;
  // Another principal, and the same one without its own limit, are not held back.
  EXPECT_TRUE(guard.reserve("key-b", 50, 0, 100));
  auto unlimited = guard.reserve("key-a", 50, 0);
  ASSERT_TRUE(unlimited);
  EXPECT_FALSE(unlimited->active());
}

INSTANTIATE_TEST_SUITE_P(Backends, BudgetTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devagent::llm
