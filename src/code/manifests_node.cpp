// package.json (npm, Yarn, pnpm).
#include "code/manifests_parsers.h"

#include <boost/json.hpp>

namespace devagent::code::manifests {

// The dependency sections and their scopes. workspaces, overrides,
// resolutions and bundleDependencies declare no dependency of their own.
Parsed parse_package_json(std::string_view path, std::string_view content) {
  auto root = parse_json_object(path, content);
  if (!root) return root.error();

  struct Section {
    std::string_view key;
    std::string_view scope;
  };
  static constexpr Section kSections[] = {
      {"dependencies", kRuntime},
      {"devDependencies", kDev},
      {"peerDependencies", kPeer},
      {"optionalDependencies", kOptional},
  };
  DependencyList deps(path, "npm");
  for (const auto& section : kSections) {
    const auto* value = root->if_contains(section.key);
    if (!value || value->is_null()) continue;
    if (!value->is_object()) return malformed(path, std::string(section.key) + " is not an object");
    for (const auto& [name, version] : value->get_object()) {
      if (!version.is_string()) {
        return malformed(path, std::string(section.key) + "." + std::string(name) + " is not a version string");
      }
      deps.add(name, version.get_string(), section.scope);
    }
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
