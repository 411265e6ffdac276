#include "code/imports.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace devagent::code {
namespace {

using Found = std::vector<std::pair<std::string, int>>;  // (spec, line)

struct ExtractCase {
  const char* name;
  const char* language;
  std::string content;
  Found expected;
};

Found extract(const char* language, const std::string& content) {
  Found found;
  for (const auto& edge : extract_imports("some/file", language, content)) {
    EXPECT_EQ(edge.from, "some/file");
    EXPECT_TRUE(edge.to.empty());
    EXPECT_FALSE(edge.external);
    found.emplace_back(edge.spec, edge.line);
  }
  return found;
}

void run(const std::vector<ExtractCase>& cases) {
  for (const auto& c : cases) EXPECT_EQ(extract(c.language, c.content), c.expected) << c.name;
}

// ------------------------------------------------------------------ extraction

TEST(ExtractImports, CAndCpp) {
  run({
      {"quoted and angle", "C++", "#include \"a.h\"\n#include <vector>\n", {{"a.h", 1}, {"<vector>", 2}}},
      {"whitespace variants",
       "C",
       "  #  include   \"b/c.h\"\n\t#include\t<sys/types.h>\n# /* c */ include <x.h>\n#include<y.h>\n",
       {{"b/c.h", 1}, {"<sys/types.h>", 2}, {"<x.h>", 3}, {"<y.h>", 4}}},
      {"comments",
       "C++",
       "// #include \"no1.h\"\n/* #include \"no2.h\"\n#include \"no3.h\" */\n#include \"yes.h\" // trailing\n",
       {{"yes.h", 4}}},
      {"strings and raw strings",
       "C++",
       "const char* s = \"#include <no.h>\";\nauto r = R\"x(\n#include \"no2.h\"\n)x\";\n#include \"yes.h\"\n",
       {{"yes.h", 5}}},
      {"character literal holding a quote", "C", "char c = '\"';\n#include \"a.h\"\n", {{"a.h", 2}}},
      {"digit separators are no character literals", "C++", "int n = 1'000'000;\n#include \"a.h\"\n", {{"a.h", 2}}},
      {"not at the start of a line", "C", "int x; #include \"no.h\"\n", {}},
      {"continued line is not a new line",
       "C",
       "int a = 1 + \\\n#include \"no.h\"\n2;\n#include <b.h>\n",
       {{"<b.h>", 4}}},
      {"macro include and unterminated", "C", "#include FOO_H\n#include \"a.h\n#include <b.h>\n", {{"<b.h>", 3}}},
      {"a block-comment opener inside a line comment", "C", "// see /* here\n#include \"a.h\"\n// */\n", {{"a.h", 2}}},
      {"comment between include and name", "C", "#include /* why */ \"a.h\"\n", {{"a.h", 1}}},
      {"import and include_next",
       "Objective-C",
       "#import <Foundation/Foundation.h>\n#include_next <stdlib.h>\n",
       {{"<Foundation/Foundation.h>", 1}, {"<stdlib.h>", 2}}},
      {"header",
       "C/C++ Header",
       "#pragma once\n#define X \"#include <no.h>\"\n#include \"dir/../y.h\"\n",
       {{"dir/../y.h", 3}}},
  });
}

TEST(ExtractImports, Python) {
  run({
      {"import", "Python", "import os\nimport a.b as c, d\n", {{"os", 1}, {"a.b", 2}, {"d", 2}}},
      {"relative",
       "Python",
       "from .x import y\nfrom .. import z\nfrom ...p.q import r as s\nfrom . import *\n",
       {{".x.y", 1}, {"..z", 2}, {"...p.q.r", 3}, {".", 4}}},
      {"parenthesised over lines",
       "Python",
       "from a.b import (\n    c,\n    d as e,\n)\n",
       {{"a.b.c", 2}, {"a.b.d", 3}}},
      {"star", "Python", "from a.b import *\n", {{"a.b", 1}}},
      {"comments and strings",
       "Python",
       "# import no1\ns = 'import no2'\nt = \"\"\"\nimport no3\nfrom no4 import x\n\"\"\"\nimport yes\n",
       {{"yes", 7}}},
      {"string prefixes",
       "Python",
       "s = rb'import no'\nf'{x}'\nu = Rb\"\"\"\nimport no\n\"\"\"\nimport yes\n",
       {{"yes", 6}}},
      {"not import statements",
       "Python",
       "x = __import__('no')\nraise E from err\ny = yield from gen\nprint(import_x)\nimportlib.import_module('no')\n",
       {}},
      {"compound statements",
       "Python",
       "try: import fast\nexcept ImportError: import slow\nif x: import y; import z\n",
       {{"fast", 1}, {"slow", 2}, {"y", 3}, {"z", 3}}},
      {"explicit line joining", "Python", "import a, \\\n    b\n", {{"a", 1}, {"b", 2}}},
      {"indented", "Python", "def f():\n    import lazy\n    from . import sibling\n", {{"lazy", 2}, {".sibling", 3}}},
      {"after brackets", "Python", "d = {\n  'k': lambda: 1,\n}\nimport after\n", {{"after", 4}}},
      {"future", "Python", "from __future__ import annotations\n", {{"__future__.annotations", 1}}},
  });
}

TEST(ExtractImports, JavaScriptAndTypeScript) {
  run({
      {"import forms",
       "JavaScript",
       "import x from './y';\nimport {a, b as c} from \"../z\";\nimport * as ns from 'pkg';\nimport './side.css';\n",
       {{"./y", 1}, {"../z", 2}, {"pkg", 3}, {"./side.css", 4}}},
      {"type imports",
       "TypeScript",
       "import type { T } from './types';\nimport x, { type U } from './u';\nexport type { V } from './v';\n",
       {{"./types", 1}, {"./u", 2}, {"./v", 3}}},
      {"re-exports",
       "TypeScript",
       "export * from './a';\nexport * as b from './b';\nexport { c, d as e } from './c';\nexport { local };\n"
       "export default function f() {}\nexport const x = 1;\n",
       {{"./a", 1}, {"./b", 2}, {"./c", 3}}},
      {"require and dynamic import",
       "JavaScript",
       "const a = require('./a');\nconst b = await import('./b');\nobj.require('./no');\nimport.meta.url;\n",
       {{"./a", 1}, {"./b", 2}}},
      {"multi-line import names the line of the module",
       "TypeScript",
       "import {\n  a,\n  b,\n} from './multi';\n",
       {{"./multi", 4}}},
      {"comments, strings, templates, regular expressions",
       "JavaScript",
       R"js(// import x from './no1'
/* require('./no2') */
const s = "import y from './no3'";
const t = `require('./no4') ${ require('./yes1') }`;
const re = /import x from '.\/no5'/g;
import z from './yes2';
)js",
       {{"./yes1", 4}, {"./yes2", 6}}},
      {"division is no regular expression",
       "JavaScript",
       "const r = a / b; import q from './q'; const s = (c) / d;\nimport w from './w';\n",
       {{"./q", 1}, {"./w", 2}}},
      {"import equals require", "TypeScript", "import fs = require('fs');\n", {{"fs", 1}}},
      {"braces inside a template substitution",
       "JavaScript",
       "const t = `${ {a: 1}.a }`;\nimport k from './k';\n",
       {{"./k", 2}}},
      {"keywords as property names", "JavaScript", "const o = { import: 1, require: 2, export: 3 };\n", {}},
      {"import attributes", "JavaScript", "import data from './d.json' with { type: 'json' };\n", {{"./d.json", 1}}},
      {"apostrophe in JSX text",
       "JSX",
       "const el = <p>Don't import this</p>;\nimport ok from './ok';\n",
       {{"./ok", 2}}},
      {"shebang", "JavaScript", "#!/usr/bin/env node\nconst m = require('./m');\n", {{"./m", 2}}},
      {"vue script block only",
       "Vuejs Component",
       "<template>\n  <p>import x from './no'</p>\n</template>\n<script setup lang=\"ts\">\nimport A from "
       "'./A.vue'\n</script>\n",
       {{"./A.vue", 5}}},
  });
}

