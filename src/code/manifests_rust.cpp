// Cargo.toml (Cargo). Ecosystem "cargo".
#include "code/manifests_parsers.h"

namespace devagent::code::manifests {

namespace {

std::size_t line_of(const toml::node& node) {
  return node.source().begin.line;
}

// The version a [workspace.dependencies] entry gives, for members of the
// same file that say `name = { workspace = true }`.
std::string workspace_version(const toml::table& root, std::string_view name) {
  const toml::node* entry = root["workspace"]["dependencies"][name].node();
  if (!entry) return {};
  if (auto text = entry->value<std::string>()) return *text;
  if (const auto* table = entry->as_table()) return (*table)["version"].value_or(std::string());
  return {};
}

// One dependency table ([dependencies], [dev-dependencies], ...). A value
// is a version string or a table: the crate is `package` when renamed,
// the constraint is `version`, else the tag/rev/branch of a git source, else
// the workspace's version for `workspace = true`; path-only sources have
// none. `optional = true` makes a runtime dependency optional.
Result<> add_table(std::string_view path, const toml::table& root, std::string_view where, const toml::node& node,
                   std::string_view scope, DependencyList& deps) {
  const auto* table = node.as_table();
  if (!table) return malformed_at(path, line_of(node), std::string(where) + " is not a table");
  for (const auto& [key, value] : in_file_order(*table)) {
    if (const auto* text = value->as_string()) {
      deps.add(key, text->get(), scope);
      continue;
    }
    const auto* spec = value->as_table();
    if (!spec) {
      return malformed_at(path, line_of(*value),
                          std::string(where) + "." + key + ": expected a version string or a table");
    }
    std::string name = (*spec)["package"].value_or(key);
    std::string constraint;
    if (auto version = (*spec)["version"].value<std::string>()) {
      constraint = *version;
    } else if ((*spec)["workspace"].value_or(false)) {
      constraint = workspace_version(root, key);
    } else {
      for (std::string_view ref : {"tag", "rev", "branch"}) {
        if (auto v = (*spec)[ref].value<std::string>()) {
          constraint = *v;
          break;
        }
      }
    }
    bool optional = (*spec)["optional"].value_or(false);
    deps.add(name, constraint, optional && scope == kRuntime ? kOptional : scope);
  }
  return {};
}

struct Section {
  std::string_view key;
  std::string_view scope;
};

// Cargo still accepts the underscore spellings of older manifests.
constexpr Section kSections[] = {
    {"dependencies", kRuntime},     {"dev-dependencies", kDev},     {"dev_dependencies", kDev},
    {"build-dependencies", kBuild}, {"build_dependencies", kBuild},
};

// The sections of one table: the root, or one [target.'cfg(...)'].
Result<> add_sections(std::string_view path, const toml::table& root, const toml::table& owner, std::string_view prefix,
                      DependencyList& deps) {
  for (const auto& section : kSections) {
    const toml::node* node = owner.get(section.key);
    if (!node) continue;
    auto r = add_table(path, root, std::string(prefix) + std::string(section.key), *node, section.scope, deps);
    if (!r) return r;
  }
  return {};
}

}  // namespace

// In this order: [dependencies] (runtime; optional = true is optional),
// [dev-dependencies] (dev), [build-dependencies] (build), the same three
// under each [target.<triple or cfg>], and [workspace.dependencies]
// (runtime: the versions a workspace shares with its members).
Parsed parse_cargo_toml(std::string_view path, std::string_view content) {
  auto doc = parse_toml(path, content);
  if (!doc) return doc.error();
  const toml::table& root = *doc;
  DependencyList deps(path, "cargo");

  auto r = add_sections(path, root, root, "", deps);
  if (!r) return r.error();
  if (const auto* targets = root["target"].as_table()) {
    for (const auto& [target, node] : in_file_order(*targets)) {
      const auto* table = node->as_table();
      if (!table) return malformed_at(path, line_of(*node), "target." + target + " is not a table");
      r = add_sections(path, root, *table, "target." + target + ".", deps);
      if (!r) return r.error();
    }
  }
  if (const toml::node* shared = root["workspace"]["dependencies"].node()) {
    r = add_table(path, root, "workspace.dependencies", *shared, kRuntime, deps);
    if (!r) return r.error();
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
