// POST /api/v1/chat: runs the agent on its own strand and streams its events
// (SSE), or answers one JSON document with stream=false. The run goes into
// the registry first, so cancel and resume work from the first event on.
#include "agent/agent.h"
#include "core/blocking.h"
#include "core/config.h"
#include "core/log.h"
#include "core/log_context.h"
#include "memory/conversations.h"
#include "memory/extract.h"
#include "memory/facts.h"
#include "memory/history.h"
#include "memory/memory.h"
#include "core/text.h"
#include "llm/budget.h"
#include "server/access.h"
#include "server/handlers.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

namespace devagent::server::handlers {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxMessageBytes = 32 * 1024;
constexpr std::size_t kMaxIdBytes = 128;
constexpr int kHistoryMessages = 10;  // earlier turns given to the agent when memory is off
const std::string kUser = "local";
constexpr std::size_t kMaxMemoryBytes = 800;  // of one recalled memory in the context     // one user until API keys name principals

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (unsigned char c : id) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool blank(std::string_view s) {
  for (unsigned char c : s) {
    if (!std::isspace(c)) return false;
  }
  return true;
}

}  // namespace

features::Enabled enabled_features(const Services& services, std::string_view principal) {
  return services.features ? services.features->resolve(principal) : features::Enabled{};
}

agent::CachePolicy cache_policy(std::string_view cache_control) {
  agent::CachePolicy p;
  std::size_t at = 0;
  while (at <= cache_control.size()) {
    auto comma = cache_control.find(',', at);
    auto part = cache_control.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) part.remove_prefix(1);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.back()))) part.remove_suffix(1);
    std::string directive = ascii_lower(part.substr(0, part.find('=')));
    if (directive == "no-cache") p.read = false;
    if (directive == "no-store") p.read = p.write = false;
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return p;
}

Result<ChatRequest> parse_chat_request(const json::value& body) {
  if (!body.is_object()) return make_error(ErrorKind::invalid_argument, "the body must be a JSON object");
  const auto& o = body.as_object();
  ChatRequest r;
  const auto* message = o.if_contains("message");
  if (!message || !message->is_string()) {
    return make_error(ErrorKind::invalid_argument, "message is required and must be a string");
  }
  r.message = message->as_string();
  if (blank(r.message)) return make_error(ErrorKind::invalid_argument, "message must not be empty");
  if (r.message.size() > kMaxMessageBytes) {
    return make_error(ErrorKind::invalid_argument,
                      "message is longer than " + std::to_string(kMaxMessageBytes) + " bytes");
  }
  if (const auto* id = o.if_contains("conversation_id"); id && !id->is_null()) {
    if (!id->is_string() || !valid_id(id->as_string())) {
      return make_error(ErrorKind::invalid_argument, "conversation_id must be 1 to 128 letters, digits, '-' or '_'");
    }
    r.conversation_id = id->as_string();
  }
  if (const auto* options = o.if_contains("options"); options && !options->is_null()) {
    if (!options->is_object()) return make_error(ErrorKind::invalid_argument, "options must be an object");
    if (const auto* offline = options->as_object().if_contains("offline")) {
      if (!offline->is_bool()) return make_error(ErrorKind::invalid_argument, "options.offline must be a boolean");
      r.offline = offline->as_bool();
    }
    if (const auto* cache = options->as_object().if_contains("cache")) {
      if (!cache->is_string() || (cache->as_string() != "use" && cache->as_string() != "no-cache" &&
                                  cache->as_string() != "no-store")) {
        return make_error(ErrorKind::invalid_argument, "options.cache must be \"use\", \"no-cache\" or \"no-store\"");
      }
      r.cache = cache_policy(cache->as_string() == "use" ? "" : std::string_view(cache->as_string()));
    }
  }
  if (const auto* stream = o.if_contains("stream")) {
    if (!stream->is_bool()) return make_error(ErrorKind::invalid_argument, "stream must be a boolean");
    r.stream = stream->as_bool();
  }
  return r;
}

