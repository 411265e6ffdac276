#include "agent/agent.h"

#include "agent/composer.h"
#include "agent/context.h"
#include "agent/tool_loop.h"
#include "core/blocking.h"
#include "core/config.h"
#include "core/log.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>

namespace devagent::agent {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

void add_usage(llm::Usage& total, const llm::Usage& u) {
  total.input_tokens += u.input_tokens;
  total.output_tokens += u.output_tokens;
  total.cached_input_tokens += u.cached_input_tokens;
  total.estimated |= u.estimated;
}

void emit(const EventSink& sink, EventKind kind, json::object data) {
  if (sink) sink(Event{kind, std::move(data)});
}

// The composed answer goes out a line at a time, as a model's would.
void stream_text(const EventSink& sink, const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto end = nl == std::string::npos ? text.size() : nl + 1;
    emit(sink, EventKind::token, json::object{{"text", text.substr(pos, end - pos)}});
    pos = end;
  }
}

std::string day_of(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// What memory adds to the system prompt: the running summary, and what
// earlier conversations left that bears on the question.
std::string memory_context(const Question& q) {
  std::string out;
  if (!q.summary.empty()) out += "\n\nSummary of the earlier part of this conversation:\n" + q.summary;
  if (!q.memories.empty()) {
    out += "\n\nFrom earlier conversations (newer facts replace older ones; use them when they bear on the question):";
    for (const auto& r : q.memories) out += "\n- [" + day_of(r.created_at) + ", " + r.kind + "] " + r.content;
  }
  if (!q.noted.empty()) {
    out += "\n\nThe user's message states facts that are now remembered:";
    for (const auto& n : q.noted) out += "\n- " + n;
  }
  return out;
}

// The builtin engine's mention of what memory recalled for the question.
std::string recalled_section(const Question& q) {
  if (q.memories.empty()) return {};
  std::string out = "**From earlier conversations**\n\n";
  for (const auto& r : q.memories) {
    std::string content = r.content;
    for (auto& c : content) {
      if (c == '\n') c = ' ';
    }
    out += "- " + content + " _(" + r.kind + ", " + day_of(r.created_at) + ")_\n";
  }
  return out + "\n";
}

std::vector<llm::Message> conversation(const std::string& system, const Question& q, std::string user) {
  std::vector<llm::Message> m;
  m.push_back(llm::Message{.role = llm::Role::system, .content = system + memory_context(q)});
  for (const auto& h : q.history) m.push_back(h);
  m.push_back(llm::Message{.role = llm::Role::user, .content = std::move(user)});
  return m;
}

// The version of what writes answers: a change to a prompt (or another
// variant of it) or to the composer's output is a new scope, so old entries
// stop matching.
constexpr const char* kComposerVersion = "composer-1";
std::string prompt_version(const Prompts& prompts) { return digest(prompts.version + '\n' + kComposerVersion); }

// A plan kept by the decomposition cache; nullopt when unreadable or empty.
std::optional<Plan> cached_plan(const std::string& payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec) return std::nullopt;
  auto plan = plan_from_json(v);
  if (!plan || plan->tasks.empty()) return std::nullopt;
  return std::move(*plan);
}

// A replayed answer: the stored events, each marked cached, then answer_done
// with what the hit saved.
Answer replay_answer(const cache::Hit& hit, const Replay& replay, const EventSink& sink, Clock::time_point started) {
  Answer out;
  const auto info = CacheInfo::of(hit);
  for (const auto& e : replay.events) {
    if (e.kind == EventKind::plan) {
      if (auto plan = plan_from_json(e.data); plan) out.plan = std::move(*plan);
    }
    auto data = e.data;
    data["cached"] = true;
    emit(sink, e.kind, std::move(data));
  }
  out.text = replay.text;
  out.engine = replay.engine.empty() ? "cache" : replay.engine;
  if (!replay.provider.empty()) out.answered_by = llm::Candidate{replay.provider, replay.model};
  out.cached = info;
  json::object done{{"engine", out.engine},
                    {"usage", json::object{{"input_tokens", 0}, {"output_tokens", 0}, {"cached_input_tokens", 0},
                                           {"estimated", false}}},
                    {"cost_usd", 0.0},
                    {"tasks", 0},
                    {"failed_tasks", 0},
                    {"duration_ms",
                     std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()},
                    {"cached", info.to_json()}};
  if (out.answered_by) {
    done["provider"] = out.answered_by->provider;
    done["model"] = out.answered_by->model;
  }
  if (!out.variant.empty()) done["variant"] = out.variant;
  emit(sink, EventKind::answer_done, std::move(done));
  return out;
}

}  // namespace

