#include "llm/router.h"

#include "core/blocking.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "llm/budget.h"
#include "llm/providers.h"
#include "llm/usage_log.h"
#include "llm/wire.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <mutex>
#include <random>

namespace devagent::llm {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

const std::vector<std::string> kStandardTasks = {"decomposition", "response", "summary", "embedding"};

std::int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

struct RouterMetrics {
  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Counter>& tokens;
  metrics::Family<metrics::Counter>& cost;
  metrics::Family<metrics::Counter>& fallbacks;
  metrics::Family<metrics::Histogram>& ttft;
  metrics::Family<metrics::Histogram>& duration;
  metrics::Family<metrics::Gauge>& circuit;

  static RouterMetrics& get() {
    auto& r = metrics::registry();
    static RouterMetrics m{
        r.counter("llm_requests_total", "LLM attempts by task, provider, model and outcome.",
                  {"task", "provider", "model", "outcome"}),
        r.counter("llm_tokens_total", "Tokens by task, provider, model and type (input, output, cached).",
                  {"task", "provider", "model", "type"}),
        r.counter("llm_cost_dollars_total", "Cost in US dollars by task, provider and model.",
                  {"task", "provider", "model"}),
        r.counter("llm_fallbacks_total", "Attempts that failed over to another candidate.",
                  {"task", "provider", "model"}),
        r.histogram("llm_time_to_first_token_seconds", "Time from an attempt's start to its first output.",
                    {"task", "provider", "model"}, metrics::latency_buckets()),
        r.histogram("llm_request_duration_seconds", "Duration of LLM attempts.", {"task", "provider", "model"},
                    metrics::latency_buckets()),
        r.gauge("llm_circuit_state", "Circuit breaker state per candidate: 0 closed, 1 half-open, 2 open.",
                {"provider", "model"}),
    };
    return m;
  }
};

// Retryable on the same candidate: the upstream is there but struggling.
bool retryable(ErrorKind k) {
  return k == ErrorKind::server || k == ErrorKind::overloaded || k == ErrorKind::timeout ||
         k == ErrorKind::rate_limited;
}

// Failures that count against a candidate's health.
bool unhealthy(ErrorKind k) {
  return k == ErrorKind::server || k == ErrorKind::overloaded || k == ErrorKind::timeout ||
         k == ErrorKind::rate_limited || k == ErrorKind::connection || k == ErrorKind::malformed;
}

// Sleeps on the caller's executor; false when cancelled first.
asio::awaitable<bool> sleep_for(std::chrono::milliseconds d, CancelToken cancel) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, d);
  auto reg = cancel.on_cancel([timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !cancel.cancelled();
}

std::chrono::milliseconds backoff(const RouterOptions& o, int retry) {
  thread_local std::mt19937 rng{std::random_device{}()};
  auto base = o.backoff_base.count() << std::min(retry, 20);
  auto capped = std::min<std::int64_t>(base, o.backoff_max.count());
  std::uniform_real_distribution<double> jitter(0.5, 1.0);  // "equal jitter"
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(capped) * jitter(rng)));
}

Result<Candidate> parse_candidate(std::string_view item) {
  auto colon = item.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) {
    return make_error(devagent::ErrorKind::config, "expected provider:model, got '" + std::string(item) + "'");
  }
  return Candidate{std::string(item.substr(0, colon)), std::string(item.substr(colon + 1))};
}

}  // namespace

RouterOptions RouterOptions::from(const config::Config& c) {
  RouterOptions o;
  o.retries = static_cast<int>(c.integer("router.retries"));
  o.backoff_base = c.duration("router.backoff_base");
  o.backoff_max = c.duration("router.backoff_max");
  o.max_retry_wait = c.duration("router.max_retry_wait");
  o.breaker.failures = static_cast<int>(c.integer("router.breaker_failures"));
  o.breaker.failure_rate_percent = static_cast<int>(c.integer("router.breaker_failure_rate"));
  o.breaker.min_calls = static_cast<int>(c.integer("router.breaker_min_calls"));
  o.breaker.window = c.duration("router.breaker_window");
  o.breaker.cooldown = c.duration("router.breaker_cooldown");
  o.reserve_output_tokens = c.integer("budgets.reserve_output_tokens");
  return o;
}

