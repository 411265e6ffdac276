#include "code/symbols.h"

#include "support/process.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace devagent::code {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void write_script(const fs::path& path, const std::string& content) {
  write_file(path, content);
  ::chmod(path.c_str(), 0755);
}

// Sets PATH for the duration of a test, so a test can hide ctags or put a
// fake one first.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& value) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    ::setenv("PATH", value.c_str(), 1);
  }
  ~ScopedPath() {
    if (old_) {
      ::setenv("PATH", old_->c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
  }

 private:
  std::optional<std::string> old_;
};

const Symbol* find(const std::vector<Symbol>& symbols, std::string_view name, std::string_view kind = {}) {
  for (const auto& s : symbols) {
    if (s.name == name && (kind.empty() || s.kind == kind)) return &s;
  }
  return nullptr;
}

// PATH with dir first, for a fake ctags that still finds cat and friends.
std::string path_with_first(const fs::path& dir) {
  const char* old = std::getenv("PATH");
  return dir.string() + ":" + (old ? old : "/usr/bin:/bin");
}

bool has_name(const std::vector<Symbol>& symbols, std::string_view name) {
  return find(symbols, name) != nullptr;
}

// name, kind, line, scope: the shape most assertions check.
void expect_symbol(const std::vector<Symbol>& symbols, std::string_view name, std::string_view kind, int line,
                   std::string_view scope) {
  const Symbol* s = find(symbols, name, kind);
  ASSERT_NE(s, nullptr) << name << " (" << kind << ") missing";
  EXPECT_EQ(s->line, line) << name;
  EXPECT_EQ(s->scope, scope) << name;
}

std::vector<Symbol> extract_one(const TempDir& dir, const std::string& path, const std::string& content) {
  write_file(dir.path() / path, content);
  auto r = extract_symbols(dir.path(), {path});
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : std::vector<Symbol>{};
}

TEST(Symbols, Cpp) {
  TempDir dir;
  auto symbols = extract_one(dir, "src/shape.cpp",
                             "#include <string>\n"                                                        // 1
                             "#define MAX_SIZE 10\n"                                                      // 2
                             "namespace geo {\n"                                                          // 3
                             "class Shape {\n"                                                            // 4
                             " public:\n"                                                                 // 5
                             "  virtual double area() const;\n"                                           // 6
                             "  int sides;\n"                                                             // 7
                             "};\n"                                                                       // 8
                             "struct Point { int x; int y; };\n"                                          // 9
                             "enum class Color { Red, Green };\n"                                         // 10
                             "typedef int Id;\n"                                                          // 11
                             "double Shape::area() const { return 0; }\n"                                 // 12
                             "int free_function(int a, char b) { struct Local { int v; }; return a; }\n"  // 13
                             "static int counter = 0;\n"                                                  // 14
                             "}\n"                                                                        // 15
                             "int main() { return 0; }\n");                                               // 16
  expect_symbol(symbols, "MAX_SIZE", "macro", 2, "");
  expect_symbol(symbols, "Shape", "class", 4, "geo");
  expect_symbol(symbols, "Point", "struct", 9, "geo");
  expect_symbol(symbols, "Color", "enum", 10, "geo");
  expect_symbol(symbols, "Id", "type", 11, "geo");
  expect_symbol(symbols, "area", "method", 12, "geo::Shape");
  expect_symbol(symbols, "free_function", "function", 13, "geo");
  expect_symbol(symbols, "counter", "variable", 14, "geo");
  expect_symbol(symbols, "main", "function", 16, "");
  EXPECT_EQ(find(symbols, "free_function")->signature, "(int a,char b)");
  EXPECT_EQ(find(symbols, "area")->signature, "() const");
  EXPECT_EQ(find(symbols, "Shape")->language, "C++");
  EXPECT_EQ(find(symbols, "Shape")->path, "src/shape.cpp");
  // Namespaces, fields and enumerators are not what anyone looks up.
  EXPECT_FALSE(has_name(symbols, "geo"));
  EXPECT_FALSE(has_name(symbols, "sides"));
  EXPECT_FALSE(has_name(symbols, "x"));
  EXPECT_FALSE(has_name(symbols, "Red"));
  EXPECT_FALSE(has_name(symbols, "Local"));  // local to free_function
  // Sorted by line within the file.
  EXPECT_TRUE(
      std::is_sorted(symbols.begin(), symbols.end(), [](const Symbol& a, const Symbol& b) { return a.line < b.line; }));
}

TEST(Symbols, CppHeaderDropsIncludeGuardsAndAnonymousNames) {
  TempDir dir;
  auto symbols = extract_one(dir, "foo.h",
                             "#ifndef FOO_BAR_H_\n"                     // 1
                             "#define FOO_BAR_H_\n"                     // 2
                             "#define MAX(a, b) ((a) > (b) ? a : b)\n"  // 3
                             "class Foo {\n"                            // 4
                             " public:\n"                               // 5
                             "  int baz() const { return 1; }\n"        // 6
                             "};\n"                                     // 7
                             "namespace {\n"                            // 8
                             "int helper(int x) { return x; }\n"        // 9
                             "}\n"                                      // 10
                             "typedef struct { int a; } Plain;\n"       // 11
                             "#endif\n");
  EXPECT_FALSE(has_name(symbols, "FOO_BAR_H_"));
  expect_symbol(symbols, "MAX", "macro", 3, "");
  EXPECT_EQ(find(symbols, "MAX")->signature, "(a,b)");
  expect_symbol(symbols, "Foo", "class", 4, "");
  expect_symbol(symbols, "baz", "method", 6, "Foo");
  expect_symbol(symbols, "helper", "function", 9, "(anonymous)");
  expect_symbol(symbols, "Plain", "type", 11, "");
  for (const auto& s : symbols) EXPECT_EQ(s.name.find("__anon"), std::string::npos) << s.name;
}

TEST(Symbols, Python) {
  TempDir dir;
  auto symbols = extract_one(dir, "pkg/animal.py",
                             "import os\n"                         // 1
                             "CONSTANT = 3\n"                      // 2
                             "class Animal:\n"                     // 3
                             "    legs = 4\n"                      // 4
                             "    def speak(self, loud=False):\n"  // 5
                             "        def inner():\n"              // 6
                             "            pass\n"                  // 7
                             "        return 'x'\n"                // 8
                             "def helper(a, b):\n"                 // 9
                             "    local = 1\n"                     // 10
                             "    return a\n");
  expect_symbol(symbols, "CONSTANT", "variable", 2, "");
  expect_symbol(symbols, "Animal", "class", 3, "");
  expect_symbol(symbols, "speak", "method", 5, "Animal");
  expect_symbol(symbols, "helper", "function", 9, "");
  EXPECT_EQ(find(symbols, "speak")->signature, "(self, loud=False)");
  EXPECT_EQ(find(symbols, "helper")->language, "Python");
  EXPECT_FALSE(has_name(symbols, "legs"));  // a class attribute
  EXPECT_FALSE(has_name(symbols, "local"));
  EXPECT_FALSE(has_name(symbols, "inner"));  // local to speak
  EXPECT_FALSE(has_name(symbols, "os"));
}

TEST(Symbols, Go) {
  TempDir dir;
  auto symbols = extract_one(dir, "cmd/server/main.go",
                             "package main\n"                              // 1
                             "\n"                                          // 2
                             "type Server struct {\n"                      // 3
                             "\tName string\n"                             // 4
                             "}\n"                                         // 5
                             "\n"                                          // 6
                             "type Handler interface {\n"                  // 7
                             "\tServe() error\n"                           // 8
                             "}\n"                                         // 9
                             "\n"                                          // 10
                             "const Version = \"1\"\n"                     // 11
                             "var count int\n"                             // 12
                             "\n"                                          // 13
                             "func (s *Server) Start(port int) error {\n"  // 14
                             "\treturn nil\n"                              // 15
                             "}\n"                                         // 16
                             "\n"                                          // 17
                             "func main() {}\n");                          // 18
  expect_symbol(symbols, "Server", "struct", 3, "main");
  expect_symbol(symbols, "Handler", "interface", 7, "main");
  expect_symbol(symbols, "Serve", "method", 8, "main.Handler");
  expect_symbol(symbols, "Version", "constant", 11, "main");
  expect_symbol(symbols, "count", "variable", 12, "main");
  expect_symbol(symbols, "Start", "method", 14, "main.Server");
  expect_symbol(symbols, "main", "function", 18, "main");
  EXPECT_EQ(find(symbols, "Start")->signature, "(port int)");
  EXPECT_FALSE(has_name(symbols, "Name"));               // a field
  EXPECT_EQ(find(symbols, "main", "package"), nullptr);  // the package clause
}

TEST(Symbols, Rust) {
  TempDir dir;
  auto symbols = extract_one(dir, "src/lib.rs",
                             "mod net;\n"                                        // 1
                             "pub struct Config { pub name: String }\n"          // 2
                             "pub enum Mode { A, B }\n"                          // 3
                             "pub trait Runner { fn run(&self) -> i32; }\n"      // 4
                             "impl Runner for Config {\n"                        // 5
                             "    fn run(&self) -> i32 { 0 }\n"                  // 6
                             "}\n"                                               // 7
                             "impl Config {\n"                                   // 8
                             "    pub fn new(name: &str) -> Self { todo!() }\n"  // 9
                             "}\n"                                               // 10
                             "pub fn top(x: i32) -> i32 { x }\n"                 // 11
                             "type Alias = i32;\n"                               // 12
                             "macro_rules! my_macro { () => {} }\n");            // 13
  expect_symbol(symbols, "net", "module", 1, "");
  expect_symbol(symbols, "Config", "struct", 2, "");
  expect_symbol(symbols, "Mode", "enum", 3, "");
  expect_symbol(symbols, "Runner", "trait", 4, "");
  expect_symbol(symbols, "new", "method", 9, "Config");
  expect_symbol(symbols, "top", "function", 11, "");
  expect_symbol(symbols, "Alias", "type", 12, "");
  expect_symbol(symbols, "my_macro", "macro", 13, "");
  EXPECT_EQ(find(symbols, "top")->signature, "(x: i32) -> i32");
  // run twice: declared in the trait, defined in the impl.
  int runs = 0;
  for (const auto& s : symbols) {
    if (s.name != "run") continue;
    ++runs;
    EXPECT_EQ(s.kind, "method");
    EXPECT_EQ(s.scope, s.line == 4 ? "Runner" : "Config");
  }
  EXPECT_EQ(runs, 2);
  // impl blocks are not separate symbols; the struct appears once.
  EXPECT_EQ(std::count_if(symbols.begin(), symbols.end(), [](const Symbol& s) { return s.name == "Config"; }), 1);
  EXPECT_FALSE(has_name(symbols, "A"));  // enum variant
}

TEST(Symbols, JavaScriptAndTypeScript) {
  TempDir dir;
  write_file(dir.path() / "web/widget.js",
             "class Widget {\n"                                     // 1
             "  constructor(name) { this.name = name; }\n"          // 2
             "  render() { return 1; }\n"                           // 3
             "}\n"                                                  // 4
             "function build(opts) { return new Widget(opts); }\n"  // 5
             "var old = 1;\n"                                       // 6
             "setTimeout(function() { return 1; }, 10);\n");        // 7
  write_file(dir.path() / "web/service.ts",
             "export interface User { id: number; name: string; }\n"           // 1
             "export type Id = string;\n"                                      // 2
             "export enum Role { Admin, Guest }\n"                             // 3
             "export class Service {\n"                                        // 4
             "  private users: User[] = [];\n"                                 // 5
             "  find(id: number): User | undefined { return undefined; }\n"    // 6
             "}\n"                                                             // 7
             "export function hello(name: string): string { return name; }\n"  // 8
             "namespace NS { export const z = 1; }\n");                        // 9
  auto r = extract_symbols(dir.path(), {"web/widget.js", "web/service.ts"});
  ASSERT_TRUE(r) << r.error().message;
  const auto& symbols = *r;

  expect_symbol(symbols, "Widget", "class", 1, "");
  expect_symbol(symbols, "constructor", "method", 2, "Widget");
  expect_symbol(symbols, "render", "method", 3, "Widget");
  expect_symbol(symbols, "build", "function", 5, "");
  expect_symbol(symbols, "old", "variable", 6, "");
  EXPECT_EQ(find(symbols, "build")->language, "JavaScript");
  for (const auto& s : symbols) EXPECT_EQ(s.name.find("Anonymous"), std::string::npos) << s.name;

  expect_symbol(symbols, "User", "interface", 1, "");
  expect_symbol(symbols, "Id", "type", 2, "");
  expect_symbol(symbols, "Role", "enum", 3, "");
  expect_symbol(symbols, "Service", "class", 4, "");
  expect_symbol(symbols, "find", "method", 6, "Service");
  expect_symbol(symbols, "hello", "function", 8, "");
  EXPECT_EQ(find(symbols, "hello")->language, "TypeScript");
  EXPECT_EQ(find(symbols, "hello")->path, "web/service.ts");
  EXPECT_FALSE(has_name(symbols, "users"));  // a property
  EXPECT_FALSE(has_name(symbols, "NS"));     // a namespace, only the scope of what it holds
  expect_symbol(symbols, "z", "constant", 9, "NS");
}

TEST(Symbols, Java) {
  TempDir dir;
  auto symbols = extract_one(dir, "src/main/java/com/example/A.java",
                             "package com.example;\n"                                // 1
                             "import java.util.List;\n"                              // 2
                             "public class A {\n"                                    // 3
                             "    private int count;\n"                              // 4
                             "    public A() {}\n"                                   // 5
                             "    public int add(int x, int y) { return x + y; }\n"  // 6
                             "    interface Inner { void go(); }\n"                  // 7
                             "    enum E { X, Y }\n"                                 // 8
                             "    public static void main(String[] args) {}\n"       // 9
                             "}\n");
  expect_symbol(symbols, "A", "class", 3, "");
  expect_symbol(symbols, "A", "method", 5, "A");  // the constructor
  expect_symbol(symbols, "add", "method", 6, "A");
  expect_symbol(symbols, "Inner", "interface", 7, "A");
  expect_symbol(symbols, "go", "method", 7, "A.Inner");
  expect_symbol(symbols, "E", "enum", 8, "A");
  expect_symbol(symbols, "main", "method", 9, "A");
  EXPECT_EQ(find(symbols, "add")->signature, "(int x, int y)");
  EXPECT_EQ(find(symbols, "A")->language, "Java");
  EXPECT_FALSE(has_name(symbols, "com.example"));
  EXPECT_FALSE(has_name(symbols, "count"));
  EXPECT_FALSE(has_name(symbols, "X"));
}

// ctags reads its file list as options when a line starts with '-'; such a
// path must still be a file, and must not change how ctags runs.
TEST(Symbols, PathsThatLookLikeOptions) {
  TempDir dir;
  write_file(dir.path() / "-dash.c", "int dashed(void) { return 0; }\n");
  write_file(dir.path() / "--output-format=etags", "int not_an_option(void) { return 0; }\n");
  write_file(dir.path() / "sub dir/ lead.py", "def spaced():\n    pass\n");
  auto r = extract_symbols(dir.path(), {"-dash.c", "--output-format=etags", "sub dir/ lead.py"});
  ASSERT_TRUE(r) << r.error().message;
  expect_symbol(*r, "dashed", "function", 1, "");
  EXPECT_EQ(find(*r, "dashed")->path, "-dash.c");
  expect_symbol(*r, "spaced", "function", 1, "");
  EXPECT_EQ(find(*r, "spaced")->path, "sub dir/ lead.py");
  // The "--output-format=etags" file has no known extension: no symbols, and
  // the output stayed JSON (the other files parsed).
  EXPECT_FALSE(has_name(*r, "not_an_option"));
}

TEST(Symbols, PathsOutsideTheRepositoryAreNotPassed) {
  TempDir outer;
  write_file(outer.path() / "secret.c", "int secret(void) { return 0; }\n");
  write_file(outer.path() / "repo/ok.c", "int ok(void) { return 0; }\n");
  auto r = extract_symbols(outer.path() / "repo",
                           {"../secret.c", (outer.path() / "secret.c").string(), "ok.c", "bad\nname.c", "trailing.c "});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "ok");
}

