#include "llm/ollama.h"

#include "core/json.h"

#include <boost/json.hpp>

#include <cctype>

namespace devagent::llm {
namespace json = boost::json;

namespace {

Error malformed(std::string what) {
  return Error{.kind = ErrorKind::malformed, .message = "ollama: " + what};
}

// An error line of the stream: {"error": "message"}.
Error stream_error(const json::value& error) {
  std::string message = "error in stream";
  if (error.is_string()) message = std::string(error.get_string());
  if (error.is_object()) message = devagent::json::string_or(error.get_object(), "message", message);
  Error e{.kind = ErrorKind::server, .message = "ollama stream error: " + message};
  if (mentions_context_length(message)) e.kind = ErrorKind::context_length;
  return e;
}

// Ollama sends arguments as a JSON object; a string is taken as JSON text
// already (some compatible servers), and no arguments as {}.
std::string arguments_text(const json::value* arguments) {
  if (!arguments || arguments->is_null()) return "{}";
  if (arguments->is_string()) return arguments->get_string().empty() ? "{}" : std::string(arguments->get_string());
  return json::serialize(*arguments);
}

// The other way: the arguments object for a request; text that is not a JSON
// object becomes {}.
json::object arguments_object(const std::string& text) {
  auto parsed = devagent::json::parse(text);
  if (!parsed || !parsed->is_object()) return {};
  return std::move(parsed->get_object());
}

// The name of the tool a tool message answers, from the assistant message
// that made the call (for callers that set only tool_call_id).
std::string tool_name_of(const ChatRequest& request, const Message& result) {
  if (!result.tool_name.empty()) return result.tool_name;
  if (result.tool_call_id.empty()) return {};
  for (const auto& m : request.messages) {
    for (const auto& c : m.tool_calls) {
      if (c.id == result.tool_call_id) return c.name;
    }
  }
  return {};
}

std::string_view trim(std::string_view s, std::string_view chars) {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

}  // namespace

// ------------------------------------------------------------------ decoder

Outcome<void> OllamaDecoder::feed(std::string_view bytes, ReplyAssembler& out) {
  Outcome<void> result;
  auto parsed = ndjson_.feed(bytes, [&](std::string_view text) {
    if (!result || done_) return;
    result = line(text, out);
  });
  if (!parsed) return malformed(parsed.error().message);
  return result;
}

Outcome<void> OllamaDecoder::line(std::string_view text, ReplyAssembler& out) {
  auto parsed = devagent::json::parse(text);
  if (!parsed || !parsed->is_object()) {
    return malformed("a stream line is not a JSON object: " + std::string(text.substr(0, 200)));
  }
  const auto& obj = parsed->get_object();
  if (auto* err = obj.if_contains("error"); err && !err->is_null()) return stream_error(*err);
  if (auto* m = obj.if_contains("message"); m && m->is_object()) {
    const auto& message = m->get_object();
    if (auto* content = message.if_contains("content"); content && content->is_string())
      out.text(content->get_string());
    if (auto* calls = message.if_contains("tool_calls"); calls && calls->is_array()) {
      for (const auto& tc : calls->get_array()) {
        const json::value* fn = tc.is_object() ? tc.get_object().if_contains("function") : nullptr;
        if (!fn || !fn->is_object()) return malformed("a tool call has no function object");
        // Each call comes whole: one piece, with an id made up when Ollama sends none.
        int index = calls_++;
        std::string id = devagent::json::string_or(tc.get_object(), "id");
        if (id.empty()) id = "call_" + std::to_string(index);
        std::string name = devagent::json::string_or(fn->get_object(), "name");
        out.tool_call(index, id, name, arguments_text(fn->get_object().if_contains("arguments")));
      }
    }
  }
  if (auto* done = obj.if_contains("done"); done && done->is_bool() && done->get_bool()) finish(obj, out);
  return {};
}

void OllamaDecoder::finish(const json::object& line, ReplyAssembler& out) {
  done_ = true;
  // Older servers send no done_reason; their last line is a normal stop.
  std::string reason = devagent::json::string_or(line, "done_reason", "stop");
  FinishReason finish = FinishReason::unknown;
  if (reason == "stop") finish = out.has_tool_calls() ? FinishReason::tool_calls : FinishReason::stop;
  if (reason == "length") finish = FinishReason::length;
  out.finish(finish);
  const json::value* input = line.if_contains("prompt_eval_count");
  const json::value* output = line.if_contains("eval_count");
  if (!input && !output) return;  // the shared flow estimates
  Usage usage;
  usage.input_tokens = int_field(input);
  usage.output_tokens = int_field(output);
  out.usage(usage);
}

// ----------------------------------------------------------------- provider

namespace {
ProviderSettings with_host_normalised(ProviderSettings settings) {
  settings.base_url = OllamaProvider::normalise_host(settings.base_url);
  return settings;
}
}  // namespace

OllamaProvider::OllamaProvider(ProviderSettings settings, http::Client& client)
    : HttpProvider(with_host_normalised(std::move(settings)), client) {}

std::string OllamaProvider::normalise_host(std::string_view value) {
  value = trim(value, " \t\r\n\"'");
  std::string scheme = "http";
  bool has_scheme = false;
  if (auto p = value.find("://"); p != std::string_view::npos) {
    scheme.clear();
    for (char c : value.substr(0, p)) scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    value.remove_prefix(p + 3);
    has_scheme = true;
  }
  auto slash = value.find('/');
  std::string_view authority = value.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : trim(value.substr(slash), "/");
  std::string userinfo;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
    authority.remove_prefix(at + 1);
  }