TEST(ExtractImports, Go) {
  run({
      {"single", "Go", "package main\n\nimport \"fmt\"\nimport m \"math\"\n", {{"fmt", 3}, {"math", 4}}},
      {"grouped with aliases, blank and dot",
       "Go",
       "import (\n\t\"os\"\n\t_ \"embed\"\n\t. \"strings\"\n\talias \"example.com/m/pkg\"\n\t// \"commented\"\n)\n",
       {{"os", 2}, {"embed", 3}, {"strings", 4}, {"example.com/m/pkg", 5}}},
      {"comments and strings",
       "Go",
       "/* import \"no\" */\nvar s = \"import \\\"no\\\"\"\nvar r = `\nimport \"no\"\n`\nimport `raw/path`\n",
       {{"raw/path", 6}}},
  });
}

TEST(ExtractImports, Rust) {
  run({
      {"mod declarations, not inline modules",
       "Rust",
       "mod a;\npub mod b;\nmod c { fn f() {} }\npub(crate) mod d;\n",
       {{"mod a", 1}, {"mod b", 2}, {"mod d", 4}}},
      {"use trees",
       "Rust",
       "use crate::a::b::{c, d::e, self};\nuse super::x;\nuse std::collections::HashMap as Map;\nuse ::log::info;\n"
       "extern crate serde;\nuse foo::*;\n",
       {{"crate::a::b::c", 1},
        {"crate::a::b::d::e", 1},
        {"crate::a::b", 1},
        {"super::x", 2},
        {"std::collections::HashMap", 3},
        {"::log::info", 4},
        {"extern crate serde", 5},
        {"foo", 6}}},
      {"multi-line use",
       "Rust",
       "use crate::{\n    a::A,\n    b::{B, C},\n};\n",
       {{"crate::a::A", 2}, {"crate::b::B", 3}, {"crate::b::C", 3}}},
      {"comments, strings, chars and lifetimes",
       "Rust",
       "// use no1;\n/* outer /* nested */ use no2; */\nlet s = \"use no3;\";\nlet r = r#\"mod no4;\"#;\n"
       "fn f<'a>(x: &'a str) -> char { '\"' }\nuse yes;\n",
       {{"yes", 6}}},
      {"macro paths and raw identifiers", "Rust", "macro_rules! m { () => { use $crate::x; } }\nlet r#use = 1;\n", {}},
  });
}

