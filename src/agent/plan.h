// A plan: what the agent will do to answer a question, as a DAG of tool calls.
//
// Each task names a tool and its arguments and the tasks it waits for.
// An argument may refer to an earlier task's result instead of holding a
// value: {"$from": "t1", "pointer": "/items/0/full_name"} is replaced, before
// the task runs, by the value at that JSON Pointer (RFC 6901) in t1's result.
// A task that refers to another must list it in depends_on.
#pragma once

#include "core/error.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::agent {

struct Task {
  std::string id;    // "t1", "t2", ... unique in the plan
  std::string tool;  // a registered tool name (searchGitHub, analyzeRepository, ...)
  boost::json::object arguments;
  std::vector<std::string> depends_on;
};

struct Plan {
  std::vector<Task> tasks;  // empty: answer without tools (greetings, general questions)
};

// What became of one task, as the orchestrator reports it and the composer
// and the answer's context read it.
struct TaskResult {
  enum class Status { ok, failed, timed_out, cancelled, skipped };  // skipped: a dependency failed
  std::string id;
  std::string tool;
  boost::json::object arguments;  // as run: references resolved, defaults filled
  Status status = Status::ok;
  boost::json::object result;     // Status::ok: the tool's result (shapes in docs/agents.md)
  std::string error;              // otherwise: what went wrong, one line
  std::int64_t duration_ms = 0;
};
std::string_view to_string(TaskResult::Status s);

// {"tasks": [{"id", "tool", "arguments", "depends_on"}]} — the shape
// `devagent plan --json` prints.
boost::json::object to_json(const Plan& plan);
// Reads that shape; checks ids are unique, depends_on names earlier tasks
// and there is no cycle. Tool names and arguments are not checked here.
Result<Plan> plan_from_json(const boost::json::value& json);

// Whether v is an argument reference {"$from": id, "pointer": "/..."}.
bool is_reference(const boost::json::value& v);
boost::json::object make_reference(const std::string& task_id, const std::string& pointer);

}  // namespace devagent::agent
