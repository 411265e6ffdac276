// The orchestrator: parallel tasks, dependencies with argument references,
// validation, timeouts, cancellation and partial failure.
#include "agent/orchestrator.h"

#include "agent/test_tools.h"
#include "support/coro.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace devagent::agent {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using testing::FnTool;
using testing::ToolFn;
using testing::run_coro;
using namespace std::chrono_literals;
using Status = TaskResult::Status;

Plan parse_plan(std::string_view text) {
  auto p = plan_from_json(json::parse(text));
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

struct Recorder {
  std::vector<Event> events;
  EventSink sink() {
    return [this](const Event& e) { events.push_back(e); };
  }
  std::vector<std::string> kinds(std::string_view id = {}) const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (!id.empty() && json::value_to<std::string>(e.data.at("id")) != id) continue;
      out.emplace_back(to_string(e.kind));
    }
    return out;
  }
};

TEST(Orchestrator, IndependentTasksRunInParallel) {
  // Each task waits until all three have started: run one at a time, they
  // would each time out instead.
  auto started = std::make_shared<int>(0);
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("meet", testing::kAnyObject,
                                   [started](const json::object&, tools::ToolContext ctx) -> asio::awaitable<Result<json::object>> {
                                     ++*started;
                                     while (*started < 3) {
                                       if (!co_await testing::wait_for(5ms, ctx.cancel, true)) co_return make_error(ErrorKind::cancelled, "c");
                                     }
                                     co_return json::object{{"met", *started}};
                                   }));
  Orchestrator orch(reg, {.task_timeout = 5s});
  auto plan = parse_plan(R"({"tasks":[{"id":"a","tool":"meet"},{"id":"b","tool":"meet"},{"id":"c","tool":"meet"}]})");
  auto results = run_coro(orch.run(plan, {}, {}));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, Status::ok) << r.id << ": " << r.error;
    EXPECT_EQ(r.result.at("met").as_int64(), 3);
  }
}

TEST(Orchestrator, MaxParallelLimitsTasksInFlight) {
  auto in_flight = std::make_shared<int>(0);
  auto peak = std::make_shared<int>(0);
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("work", testing::kAnyObject,
                                   [=](const json::object&, tools::ToolContext ctx) -> asio::awaitable<Result<json::object>> {
                                     *peak = std::max(*peak, ++*in_flight);
                                     co_await testing::wait_for(10ms, ctx.cancel, true);
                                     --*in_flight;
                                     co_return json::object{};
                                   }));
  Orchestrator orch(reg, {.task_timeout = 5s, .max_parallel = 2});
  Plan plan;
  for (int i = 0; i < 6; ++i) plan.tasks.push_back(Task{.id = "t" + std::to_string(i), .tool = "work"});
  auto results = run_coro(orch.run(plan, {}, {}));
  for (const auto& r : results) EXPECT_EQ(r.status, Status::ok);
  EXPECT_EQ(*peak, 2);
}

TEST(Orchestrator, ArgumentsReferToEarlierResults) {
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("search", testing::kAnyObject,
                                   [](const json::object&, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
                                     co_return json::parse(R"({"items":[{"full_name":"tokio-rs/axum"},{"full_name":"x/y"}]})").as_object();
                                   }));
  reg.add(std::make_unique<FnTool>(
      "analyze", R"({"type":"object","properties":{"repository":{"type":"string"},"depth":{"type":"integer","default":2}},"required":["repository"]})",
      [](const json::object& args, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
        co_return json::object{{"analyzed", args.at("repository")}, {"depth", args.at("depth")}};
      }));
  Orchestrator orch(reg, {});
  auto plan = parse_plan(R"({"tasks":[
    {"id":"t1","tool":"search","arguments":{"query":"web"}},
    {"id":"t2","tool":"analyze","arguments":{"repository":{"$from":"t1","pointer":"/items/0/full_name"}},"depends_on":["t1"]},
    {"id":"t3","tool":"analyze","arguments":{"repository":{"$from":"t1","pointer":"/items/5/full_name"}},"depends_on":["t1"]}]})");
  Recorder rec;
  auto results = run_coro(orch.run(plan, rec.sink(), {}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].status, Status::ok);
  EXPECT_EQ(results[1].result.at("analyzed").as_string(), "tokio-rs/axum");
  // Defaults from the schema are filled in, and the arguments as run are reported.
  EXPECT_EQ(results[1].result.at("depth").as_int64(), 2);
  EXPECT_EQ(results[1].arguments.at("repository").as_string(), "tokio-rs/axum");
  EXPECT_EQ(results[2].status, Status::failed);
  EXPECT_EQ(results[2].error, "t1's result has nothing at /items/5/full_name");
  // t2 starts only after t1 finished.
  std::vector<std::string> order;
  for (const auto& e : rec.events) order.push_back(std::string(to_string(e.kind)) + ":" + json::value_to<std::string>(e.data.at("id")));
  auto pos = [&](const std::string& s) { return std::find(order.begin(), order.end(), s) - order.begin(); };
  EXPECT_LT(pos("task_finished:t1"), pos("task_started:t2"));
}

