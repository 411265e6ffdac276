// conanfile.txt (Conan). Ecosystem "conan". conanfile.py is a Python
// program and is not read.
#include "code/manifests_parsers.h"

#include <optional>

namespace devagent::code::manifests {

namespace {

// The scope of the sections that list references; other sections
// ([generators], [options], [layout], [imports], ...) declare nothing.
std::optional<std::string_view> scope_of_section(std::string_view section) {
  if (section == "requires") return kRuntime;
  if (section == "tool_requires" || section == "build_requires") return kBuild;
  if (section == "test_requires") return kTest;
  return std::nullopt;
}

}  // namespace

// References are name/version[@user/channel][#revision]; the constraint is
// the version as written, ranges included ("[>=1.80 <1.85]"); user,
// channel and revision are left out.
Parsed parse_conanfile_txt(std::string_view path, std::string_view content) {
  DependencyList deps(path, "conan");
  std::optional<std::string_view> scope;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (std::size_t hash = line.find('#');
        hash != std::string_view::npos && line.substr(0, hash).find('/') == std::string_view::npos) {
      line = line.substr(0, hash);  // a comment; a '#' after the '/' is a revision
    }
    line = trim(line);
    if (line.empty()) continue;
    if (line.starts_with('[')) {
      if (!line.ends_with(']')) return malformed_at(path, number, "a section header must end with ']'");
      scope = scope_of_section(trim(line.substr(1, line.size() - 2)));
      continue;
    }
    if (!scope) continue;
    std::size_t slash = line.find('/');
    if (slash == std::string_view::npos || slash == 0) {
      return malformed_at(path, number, "expected a reference name/version, got '" + std::string(line) + "'");
    }
    std::string_view version = line.substr(slash + 1);
    version = version.substr(0, version.find_first_of("@#"));
    deps.add(line.substr(0, slash), version, *scope);
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
