#include "core/cancel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace devagent {
namespace {

TEST(Cancel, CallbacksRunOnceWithTheReason) {
  CancelSource src;
  auto tok = src.token();
  int calls = 0;
  auto reg = tok.on_cancel([&] { ++calls; });
  EXPECT_FALSE(tok.cancelled());
  src.cancel("client went away");
  src.cancel("again");
  EXPECT_TRUE(tok.cancelled());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(tok.reason(), "client went away");
}

TEST(Cancel, RegisteringAfterCancelRunsAtOnce) {
  CancelSource src;
  src.cancel();
  bool ran = false;
  auto reg = src.token().on_cancel([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(Cancel, DroppedRegistrationDoesNotRun) {
  CancelSource src;
  bool ran = false;
  { auto reg = src.token().on_cancel([&] { ran = true; }); }
  src.cancel();
  EXPECT_FALSE(ran);
}

TEST(Cancel, DefaultTokenIsNeverCancelled) {
  CancelToken t;
  EXPECT_FALSE(t.cancelled());
  auto reg = t.on_cancel([] { FAIL(); });
}

TEST(Cancel, ChildFollowsParentButNotTheOtherWay) {
  CancelSource parent;
  auto [child, link] = CancelSource::child_of(parent.token());
  auto [child2, link2] = CancelSource::child_of(parent.token());
  child2.cancel("only me");
  EXPECT_FALSE(parent.cancelled());
  parent.cancel("shutdown");
  EXPECT_TRUE(child.cancelled());
  EXPECT_EQ(child.token().reason(), "shutdown");
  EXPECT_EQ(child2.token().reason(), "only me");
}

TEST(Cancel, ConcurrentRegistrationAndCancelRunEachCallbackExactlyOnce) {
  for (int round = 0; round < 50; ++round) {
    CancelSource src;
    std::atomic<int> calls{0};
    std::vector<CancelRegistration> regs(200);
    std::thread t([&] {
      for (auto& r : regs) r = src.token().on_cancel([&] { ++calls; });
    });
    src.cancel();
    t.join();
    EXPECT_EQ(calls.load(), 200);
  }
}

}  // namespace
}  // namespace devagent