TEST(Orchestrator, InvalidArgumentsFailTheTaskWithPathAndRule) {
  tools::ToolRegistry reg;
  bool ran = false;
  reg.add(std::make_unique<FnTool>(
      "searchGitHub", R"({"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer","minimum":1,"maximum":100}},"required":["query"],"additionalProperties":false})",
      [&ran](const json::object&, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
        ran = true;
        co_return json::object{};
      }));
  Orchestrator orch(reg, {});
  auto plan = parse_plan(R"({"tasks":[{"id":"t1","tool":"searchGitHub","arguments":{"query":"x","limit":500}},
                                      {"id":"t2","tool":"nope","arguments":{}}]})");
  auto results = run_coro(orch.run(plan, {}, {}));
  EXPECT_FALSE(ran);
  EXPECT_EQ(results[0].status, Status::failed);
  EXPECT_EQ(results[0].error, "searchGitHub: /limit: must be <= 100");
  EXPECT_EQ(results[1].status, Status::failed);
  EXPECT_NE(results[1].error.find("unknown tool \"nope\""), std::string::npos) << results[1].error;
}

TEST(Orchestrator, OneFailureDoesNotSinkTheRun) {
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("fail", testing::kAnyObject,
                                   [](const json::object&, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
                                     co_return make_error(ErrorKind::unavailable, "GitHub cannot be reached");
                                   }));
  reg.add(std::make_unique<FnTool>("throw", testing::kAnyObject,
                                   [](const json::object&, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
                                     throw std::runtime_error("boom");
                                     co_return json::object{};
                                   }));
  reg.add(std::make_unique<FnTool>("ok", testing::kAnyObject,
                                   [](const json::object&, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
                                     co_return json::object{{"fine", true}};
                                   }));
  Orchestrator orch(reg, {});
  auto plan = parse_plan(R"({"tasks":[{"id":"t1","tool":"fail"},{"id":"t2","tool":"ok"},
    {"id":"t3","tool":"ok","depends_on":["t1"]},{"id":"t4","tool":"throw"},{"id":"t5","tool":"ok","depends_on":["t3"]}]})");
  auto results = run_coro(orch.run(plan, {}, {}));
  EXPECT_EQ(results[0].status, Status::failed);
  EXPECT_EQ(results[0].error, "GitHub cannot be reached");
  EXPECT_EQ(results[1].status, Status::ok);
  EXPECT_EQ(results[2].status, Status::skipped);
  EXPECT_EQ(results[2].error, "skipped: t1 did not succeed");
  EXPECT_EQ(results[3].status, Status::failed);
  EXPECT_EQ(results[3].error, "tool failed: boom");
  EXPECT_EQ(results[4].status, Status::skipped);
}

// A tool that ignores its CancelToken and finishes late: the run must not wait for it.
ToolFn stubborn(std::shared_ptr<bool> finished) {
  return [finished](const json::object&, tools::ToolContext ctx) -> asio::awaitable<Result<json::object>> {
    co_await testing::wait_for(400ms, ctx.cancel, false);
    *finished = true;
    co_return json::object{{"late", true}};
  };
}

TEST(Orchestrator, ATaskThatTakesTooLongTimesOut) {
  auto finished = std::make_shared<bool>(false);
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("slow", testing::kAnyObject, stubborn(finished)));
  reg.add(std::make_unique<FnTool>("fast", testing::kAnyObject,
                                   [](const json::object&, tools::ToolContext) -> asio::awaitable<Result<json::object>> {
                                     co_return json::object{};
                                   }));
  Orchestrator orch(reg, {.task_timeout = 50ms});
  auto plan = parse_plan(R"({"tasks":[{"id":"t1","tool":"slow"},{"id":"t2","tool":"fast"}]})");
  bool finished_when_run_returned = true;
  auto results = run_coro([&]() -> asio::awaitable<std::vector<TaskResult>> {
    auto r = co_await orch.run(plan, {}, {});
    finished_when_run_returned = *finished;
    co_return r;
  }());
  EXPECT_EQ(results[0].status, Status::timed_out);
  EXPECT_EQ(results[0].error, "timed out after 50 ms");
  EXPECT_EQ(results[1].status, Status::ok);
  EXPECT_FALSE(finished_when_run_returned);
  EXPECT_TRUE(*finished);  // it did finish later, and its result was discarded
}

