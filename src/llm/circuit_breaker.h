// A circuit breaker for one route candidate (provider:model).
//
// closed: calls go through; failures are counted. It opens after
// `failures` consecutive failures, or when at least `min_calls` calls in the
// last `window` saw `failure_rate`% or more failures.
// open: calls are refused until `cooldown` has passed, then it is half-open.
// half_open: exactly one probe call goes through; its success closes the
// circuit, its failure opens it for another cooldown.
// Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string_view>

namespace devagent::llm {

enum class CircuitState { closed, half_open, open };
std::string_view to_string(CircuitState s);

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int failures = 5;
    int failure_rate_percent = 50;
    int min_calls = 10;
    std::chrono::milliseconds window{60'000};
    std::chrono::milliseconds cooldown{30'000};
  };

  explicit CircuitBreaker(Options o) : options_(o) {}

  // Whether a call may start now. In half-open, the first caller gets the
  // probe and the rest are refused until it reports.
  bool allow(Clock::time_point now = Clock::now());
  void on_success(Clock::time_point now = Clock::now());
  void on_failure(Clock::time_point now = Clock::now());
  // A call that was allowed but ended for a reason that says nothing about
  // the upstream's health (cancelled, bad request): frees a half-open probe.
  void on_neutral();

  CircuitState state(Clock::time_point now = Clock::now()) const;
  int consecutive_failures() const;

 private:
  void prune(Clock::time_point now);
  void open(Clock::time_point now);
  Options options_;
  mutable std::mutex mutex_;
  CircuitState state_ = CircuitState::closed;
  Clock::time_point opened_at_{};
  bool probe_in_flight_ = false;
  int consecutive_ = 0;
  std::deque<std::pair<Clock::time_point, bool>> window_;  // (when, failed)
  int window_failures_ = 0;
};

}  // namespace devagent::llm