AgentOptions AgentOptions::from(const config::Config& config) {
  AgentOptions o;
  o.max_steps = static_cast<int>(config.integer("agent.max_steps"));
  o.orchestrator.task_timeout = config.duration("agent.task_timeout");
  o.orchestrator.max_parallel = static_cast<std::size_t>(config.integer("agent.max_parallel"));
  o.context_tokens = static_cast<std::size_t>(config.integer("agent.context_tokens"));
  return o;
}

Agent::Agent(AgentOptions options, const tools::ToolRegistry& tools, llm::Router& router, PlannerContext planner)
    : options_(options),
      tools_(tools),
      router_(router),
      planner_(std::move(planner)),
      orchestrator_(tools, options.orchestrator) {}

bool Agent::has_llm() const {
  const auto& route = router_.route("decomposition");
  return !route.candidates.empty() && route.candidates.front().provider != "builtin";
}

void Agent::use_cache(cache::ResponseCache* cache, RevisionResolver revision) {
  cache_ = cache;
  revision_ = std::move(revision);
  tool_digest_ = tool_set_digest(tools_);
}

std::optional<cache::Scope> Agent::answer_scope(const Question& q, bool llm) const {
  if (!cache_ || !cache_->options().enabled || q.statement) return std::nullopt;
  cache::Scope scope;
  auto repos = repository_scope(q.text, planner_, revision_);
  if (!repos.cacheable) return std::nullopt;
  scope.kind = repos.about_repository ? cache::Kind::analysis : cache::Kind::response;
  if (llm) {
    const auto& route = router_.route("response");
    scope.model = "response:" + (route.candidates.empty() ? std::string() : route.candidates.front().label());
  } else {
    scope.model = "builtin";
  }
  scope.tools = tool_digest_;
  scope.prompt_version = prompt_version(q.prompts);
  scope.repository = repos.repositories;
  scope.revision = repos.revisions;
  scope.context = context_digest(q, !llm);
  scope.semantic = q.history.empty() || !leans_on_earlier_turns(q.text);
  return scope;
}

cache::Scope Agent::decomposition_scope(const Question& q) const {
  cache::Scope scope;
  scope.kind = cache::Kind::decomposition;
  const auto& route = router_.route("decomposition");
  scope.model = "decomposition:" + (route.candidates.empty() ? std::string() : route.candidates.front().label());
  scope.tools = tool_digest_;
  scope.prompt_version = prompt_version(q.prompts);
  scope.context = context_digest(q, false);
  scope.semantic = q.history.empty() || !leans_on_earlier_turns(q.text);
  return scope;
}

asio::awaitable<std::optional<cache::Hit>> Agent::cache_lookup(const cache::Scope& scope, const std::string& question) {
  auto* c = cache_;
  // One trip to the blocking pool: the lookup, then its outcome counted.
  auto found = co_await run_blocking([&]() -> Result<std::optional<cache::Hit>> {
    auto hit = c->lookup(scope, question);
    if (!hit) return hit;
    Result<> recorded = *hit ? c->touch((*hit)->entry.id) : Result<>{};
    if (recorded) {
      const auto& h = *hit;
      recorded = !h ? c->record(scope.kind, cache::Outcome::miss)
                    : c->record(scope.kind, h->exact ? cache::Outcome::exact_hit : cache::Outcome::semantic_hit,
                                h->entry.input_tokens + h->entry.output_tokens, h->entry.cost_nanos);
    }
    if (!recorded) log::warn("cache statistics not recorded", "error", recorded.error().message);
    return hit;
  });
  if (!found) {
    log::warn("cache lookup failed", "kind", cache::to_string(scope.kind), "error", found.error().message);
    co_return std::nullopt;
  }
  co_return std::move(*found);
}