TEST(ExtractImports, Java) {
  run({
      {"forms",
       "Java",
       "package a;\n\nimport java.util.List;\nimport static org.junit.Assert.assertEquals;\nimport com.x.*;\n"
       "import static com.y.Z.*;\n",
       {{"java.util.List", 3}, {"org.junit.Assert.assertEquals", 4}, {"com.x.*", 5}, {"com.y.Z.*", 6}}},
      {"comments, strings and text blocks",
       "Java",
       "// import no.A;\n/* import no.B; */\nString s = \"import no.C;\";\nString t = \"\"\"\nimport no.D;\n\"\"\";\n"
       "import yes.E;\n",
       {{"yes.E", 7}}},
      {"spaces inside the name", "Java", "import  java . util . Map ;\n", {{"java.util.Map", 1}}},
  });
}

TEST(ExtractImports, ByteOrderMarkAndWindowsLineEndings) {
  const std::string bom = "\xEF\xBB\xBF";
  run({
      {"C with a BOM", "C++", bom + "#include \"a.h\"\r\n#include <b.h>\r\n", {{"a.h", 1}, {"<b.h>", 2}}},
      {"Python with a BOM", "Python", bom + "import os\r\nfrom . import (\r\n  x,\r\n)\r\n", {{"os", 1}, {".x", 3}}},
      {"JavaScript with a BOM and a shebang",
       "JavaScript",
       bom + "#!/usr/bin/env node\r\nrequire('./m');\r\n",
       {{"./m", 2}}},
      {"Java with a BOM", "Java", bom + "import a.B;\r\n", {{"a.B", 1}}},
  });
}

TEST(ExtractImports, JavaImportMissingItsSemicolon) {
  EXPECT_EQ(extract("Java", "import a.B\nimport c.D;\n"), (Found{{"c.D", 2}}));
}

TEST(ExtractImports, OtherLanguagesYieldNothing) {
  EXPECT_TRUE(extract_imports("a.rb", "Ruby", "require 'x'\n").empty());
  EXPECT_TRUE(extract_imports("a.txt", "", "#include <x.h>\n").empty());
}