std::vector<Route> derived_routes(const ProviderSet& providers, const std::vector<std::string>& tasks) {
  std::vector<Route> out;
  for (const auto& task : tasks) {
    Route r{.task = task, .derived = true};
    for (Provider* p : providers.all()) {
      if (p->type() == "builtin") continue;
      if (task == "embedding") {
        auto model = p->default_embedding_model();
        if (!model.empty()) r.candidates.push_back({p->name(), model});
      } else {
        r.candidates.push_back({p->name(), p->default_model()});
      }
    }
    r.candidates.push_back({"builtin", "builtin"});
    out.push_back(std::move(r));
  }
  return out;
}

struct Router::Impl {
  RouterOptions options;
  ProviderSet& providers;
  std::vector<Route> routes;
  UsageLog* usage;
  BudgetGuard* budget;
  RouterMetrics& metrics = RouterMetrics::get();
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<CircuitBreaker>> breakers;

  Impl(RouterOptions o, ProviderSet& p, std::vector<Route> r, UsageLog* u, BudgetGuard* b)
      : options(o), providers(p), routes(std::move(r)), usage(u), budget(b) {}

  CircuitBreaker& breaker(const Candidate& c) {
    std::lock_guard lock(mutex);
    auto& slot = breakers[c.label()];
    if (!slot) slot = std::make_unique<CircuitBreaker>(options.breaker);
    return *slot;
  }

  void publish_circuit(const Candidate& c, CircuitState s) {
    metrics.circuit.labels({c.provider, c.model}).set(static_cast<double>(static_cast<int>(s)));
  }

  void record(const std::string& task, const Candidate& c, const CallContext& ctx, const Usage& u,
              std::int64_t cost, std::int64_t latency_ms, std::int64_t ttft_ms, std::string_view outcome,
              const std::optional<Error>& error) {
    metrics.requests.labels({task, c.provider, c.model, std::string(outcome)}).inc();
    metrics.tokens.labels({task, c.provider, c.model, "input"}).inc(static_cast<double>(u.input_tokens));
    metrics.tokens.labels({task, c.provider, c.model, "output"}).inc(static_cast<double>(u.output_tokens));
    metrics.tokens.labels({task, c.provider, c.model, "cached"}).inc(static_cast<double>(u.cached_input_tokens));
    metrics.cost.labels({task, c.provider, c.model}).inc(static_cast<double>(cost) / 1e9);
    metrics.duration.labels({task, c.provider, c.model}).observe(static_cast<double>(latency_ms) / 1000.0);
    if (ttft_ms >= 0) metrics.ttft.labels({task, c.provider, c.model}).observe(static_cast<double>(ttft_ms) / 1000.0);
    if (outcome == "fallback") metrics.fallbacks.labels({task, c.provider, c.model}).inc();
    if (!usage) return;
    UsageRecord r;
    r.request_id = ctx.request_id;
    r.conversation_id = ctx.conversation_id;
    r.principal = ctx.principal;
    r.task = task;
    r.provider = c.provider;
    r.model = c.model;
    r.usage = u;
    r.cost_nanos = cost;
    r.latency_ms = latency_ms;
    r.ttft_ms = ttft_ms;
    r.outcome = std::string(outcome);
    r.error_kind = error ? std::string(to_string(error->kind)) : "";
    r.variant = ctx.variant;
    usage->record(std::move(r));
  }
};

Router::Router(RouterOptions options, ProviderSet& providers, std::vector<Route> routes, PriceTable prices,
               UsageLog* usage, BudgetGuard* budget)
    : impl_(std::make_unique<Impl>(options, providers, std::move(routes), usage, budget)), prices_(std::move(prices)) {
  auto* im = impl_.get();
  collector_ = metrics::registry().add_collector([im] {
    std::vector<std::pair<Candidate, CircuitState>> states;
    {
      std::lock_guard lock(im->mutex);
      for (const auto& route : im->routes) {
        for (const auto& c : route.candidates) {
          auto it = im->breakers.find(c.label());
          states.emplace_back(c, it == im->breakers.end() ? CircuitState::closed : it->second->state());
        }
      }
    }
    for (const auto& [c, s] : states) im->publish_circuit(c, s);
  });
}

