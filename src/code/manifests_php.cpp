// composer.json (Composer).
#include "code/manifests_parsers.h"
#include "core/text.h"

#include <boost/json.hpp>

namespace devagent::code::manifests {

namespace {

// Platform requirements that name PHP or Composer themselves rather than a
// package. Extensions (ext-intl) and system libraries (lib-icu) stay: they
// are something the project needs installed.
bool is_platform_itself(std::string_view name) {
  std::string n = ascii_lower(name);
  return n == "php" || n.starts_with("php-") || n == "hhvm" || n == "composer" || n == "composer-plugin-api" ||
         n == "composer-runtime-api";
}

}  // namespace

Parsed parse_composer_json(std::string_view path, std::string_view content) {
  auto root = parse_json_object(path, content);
  if (!root) return root.error();

  struct Section {
    std::string_view key;
    std::string_view scope;
  };
  static constexpr Section kSections[] = {{"require", kRuntime}, {"require-dev", kDev}};
  DependencyList deps(path, "composer");
  for (const auto& section : kSections) {
    const auto* value = root->if_contains(section.key);
    if (!value || value->is_null()) continue;
    // Composer writes an empty section as [] when it comes from PHP arrays.
    if (value->is_array() && value->get_array().empty()) continue;
    if (!value->is_object()) return malformed(path, std::string(section.key) + " is not an object");
    for (const auto& [name, version] : value->get_object()) {
      if (!version.is_string()) {
        return malformed(path, std::string(section.key) + "." + std::string(name) + " is not a version string");
      }
      if (is_platform_itself(name)) continue;
      deps.add(name, version.get_string(), section.scope);
    }
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
