#include "server/openai_wire.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <random>

namespace devagent::server::openai {

namespace json = boost::json;

namespace {

json::value string_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::value(s);
}

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

std::optional<std::int64_t> integer(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.as_uint64());
  }
  return std::nullopt;
}

using Parsed = boost::system::result<void, ApiError>;

// Message content: a string, null, or an array of text parts.
boost::system::result<std::string, ApiError> content_of(const json::value* v, const std::string& param) {
  if (!v || v->is_null()) return std::string();
  if (v->is_string()) return std::string(v->as_string());
  if (!v->is_array()) return invalid_request(param + " must be a string or an array of content parts", param);
  std::string text;
  for (const auto& part : v->as_array()) {
    const json::object* p = part.if_object();
    const json::value* type = p ? p->if_contains("type") : nullptr;
    if (!type || !type->is_string()) return invalid_request(param + ": each content part needs a type", param);
    if (type->as_string() != "text") {
      return invalid_request(param + ": content parts of type '" + std::string(type->as_string()) +
                                 "' are not supported; only text",
                             param);
    }
    const json::value* t = p->if_contains("text");
    if (!t || !t->is_string()) return invalid_request(param + ": a text part needs a string 'text'", param);
    text += t->as_string();
  }
  return text;
}

Parsed tool_calls_of(const json::value& v, const std::string& param, llm::Message& m) {
  if (!v.is_array()) return invalid_request(param + " must be an array", param);
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    std::string at = param + "[" + std::to_string(i) + "]";
    const json::object* call = v.as_array()[i].if_object();
    const json::value* fn = call ? call->if_contains("function") : nullptr;
    const json::object* f = fn ? fn->if_object() : nullptr;
    const json::value* id = call ? call->if_contains("id") : nullptr;
    const json::value* name = f ? f->if_contains("name") : nullptr;
    if (!f || !id || !id->is_string() || !name || !name->is_string()) {
      return invalid_request(at + " must be {id, type: \"function\", function: {name, arguments}}", at);
    }
    llm::ToolCall tc{.id = std::string(id->as_string()), .name = std::string(name->as_string()), .arguments = "{}"};
    if (const json::value* args = f->if_contains("arguments"); args && args->is_string()) {
      tc.arguments = std::string(args->as_string());
    }
    m.tool_calls.push_back(std::move(tc));
  }
  return {};
}

Parsed message_of(const json::value& v, std::size_t index, llm::Message& m) {
  std::string param = "messages[" + std::to_string(index) + "]";
  const json::object* o = v.if_object();
  if (!o) return invalid_request(param + " must be an object", param);
  const json::value* role = o->if_contains("role");
  if (!role || !role->is_string()) return invalid_request(param + ".role is required", param + ".role");
  std::string_view r = role->as_string();
  if (r == "system" || r == "developer") {
    m.role = llm::Role::system;
  } else if (r == "user") {
    m.role = llm::Role::user;
  } else if (r == "assistant") {
    m.role = llm::Role::assistant;
  } else if (r == "tool") {
    m.role = llm::Role::tool;
  } else {
    return invalid_request(param + ".role '" + std::string(r) + "' is not supported", param + ".role");
  }
  auto content = content_of(o->if_contains("content"), param + ".content");
  if (!content) return content.error();
  m.content = std::move(*content);
  if (const json::value* calls = o->if_contains("tool_calls"); calls && !calls->is_null()) {
    if (m.role != llm::Role::assistant) {
      return invalid_request(param + ".tool_calls is only allowed on assistant messages", param + ".tool_calls");
    }
    auto r2 = tool_calls_of(*calls, param + ".tool_calls", m);
    if (!r2) return r2.error();
  }
  if (m.role == llm::Role::tool) {
    const json::value* id = o->if_contains("tool_call_id");
    if (!id || !id->is_string()) return invalid_request(param + ".tool_call_id is required", param + ".tool_call_id");
    m.tool_call_id = std::string(id->as_string());
    if (const json::value* name = o->if_contains("name"); name && name->is_string()) {
      m.tool_name = std::string(name->as_string());
    }
  }
  return {};
}

Parsed tools_of(const json::value& v, llm::ChatRequest& chat) {
  if (!v.is_array()) return invalid_request("tools must be an array", "tools");
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    std::string at = "tools[" + std::to_string(i) + "]";
    const json::object* t = v.as_array()[i].if_object();
    const json::value* type = t ? t->if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->as_string() != "function") {
      return invalid_request(at + ": only tools of type 'function' are supported", at + ".type");
    }
    const json::value* fn = t->if_contains("function");
    const json::object* f = fn ? fn->if_object() : nullptr;
    const json::value* name = f ? f->if_contains("name") : nullptr;
    if (!name || !name->is_string() || name->as_string().empty()) {
      return invalid_request(at + ".function.name is required", at + ".function.name");
    }
    llm::ToolSpec spec{.name = std::string(name->as_string()), .description = {}, .parameters = {}};
    if (const json::value* d = f->if_contains("description"); d && d->is_string()) {
      spec.description = std::string(d->as_string());
    }
    if (const json::value* p = f->if_contains("parameters"); p && p->is_object()) {
      spec.parameters = p->as_object();
    } else {
      spec.parameters = json::object{{"type", "object"}, {"properties", json::object{}}};
    }
    chat.tools.push_back(std::move(spec));
  }
  return {};
}

