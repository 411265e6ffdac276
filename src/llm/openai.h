// OpenAI's chat completions API, and every server that speaks it (llama.cpp's
// server, vLLM, LM Studio, ...). Internal to the llm module; made through
// make_provider (providers.h).
//
//   POST {base}/v1/chat/completions  stream=true, stream_options.include_usage
//   POST {base}/v1/embeddings
//   GET  {base}/v1/models
// Tool-call deltas are accumulated by index; "data: [DONE]" ends the stream.
#pragma once

#include "http/sse.h"
#include "llm/http_provider.h"

namespace devagent::llm {

class OpenAiDecoder : public StreamDecoder {
 public:
  Outcome<void> feed(std::string_view bytes, ReplyAssembler& out) override;
  bool complete() const override { return done_; }

 private:
  Outcome<void> event(std::string_view data, ReplyAssembler& out);
  http::SseParser sse_;
  bool done_ = false;
};

class OpenAiProvider : public HttpProvider {
 public:
  using HttpProvider::HttpProvider;
  std::string_view type() const override { return "openai"; }
  boost::asio::awaitable<Outcome<Embeddings>> embed(const std::string& model, const std::vector<std::string>& inputs,
                                                    CancelToken cancel) override;
  boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> models(CancelToken cancel) override;

  // The request body for a chat call (exposed for tests).
  static boost::json::object request_body(const ChatRequest& request, const std::string& model);

 protected:
  http::Request chat_request(const ChatRequest& request, const std::string& model) const override;
  std::unique_ptr<StreamDecoder> decoder() const override { return std::make_unique<OpenAiDecoder>(); }
  std::pair<std::string, std::string> error_fields(std::string_view body) const override;

 private:
  http::Request base_request(std::string method, std::string_view path) const;
};

}  // namespace devagent::llm
