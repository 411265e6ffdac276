// LLM providers: one interface for every vendor and for the offline engine.
//
// A provider streams a chat reply as Deltas (text, tool-call pieces, finish
// reason, usage) to a sink while it arrives, and returns the whole reply when
// the stream ends; a non-streaming call is the same path with a sink that
// ignores deltas. Embeddings and model listing complete in one step.
//
// Concurrency: calls are coroutines that run on the caller's executor, which
// must be a strand or a single-threaded io_context (every socket and timer of
// the call lives there). A provider object is shared by all calls.
//
// Arguments passed by reference must stay alive until the call completes
// (co_await it directly, or keep them in the spawning frame).
//
// Cancellation: when the CancelToken fires, the upstream connection is closed
// at once (within 100 ms) and the call returns Error{kind = cancelled}, with
// the usage of what was generated so far estimated.
#pragma once

#include "core/cancel.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::llm {

enum class Role { system, user, assistant, tool };
std::string_view to_string(Role r);

struct ToolCall {
  std::string id;         // the vendor's call id; assigned ("call_<n>") when the vendor has none
  std::string name;
  std::string arguments;  // JSON text of the arguments object
};

struct Message {
  Role role = Role::user;
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages that call tools
  std::string tool_call_id;          // tool messages: the call this answers
  std::string tool_name;             // tool messages: the tool's name (Ollama wants it)
};

// A tool offered to the model; parameters is a JSON Schema object.
struct ToolSpec {
  std::string name;
  std::string description;
  boost::json::object parameters;
};

struct ChatRequest {
  std::string model;  // empty: the provider's default model
  std::vector<Message> messages;
  std::vector<ToolSpec> tools;
  std::optional<double> temperature;
  std::optional<int> max_tokens;  // Anthropic requires one; its provider fills a default
};

struct Usage {
  std::int64_t input_tokens = 0;         // all prompt tokens, cached ones included
  std::int64_t output_tokens = 0;
  std::int64_t cached_input_tokens = 0;  // the part of input_tokens served from the vendor's prompt cache
  bool estimated = false;                // true when the vendor never reported usage
};

enum class FinishReason { stop, length, tool_calls, content_filter, cancelled, error, unknown };
std::string_view to_string(FinishReason r);

// One streamed piece of a reply.
struct Delta {
  enum class Kind { text, tool_call, finish, usage };
  Kind kind = Kind::text;
  std::string text;  // Kind::text
  // Kind::tool_call: a piece of tool call number tool_index. id and name come
  // with the first piece; arguments arrive as JSON text fragments to append.
  int tool_index = 0;
  std::string tool_id;
  std::string tool_name;
  std::string tool_arguments;
  FinishReason finish = FinishReason::unknown;  // Kind::finish
  Usage usage;                                  // Kind::usage (totals so far, not increments)
};
using DeltaSink = std::function<void(const Delta&)>;

struct ChatResponse {
  std::string model;
  std::string text;
  std::vector<ToolCall> tool_calls;
  FinishReason finish = FinishReason::unknown;
  Usage usage;
};

struct Embeddings {
  std::string model;
  std::vector<std::vector<float>> vectors;  // one per input, in input order
  Usage usage;
};

struct ModelInfo {
  std::string id;
  std::string owned_by;
};

// What went wrong, in terms a router can act on.
enum class ErrorKind {
  auth,            // 401/403: bad or missing key
  rate_limited,    // 429: retry_after tells when
  overloaded,      // 529 or overloaded_error: try elsewhere
  bad_request,     // 4xx: the request itself is wrong; retrying will not help
  context_length,  // the prompt is longer than the model's window
  server,          // 5xx
  timeout,         // connect, first byte or idle timeout
  connection,      // refused, reset, DNS, TLS
  cancelled,       // the caller cancelled
  malformed,       // the upstream sent something that does not parse
  unsupported,     // the provider cannot do this (e.g. embeddings on Anthropic)
  budget_exceeded, // the caller's daily budget is spent; nothing was sent upstream
};
std::string_view to_string(ErrorKind k);

struct Error {
  ErrorKind kind = ErrorKind::server;
  std::string message;
  int status = 0;                                   // HTTP status when there was one
  std::optional<std::chrono::milliseconds> retry_after;
  bool output_started = false;                      // some delta already reached the sink
  std::optional<Usage> usage;                       // what was consumed before the failure
};

template <class T>
using Outcome = boost::system::result<T, Error>;
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

class Provider {
 public:
  virtual ~Provider() = default;
  // The configured name ("openai", "local-vllm", ...).
  virtual const std::string& name() const = 0;
  // "openai", "anthropic", "ollama" or "builtin".
  virtual std::string_view type() const = 0;
  virtual const std::string& default_model() const = 0;
  // The model embed() uses when none is named; empty when the provider has
  // no embeddings.
  virtual std::string default_embedding_model() const { return {}; }

  virtual boost::asio::awaitable<Outcome<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& sink,
                                                             CancelToken cancel) = 0;
  virtual boost::asio::awaitable<Outcome<Embeddings>> embed(const std::string& model,
                                                           const std::vector<std::string>& inputs,
                                                           CancelToken cancel) = 0;
  virtual boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> models(CancelToken cancel) = 0;
};

}  // namespace devagent::llm