namespace {

Result<ChatRequest> parse_chat(const Exchange& ex) {
  auto body = ex.json_body();
  if (!body) return body.error();
  auto r = parse_chat_request(*body);
  if (!r) return r;
  if (auto q = ex.query("stream")) {
    if (*q != "true" && *q != "false" && *q != "1" && *q != "0") {
      return make_error(ErrorKind::invalid_argument, "?stream must be true or false");
    }
    if (*q == "false" || *q == "0") r->stream = false;
  }
  if (auto header = ex.header("cache-control"); !header.empty()) {
    auto policy = cache_policy(header);
    r->cache.read = r->cache.read && policy.read;
    r->cache.write = r->cache.write && policy.write;
  }
  return r;
}

// The non-streaming answer: what the client would have assembled from the events.
json::object answer_document(const Run& run, const agent::Answer& a) {
  json::array results;
  for (const auto& r : a.results) {
    json::object o;
    o["id"] = r.id;
    o["tool"] = r.tool;
    o["status"] = agent::to_string(r.status);
    o["duration_ms"] = r.duration_ms;
    if (r.status != agent::TaskResult::Status::ok) o["error"] = r.error;
    results.push_back(std::move(o));
  }
  json::object usage;
  usage["input_tokens"] = a.usage.input_tokens;
  usage["output_tokens"] = a.usage.output_tokens;
  usage["cached_input_tokens"] = a.usage.cached_input_tokens;
  usage["estimated"] = a.usage.estimated;
  json::object doc;
  doc["run_id"] = run.id();
  doc["conversation_id"] = run.conversation_id();
  doc["message_id"] = run.message_id();
  doc["answer"] = a.text;
  doc["plan"] = agent::to_json(a.plan);
  doc["results"] = std::move(results);
  doc["usage"] = std::move(usage);
  doc["cost_usd"] = static_cast<double>(a.cost_nanos) / 1e9;
  doc["engine"] = a.engine;
  if (a.answered_by) doc["model"] = a.answered_by->label();
  if (a.cached) doc["cached"] = a.cached->to_json();
  if (!a.variant.empty()) doc["variant"] = a.variant;
  return doc;
}

// Lower-case letters and digits only: "Our DB is X." and "our db is x" are one memory.
std::string normalised(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

// Stores the question, then gives the agent what memory holds for it: the
// conversation's recent turns and running summary (folding the oldest turns
// into it when they outgrow memory.history_tokens), the memories of earlier
// conversations that bear on it, and the facts it states. A store that
// fails costs the history, not the run.
asio::awaitable<void> prepare_question(const Services& services, const Run& run, agent::Question& question,
                                       CancelToken cancel) {
  if (!services.db) co_return;
  memory::Conversations conversations(*services.db);
  std::string conversation_id = run.conversation_id();
  memory::MemoryStore* mem = question.features.memory ? services.memory : nullptr;  // features.memory
  bool use_llm = !question.offline && services.agent && services.agent->has_llm() && services.router;
  bool llm_extraction = use_llm && mem && mem->options().llm_extraction;

  if (mem) {
    auto plan = co_await run_blocking([&] { return memory::plan_history(conversations, *mem, conversation_id); });
    if (plan) {
      question.summary = plan->summary;
      if (!plan->fold.empty()) {
        std::optional<std::string> text;
        if (use_llm) {
          text = co_await memory::summarize_with_llm(*services.router, plan->summary, plan->fold,
                                                     mem->options().summary_tokens, question.context, cancel);
        }
        if (!text) text = memory::extractive_summary(plan->summary, plan->fold, mem->options().summary_tokens);
        std::int64_t covers = plan->covers + static_cast<std::int64_t>(plan->fold.size());
        auto stored = co_await run_blocking([&] { return mem->set_summary(conversation_id, kUser, *text, covers); });
        if (!stored) log::warn("storing the summary failed", "run_id", run.id(), "error", stored.error().message);
        question.summary = *text;
      }
      question.history = memory::as_messages(plan->recent);
    } else {
      log::warn("loading the history failed", "run_id", run.id(), "error", plan.error().message);
    }
  } else {
    auto earlier = co_await run_blocking([&] { return conversations.history(conversation_id, kHistoryMessages); });
    if (earlier) question.history = std::move(*earlier);
  }

  memory::StoredMessage stored_question;
  stored_question.id = new_id();
  stored_question.conversation_id = conversation_id;
  stored_question.role = "user";
  stored_question.content = question.text;
  stored_question.run_id = run.id();
  auto stored = co_await run_blocking([&] { return conversations.append(stored_question); });
  if (!stored) log::warn("storing the question failed", "run_id", run.id(), "error", stored.error().message);
  if (!mem) co_return;

  // Recall first, so the question's own facts are not among its memories.
  memory::SearchOptions recall;
  recall.k = mem->options().recall_k;
  recall.exclude_conversation = conversation_id;
  recall.min_score = mem->options().min_score;
  std::string text = question.text;
  auto hits = co_await run_blocking([&] { return mem->search(text, recall); });
  if (hits) {
    std::vector<std::string> kept;  // normalised contents, to drop repeats
    std::size_t budget = mem->options().recall_tokens;
    for (const auto& h : *hits) {
      // Bearing on the question: a shared word or entity, or close in meaning.
      if (h.keyword <= 0 && h.entity <= 0 && h.vector < 0.5) continue;
      std::string norm = normalised(h.fragment.content);
      bool repeat = std::any_of(kept.begin(), kept.end(), [&](const std::string& k) {
        return k.find(norm) != std::string::npos || norm.find(k) != std::string::npos;
      });
      if (repeat || norm.empty()) continue;
      // Within the recall budget; a long memory gives its beginning.
      std::string content = h.fragment.content;
      if (content.size() > kMaxMemoryBytes) content = content.substr(0, kMaxMemoryBytes) + "…";
      if (memory::approx_tokens(content) > budget) break;
      budget -= memory::approx_tokens(content);
      kept.push_back(norm);
      // What the user stated (a fact, or an entity seen in a statement) can
      // change an answer: the response cache keeps such answers apart.
      constexpr std::string_view kDiscussed = " — discussed: ";  // how memory words an entity (memory.cpp)
      auto discussed = h.fragment.content.find(kDiscussed);
      bool stated = h.fragment.kind == "fact" ||
                    (h.fragment.kind == "entity" && discussed != std::string::npos &&
                     !memory::is_question(std::string_view(h.fragment.content).substr(discussed + kDiscussed.size())));
      question.memories.push_back(
          agent::Recollection{h.fragment.kind, content, h.fragment.created_at, h.score, stated});
    }
  } else {
    log::warn("memory recall failed", "run_id", run.id(), "error", hits.error().message);
  }

  // With a model, its reading of the question is taken after the answer
  // (remember_answer), so it never delays the first token; the rules are
  // instant and run now, so a statement can be acknowledged.
  if (llm_extraction) co_return;
  auto record = co_await run_blocking([&] { return mem->remember_question(conversation_id, kUser, text); });
  if (record) {
    for (const auto& f : record->facts) question.noted.push_back(f.content);
    question.statement = !question.noted.empty() && !memory::is_question(question.text);
  } else {
    log::warn("remembering the question failed", "run_id", run.id(), "error", record.error().message);
  }
}

// The answer, or what had been written of it when the run was cancelled.
asio::awaitable<void> store_answer(store::Database* db, const Run& run, const agent::Answer& answer,
                                   const std::string& partial) {
  if (!db) co_return;
  memory::StoredMessage m;
  m.id = run.message_id();
  m.conversation_id = run.conversation_id();
  m.role = "assistant";
  m.content = answer.text.empty() ? partial : answer.text;
  m.run_id = run.id();
  m.status = !answer.error ? "complete" : answer.cancelled ? "partial" : "failed";
  if (answer.answered_by) m.model = answer.answered_by->label();
  m.input_tokens = answer.usage.input_tokens;
  m.output_tokens = answer.usage.output_tokens;
  m.cost_nanos = answer.cost_nanos;
  m.variant = answer.variant;
  memory::Conversations conversations(*db);
  auto stored = co_await run_blocking([&] { return conversations.append(m); });
  if (!stored) log::warn("storing the answer failed", "run_id", run.id(), "error", stored.error().message);
}

// What the finished turn leaves in memory; runs after the run has ended, so
// the client never waits for it. With a model, the question's facts and
// entities are its reading of them (the summary route), taken now.
struct TurnToRemember {
  std::string conversation_id;
  std::string question;
  std::string answer;  // empty when the run failed or was cancelled
  bool llm_reads_question = false;
  bool cancelled = false;
  bool memory = true;  // features.memory for this request
  llm::CallContext context;
};

asio::awaitable<void> remember_turn(const Services& services, const std::string& run_id, TurnToRemember turn) {
  memory::MemoryStore* mem = turn.memory ? services.memory : nullptr;
  if (!mem) co_return;
  if (turn.llm_reads_question) {
    memory::Extraction extraction;
    if (!turn.cancelled) {
      auto extracted = co_await memory::extract_with_llm(*services.router, turn.question, turn.context, CancelToken{});
      if (extracted) extraction = std::move(*extracted);
    }
    auto record = co_await run_blocking(
        [&] { return mem->remember_question(turn.conversation_id, kUser, turn.question, extraction); });
    if (!record) log::warn("remembering the question failed", "run_id", run_id, "error", record.error().message);
  }
  if (!turn.answer.empty()) {
    auto remembered = co_await run_blocking(
        [&] { return mem->remember_answer(turn.conversation_id, kUser, turn.answer); });
    if (!remembered) log::warn("remembering the answer failed", "run_id", run_id, "error", remembered.error().message);
  }
}

// Runs the agent on the run's own strand; the run always ends with
// answer_done or error, and then finish().
asio::awaitable<void> run_agent(Services services, std::shared_ptr<Run> run, agent::Question question) {
  agent::Agent& agent = *services.agent;
  auto partial = std::make_shared<std::string>();  // the tokens so far
  agent::EventSink sink = [run, partial](const agent::Event& e) {
    if (e.kind == agent::EventKind::token) {
      if (const auto* text = e.data.if_contains("text"); text && text->is_string()) *partial += text->as_string();
    }
    run->push(std::string(agent::to_string(e.kind)), e.data);
  };
  RunOutcome outcome;
  std::string failure;
  TurnToRemember turn;
  try {
    co_await prepare_question(services, *run, question, run->cancel_token());
    turn.conversation_id = run->conversation_id();
    turn.question = question.text;
    turn.llm_reads_question = !question.offline && agent.has_llm() && services.router && services.memory &&
                              services.memory->options().llm_extraction;
    turn.context = question.context;
    turn.memory = question.features.memory;
    bool statement = question.statement && (question.offline || !agent.has_llm());  // the builtin acknowledgement
    agent::Answer answer = co_await agent.ask(std::move(question), sink, run->cancel_token());
    co_await store_answer(services.db, *run, answer, *partial);
    turn.cancelled = answer.cancelled;
    // An acknowledgement of stated facts adds nothing to remember.
    if (!answer.error && !statement) turn.answer = answer.text;
    outcome.document = answer_document(*run, answer);
    if (answer.error) {
      outcome.error_kind = answer.error_kind.empty() ? "upstream" : answer.error_kind;
      outcome.error_message = *answer.error;
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    log::error("agent run failed", "run_id", run->id(), "error", failure);
    outcome.error_kind = "internal";
    outcome.error_message = "internal error; see the server log for run " + run->id();
    json::object data;
    data["kind"] = outcome.error_kind;
    data["message"] = outcome.error_message;
    run->push("error", std::move(data));
  }
  run->finish(std::move(outcome));
  if (!failure.empty() || turn.conversation_id.empty()) co_return;
  try {
    co_await remember_turn(services, run->id(), std::move(turn));
  } catch (const std::exception& e) {
    log::error("remembering a turn failed", "run_id", run->id(), "error", e.what());
  }
}

// Waits for the end of a run without writing anything.
asio::awaitable<void> wait_until_done(Run& run) {
  while (!run.done()) co_await run.wait(run.last_seq(), std::chrono::minutes(1));
}

asio::awaitable<void> reply_outcome(Exchange& ex, const RunOutcome& outcome) {
  if (outcome.error_kind.empty()) {
    json::value doc = outcome.document;
    co_await ex.reply_json(200, doc);
    co_return;
  }
  unsigned status = 502;  // upstream
  if (outcome.error_kind == "budget_exceeded")
    status = 429;
  else if (outcome.error_kind == "cancelled")
    status = 499;
  else if (outcome.error_kind == "internal")
    status = 500;
  Headers headers;
  if (status == 429) {  // a spent daily budget: it resets at UTC midnight
    headers.emplace_back("Retry-After", std::to_string(llm::BudgetGuard::until_reset().count()));
    count_limited("daily_tokens");
  }
  co_await ex.reply_error(status, outcome.error_kind, outcome.error_message, headers);
}

}  // namespace

std::shared_ptr<ChatState> ChatState::from(const config::Config* config) {
  RunOptions options;
  std::chrono::milliseconds heartbeat{10'000};
  if (config) {
    heartbeat = config->duration("server.sse_heartbeat");
    options.keep_finished = config->duration("server.run_keep");
    options.max_events = static_cast<std::size_t>(config->integer("server.run_max_events"));
  }
  auto state = std::make_shared<ChatState>(options, heartbeat);
  if (config) {
    state->ws_queue_limit = static_cast<std::size_t>(config->size("server.ws_queue_limit"));
    state->ws_idle_timeout = config->duration("server.ws_idle_timeout");
    state->ws_max_runs = static_cast<std::size_t>(config->integer("server.ws_max_runs"));
  }
  return state;
}

std::shared_ptr<Run> start_chat_run(Services& services, ChatState& state, const ChatRequest& request,
                                    const std::string& request_id, const asio::any_io_executor& executor) {
  std::string conversation_id = request.conversation_id.empty() ? new_id() : request.conversation_id;
  auto run = state.runs.create(conversation_id, new_id());
  json::object started;
  started["run_id"] = run->id();
  started["conversation_id"] = run->conversation_id();
  started["message_id"] = run->message_id();
  run->push("run", std::move(started));

  agent::Question question;
  question.text = request.message;
  question.offline = request.offline;
  question.cache = request.cache;
  question.context.request_id = request_id;
  question.context.conversation_id = conversation_id;
  question.context.principal = request.principal;
  question.context.daily_tokens = request.daily_tokens;
  question.features = request.features;
  // Each run gets its own strand on the server's threads: a slow client
  // never holds up the agent, and the agent never holds up the connection.
  // Everything the run does logs with the request's id (core/log_context.h).
  auto& ioc = static_cast<asio::io_context&>(asio::query(executor, asio::execution::context));
  auto agent_run = run_agent(services, run, std::move(question));
  asio::co_spawn(log::with_request_id(asio::make_strand(ioc), request_id), std::move(agent_run), asio::detached);
  return run;
}

awaitable<void> chat(Services& services, ChatState& state, Exchange& ex) {
  if (!services.agent) {
    co_await ex.reply_error(503, "unavailable", "no agent in this server");
    co_return;
  }
  auto request = parse_chat(ex);
  if (!request) {
    Error error = request.error();
    co_await ex.reply_error(error);
    co_return;
  }
  request->principal = ex.caller().principal;
  request->daily_tokens = ex.caller().daily_tokens;
  request->features = enabled_features(services, request->principal);
  if (!request->features.streaming) request->stream = false;  // features.streaming: one document instead
  auto executor = co_await asio::this_coro::executor;
  auto run = start_chat_run(services, state, *request, ex.request_id(), executor);

  // The client leaving, or the server shutting down, cancels the run.
  CancelToken gone = ex.watch_client();
  auto on_gone = gone.on_cancel([run] { run->cancel("client disconnected"); });
  auto on_shutdown = ex.shutdown_token().on_cancel([run] { run->cancel("server shutting down"); });

  if (request->stream) {
    bool ok = co_await ex.begin_stream(200, "text/event-stream");
    if (ok) ok = co_await stream_run_sse(ex, *run, 0, state.heartbeat);
    if (ok)
      co_await ex.end_stream();
    else
      run->cancel("client disconnected");
  } else {
    co_await wait_until_done(*run);
    auto outcome = run->outcome();
    if (outcome) co_await reply_outcome(ex, *outcome);
  }
  on_gone.reset();
  co_await ex.stop_watching();
}

}  // namespace devagent::server::handlers
