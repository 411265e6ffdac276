// Ollama's native API. Internal to the llm module; made through make_provider
// (providers.h).
//
//   POST {host}/api/chat   "stream": true, NDJSON: one JSON object a line
//   POST {host}/api/embed
//   GET  {host}/api/tags
// Sources: docs/api.md, docs/capabilities/tool-calling.mdx, docs/api/errors.mdx
// and envconfig/config.go in ollama/ollama.
//
// Unlike OpenAI, a tool call arrives whole (arguments as a JSON object, no
// id), on any line, and the final line says "stop" for a turn that called
// tools. Errors are {"error": "message"}, in the body of a non-2xx answer or
// as a line of the stream once it has begun.
#pragma once

#include "http/sse.h"
#include "llm/http_provider.h"

namespace devagent::llm {

class OllamaDecoder : public StreamDecoder {
 public:
  Outcome<void> feed(std::string_view bytes, ReplyAssembler& out) override;
  bool complete() const override { return done_; }

 private:
  Outcome<void> line(std::string_view text, ReplyAssembler& out);
  void finish(const boost::json::object& line, ReplyAssembler& out);
  http::NdjsonParser ndjson_;
  int calls_ = 0;  // tool calls seen so far: the next one's index, and its id "call_<n>"
  bool done_ = false;
};

class OllamaProvider : public HttpProvider {
 public:
  // settings.base_url is normalised (normalise_host): it often comes from
  // OLLAMA_HOST, which need not be a URL.
  OllamaProvider(ProviderSettings settings, http::Client& client);
  std::string_view type() const override { return "ollama"; }
  boost::asio::awaitable<Outcome<Embeddings>> embed(const std::string& model, const std::vector<std::string>& inputs,
                                                    CancelToken cancel) override;
  boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> models(CancelToken cancel) override;

  // A base URL from an OLLAMA_HOST-style value, read the way Ollama reads it:
  // quotes and spaces trimmed; no scheme → "http://" (and port 11434 when none
  // is given); the wildcard hosts 0.0.0.0 and [::] → the loopback address;
  // trailing slashes dropped; empty → "http://127.0.0.1:11434".
  static std::string normalise_host(std::string_view value);
  // The request body for a chat call (exposed for tests).
  static boost::json::object request_body(const ChatRequest& request, const std::string& model);

 protected:
  http::Request chat_request(const ChatRequest& request, const std::string& model) const override;
  std::unique_ptr<StreamDecoder> decoder() const override { return std::make_unique<OllamaDecoder>(); }
  std::pair<std::string, std::string> error_fields(std::string_view body) const override;

 private:
  http::Request base_request(std::string method, std::string_view path) const;
};

}  // namespace devagent::llm
