#include "llm/anthropic.h"

#include "core/json.h"
#include "core/log.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <array>

namespace devagent::llm {
namespace json = boost::json;

namespace {

constexpr std::string_view kDefaultApiVersion = "2023-06-01";
constexpr int kDefaultMaxTokens = 4096;
constexpr int kMaxModelPages = 50;  // GET /v1/models pages of 20: far more than Anthropic lists

Error malformed(std::string what) {
  return Error{.kind = ErrorKind::malformed, .message = "anthropic: " + what};
}

// ------------------------------------------------------------ the stream

// Stop reasons from the Messages API reference ("Stop reasons and fallback").
FinishReason finish_from(std::string_view r) {
  if (r == "end_turn" || r == "stop_sequence") return FinishReason::stop;
  if (r == "tool_use") return FinishReason::tool_calls;
  if (r == "max_tokens" || r == "model_context_window_exceeded") return FinishReason::length;
  if (r == "refusal") return FinishReason::content_filter;
  return FinishReason::unknown;  // pause_turn (server tools) and anything newer
}

// The HTTP status each documented error type stands for, so an error inside
// a stream is classified exactly as the same error before it.
unsigned status_of_error_type(std::string_view type) {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "billing_error") return 402;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "request_too_large") return 413;
  if (type == "rate_limit_error") return 429;
  if (type == "timeout_error") return 504;
  if (type == "overloaded_error") return 529;
  return 500;  // api_error and types we do not know yet
}

// {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
Error stream_error(const json::object& event) {
  std::string type, message;
  if (auto* e = event.if_contains("error"); e && e->is_object()) {
    type = devagent::json::string_or(e->get_object(), "type");
    message = devagent::json::string_or(e->get_object(), "message");
  }
  Error out = http_error(status_of_error_type(type), http::ResponseHead{}, type, message);
  out.status = 0;  // the HTTP answer itself was 200
  out.message = "anthropic stream error: " + (type.empty() ? std::string("unknown") : type) + ": " +
                (message.empty() ? std::string("no details") : message);
  return out;
}

const json::object* object_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

bool known_event(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kEvents = {"message_start",
                                                              "content_block_start",
                                                              "content_block_delta",
                                                              "content_block_stop",
                                                              "message_delta",
                                                              "message_stop",
                                                              "ping",
                                                              "error"};
  return std::find(kEvents.begin(), kEvents.end(), name) != kEvents.end();
}

// ------------------------------------------------------------ the request

// The tool's arguments as the JSON object Anthropic wants for "input".
json::object input_object(const ToolCall& call) {
  if (call.arguments.empty()) return {};
  auto parsed = devagent::json::parse(call.arguments);
  if (parsed && parsed->is_object()) return std::move(parsed->get_object());
  log::warn("anthropic: tool call arguments are not a JSON object; sending {}", "tool", call.name, "id", call.id);
  return {};
}

// One turn of the conversation being built: its role and content blocks.
struct Turn {
  std::string role;
  json::array blocks;
};

bool is_tool_result(const json::value& block) {
  return block.is_object() && devagent::json::string_or(block.get_object(), "type") == "tool_result";
}

// Adds blocks to the conversation. A repeated role joins the previous turn,
// so user and assistant alternate; in a user turn, tool_result blocks stay
// ahead of text, as the API requires.
void append(std::vector<Turn>& turns, std::string_view role, json::array blocks) {
  if (turns.empty() || turns.back().role != role) {
    turns.push_back(Turn{std::string(role), std::move(blocks)});
    return;
  }
  json::array& into = turns.back().blocks;
  for (auto& block : blocks) {
    if (!is_tool_result(block)) {
      into.push_back(std::move(block));
      continue;
    }
    auto first_other = std::find_if(into.begin(), into.end(), [](const json::value& b) { return !is_tool_result(b); });
    into.insert(first_other, std::move(block));
  }
}

json::object text_block(const std::string& text) {
  return json::object{{"type", "text"}, {"text", text}};
}

// A turn of one text block goes as a plain string, the API's short form.
json::object message_json(Turn turn) {
  json::object msg;
  msg["role"] = turn.role;
  if (turn.blocks.empty()) {
    msg["content"] = "";
  } else if (turn.blocks.size() == 1 && devagent::json::string_or(turn.blocks[0].as_object(), "type") == "text") {
    msg["content"] = turn.blocks[0].as_object()["text"];
  } else {
    msg["content"] = std::move(turn.blocks);
  }
  return msg;
}

