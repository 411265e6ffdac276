// Cooperative cancellation shared by the server, the agent and upstream calls.
//
// A CancelSource owns the decision; CancelTokens observe it. Work checks
// `cancelled()` at safe points or registers a callback that runs once, on the
// thread that calls cancel() (or at once, if already cancelled). Callbacks
// must be short and must not block: typically they post a socket close to the
// socket's executor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace devagent {

class CancelToken;

namespace detail {
struct CancelState {
  std::atomic<bool> cancelled{false};
  std::mutex mutex;
  std::string reason;
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, std::function<void()>> callbacks;
};
}  // namespace detail

// Unregisters its callback when destroyed. Movable, not copyable.
class CancelRegistration {
 public:
  CancelRegistration() = default;
  CancelRegistration(std::weak_ptr<detail::CancelState> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
  CancelRegistration(CancelRegistration&& o) noexcept : state_(std::move(o.state_)), id_(o.id_) { o.id_ = 0; }
  CancelRegistration& operator=(CancelRegistration&& o) noexcept;
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;
  ~CancelRegistration() { reset(); }
  void reset();

 private:
  std::weak_ptr<detail::CancelState> state_;
  std::uint64_t id_ = 0;
};

class CancelToken {
 public:
  CancelToken() = default;  // never cancelled
  bool cancelled() const { return state_ && state_->cancelled.load(std::memory_order_acquire); }
  std::string reason() const;
  // Runs fn when cancellation happens (or now, if it already has).
  [[nodiscard]] CancelRegistration on_cancel(std::function<void()> fn) const;

 private:
  friend class CancelSource;
  explicit CancelToken(std::shared_ptr<detail::CancelState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::CancelState> state_;
};

class CancelSource {
 public:
  CancelSource() : state_(std::make_shared<detail::CancelState>()) {}
  CancelToken token() const { return CancelToken(state_); }
  // Idempotent: the first call runs the callbacks and records the reason.
  void cancel(std::string reason = "cancelled");
  bool cancelled() const { return state_->cancelled.load(std::memory_order_acquire); }

  // A child source is cancelled when its parent is (and can also be cancelled
  // on its own). Keep the returned registration alive as long as the child.
  static std::pair<CancelSource, CancelRegistration> child_of(const CancelToken& parent);

 private:
  std::shared_ptr<detail::CancelState> state_;
};

}  // namespace devagent
