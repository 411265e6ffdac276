// The OpenAI-compatible API (docs/openai-api.md):
//   POST /v1/chat/completions  model "devagent" runs the agent; any other
//                              model is a gateway call to one router candidate
//   GET  /v1/models            "devagent" and every provider:model devagent knows
//   POST /v1/embeddings        through the router's embedding route
// Errors leave in OpenAI's shape, {"error": {"message", "type", "param", "code"}}.
//
// Streaming: the upstream call (or the agent run) is a producer coroutine on
// the connection's strand whose sink feeds an ItemPipe; this handler writes
// what arrives as SSE chunks. The stream begins with the first piece of
// output, so a failure before any output still gets its HTTP status. A
// write that fails means the client is gone: the producer is cancelled (the
// upstream connection closes) and the handler waits for it to end.
#include "agent/agent.h"
#include "core/json.h"
#include "core/log.h"
#include "core/log_context.h"
#include "llm/providers.h"
#include "llm/router.h"
#include "server/handlers.h"
#include "server/item_pipe.h"
#include "server/openai_wire.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cstring>
#include <set>

namespace devagent::server::handlers {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using openai::ApiError;
using openai::ChunkWriter;

constexpr std::string_view kAgentModel = "devagent";
constexpr std::size_t kMaxEmbeddingInputs = 2048;

awaitable<void> reply_api_error(Exchange& ex, const ApiError& e) {
  Headers headers;
  if (e.retry_after) headers.emplace_back("Retry-After", std::to_string(e.retry_after->count()));
  json::value body = openai::error_json(e);
  co_await ex.reply_json(e.status, body, headers);
}

ApiError unavailable(std::string message) {
  return ApiError{.status = 503, .type = "server_error", .message = std::move(message), .param = {},
                  .code = "unavailable", .retry_after = std::nullopt};
}

ApiError internal_error(const std::string& request_id) {
  return ApiError{.status = 500, .type = "server_error",
                  .message = "internal error; see the server log for request " + request_id, .param = {}, .code = {},
                  .retry_after = std::nullopt};
}

// ---------------------------------------------------------------- models

// The model a gateway request names, as a router candidate:
//   "provider:model"  a configured provider by name and any model it serves
//                     ("openai:" or a bare provider name: its default model);
//   "model"           the first route candidate with that model, else the
//                     configured provider whose default model it is.
// A name whose part before ':' is no provider (Ollama's "llama3:8b") is
// matched whole.
std::optional<llm::Candidate> resolve_model(const llm::ProviderSet& providers, const llm::Router& router,
                                            std::string_view model) {
  if (auto colon = model.find(':'); colon != std::string_view::npos) {
    if (const llm::Provider* p = providers.find(model.substr(0, colon))) {
      std::string name(model.substr(colon + 1));
      if (name.empty()) name = p->default_model();
      return llm::Candidate{p->name(), name};
    }
  }
  if (const llm::Provider* p = providers.find(model)) return llm::Candidate{p->name(), p->default_model()};
  for (const auto& route : router.routes()) {
    for (const auto& c : route.candidates) {
      if (c.model == model && providers.find(c.provider)) return c;
    }
  }
  for (const llm::Provider* p : providers.all()) {
    if (p->default_model() == model) return llm::Candidate{p->name(), std::string(model)};
  }
  return std::nullopt;
}

std::int64_t started_at() {
  static const std::int64_t t = openai::unix_now();
  return t;
}

json::object model_entry(std::string_view id, std::string_view owner) {
  return {{"id", id}, {"object", "model"}, {"created", started_at()}, {"owned_by", owner}};
}

json::object models_document(const llm::ProviderSet& providers, const llm::Router& router) {
  json::array data;
  data.push_back(model_entry(kAgentModel, "devagent"));
  std::set<std::string> seen;
  auto add = [&](const std::string& provider, const std::string& model) {
    if (model.empty() || !providers.find(provider)) return;
    std::string id = provider + ":" + model;
    if (seen.insert(id).second) data.push_back(model_entry(id, provider));
  };
  for (const auto& route : router.routes()) {
    for (const auto& c : route.candidates) add(c.provider, c.model);
  }
  for (const llm::Provider* p : providers.all()) add(p->name(), p->default_model());
  return {{"object", "list"}, {"data", std::move(data)}};
}

// ---------------------------------------------------------------- gateway

struct GatewayRun {
  std::optional<llm::Outcome<llm::RoutedReply>> result;
};

awaitable<void> produce_gateway(llm::Router& router, llm::Candidate candidate, llm::ChatRequest request,
                                llm::CallContext context, CancelToken cancel, ItemPipe<llm::Delta>& pipe,
                                GatewayRun& run) {
  llm::DeltaSink sink = [&pipe](const llm::Delta& d) {
    bool output = (d.kind == llm::Delta::Kind::text && !d.text.empty()) || d.kind == llm::Delta::Kind::tool_call;
    if (output) pipe.push(d);
  };
  try {
    run.result = co_await router.chat_with(std::move(candidate), std::move(request), sink, std::move(context),
                                           std::move(cancel));
  } catch (const std::exception& e) {
    log::error("gateway call failed", "error", e.what());
    run.result = llm::Error{.kind = llm::ErrorKind::server, .message = "internal error"};
  }
  pipe.close();
}

std::string chunks_of(const ChunkWriter& w, const std::deque<llm::Delta>& batch) {
  std::string out;
  for (const auto& d : batch) out += d.kind == llm::Delta::Kind::text ? w.text(d.text) : w.tool_call(d);
  return out;
}

awaitable<void> gateway_stream(Services& s, Exchange& ex, llm::Candidate candidate, openai::CompletionRequest req,
                               llm::CallContext context) {
  auto child = CancelSource::child_of(ex.shutdown_token());
  CancelSource& cancel = child.first;
  auto executor = co_await asio::this_coro::executor;
  ItemPipe<llm::Delta> pipe(executor);
  GatewayRun run;
  CancelToken token = cancel.token();
  auto producer = produce_gateway(*s.router, candidate, req.chat, context, token, pipe, run);
  asio::co_spawn(log::with_request_id(executor, ex.request_id()), std::move(producer), asio::detached);

  ChunkWriter w(openai::completion_id(), openai::unix_now(), req.model, req.include_usage);
  bool started = false;
  bool gone = false;
  for (;;) {
    std::deque<llm::Delta> batch = co_await pipe.next_batch();
    if (batch.empty()) break;
    if (gone) continue;
    std::string out = chunks_of(w, batch);
    if (!started) {
      started = true;
      out = w.role() + out;
      gone = !co_await ex.begin_stream(200, "text/event-stream");
    }
    if (!gone) gone = !co_await ex.write(out);
    if (gone) cancel.cancel("client disconnected");
  }
  if (gone) co_return;
  const auto& result = *run.result;
  if (!started && !result) {
    ApiError e = openai::from_llm(result.error());
    co_await reply_api_error(ex, e);
    co_return;
  }
  std::string tail;
  if (!started) {
    if (!co_await ex.begin_stream(200, "text/event-stream")) co_return;
    tail = w.role();
  }
  if (result) {
    tail += w.finish(result->response.finish);
    if (req.include_usage) tail += w.usage(result->response.usage);
    tail += ChunkWriter::done();
  } else {
    ApiError e = openai::from_llm(result.error());
    tail += ChunkWriter::error(e);
  }
  if (co_await ex.write(tail)) co_await ex.end_stream();
}

awaitable<void> gateway_completion(Services& s, Exchange& ex, llm::Candidate candidate,
                                   openai::CompletionRequest req) {
  llm::CallContext context;
  context.request_id = ex.request_id();
  context.principal = ex.caller().principal;
  context.daily_tokens = ex.caller().daily_tokens;
  if (req.stream) {
    co_await gateway_stream(s, ex, std::move(candidate), std::move(req), std::move(context));
    co_return;
  }
  // Nothing is written until the reply is whole, so only shutdown cancels
  // here (a disconnect is noticed when the answer cannot be written).
  auto child = CancelSource::child_of(ex.shutdown_token());
  CancelToken token = child.first.token();
  llm::DeltaSink ignore = [](const llm::Delta&) {};
  auto result = co_await s.router->chat_with(candidate, req.chat, ignore, context, token);
  if (!result) {
    ApiError e = openai::from_llm(result.error());
    co_await reply_api_error(ex, e);
    co_return;
  }
  json::value doc = openai::completion_json(openai::completion_id(), openai::unix_now(), req.model, result->response);
  co_await ex.reply_json(200, doc);
}

// ---------------------------------------------------------------- agent

// The last user message is the question; earlier user and assistant
// messages with text are the history. System and tool messages are not
// passed on: the agent has its own prompt and tools.
std::optional<agent::Question> question_of(const std::vector<llm::Message>& messages, const std::string& request_id) {
  std::optional<std::size_t> last;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].role == llm::Role::user) last = i;
  }
  if (!last || messages[*last].content.empty()) return std::nullopt;
  agent::Question q;
  q.text = messages[*last].content;
  for (std::size_t i = 0; i < *last; ++i) {
    const auto& m = messages[i];
    bool turn = m.role == llm::Role::user || m.role == llm::Role::assistant;
    if (!turn || m.content.empty()) continue;
    llm::Message h;
    h.role = m.role;
    h.content = m.content;
    q.history.push_back(std::move(h));
  }
  q.context.request_id = request_id;
  return q;
}