Router::~Router() { metrics::registry().remove_collector(collector_); }

Result<std::unique_ptr<Router>> Router::from_config(const config::Config& config, ProviderSet& providers,
                                                    PriceTable prices, UsageLog* usage, BudgetGuard* budget) {
  std::vector<std::string> tasks = kStandardTasks;
  for (const auto& t : config.names("routes")) {
    if (std::find(tasks.begin(), tasks.end(), t) == tasks.end()) tasks.push_back(t);
  }
  std::vector<Route> routes;
  for (const auto& task : tasks) {
    auto items = config.list("routes." + task);
    if (items.empty()) {
      routes.push_back(derived_routes(providers, {task}).front());
      continue;
    }
    Route r{.task = task};
    for (const auto& item : items) {
      auto c = parse_candidate(item);
      if (!c) return make_error(devagent::ErrorKind::config, "routes." + task + ": " + c.error().message);
      if (!providers.find(c->provider)) {
        bool standard = c->provider == "openai" || c->provider == "anthropic" || c->provider == "ollama";
        if (!standard) {
          return make_error(devagent::ErrorKind::config,
                            "routes." + task + ": no provider named '" + c->provider + "' is configured");
        }
        log::warn("route candidate skipped: its provider is not configured", "task", task, "candidate", item);
        continue;
      }
      r.candidates.push_back(*c);
    }
    bool has_builtin = std::any_of(r.candidates.begin(), r.candidates.end(),
                                   [](const Candidate& c) { return c.provider == "builtin"; });
    if (!has_builtin) r.candidates.push_back({"builtin", "builtin"});
    routes.push_back(std::move(r));
  }
  return std::make_unique<Router>(RouterOptions::from(config), providers, std::move(routes), std::move(prices), usage,
                                  budget);
}

const Route& Router::route(std::string_view task) const {
  for (const auto& r : impl_->routes) {
    if (r.task == task) return r;
  }
  for (const auto& r : impl_->routes) {
    if (r.task == "response") return r;
  }
  return impl_->routes.front();
}

std::vector<Route> Router::routes() const { return impl_->routes; }

std::vector<CandidateStatus> Router::status() const {
  std::vector<CandidateStatus> out;
  for (const auto& route : impl_->routes) {
    for (const auto& c : route.candidates) {
      auto& b = impl_->breaker(c);
      out.push_back({route.task, c, b.state(), b.consecutive_failures(), impl_->providers.find(c.provider) != nullptr});
    }
  }
  return out;
}

std::int64_t Router::cost_of(const Candidate& c, const Usage& u) const {
  const Price* p = prices_.find(c.model);
  return p ? cost_nanos(u, *p) : 0;
}

asio::awaitable<Outcome<RoutedReply>> Router::chat(std::string task, ChatRequest request, DeltaSink sink,
                                                   CallContext context, CancelToken cancel, AttemptObserver observer) {
  if (!context.single_model) {
    const Route& r = route(task);
    co_return co_await run(r, std::move(request), sink, context, std::move(cancel), observer);
  }
  // Multi-model routing off (features.routing): every task goes to the
  // response route's first model; the builtin engine stays the last resort.
  const Route& response = route("response");
  Route single{.task = task, .candidates = {}};
  if (!response.candidates.empty()) single.candidates.push_back(response.candidates.front());
  for (const auto& c : response.candidates) {
    if (c.provider == "builtin" && !single.candidates.empty() && single.candidates.front().provider != "builtin") {
      single.candidates.push_back(c);
      break;
    }
  }
  co_return co_await run(single, std::move(request), sink, context, std::move(cancel), observer);
}

asio::awaitable<Outcome<RoutedReply>> Router::chat_with(Candidate candidate, ChatRequest request, DeltaSink sink,
                                                        CallContext context, CancelToken cancel) {
  Route single{.task = "response", .candidates = {std::move(candidate)}};
  AttemptObserver none;
  co_return co_await run(single, std::move(request), sink, context, std::move(cancel), none);
}

