// Internal to manifests: one parser per manifest format, and the few things
// they share. manifests.cpp picks the parser from the file name; each
// manifests_<ecosystem>.cpp holds the parsers of one ecosystem.
#pragma once

#include "code/model.h"
#include "core/error.h"

#include <toml++/toml.h>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::code::manifests {

using Parsed = Result<std::vector<Dependency>>;

// The scopes of model.h's Dependency.
inline constexpr std::string_view kRuntime = "runtime";
inline constexpr std::string_view kDev = "dev";
inline constexpr std::string_view kBuild = "build";
inline constexpr std::string_view kTest = "test";
inline constexpr std::string_view kOptional = "optional";
inline constexpr std::string_view kPeer = "peer";

// Collects the dependencies of one manifest, all of one ecosystem.
class DependencyList {
 public:
  DependencyList(std::string_view manifest, std::string_view ecosystem) : manifest_(manifest), ecosystem_(ecosystem) {}

  // Adds one dependency. A constraint of "*" means any version and is
  // stored as "" (no constraint), in every ecosystem.
  void add(std::string_view name, std::string_view constraint, std::string_view scope);

  std::vector<Dependency> take() { return std::move(list_); }

 private:
  std::string manifest_;
  std::string ecosystem_;
  std::vector<Dependency> list_;
};

// "<path>: <problem>" and "<path>:<line>: <problem>", as invalid_argument.
Error malformed(std::string_view path, std::string_view problem);
Error malformed_at(std::string_view path, std::size_t line, std::string_view problem);

// 1-based line of a byte offset.
std::size_t line_at(std::string_view content, std::size_t offset);

std::string_view trim(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);

// Parses JSON with a depth limit; errors name the file and the line. The
// top level must be an object.
Result<boost::json::object> parse_json_object(std::string_view path, std::string_view content);

// Parses TOML; errors name the file and the line. Documents whose keys nest
// deeper than toml++ can destroy safely are refused before parsing.
Result<toml::table> parse_toml(std::string_view path, std::string_view content);

// The entries of a TOML table in the order they appear in the file (toml++
// keeps tables sorted by key).
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table);

// The parsers. Each returns the dependencies in the order the manifest
// declares them, or an invalid_argument error naming the file.
Parsed parse_package_json(std::string_view path, std::string_view content);
Parsed parse_composer_json(std::string_view path, std::string_view content);
Parsed parse_requirements_txt(std::string_view path, std::string_view content);
Parsed parse_pyproject_toml(std::string_view path, std::string_view content);
Parsed parse_pipfile(std::string_view path, std::string_view content);
Parsed parse_cargo_toml(std::string_view path, std::string_view content);
Parsed parse_go_mod(std::string_view path, std::string_view content);
Parsed parse_pom_xml(std::string_view path, std::string_view content);
Parsed parse_gradle(std::string_view path, std::string_view content);
Parsed parse_gemfile(std::string_view path, std::string_view content);
Parsed parse_cmake_lists(std::string_view path, std::string_view content);
Parsed parse_vcpkg_json(std::string_view path, std::string_view content);
Parsed parse_conanfile_txt(std::string_view path, std::string_view content);

}  // namespace devagent::code::manifests