std::int64_t estimated_tokens(std::size_t characters) { return static_cast<std::int64_t>((characters + 3) / 4); }

// What the run consumed; the builtin engine uses no model, so its usage is
// the usual estimate (characters / 4) of the conversation and the answer.
llm::Usage agent_usage(const agent::Question& q, const agent::Answer& a) {
  if (a.usage.input_tokens > 0 || a.usage.output_tokens > 0) return a.usage;
  std::size_t in = q.text.size();
  for (const auto& m : q.history) in += m.content.size();
  return llm::Usage{.input_tokens = estimated_tokens(in), .output_tokens = estimated_tokens(a.text.size()),
                    .cached_input_tokens = 0, .estimated = true};
}

ApiError agent_error(const agent::Answer& a) {
  llm::Error e{.kind = llm::ErrorKind::server, .message = a.error.value_or("the agent failed")};
  if (a.error_kind == "budget_exceeded") e.kind = llm::ErrorKind::budget_exceeded;
  if (a.error_kind == "cancelled") e.kind = llm::ErrorKind::cancelled;
  return openai::from_llm(e);
}

// What the stream gets from a run: answer text, or a sign of progress (an
// SSE comment, which keeps the connection alive and notices a client that left).
struct AgentItem {
  bool token = false;
  std::string text;
};

