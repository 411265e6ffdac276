#include "llm/circuit_breaker.h"

#include <gtest/gtest.h>

namespace devagent::llm {
namespace {

using namespace std::chrono_literals;
using Clock = CircuitBreaker::Clock;

CircuitBreaker::Options opts() {
  return {.failures = 3, .failure_rate_percent = 50, .min_calls = 10, .window = 60s, .cooldown = 30s};
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresAndProbesAfterCooldown) {
  CircuitBreaker b(opts());
  auto t = Clock::now();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.allow(t));
    b.on_failure(t);
  }
  EXPECT_EQ(b.state(t), CircuitState::closed);
  ASSERT_TRUE(b.allow(t));
  b.on_failure(t);
  EXPECT_EQ(b.state(t), CircuitState::open);
  EXPECT_FALSE(b.allow(t + 29s));
  // Half-open: exactly one probe.
  EXPECT_EQ(b.state(t + 30s), CircuitState::half_open);
  EXPECT_TRUE(b.allow(t + 30s));
  EXPECT_FALSE(b.allow(t + 30s));
  b.on_success(t + 31s);
  EXPECT_EQ(b.state(t + 31s), CircuitState::closed);
  EXPECT_TRUE(b.allow(t + 31s));
}

TEST(CircuitBreaker, AFailedProbeOpensItAgain) {
  CircuitBreaker b(opts());
  auto t = Clock::now();
  for (int i = 0; i < 3; ++i) b.on_failure(t);
  ASSERT_TRUE(b.allow(t + 30s));
  b.on_failure(t + 30s);
  EXPECT_EQ(b.state(t + 30s), CircuitState::open);
  EXPECT_FALSE(b.allow(t + 59s));
  EXPECT_TRUE(b.allow(t + 60s));
}

TEST(CircuitBreaker, OpensOnTheFailureRateInTheWindow) {
  CircuitBreaker b(opts());
  auto t = Clock::now();
  // Alternating success and failure: never 3 in a row, but 50% of 10 calls.
  for (int i = 0; i < 9; ++i) {
    if (i % 2) b.on_failure(t); else b.on_success(t);
  }
  EXPECT_EQ(b.state(t), CircuitState::closed);
  b.on_failure(t);  // 10 calls, 5 failures
  EXPECT_EQ(b.state(t), CircuitState::open);
}

TEST(CircuitBreaker, OldFailuresLeaveTheWindow) {
  CircuitBreaker b(opts());
  auto t = Clock::now();
  for (int i = 0; i < 5; ++i) {
    b.on_success(t);
    b.on_failure(t);
  }
  EXPECT_EQ(b.state(t), CircuitState::open);  // sanity: rate trips at 10 calls
  CircuitBreaker c(opts());
  for (int i = 0; i < 4; ++i) {
    c.on_success(t);
    c.on_failure(t);
  }
  // 61 s later the 8 old calls are gone: 2 new calls with one failure do not trip.
  c.on_success(t + 61s);
  c.on_failure(t + 61s);
  EXPECT_EQ(c.state(t + 61s), CircuitState::closed);
}

TEST(CircuitBreaker, NeutralOutcomeFreesTheProbe) {
  CircuitBreaker b(opts());
  auto t = Clock::now();
  for (int i = 0; i < 3; ++i) b.on_failure(t);
  ASSERT_TRUE(b.allow(t + 30s));
  b.on_neutral();  // the probe was cancelled: says nothing about health
  EXPECT_TRUE(b.allow(t + 30s));
}

}  // namespace
}  // namespace devagent::llm
