// Dependency manifests and the dependencies they declare, with version
// constraints as written: package.json, requirements*.txt, pyproject.toml
// (PEP 621 and Poetry), Pipfile, Cargo.toml, go.mod, pom.xml,
// build.gradle(.kts), Gemfile, composer.json, CMakeLists.txt
// (find_package, FetchContent_Declare), vcpkg.json, conanfile.txt.
#pragma once

#include "code/model.h"
#include "core/error.h"

#include <string_view>
#include <vector>

namespace devagent::code {

// Whether a repository path is a manifest this module reads.
bool is_manifest(std::string_view path);

// The dependencies a manifest declares. Malformed content is an
// invalid_argument error naming the file and where it went wrong; the
// caller reports it and goes on.
Result<std::vector<Dependency>> parse_manifest(std::string_view path, std::string_view content);

}  // namespace devagent::code
