#include "core/json.h"

namespace devagent::json {

Result<boost::json::value> parse(std::string_view text, std::size_t max_depth) {
  boost::json::parse_options opts;
  opts.max_depth = max_depth;
  boost::system::error_code ec;
  boost::json::stream_parser p({}, opts);
  std::size_t consumed = p.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (!ec) p.finish(ec);
  if (ec) {
    return make_error(ErrorKind::invalid_argument,
                      "invalid JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  }
  return p.release();
}

Result<std::optional<std::string>> get_string(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return make_error(ErrorKind::invalid_argument, "'" + std::string(key) + "' must be a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::optional<std::int64_t>> get_int(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::int64_t>{};
  if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get_uint64()));
  }
  if (v->is_double()) {
    double d = v->get_double();
    if (d == static_cast<double>(static_cast<std::int64_t>(d))) return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
  }
  return make_error(ErrorKind::invalid_argument, "'" + std::string(key) + "' must be an integer");
}

Result<std::optional<bool>> get_bool(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>{};
  if (!v->is_bool()) return make_error(ErrorKind::invalid_argument, "'" + std::string(key) + "' must be true or false");
  return std::optional<bool>(v->get_bool());
}

std::string string_or(const boost::json::object& o, std::string_view key, std::string_view fallback) {
  auto* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->get_string());
  return std::string(fallback);
}

std::int64_t int_or(const boost::json::object& o, std::string_view key, std::int64_t fallback) {
  const auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return fallback;
}

boost::json::value value_or_null(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? *v : boost::json::value(nullptr);
}

}  // namespace devagent::json
