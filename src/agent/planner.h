// The builtin planner: turns a developer's question into a plan of tool calls
// by rules, with no LLM, network or index (docs/planner.md).
//
// It recognises repositories (owner/name, GitHub URLs, "this repo"), file
// paths, code identifiers, quoted text, languages, limits and line ranges,
// then matches the question against ordered intent rules (relationships of a
// file, reading a file, code search, questions about repositories, GitHub
// search). Greetings, thanks and general-knowledge questions get an empty
// plan: the answer needs no tool.
#pragma once

#include "agent/plan.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::agent {

// What the planner knows beyond the question. Everything is optional.
struct PlannerContext {
  // Names of the local workspace repositories (the directory names of
  // workspace.roots). A question naming one next to a repository word or an
  // analysis verb ("analyze devagent", "the devagent repo") targets it.
  std::vector<std::string> workspace_repositories;
};

// The plan for `question`. Never fails: a question it does not recognise gets
// an empty plan. Task ids are "t1", "t2", ... in order; every task's
// arguments are valid for its tool (docs/agents.md); a task that works on an
// earlier task's result ("find ... and analyze the top 3") refers to it with
// {"$from": "t1", "pointer": "/items/<i>/full_name"} and lists it in
// depends_on. "." stands for the default workspace repository.
Plan plan_builtin(std::string_view question, const PlannerContext& context = {});

// What the planner recognised in a question; plan_builtin is built on it.
struct QuestionEntities {
  std::vector<std::string> repositories;  // "owner/name" (also from GitHub URLs) and named workspace repositories
  std::vector<std::string> paths;         // files or directories as written, without a ":10-40" suffix
  std::vector<std::string> identifiers;   // code: parse_config, Foo::bar, parseConfig, os.path.join, validate()
  std::vector<std::string> quoted;        // text between quotes or backticks
  std::optional<std::string> language;    // the first language named, canonical and lower-case: "c++", "c#", "go"
  std::optional<int> start_line;          // a line range: "lines 10-40", "path:10-40", "#L10-L40", "first 30 lines"
  std::optional<int> end_line;
  bool this_repository = false;  // "this repo", "my project", "the codebase", ...
};
QuestionEntities extract_entities(std::string_view question, const PlannerContext& context = {});

}  // namespace devagent::agent
