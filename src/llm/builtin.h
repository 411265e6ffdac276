// The built-in offline engine as a Provider: no network, no model files.
//
// It is not a language model and never pretends to be one. chat() answers
// greetings, thanks, "who are you" and "what can you do" briefly and says what
// devagent can do offline and what needs an LLM; anything else gets a plain
// statement that without an LLM devagent can only answer from tool results,
// and how to configure one. When the conversation holds tool results (role
// tool) after the last user message, the reply lists them back compactly
// instead — the seed of the composer the agent layer will add.
//
// The reply streams as text Deltas of a few words each, then a finish delta
// (stop) and a usage delta. Usage is always estimated: ceil(characters / 4)
// tokens, input counting the content and tool-call arguments of every
// message, output counting the reply.
//
// embed() uses HashEmbedder (docs/embeddings.md): one unit vector per input.
// models() lists one model, "builtin". The model a request names is not
// checked: every request is served by the one engine and reported as
// "builtin".
//
// Cancellation is checked before starting and between deltas; a cancelled
// call returns Error{kind = cancelled} with the usage so far. The coroutines
// never suspend (no I/O, no timers), so they run wholly on the caller's
// executor; one object may serve any number of concurrent calls.
#pragma once

#include "llm/hash_embedder.h"
#include "llm/provider.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::llm {

class BuiltinProvider : public Provider {
 public:
  explicit BuiltinProvider(std::string name = "builtin",
                           std::size_t embedding_dimension = HashEmbedder::kDefaultDimension);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "builtin"; }
  const std::string& default_model() const override { return model_; }
  std::string default_embedding_model() const override { return model_; }

  boost::asio::awaitable<Outcome<ChatResponse>> chat(const ChatRequest& request, const DeltaSink& sink,
                                                     CancelToken cancel) override;
  boost::asio::awaitable<Outcome<Embeddings>> embed(const std::string& model, const std::vector<std::string>& inputs,
                                                    CancelToken cancel) override;
  boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> models(CancelToken cancel) override;

  // The whole reply chat() streams for these messages.
  static std::string reply(const std::vector<Message>& messages);

 private:
  std::string name_;
  std::string model_ = "builtin";
  HashEmbedder embedder_;
};

}  // namespace devagent::llm
