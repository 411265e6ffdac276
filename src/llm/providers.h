// The configured LLM providers, by name: what the rest of devagent uses to
// reach a model.
//
// Providers come from [providers.<name>] config tables and from the usual
// variables (OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY /
// ANTHROPIC_BASE_URL, OLLAMA_HOST), which fill providers.openai,
// providers.anthropic and providers.ollama. A provider's type is its `type`
// key, or its name when the name is a type. The builtin offline engine is
// always present, named "builtin", and needs no configuration.
#pragma once

#include "core/error.h"
#include "llm/provider.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::config {
class Config;
}
namespace devagent::http {
class Client;
}

namespace devagent::llm {

struct ProviderSettings;

// Makes one provider from its settings. Errors are configuration errors
// naming the key (unknown type, unusable base URL).
Result<std::unique_ptr<Provider>> make_provider(const ProviderSettings& settings, http::Client& client);

class ProviderSet {
 public:
  // Reads every configured provider; the first bad one stops loading.
  // The client must outlive the set.
  static Result<ProviderSet> from_config(const config::Config& config, http::Client& client);

  // nullptr when no provider has this name.
  Provider* find(std::string_view name) const;
  Provider& builtin() const;
  // Configured providers: openai, anthropic, ollama, then other names in
  // name order; builtin last.
  std::vector<Provider*> all() const;
  // The provider used when none is named: the first configured upstream,
  // else builtin.
  Provider& preferred() const;

 private:
  std::vector<std::unique_ptr<Provider>> providers_;  // builtin is the last
};

}  // namespace devagent::llm