// Long files, and a statement longer than the lexer keeps by default.
TEST(ExtractImports, LongFilesAndLongStatements) {
  std::string python;
  for (int i = 0; i < 20000; ++i) python += "x = (1, 2)\n";
  python += "from pkg import (\n";
  for (int i = 0; i < 3000; ++i) python += "    name" + std::to_string(i) + ",\n";
  python += ")\nimport tail\n";
  auto edges = extract_imports("big.py", "Python", python);
  ASSERT_EQ(edges.size(), 3001u);
  EXPECT_EQ(edges.front().spec, "pkg.name0");
  EXPECT_EQ(edges.front().line, 20002);
  EXPECT_EQ(edges[2999].spec, "pkg.name2999");
  EXPECT_EQ(edges.back().spec, "tail");
  EXPECT_EQ(edges.back().line, 23003);

  std::string js;
  for (int i = 0; i < 20000; ++i) js += "const a = [1, 2, 3].map(x => x / 2);\n";
  js += "import {\n";
  for (int i = 0; i < 3000; ++i) js += "  n" + std::to_string(i) + ",\n";
  js += "} from './far';\n";
  edges = extract_imports("big.js", "JavaScript", js);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0].spec, "./far");
  EXPECT_EQ(edges[0].line, 23002);
}

// Truncated files end inside comments, strings, raw strings, templates and
// half-written statements: every prefix of this text, in every language,
// must scan without reading past the end (an exactly sized buffer, so the
// sanitizer build catches an overrun).
TEST(ExtractImports, EveryPrefixOfTrickyInputIsSafe) {
  const std::string corpus = R"corpus(#include "a.h"
# include <b.h>
auto r = R"x(raw)x"; int n = 1'0; char c = '\''; #include "c.h
/* block */ // line \
import a.b as c
from ..x import (y,
  z)
s = rb'''t''' + f"{x}" + "\
"
import x, {y} from './z'; export * from './w'; require('./v'); import('./u');
const t = `a${ {b: `c${d}`} }e`; const re = /[/]\//g; x = a / b;
<p>Don't</p>
import ( _ "x"; . "y" )
var q = `raw`
use crate::a::{b, c::{d, self}, *};
mod m; extern crate e; let l = 'a'; fn f<'a>() {} r#"raw"# br"x" b'y' r#use '\u{1F600}' 'é'
/* nested /* rust */ */
import static a.b.C.*;
String t = """
block""";
<script>import v from './v'</script>
)corpus";
  for (const char* language : {"C++", "Python", "JavaScript", "Vuejs Component", "Go", "Rust", "Java"}) {
    for (std::size_t n = 0; n <= corpus.size(); ++n) {
      auto buffer = std::make_unique<char[]>(n);
      std::copy(corpus.begin(), corpus.begin() + static_cast<long>(n), buffer.get());
      for (const auto& edge : extract_imports("f", language, std::string_view(buffer.get(), n))) {
        EXPECT_GE(edge.line, 1);
        EXPECT_FALSE(edge.spec.empty());
      }
    }
  }
}

// ------------------------------------------------------------------ resolution

struct ResolveCase {
  const char* from;
  const char* spec;
  const char* to;  // "" when unresolved or external
  bool external = false;
};

std::vector<FileEntry> entries(std::vector<std::string> paths) {
  std::vector<FileEntry> files;
  for (auto& p : paths) files.push_back(FileEntry{.path = std::move(p)});
  return files;
}

// Checks every case, and that the answer does not depend on the order of the
// file list.
void check(const std::vector<std::string>& paths, const std::vector<ResolveCase>& cases,
           const std::string& go_module = "") {
  auto reversed = paths;
  std::reverse(reversed.begin(), reversed.end());
  auto rotated = paths;
  std::rotate(rotated.begin(), rotated.begin() + static_cast<long>(rotated.size() / 3), rotated.end());
  for (const auto& order : {paths, reversed, rotated}) {
    ImportResolver resolver(entries(order), go_module);
    for (const auto& c : cases) {
      ImportEdge edge{.from = c.from, .spec = c.spec};
      resolver.resolve(edge);
      EXPECT_EQ(edge.to, c.to) << c.from << " → " << c.spec;
      EXPECT_EQ(edge.external, c.external) << c.from << " → " << c.spec;
    }
  }
}

