// The part every HTTP vendor provider shares (internal to the llm module):
// send the chat request, feed the streamed body to the vendor's decoder,
// turn failures into llm::Error, and make sure every call ends with a finish
// and a usage — estimated when the vendor sent none.
#pragma once

#include "http/client.h"
#include "llm/provider.h"
#include "llm/wire.h"

#include <memory>
#include <string>

namespace devagent::llm {

struct ProviderSettings {
  std::string name;
  std::string type;
  std::string base_url;
  std::string api_key;
  std::string model;
  std::string embedding_model;
  std::string api_version;
  int max_tokens = 4096;
};

// Turns a vendor's streamed body into Deltas, whatever size the pieces come in.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Feeds the next bytes. An error is either malformed input or an error the
  // vendor reported inside the stream; decoding stops at the first one.
  virtual Outcome<void> feed(std::string_view bytes, ReplyAssembler& out) = 0;
  // The body ended. Returns whether the vendor's end-of-stream marker was seen.
  virtual bool complete() const = 0;
};

class HttpProvider : public Provider {
 public:
  HttpProvider(ProviderSettings settings, http::Client& client);
  const std::string& name() const override { return settings_.name; }
  const std::string& default_model() const override { return settings_.model; }
  std::string default_embedding_model() const override {
    return type() == "anthropic" ? std::string() : settings_.embedding_model;
  }

  boost::asio::awaitable<Outcome<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& sink,
                                                     CancelToken cancel) final;

 protected:
  // The vendor's streaming chat request for this model.
  virtual http::Request chat_request(const ChatRequest& request, const std::string& model) const = 0;
  virtual std::unique_ptr<StreamDecoder> decoder() const = 0;
  // The vendor's error type and message from an error body (either may be empty).
  virtual std::pair<std::string, std::string> error_fields(std::string_view body) const = 0;

  // GET/POST with the vendor's headers, whole body; non-2xx becomes an Error.
  boost::asio::awaitable<Outcome<std::string>> call(http::Request request, CancelToken cancel);

  const ProviderSettings settings_;
  http::Client& client_;
};

}  // namespace devagent::llm