TEST(Orchestrator, CancelStopsTheRunWithoutWaitingForTools) {
  auto finished = std::make_shared<bool>(false);
  auto noticed = std::make_shared<bool>(false);
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("stubborn", testing::kAnyObject, stubborn(finished)));
  reg.add(std::make_unique<FnTool>("polite", testing::kAnyObject,
                                   [noticed](const json::object&, tools::ToolContext ctx) -> asio::awaitable<Result<json::object>> {
                                     bool done = co_await testing::wait_for(10s, ctx.cancel, true);
                                     *noticed = !done && ctx.cancel.cancelled();
                                     co_return make_error(ErrorKind::cancelled, "cancelled");
                                   }));
  Orchestrator orch(reg, {.task_timeout = 60s});
  auto plan = parse_plan(R"({"tasks":[{"id":"t1","tool":"stubborn"},{"id":"t2","tool":"polite"},
                                      {"id":"t3","tool":"polite","depends_on":["t1"]}]})");
  CancelSource cancel;
  // Cancelled from another thread, as a server's disconnect handler would.
  std::thread canceller([&] {
    std::this_thread::sleep_for(30ms);
    cancel.cancel("client went away");
  });
  bool finished_when_run_returned = true;
  Recorder rec;
  auto results = run_coro([&]() -> asio::awaitable<std::vector<TaskResult>> {
    auto r = co_await orch.run(plan, rec.sink(), cancel.token());
    finished_when_run_returned = *finished;
    co_return r;
  }());
  canceller.join();
  for (const auto& r : results) EXPECT_EQ(r.status, Status::cancelled) << r.id;
  EXPECT_FALSE(finished_when_run_returned);
  EXPECT_TRUE(*noticed);
  // Every task still reports its end.
  int ends = 0;
  for (const auto& e : rec.events) ends += e.kind == EventKind::task_finished;
  EXPECT_EQ(ends, 3);
}

TEST(Orchestrator, ProgressFromWorkerThreadsArrivesAsEvents) {
  tools::ToolRegistry reg;
  reg.add(std::make_unique<FnTool>("busy", testing::kAnyObject,
                                   [](const json::object&, tools::ToolContext ctx) -> asio::awaitable<Result<json::object>> {
                                     std::thread t([&] { ctx.progress("indexing 10/20 files"); });
                                     t.join();
                                     co_await testing::wait_for(5ms, ctx.cancel, true);
                                     co_return json::object{};
                                   }));
  Orchestrator orch(reg, {});
  Recorder rec;
  run_coro(orch.run(parse_plan(R"({"tasks":[{"id":"t1","tool":"busy"}]})"), rec.sink(), {}));
  EXPECT_EQ(rec.kinds("t1"), (std::vector<std::string>{"task_started", "task_progress", "task_finished"}));
  EXPECT_EQ(rec.events[1].data.at("message").as_string(), "indexing 10/20 files");
}

TEST(Plan, RefusesCyclesForwardReferencesAndDuplicates) {
  auto bad = [](std::string_view text) {
    auto p = plan_from_json(json::parse(text));
    return p ? std::string("accepted") : p.error().message;
  };
  EXPECT_EQ(bad(R"({"tasks":[{"id":"a","tool":"x","depends_on":["b"]},{"id":"b","tool":"x","depends_on":["a"]}]})"),
            "plan: task a depends on b, which is not an earlier task");
  EXPECT_EQ(bad(R"({"tasks":[{"id":"a","tool":"x"},{"id":"a","tool":"x"}]})"), "plan: duplicate task id a");
  EXPECT_EQ(bad(R"({"tasks":[{"id":"a","tool":"x"},{"id":"b","tool":"x","arguments":{"r":{"$from":"a","pointer":"/x"}}}]})"),
            "plan: task b refers to a without depending on it");
  EXPECT_EQ(bad(R"({"tasks":"no"})"), "plan: \"tasks\" must be an array");
  auto ok = plan_from_json(json::parse(R"({"tasks":[]})"));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->tasks.empty());
  EXPECT_EQ(json::serialize(to_json(*ok)), R"({"tasks":[]})");
}

}  // namespace
}  // namespace devagent::agent
