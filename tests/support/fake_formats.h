// What OpenAI, Anthropic and Ollama put on the wire, as text: the fake
// upstream's knowledge of the three formats, kept apart from its sockets.
// Internal to tests/support (fake_upstream.cpp is the only user).
//
// Sources checked: OpenAI chat.completion(.chunk) shapes from the API
// reference and SDK fixtures; Anthropic streaming event flow and error types
// from the Messages streaming and errors pages; Ollama from docs/api.md and
// api/types.go in ollama/ollama.
#pragma once

#include "support/fake_upstream.h"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace devagent::testing::fake {

enum class Vendor { openai, anthropic, ollama };

// One chat request with its scripted reply resolved: everything the wire
// text depends on.
struct ChatCall {
  Vendor vendor = Vendor::openai;
  std::string model;
  bool stream = false;
  bool include_usage = false;        // OpenAI stream_options.include_usage
  std::string id;                    // "chatcmpl-fake7", "msg_fake7"
  long long created = 0;             // unix seconds
  std::vector<ToolCall> tool_calls;  // with ids filled in
  FinishReason finish = FinishReason::stop;
  bool send_usage = true;
  int prompt_tokens = 0;  // including the cached ones
  int completion_tokens = 0;
  int cached_tokens = 0;
};

ChatCall make_chat_call(Vendor vendor, const boost::json::object& request, std::size_t request_bytes,
                        const Reply& reply, int serial);

// A streamed reply as complete wire events: "data: ...\n\n",
// "event: ...\ndata: ...\n\n" or one NDJSON line.
std::vector<std::string> stream_events(const ChatCall& call, const Reply& reply);
// The whole reply for "stream": false.
std::string whole_reply(const ChatCall& call, const Reply& reply);
// The vendor's error event inside a stream.
std::string stream_error_event(Vendor vendor, const Reply& reply);
// An event whose JSON is cut short.
std::string malformed_event(Vendor vendor);

std::string stream_content_type(Vendor vendor);
std::string json_content_type(Vendor vendor);

struct ErrorResponse {
  int status = 500;
  std::string body;
};
// The HTTP error a scripted reply asks for (status, retry-after aside).
ErrorResponse reply_error(Vendor vendor, const Reply& reply, std::string_view model);
// An error of the vendor's shape for a problem with the request itself.
ErrorResponse request_error(Vendor vendor, int status, std::string message);
// A path the fake does not serve: OpenAI's "Invalid URL" error, or Go's
// plain "404 page not found" under /api/.
ErrorResponse unknown_route(std::string_view method, std::string_view path);

// Deterministic embeddings: the same text always gives the same unit vector.
std::vector<double> embedding_of(std::string_view text, std::size_t dimensions);
std::string embeddings_reply(Vendor vendor, const boost::json::object& request);
std::string model_list(Vendor vendor, const std::vector<std::string>& ids);

// text in pieces of at most `bytes` (at least 1), never splitting a UTF-8
// character.
std::vector<std::string> split_utf8(std::string_view text, std::size_t bytes);

}  // namespace devagent::testing::fake