asio::awaitable<Outcome<RoutedReply>> Router::run(const Route& route, ChatRequest request, const DeltaSink& sink,
                                                  const CallContext& context, CancelToken cancel,
                                                  const AttemptObserver& observer) {
  auto& im = *impl_;
  // Budgets: reserve the worst case before anything goes upstream. The
  // output is capped at what was reserved, so actual use cannot exceed it
  // (input is reserved at 2 characters per token, a conservative bound).
  Reservation reservation;
  if (im.budget && (im.budget->enabled() || context.daily_tokens.value_or(0) > 0)) {
    std::int64_t max_out = request.max_tokens ? std::min<std::int64_t>(*request.max_tokens, im.options.reserve_output_tokens)
                                              : im.options.reserve_output_tokens;
    request.max_tokens = static_cast<int>(max_out);
    std::int64_t input = estimate_usage(request, ChatResponse{}).input_tokens * 2;
    std::int64_t worst_cost = 0;
    for (const auto& c : route.candidates) {
      worst_cost = std::max(worst_cost, cost_of(c, Usage{.input_tokens = input, .output_tokens = max_out}));
    }
    // The store may block (a busy SQLite file, a PostgreSQL round trip):
    // off the I/O threads.
    std::int64_t tokens = input + max_out;
    auto reserved = co_await run_blocking([&] { return im.budget->reserve(context.principal, tokens, worst_cost, context.daily_tokens); });
    if (!reserved) {
      if (reserved.error().kind != devagent::ErrorKind::rate_limited) {
        // The budget cannot be checked: refuse rather than spend unchecked.
        co_return Error{.kind = ErrorKind::server, .message = "budget check failed: " + reserved.error().message};
      }
      Error e{.kind = ErrorKind::budget_exceeded, .message = reserved.error().message};
      e.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(BudgetGuard::until_reset());
      co_return e;
    }
    reservation = std::move(*reserved);
  }

  std::int64_t spent_tokens = 0;
  std::int64_t spent_cost = 0;
  int attempts = 0;
  std::optional<std::int64_t> need_window;  // after a context-length error: a larger window than this
  std::optional<Error> last_error;
  // Settling writes to the store, so it too runs off the I/O threads.
  auto settle = [&]() -> asio::awaitable<void> {
    if (!reservation.active()) co_return;
    co_await run_blocking([&] { reservation.settle(spent_tokens, spent_cost); });
  };

  for (std::size_t i = 0; i < route.candidates.size(); ++i) {
    const Candidate& c = route.candidates[i];
    Provider* provider = im.providers.find(c.provider);
    if (!provider) continue;
    bool builtin = provider->type() == "builtin";
    if (builtin && context.skip_builtin) continue;
    if (need_window) {
      const Price* price = prices_.find(c.model);
      if (!price || price->context_window <= *need_window) continue;
    }
    auto& breaker = im.breaker(c);
    if (!builtin && !breaker.allow()) {
      log::debug("candidate skipped: circuit open", "task", route.task, "candidate", c.label());
      continue;
    }
    for (int retry = 0;; ++retry) {
      ++attempts;
      auto started = Clock::now();
      std::int64_t ttft = -1;
      DeltaSink timed = [&](const Delta& d) {
        if (ttft < 0 && (d.kind == Delta::Kind::text || d.kind == Delta::Kind::tool_call)) ttft = ms_since(started);
        sink(d);
      };
      ChatRequest attempt_request = request;
      attempt_request.model = c.model;
      auto result = co_await provider->chat(attempt_request, timed, cancel);
      auto latency = ms_since(started);
      Usage used = result ? result->usage : result.error().usage.value_or(Usage{});
      std::int64_t cost = cost_of(c, used);
      spent_tokens += used.input_tokens + used.output_tokens;
      spent_cost += cost;

      if (result) {
        if (!builtin) breaker.on_success();
        im.record(route.task, c, context, used, cost, latency, ttft, "ok", std::nullopt);
        co_await settle();
        RoutedReply reply{.response = std::move(*result),
                          .candidate = c,
                          .attempts = attempts,
                          .fell_back = i > 0 || attempts > 1,
                          .cost_nanos = spent_cost,
                          .ttft_ms = ttft};
        co_return reply;
      }

      Error error = result.error();
      if (!builtin) {
        if (unhealthy(error.kind)) {
          breaker.on_failure();
        } else {
          breaker.on_neutral();
        }
      }
      // No fallback once the caller has seen output, when the caller gave up,
      // or when the request itself is wrong.
      if (error.kind == ErrorKind::cancelled || error.output_started || error.kind == ErrorKind::bad_request) {
        im.record(route.task, c, context, used, cost, latency, ttft,
                  error.kind == ErrorKind::cancelled ? "cancelled" : "error", error);
        if (observer) observer({c, error, ""});
        co_await settle();
        co_return error;
      }

      bool wait_allowed = !error.retry_after || *error.retry_after <= im.options.max_retry_wait;
      bool retry_here = retryable(error.kind) && retry < im.options.retries && wait_allowed &&
                        (builtin || breaker.state() != CircuitState::open);
      if (error.kind == ErrorKind::context_length) {
        const Price* price = prices_.find(c.model);
        need_window = price && price->context_window > 0 ? price->context_window
                                                        : estimate_usage(request, ChatResponse{}).input_tokens;
      }
      bool more = i + 1 < route.candidates.size();
      im.record(route.task, c, context, used, cost, latency, ttft, retry_here ? "error" : more ? "fallback" : "error",
                error);
      if (observer) observer({c, error, retry_here ? "retry" : more ? "fallback" : ""});
      log::info("llm attempt failed", "request_id", context.request_id, "task", route.task, "candidate", c.label(),
                "kind", to_string(error.kind), "next", retry_here ? "retry" : more ? "fallback" : "none");
      last_error = error;
      if (!retry_here) break;
      auto delay = error.retry_after ? *error.retry_after : backoff(im.options, retry);
      if (!co_await sleep_for(delay, cancel)) {
        co_await settle();
        co_return Error{.kind = ErrorKind::cancelled, .message = "cancelled while waiting to retry"};
      }
    }
  }
  co_await settle();
  Error out = last_error.value_or(Error{.kind = ErrorKind::connection, .message = "no candidate is available"});
  if (route.candidates.size() > 1) out.message = "every candidate of route " + route.task + " failed; last: " + out.message;
  co_return out;
}

