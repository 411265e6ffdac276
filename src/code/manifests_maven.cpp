// pom.xml (Maven). Ecosystem "maven".
#include "code/manifests_parsers.h"

#include <pugixml.hpp>

#include <algorithm>
#include <map>
#include <optional>

namespace devagent::code::manifests {

namespace {

using Properties = std::map<std::string, std::string, std::less<>>;

std::string text_of(const pugi::xml_node& node, const char* child) {
  return std::string(trim(node.child(child).text().as_string()));
}

// <properties> and the project's own coordinates, as ${...} sees them. A
// project without its own version or groupId inherits its parent's.
Properties properties_of(const pugi::xml_node& project) {
  Properties props;
  for (const auto& p : project.child("properties").children()) {
    if (p.type() == pugi::node_element) props[p.name()] = std::string(trim(p.text().as_string()));
  }
  pugi::xml_node parent = project.child("parent");
  std::string parent_version = text_of(parent, "version");
  std::string parent_group = text_of(parent, "groupId");
  std::string version = text_of(project, "version");
  std::string group = text_of(project, "groupId");
  if (version.empty()) version = parent_version;
  if (group.empty()) group = parent_group;
  for (const char* key : {"project.version", "pom.version", "version"}) props.try_emplace(key, version);
  for (const char* key : {"project.groupId", "pom.groupId", "groupId"}) props.try_emplace(key, group);
  props.try_emplace("project.artifactId", text_of(project, "artifactId"));
  props.try_emplace("project.parent.version", parent_version);
  props.try_emplace("parent.version", parent_version);
  props.try_emplace("project.parent.groupId", parent_group);
  return props;
}

// Replaces ${name} with the property's value, properties that refer to
// properties included. Unknown ones stay as written. The rounds and the
// length are bounded, so properties that double each other cannot blow up.
std::string resolve(std::string_view text, const Properties& props) {
  constexpr int kMaxRounds = 8;
  constexpr std::size_t kMaxLength = 1024;
  std::string current(text);
  for (int round = 0; round < kMaxRounds; ++round) {
    std::string next;
    bool changed = false;
    std::size_t pos = 0;
    while (pos < current.size()) {
      std::size_t open = current.find("${", pos);
      std::size_t close = open == std::string::npos ? open : current.find('}', open);
      if (close == std::string::npos) {
        next.append(current, pos);
        break;
      }
      next.append(current, pos, open - pos);
      auto found = props.find(std::string_view(current).substr(open + 2, close - open - 2));
      if (found != props.end() && !found->second.empty()) {
        next += found->second;
        changed = true;
      } else {
        next.append(current, open, close + 1 - open);
      }
      pos = close + 1;
      if (next.size() > kMaxLength) return std::string(text);
    }
    current = std::move(next);
    if (!changed) break;
  }
  return current;
}

// compile (the default) and runtime are runtime, test is test, provided and
// system are build (the container or the system supplies them); import
// belongs to dependencyManagement and declares nothing.
std::optional<std::string_view> scope_of(std::string_view maven_scope) {
  if (maven_scope == "test") return kTest;
  if (maven_scope == "provided" || maven_scope == "system") return kBuild;
  if (maven_scope == "import") return std::nullopt;
  return kRuntime;
}

Result<> add_dependencies(std::string_view path, std::string_view content, const pugi::xml_node& list,
                          const Properties& props, DependencyList& deps) {
  for (const auto& dep : list.children("dependency")) {
    std::string group = resolve(text_of(dep, "groupId"), props);
    std::string artifact = resolve(text_of(dep, "artifactId"), props);
    if (group.empty() || artifact.empty()) {
      auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(dep.offset_debug(), 0));
      return malformed_at(path, line_at(content, offset), "a dependency needs a groupId and an artifactId");
    }
    auto scope = scope_of(resolve(text_of(dep, "scope"), props));
    if (!scope) continue;
    if (*scope != kTest && resolve(text_of(dep, "optional"), props) == "true") scope = kOptional;
    deps.add(group + ":" + artifact, resolve(text_of(dep, "version"), props), *scope);
  }
  return {};
}

}  // namespace

// project/dependencies, then each profile's dependencies. The name is
// groupId:artifactId; the version has ${properties} resolved from
// <properties> and the project's (or parent's) coordinates where possible.
// dependencyManagement pins versions without declaring a dependency, and
// plugins are build tooling: neither is counted.
Parsed parse_pom_xml(std::string_view path, std::string_view content) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(content.data(), content.size());
  if (!parsed) {
    auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0));
    return malformed_at(path, line_at(content, offset), std::string("invalid XML: ") + parsed.description());
  }
  pugi::xml_node project = doc.document_element();
  if (std::string_view(project.name()) != "project") {
    return malformed(path, "the root element is <" + std::string(project.name()) + ">, not <project>");
  }
  Properties props = properties_of(project);
  DependencyList deps(path, "maven");
  auto r = add_dependencies(path, content, project.child("dependencies"), props, deps);
  if (!r) return r.error();
  for (const auto& profile : project.child("profiles").children("profile")) {
    r = add_dependencies(path, content, profile.child("dependencies"), props, deps);
    if (!r) return r.error();
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