struct AgentRun {
  std::optional<agent::Answer> answer;
};

awaitable<void> produce_agent(agent::Agent& agent, agent::Question question, CancelToken cancel,
                              ItemPipe<AgentItem>& pipe, AgentRun& run) {
  agent::EventSink sink = [&pipe](const agent::Event& e) {
    AgentItem item;
    if (e.kind == agent::EventKind::token) {
      item.token = true;
      if (const json::value* t = e.data.if_contains("text"); t && t->is_string()) item.text = std::string(t->as_string());
      if (item.text.empty()) return;
    } else if (e.kind == agent::EventKind::answer_done || e.kind == agent::EventKind::error) {
      return;
    } else {
      item.text = agent::to_string(e.kind);
    }
    pipe.push(std::move(item));
  };
  try {
    run.answer = co_await agent.ask(std::move(question), sink, std::move(cancel));
  } catch (const std::exception& e) {
    log::error("agent run failed", "error", e.what());
    agent::Answer failed;
    failed.error = "internal error";
    failed.error_kind = "upstream";
    run.answer = std::move(failed);
  }
  pipe.close();
}

std::string frames_of(const ChunkWriter& w, const std::deque<AgentItem>& batch) {
  std::string out;
  for (const auto& item : batch) out += item.token ? w.text(item.text) : ": devagent " + item.text + "\n\n";
  return out;
}

