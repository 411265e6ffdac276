// The manifest parsers: any content must parse or be refused with an
// error, never crash, hang or overflow the stack.
//
// Input: byte 0 picks the manifest (the file name decides the parser, as in
// a repository), the rest is the file's content.
#include "code/manifests.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

constexpr std::string_view kFiles[] = {
    "package.json",  "composer.json",     "pyproject.toml", "Pipfile",          "Cargo.toml",
    "go.mod",        "pom.xml",           "build.gradle",   "build.gradle.kts", "Gemfile",
    "CMakeLists.txt", "vcpkg.json",       "conanfile.txt",  "requirements.txt", "requirements/dev.in",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view path = kFiles[data[0] % std::size(kFiles)];
  std::string_view content(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!devagent::code::is_manifest(path)) std::abort();
  auto deps = devagent::code::parse_manifest(path, content);
  if (deps) {
    for (const auto& d : *deps) {
      if (d.name.empty()) std::abort();
    }
  } else if (deps.error().message.empty()) {
    std::abort();
  }
  return 0;
}
