// What the vendor providers share (internal to the llm module): assembling a
// streamed reply, turning HTTP and transport failures into llm::Error,
// estimating usage, joining URLs.
#pragma once

#include "core/error.h"
#include "http/client.h"
#include "llm/provider.h"

#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace devagent::llm {

// Builds the ChatResponse from the Deltas a decoder produces, forwarding each
// to the caller's sink. Tool calls accumulate by index; usage is assigned
// (vendors send totals), never added.
class ReplyAssembler {
 public:
  explicit ReplyAssembler(const DeltaSink& sink) : sink_(sink) {}
  void text(std::string_view piece);
  void tool_call(int index, std::string_view id, std::string_view name, std::string_view arguments_piece);
  void finish(FinishReason reason);
  void usage(const Usage& u);

  bool output_started() const { return output_started_; }
  bool finished() const { return finished_; }
  bool has_usage() const { return has_usage_; }
  bool has_tool_calls() const { return !calls_.empty(); }
  // The reply so far: text, tool calls in index order, finish, usage.
  ChatResponse response(const std::string& model) const;
  const std::string& text_so_far() const { return text_; }

 private:
  const DeltaSink& sink_;
  std::string text_;
  std::map<int, ToolCall> calls_;
  FinishReason finish_ = FinishReason::unknown;
  Usage usage_;
  bool output_started_ = false;
  bool finished_ = false;
  bool has_usage_ = false;
};

// A rough token count: ceil(characters / 4), the usual rule of thumb for
// English and code with BPE tokenizers.
std::int64_t estimate_tokens(std::string_view text);
// Usage when the vendor sent none: the request's messages and tools in, the
// reply so far out; estimated = true.
Usage estimate_usage(const ChatRequest& request, const ChatResponse& reply);

// Seconds ("2", "1.5") or an HTTP date; nullopt when unparseable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

// An HTTP error answer, from its status, headers and body. vendor_type and
// vendor_message are what the vendor's error body says (may be empty).
Error http_error(unsigned status, const http::ResponseHead& head, std::string_view vendor_type,
                 std::string_view vendor_message);
// Whether a vendor message or code says the prompt exceeds the context window.
bool mentions_context_length(std::string_view text);
// A failure of the HTTP exchange itself.
Error transport_error(const devagent::Error& e);

// base + path, with exactly one slash between; when base already ends in the
// first segment of path ("/v1"), it is not repeated.
std::string join_url(std::string_view base, std::string_view path);

// JSON helpers for decoders: an int64 from a number field (0 when absent).
std::int64_t int_field(const boost::json::value* v);

}  // namespace devagent::llm
