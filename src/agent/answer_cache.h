// How the agent uses the response cache (src/cache): which scope a question's
// answer belongs to, what of a run is kept, and how a kept run is replayed.
//
//   response / analysis: the whole answer — the run's plan, task and token
//     events and its text — replayed as the same events, each marked
//     "cached": true. A question touching a repository is of kind analysis
//     and its scope holds the repository and its revision (HEAD of a
//     workspace repository), so a new commit is a miss.
//   decomposition: with an LLM, the tool calls the model chose (the plan);
//     on a hit the tools run again and only the answer is written by the
//     model.
//
// Only complete runs are kept: no error, no failed task, written by the
// engine the scope names. docs/cache.md has the rules.
#pragma once

#include "agent/events.h"
#include "agent/plan.h"
#include "cache/cache.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace devagent::tools {
class ToolRegistry;
}

namespace devagent::agent {

struct Question;
struct PlannerContext;

// The revision of a local repository ("." is the default workspace
// repository), or nullopt when it is not one (a GitHub repository).
// Resolvers may block (they read the index): call them on the blocking pool.
// kNoRevision: a local repository whose revision could not be read; answers
// about it are not cached.
using RevisionResolver = std::function<std::optional<std::string>(const std::string& repository)>;
inline constexpr std::string_view kNoRevision = "(no revision)";

struct CachePolicy {
  bool read = true;   // Cache-Control: no-cache turns this off
  bool write = true;  // no-store turns both off
};

// What a replayed answer tells its client (answer_done's "cached").
struct CacheInfo {
  cache::Kind kind = cache::Kind::response;
  bool exact = false;
  double similarity = 0;
  std::string question;  // the stored question
  std::int64_t age_ms = 0;
  std::int64_t tokens_saved = 0;
  std::int64_t cost_saved_nanos = 0;
  static CacheInfo of(const cache::Hit& hit);
  boost::json::object to_json() const;
};

// Digests that go into every scope.
std::string tool_set_digest(const tools::ToolRegistry& tools);
std::string digest(std::string_view text);

// True when the question leans on earlier turns ("what about its tests?",
// "and the second one?"): it is then only served by an exact match in the
// same conversation context.
bool leans_on_earlier_turns(std::string_view question);

// The digest of what, besides the question, the answer may lean on. Empty
// when nothing. Always: facts the message stated, and recalled memories that
// carry something the user stated (Recollection::stated: what the user told
// devagent can change an answer). For a follow-up: the earlier
// turns and the running summary. With shows_memories (the builtin engine,
// whose answer lists what memory recalled): every recalled memory.
std::string context_digest(const Question& q, bool shows_memories);

// The repositories a question touches (its builtin plan and named entities),
// as the scope's repository and revision, and whether it is about one (kind
// analysis) — from the builtin planner, so it costs no model call.
struct RepositoryScope {
  bool about_repository = false;
  std::string repositories;  // sorted, joined by ","
  std::string revisions;     // each local repository's revision, same order
  bool cacheable = true;     // false when a local repository has no revision
};
RepositoryScope repository_scope(std::string_view question, const PlannerContext& planner,
                                 const RevisionResolver& revision);

// Records a run's events for the cache.
class RunRecorder {
 public:
  EventSink wrap(EventSink sink);
  // {"events": [...], "text", "engine", "provider", "model"} — notices and
  // the final event left out; meta adds engine/provider/model.
  std::string payload(const std::string& text, boost::json::object meta) const;

 private:
  std::shared_ptr<std::vector<Event>> events_ = std::make_shared<std::vector<Event>>();
};

struct Replay {
  std::vector<Event> events;
  std::string text;
  std::string engine, provider, model;
};
Result<Replay> parse_payload(std::string_view payload);

// Whether a plan uses the local workspace's code (its answer then depends on
// the workspace's revision).
bool uses_local_code(const Plan& plan);

}  // namespace devagent::agent