Parsed options_of(const json::object& o, CompletionRequest& out) {
  if (const json::value* t = o.if_contains("temperature"); t && !t->is_null()) {
    auto x = number(*t);
    if (!x || *x < 0 || *x > 2) return invalid_request("temperature must be a number from 0 to 2", "temperature");
    out.chat.temperature = *x;
  }
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    const json::value* m = o.if_contains(key);
    if (!m || m->is_null()) continue;
    auto x = integer(*m);
    if (!x || *x < 1 || *x > 1'000'000) return invalid_request(std::string(key) + " must be a positive integer", key);
    if (!out.chat.max_tokens) out.chat.max_tokens = static_cast<int>(*x);
  }
  if (const json::value* n = o.if_contains("n"); n && !n->is_null()) {
    auto x = integer(*n);
    if (!x || *x != 1) return invalid_request("n must be 1: devagent returns one choice", "n");
  }
  if (const json::value* s = o.if_contains("stream"); s && !s->is_null()) {
    if (!s->is_bool()) return invalid_request("stream must be a boolean", "stream");
    out.stream = s->as_bool();
  }
  if (const json::value* so = o.if_contains("stream_options"); so && so->is_object()) {
    const json::value* u = so->as_object().if_contains("include_usage");
    out.include_usage = u && u->is_bool() && u->as_bool();
  }
  return {};
}

}  // namespace

json::value error_json(const ApiError& e) {
  return {{"error",
           {{"message", e.message}, {"type", e.type}, {"param", string_or_null(e.param)}, {"code", string_or_null(e.code)}}}};
}

ApiError invalid_request(std::string message, std::string param, std::string code) {
  return ApiError{.status = 400, .type = "invalid_request_error", .message = std::move(message),
                  .param = std::move(param), .code = std::move(code), .retry_after = std::nullopt};
}

ApiError model_not_found(std::string_view model) {
  return ApiError{.status = 404, .type = "invalid_request_error",
                  .message = "The model '" + std::string(model) +
                             "' does not exist here; GET /v1/models lists the models devagent serves.",
                  .param = "model", .code = "model_not_found", .retry_after = std::nullopt};
}

ApiError from_llm(const llm::Error& e) {
  ApiError out{.status = 502, .type = "server_error", .message = e.message, .param = {}, .code = {},
               .retry_after = std::nullopt};
  if (e.retry_after) out.retry_after = std::chrono::ceil<std::chrono::seconds>(*e.retry_after);
  switch (e.kind) {
    case llm::ErrorKind::auth:
      out.status = 401, out.type = "authentication_error", out.code = "upstream_auth";
      out.message = "the upstream provider refused devagent's credentials: " + e.message;
      break;
    case llm::ErrorKind::rate_limited:
      out.status = 429, out.type = "rate_limit_error", out.code = "rate_limit_exceeded";
      break;
    case llm::ErrorKind::budget_exceeded:
      out.status = 429, out.type = "insufficient_quota", out.code = "insufficient_quota";
      break;
    case llm::ErrorKind::overloaded:
      out.status = 503, out.code = "overloaded";
      break;
    case llm::ErrorKind::bad_request:
      out.status = 400, out.type = "invalid_request_error";
      break;
    case llm::ErrorKind::context_length:
      out.status = 400, out.type = "invalid_request_error", out.code = "context_length_exceeded";
      out.param = "messages";
      break;
    case llm::ErrorKind::unsupported:
      out.status = 400, out.type = "invalid_request_error", out.code = "unsupported";
      break;
    case llm::ErrorKind::timeout:
      out.status = 504, out.code = "upstream_timeout";
      break;
    case llm::ErrorKind::connection:
      out.status = 503, out.code = "upstream_unavailable";
      break;
    case llm::ErrorKind::cancelled:
      out.status = 499, out.code = "cancelled";
      break;
    case llm::ErrorKind::server:
    case llm::ErrorKind::malformed:
      out.status = 502, out.code = "upstream_error";
      break;
  }
  return out;
}

