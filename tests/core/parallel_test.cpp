// run_shared: every task once, on the caller and helpers, errors back to the
// caller, and no waiting on a pool that is busy elsewhere.
#include "core/parallel.h"

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace devagent {
namespace {

TEST(RunShared, RunsEveryTaskOnceOnTheCallerAndTheHelpers) {
  boost::asio::thread_pool pool(3);
  std::mutex m;
  std::set<std::thread::id> threads;
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> runs(40);
    std::vector<std::function<void()>> tasks;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      tasks.emplace_back([&, i] {
        runs[i].fetch_add(1);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::lock_guard lock(m);
        threads.insert(std::this_thread::get_id());
      });
    }
    run_shared(tasks, pool, 3);
    for (std::size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << "task " << i;
  }
  EXPECT_GT(threads.size(), 1u);  // helpers took part
  pool.join();
}

TEST(RunShared, RethrowsATasksErrorAfterTheOthersRan) {
  boost::asio::thread_pool pool(1);
  std::atomic<int> ran{0};
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < 8; ++i) {
    tasks.emplace_back([&, i] {
      ran.fetch_add(1);
      if (i == 3) throw std::runtime_error("task 3 failed");
    });
  }
  try {
    run_shared(tasks, pool, 1);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task 3 failed");
  }
  EXPECT_EQ(ran.load(), 8);
  pool.join();
}

TEST(RunShared, TheCallerRunsEverythingWhenTheHelpersAreBusy) {
  boost::asio::thread_pool pool(1);
  std::promise<void> release;
  auto held = release.get_future().share();
  boost::asio::post(pool, [held] { held.wait(); });  // the only helper, busy until released
  std::vector<std::thread::id> ran_on;
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < 5; ++i) tasks.emplace_back([&] { ran_on.push_back(std::this_thread::get_id()); });
  run_shared(tasks, pool, 1);  // returns without the helper
  ASSERT_EQ(ran_on.size(), 5u);
  for (auto id : ran_on) EXPECT_EQ(id, std::this_thread::get_id());
  release.set_value();  // the helper's job, run late, finds nothing left to do
  pool.join();
}

}  // namespace
}  // namespace devagent
