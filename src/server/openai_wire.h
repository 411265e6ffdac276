// OpenAI's wire format for the OpenAI-compatible API (internal to the server
// module; docs/openai-api.md): reading a chat completions request into an
// llm::ChatRequest, and writing completions, stream chunks, usage and
// errors in OpenAI's documented shapes. Pure functions; the handlers live in
// openai_routes.cpp.
#pragma once

#include "llm/provider.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devagent::server::openai {

// An error as OpenAI sends it: {"error": {"message", "type", "param", "code"}}.
struct ApiError {
  unsigned status = 500;
  std::string type = "server_error";
  std::string message;
  std::string param;  // empty: null
  std::string code;   // empty: null
  std::optional<std::chrono::seconds> retry_after;
};
boost::json::value error_json(const ApiError& e);
ApiError invalid_request(std::string message, std::string param = {}, std::string code = {});
ApiError model_not_found(std::string_view model);
// An upstream or router failure, with the status a client can act on.
ApiError from_llm(const llm::Error& e);

struct CompletionRequest {
  std::string model;
  llm::ChatRequest chat;  // messages, tools, temperature, max_tokens; model left empty
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};
// Reads a POST /v1/chat/completions body. Parameters devagent does not
// implement (top_p, stop, seed, ...) are ignored; those it cannot honour
// (n > 1, non-text content parts) are refused with invalid_request_error.
boost::system::result<CompletionRequest, ApiError> parse_completion_request(const boost::json::value& body);

// "chatcmpl-" and 24 random characters.
std::string completion_id();
std::int64_t unix_now();
std::string_view finish_reason(llm::FinishReason r);
boost::json::object usage_json(const llm::Usage& u);

// One non-streaming chat.completion.
boost::json::object completion_json(std::string_view id, std::int64_t created, std::string_view model,
                                    const llm::ChatResponse& reply);

// The SSE frames of one streamed completion: "data: {chat.completion.chunk}\n\n"
// and the final "data: [DONE]\n\n".
class ChunkWriter {
 public:
  ChunkWriter(std::string id, std::int64_t created, std::string model, bool include_usage);
  std::string role() const;  // the first chunk: delta {role: assistant, content: ""}
  std::string text(std::string_view piece) const;
  std::string tool_call(const llm::Delta& d) const;  // a Delta of kind tool_call
  std::string finish(llm::FinishReason r) const;
  std::string usage(const llm::Usage& u) const;      // choices [] and usage; only with include_usage
  static std::string done();
  static std::string error(const ApiError& e);       // data: {"error": {...}}, what the SDKs raise mid-stream

 private:
  std::string frame(boost::json::object delta, const boost::json::value& finish) const;
  std::string id_;
  std::int64_t created_;
  std::string model_;
  bool include_usage_;
};

}  // namespace devagent::server::openai
