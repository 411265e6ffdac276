#include "core/parallel.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace devagent {

std::size_t helper_threads() {
  static const std::size_t n = std::max(2u, std::thread::hardware_concurrency()) - 1;
  return n;
}

boost::asio::thread_pool& helper_pool() {
  static boost::asio::thread_pool pool(helper_threads());
  return pool;
}

namespace {

// What the caller and its helpers share. A helper that starts after the
// call has returned (its pool was busy) finds every task claimed and leaves
// without touching the tasks, which may be gone by then.
struct Shared {
  std::span<const std::function<void()>> tasks;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex error_mutex;
  std::exception_ptr error;

  void work() {
    for (;;) {
      std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= tasks.size()) return;
      try {
        tasks[i]();
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == tasks.size()) done.notify_all();
    }
  }
};

}  // namespace

void run_shared(std::span<const std::function<void()>> tasks, boost::asio::thread_pool& pool, std::size_t helpers) {
  if (tasks.empty()) return;
  auto shared = std::make_shared<Shared>();
  shared->tasks = tasks;
  for (std::size_t i = 0, n = std::min(helpers, tasks.size() - 1); i < n; ++i) {
    boost::asio::post(pool, [shared] { shared->work(); });
  }
  shared->work();
  for (std::size_t d = shared->done.load(std::memory_order_acquire); d < tasks.size();
       d = shared->done.load(std::memory_order_acquire)) {
    shared->done.wait(d, std::memory_order_acquire);
  }
  if (shared->error) std::rethrow_exception(shared->error);
}

}  // namespace devagent
