// Configuration: one typed key table, four layers.
//
// Every key is declared once (config_schema.cpp) with its type, default and
// help. Values come from, lowest precedence first:
//   1. the built-in defaults,
//   2. a config file (TOML, or JSON when the name ends in .json), given by
//      --config or DEVAGENT_CONFIG,
//   3. the environment: DEVAGENT_<SECTION>_<KEY> for every key, plus the
//      usual variables of other tools (GITHUB_TOKEN, ...) below those,
//   4. command-line flags (--set section.key=value and the named shortcuts).
// Unknown keys and values that do not parse stop loading with an error that
// names the key, where it came from and why it was refused.
#pragma once

#include "core/error.h"

#include <boost/json/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devagent::config {

enum class Type { string, integer, boolean, duration, size, list };

// One configuration key. A name segment "*" stands for a user-chosen name,
// as in "providers.*.base_url" (a provider called "local" sets
// providers.local.base_url).
struct KeySpec {
  std::string name;
  Type type = Type::string;
  std::string default_value;  // textual form, parsed like any other input
  std::string help;
  bool secret = false;                 // shown as "***"
  std::vector<std::string> choices;    // allowed values for strings (empty: any)
  std::int64_t min = INT64_MIN;        // bounds for integer, size (bytes), duration (ms)
  std::int64_t max = INT64_MAX;
  // Extra check on the parsed text; returns an empty string when valid,
  // otherwise the reason.
  std::string (*check)(std::string_view value) = nullptr;
};

// The complete key table.
const std::vector<KeySpec>& schema();

// Variables of other tools that fill a key when DEVAGENT_* does not.
struct EnvAlias {
  std::string variable;
  std::string key;
};
const std::vector<EnvAlias>& env_aliases();

enum class Source { default_value, file, environment, flag };
std::string_view to_string(Source s);

struct LoadOptions {
  std::optional<std::string> file;  // --config; falls back to DEVAGENT_CONFIG
  // The environment to read; tests pass their own. Empty optional: the process's.
  std::optional<std::map<std::string, std::string>> environment;
  // Flag overrides as key=value pairs, applied last, in order.
  std::vector<std::pair<std::string, std::string>> overrides;
};

class Config {
 public:
  static Result<Config> load(const LoadOptions& options);
  // Defaults only: for tests and tools that need no user input.
  static Config defaults();

  // Typed reads. Asking for a key that is not in the schema, or with the
  // wrong type, is a programmer error and throws std::logic_error.
  const std::string& str(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  bool boolean(std::string_view key) const;
  std::chrono::milliseconds duration(std::string_view key) const;
  std::uint64_t size(std::string_view key) const;
  std::vector<std::string> list(std::string_view key) const;
  bool has(std::string_view key) const;
  Source source(std::string_view key) const;

  // Names used under a wildcard section: names("providers") lists every
  // "<name>" with at least one providers.<name>.* key set.
  std::vector<std::string> names(std::string_view section) const;

  // Every key with its value (secrets as "***") and source, for `config show`.
  boost::json::object to_json() const;
  std::string to_text() const;

  // Sets a value after load (tests, and resolved paths); validated like input.
  Result<> set(std::string_view key, std::string_view value, Source source);
  // Applies a nested JSON document ({"server": {"listen": ...}}) as if it
  // were a config file; stops at the first bad key or value.
  Result<> apply(const boost::json::object& document, Source source);

 private:
  struct Entry {
    const KeySpec* spec = nullptr;
    std::string text;  // normalised textual value
    Source source = Source::default_value;
    std::int64_t number = 0;         // integer, boolean, duration (ms), size (bytes)
    std::vector<std::string> items;  // list
  };
  const Entry& entry(std::string_view key, Type type) const;
  std::map<std::string, Entry, std::less<>> entries_;
};

// Parsers shared with the rest of the program.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);  // "250ms", "10s", "5m", "2h", "7d"; bare number: seconds
Result<std::uint64_t> parse_size(std::string_view text);  // "1MiB", "512KiB", "10MB", "1048576"
Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);  // "host:port", "[::1]:8080"

}  // namespace devagent::config