TEST(ResolveImports, CppProjectWithIncludeAndSrc) {
  const std::vector<std::string> files = {
      "CMakeLists.txt",         "include/proj/util.h",    "include/proj/net/socket.h",
      "src/config.h",           "src/util.cpp",           "src/main.cpp",
      "src/net/socket.cpp",     "src/net/detail.h",       "third_party/json/include/nlohmann/json.hpp",
      "tests/util_test.cpp",    "lib/a/include/common.h", "lib/a/src/a.cpp",
      "lib/b/include/common.h", "lib/b/src/b.cpp",        "aaa/vendored/copy/include/proj/util.h",
  };
  check(files, {
                   // Nothing shared with either candidate: the shorter path wins over "aaa/...".
                   {"src/util.cpp", "proj/util.h", "include/proj/util.h"},
                   {"aaa/vendored/copy/x.cpp", "proj/util.h", "aaa/vendored/copy/include/proj/util.h"},
                   {"tests/util_test.cpp", "proj/net/socket.h", "include/proj/net/socket.h"},
                   {"src/net/socket.cpp", "detail.h", "src/net/detail.h"},
                   {"src/net/socket.cpp", "./detail.h", "src/net/detail.h"},
                   {"src/net/socket.cpp", "../config.h", "src/config.h"},
                   {"tests/util_test.cpp", "../include/proj/util.h", "include/proj/util.h"},
                   {"src/main.cpp", "<nlohmann/json.hpp>", "third_party/json/include/nlohmann/json.hpp"},
                   {"src/main.cpp", "<vector>", "", true},
                   {"src/main.cpp", "<stdio.h>", "", true},
                   {"src/main.cpp", "generated/version.h", "", false},
                   // Two candidates: the one in the importer's part of the tree wins...
                   {"lib/a/src/a.cpp", "common.h", "lib/a/include/common.h"},
                   {"lib/b/src/b.cpp", "<common.h>", "lib/b/include/common.h"},
                   // ...and with no such preference, the lexicographically first.
                   {"src/main.cpp", "common.h", "lib/a/include/common.h"},
                   // A suffix match is on whole path components.
                   {"src/main.cpp", "til.h", "", false},
               });
}

TEST(ResolveImports, PythonSrcLayoutAndRelativeImports) {
  const std::vector<std::string> files = {
      "pyproject.toml",          "src/mypkg/__init__.py", "src/mypkg/core.py",    "src/mypkg/utils/__init__.py",
      "src/mypkg/utils/text.py", "src/mypkg/utils/io.py", "tests/test_core.py",   "tests/helpers.py",
      "backend/app/__init__.py", "backend/app/models.py", "backend/app/views.py", "typings/stubbed.pyi",
  };
  check(files, {
                   {"src/mypkg/core.py", "mypkg.utils.text", "src/mypkg/utils/text.py"},
                   {"tests/test_core.py", "mypkg.core", "src/mypkg/core.py"},
                   {"tests/test_core.py", "mypkg.utils", "src/mypkg/utils/__init__.py"},
                   // from mypkg.utils import io (a module) / slugify (a name in __init__.py)
                   {"tests/test_core.py", "mypkg.utils.io", "src/mypkg/utils/io.py"},
                   {"tests/test_core.py", "mypkg.utils.slugify", "src/mypkg/utils/__init__.py"},
                   {"tests/test_core.py", "helpers", "tests/helpers.py"},
                   {"src/mypkg/utils/text.py", ".io", "src/mypkg/utils/io.py"},
                   {"src/mypkg/utils/text.py", "..core.run", "src/mypkg/core.py"},
                   {"src/mypkg/utils/text.py", "..", "src/mypkg/__init__.py"},
                   {"src/mypkg/utils/text.py", "..utils", "src/mypkg/utils/__init__.py"},
                   {"src/mypkg/utils/__init__.py", ".text", "src/mypkg/utils/text.py"},
                   {"src/mypkg/utils/text.py", "...", "", false},
                   {"src/mypkg/utils/text.py", ".....x", "", false},
                   {"backend/app/views.py", "app.models", "backend/app/models.py"},
                   {"backend/app/views.py", ".models.User", "backend/app/models.py"},
                   {"src/mypkg/core.py", "os.path", "", true},
                   {"src/mypkg/core.py", "requests", "", true},
                   {"src/mypkg/core.py", "__future__.annotations", "", true},
                   {"src/mypkg/core.py", "mypkg.nothere.deep", "", false},
                   {"src/mypkg/core.py", "typings.stubbed", "typings/stubbed.pyi"},
               });
}