void Agent::prepare(Question& q) const {
  if (q.prompts.version.empty()) {
    q.prompts = options_.prompts.choose(q.context.principal);
    q.context.variant = q.prompts.variant;
  }
  if (!q.features.caching) q.cache = CachePolicy{.read = false, .write = false};
  if (!q.features.routing) q.context.single_model = true;
}

asio::awaitable<bool> Agent::cached(Question q) {
  prepare(q);
  auto scope = co_await run_blocking([&] { return answer_scope(q, !q.offline && has_llm()); });
  if (!scope) co_return false;
  auto* c = cache_;
  auto found = co_await run_blocking([&] { return c->lookup(*scope, q.text); });
  co_return found && found->has_value();
}

asio::awaitable<void> Agent::cache_put(const cache::Scope& scope, const std::string& question, std::string payload,
                                       const llm::Usage& usage, std::int64_t cost_nanos) {
  auto* c = cache_;
  auto stored = co_await run_blocking([&] {
    return c->put(scope, question, std::move(payload), usage.input_tokens, usage.output_tokens, cost_nanos);
  });
  if (!stored) log::warn("answer not cached", "kind", cache::to_string(scope.kind), "error", stored.error().message);
}

asio::awaitable<Answer> Agent::ask(Question q, EventSink sink, CancelToken cancel) {
  auto started = Clock::now();
  Answer out;
  q.context.skip_builtin = true;
  prepare(q);
  out.variant = q.prompts.variant;
  const bool llm = !q.offline && has_llm();
  // Resolving a local repository's revision reads its index: blocking work.
  auto scope = co_await run_blocking([&] { return answer_scope(q, llm); });
  if (scope && q.cache.read) {
    auto hit = co_await cache_lookup(*scope, q.text);
    if (hit) {
      auto replay = parse_payload(hit->entry.payload);
      if (replay) {
        Answer replayed = replay_answer(*hit, *replay, sink, started);
        replayed.variant = out.variant;
        co_return replayed;
      }
      log::warn("cache entry unreadable, answering afresh", "id", hit->entry.id, "error", replay.error().message);
    }
  }
  RunRecorder recorder;
  EventSink run_sink = scope && q.cache.write ? recorder.wrap(sink) : sink;

  bool answered = false;
  if (llm) answered = co_await ask_llm(q, run_sink, cancel, out);
  if (!answered && !cancel.cancelled()) co_await ask_offline(q, run_sink, cancel, out);
  if (cancel.cancelled()) out.cancelled = true;

  if (out.cancelled) {
    out.error = "cancelled";
    out.error_kind = "cancelled";
    emit(sink, EventKind::error, json::object{{"kind", "cancelled"}, {"message", "the run was cancelled"}});
    co_return out;
  }
  if (out.error) {
    emit(sink, EventKind::error, json::object{{"kind", out.error_kind}, {"message", *out.error}});
    co_return out;
  }
  std::int64_t failed = 0;
  for (const auto& r : out.results) failed += r.status != TaskResult::Status::ok;
  json::object done{{"engine", out.engine},
                    {"usage", json::object{{"input_tokens", out.usage.input_tokens},
                                           {"output_tokens", out.usage.output_tokens},
                                           {"cached_input_tokens", out.usage.cached_input_tokens},
                                           {"estimated", out.usage.estimated}}},
                    {"cost_usd", static_cast<double>(out.cost_nanos) / 1e9},
                    {"tasks", out.results.size()},
                    {"failed_tasks", failed},
                    {"duration_ms",
                     std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}};
  if (out.answered_by) {
    done["provider"] = out.answered_by->provider;
    done["model"] = out.answered_by->model;
  }
  if (!out.variant.empty()) done["variant"] = out.variant;
  emit(sink, EventKind::answer_done, std::move(done));
  // Kept only when complete, by the engine the scope names, and not leaning
  // on local code the scope does not pin to a revision.
  if (scope && q.cache.write && failed == 0 && !out.text.empty() && out.engine == (llm ? "llm" : "builtin") &&
      (!scope->revision.empty() || !uses_local_code(out.plan))) {
    // A repository that changed during the run (its index was refreshed)
    // leaves the answer between two revisions: not kept.
    // (No ?: around co_await: GCC 12 destroys its temporaries twice.)
    bool unchanged = true;
    if (!scope->repository.empty()) {
      auto after = co_await run_blocking([&] { return answer_scope(q, llm); });
      unchanged = after && after->key() == scope->key();
    }
    if (unchanged) {
      json::object meta{{"engine", out.engine}};
      if (out.answered_by) meta["provider"] = out.answered_by->provider, meta["model"] = out.answered_by->model;
      co_await cache_put(*scope, q.text, recorder.payload(out.text, std::move(meta)), out.usage, out.cost_nanos);
    }
  }
  co_return out;
}

