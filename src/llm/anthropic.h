// Anthropic's Messages API. Internal to the llm module; made through
// make_provider (providers.h).
//
//   POST {base}/v1/messages  stream=true; headers x-api-key, anthropic-version
//   GET  {base}/v1/models
// There is no embeddings endpoint: embed() returns ErrorKind::unsupported.
//
// Request: system messages become the top-level "system" string; tool calls
// and tool results become tool_use / tool_result content blocks; consecutive
// messages of one role merge into one turn, so user and assistant alternate.
//
// Stream: message_start, content_block_start/delta/stop, message_delta,
// message_stop, ping, error; unknown events are ignored. Usage in
// message_delta is cumulative and replaces what message_start said.
#pragma once

#include "http/sse.h"
#include "llm/http_provider.h"

#include <cstdint>
#include <map>
#include <string>

namespace devagent::llm {

class AnthropicDecoder : public StreamDecoder {
 public:
  Outcome<void> feed(std::string_view bytes, ReplyAssembler& out) override;
  bool complete() const override { return done_; }
  // The model named by message_start (empty before it).
  const std::string& model() const { return model_; }

 private:
  // What the stream said about usage so far, in Anthropic's terms.
  struct VendorUsage {
    std::int64_t input = 0;
    std::int64_t cache_creation = 0;
    std::int64_t cache_read = 0;
    std::int64_t output = 0;
  };
  // A tool_use content block: its tool index for ReplyAssembler, and whether
  // any argument bytes were passed on yet.
  struct ToolBlock {
    int tool_index = 0;
    bool has_arguments = false;
    std::string start_input;  // the "input" of content_block_start, as JSON text
  };

  Outcome<void> event(std::string_view name, std::string_view data, ReplyAssembler& out);
  void message_start(const boost::json::object& event, ReplyAssembler& out);
  void block_start(const boost::json::object& event, ReplyAssembler& out);
  void block_delta(const boost::json::object& event, ReplyAssembler& out);
  void block_stop(const boost::json::object& event, ReplyAssembler& out);
  void message_delta(const boost::json::object& event, ReplyAssembler& out);
  void message_stop(ReplyAssembler& out);
  void merge_usage(const boost::json::object& usage);
  Usage usage_totals(bool estimated) const;
  bool has_input_count() const { return usage_.input + usage_.cache_read + usage_.cache_creation > 0; }

  http::SseParser sse_;
  std::string model_;
  std::map<std::int64_t, ToolBlock> tool_blocks_;  // by Anthropic's content block index
  int next_tool_index_ = 0;
  VendorUsage usage_;
  bool usage_final_ = false;  // message_delta carried usage
  bool finish_sent_ = false;
  bool done_ = false;
};

class AnthropicProvider : public HttpProvider {
 public:
  using HttpProvider::HttpProvider;
  std::string_view type() const override { return "anthropic"; }
  boost::asio::awaitable<Outcome<Embeddings>> embed(const std::string& model, const std::vector<std::string>& inputs,
                                                    CancelToken cancel) override;
  boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> models(CancelToken cancel) override;

  // The request body for a chat call (exposed for tests). default_max_tokens
  // applies when the request sets none; Anthropic requires max_tokens.
  static boost::json::object request_body(const ChatRequest& request, const std::string& model, int default_max_tokens);

 protected:
  http::Request chat_request(const ChatRequest& request, const std::string& model) const override;
  std::unique_ptr<StreamDecoder> decoder() const override { return std::make_unique<AnthropicDecoder>(); }
  std::pair<std::string, std::string> error_fields(std::string_view body) const override;

 private:
  http::Request base_request(std::string method, std::string_view path) const;
};

}  // namespace devagent::llm