TEST(Symbols, ManyFilesRunInBatches) {
  TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 2100; ++i) {
    std::string path = "f/file" + std::to_string(i) + ".py";
    write_file(dir.path() / path, "def fn" + std::to_string(i) + "():\n    pass\n");
    paths.push_back(path);
  }
  auto r = extract_symbols(dir.path(), paths);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), 2100u);
  EXPECT_TRUE(has_name(*r, "fn0"));
  EXPECT_TRUE(has_name(*r, "fn2099"));
}

TEST(Symbols, NoFilesNeedsNoCtags) {
  ScopedPath path("");
  auto r = extract_symbols(fs::temp_directory_path(), {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(Symbols, MissingCtagsIsAnError) {
  TempDir dir;
  write_file(dir.path() / "a.c", "int f(void) { return 0; }\n");
  ScopedPath path((dir.path() / "empty-bin").string());
  auto r = extract_symbols(dir.path(), {"a.c"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(r.error().message, "universal-ctags is not installed (Debian package universal-ctags)");
}

// A ctags in the current directory (or anywhere relative) is never run: it
// would be resolved inside the repository, where ctags starts.
TEST(Symbols, RelativePathEntriesAreIgnored) {
  TempDir dir;
  write_script(dir.path() / "ctags", "#!/bin/sh\nexit 0\n");
  write_script(dir.path() / "bin/ctags", "#!/bin/sh\nexit 0\n");
  write_file(dir.path() / "a.c", "int f(void) { return 0; }\n");
  fs::path old_cwd = fs::current_path();
  fs::current_path(dir.path());
  for (const char* path_value : {"", ".", ":", "bin", "./bin"}) {
    ScopedPath path(path_value);
    auto r = extract_symbols(dir.path(), {"a.c"});
    ASSERT_FALSE(r) << "PATH=" << path_value;
    EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
  }
  fs::current_path(old_cwd);
}

// A fake ctags first on PATH shows what the real one is given.
TEST(Symbols, RunsCtagsWithoutAShellInTheRepository) {
  TempDir dir;
  fs::path bin = dir.path() / "bin";
  fs::path record = dir.path() / "record";
  write_script(bin / "ctags",
               "#!/bin/sh\n"
               "pwd > '" +
                   record.string() +
                   ".cwd'\n"
                   "printf '%s\\n' \"$@\" > '" +
                   record.string() +
                   ".args'\n"
                   "cat > '" +
                   record.string() +
                   ".stdin'\n"
                   "echo '{\"_type\": \"ptag\", \"name\": \"JSON_OUTPUT_VERSION\"}'\n"
                   "echo 'not json at all'\n"
                   "echo '{\"_type\": \"tag\", \"name\": \"f\", \"path\": \"./$x.c\", \"language\": \"C\", "
                   "\"line\": 3, \"kind\": \"function\", \"signature\": \"(void)\"}'\n"
                   "echo '{\"_type\": \"tag\", \"name\": \"nolines\", \"path\": \"./a.c\", \"kind\": \"function\"}'\n");
  fs::path repo = dir.path() / "repo";
  fs::create_directories(repo);
  ScopedPath path(path_with_first(bin));
  auto r = extract_symbols(repo, {"$x.c", "-rf.c"});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "f");
  EXPECT_EQ((*r)[0].path, "$x.c");  // no shell expanded it
  EXPECT_EQ((*r)[0].line, 3);
  EXPECT_EQ((*r)[0].signature, "(void)");

  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(slurp(record.string() + ".cwd"), fs::canonical(repo).string() + "\n");
  EXPECT_EQ(slurp(record.string() + ".stdin"), "./$x.c\n./-rf.c\n");
  std::string args = slurp(record.string() + ".args");
  EXPECT_EQ(args.rfind("--options=NONE\n", 0), 0u) << args;
  EXPECT_NE(args.find("--output-format=json\n"), std::string::npos);
  EXPECT_NE(args.find("-L\n-\n"), std::string::npos);
}

TEST(Symbols, CtagsFailureIsAnError) {
  TempDir dir;
  fs::path bin = dir.path() / "bin";
  write_script(bin / "ctags",
               "#!/bin/sh\n"
               "cat > /dev/null\n"
               "echo 'ctags: Notice: No options will be read from files or environment' >&2\n"
               "echo 'ctags: cannot parse things' >&2\n"
               "exit 3\n");
  write_file(dir.path() / "a.c", "int f(void) { return 0; }\n");
  ScopedPath path(path_with_first(bin));
  auto r = extract_symbols(dir.path(), {"a.c"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "ctags exited with status 3: ctags: cannot parse things");
}

TEST(Symbols, ExuberantCtagsIsRecognised) {
  TempDir dir;
  fs::path bin = dir.path() / "bin";
  write_script(bin / "ctags",
               "#!/bin/sh\n"
               "echo 'ctags: Unknown option: --output-format' >&2\n"
               "exit 1\n");
  write_file(dir.path() / "a.c", "int f(void) { return 0; }\n");
  ScopedPath path(path_with_first(bin));
  auto r = extract_symbols(dir.path(), {"a.c"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
  EXPECT_NE(r.error().message.find("universal-ctags"), std::string::npos);
}

TEST(Symbols, MissingRepositoryRootIsAnError) {
  auto r = extract_symbols("/nonexistent/devagent/repo", {"a.c"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace devagent::code
