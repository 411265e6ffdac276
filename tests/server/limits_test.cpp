// The limiter: a sliding minute of requests per bucket and stream leases, in
// this process (local) and in the store (shared, on both backends). Time is
// a parameter, so the window is tested without waiting.
#include "server/limits.h"

#include "store/backend.h"
#include "store/store.h"

#include <gtest/gtest.h>

namespace devagent::server {
namespace {

using namespace std::chrono_literals;

// "local", "shared-sqlite", "shared-postgres".
class LimiterTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      limiter_ = std::make_unique<Limiter>(nullptr);
      return;
    }
    std::string driver = GetParam().substr(7);
    if (driver == "postgres" && !store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
    backend_ = std::make_unique<store::testing::Backend>(driver);
    db_ = backend_->open(4);
    auto v = store::migrate(*db_);
    ASSERT_TRUE(v) << v.error().message;
    limiter_ = std::make_unique<Limiter>(db_.get());
  }

  RateDecision hit(const std::string& bucket, std::int64_t limit, std::int64_t now) {
    auto d = limiter_->hit(bucket, limit, now);
    EXPECT_TRUE(d) << d.error().message;
    return d ? *d : RateDecision{};
  }

  std::unique_ptr<store::testing::Backend> backend_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Limiter> limiter_;
};

constexpr std::int64_t t0 = 1'800'000'000'000;

TEST_P(LimiterTest, TheLimitPerMinuteHoldsAndRetryAfterPointsAtTheOldestRequest) {
  EXPECT_EQ(hit("key:a", 3, t0).count, 1);
  EXPECT_EQ(hit("key:a", 3, t0 + 10'000).count, 2);
  EXPECT_EQ(hit("key:a", 3, t0 + 20'000).count, 3);
  auto refused = hit("key:a", 3, t0 + 30'000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 30s);  // the first request leaves the window at t0 + 60 s
  // Refusals are not counted: once the first request is a minute old, one more fits.
  EXPECT_FALSE(hit("key:a", 3, t0 + 59'999).allowed);
  EXPECT_EQ(hit("key:a", 3, t0 + 60'000).count, 3);
  EXPECT_FALSE(hit("key:a", 3, t0 + 60'001).allowed);
}

TEST_P(LimiterTest, BucketsAreIndependentAndZeroMeansNoLimit) {
  EXPECT_TRUE(hit("key:a", 1, t0).allowed);
  EXPECT_FALSE(hit("key:a", 1, t0).allowed);
  EXPECT_TRUE(hit("key:b", 1, t0).allowed);
  EXPECT_TRUE(hit("ip:127.0.0.1", 1, t0).allowed);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(hit("key:c", 0, t0).allowed);
}

TEST_P(LimiterTest, RetryAfterIsAtLeastOneSecond) {
  EXPECT_TRUE(hit("key:a", 1, t0).allowed);
  EXPECT_EQ(hit("key:a", 1, t0 + 59'900).retry_after, 1s);
}

TEST_P(LimiterTest, StreamSlotsAreTakenAndGivenBack) {
  auto first = limiter_->acquire_stream("a", 2, 60s, t0);
  auto second = limiter_->acquire_stream("a", 2, 60s, t0);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->has_value() && second->has_value());
  auto third = limiter_->acquire_stream("a", 2, 60s, t0);
  ASSERT_TRUE(third);
  EXPECT_FALSE(third->has_value());
  EXPECT_TRUE(limiter_->acquire_stream("b", 2, 60s, t0)->has_value());  // another key
  ASSERT_TRUE(limiter_->release_stream(**first));
  EXPECT_TRUE(limiter_->acquire_stream("a", 2, 60s, t0)->has_value());
  EXPECT_TRUE(limiter_->acquire_stream("c", 0, 60s, t0)->has_value());  // no limit
}

TEST_P(LimiterTest, SharedLeasesExpireUnlessRenewed) {
  if (!limiter_->shared()) GTEST_SKIP() << "local leases end with the process";
  auto crashed = limiter_->acquire_stream("a", 1, 60s, t0);  // never released: its instance crashed
  ASSERT_TRUE(crashed && crashed->has_value());
  EXPECT_FALSE(limiter_->acquire_stream("a", 1, 60s, t0 + 59'000)->has_value());
  ASSERT_TRUE(limiter_->renew_stream(**crashed, 60s, t0 + 30'000));
  EXPECT_FALSE(limiter_->acquire_stream("a", 1, 60s, t0 + 89'000)->has_value());
  EXPECT_TRUE(limiter_->acquire_stream("a", 1, 60s, t0 + 90'000)->has_value());
}

TEST_P(LimiterTest, TwoInstancesShareTheCount) {
  if (!limiter_->shared()) GTEST_SKIP() << "local counts belong to one process";
  auto other_db = backend_->open(2);
  Limiter other(other_db.get());
  EXPECT_TRUE(hit("key:a", 3, t0).allowed);
  EXPECT_TRUE(other.hit("key:a", 3, t0 + 1)->allowed);
  EXPECT_TRUE(hit("key:a", 3, t0 + 2).allowed);
  EXPECT_FALSE(other.hit("key:a", 3, t0 + 3)->allowed);
  auto lease = other.acquire_stream("a", 1, 60s, t0);
  ASSERT_TRUE(lease && lease->has_value());
  EXPECT_FALSE(limiter_->acquire_stream("a", 1, 60s, t0)->has_value());
}

INSTANTIATE_TEST_SUITE_P(Modes, LimiterTest, ::testing::Values("local", "shared-sqlite", "shared-postgres"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name) if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace devagent::server
