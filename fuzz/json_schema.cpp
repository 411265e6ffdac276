// JsonSchema: any schema and any instance must compile-or-refuse and
// validate without crashing, hanging or overflowing the stack; the limits in
// json_schema.h (depth, complexity, at most 100 violations) must hold.
//
// Input: "<schema JSON>\n<instance JSON>" (the first newline splits; input
// without one validates the schema against itself). Documents are parsed
// 1000 levels deep, deeper than the APIs allow, so the validator's own depth
// limits are what is exercised.
#include "core/json.h"
#include "tools/json_schema.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t nl = input.find('\n');
  std::string_view schema_text = input.substr(0, nl);
  std::string_view instance_text = nl == std::string_view::npos ? schema_text : input.substr(nl + 1);

  constexpr std::size_t kDepth = 1000;
  auto schema = devagent::json::parse(schema_text, kDepth);
  if (!schema) return 0;
  auto instance = devagent::json::parse(instance_text, kDepth);
  if (!instance) return 0;

  auto compiled = devagent::tools::JsonSchema::compile(*schema);
  if (!compiled) return 0;
  auto violations = compiled->validate(*instance);
  if (violations.size() > 100) std::abort();
  for (const auto& v : violations) {
    if (v.keyword.empty() || v.message.empty()) std::abort();
  }
  auto filled = compiled->with_defaults(*instance);
  (void)filled;
  return 0;
}
