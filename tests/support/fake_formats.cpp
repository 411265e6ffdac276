#include "support/fake_formats.h"

#include "core/json.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace devagent::testing::fake {
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------- helpers

std::string sse_data(const json::value& v) {
  return "data: " + json::serialize(v) + "\n\n";
}

std::string sse_event(std::string_view type, const json::value& v) {
  return "event: " + std::string(type) + "\ndata: " + json::serialize(v) + "\n\n";
}

std::string ndjson_line(const json::value& v) {
  return json::serialize(v) + "\n";
}

json::value null_or(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// The arguments as a JSON object (Anthropic "input", Ollama "arguments").
json::value arguments_object(const std::string& arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  if (ec || !v.is_object()) return json::object{};
  return v;
}

std::vector<std::string> text_pieces(const Reply& reply) {
  if (reply.content.empty()) return {};
  std::size_t bytes = reply.chunk_size;
  if (bytes == 0) {
    std::size_t count = static_cast<std::size_t>(std::max(1, reply.chunk_count));
    bytes = (reply.content.size() + count - 1) / count;
  }
  return split_utf8(reply.content, bytes);
}

std::vector<std::string> argument_pieces(const ToolCall& call, std::size_t piece_size) {
  if (call.arguments.empty()) return {};
  if (piece_size == 0) return {call.arguments};
  return split_utf8(call.arguments, piece_size);
}

// RFC 3339 with microseconds, as Ollama writes created_at.
std::string rfc3339_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
  return buf;
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// ----------------------------------------------------------------- OpenAI

const char* openai_finish(FinishReason r) {
  switch (r) {
    case FinishReason::stop:
      return "stop";
    case FinishReason::tool_calls:
      return "tool_calls";
    case FinishReason::length:
      return "length";
  }
  return "stop";
}

json::object openai_usage(const ChatCall& c) {
  return json::object{
      {"prompt_tokens", c.prompt_tokens},
      {"completion_tokens", c.completion_tokens},
      {"total_tokens", c.prompt_tokens + c.completion_tokens},
      {"prompt_tokens_details", {{"cached_tokens", c.cached_tokens}, {"audio_tokens", 0}}},
      {"completion_tokens_details",
       {{"reasoning_tokens", 0},
        {"audio_tokens", 0},
        {"accepted_prediction_tokens", 0},
        {"rejected_prediction_tokens", 0}}},
  };
}

json::object openai_chunk(const ChatCall& c, json::object delta, const char* finish = nullptr) {
  json::object choice{{"index", 0},
                      {"delta", std::move(delta)},
                      {"logprobs", nullptr},
                      {"finish_reason", finish ? json::value(finish) : json::value(nullptr)}};
  json::object chunk{
      {"id", c.id},       {"object", "chat.completion.chunk"}, {"created", c.created},
      {"model", c.model}, {"system_fingerprint", "fp_fake"},   {"choices", json::array{std::move(choice)}}};
  if (c.include_usage) chunk["usage"] = nullptr;
  return chunk;
}

json::object openai_tool_call_header(const ToolCall& call, std::size_t index) {
  return json::object{
      {"index", index}, {"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", ""}}}};
}

json::object openai_arguments_piece(std::size_t index, const std::string& piece) {
  return json::object{{"index", index}, {"function", {{"arguments", piece}}}};
}