  std::string host, port;
  if (authority.starts_with('[')) {  // [v6] or [v6]:port
    auto close = authority.find(']');
    host = std::string(authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
    if (close != std::string_view::npos && authority.substr(close + 1).starts_with(':')) {
      port = std::string(authority.substr(close + 2));
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos && authority.rfind(':') == colon) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  } else if (colon != std::string_view::npos) {
    host = "[" + std::string(authority) + "]";  // a bare IPv6 address
  } else {
    host = std::string(authority);
  }

  // 0.0.0.0 is where a server listens, not an address to connect to.
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  if (port.empty() && !has_scheme) port = "11434";

  std::string url = scheme + "://" + userinfo + host;
  if (!port.empty()) url += ":" + port;
  if (!path.empty()) url += "/" + std::string(path);
  return url;
}

json::object OllamaProvider::request_body(const ChatRequest& request, const std::string& model) {
  json::object body;
  body["model"] = model;
  json::array messages;
  for (const auto& m : request.messages) {
    json::object msg;
    msg["role"] = to_string(m.role);
    msg["content"] = m.content;
    if (m.role == Role::assistant && !m.tool_calls.empty()) {
      json::array calls;
      for (const auto& c : m.tool_calls) {
        json::object fn;
        fn["name"] = c.name;
        fn["arguments"] = arguments_object(c.arguments);
        json::object call;
        call["function"] = std::move(fn);
        calls.push_back(std::move(call));
      }
      msg["tool_calls"] = std::move(calls);
    }
    if (m.role == Role::tool) {
      if (std::string name = tool_name_of(request, m); !name.empty()) msg["tool_name"] = name;
    }
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
  json::object options;
  if (request.temperature) options["temperature"] = *request.temperature;
  if (request.max_tokens) options["num_predict"] = *request.max_tokens;
  if (!options.empty()) body["options"] = std::move(options);
  body["stream"] = true;
  return body;
}

http::Request OllamaProvider::base_request(std::string method, std::string_view path) const {
  http::Request req;
  req.method = std::move(method);
  req.url = join_url(settings_.base_url, path);
  // Ollama itself takes no key; one behind an authenticating proxy may.
  if (!settings_.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  return req;
}

http::Request OllamaProvider::chat_request(const ChatRequest& request, const std::string& model) const {
  auto req = base_request("POST", "/api/chat");
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/x-ndjson");
  req.body = json::serialize(request_body(request, model));
  return req;
}

std::pair<std::string, std::string> OllamaProvider::error_fields(std::string_view body) const {
  auto v = devagent::json::parse(body);
  if (v && v->is_object()) {
    if (auto* err = v->get_object().if_contains("error"); err && err->is_string()) {
      return {"", std::string(err->get_string())};
    }
  }
  // Not Ollama's shape: Go's plain "404 page not found", or a proxy's page.
  return {"", std::string(body.substr(0, 300))};
}

boost::asio::awaitable<Outcome<Embeddings>> OllamaProvider::embed(const std::string& model,
                                                                  const std::vector<std::string>& inputs,
                                                                  CancelToken cancel) {
  std::string m = model.empty() ? settings_.embedding_model : model;
  if (m.empty()) {
    Error missing{.kind = ErrorKind::bad_request,
                  .message = "provider " + settings_.name + " has no embedding model: set providers." + settings_.name +
                             ".embedding_model"};
    co_return missing;
  }
  auto req = base_request("POST", "/api/embed");
  req.headers.emplace_back("Content-Type", "application/json");
  json::array input;
  for (const auto& s : inputs) input.emplace_back(s);
  json::object payload;
  payload["model"] = m;
  payload["input"] = std::move(input);
  req.body = json::serialize(payload);
  auto body = co_await call(std::move(req), cancel);
  if (!body) co_return body.error();

  auto v = devagent::json::parse(*body);
  if (!v || !v->is_object()) co_return malformed("embeddings response is not a JSON object");
  const auto& obj = v->get_object();
  auto* embeddings = obj.if_contains("embeddings");
  if (!embeddings || !embeddings->is_array()) co_return malformed("embeddings response has no embeddings array");
  if (embeddings->get_array().size() != inputs.size()) {
    std::string what = "embeddings response has " + std::to_string(embeddings->get_array().size()) + " vectors for " +
                       std::to_string(inputs.size()) + " inputs";
    co_return malformed(what);
  }
  Embeddings out;
  out.model = devagent::json::string_or(obj, "model", m);
  for (const auto& item : embeddings->get_array()) {
    if (!item.is_array()) co_return malformed("an embedding is not an array");
    std::vector<float> vec;
    vec.reserve(item.get_array().size());
    for (const auto& x : item.get_array()) {
      if (!x.is_number()) co_return malformed("an embedding holds a non-number");
      vec.push_back(static_cast<float>(x.to_number<double>()));
    }
    out.vectors.push_back(std::move(vec));
  }
  if (auto* count = obj.if_contains("prompt_eval_count")) {
    out.usage.input_tokens = int_field(count);
  } else {
    for (const auto& s : inputs) out.usage.input_tokens += estimate_tokens(s);
    out.usage.estimated = true;
  }
  co_return out;
}

boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> OllamaProvider::models(CancelToken cancel) {
  auto req = base_request("GET", "/api/tags");
  auto body = co_await call(std::move(req), cancel);
  if (!body) co_return body.error();
  auto v = devagent::json::parse(*body);
  if (!v || !v->is_object()) co_return malformed("model list is not a JSON object");
  std::vector<ModelInfo> out;
  if (auto* list = v->get_object().if_contains("models"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (!item.is_object()) continue;
      std::string name = devagent::json::string_or(item.get_object(), "name");
      if (name.empty()) name = devagent::json::string_or(item.get_object(), "model");
      if (!name.empty()) out.push_back({std::move(name), "ollama"});
    }
  }
  co_return out;
}

}  // namespace devagent::llm
