#include "llm/circuit_breaker.h"

namespace devagent::llm {

std::string_view to_string(CircuitState s) {
  switch (s) {
    case CircuitState::closed: return "closed";
    case CircuitState::half_open: return "half_open";
    case CircuitState::open: return "open";
  }
  return "closed";
}

void CircuitBreaker::prune(Clock::time_point now) {
  while (!window_.empty() && now - window_.front().first > options_.window) {
    if (window_.front().second) --window_failures_;
    window_.pop_front();
  }
}

void CircuitBreaker::open(Clock::time_point now) {
  state_ = CircuitState::open;
  opened_at_ = now;
  probe_in_flight_ = false;
  window_.clear();
  window_failures_ = 0;
}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (state_ == CircuitState::open && now - opened_at_ >= options_.cooldown) state_ = CircuitState::half_open;
  switch (state_) {
    case CircuitState::closed: return true;
    case CircuitState::open: return false;
    case CircuitState::half_open:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return true;
}

void CircuitBreaker::on_success(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  consecutive_ = 0;
  if (state_ != CircuitState::closed) {
    state_ = CircuitState::closed;
    probe_in_flight_ = false;
    window_.clear();
    window_failures_ = 0;
  }
  window_.emplace_back(now, false);
  prune(now);
}

void CircuitBreaker::on_failure(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  ++consecutive_;
  if (state_ == CircuitState::half_open || state_ == CircuitState::open) {
    open(now);
    return;
  }
  window_.emplace_back(now, true);
  ++window_failures_;
  prune(now);
  auto calls = static_cast<int>(window_.size());
  bool rate_tripped =
      calls >= options_.min_calls && window_failures_ * 100 >= options_.failure_rate_percent * calls;
  if (consecutive_ >= options_.failures || rate_tripped) open(now);
}

void CircuitBreaker::on_neutral() {
  std::lock_guard lock(mutex_);
  probe_in_flight_ = false;
}

CircuitState CircuitBreaker::state(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (state_ == CircuitState::open && now - opened_at_ >= options_.cooldown) return CircuitState::half_open;
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mutex_);
  return consecutive_;
}

}  // namespace devagent::llm
