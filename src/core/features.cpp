#include "core/features.h"

#include "core/config.h"

#include <boost/json/object.hpp>
#include <openssl/evp.h>

#include <cctype>
#include <charconv>

namespace devagent::features {

bool valid_version(std::string_view v) {
  if (v.empty() || v.size() > 32) return false;
  for (unsigned char c : v) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

Result<std::vector<std::pair<std::string, int>>> parse_split(std::string_view text) {
  std::vector<std::pair<std::string, int>> out;
  if (text.find('=') == std::string_view::npos) {
    if (!valid_version(text))
      return make_error(ErrorKind::invalid_argument, "expected a version like v1, got '" + std::string(text) + "'");
    out.emplace_back(std::string(text), 100);
    return out;
  }
  int total = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    auto item = text.substr(start, comma - start);
    auto eq = item.find('=');
    std::string_view version = eq == std::string_view::npos ? item : item.substr(0, eq);
    std::string_view weight = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    int w = -1;
    auto [end, ec] = std::from_chars(weight.data(), weight.data() + weight.size(), w);
    if (!valid_version(version) || weight.empty() || ec != std::errc() || end != weight.data() + weight.size() ||
        w < 0 || w > 100) {
      return make_error(ErrorKind::invalid_argument,
                        "expected version=weight items like v1=50,v2=50, got '" + std::string(item) + "'");
    }
    for (const auto& [v, _] : out) {
      if (v == version) return make_error(ErrorKind::invalid_argument, "version " + v + " is listed twice");
    }
    out.emplace_back(std::string(version), w);
    total += w;
    start = comma + 1;
  }
  if (total != 100) {
    return make_error(ErrorKind::invalid_argument, "the weights must add up to 100, not " + std::to_string(total));
  }
  return out;
}

std::string_view name(Feature f) {
  switch (f) {
    case Feature::streaming: return "streaming";
    case Feature::function_calling: return "function_calling";
    case Feature::memory: return "memory";
    case Feature::routing: return "routing";
    case Feature::caching: return "caching";
  }
  return "";
}

std::optional<int> parse_rollout(std::string_view text) {
  if (text == "on") return 100;
  if (text == "off") return 0;
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  auto digits = text.substr(0, text.size() - 1);
  int n = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n < 0 || n > 100) return std::nullopt;
  return n;
}

int bucket(std::string_view salt, std::string_view subject) {
  std::string input;
  input.reserve(salt.size() + 1 + subject.size());
  input.append(salt).push_back('\0');
  input.append(subject);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | md[i];
  return static_cast<int>(v % 100);
}

bool Enabled::on(Feature f) const {
  switch (f) {
    case Feature::streaming: return streaming;
    case Feature::function_calling: return function_calling;
    case Feature::memory: return memory;
    case Feature::routing: return routing;
    case Feature::caching: return caching;
  }
  return true;
}

FeatureFlags::FeatureFlags() { percent_.fill(100); }

FeatureFlags FeatureFlags::from(const config::Config& config) {
  FeatureFlags flags;
  for (Feature f : kAll) {
    auto p = parse_rollout(config.str("features." + std::string(name(f))));
    if (p) flags.set(f, *p);  // the schema refused anything else at load
  }
  return flags;
}

void FeatureFlags::set(Feature f, int percent) { percent_[static_cast<std::size_t>(f)] = percent; }

bool FeatureFlags::enabled(Feature f, std::string_view subject) const {
  int p = percent(f);
  if (p >= 100) return true;
  if (p <= 0) return false;
  return bucket(name(f), subject) < p;
}

Enabled FeatureFlags::resolve(std::string_view subject) const {
  return Enabled{.streaming = enabled(Feature::streaming, subject),
                 .function_calling = enabled(Feature::function_calling, subject),
                 .memory = enabled(Feature::memory, subject),
                 .routing = enabled(Feature::routing, subject),
                 .caching = enabled(Feature::caching, subject)};
}

boost::json::object FeatureFlags::describe() const {
  boost::json::object o;
  for (Feature f : kAll) {
    int p = percent(f);
    o[name(f)] = p >= 100 ? std::string("on") : p <= 0 ? std::string("off") : std::to_string(p) + "%";
  }
  return o;
}

}  // namespace devagent::features
