#include "server/runs.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

namespace devagent::server {
namespace asio = boost::asio;

std::string new_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  auto a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) {
    id[static_cast<size_t>(i)] = hex[(a >> (i * 4)) & 0xf];
    id[static_cast<size_t>(i) + 16] = hex[(b >> (i * 4)) & 0xf];
  }
  return id;
}

Run::Run(std::string id, std::string conversation_id, std::string message_id, std::size_t max_events)
    : id_(std::move(id)),
      conversation_id_(std::move(conversation_id)),
      message_id_(std::move(message_id)),
      max_events_(std::max<std::size_t>(max_events, 1)) {}

bool Run::cancel(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (done_) return false;
  }
  cancel_.cancel(reason);
  return true;
}

void Run::push(std::string kind, boost::json::object data) {
  std::unique_lock lock(mutex_);
  if (done_) return;
  events_.push_back(RunEvent{++last_seq_, std::move(kind), std::move(data)});
  while (events_.size() > max_events_) events_.pop_front();
  wake(lock);
}

void Run::finish(RunOutcome outcome) {
  std::unique_lock lock(mutex_);
  if (done_) return;
  done_ = true;
  outcome_ = std::move(outcome);
  finished_at_ = std::chrono::steady_clock::now();
  wake(lock);
}

void Run::wake(std::unique_lock<std::mutex>& lock) {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  lock.unlock();
  for (auto& w : waiters) w();
}

Run::Snapshot Run::since(std::uint64_t after) const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  for (const auto& e : events_) {
    if (e.seq > after) s.events.push_back(e);
  }
  s.done = done_;
  return s;
}

bool Run::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

std::uint64_t Run::last_seq() const {
  std::lock_guard lock(mutex_);
  return last_seq_;
}

std::optional<RunOutcome> Run::outcome() const {
  std::lock_guard lock(mutex_);
  return outcome_;
}

std::chrono::steady_clock::time_point Run::finished_at() const {
  std::lock_guard lock(mutex_);
  return finished_at_;
}

asio::awaitable<bool> Run::wait(std::uint64_t after, std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, timeout);
  {
    std::lock_guard lock(mutex_);
    if (last_seq_ > after || done_) co_return true;
    // Posted to the waiter's executor: it runs after async_wait below has
    // started, since the waiter holds that (serial) executor until then.
    // Weak: a waiter that timed out must not keep its timer (and so its
    // io_context's service) alive inside a run that outlives the server.
    std::weak_ptr<asio::steady_timer> weak = timer;
    waiters_.push_back([weak] {
      auto t = weak.lock();
      if (!t) return;
      asio::post(t->get_executor(), [weak] {
        if (auto alive = weak.lock()) alive->cancel();
      });
    });
  }
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return ec == asio::error::operation_aborted;
}

std::shared_ptr<Run> RunRegistry::create(std::string conversation_id, std::string message_id) {
  auto run = std::make_shared<Run>(new_id(), std::move(conversation_id), std::move(message_id), options_.max_events);
  std::lock_guard lock(mutex_);
  prune();
  runs_.emplace(run->id(), run);
  return run;
}

std::shared_ptr<Run> RunRegistry::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : it->second;
}

void RunRegistry::prune() {
  // A full pass costs a look at every run, so it is taken at most once a
  // second (a finished run may outstay keep_finished by that much) unless
  // the registry is full; a full one is cut to nine tenths of max_runs, so
  // the next few hundred runs do not each pay for a sort.
  auto now = std::chrono::steady_clock::now();
  if (runs_.size() < options_.max_runs && now - last_prune_ < std::chrono::seconds(1)) return;
  last_prune_ = now;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> finished;
  for (auto it = runs_.begin(); it != runs_.end();) {
    const auto& run = *it->second;
    if (run.done() && now - run.finished_at() > options_.keep_finished) {
      it = runs_.erase(it);
      continue;
    }
    if (run.done()) finished.emplace_back(run.finished_at(), it->first);
    ++it;
  }
  if (runs_.size() < options_.max_runs) return;
  const std::size_t target = options_.max_runs - options_.max_runs / 10;
  std::sort(finished.begin(), finished.end());
  for (const auto& [at, id] : finished) {
    if (runs_.size() <= target) break;
    runs_.erase(id);
  }
}

}  // namespace devagent::server
