// Tool results as text for a model: compact JSON, shrunk to fit a budget by
// keeping the first items of long arrays and the start of long strings (the
// tools return their lists best first), with a note of what was left out.
#pragma once

#include "agent/plan.h"

#include <string>
#include <vector>

namespace devagent::agent {

// One result (or its error) as compact JSON of at most max_bytes.
std::string result_for_model(const TaskResult& result, std::size_t max_bytes);

// Every result, each headed by its task and arguments, within max_tokens
// (estimated at 4 bytes a token) shared between them.
std::string results_for_model(const std::vector<TaskResult>& results, std::size_t max_tokens);

}  // namespace devagent::agent