TEST(ResolveImports, TypeScriptWithIndexFiles) {
  const std::vector<std::string> files = {
      "package.json",
      "src/index.ts",
      "src/app.tsx",
      "src/App.vue",
      "src/components/index.ts",
      "src/components/Button.tsx",
      "src/utils/format.ts",
      "src/utils/format.js",
      "src/legacy/old.js",
      "src/types/api.d.ts",
      "src/data/config.json",
      "src/esm/mod.ts",
      "src/lib/index.js",
  };
  check(files, {
                   {"src/app.tsx", "./components", "src/components/index.ts"},
                   {"src/components/index.ts", "./Button", "src/components/Button.tsx"},
                   {"src/components/Button.tsx", ".", "src/components/index.ts"},
                   {"src/app.tsx", "./utils/format", "src/utils/format.ts"},
                   {"src/legacy/old.js", "../utils/format", "src/utils/format.js"},
                   {"src/app.tsx", "./types/api", "src/types/api.d.ts"},
                   {"src/app.tsx", "./data/config.json", "src/data/config.json"},
                   {"src/index.ts", "./esm/mod.js", "src/esm/mod.ts"},
                   {"src/index.ts", "./lib", "src/lib/index.js"},
                   {"src/App.vue", "./components", "src/components/index.ts"},
                   {"src/index.ts", "./missing", "", false},
                   {"src/index.ts", "../../outside", "", false},
                   {"src/index.ts", "react", "", true},
                   {"src/index.ts", "react-dom/client", "", true},
                   {"src/index.ts", "@scope/pkg/sub", "", true},
                   {"src/index.ts", "node:fs", "", true},
                   {"src/index.ts", "@/components", "", false},
                   {"src/index.ts", "~/utils", "", false},
                   {"src/index.ts", "#internal", "", false},
                   {"src/index.ts", "/abs/x", "", false},
               });
}

TEST(ResolveImports, GoModuleWithInternalPackages) {
  const std::vector<std::string> files = {
      "go.mod",
      "main.go",
      "cmd/server/main.go",
      "internal/db/db.go",
      "internal/db/query.go",
      "internal/db/db_test.go",
      "internal/db/testdata/fixture.go",
      "internal/db/README.md",
      "pkg/api/api.go",
  };
  const std::string module = "github.com/acme/shop";
  check(files,
        {
            {"cmd/server/main.go", "github.com/acme/shop/internal/db", "internal/db/db.go"},
            {"cmd/server/main.go", "github.com/acme/shop/pkg/api", "pkg/api/api.go"},
            {"cmd/server/main.go", "github.com/acme/shop", "main.go"},
            {"cmd/server/main.go", "fmt", "", true},
            {"cmd/server/main.go", "github.com/other/lib", "", true},
            {"cmd/server/main.go", "github.com/acme/shopping/x", "", true},
            {"cmd/server/main.go", "github.com/acme/shop/internal/none", "", false},
        },
        module);

  ImportResolver resolver(entries(files), module);
  ImportEdge edge{.from = "cmd/server/main.go", .spec = "github.com/acme/shop/internal/db"};
  EXPECT_EQ(resolver.resolve_all(edge), (std::vector<std::string>{"internal/db/db.go", "internal/db/query.go"}));
  edge.spec = "fmt";
  EXPECT_TRUE(resolver.resolve_all(edge).empty());
}

TEST(ResolveImports, GoModuleInASubdirectory) {
  check({"README.md", "services/api/go.mod", "services/api/main.go", "services/api/handlers/h.go"},
        {{"services/api/main.go", "example.com/api/handlers", "services/api/handlers/h.go"}}, "example.com/api");
}

