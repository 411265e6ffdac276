// The orchestrator runs a plan: each task starts as soon as the tasks it
// depends on have finished, independent tasks run in parallel, each has a
// timeout, and the whole run can be cancelled.
//
// Before a task runs, argument references to earlier results are resolved
// and the arguments validated against the tool's schema (defaults filled).
// A task whose dependency did not succeed is skipped; a failed task never
// stops the others — its TaskResult says what went wrong.
//
// Timeouts and cancellation do not wait for a tool that does not notice: the
// task is recorded as timed out or cancelled at once (the run returns within
// milliseconds of cancel()), the tool's CancelToken fires, and whatever it
// still does in the background is discarded when it ends. The tools and what
// they use must therefore outlive the executor's work, not just run().
#pragma once

#include "agent/events.h"
#include "agent/plan.h"
#include "core/cancel.h"
#include "tools/tool.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <vector>

namespace devagent::agent {

struct OrchestratorOptions {
  std::chrono::milliseconds task_timeout{120'000};
  std::size_t max_parallel = 8;  // tasks running at once
};

class Orchestrator {
 public:
  Orchestrator(const tools::ToolRegistry& tools, OrchestratorOptions options) : tools_(tools), options_(options) {}

  // Runs on the caller's executor (a strand or a single-threaded
  // io_context). Emits task_started, task_progress and task_finished;
  // returns one TaskResult per task, in plan order.
  boost::asio::awaitable<std::vector<TaskResult>> run(const Plan& plan, EventSink sink, CancelToken cancel) const;

 private:
  const tools::ToolRegistry& tools_;
  OrchestratorOptions options_;
};

// Replaces every argument reference with the value it points at in the
// results so far; an error names the reference that could not be resolved.
Result<boost::json::object> resolve_references(const boost::json::object& arguments,
                                               const std::vector<TaskResult>& done);

// A few words on a result for progress displays ("12 matches", "3 languages").
std::string describe_result(const std::string& tool, const boost::json::object& result);

}  // namespace devagent::agent
