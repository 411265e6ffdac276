// The developer agent: answers a question about code by planning tool calls,
// running them, and writing the answer — with an LLM when one is
// configured, with the builtin planner and composer otherwise.
//
//   With an LLM (the decomposition route starts with an upstream model):
//     the function-calling loop (tool_loop.h) picks and runs tools; then the
//     response route streams the answer with the tool results as context,
//     trimmed to agent.context_tokens. When the model called no tool, its
//     own reply is the answer (no second call). When every upstream fails
//     before any output, the agent says so (a notice) and answers offline.
//   Offline: the builtin planner (planner.h) makes the plan, the
//     orchestrator runs it, the composer (composer.h) writes the answer.
//
// Events (events.h) go to the sink as they happen, ending with answer_done
// or error.
#pragma once

#include "agent/answer_cache.h"
#include "agent/events.h"
#include "agent/orchestrator.h"
#include "agent/plan.h"
#include "agent/planner.h"
#include "agent/prompts.h"
#include "agent/tool_loop.h"
#include "core/features.h"
#include "llm/router.h"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::agent {

struct AgentOptions {
  int max_steps = 6;
  OrchestratorOptions orchestrator;
  std::size_t context_tokens = 8000;
  PromptSet prompts;  // the built-in templates unless loaded from config
  // Everything but the prompts (PromptSet::load can fail: the caller says why).
  static AgentOptions from(const config::Config& config);
};

// A memory recalled for a question (src/memory), as the agent uses it.
struct Recollection {
  std::string kind;  // "fact", "summary", "entity", "message"
  std::string content;
  std::int64_t created_at = 0;  // ms since the epoch
  double score = 0;
  bool stated = false;  // carries something the user stated (a fact), not just an earlier question or answer
};

struct Question {
  std::string text;
  std::vector<llm::Message> history;  // earlier turns (user and assistant), oldest first
  std::string summary;                // the running summary of turns folded out of history
  std::vector<Recollection> memories; // from earlier conversations, most relevant first
  std::vector<std::string> noted;     // facts this message stated, now remembered
  bool statement = false;             // the message states facts and asks nothing
  llm::CallContext context;
  bool offline = false;               // use the builtin planner and composer even with an LLM configured
  CachePolicy cache;                  // whether the response cache may serve and keep this answer
  features::Enabled features;         // what this request may use (features.*), decided by the caller
  // The prompt templates of this run; when empty, the agent picks them for
  // context.principal from its PromptSet (and sets context.variant).
  Prompts prompts;
};

struct Answer {
  std::string text;                   // the Markdown answer (empty when the run failed)
  Plan plan;
  std::vector<TaskResult> results;
  std::string engine;                 // "llm" or "builtin"
  std::optional<llm::Candidate> answered_by;  // the model that wrote the answer, with an LLM
  llm::Usage usage;                   // all model calls of the run
  std::int64_t cost_nanos = 0;
  std::optional<std::string> error;   // set when the run ended with an error event
  std::string error_kind;             // its kind: "upstream", "budget_exceeded", "cancelled"
  bool cancelled = false;
  std::optional<CacheInfo> cached;    // set when the answer was replayed from the response cache
  std::string variant;                // the prompt A/B variant of the run ("" without a split)
};

class Agent {
 public:
  // The registry and router must outlive the agent and its background work.
  Agent(AgentOptions options, const tools::ToolRegistry& tools, llm::Router& router, PlannerContext planner = {});

  // Runs on the caller's executor (a strand or a single-threaded io_context).
  boost::asio::awaitable<Answer> ask(Question question, EventSink sink, CancelToken cancel);

  // True when an upstream LLM comes first on the decomposition route.
  bool has_llm() const;
  // Puts the response cache in front of the model calls (answer_cache.h).
  // cache must outlive the agent; revision resolves local repositories.
  void use_cache(cache::ResponseCache* cache, RevisionResolver revision);
  // Whether the response cache would serve q now (counts nothing).
  boost::asio::awaitable<bool> cached(Question q);
  const tools::ToolRegistry& tools() const { return tools_; }

 private:
  // Fills q.prompts (and context.variant) and applies q.features.
  void prepare(Question& q) const;
  boost::asio::awaitable<void> ask_offline(const Question& q, const EventSink& sink, CancelToken cancel, Answer& out);
  boost::asio::awaitable<bool> ask_llm(const Question& q, const EventSink& sink, CancelToken cancel, Answer& out);
  // The plan and results for ask_llm: from the decomposition cache, or by
  // the tool loop (then kept in the cache). false: no model could plan.
  boost::asio::awaitable<bool> decompose(const Question& q, const EventSink& sink, CancelToken cancel, Answer& out,
                                         LoopResult& loop);
  std::optional<cache::Scope> answer_scope(const Question& q, bool llm) const;
  cache::Scope decomposition_scope(const Question& q) const;
  boost::asio::awaitable<std::optional<cache::Hit>> cache_lookup(const cache::Scope& scope, const std::string& question);
  boost::asio::awaitable<void> cache_put(const cache::Scope& scope, const std::string& question, std::string payload,
                                         const llm::Usage& usage, std::int64_t cost_nanos);

  AgentOptions options_;
  const tools::ToolRegistry& tools_;
  llm::Router& router_;
  PlannerContext planner_;
  Orchestrator orchestrator_;
  cache::ResponseCache* cache_ = nullptr;
  RevisionResolver revision_;
  std::string tool_digest_;
};

}  // namespace devagent::agent