awaitable<void> agent_stream(Services& s, Exchange& ex, agent::Question question, openai::CompletionRequest req) {
  auto child = CancelSource::child_of(ex.shutdown_token());
  CancelSource& cancel = child.first;
  auto executor = co_await asio::this_coro::executor;
  ItemPipe<AgentItem> pipe(executor);
  AgentRun run;
  CancelToken token = cancel.token();
  auto producer = produce_agent(*s.agent, question, token, pipe, run);
  asio::co_spawn(log::with_request_id(executor, ex.request_id()), std::move(producer), asio::detached);

  ChunkWriter w(openai::completion_id(), openai::unix_now(), req.model, req.include_usage);
  bool started = false;
  bool gone = false;
  for (;;) {
    std::deque<AgentItem> batch = co_await pipe.next_batch();
    if (batch.empty()) break;
    if (gone) continue;
    std::string out = frames_of(w, batch);
    if (!started) {
      started = true;
      out = w.role() + out;
      gone = !co_await ex.begin_stream(200, "text/event-stream");
    }
    if (!gone) gone = !co_await ex.write(out);
    if (gone) cancel.cancel("client disconnected");
  }
  if (gone) co_return;
  const agent::Answer& answer = *run.answer;
  if (!started && answer.error) {
    ApiError e = agent_error(answer);
    co_await reply_api_error(ex, e);
    co_return;
  }
  std::string tail;
  if (!started) {
    if (!co_await ex.begin_stream(200, "text/event-stream")) co_return;
    tail = w.role();
  }
  if (answer.error) {
    ApiError e = agent_error(answer);
    tail += ChunkWriter::error(e);
  } else {
    tail += w.finish(llm::FinishReason::stop);
    if (req.include_usage) tail += w.usage(agent_usage(question, answer));
    tail += ChunkWriter::done();
  }
  if (co_await ex.write(tail)) co_await ex.end_stream();
}

awaitable<void> agent_completion(Services& s, Exchange& ex, openai::CompletionRequest req) {
  if (!s.agent) {
    ApiError e = unavailable("the agent is not available in this server");
    co_await reply_api_error(ex, e);
    co_return;
  }
  auto question = question_of(req.chat.messages, ex.request_id());
  if (!question) {
    ApiError e = openai::invalid_request("model devagent needs a user message with text: the question", "messages");
    co_await reply_api_error(ex, e);
    co_return;
  }
  if (auto header = ex.header("cache-control"); !header.empty()) question->cache = cache_policy(header);
  question->context.principal = ex.caller().principal;
  question->context.daily_tokens = ex.caller().daily_tokens;
  question->features = enabled_features(s, question->context.principal);
  if (req.stream) {
    co_await agent_stream(s, ex, std::move(*question), std::move(req));
    co_return;
  }
  auto child = CancelSource::child_of(ex.shutdown_token());
  CancelToken token = child.first.token();
  agent::EventSink ignore = [](const agent::Event&) {};
  agent::Question q = *question;
  // The agent runs on this connection's strand with the request's id in its log lines.
  auto executor = co_await asio::this_coro::executor;
  auto asking = s.agent->ask(q, ignore, token);
  auto scoped = log::with_request_id(executor, ex.request_id());
  agent::Answer answer = co_await asio::co_spawn(scoped, std::move(asking), asio::use_awaitable);
  if (answer.error) {
    ApiError e = agent_error(answer);
    co_await reply_api_error(ex, e);
    co_return;
  }
  llm::ChatResponse reply;
  reply.model = std::string(kAgentModel);
  reply.text = answer.text;
  reply.finish = llm::FinishReason::stop;
  reply.usage = agent_usage(*question, answer);
  json::value doc = openai::completion_json(openai::completion_id(), openai::unix_now(), req.model, reply);
  co_await ex.reply_json(200, doc);
}

// ---------------------------------------------------------------- embeddings

boost::system::result<std::vector<std::string>, ApiError> embedding_inputs(const json::object& body) {
  const json::value* input = body.if_contains("input");
  if (!input) return openai::invalid_request("input is required", "input");
  std::vector<std::string> inputs;
  if (input->is_string()) {
    inputs.emplace_back(input->as_string());
  } else if (input->is_array()) {
    for (const auto& v : input->as_array()) {
      if (!v.is_string()) {
        return openai::invalid_request("input must be a string or an array of strings (token arrays are not supported)",
                                       "input");
      }
      inputs.emplace_back(v.as_string());
    }
  } else {
    return openai::invalid_request("input must be a string or an array of strings", "input");
  }
  if (inputs.empty()) return openai::invalid_request("input must not be empty", "input");
  if (inputs.size() > kMaxEmbeddingInputs) {
    return openai::invalid_request("input has more than 2048 items", "input");
  }
  for (const auto& s : inputs) {
    if (s.empty()) return openai::invalid_request("input strings must not be empty", "input");
  }
  return inputs;
}

