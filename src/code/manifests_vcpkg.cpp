// vcpkg.json (vcpkg manifest mode). Ecosystem "vcpkg".
#include "code/manifests_parsers.h"

#include <boost/json.hpp>

#include <map>

namespace devagent::code::manifests {

namespace {

using Overrides = std::map<std::string, std::string, std::less<>>;

// "overrides" pin exact versions; "version" with "port-version": 2 reads
// 1.2.3#2 as vcpkg writes it.
Result<Overrides> overrides_of(std::string_view path, const boost::json::object& root) {
  Overrides pins;
  const auto* list = root.if_contains("overrides");
  if (!list || list->is_null()) return pins;
  if (!list->is_array()) return malformed(path, "overrides is not an array");
  for (const auto& item : list->get_array()) {
    const auto* o = item.if_object();
    const auto* name = o ? o->if_contains("name") : nullptr;
    if (!name || !name->is_string()) return malformed(path, "an override needs a name");
    std::string version;
    for (const char* key : {"version", "version-semver", "version-date", "version-string"}) {
      if (const auto* v = o->if_contains(key); v && v->is_string()) version = std::string(v->get_string());
    }
    if (const auto* port = o->if_contains("port-version"); port && port->is_int64() && !version.empty()) {
      version += "#" + std::to_string(port->get_int64());
    }
    pins[std::string(name->get_string())] = version;
  }
  return pins;
}

// One "dependencies" array: names, or objects with a name, a "version>="
// minimum (constraint ">=1.2") and "host": true for build tools (build).
// An override of the same name pins the constraint to its exact version.
Result<> add_list(std::string_view path, std::string_view where, const boost::json::value& list, std::string_view scope,
                  const Overrides& pins, DependencyList& deps) {
  if (!list.is_array()) return malformed(path, std::string(where) + " is not an array");
  for (const auto& item : list.get_array()) {
    std::string name, constraint;
    std::string_view item_scope = scope;
    if (item.is_string()) {
      name = item.get_string();
    } else if (const auto* o = item.if_object()) {
      const auto* n = o->if_contains("name");
      if (!n || !n->is_string()) return malformed(path, std::string(where) + ": a dependency object needs a name");
      name = n->get_string();
      if (const auto* min = o->if_contains("version>="); min && min->is_string()) {
        constraint = ">=" + std::string(min->get_string());
      }
      if (const auto* host = o->if_contains("host"); host && host->is_bool() && host->get_bool()) item_scope = kBuild;
    } else {
      return malformed(path, std::string(where) + " holds a value that is neither a name nor an object");
    }
    if (auto pin = pins.find(name); pin != pins.end() && !pin->second.empty()) constraint = pin->second;
    deps.add(name, constraint, item_scope);
  }
  return {};
}

}  // namespace

// "dependencies" (runtime, host tools build), then the dependencies of each
// optional feature ("features": {"x": {"dependencies": [...]}}: optional).
// Overrides that pin something not declared here add nothing.
Parsed parse_vcpkg_json(std::string_view path, std::string_view content) {
  auto root = parse_json_object(path, content);
  if (!root) return root.error();
  auto pins = overrides_of(path, *root);
  if (!pins) return pins.error();
  DependencyList deps(path, "vcpkg");
  if (const auto* list = root->if_contains("dependencies")) {
    auto r = add_list(path, "dependencies", *list, kRuntime, *pins, deps);
    if (!r) return r.error();
  }
  if (const auto* features = root->if_contains("features"); features && features->is_object()) {
    for (const auto& [feature, body] : features->get_object()) {
      const auto* o = body.if_object();
      const auto* list = o ? o->if_contains("dependencies") : nullptr;
      if (!list) continue;
      auto r = add_list(path, "features." + std::string(feature) + ".dependencies", *list, kOptional, *pins, deps);
      if (!r) return r.error();
    }
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
