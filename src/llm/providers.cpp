#include "llm/providers.h"

#include "core/config.h"
#include "llm/anthropic.h"
#include "llm/builtin.h"
#include "llm/http_provider.h"
#include "llm/ollama.h"
#include "llm/openai.h"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace devagent::llm {
namespace {

struct Defaults {
  const char* base_url;
  const char* model;
  const char* embedding_model;
};

Defaults defaults_for(std::string_view type) {
  if (type == "openai") return {"https://api.openai.com", "gpt-4o-mini", "text-embedding-3-small"};
  if (type == "anthropic") return {"https://api.anthropic.com", "claude-sonnet-4-5", ""};
  if (type == "ollama") return {"http://127.0.0.1:11434", "llama3.2", "nomic-embed-text"};
  return {"", "builtin", ""};
}

bool is_type(std::string_view s) { return s == "openai" || s == "anthropic" || s == "ollama" || s == "builtin"; }

}  // namespace

Result<std::unique_ptr<Provider>> make_provider(const ProviderSettings& s, http::Client& client) {
  std::string key = "providers." + s.name;
  if (s.type == "builtin") return std::unique_ptr<Provider>(std::make_unique<BuiltinProvider>(s.name));
  if (s.type != "openai" && s.type != "anthropic" && s.type != "ollama") {
    return devagent::make_error(devagent::ErrorKind::config, key + ".type: unknown provider type '" + s.type + "'");
  }
  if (s.type != "ollama") {  // Ollama's provider accepts OLLAMA_HOST's bare host:port itself
    auto u = boost::urls::parse_uri(s.base_url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty()) {
      return devagent::make_error(devagent::ErrorKind::config, key + ".base_url: expected an http(s) URL, got '" + s.base_url + "'");
    }
  }
  if (s.type == "openai") return std::unique_ptr<Provider>(std::make_unique<OpenAiProvider>(s, client));
  if (s.type == "anthropic") return std::unique_ptr<Provider>(std::make_unique<AnthropicProvider>(s, client));
  return std::unique_ptr<Provider>(std::make_unique<OllamaProvider>(s, client));
}

Result<ProviderSet> ProviderSet::from_config(const config::Config& config, http::Client& client) {
  ProviderSet set;
  for (const auto& name : config.names("providers")) {
    std::string key = "providers." + name;
    if (!config.boolean(key + ".enabled")) continue;
    ProviderSettings s;
    s.name = name;
    s.type = config.str(key + ".type");
    if (s.type.empty()) {
      if (!is_type(name)) {
        return devagent::make_error(devagent::ErrorKind::config, key + ".type: required for a provider named '" + name +
                                                 "' (openai, anthropic, ollama or builtin)");
      }
      s.type = name;
    }
    if (name == "builtin" && s.type != "builtin") {
      return devagent::make_error(devagent::ErrorKind::config, key + ".type: the name builtin is reserved for the offline engine");
    }
    auto d = defaults_for(s.type);
    s.base_url = config.str(key + ".base_url");
    if (s.base_url.empty()) s.base_url = d.base_url;
    s.api_key = config.str(key + ".api_key");
    s.model = config.str(key + ".model");
    if (s.model.empty()) s.model = d.model;
    s.embedding_model = config.str(key + ".embedding_model");
    if (s.embedding_model.empty()) s.embedding_model = d.embedding_model;
    s.api_version = config.str(key + ".api_version");
    s.max_tokens = static_cast<int>(config.integer(key + ".max_tokens"));
    if (s.type == "builtin") continue;  // the one builtin is added below
    auto p = make_provider(s, client);
    if (!p) return p.error();
    set.providers_.push_back(std::move(*p));
  }
  // The standard vendors first, in a fixed order, then other names.
  auto rank = [](const std::unique_ptr<Provider>& p) {
    static const std::vector<std::string_view> order = {"openai", "anthropic", "ollama"};
    auto it = std::find(order.begin(), order.end(), p->name());
    return static_cast<int>(it - order.begin());
  };
  std::stable_sort(set.providers_.begin(), set.providers_.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  set.providers_.push_back(std::make_unique<BuiltinProvider>("builtin"));
  return set;
}

Provider* ProviderSet::find(std::string_view name) const {
  for (const auto& p : providers_) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

Provider& ProviderSet::builtin() const { return *providers_.back(); }

std::vector<Provider*> ProviderSet::all() const {
  std::vector<Provider*> out;
  for (const auto& p : providers_) out.push_back(p.get());
  return out;
}

Provider& ProviderSet::preferred() const { return *providers_.front(); }

}  // namespace devagent::llm