TEST(ResolveImports, RustCrateWithNestedModules) {
  const std::vector<std::string> files = {
      "Cargo.toml",          "build.rs",        "src/lib.rs",           "src/config.rs",
      "src/net/mod.rs",      "src/net/tcp.rs",  "src/net/tcp/frame.rs", "src/util.rs",
      "src/util/strings.rs", "src/bin/tool.rs", "src/bin/helper.rs",    "tests/integration.rs",
      "tests/common/mod.rs",
  };
  check(files, {
                   {"src/lib.rs", "mod config", "src/config.rs"},
                   {"src/lib.rs", "mod net", "src/net/mod.rs"},
                   {"src/net/mod.rs", "mod tcp", "src/net/tcp.rs"},
                   {"src/net/tcp.rs", "mod frame", "src/net/tcp/frame.rs"},
                   {"src/util.rs", "mod strings", "src/util/strings.rs"},
                   {"src/lib.rs", "mod missing", "", false},
                   {"src/net/tcp.rs", "crate::config::Config", "src/config.rs"},
                   {"src/net/tcp.rs", "crate::net::tcp::frame::Frame", "src/net/tcp/frame.rs"},
                   {"src/net/tcp.rs", "crate::VERSION", "src/lib.rs"},
                   {"src/net/tcp.rs", "super::Listener", "src/net/mod.rs"},
                   {"src/net/tcp/frame.rs", "super::super::util", "src/net/mod.rs"},
                   {"src/net/tcp/frame.rs", "super::super::super::util::strings", "src/util/strings.rs"},
                   {"src/net/mod.rs", "self::tcp::Stream", "src/net/tcp.rs"},
                   {"src/lib.rs", "self::config", "src/config.rs"},
                   {"src/net/mod.rs", "tcp::Stream", "src/net/tcp.rs"},              // 2018: child module
                   {"src/net/tcp.rs", "util::strings::pad", "src/util/strings.rs"},  // 2015: crate-relative
                   {"src/lib.rs", "std::io::Read", "", true},
                   {"src/lib.rs", "serde::Deserialize", "", true},
                   {"src/lib.rs", "::log::info", "", true},
                   {"src/lib.rs", "extern crate serde", "", true},
                   {"src/bin/tool.rs", "mod helper", "src/bin/helper.rs"},
                   {"src/bin/tool.rs", "crate::helper::run", "src/bin/helper.rs"},
                   {"tests/integration.rs", "mod common", "tests/common/mod.rs"},
               });
}

TEST(ResolveImports, JavaTree) {
  const std::vector<std::string> files = {
      "pom.xml",
      "src/main/java/com/acme/App.java",
      "src/main/java/com/acme/model/User.java",
      "src/main/java/com/acme/model/Order.java",
      "src/main/java/com/acme/util/Strings.java",
      "src/test/java/com/acme/AppTest.java",
      "other/module/src/main/java/com/acme/Other.java",
      "other/module/src/main/java/com/acme/model/User.java",
  };
  const char* app = "src/main/java/com/acme/App.java";
  check(files,
        {
            {app, "com.acme.model.User", "src/main/java/com/acme/model/User.java"},
            {"src/test/java/com/acme/AppTest.java", "com.acme.model.User", "src/main/java/com/acme/model/User.java"},
            {"other/module/src/main/java/com/acme/Other.java", "com.acme.model.User",
             "other/module/src/main/java/com/acme/model/User.java"},
            {app, "com.acme.util.Strings.join", "src/main/java/com/acme/util/Strings.java"},
            {app, "com.acme.model.User.Role", "src/main/java/com/acme/model/User.java"},
            {app, "com.acme.util.Strings.*", "src/main/java/com/acme/util/Strings.java"},
            {app, "com.acme.model.*", "src/main/java/com/acme/model/Order.java"},
            {app, "java.util.List", "", true},
            {app, "org.junit.Assert.assertEquals", "", true},
            {app, "com.acme.none.*", "", true},
        });
  ImportResolver resolver(entries(files), "");
  ImportEdge edge{.from = app, .spec = "com.acme.model.*"};
  EXPECT_EQ(resolver.resolve_all(edge), (std::vector<std::string>{"src/main/java/com/acme/model/Order.java",
                                                                  "src/main/java/com/acme/model/User.java"}));
}

TEST(ResolveImports, UnknownImporterIsUnresolved) {
  ImportResolver resolver(entries({"a.rb", "b.rb"}), "");
  ImportEdge edge{.from = "a.rb", .spec = "b"};
  resolver.resolve(edge);
  EXPECT_TRUE(edge.to.empty());
  EXPECT_FALSE(edge.external);
}

// Extraction and resolution together, as the indexer runs them.
TEST(ResolveImports, ExtractedEdgesResolve) {
  ImportResolver resolver(entries({"src/app/main.py", "src/app/__init__.py", "src/app/db.py"}), "");
  auto edges =
      extract_imports("src/app/main.py", "Python", "import os\nfrom . import db\nfrom app.db import connect\n");
  ASSERT_EQ(edges.size(), 3u);
  for (auto& e : edges) resolver.resolve(e);
  EXPECT_TRUE(edges[0].external);
  EXPECT_EQ(edges[1].to, "src/app/db.py");
  EXPECT_EQ(edges[2].to, "src/app/db.py");
  EXPECT_EQ(edges[2].line, 3);
}

}  // namespace
}  // namespace devagent::code
