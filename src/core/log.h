// Structured logging.
//
// One line per event on stderr: a JSON object when stderr is not a terminal
// ({"time","level","msg", then the fields}), a readable line on a terminal.
// Lines are written whole, so concurrent threads never interleave.
// Secrets must never be passed as fields; config values reach the log only
// through Config::to_json, which redacts them.
#pragma once

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <array>
#include <cstddef>

#include <functional>
#include <string>
#include <string_view>

namespace devagent::log {

enum class Level { trace, debug, info, warn, error, off };
enum class Format { text, json };

struct Field {
  std::string_view key;
  boost::json::value value;
};

// Parses "info", "warn", ...; unknown names give info.
Level parse_level(std::string_view name);

// Sets the threshold and line format. "auto" is resolved by the caller
// (text when stderr is a terminal).
void configure(Level level, Format format);
Format auto_format();

bool enabled(Level level);
void write_fields(Level level, std::string_view msg, const Field* fields, std::size_t count);

// Fields follow the message as key, value pairs:
//   log::info("request", "request_id", id, "status", 200);
// (Pairs instead of an initializer list: GCC 12 cannot build initializer
// lists inside coroutines, and most of the server is coroutines.)
template <class... KV>
void write(Level level, std::string_view msg, KV&&... kv) {
  static_assert(sizeof...(KV) % 2 == 0, "log fields come in key, value pairs");
  if (!enabled(level)) return;
  if constexpr (sizeof...(KV) == 0) {
    write_fields(level, msg, nullptr, 0);
  } else {
    std::array<Field, sizeof...(KV) / 2> fields;
    std::size_t i = 0;
    auto put = [&](std::string_view key, auto&& value) {
      fields[i].key = key;
      fields[i].value = boost::json::value_from(std::forward<decltype(value)>(value));
      ++i;
    };
    auto pairs = [&](auto& self, auto&& k, auto&& v, auto&&... rest) -> void {
      put(k, std::forward<decltype(v)>(v));
      if constexpr (sizeof...(rest) > 0) self(self, std::forward<decltype(rest)>(rest)...);
    };
    pairs(pairs, std::forward<KV>(kv)...);
    write_fields(level, msg, fields.data(), fields.size());
  }
}

template <class... KV> void trace(std::string_view msg, KV&&... kv) { write(Level::trace, msg, std::forward<KV>(kv)...); }
template <class... KV> void debug(std::string_view msg, KV&&... kv) { write(Level::debug, msg, std::forward<KV>(kv)...); }
template <class... KV> void info(std::string_view msg, KV&&... kv) { write(Level::info, msg, std::forward<KV>(kv)...); }
template <class... KV> void warn(std::string_view msg, KV&&... kv) { write(Level::warn, msg, std::forward<KV>(kv)...); }
template <class... KV> void error(std::string_view msg, KV&&... kv) { write(Level::error, msg, std::forward<KV>(kv)...); }

// Redirects finished lines (without the newline) away from stderr; tests use
// it to capture output. An empty function restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

}  // namespace devagent::log
