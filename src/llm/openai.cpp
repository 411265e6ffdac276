#include "llm/openai.h"

#include "core/json.h"

#include <boost/json.hpp>

namespace devagent::llm {
namespace json = boost::json;

namespace {

FinishReason finish_from(std::string_view r) {
  if (r == "stop") return FinishReason::stop;
  if (r == "length") return FinishReason::length;
  if (r == "tool_calls" || r == "function_call") return FinishReason::tool_calls;
  if (r == "content_filter") return FinishReason::content_filter;
  return FinishReason::unknown;
}

Usage usage_from(const json::object& u) {
  Usage usage;
  usage.input_tokens = int_field(u.if_contains("prompt_tokens"));
  usage.output_tokens = int_field(u.if_contains("completion_tokens"));
  if (auto* d = u.if_contains("prompt_tokens_details"); d && d->is_object()) {
    usage.cached_input_tokens = int_field(d->get_object().if_contains("cached_tokens"));
  }
  return usage;
}

Error malformed(std::string what) { return Error{.kind = ErrorKind::malformed, .message = "openai stream: " + what}; }

}  // namespace

Outcome<void> OpenAiDecoder::feed(std::string_view bytes, ReplyAssembler& out) {
  Outcome<void> result;
  auto parsed = sse_.feed(bytes, [&](http::SseEvent&& ev) {
    if (!result || done_) return;
    result = event(ev.data, out);
  });
  if (!parsed) return malformed(parsed.error().message);
  return result;
}

Outcome<void> OpenAiDecoder::event(std::string_view data, ReplyAssembler& out) {
  if (data == "[DONE]") {
    done_ = true;
    return {};
  }
  auto parsed = devagent::json::parse(data);
  if (!parsed || !parsed->is_object()) return malformed("a chunk is not a JSON object: " + std::string(data.substr(0, 200)));
  const auto& chunk = parsed->get_object();
  if (auto* err = chunk.if_contains("error"); err && err->is_object()) {
    const auto& e = err->get_object();
    std::string type = devagent::json::string_or(e, "type");
    std::string message = devagent::json::string_or(e, "message", "error in stream");
    Error out_error{.kind = ErrorKind::server, .message = "openai stream error: " + type + ": " + message};
    if (type == "overloaded_error" || message.find("overloaded") != std::string::npos) out_error.kind = ErrorKind::overloaded;
    if (mentions_context_length(message) || mentions_context_length(devagent::json::string_or(e, "code"))) {
      out_error.kind = ErrorKind::context_length;
    }
    return out_error;
  }
  if (auto* choices = chunk.if_contains("choices"); choices && choices->is_array()) {
    for (const auto& c : choices->get_array()) {
      if (!c.is_object()) continue;
      const auto& choice = c.get_object();
      if (auto* delta = choice.if_contains("delta"); delta && delta->is_object()) {
        const auto& d = delta->get_object();
        if (auto* content = d.if_contains("content"); content && content->is_string()) out.text(content->get_string());
        if (auto* calls = d.if_contains("tool_calls"); calls && calls->is_array()) {
          for (const auto& tc : calls->get_array()) {
            if (!tc.is_object()) return malformed("a tool call delta is not an object");
            const auto& call = tc.get_object();
            int index = static_cast<int>(int_field(call.if_contains("index")));
            std::string id = devagent::json::string_or(call, "id");
            std::string name, args;
            if (auto* fn = call.if_contains("function"); fn && fn->is_object()) {
              name = devagent::json::string_or(fn->get_object(), "name");
              args = devagent::json::string_or(fn->get_object(), "arguments");
            }
            out.tool_call(index, id, name, args);
          }
        }
      }
      if (auto* fr = choice.if_contains("finish_reason"); fr && fr->is_string()) out.finish(finish_from(fr->get_string()));
    }
  }
  if (auto* u = chunk.if_contains("usage"); u && u->is_object()) out.usage(usage_from(u->get_object()));
  return {};
}

json::object OpenAiProvider::request_body(const ChatRequest& request, const std::string& model) {
  json::object body;
  body["model"] = model;
  json::array messages;
  for (const auto& m : request.messages) {
    json::object msg;
    msg["role"] = to_string(m.role);
    if (m.role == Role::assistant && !m.tool_calls.empty()) {
      msg["content"] = m.content.empty() ? json::value(nullptr) : json::value(m.content);
      json::array calls;
      for (const auto& c : m.tool_calls) {
        calls.push_back(json::object{{"id", c.id},
                                     {"type", "function"},
                                     {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
      }
      msg["tool_calls"] = std::move(calls);
    } else {
      msg["content"] = m.content;
    }
    if (m.role == Role::tool) msg["tool_call_id"] = m.tool_call_id;
    messages.push_back(std::move(msg));
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json::array tools;
    for (const auto& t : request.tools) {
      tools.push_back(json::object{
          {"type", "function"},
          {"function", json::object{{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}});
    }
    body["tools"] = std::move(tools);
  }
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  body["stream"] = true;
  body["stream_options"] = json::object{{"include_usage", true}};
  return body;
}

http::Request OpenAiProvider::base_request(std::string method, std::string_view path) const {
  http::Request req;
  req.method = std::move(method);
  req.url = join_url(settings_.base_url, path);
  if (!settings_.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  return req;
}

http::Request OpenAiProvider::chat_request(const ChatRequest& request, const std::string& model) const {
  auto req = base_request("POST", "/v1/chat/completions");
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "text/event-stream");
  req.body = json::serialize(request_body(request, model));
  return req;
}

std::pair<std::string, std::string> OpenAiProvider::error_fields(std::string_view body) const {
  auto v = devagent::json::parse(body);
  if (!v || !v->is_object()) return {"", std::string(body.substr(0, 300))};
  auto* err = v->get_object().if_contains("error");
  if (err && err->is_object()) {
    const auto& e = err->get_object();
    std::string type = devagent::json::string_or(e, "type");
    std::string code = devagent::json::string_or(e, "code");
    // The code is the more precise of the two ("context_length_exceeded").
    return {code.empty() ? type : code, devagent::json::string_or(e, "message")};
  }
  if (err && err->is_string()) return {"", std::string(err->get_string())};  // some compatible servers
  return {"", std::string(body.substr(0, 300))};
}

boost::asio::awaitable<Outcome<Embeddings>> OpenAiProvider::embed(const std::string& model,
                                                                  const std::vector<std::string>& inputs,
                                                                  CancelToken cancel) {
  std::string m = model.empty() ? settings_.embedding_model : model;
  if (m.empty()) {
    co_return Error{.kind = ErrorKind::bad_request,
                    .message = "provider " + settings_.name + " has no embedding model: set providers." +
                               settings_.name + ".embedding_model"};
  }
  auto req = base_request("POST", "/v1/embeddings");
  req.headers.emplace_back("Content-Type", "application/json");
  json::array input;
  for (const auto& s : inputs) input.emplace_back(s);
  req.body = json::serialize(json::object{{"model", m}, {"input", std::move(input)}});
  auto body = co_await call(std::move(req), cancel);
  if (!body) co_return body.error();
  auto v = devagent::json::parse(*body);
  if (!v || !v->is_object()) co_return malformed("embeddings response is not a JSON object");
  Embeddings out;
  out.model = devagent::json::string_or(v->get_object(), "model", m);
  out.vectors.resize(inputs.size());
  auto* data = v->get_object().if_contains("data");
  if (!data || !data->is_array()) co_return malformed("embeddings response has no data array");
  for (const auto& item : data->get_array()) {
    if (!item.is_object()) co_return malformed("embedding item is not an object");
    auto index = static_cast<std::size_t>(int_field(item.get_object().if_contains("index")));
    auto* emb = item.get_object().if_contains("embedding");
    if (index >= out.vectors.size() || !emb || !emb->is_array()) co_return malformed("bad embedding item");
    for (const auto& x : emb->get_array()) {
      if (!x.is_number()) co_return malformed("embedding holds a non-number");
      out.vectors[index].push_back(static_cast<float>(x.to_number<double>()));
    }
  }
  if (auto* u = v->get_object().if_contains("usage"); u && u->is_object()) out.usage = usage_from(u->get_object());
  co_return out;
}

boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> OpenAiProvider::models(CancelToken cancel) {
  auto body = co_await call(base_request("GET", "/v1/models"), cancel);
  if (!body) co_return body.error();
  auto v = devagent::json::parse(*body);
  if (!v || !v->is_object()) co_return malformed("models response is not a JSON object");
  std::vector<ModelInfo> out;
  if (auto* data = v->get_object().if_contains("data"); data && data->is_array()) {
    for (const auto& m : data->get_array()) {
      if (!m.is_object()) continue;
      out.push_back({devagent::json::string_or(m.get_object(), "id"), devagent::json::string_or(m.get_object(), "owned_by")});
    }
  }
  co_return out;
}

}  // namespace devagent::llm