std::vector<std::string> openai_stream(const ChatCall& c, const Reply& reply) {
  std::vector<std::string> events;
  bool role_sent = false;
  if (!reply.content.empty() || c.tool_calls.empty()) {
    events.push_back(sse_data(openai_chunk(c, {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}})));
    role_sent = true;
  }
  for (const auto& piece : text_pieces(reply)) events.push_back(sse_data(openai_chunk(c, {{"content", piece}})));
  for (std::size_t k = 0; k < c.tool_calls.size(); ++k) {
    const ToolCall& call = c.tool_calls[k];
    json::object delta;
    if (!role_sent) {
      delta["role"] = "assistant";
      delta["content"] = nullptr;
    }
    delta["tool_calls"] = json::array{openai_tool_call_header(call, k)};
    if (!role_sent) delta["refusal"] = nullptr;
    role_sent = true;
    events.push_back(sse_data(openai_chunk(c, std::move(delta))));
    for (const auto& piece : argument_pieces(call, reply.piece_size)) {
      json::object args_delta{{"tool_calls", json::array{openai_arguments_piece(k, piece)}}};
      events.push_back(sse_data(openai_chunk(c, std::move(args_delta))));
    }
  }
  events.push_back(sse_data(openai_chunk(c, json::object{}, openai_finish(c.finish))));
  if (c.include_usage && c.send_usage) {
    json::object last = openai_chunk(c, json::object{});
    last["choices"] = json::array{};
    last["usage"] = openai_usage(c);
    events.push_back(sse_data(last));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::string openai_whole(const ChatCall& c, const Reply& reply) {
  json::object message{{"role", "assistant"}, {"content", null_or(reply.content)}, {"refusal", nullptr}};
  if (!c.tool_calls.empty()) {
    json::array calls;
    for (const auto& call : c.tool_calls) {
      calls.push_back(json::object{
          {"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  json::object choice{
      {"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr}, {"finish_reason", openai_finish(c.finish)}};
  json::object body{{"id", c.id},
                    {"object", "chat.completion"},
                    {"created", c.created},
                    {"model", c.model},
                    {"choices", json::array{std::move(choice)}}};
  if (c.send_usage) body["usage"] = openai_usage(c);
  body["system_fingerprint"] = "fp_fake";
  return json::serialize(body);
}

struct OpenAiError {
  const char* type;
  const char* code;  // nullptr: null
  const char* message;
};

OpenAiError openai_error_for(int status) {
  switch (status) {
    case 400:
      return {"invalid_request_error", nullptr, "Invalid request."};
    case 401:
      return {"invalid_request_error", "invalid_api_key", "Incorrect API key provided."};
    case 403:
      return {"invalid_request_error", nullptr, "You are not allowed to use this resource."};
    case 404:
      return {"invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."};
    case 429:
      return {"requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."};
    case 503:
      return {"server_error", nullptr, "The server is overloaded or not ready yet."};
  }
  if (status >= 500) return {"server_error", nullptr, "The server had an error while processing your request."};
  return {"invalid_request_error", nullptr, "Invalid request."};
}

json::object openai_error_body(std::string_view type, std::string_view message, json::value param, json::value code) {
  return json::object{{"error", {{"message", message}, {"type", type}, {"param", param}, {"code", code}}}};
}

ErrorResponse openai_reply_error(const Reply& r) {
  if (r.context_prompt_tokens) {
    std::string message = "This model's maximum context length is " + std::to_string(r.context_max_tokens) +
                          " tokens. However, your messages resulted in " + std::to_string(*r.context_prompt_tokens) +
                          " tokens. Please reduce the length of the messages.";
    return {400, json::serialize(
                     openai_error_body("invalid_request_error", message, "messages", "context_length_exceeded"))};
  }
  OpenAiError e = openai_error_for(r.status);
  std::string type = r.error_type.empty() ? e.type : r.error_type;
  std::string message = r.error_message.empty() ? e.message : r.error_message;
  json::value code = e.code ? json::value(e.code) : json::value(nullptr);
  return {r.status, json::serialize(openai_error_body(type, message, nullptr, code))};
}

// -------------------------------------------------------------- Anthropic

const char* anthropic_stop(FinishReason r) {
  switch (r) {
    case FinishReason::stop:
      return "end_turn";
    case FinishReason::tool_calls:
      return "tool_use";
    case FinishReason::length:
      return "max_tokens";
  }
  return "end_turn";
}

// Anthropic counts cached tokens apart: input_tokens is the uncached rest.
json::object anthropic_usage(const ChatCall& c, int output_tokens) {
  return json::object{{"input_tokens", std::max(0, c.prompt_tokens - c.cached_tokens)},
                      {"cache_creation_input_tokens", 0},
                      {"cache_read_input_tokens", c.cached_tokens},
                      {"output_tokens", output_tokens}};
}

json::object anthropic_message(const ChatCall& c, json::array content, json::value stop_reason) {
  json::object m{{"id", c.id},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", c.model},
                 {"content", std::move(content)},
                 {"stop_reason", stop_reason},
                 {"stop_sequence", nullptr}};
  return m;
}

json::object block_start(std::size_t index, json::object block) {
  return json::object{{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(block)}};
}

json::object block_delta(std::size_t index, json::object delta) {
  return json::object{{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}};
}

json::object block_stop(std::size_t index) {
  return json::object{{"type", "content_block_stop"}, {"index", index}};
}

std::vector<std::string> anthropic_stream(const ChatCall& c, const Reply& reply) {
  std::vector<std::string> events;
  json::object start = anthropic_message(c, json::array{}, nullptr);
  if (c.send_usage) start["usage"] = anthropic_usage(c, std::min(1, c.completion_tokens));
  events.push_back(sse_event("message_start", json::object{{"type", "message_start"}, {"message", std::move(start)}}));

  // The ping follows the first content_block_start, as the API sends it.
  auto start_block = [&](std::size_t index, json::object block) {
    events.push_back(sse_event("content_block_start", block_start(index, std::move(block))));
    if (index == 0) events.push_back(sse_event("ping", json::object{{"type", "ping"}}));
  };
  std::size_t index = 0;
  if (!reply.content.empty()) {
    start_block(index, {{"type", "text"}, {"text", ""}});
    for (const auto& piece : text_pieces(reply)) {
      json::object delta{{"type", "text_delta"}, {"text", piece}};
      events.push_back(sse_event("content_block_delta", block_delta(index, std::move(delta))));
    }
    events.push_back(sse_event("content_block_stop", block_stop(index)));
    ++index;
  }
  for (const auto& call : c.tool_calls) {
    start_block(index, {{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", json::object{}}});
    for (const auto& piece : argument_pieces(call, reply.piece_size)) {
      json::object delta{{"type", "input_json_delta"}, {"partial_json", piece}};
      events.push_back(sse_event("content_block_delta", block_delta(index, std::move(delta))));
    }
    events.push_back(sse_event("content_block_stop", block_stop(index)));
    ++index;
  }

  json::object message_delta{{"type", "message_delta"},
                             {"delta", {{"stop_reason", anthropic_stop(c.finish)}, {"stop_sequence", nullptr}}}};
  if (c.send_usage) message_delta["usage"] = anthropic_usage(c, c.completion_tokens);
  events.push_back(sse_event("message_delta", message_delta));
  events.push_back(sse_event("message_stop", json::object{{"type", "message_stop"}}));
  return events;
}

std::string anthropic_whole(const ChatCall& c, const Reply& reply) {
  json::array content;
  if (!reply.content.empty()) content.push_back(json::object{{"type", "text"}, {"text", reply.content}});
  for (const auto& call : c.tool_calls) {
    content.push_back(json::object{
        {"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", arguments_object(call.arguments)}});
  }
  json::object body = anthropic_message(c, std::move(content), anthropic_stop(c.finish));
  if (c.send_usage) body["usage"] = anthropic_usage(c, c.completion_tokens);
  return json::serialize(body);
}

struct AnthropicError {
  const char* type;
  const char* message;
};

AnthropicError anthropic_error_for(int status) {
  switch (status) {
    case 400:
      return {"invalid_request_error", "Invalid request."};
    case 401:
      return {"authentication_error", "invalid x-api-key"};
    case 403:
      return {"permission_error", "Your API key does not have permission to use the specified resource."};
    case 404:
      return {"not_found_error", "Not found."};
    case 413:
      return {"request_too_large", "Request exceeds the maximum allowed number of bytes."};
    case 429:
      return {"rate_limit_error", "This request would exceed your account's rate limit. Please try again later."};
    case 500:
      return {"api_error", "Internal server error"};
    case 529:
      return {"overloaded_error", "Overloaded"};
  }
  if (status >= 500) return {"api_error", "Internal server error"};
  return {"invalid_request_error", "Invalid request."};
}

std::string anthropic_error_body(std::string_view type, std::string_view message) {
  json::object body{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
  return json::serialize(body);
}

ErrorResponse anthropic_reply_error(const Reply& r) {
  if (r.context_prompt_tokens) {
    std::string message = "prompt is too long: " + std::to_string(*r.context_prompt_tokens) + " tokens > " +
                          std::to_string(r.context_max_tokens) + " maximum";
    return {400, anthropic_error_body("invalid_request_error", message)};
  }
  AnthropicError e = anthropic_error_for(r.status);
  std::string type = r.error_type.empty() ? e.type : r.error_type;
  std::string message = r.error_message.empty() ? e.message : r.error_message;
  return {r.status, anthropic_error_body(type, message)};
}

// ----------------------------------------------------------------- Ollama

// Ollama says "stop" for a finished turn, tool calls included.
const char* ollama_done_reason(FinishReason r) {
  return r == FinishReason::length ? "length" : "stop";
}

json::object ollama_line(const ChatCall& c, json::object message) {
  return json::object{{"model", c.model}, {"created_at", rfc3339_now()}, {"message", std::move(message)}};
}

json::array ollama_tool_calls(const std::vector<ToolCall>& calls) {
  json::array out;
  for (const auto& call : calls) {
    out.push_back(json::object{{"function", {{"name", call.name}, {"arguments", arguments_object(call.arguments)}}}});
  }
  return out;
}

// The last object of a chat: done, why, and the counters (durations in ns).
json::object ollama_final(const ChatCall& c, json::object message) {
  json::object o = ollama_line(c, std::move(message));
  o["done_reason"] = ollama_done_reason(c.finish);
  o["done"] = true;
  if (!c.send_usage) return o;
  const std::int64_t load = 1'000'000, prompt_eval = 20'000'000;
  const std::int64_t eval = 10'000'000ll * std::max(1, c.completion_tokens);
  o["total_duration"] = load + prompt_eval + eval;
  o["load_duration"] = load;
  o["prompt_eval_count"] = c.prompt_tokens;
  o["prompt_eval_duration"] = prompt_eval;
  o["eval_count"] = c.completion_tokens;
  o["eval_duration"] = eval;
  return o;
}

std::vector<std::string> ollama_stream(const ChatCall& c, const Reply& reply) {
  std::vector<std::string> events;
  for (const auto& piece : text_pieces(reply)) {
    json::object line = ollama_line(c, {{"role", "assistant"}, {"content", piece}});
    line["done"] = false;
    events.push_back(ndjson_line(line));
  }
  for (const auto& call : c.tool_calls) {
    std::vector<ToolCall> one{call};
    json::object message{{"role", "assistant"}, {"content", ""}, {"tool_calls", ollama_tool_calls(one)}};
    json::object line = ollama_line(c, std::move(message));
    line["done"] = false;
    events.push_back(ndjson_line(line));
  }
  events.push_back(ndjson_line(ollama_final(c, {{"role", "assistant"}, {"content", ""}})));
  return events;
}

std::string ollama_whole(const ChatCall& c, const Reply& reply) {
  json::object message{{"role", "assistant"}, {"content", reply.content}};
  if (!c.tool_calls.empty()) message["tool_calls"] = ollama_tool_calls(c.tool_calls);
  return json::serialize(ollama_final(c, std::move(message)));
}

std::string ollama_default_error(int status, std::string_view model) {
  switch (status) {
    case 404:
      return "model \"" + std::string(model) + "\" not found, try pulling it first";
    case 429:
      return "rate limit exceeded";
    case 503:
      return "server busy, please try again.  maximum pending requests exceeded";
  }
  if (status >= 500) return "an error was encountered while running the model";
  return "invalid request";
}

std::string ollama_error_body(std::string_view message) {
  return json::serialize(json::object{{"error", message}});
}

ErrorResponse ollama_reply_error(const Reply& r, std::string_view model) {
  if (r.context_prompt_tokens) {
    std::string message = "the input length (" + std::to_string(*r.context_prompt_tokens) +
                          " tokens) exceeds the context length (" + std::to_string(r.context_max_tokens) + " tokens)";
    return {400, ollama_error_body(message)};
  }
  std::string message = r.error_message.empty() ? ollama_default_error(r.status, model) : r.error_message;
  return {r.status, ollama_error_body(message)};
}

// ------------------------------------------------------------- embeddings

// The inputs of an embeddings request: a string or an array of strings
// (OpenAI token arrays are embedded by their JSON text).
std::vector<std::string> embedding_inputs(const json::object& request) {
  const json::value* input = request.if_contains("input");
  if (!input) return {};
  if (input->is_string()) return {std::string(input->as_string())};
  std::vector<std::string> out;
  if (!input->is_array()) return {json::serialize(*input)};
  for (const auto& item : input->as_array()) {
    out.push_back(item.is_string() ? std::string(item.as_string()) : json::serialize(item));
  }
  return out;
}

json::array vector_json(std::string_view text, std::size_t dimensions) {
  json::array out;
  for (double x : embedding_of(text, dimensions)) out.push_back(x);
  return out;
}

int token_estimate(const std::vector<std::string>& inputs) {
  std::size_t bytes = 0;
  for (const auto& s : inputs) bytes += s.size();
  return std::max<int>(1, static_cast<int>(bytes / 4));
}

}  // namespace

// ------------------------------------------------------------- public part

std::vector<std::string> split_utf8(std::string_view text, std::size_t bytes) {
  bytes = std::max<std::size_t>(1, bytes);
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = std::min(text.size(), pos + bytes);
    // Continuation bytes (10xxxxxx) belong to the character before them.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    out.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

ChatCall make_chat_call(Vendor vendor, const json::object& request, std::size_t request_bytes, const Reply& reply,
                        int serial) {
  ChatCall c;
  c.vendor = vendor;
  c.model = devagent::json::string_or(request, "model", "fake-model");
  const json::value* stream = request.if_contains("stream");
  bool stream_default = vendor == Vendor::ollama;
  c.stream = stream && stream->is_bool() ? stream->as_bool() : stream_default;
  if (const json::value* options = request.if_contains("stream_options"); options && options->is_object()) {
    const json::value* usage = options->as_object().if_contains("include_usage");
    c.include_usage = vendor == Vendor::openai && usage && usage->is_bool() && usage->as_bool();
  }
  std::string tag = std::to_string(serial);
  c.id = vendor == Vendor::anthropic ? "msg_fake" + tag : "chatcmpl-fake" + tag;
  c.created = static_cast<long long>(std::time(nullptr));

  std::size_t reply_bytes = reply.content.size();
  c.tool_calls = reply.tool_calls;
  for (std::size_t k = 0; k < c.tool_calls.size(); ++k) {
    ToolCall& call = c.tool_calls[k];
    reply_bytes += call.arguments.size() + call.name.size();
    if (!call.id.empty()) continue;
    std::string prefix = vendor == Vendor::anthropic ? "toolu_fake" : "call_fake";
    call.id = prefix + tag + "_" + std::to_string(k);
  }
  c.finish = reply.finish_reason.value_or(c.tool_calls.empty() ? FinishReason::stop : FinishReason::tool_calls);
  c.send_usage = reply.include_usage;
  c.prompt_tokens = reply.input_tokens.value_or(std::max<int>(1, static_cast<int>(request_bytes / 4)));
  c.completion_tokens = reply.output_tokens.value_or(std::max<int>(1, static_cast<int>(reply_bytes / 4)));
  c.cached_tokens = reply.cached_tokens;
  return c;
}

std::vector<std::string> stream_events(const ChatCall& call, const Reply& reply) {
  switch (call.vendor) {
    case Vendor::openai:
      return openai_stream(call, reply);
    case Vendor::anthropic:
      return anthropic_stream(call, reply);
    case Vendor::ollama:
      return ollama_stream(call, reply);
  }
  return {};
}

std::string whole_reply(const ChatCall& call, const Reply& reply) {
  switch (call.vendor) {
    case Vendor::openai:
      return openai_whole(call, reply);
    case Vendor::anthropic:
      return anthropic_whole(call, reply);
    case Vendor::ollama:
      return ollama_whole(call, reply);
  }
  return {};
}

std::string stream_error_event(Vendor vendor, const Reply& r) {
  switch (vendor) {
    case Vendor::openai: {
      std::string type = r.error_type.empty() ? "server_error" : r.error_type;
      std::string message =
          r.error_message.empty() ? "The server had an error while processing your request." : r.error_message;
      return sse_data(openai_error_body(type, message, nullptr, nullptr));
    }
    case Vendor::anthropic: {
      std::string type = r.error_type.empty() ? "overloaded_error" : r.error_type;
      std::string message = r.error_message.empty() ? "Overloaded" : r.error_message;
      return "event: error\ndata: " + anthropic_error_body(type, message) + "\n\n";
    }
    case Vendor::ollama: {
      std::string message =
          r.error_message.empty() ? "an error was encountered while running the model" : r.error_message;
      return ollama_error_body(message) + "\n";
    }
  }
  return {};
}

std::string malformed_event(Vendor vendor) {
  switch (vendor) {
    case Vendor::openai:
      return "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"choices\":[{\n\n";
    case Vendor::anthropic:
      return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\n\n";
    case Vendor::ollama:
      return "{\"model\":\"fake\",\"message\":{\"role\":\"assistant\",\"content\":\n";
  }
  return {};
}

std::string stream_content_type(Vendor vendor) {
  return vendor == Vendor::ollama ? "application/x-ndjson" : "text/event-stream; charset=utf-8";
}

std::string json_content_type(Vendor vendor) {
  return vendor == Vendor::ollama ? "application/json; charset=utf-8" : "application/json";
}

ErrorResponse reply_error(Vendor vendor, const Reply& reply, std::string_view model) {
  switch (vendor) {
    case Vendor::openai:
      return openai_reply_error(reply);
    case Vendor::anthropic:
      return anthropic_reply_error(reply);
    case Vendor::ollama:
      return ollama_reply_error(reply, model);
  }
  return {};
}

ErrorResponse request_error(Vendor vendor, int status, std::string message) {
  Reply r = Reply::http_error(status).error("", std::move(message));
  return reply_error(vendor, r, "");
}

ErrorResponse unknown_route(std::string_view method, std::string_view path) {
  if (path.starts_with("/api/")) return {404, "404 page not found"};
  std::string message = "Invalid URL (" + std::string(method) + " " + std::string(path) + ")";
  return {404, json::serialize(openai_error_body("invalid_request_error", message, nullptr, nullptr))};
}

std::vector<double> embedding_of(std::string_view text, std::size_t dimensions) {
  std::uint64_t state = fnv1a(text);
  std::vector<double> v(std::max<std::size_t>(1, dimensions));
  double norm = 0;
  for (double& x : v) {
    x = static_cast<double>(splitmix(state) >> 11) / 9007199254740992.0 * 2.0 - 1.0;  // [-1, 1)
    norm += x * x;
  }
  norm = std::sqrt(norm);
  for (double& x : v) x = norm > 0 ? x / norm : 0;
  return v;
}

std::string embeddings_reply(Vendor vendor, const json::object& request) {
  std::vector<std::string> inputs = embedding_inputs(request);
  std::string model = devagent::json::string_or(request, "model", "fake-embedding");
  std::size_t dimensions = 8;
  if (const json::value* d = request.if_contains("dimensions"); d && d->is_int64() && d->as_int64() > 0) {
    dimensions = static_cast<std::size_t>(std::min<std::int64_t>(d->as_int64(), 4096));
  }
  if (vendor == Vendor::ollama) {
    json::array embeddings;
    for (const auto& text : inputs) embeddings.push_back(vector_json(text, dimensions));
    json::object body{{"model", model},
                      {"embeddings", std::move(embeddings)},
                      {"total_duration", 14'000'000},
                      {"load_duration", 1'000'000},
                      {"prompt_eval_count", token_estimate(inputs)}};
    return json::serialize(body);
  }
  json::array data;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    data.push_back(
        json::object{{"object", "embedding"}, {"index", i}, {"embedding", vector_json(inputs[i], dimensions)}});
  }
  int tokens = token_estimate(inputs);
  json::object body{{"object", "list"},
                    {"data", std::move(data)},
                    {"model", model},
                    {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
  return json::serialize(body);
}

std::string model_list(Vendor vendor, const std::vector<std::string>& ids) {
  switch (vendor) {
    case Vendor::openai: {
      json::array data;
      for (const auto& id : ids) {
        data.push_back(
            json::object{{"id", id}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "fake-upstream"}});
      }
      return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
    }
    case Vendor::anthropic: {
      json::array data;
      for (const auto& id : ids) {
        data.push_back(
            json::object{{"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", "2025-01-01T00:00:00Z"}});
      }
      json::object body{{"data", std::move(data)},
                        {"has_more", false},
                        {"first_id", ids.empty() ? json::value(nullptr) : json::value(ids.front())},
                        {"last_id", ids.empty() ? json::value(nullptr) : json::value(ids.back())}};
      return json::serialize(body);
    }
    case Vendor::ollama: {
      json::array models;
      for (const auto& id : ids) {
        char digest[17];
        std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(fnv1a(id)));
        json::object details{{"parent_model", ""},       {"format", "gguf"},
                             {"family", "llama"},        {"families", json::array{"llama"}},
                             {"parameter_size", "3.2B"}, {"quantization_level", "Q4_K_M"}};
        models.push_back(json::object{{"name", id},
                                      {"model", id},
                                      {"modified_at", "2025-01-01T00:00:00.000000Z"},
                                      {"size", 2019393189},
                                      {"digest", std::string(digest) + digest + digest + digest},
                                      {"details", std::move(details)}});
      }
      return json::serialize(json::object{{"models", std::move(models)}});
    }
  }
  return {};
}

}  // namespace devagent::testing::fake