asio::awaitable<void> Agent::ask_offline(const Question& q, const EventSink& sink, CancelToken cancel, Answer& out) {
  out.engine = "builtin";
  out.answered_by.reset();
  if (q.statement) {
    // A message that only states facts: they are remembered; nothing to look up.
    std::string text = "Noted — I'll remember:\n";
    for (const auto& n : q.noted) text += "\n- " + n;
    text += "\n\nAsk about it in any conversation.";
    out.text = text;
    emit(sink, EventKind::plan, json::object{{"tasks", json::array{}}, {"planner", "builtin"}});
    stream_text(sink, out.text);
    co_return;
  }
  out.plan = plan_builtin(q.text, planner_);
  auto data = to_json(out.plan);
  data["planner"] = "builtin";
  emit(sink, EventKind::plan, std::move(data));
  out.results = co_await orchestrator_.run(out.plan, sink, cancel);
  if (cancel.cancelled()) {
    out.cancelled = true;
    co_return;
  }
  if (out.plan.tasks.empty() && !q.memories.empty()) {
    // Nothing to look up in the code, but memory knows something about it.
    out.text = recalled_section(q) + "That is what earlier conversations hold on this; nothing in the code was searched.";
  } else {
    out.text = recalled_section(q) + compose_answer(ComposeInput{q.text, out.results});
  }
  stream_text(sink, out.text);
}

asio::awaitable<bool> Agent::decompose(const Question& q, const EventSink& sink, CancelToken cancel, Answer& out,
                                       LoopResult& result) {
  if (!q.features.function_calling) {
    // Function calling is off for this request: the builtin planner picks
    // the tools; the model only writes the answer.
    result.plan = plan_builtin(q.text, planner_);
    auto data = to_json(result.plan);
    data["planner"] = "builtin";
    emit(sink, EventKind::plan, std::move(data));
    result.results = co_await orchestrator_.run(result.plan, sink, cancel);
    result.steps = 0;
    co_return true;
  }
  std::optional<cache::Scope> scope;
  if (cache_ && cache_->options().enabled && !q.statement) scope = decomposition_scope(q);
  if (scope && q.cache.read) {
    auto hit = co_await cache_lookup(*scope, q.text);
    auto plan = hit ? cached_plan(hit->entry.payload) : std::nullopt;
    if (plan) {
      // The model's tool calls for this question are known: run them again
      // without asking it (the results may have changed; the choice has not).
      auto data = to_json(*plan);
      data["planner"] = "cache";
      data["cached"] = CacheInfo::of(*hit).to_json();
      emit(sink, EventKind::plan, std::move(data));
      result.plan = *plan;
      result.results = co_await orchestrator_.run(result.plan, sink, cancel);
      result.steps = 0;
      co_return true;
    }
  }
  auto loop = co_await run_tool_loop(router_, tools_, orchestrator_, conversation(q.prompts.decomposition, q, q.text),
                                     sink, q.context, cancel, LoopOptions{.max_steps = options_.max_steps});
  if (!loop) {
    if (loop.error().kind == llm::ErrorKind::cancelled) {
      out.cancelled = true;
      co_return true;
    }
    if (loop.error().kind == llm::ErrorKind::budget_exceeded) {
      // A spent budget is a decision, not an outage: say so rather than answer
      // with something else (--offline asks for the builtin engine).
      out.error = "budget_exceeded: " + loop.error().message;
      out.error_kind = "budget_exceeded";
      co_return true;
    }
    emit(sink, EventKind::notice,
         json::object{{"message", "no model could plan the answer (" + loop.error().message + "); answering offline"}});
    co_return false;
  }
  result = std::move(*loop);
  bool complete = !result.results.empty() && !cancel.cancelled() &&
                  std::all_of(result.results.begin(), result.results.end(),
                              [](const TaskResult& r) { return r.status == TaskResult::Status::ok; });
  if (scope && q.cache.write && complete) {
    co_await cache_put(*scope, q.text, json::serialize(to_json(result.plan)), result.usage, result.cost_nanos);
  }
  co_return true;
}

