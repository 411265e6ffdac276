// The run registry: finished runs are kept for keep_finished, and never more
// than max_runs of them (the oldest go first); unfinished runs always stay.
#include "server/runs.h"

#include <gtest/gtest.h>

#include <thread>

namespace devagent::server {
namespace {

TEST(RunRegistry, KeepsAFinishedRunForKeepFinishedThenForgetsIt) {
  RunRegistry registry(RunOptions{.max_events = 100, .keep_finished = std::chrono::milliseconds(50), .max_runs = 1000});
  auto finished = registry.create("c1", "m1");
  auto running = registry.create("c2", "m2");
  finished->finish({});
  ASSERT_NE(registry.find(finished->id()), nullptr);
  // Expiry is looked for at most once a second, when a run is created.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  registry.create("c3", "m3");
  EXPECT_EQ(registry.find(finished->id()), nullptr);
  EXPECT_NE(registry.find(running->id()), nullptr) << "an unfinished run is never dropped";
}

TEST(RunRegistry, AFullRegistryDropsItsOldestFinishedRunsFirst) {
  RunRegistry registry(RunOptions{.max_events = 100, .keep_finished = std::chrono::hours(1), .max_runs = 100});
  std::vector<std::shared_ptr<server::Run>> runs;
  for (int i = 0; i < 100; ++i) {
    runs.push_back(registry.create("c", "m"));
    if (i != 0) runs.back()->finish({});  // the first stays unfinished
  }
  // The 101st run finds the registry full: finished runs are dropped, oldest
  // first, down to nine tenths of max_runs.
  auto next = registry.create("c", "m");
  EXPECT_NE(registry.find(next->id()), nullptr);
  EXPECT_NE(registry.find(runs[0]->id()), nullptr) << "unfinished";
  int kept = 0;
  for (int i = 1; i < 100; ++i) kept += registry.find(runs[i]->id()) != nullptr;
  EXPECT_EQ(kept, 89);  // cut from 100 to 90 runs: the 10 oldest finished ones went
  EXPECT_NE(registry.find(runs[11]->id()), nullptr);
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(registry.find(runs[i]->id()), nullptr) << "run " << i << " is among the oldest";
  EXPECT_NE(registry.find(runs[99]->id()), nullptr) << "the newest finished run stays";
}

}  // namespace
}  // namespace devagent::server
