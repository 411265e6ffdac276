// Internal to the tools module: the shared shape of a tool.
#pragma once

#include "core/json.h"
#include "tools/tool.h"

#include <boost/json/parse.hpp>

namespace devagent::tools {

// A tool whose spec is fixed at construction (schema given as JSON text).
class SchemaTool : public Tool {
 public:
  SchemaTool(std::string name, std::string description, std::string_view schema_json)
      : spec_{std::move(name), std::move(description), boost::json::parse(schema_json).as_object()} {}
  const llm::ToolSpec& spec() const override { return spec_; }

 private:
  llm::ToolSpec spec_;
};

// Argument readers for arguments that passed the schema.
inline std::string arg_string(const boost::json::object& a, std::string_view key, std::string_view fallback = {}) {
  const auto* v = a.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string(fallback);
}
inline std::int64_t arg_int(const boost::json::object& a, std::string_view key, std::int64_t fallback) {
  return devagent::json::int_or(a, key, fallback);
}
inline bool arg_bool(const boost::json::object& a, std::string_view key, bool fallback = false) {
  const auto* v = a.if_contains(key);
  return v && v->is_bool() ? v->as_bool() : fallback;
}
inline std::vector<std::string> arg_strings(const boost::json::object& a, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = a.if_contains(key); v && v->is_array())
    for (const auto& e : v->as_array())
      if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

}  // namespace devagent::tools
