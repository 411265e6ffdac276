// The function-calling loop: the model of the decomposition route picks
// tools, the orchestrator runs them, the results go back to the model, until
// it stops calling tools or max_steps rounds have run. Calls go out in each
// provider's native tool format (the providers translate llm::ToolSpec).
//
// A call whose arguments are not valid JSON or break the tool's schema is not
// run: the model gets the error (path and rule) as the tool's result and may
// correct itself in the next round.
#pragma once

#include "agent/events.h"
#include "agent/orchestrator.h"
#include "agent/plan.h"
#include "llm/router.h"

#include <boost/asio/awaitable.hpp>

namespace devagent::agent {

struct LoopOptions {
  int max_steps = 6;
  std::size_t result_bytes = std::size_t{16} * 1024;  // of one tool result sent back to the model
};

struct LoopResult {
  Plan plan;                         // every call made, as tasks t1, t2, ... (each round after the previous)
  std::vector<TaskResult> results;   // one per task
  std::string final_text;            // what the model said when it stopped calling tools
  std::string streamed_text;         // the first round's text, already sent as token events
  int steps = 0;                     // model calls made
  llm::Usage usage;                  // summed over the model calls
  std::int64_t cost_nanos = 0;
  llm::Candidate candidate;          // who answered the last call
};

// The notice event for a failed model attempt ("anthropic:claude-sonnet-4-5
// failed (connection), trying the next model: ...").
boost::json::object attempt_notice(const llm::AttemptFailure& failure);

// conversation: system prompt, earlier turns and the question. Emits plan
// (the tasks of each round, with "step"), task_*, notice, and token events
// for the text the model writes in its first round (streamed_text).
boost::asio::awaitable<llm::Outcome<LoopResult>> run_tool_loop(llm::Router& router, const tools::ToolRegistry& tools,
                                                               const Orchestrator& orchestrator,
                                                               std::vector<llm::Message> conversation,
                                                               EventSink sink, llm::CallContext context,
                                                               CancelToken cancel, LoopOptions options);

}  // namespace devagent::agent