asio::awaitable<bool> Agent::ask_llm(const Question& q, const EventSink& sink, CancelToken cancel, Answer& out) {
  out.engine = "llm";
  LoopResult loop_result;
  if (!co_await decompose(q, sink, cancel, out, loop_result)) co_return false;
  if (out.cancelled || out.error) co_return true;
  const LoopResult* loop = &loop_result;
  out.plan = loop->plan;
  out.results = loop->results;
  add_usage(out.usage, loop->usage);
  out.cost_nanos += loop->cost_nanos;
  if (cancel.cancelled()) {
    out.cancelled = true;
    co_return true;
  }

  if (out.results.empty() && q.features.function_calling) {
    // The model answered without tools: its reply is the answer, already
    // streamed as it was written (unless the provider sent no text deltas).
    out.answered_by = loop->candidate;
    if (!loop->streamed_text.empty() && loop->steps == 1) {
      out.text = loop->streamed_text;
    } else {
      out.text = loop->final_text;
      stream_text(sink, out.text);
    }
    co_return true;
  }
  // A preamble the model wrote around its tool calls was shown; the answer follows it.
  if (!loop->streamed_text.empty()) {
    out.text = loop->streamed_text + "\n\n";
    emit(sink, EventKind::token, json::object{{"text", "\n\n"}});
  }

  std::string user = q.text;
  if (!out.results.empty()) {
    user += "\n\nResults of the tools devagent ran for this question:\n\n" +
            results_for_model(out.results, options_.context_tokens);
  }
  llm::ChatRequest request;
  request.messages = conversation(q.prompts.response, q, std::move(user));
  std::string* text = &out.text;
  llm::DeltaSink deltas = [sink, text](const llm::Delta& d) {
    if (d.kind != llm::Delta::Kind::text || d.text.empty()) return;
    *text += d.text;
    emit(sink, EventKind::token, json::object{{"text", d.text}});
  };
  llm::AttemptObserver observer = [sink](const llm::AttemptFailure& f) {
    emit(sink, EventKind::notice, attempt_notice(f));
  };
  auto reply = co_await router_.chat("response", std::move(request), deltas, q.context, cancel, observer);
  if (reply) {
    add_usage(out.usage, reply->response.usage);
    out.cost_nanos += reply->cost_nanos;
    out.answered_by = reply->candidate;
    co_return true;
  }
  if (reply.error().usage) add_usage(out.usage, *reply.error().usage);
  if (reply.error().kind == llm::ErrorKind::cancelled) {
    out.cancelled = true;
  } else if (reply.error().kind == llm::ErrorKind::budget_exceeded) {
    out.error = "budget_exceeded: " + reply.error().message;
    out.error_kind = "budget_exceeded";
  } else if (reply.error().output_started) {
    out.error = "the answer stopped: " + reply.error().message;
    out.error_kind = "upstream";
  } else {
    // The tools ran; only the writer failed: compose the answer from their results.
    emit(sink, EventKind::notice,
         json::object{{"message", "no model could write the answer (" + reply.error().message + "); composed offline"}});
    out.engine = "builtin";
    out.text = compose_answer(ComposeInput{q.text, out.results});
    stream_text(sink, out.text);
  }
  co_return true;
}

}  // namespace devagent::agent
