// Import / include / require / use statements and their resolution to files
// of the same repository, for C, C++, Python, JavaScript/TypeScript, Go,
// Rust and Java.
#pragma once

#include "code/model.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace devagent::code {

// The statements in one file (from, spec and line filled; not resolved).
// Comments and string literals that merely look like imports are ignored.
std::vector<ImportEdge> extract_imports(std::string_view path, std::string_view language, std::string_view content);

// Resolves specs to repository files.
//   C/C++: "x.h" relative to the including file, then against every directory
//          that appears as an include root (a suffix match on the path);
//          <x.h> the same, external when nothing matches.
//   Python: absolute (a.b.c → a/b/c.py or a/b/c/__init__.py, also under
//          src/) and relative (from . import x).
//   JS/TS: relative specs with the usual extensions and index files; bare
//          specs are packages (external).
//   Go:    paths under the module path from go.mod are directories of the
//          repository (the edge goes to each .go file of that package).
//   Rust:  mod x; (x.rs, x/mod.rs), use crate::a::b (src/a/b.rs, src/a.rs).
//   Java:  import a.b.C → any file ending in a/b/C.java.
class ImportResolver {
 public:
  // files: every file of the repository; go_module: the module path from
  // go.mod ("" when none).
  ImportResolver(const std::vector<FileEntry>& files, std::string go_module);
  // Fills edge.to (the first target) or edge.external. Go package imports
  // may resolve to several files: resolve_all returns every one.
  void resolve(ImportEdge& edge) const;
  std::vector<std::string> resolve_all(const ImportEdge& edge) const;

 private:
  std::unordered_set<std::string> files_;
  std::unordered_map<std::string, std::vector<std::string>> by_basename_;
  std::unordered_map<std::string, std::vector<std::string>> by_directory_;
  std::string go_module_;
};

}  // namespace devagent::code
