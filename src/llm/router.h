// The model router: devagent's gateway to LLMs.
//
// Each task (decomposition, response, summary, embedding, or any name in
// config) has a route: an ordered list of provider:model candidates, primary
// first, with the builtin engine always last so an answer comes even when
// every upstream is down. A call walks the route:
//   - a candidate whose circuit is open is skipped;
//   - retryable failures (5xx, 529, timeout, 429 with a Retry-After no longer
//     than router.max_retry_wait) are retried on the same candidate with
//     exponential backoff and jitter, router.retries times;
//   - a refused or broken connection moves to the next candidate at once;
//   - a context-length error moves to the next candidate whose context window
//     is larger;
//   - once any output has reached the caller, there is no fallback: the call
//     returns the error with output_started set, and the caller ends its
//     stream with an error event that says what happened.
// Every attempt is recorded in the usage log with its tokens, cost, latency,
// time to first token and outcome (ok, fallback, error, cancelled), and in
// the llm_* metrics. With budgets configured, the call reserves its worst
// case before any upstream request and settles to the actual usage after.
#pragma once

#include "core/error.h"
#include "llm/circuit_breaker.h"
#include "llm/prices.h"
#include "llm/provider.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::llm {

class BudgetGuard;
class ProviderSet;
class UsageLog;

struct Candidate {
  std::string provider;
  std::string model;
  std::string label() const { return provider + ":" + model; }
};

struct Route {
  std::string task;
  std::vector<Candidate> candidates;  // builtin last
  bool derived = false;               // made from the configured providers, not from routes.<task>
};

struct RouterOptions {
  int retries = 1;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds max_retry_wait{5000};
  CircuitBreaker::Options breaker;
  std::int64_t reserve_output_tokens = 4096;
  static RouterOptions from(const config::Config& config);
};

// Who a call is for and what it belongs to; recorded with its usage.
struct CallContext {
  std::string request_id;
  std::string conversation_id;
  std::string principal = "local";  // API key id or user
  std::optional<std::int64_t> daily_tokens;  // the principal's own daily token budget, over budgets.daily_tokens
  std::string variant;              // prompt A/B variant
  // The caller has its own offline answer (the agent's composer): the
  // builtin engine is not tried, and an exhausted route returns its last error.
  bool skip_builtin = false;
  // Multi-model routing is off for this call (features.routing): the
  // response route's first model answers every task, with no fallback to
  // other models.
  bool single_model = false;
};

// An attempt that failed, reported as it happens so a caller can show the
// fallback (the web UI says "anthropic failed: overloaded; trying openai").
struct AttemptFailure {
  Candidate candidate;
  Error error;
  std::string next;  // "retry", "fallback" or "" (the call ends)
};
using AttemptObserver = std::function<void(const AttemptFailure&)>;

struct RoutedReply {
  ChatResponse response;
  Candidate candidate;       // who answered
  int attempts = 0;          // upstream attempts made, the answering one included
  bool fell_back = false;    // someone other than the primary answered
  std::int64_t cost_nanos = 0;  // of all attempts
  std::int64_t ttft_ms = -1;
};

struct RoutedEmbeddings {
  Embeddings embeddings;
  Candidate candidate;
};

struct CandidateStatus {
  std::string task;
  Candidate candidate;
  CircuitState circuit = CircuitState::closed;
  int consecutive_failures = 0;
  bool configured = true;  // the provider exists
};

class Router {
 public:
  // Routes from routes.<task> config and the configured providers; tasks
  // without a route get derived ones. Unknown provider names are errors,
  // except the standard ones (openai, anthropic, ollama) simply not
  // configured, which are skipped with a warning.
  static Result<std::unique_ptr<Router>> from_config(const config::Config& config, ProviderSet& providers,
                                                     PriceTable prices, UsageLog* usage, BudgetGuard* budget);
  Router(RouterOptions options, ProviderSet& providers, std::vector<Route> routes, PriceTable prices,
         UsageLog* usage, BudgetGuard* budget);
  ~Router();

  // Streams a reply through the task's route (the "response" route when the
  // task has none).
  // Every argument is taken by value, so a caller may spawn the call and
  // let its own copies go.
  boost::asio::awaitable<Outcome<RoutedReply>> chat(std::string task, ChatRequest request, DeltaSink sink,
                                                    CallContext context, CancelToken cancel,
                                                    AttemptObserver observer = {});
  // One candidate only, no fallback (devagent ask --provider); still
  // recorded, metered and budgeted.
  boost::asio::awaitable<Outcome<RoutedReply>> chat_with(Candidate candidate, ChatRequest request, DeltaSink sink,
                                                         CallContext context, CancelToken cancel);
  // Embeddings through the "embedding" route.
  boost::asio::awaitable<Outcome<RoutedEmbeddings>> embed(std::vector<std::string> inputs, CallContext context,
                                                          CancelToken cancel);

  const Route& route(std::string_view task) const;
  std::vector<Route> routes() const;
  std::vector<CandidateStatus> status() const;
  const PriceTable& prices() const { return prices_; }
  std::int64_t cost_of(const Candidate& c, const Usage& u) const;

 private:
  struct Impl;
  boost::asio::awaitable<Outcome<RoutedReply>> run(const Route& route, ChatRequest request, const DeltaSink& sink,
                                                   const CallContext& context, CancelToken cancel,
                                                   const AttemptObserver& observer);
  std::unique_ptr<Impl> impl_;
  std::uint64_t collector_ = 0;  // its metrics collector, removed at destruction
  PriceTable prices_;
};

// Routes made from whichever providers are configured: every chat task
// tries each configured upstream's default model in preference order; the
// embedding task tries those that have embeddings; builtin closes each.
std::vector<Route> derived_routes(const ProviderSet& providers, const std::vector<std::string>& tasks);

}  // namespace devagent::llm
