// Helpers for reading untrusted JSON with Boost.JSON: parse with limits, and
// typed field access that reports which field was wrong.
#pragma once

#include "core/error.h"

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devagent::json {

// Parses text as JSON, refusing documents deeper than max_depth or malformed
// input with an invalid_argument error that says where parsing stopped.
Result<boost::json::value> parse(std::string_view text, std::size_t max_depth = 64);

// Field readers: a missing field gives nullopt; a present field of the wrong
// type gives an invalid_argument error naming the field.
Result<std::optional<std::string>> get_string(const boost::json::object& o, std::string_view key);
Result<std::optional<std::int64_t>> get_int(const boost::json::object& o, std::string_view key);
Result<std::optional<bool>> get_bool(const boost::json::object& o, std::string_view key);

// The value at key as a string, or fallback when absent or not a string.
std::string string_or(const boost::json::object& o, std::string_view key, std::string_view fallback = {});
// The number at key as an integer (doubles truncated), or fallback when
// absent or not a number.
std::int64_t int_or(const boost::json::object& o, std::string_view key, std::int64_t fallback = 0);
// The value at key, or null when absent.
boost::json::value value_or_null(const boost::json::object& o, std::string_view key);

}  // namespace devagent::json
