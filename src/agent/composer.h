// The builtin composer: the offline engine's answer writer.
//
// With no LLM configured, the orchestrator hands the question and what
// became of each task to compose_answer, which writes the answer in
// Markdown from the tool results alone (shapes in docs/agents.md). It never
// invents facts: everything it states is in a result or in the question.
//
// The contract:
// - The answer to the question comes first (the top hotspot, the number of
//   dependents, the main language, ...), then the detail: ranked lists,
//   tables for languages, dependencies and GitHub repositories, a
//   side-by-side table when two or more repositories were analysed, a
//   Mermaid diagram for relationships.
// - Tasks that failed, timed out, were cancelled or skipped get one line
//   each saying what and why; parts a result marks "unavailable" likewise.
//   Whatever did succeed is still shown.
// - No tasks (a greeting, thanks, a general question): a short reply; a
//   general-knowledge question is answered honestly as out of the offline
//   engine's reach, with what devagent can do instead.
// - The last line says, in one line, what an LLM would add (short replies
//   to thanks, goodbyes and "ok" excepted).
// - Repository content (names, descriptions, paths, file text) never
//   becomes markup: in prose and table cells Markdown's special characters
//   are escaped, "<", ">" and "&" become entities and newlines become
//   spaces; code appears only inside code spans and fences longer than any
//   backtick run it contains; links are made only to http(s) URLs.
// - Bounded: lists and tables stop after a few rows with "… and N more",
//   file slices after a few hundred lines, diagrams after 15 nodes.
// - Deterministic: the same input gives the same text (no clock, stable
//   ordering). Ill-shaped results never throw; missing fields are left out.
//   No state: safe to call from any thread.
#pragma once

#include "agent/plan.h"

#include <string>
#include <vector>

namespace devagent::agent {

struct ComposeInput {
  std::string question;
  std::vector<TaskResult> results;  // in plan order; empty when the plan had no tasks
};

// The answer, as Markdown.
std::string compose_answer(const ComposeInput& input);

}  // namespace devagent::agent