asio::awaitable<Outcome<RoutedEmbeddings>> Router::embed(std::vector<std::string> inputs, CallContext context,
                                                         CancelToken cancel) {
  auto& im = *impl_;
  const Route& r = route("embedding");
  std::optional<Error> last_error;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const Candidate& c = r.candidates[i];
    Provider* provider = im.providers.find(c.provider);
    if (!provider) continue;
    bool builtin = provider->type() == "builtin";
    auto& breaker = im.breaker(c);
    if (!builtin && !breaker.allow()) continue;
    auto started = Clock::now();
    auto result = co_await provider->embed(c.model, inputs, cancel);
    auto latency = ms_since(started);
    if (result) {
      if (!builtin) breaker.on_success();
      im.record(r.task, c, context, result->usage, cost_of(c, result->usage), latency, -1, "ok", std::nullopt);
      RoutedEmbeddings out{.embeddings = std::move(*result), .candidate = c};
      co_return out;
    }
    Error error = result.error();
    if (!builtin) {
      if (unhealthy(error.kind)) {
        breaker.on_failure();
      } else {
        breaker.on_neutral();
      }
    }
    bool more = i + 1 < r.candidates.size();
    im.record(r.task, c, context, Usage{}, 0, latency, -1,
              error.kind == ErrorKind::cancelled ? "cancelled" : more ? "fallback" : "error", error);
    if (error.kind == ErrorKind::cancelled) co_return error;
    last_error = error;
  }
  co_return last_error.value_or(Error{.kind = ErrorKind::connection, .message = "no embedding candidate"});
}

}  // namespace devagent::llm
