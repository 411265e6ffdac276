// Feature flags: each capability the seed rolls out gradually can be on,
// off, or on for a percentage of API keys, from config ([features]).
//
// A percentage is stable per key: the same key always lands on the same
// side (a bucket from SHA-256 of the feature's name and the key id), and
// raising the percentage only adds keys. Without API keys every request
// has the same subject ("local"), so a percentage is all or nothing there.
// docs/rollout.md says where each flag acts.
#pragma once

#include "core/error.h"

#include <boost/json/fwd.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::features {

enum class Feature { streaming, function_calling, memory, routing, caching };
inline constexpr std::array kAll = {Feature::streaming, Feature::function_calling, Feature::memory, Feature::routing,
                                    Feature::caching};

// "streaming", "function_calling", "memory", "routing", "caching": the
// config key under [features].
std::string_view name(Feature f);

// "on" (100), "off" (0) or "N%" with N from 0 to 100; nullopt otherwise.
std::optional<int> parse_rollout(std::string_view text);

// A version name: 1 to 32 of [A-Za-z0-9._-] ("v1", "v2-short").
bool valid_version(std::string_view v);

// An A/B split: "v1" or "v1=50,v2=50", the versions and their weights (one
// version: 100; the weights add up to 100). Errors name what is wrong.
Result<std::vector<std::pair<std::string, int>>> parse_split(std::string_view text);

// 0..99 for a subject under a salt; the same inputs always give the same
// bucket, on every instance and version.
int bucket(std::string_view salt, std::string_view subject);

// What one request may use, decided once when it arrives.
struct Enabled {
  bool streaming = true;
  bool function_calling = true;
  bool memory = true;
  bool routing = true;
  bool caching = true;
  bool on(Feature f) const;
};

class FeatureFlags {
 public:
  FeatureFlags();  // everything on
  // From features.* (validated when the config loads).
  static FeatureFlags from(const config::Config& config);

  int percent(Feature f) const { return percent_[static_cast<std::size_t>(f)]; }
  void set(Feature f, int percent);
  bool enabled(Feature f, std::string_view subject) const;
  Enabled resolve(std::string_view subject) const;
  // {"streaming": "on", "memory": "25%", ...}
  boost::json::object describe() const;

 private:
  std::array<int, kAll.size()> percent_{};
};

}  // namespace devagent::features