// Little-endian float32s in base64: OpenAI's encoding_format "base64" (the
// default of its SDKs).
std::string base64_floats(const std::vector<float>& v) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * 4, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t u = 0;
    std::memcpy(&u, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((u >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<std::uint8_t>(bytes[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

json::object embeddings_document(const llm::RoutedEmbeddings& r, bool base64) {
  json::array data;
  const auto& vectors = r.embeddings.vectors;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    json::value embedding;
    if (base64) {
      embedding = base64_floats(vectors[i]);
    } else {
      json::array values;
      for (float x : vectors[i]) values.push_back(static_cast<double>(x));
      embedding = std::move(values);
    }
    data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  const llm::Usage& u = r.embeddings.usage;
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", r.candidate.label()},
          {"usage", json::object{{"prompt_tokens", u.input_tokens}, {"total_tokens", u.input_tokens}}}};
}

}  // namespace

awaitable<void> openai_chat_completions(Services& services, Exchange& ex) {
  if (!services.router || !services.providers) {
    ApiError e = unavailable("no LLM router in this server");
    co_await reply_api_error(ex, e);
    co_return;
  }
  auto body = ex.json_body();
  if (!body) {
    ApiError e = openai::invalid_request(body.error().message);
    co_await reply_api_error(ex, e);
    co_return;
  }
  auto req = openai::parse_completion_request(*body);
  if (!req) {
    ApiError e = req.error();
    co_await reply_api_error(ex, e);
    co_return;
  }
  if (req->stream && !enabled_features(services, ex.caller().principal).streaming) {
    ApiError e{.status = 403,
               .type = "invalid_request_error",
               .message = "streaming is not enabled for this API key (features.streaming); send stream: false",
               .param = "stream",
               .code = "feature_disabled"};
    co_await reply_api_error(ex, e);
    co_return;
  }
  try {
    if (req->model == kAgentModel) {
      co_await agent_completion(services, ex, std::move(*req));
      co_return;
    }
    auto candidate = resolve_model(*services.providers, *services.router, req->model);
    if (!candidate) {
      ApiError e = openai::model_not_found(req->model);
      co_await reply_api_error(ex, e);
      co_return;
    }
    co_await gateway_completion(services, ex, std::move(*candidate), std::move(*req));
  } catch (const std::exception& e) {
    log::error("chat completion failed", "request_id", ex.request_id(), "error", e.what());
  }
  if (!ex.responded()) {
    ApiError e = internal_error(ex.request_id());
    co_await reply_api_error(ex, e);
  }
}

awaitable<void> openai_models(Services& services, Exchange& ex) {
  if (!services.router || !services.providers) {
    ApiError e = unavailable("no LLM router in this server");
    co_await reply_api_error(ex, e);
    co_return;
  }
  json::value doc = models_document(*services.providers, *services.router);
  co_await ex.reply_json(200, doc);
}

awaitable<void> openai_embeddings(Services& services, Exchange& ex) {
  if (!services.router) {
    ApiError e = unavailable("no LLM router in this server");
    co_await reply_api_error(ex, e);
    co_return;
  }
  auto body = ex.json_body();
  if (!body || !body->is_object()) {
    std::string message = body ? "the request body must be a JSON object" : body.error().message;
    ApiError e = openai::invalid_request(message);
    co_await reply_api_error(ex, e);
    co_return;
  }
  const json::object& o = body->as_object();
  auto inputs = embedding_inputs(o);
  if (!inputs) {
    ApiError e = inputs.error();
    co_await reply_api_error(ex, e);
    co_return;
  }
  std::string format = devagent::json::string_or(o, "encoding_format", "float");
  if (format != "float" && format != "base64") {
    ApiError e = openai::invalid_request("encoding_format must be float or base64", "encoding_format");
    co_await reply_api_error(ex, e);
    co_return;
  }
  llm::CallContext context;
  context.request_id = ex.request_id();
  auto child = CancelSource::child_of(ex.shutdown_token());
  CancelToken token = child.first.token();
  auto result = co_await services.router->embed(std::move(*inputs), context, token);
  if (!result) {
    ApiError e = openai::from_llm(result.error());
    co_await reply_api_error(ex, e);
    co_return;
  }
  json::value doc = embeddings_document(*result, format == "base64");
  co_await ex.reply_json(200, doc);
}

}  // namespace devagent::server::handlers
