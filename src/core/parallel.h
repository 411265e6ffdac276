// Spreading one request's CPU work over the cores: run_shared runs a list of
// tasks on the calling thread and on helper threads at once. The caller
// never waits for a helper to become free: tasks are claimed in order from a
// shared counter, and what no helper has claimed by the time the caller gets
// to it, the caller runs itself; it waits only for tasks a helper is running.
// So a busy helper pool costs the call no more than running the tasks one
// after the other (memory search splits a query this way:
// docs/memory.md, "Search on several cores").
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <functional>
#include <span>

namespace devagent {

// The process-wide helper pool: one thread fewer than the machine has (at
// least one), at normal priority.
boost::asio::thread_pool& helper_pool();
std::size_t helper_threads();

// Runs every task exactly once, on this thread and on up to `helpers` threads
// of `pool`, and returns when all have run. An exception from a task is
// rethrown here (the first one) after every task has run or been claimed.
void run_shared(std::span<const std::function<void()>> tasks, boost::asio::thread_pool& pool, std::size_t helpers);
inline void run_shared(std::span<const std::function<void()>> tasks) {
  run_shared(tasks, helper_pool(), helper_threads());
}

}  // namespace devagent
