// Import / include / require / use statements and their resolution to files
// of the same repository, for C, C++, Python, JavaScript/TypeScript, Go,
// Rust and Java.
#pragma once

#include "code/model.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::code {

namespace detail {
struct ImportIndex;  // defined in imports.cpp
}

// The statements in one file (from, spec and line filled; not resolved).
// Comments and string literals that merely look like imports are ignored.
// `language` is cloc's name: C, C++, C/C++ Header, Objective-C(++), CUDA,
// Python, JavaScript, TypeScript, JSX, TSX, Vuejs Component and Svelte
// (their <script> blocks), Go, Rust, Java; any other language yields nothing.
// `line` (1-based) is the line where the imported name is written, so each
// entry of a multi-line Go group, Python or Rust list has its own line.
// Specs, per language:
//   C/C++:  "foo/bar.h" for #include "foo/bar.h"; "<stdio.h>" (brackets kept)
//           for #include <stdio.h>.
//   Python: "a.b" for import a.b; one edge per name for from-imports:
//           from a.b import c, d → "a.b.c", "a.b.d" (c may be a module or a
//           name; the resolver decides); from .. import x → "..x";
//           from .m import * → ".m". Several may resolve to one file:
//           callers merge edges by (from, to).
//   JS/TS:  the module string of import/export-from/require()/import().
//   Go:     the import path. Java: "a.b.C", "a.b.*", "a.b.C.m" (static).
//   Rust:   one edge per leaf of a use tree ("crate::a::b::c"; a::{self}
//           and a::* give "a"), "mod x" for mod x;, "extern crate x".
std::vector<ImportEdge> extract_imports(std::string_view path, std::string_view language, std::string_view content);

// Resolves specs to repository files. The language is taken from the
// extension of edge.from. When several files could match, the rule is: the
// candidate sharing the longest directory prefix with the importing file,
// then the one with the fewest path components, then the lexicographically
// first — so the result never depends on the order of `files`.
//   C/C++:  "x.h" relative to the including file; then (and for <x.h>) any
//           file whose path ends in "/x.h" (leading ../ stripped), by the
//           rule above. <x.h> with no match is external; "x.h" with no match
//           is unresolved (often a generated header).
//   Python: absolute a.b.c → a/b/c.py or a/b/c/__init__.py (.pyi too) under,
//           in order: the importing file's package root (the first ancestor
//           without __init__.py), the repository root, src/. When the full
//           name is no module, its parent is tried (from a import b, where b
//           is a name in a/__init__.py). Relative specs start from the
//           importing file's package. External when the top-level name is
//           no module, package or directory of .py files in those roots.
//   JS/TS:  relative specs ("./", "../") as a file, with an extension
//           (.ts .tsx .d.ts .mts .cts .js .jsx .mjs .cjs .json .vue .svelte;
//           .js first when the importer is JavaScript), or as a directory
//           with index.*; "./x.js" also finds x.ts. Bare specs ("react",
//           "@scope/pkg/sub", "node:fs") are external. Aliases ("@/x", "~/x",
//           "#x", tsconfig paths) and package.json "main" are out of scope:
//           unresolved.
//   Go:     paths under the module path from go.mod are directories under
//           the directory of go.mod (the shallowest go.mod in `files`, else
//           the root); the edge goes to each .go file of that package except
//           _test.go files (resolve_all; resolve takes the first). Paths
//           outside the module are external.
//   Rust:   "mod x" → x.rs or x/mod.rs in the module directory (the file's
//           own directory for mod.rs, lib.rs, main.rs, build.rs and files in
//           bin/, examples/, tests/, benches/; else the directory named after
//           the file). crate::a::b → the longest prefix that is a module file
//           under the crate root (nearest ancestor with lib.rs or main.rs),
//           else the crate root file; self::, super:: likewise from the
//           module directory. A bare first segment is a child module when
//           one exists (2018), then a module of the crate root (2015), else
//           an external crate; so are "::x" and "extern crate x". #[path]
//           attributes and inline mod blocks are out of scope.
//   Java:   a.b.C → a file ending in a/b/C.java (nested classes and static
//           imports drop trailing names until a file matches); a.b.* → every
//           .java file of the best directory ending in a/b. External when
//           nothing matches.
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
  // Lookup tables built once from the file list; immutable and shared, so a
  // resolver is cheap to copy and safe to use from several threads.
  std::shared_ptr<const detail::ImportIndex> index_;
};

}  // namespace devagent::code
