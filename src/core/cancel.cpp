#include "core/cancel.h"

#include <vector>

namespace devagent {

CancelRegistration& CancelRegistration::operator=(CancelRegistration&& o) noexcept {
  if (this != &o) {
    reset();
    state_ = std::move(o.state_);
    id_ = o.id_;
    o.id_ = 0;
  }
  return *this;
}

void CancelRegistration::reset() {
  if (id_ == 0) return;
  if (auto s = state_.lock()) {
    std::lock_guard lock(s->mutex);
    s->callbacks.erase(id_);
  }
  id_ = 0;
  state_.reset();
}

std::string CancelToken::reason() const {
  if (!state_) return {};
  std::lock_guard lock(state_->mutex);
  return state_->reason;
}

CancelRegistration CancelToken::on_cancel(std::function<void()> fn) const {
  if (!state_) return {};
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->cancelled.load(std::memory_order_acquire)) {
      auto id = state_->next_id++;
      state_->callbacks.emplace(id, std::move(fn));
      return CancelRegistration(state_, id);
    }
  }
  fn();
  return {};
}

void CancelSource::cancel(std::string reason) {
  std::map<std::uint64_t, std::function<void()>> callbacks;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->cancelled.load(std::memory_order_acquire)) return;
    state_->reason = std::move(reason);
    state_->cancelled.store(true, std::memory_order_release);
    callbacks.swap(state_->callbacks);
  }
  for (auto& [id, fn] : callbacks) fn();
}

std::pair<CancelSource, CancelRegistration> CancelSource::child_of(const CancelToken& parent) {
  CancelSource child;
  std::weak_ptr<detail::CancelState> weak = child.state_;
  auto reg = parent.on_cancel([weak, parent] {
    if (auto s = weak.lock()) {
      CancelSource tmp;
      tmp.state_ = s;
      tmp.cancel(parent.reason());
    }
  });
  return {std::move(child), std::move(reg)};
}

}  // namespace devagent