boost::system::result<CompletionRequest, ApiError> parse_completion_request(const json::value& body) {
  const json::object* o = body.if_object();
  if (!o) return invalid_request("the request body must be a JSON object");
  CompletionRequest out;
  const json::value* model = o->if_contains("model");
  if (!model || !model->is_string() || model->as_string().empty()) {
    return invalid_request("model is required", "model");
  }
  out.model = std::string(model->as_string());
  const json::value* messages = o->if_contains("messages");
  if (!messages || !messages->is_array() || messages->as_array().empty()) {
    return invalid_request("messages must be a non-empty array", "messages");
  }
  for (std::size_t i = 0; i < messages->as_array().size(); ++i) {
    llm::Message m;
    auto r = message_of(messages->as_array()[i], i, m);
    if (!r) return r.error();
    out.chat.messages.push_back(std::move(m));
  }
  if (const json::value* tools = o->if_contains("tools"); tools && !tools->is_null()) {
    auto r = tools_of(*tools, out.chat);
    if (!r) return r.error();
  }
  // tool_choice "none": the model must not call tools, so it is offered none.
  if (const json::value* choice = o->if_contains("tool_choice"); choice && choice->is_string() &&
                                                                  choice->as_string() == "none") {
    out.chat.tools.clear();
  }
  auto r = options_of(*o, out);
  if (!r) return r.error();
  return out;
}

std::string completion_id() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string id = "chatcmpl-";
  for (int i = 0; i < 24; ++i) id += kAlphabet[pick(rng)];
  return id;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string_view finish_reason(llm::FinishReason r) {
  switch (r) {
    case llm::FinishReason::length: return "length";
    case llm::FinishReason::tool_calls: return "tool_calls";
    case llm::FinishReason::content_filter: return "content_filter";
    default: return "stop";
  }
}

json::object usage_json(const llm::Usage& u) {
  return {{"prompt_tokens", u.input_tokens},
          {"completion_tokens", u.output_tokens},
          {"total_tokens", u.input_tokens + u.output_tokens},
          {"prompt_tokens_details", json::object{{"cached_tokens", u.cached_input_tokens}}},
          {"completion_tokens_details", json::object{{"reasoning_tokens", 0}}}};
}

json::object completion_json(std::string_view id, std::int64_t created, std::string_view model,
                             const llm::ChatResponse& reply) {
  json::object message{{"role", "assistant"}, {"refusal", nullptr}};
  if (reply.text.empty() && !reply.tool_calls.empty()) {
    message["content"] = nullptr;
  } else {
    message["content"] = reply.text;
  }
  if (!reply.tool_calls.empty()) {
    json::array calls;
    for (const auto& c : reply.tool_calls) {
      calls.push_back(json::object{{"id", c.id},
                                   {"type", "function"},
                                   {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  json::object choice{{"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr},
                      {"finish_reason", finish_reason(reply.finish)}};
  return {{"id", id},
          {"object", "chat.completion"},
          {"created", created},
          {"model", model},
          {"choices", json::array{std::move(choice)}},
          {"usage", usage_json(reply.usage)}};
}

ChunkWriter::ChunkWriter(std::string id, std::int64_t created, std::string model, bool include_usage)
    : id_(std::move(id)), created_(created), model_(std::move(model)), include_usage_(include_usage) {}

std::string ChunkWriter::frame(json::object delta, const json::value& finish) const {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", finish}};
  json::object chunk{{"id", id_},
                     {"object", "chat.completion.chunk"},
                     {"created", created_},
                     {"model", model_},
                     {"choices", json::array{std::move(choice)}}};
  if (include_usage_) chunk["usage"] = nullptr;
  return "data: " + json::serialize(chunk) + "\n\n";
}

std::string ChunkWriter::role() const {
  return frame(json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
}

std::string ChunkWriter::text(std::string_view piece) const {
  return frame(json::object{{"content", piece}}, nullptr);
}

std::string ChunkWriter::tool_call(const llm::Delta& d) const {
  json::object call{{"index", d.tool_index}};
  if (!d.tool_id.empty()) call["id"] = d.tool_id;
  if (!d.tool_id.empty() || !d.tool_name.empty()) call["type"] = "function";
  json::object fn{{"arguments", d.tool_arguments}};
  if (!d.tool_name.empty()) fn["name"] = d.tool_name;
  call["function"] = std::move(fn);
  return frame(json::object{{"tool_calls", json::array{std::move(call)}}}, nullptr);
}

std::string ChunkWriter::finish(llm::FinishReason r) const {
  return frame(json::object{}, json::value(finish_reason(r)));
}

std::string ChunkWriter::usage(const llm::Usage& u) const {
  json::object chunk{{"id", id_},         {"object", "chat.completion.chunk"}, {"created", created_},
                     {"model", model_},   {"choices", json::array{}},          {"usage", usage_json(u)}};
  return "data: " + json::serialize(chunk) + "\n\n";
}

std::string ChunkWriter::done() { return "data: [DONE]\n\n"; }

std::string ChunkWriter::error(const ApiError& e) { return "data: " + json::serialize(error_json(e)) + "\n\n"; }

}  // namespace devagent::server::openai