json::array conversation(const std::vector<Message>& messages) {
  std::vector<Turn> turns;
  for (const auto& m : messages) {
    json::array blocks;
    switch (m.role) {
      case Role::system:
        continue;  // goes to the top-level "system"
      case Role::user:
        if (!m.content.empty()) blocks.push_back(text_block(m.content));
        append(turns, "user", std::move(blocks));
        break;
      case Role::assistant:
        if (!m.content.empty()) blocks.push_back(text_block(m.content));
        for (const auto& c : m.tool_calls) {
          blocks.push_back(
              json::object{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", input_object(c)}});
        }
        append(turns, "assistant", std::move(blocks));
        break;
      case Role::tool:
        blocks.push_back(
            json::object{{"type", "tool_result"}, {"tool_use_id", m.tool_call_id}, {"content", m.content}});
        append(turns, "user", std::move(blocks));
        break;
    }
  }
  json::array out;
  for (auto& t : turns) out.push_back(message_json(std::move(t)));
  return out;
}

std::string system_prompt(const std::vector<Message>& messages) {
  std::string system;
  for (const auto& m : messages) {
    if (m.role != Role::system || m.content.empty()) continue;
    if (!system.empty()) system += "\n\n";
    system += m.content;
  }
  return system;
}

json::array tools_json(const std::vector<ToolSpec>& tools) {
  json::array out;
  for (const auto& t : tools) {
    json::object tool;
    tool["name"] = t.name;
    if (!t.description.empty()) tool["description"] = t.description;
    // input_schema must be an object schema; an empty one means "no arguments".
    tool["input_schema"] =
        t.parameters.empty() ? json::object{{"type", "object"}, {"properties", json::object{}}} : t.parameters;
    out.push_back(std::move(tool));
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------ decoder

Outcome<void> AnthropicDecoder::feed(std::string_view bytes, ReplyAssembler& out) {
  Outcome<void> result;
  auto parsed = sse_.feed(bytes, [&](http::SseEvent&& ev) {
    if (!result || done_) return;
    result = event(ev.event, ev.data, out);
  });
  if (!parsed) return malformed("stream: " + parsed.error().message);
  return result;
}

Outcome<void> AnthropicDecoder::event(std::string_view name, std::string_view data, ReplyAssembler& out) {
  // New event types may appear at any time (the streaming docs say so): a
  // named event we do not know is skipped without parsing it.
  if (!name.empty() && !known_event(name)) return {};
  auto parsed = devagent::json::parse(data);
  if (!parsed || !parsed->is_object()) {
    return malformed("stream: an event is not a JSON object: " + std::string(data.substr(0, 200)));
  }
  const auto& ev = parsed->get_object();
  std::string type = devagent::json::string_or(ev, "type", name);
  if (type == "error") return stream_error(ev);
  if (type == "message_start") {
    message_start(ev, out);
  } else if (type == "content_block_start") {
    if (!object_field(ev, "content_block")) return malformed("stream: content_block_start without a content_block");
    block_start(ev, out);
  } else if (type == "content_block_delta") {
    if (!object_field(ev, "delta")) return malformed("stream: content_block_delta without a delta");
    block_delta(ev, out);
  } else if (type == "content_block_stop") {
    block_stop(ev, out);
  } else if (type == "message_delta") {
    message_delta(ev, out);
  } else if (type == "message_stop") {
    message_stop(out);
  }
  return {};  // ping, and types we do not know
}

void AnthropicDecoder::message_start(const json::object& ev, ReplyAssembler& out) {
  const json::object* message = object_field(ev, "message");
  if (!message) return;
  model_ = devagent::json::string_or(*message, "model");
  const json::object* usage = object_field(*message, "usage");
  if (!usage) return;
  merge_usage(*usage);
  // Provisional: the input count is real, the output count is a placeholder
  // until message_delta. A stream cut before then keeps the input count.
  // (Some compatible servers send zeros here; then there is nothing to keep.)
  if (has_input_count()) out.usage(usage_totals(/*estimated=*/true));
}

void AnthropicDecoder::block_start(const json::object& ev, ReplyAssembler& out) {
  std::int64_t index = int_field(ev.if_contains("index"));
  const json::object& block = *object_field(ev, "content_block");
  std::string type = devagent::json::string_or(block, "type");
  if (type == "text") {
    out.text(devagent::json::string_or(block, "text"));
    return;
  }
  if (type != "tool_use") return;  // thinking, server tools, ...: not part of the reply we assemble
  ToolBlock tool;
  tool.tool_index = next_tool_index_++;
  if (const json::object* input = object_field(block, "input"); input && !input->empty()) {
    tool.start_input = json::serialize(*input);
  }
  std::string id = devagent::json::string_or(block, "id");
  if (id.empty()) id = "call_" + std::to_string(tool.tool_index);
  out.tool_call(tool.tool_index, id, devagent::json::string_or(block, "name"), "");
  tool_blocks_[index] = std::move(tool);
}

void AnthropicDecoder::block_delta(const json::object& ev, ReplyAssembler& out) {
  std::int64_t index = int_field(ev.if_contains("index"));
  const json::object& delta = *object_field(ev, "delta");
  std::string type = devagent::json::string_or(delta, "type");
  if (type == "text_delta") {
    out.text(devagent::json::string_or(delta, "text"));
    return;
  }
  if (type != "input_json_delta") return;  // thinking_delta, signature_delta, citations_delta, ...
  auto it = tool_blocks_.find(index);
  if (it == tool_blocks_.end()) return;  // a server tool's input: not ours to run
  std::string piece = devagent::json::string_or(delta, "partial_json");
  if (piece.empty()) return;
  it->second.has_arguments = true;
  out.tool_call(it->second.tool_index, "", "", piece);
}

void AnthropicDecoder::block_stop(const json::object& ev, ReplyAssembler& out) {
  auto it = tool_blocks_.find(int_field(ev.if_contains("index")));
  if (it == tool_blocks_.end() || it->second.has_arguments) return;
  // No input_json_delta came (a tool without arguments): the arguments are
  // the start block's input, "{}" when empty, so they are always JSON.
  ToolBlock& tool = it->second;
  tool.has_arguments = true;
  out.tool_call(tool.tool_index, "", "", tool.start_input.empty() ? std::string("{}") : tool.start_input);
}

void AnthropicDecoder::message_delta(const json::object& ev, ReplyAssembler& out) {
  if (const json::object* delta = object_field(ev, "delta"); delta && !finish_sent_) {
    if (auto* reason = delta->if_contains("stop_reason"); reason && reason->is_string()) {
      finish_sent_ = true;
      out.finish(finish_from(reason->get_string()));
    }
  }
  if (const json::object* usage = object_field(ev, "usage")) {
    merge_usage(*usage);
    usage_final_ = true;
    out.usage(usage_totals(/*estimated=*/false));
  }
}

void AnthropicDecoder::message_stop(ReplyAssembler& out) {
  if (!finish_sent_) {
    finish_sent_ = true;
    out.finish(out.has_tool_calls() ? FinishReason::tool_calls : FinishReason::stop);
  }
  if (has_input_count() && !usage_final_) {
    // Only message_start spoke of usage: its output count is a placeholder,
    // so estimate the output from the reply.
    Usage u = usage_totals(/*estimated=*/true);
    ChatResponse reply = out.response("");
    std::size_t bytes = reply.text.size();
    for (const auto& c : reply.tool_calls) bytes += c.name.size() + c.arguments.size();
    u.output_tokens = std::max(u.output_tokens, static_cast<std::int64_t>((bytes + 3) / 4));
    out.usage(u);
  }
  done_ = true;
}

// Anthropic's counts are cumulative: each field present replaces the one
// before (older API versions send only output_tokens in message_delta, so an
// absent field keeps what message_start said).
void AnthropicDecoder::merge_usage(const json::object& usage) {
  auto assign = [&](std::string_view key, std::int64_t& field) {
    if (auto* v = usage.if_contains(key); v && v->is_number()) field = int_field(v);
  };
  assign("input_tokens", usage_.input);
  assign("cache_creation_input_tokens", usage_.cache_creation);
  assign("cache_read_input_tokens", usage_.cache_read);
  assign("output_tokens", usage_.output);
}

// llm::Usage counts every prompt token as input; Anthropic's input_tokens is
// only the part after the last cache breakpoint.
Usage AnthropicDecoder::usage_totals(bool estimated) const {
  Usage u;
  u.input_tokens = usage_.input + usage_.cache_read + usage_.cache_creation;
  u.output_tokens = usage_.output;
  u.cached_input_tokens = usage_.cache_read;
  u.estimated = estimated;
  return u;
}

// ------------------------------------------------------------ provider

json::object AnthropicProvider::request_body(const ChatRequest& request, const std::string& model,
                                             int default_max_tokens) {
  json::object body;
  body["model"] = model;
  body["max_tokens"] = request.max_tokens ? *request.max_tokens : default_max_tokens;
  if (std::string system = system_prompt(request.messages); !system.empty()) body["system"] = system;
  body["messages"] = conversation(request.messages);
  if (!request.tools.empty()) body["tools"] = tools_json(request.tools);
  if (request.temperature) body["temperature"] = *request.temperature;
  body["stream"] = true;
  return body;
}

http::Request AnthropicProvider::base_request(std::string method, std::string_view path) const {
  http::Request req;
  req.method = std::move(method);
  req.url = join_url(settings_.base_url, path);
  if (!settings_.api_key.empty()) req.headers.emplace_back("x-api-key", settings_.api_key);
  std::string version = settings_.api_version.empty() ? std::string(kDefaultApiVersion) : settings_.api_version;
  req.headers.emplace_back("anthropic-version", version);
  return req;
}

http::Request AnthropicProvider::chat_request(const ChatRequest& request, const std::string& model) const {
  auto req = base_request("POST", "/v1/messages");
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("accept", "text/event-stream");
  int max_tokens = settings_.max_tokens > 0 ? settings_.max_tokens : kDefaultMaxTokens;
  req.body = json::serialize(request_body(request, model, max_tokens));
  return req;
}

// {"type":"error","error":{"type":"not_found_error","message":"..."}}
std::pair<std::string, std::string> AnthropicProvider::error_fields(std::string_view body) const {
  auto v = devagent::json::parse(body);
  if (!v || !v->is_object()) return {"", std::string(body.substr(0, 300))};
  if (const json::object* err = object_field(v->get_object(), "error")) {
    return {devagent::json::string_or(*err, "type"), devagent::json::string_or(*err, "message")};
  }
  return {"", std::string(body.substr(0, 300))};
}

boost::asio::awaitable<Outcome<Embeddings>> AnthropicProvider::embed(const std::string&,
                                                                     const std::vector<std::string>&, CancelToken) {
  Error e{.kind = ErrorKind::unsupported,
          .message = "Anthropic has no embeddings API; configure an embedding route to another provider"};
  co_return e;
}

// GET /v1/models lists newest first, 20 to a page; has_more and last_id
// lead to the next page (after_id).
boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> AnthropicProvider::models(CancelToken cancel) {
  std::vector<ModelInfo> out;
  std::string after_id;
  for (int page = 0; page < kMaxModelPages; ++page) {
    std::string path = "/v1/models";
    if (!after_id.empty()) path += "?after_id=" + boost::urls::encode(after_id, boost::urls::unreserved_chars);
    http::Request req = base_request("GET", path);
    auto body = co_await call(std::move(req), cancel);
    if (!body) co_return body.error();
    auto v = devagent::json::parse(*body);
    if (!v || !v->is_object()) co_return malformed("models response is not a JSON object");
    const auto& list = v->get_object();
    if (auto* data = list.if_contains("data"); data && data->is_array()) {
      for (const auto& m : data->get_array()) {
        if (!m.is_object()) continue;
        std::string id = devagent::json::string_or(m.get_object(), "id");
        if (!id.empty()) out.push_back(ModelInfo{.id = std::move(id), .owned_by = "anthropic"});
      }
    }
    auto* more = list.if_contains("has_more");
    after_id = devagent::json::string_or(list, "last_id");
    if (!more || !more->is_bool() || !more->get_bool() || after_id.empty()) break;
  }
  co_return out;
}

}  // namespace devagent::llm
