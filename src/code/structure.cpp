// A repository's shape from its file list, and its README's title and first
// paragraph.
//
// analyze_structure makes one pass over the file list, classifying each path
// by name alone, and reads only the few manifests that name entry points
// (package.json, Cargo.toml, pyproject.toml, setup.py, setup.cfg) and the
// Java/Kotlin classes whose name promises a main method. Anything under a
// vendored directory (node_modules, vendor, third_party, ...) is counted in
// the layout and otherwise ignored, so a bundled library's Makefile does not
// make the project a Make project.
#include "code/structure.h"

#include "core/json.h"
#include "core/text.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <string_view>
#include <unordered_set>

namespace devagent::code {
namespace {

using Reader = std::function<std::optional<std::string>(const std::string&)>;

constexpr std::size_t kMaxEntryPoints = 100;
constexpr std::size_t kMaxTestDirs = 50;
constexpr int kMaxManifestReads = 40;
constexpr int kMaxClassReads = 40;
constexpr std::size_t kMaxParagraphBytes = 600;

// --- Names ----------------------------------------------------------------

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "readme", "readme.md", "readme-dev.txt" all have the stem "readme".
bool has_stem(std::string_view lname, std::string_view stem) {
  if (!starts_with(lname, stem)) return false;
  if (lname.size() == stem.size()) return true;
  char next = lname[stem.size()];
  return next == '.' || next == '-' || next == '_';
}

std::string_view extension(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot + 1);
}

struct PathView {
  std::string_view path;
  std::string_view dir;  // "" at the root
  std::string_view name;
  int depth = 0;  // directories above the file
};

PathView split(std::string_view path) {
  PathView v;
  v.path = path;
  auto slash = path.rfind('/');
  v.dir = slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
  v.name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  v.depth = static_cast<int>(std::count(path.begin(), path.end(), '/'));
  return v;
}

std::string join(std::string_view dir, std::string_view rel) {
  while (starts_with(rel, "./")) rel.remove_prefix(2);
  if (dir.empty()) return std::string(rel);
  return std::string(dir) + "/" + std::string(rel);
}

const std::set<std::string, std::less<>>& vendor_dirs() {
  static const std::set<std::string, std::less<>> s = {
      "node_modules", "vendor", "third_party",      "third-party", "thirdparty",    "3rdparty", "external",
      "extern",       "deps",   "bower_components", ".git",        "site-packages", ".venv",    "venv"};
  return s;
}

const std::set<std::string, std::less<>>& test_dir_names() {
  static const std::set<std::string, std::less<>> s = {"test", "tests", "spec", "specs", "__tests__", "e2e"};
  return s;
}

const std::set<std::string, std::less<>>& example_dir_names() {
  static const std::set<std::string, std::less<>> s = {"example", "examples", "sample", "samples", "demo", "demos"};
  return s;
}

// Where a test directory's data lives; its files are not tests.
const std::set<std::string, std::less<>>& fixture_dir_names() {
  static const std::set<std::string, std::less<>> s = {"fixtures",  "fixture", "testdata", "__snapshots__",
                                                       "snapshots", "data",    "resources"};
  return s;
}

// Extensions of source code (test helpers under tests/ count as tests).
bool is_code_extension(std::string_view ext) {
  static const std::set<std::string, std::less<>> s = {
      "c",  "cc",  "cpp",   "cxx",  "h",   "hh",  "hpp",    "hxx", "go",   "rs",    "py",    "pyi",
      "js", "jsx", "mjs",   "cjs",  "ts",  "tsx", "java",   "kt",  "kts",  "scala", "rb",    "php",
      "cs", "fs",  "swift", "m",    "mm",  "ex",  "exs",    "erl", "hs",   "ml",    "lua",   "pl",
      "pm", "r",   "jl",    "dart", "zig", "clj", "groovy", "sh",  "bash", "vue",   "svelte"};
  return s.count(ascii_lower(ext)) > 0;
}

// The conventional names of test files across ecosystems.
bool is_test_file_name(std::string_view name) {
  std::string l = ascii_lower(name);
  std::string_view ext = extension(l);
  std::string_view stem = std::string_view(l).substr(0, l.size() - (ext.empty() ? 0 : ext.size() + 1));
  if (ext == "py") return starts_with(stem, "test_") || ends_with(stem, "_test");
  if (ext == "go") return ends_with(stem, "_test");
  if (ext == "js" || ext == "jsx" || ext == "ts" || ext == "tsx" || ext == "mjs" || ext == "cjs") {
    return ends_with(stem, ".test") || ends_with(stem, ".spec");
  }
  if (ext == "java" || ext == "kt" || ext == "scala" || ext == "groovy") {
    // Case matters: FooTest.java, FooTests.java, FooIT.java; not Contest.java.
    std::string_view n = name.substr(0, name.size() - ext.size() - 1);
    return ends_with(n, "Test") || ends_with(n, "Tests") || ends_with(n, "IT") || ends_with(n, "Spec");
  }
  if (ext == "c" || ext == "cc" || ext == "cpp" || ext == "cxx") {
    return ends_with(stem, "_test") || ends_with(stem, "_unittest") || starts_with(stem, "test_");
  }
  if (ext == "rb") return ends_with(stem, "_spec") || ends_with(stem, "_test") || starts_with(stem, "test_");
  if (ext == "php" || ext == "cs" || ext == "swift") {
    std::string_view n = name.substr(0, name.size() - ext.size() - 1);
    return ends_with(n, "Test") || ends_with(n, "Tests");
  }
  if (ext == "exs") return ends_with(stem, "_test");
  if (ext == "rs") return ends_with(stem, "_test") || ends_with(stem, "_tests");
  return false;
}

// --- Top-level roles --------------------------------------------------------

std::string dir_role(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> roles = {
      {"src", "source"},      {"source", "source"},        {"sources", "source"}, {"lib", "source"},
      {"libs", "source"},     {"app", "source"},           {"apps", "source"},    {"pkg", "source"},
      {"cmd", "source"},      {"internal", "source"},      {"include", "source"}, {"crates", "source"},
      {"packages", "source"}, {"test", "tests"},           {"tests", "tests"},    {"spec", "tests"},
      {"specs", "tests"},     {"__tests__", "tests"},      {"e2e", "tests"},      {"docs", "docs"},
      {"doc", "docs"},        {"documentation", "docs"},   {".github", "ci"},     {".gitlab", "ci"},
      {"ci", "ci"},           {".circleci", "ci"},         {".buildkite", "ci"},  {"build", "build"},
      {"scripts", "build"},   {"script", "build"},         {"cmake", "build"},    {"tools", "build"},
      {"config", "config"},   {"configs", "config"},       {"conf", "config"},    {"etc", "config"},
      {".vscode", "config"},  {".devcontainer", "config"}, {".idea", "config"},
  };
  auto it = roles.find(ascii_lower(name));
  return it == roles.end() ? "" : it->second;
}

// --- Build systems ----------------------------------------------------------

// In the order they are reported.
constexpr std::array kBuildSystems = {
    "CMake", "Meson", "Bazel",      "Make",    "Autotools",    "SCons",        "npm",        "Yarn",     "pnpm",
    "Bun",   "Cargo", "Go modules", "Maven",   "Gradle",       "sbt",          "setuptools", "Poetry",   "Hatch",
    "Flit",  "PDM",   "uv",         "maturin", "scikit-build", "meson-python", "Bundler",    "Composer", "Mix",
    "Cabal", "Stack", "SwiftPM",    ".NET",    "Zig",          "Conan",        "vcpkg",      "Docker"};

// The build system a file name alone shows; "" when none. package.json and
// pyproject.toml are decided later (lockfiles, build backend).
std::string_view build_system_of(std::string_view lname) {
  static const std::map<std::string, std::string_view, std::less<>> by_name = {
      {"cmakelists.txt", "CMake"},   {"meson.build", "Meson"},
      {"workspace", "Bazel"},        {"workspace.bazel", "Bazel"},
      {"module.bazel", "Bazel"},     {"build.bazel", "Bazel"},
      {"makefile", "Make"},          {"gnumakefile", "Make"},
      {"configure.ac", "Autotools"}, {"configure.in", "Autotools"},
      {"makefile.am", "Autotools"},  {"sconstruct", "SCons"},
      {"sconscript", "SCons"},       {"cargo.toml", "Cargo"},
      {"go.mod", "Go modules"},      {"pom.xml", "Maven"},
      {"build.gradle", "Gradle"},    {"build.gradle.kts", "Gradle"},
      {"settings.gradle", "Gradle"}, {"settings.gradle.kts", "Gradle"},
      {"build.sbt", "sbt"},          {"setup.py", "setuptools"},
      {"setup.cfg", "setuptools"},   {"gemfile", "Bundler"},
      {"composer.json", "Composer"}, {"mix.exs", "Mix"},
      {"stack.yaml", "Stack"},       {"package.swift", "SwiftPM"},
      {"build.zig", "Zig"},          {"conanfile.txt", "Conan"},
      {"conanfile.py", "Conan"},     {"vcpkg.json", "vcpkg"},
      {"dockerfile", "Docker"},      {"containerfile", "Docker"},
  };
  auto it = by_name.find(lname);
  if (it != by_name.end()) return it->second;
  std::string_view ext = extension(lname);
  if (ext == "cabal") return "Cabal";
  if (ext == "sln" || ext == "csproj" || ext == "fsproj" || ext == "vbproj") return ".NET";
  if (starts_with(lname, "dockerfile.") || ends_with(lname, ".dockerfile")) return "Docker";
  return {};
}

// The build tool a pyproject.toml declares.
std::string_view python_build_system(const toml::table& pyproject) {
  static const std::vector<std::pair<std::string_view, std::string_view>> backends = {
      {"setuptools", "setuptools"},
      {"poetry", "Poetry"},
      {"hatchling", "Hatch"},
      {"flit", "Flit"},
      {"pdm", "PDM"},
      {"uv_build", "uv"},
      {"maturin", "maturin"},
      {"scikit_build", "scikit-build"},
      {"mesonpy", "meson-python"},
  };
  if (auto backend = pyproject["build-system"]["build-backend"].value<std::string>()) {
    for (const auto& [prefix, name] : backends) {
      if (starts_with(*backend, prefix)) return name;
    }
    return {};
  }
  if (pyproject["tool"]["poetry"].is_table()) return "Poetry";
  // PEP 517: no build-system table means setuptools.
  if (pyproject["project"].is_table()) return "setuptools";
  return {};
}

// --- Docs, CI, license ------------------------------------------------------

// README, README.md, README.de.md, CHANGELOG.rst: text, never code (history.py).
bool is_doc_file(std::string_view lname) {
  static const std::array stems = {"readme",  "contributing", "changelog",       "changes",
                                   "history", "news",         "code_of_conduct", "security"};
  static const std::set<std::string, std::less<>> text_extensions = {
      "", "md", "markdown", "mdown", "mkd", "rst", "txt", "adoc", "asciidoc", "org", "rdoc", "textile"};
  if (!text_extensions.count(extension(lname))) return false;
  return std::any_of(stems.begin(), stems.end(), [&](const char* s) { return has_stem(lname, s); });
}

bool is_docs_dir(std::string_view lname) {
  return lname == "docs" || lname == "doc" || lname == "documentation";
}

bool is_ci_file(const PathView& p, std::string_view lname) {
  std::string_view ext = extension(lname);
  bool yaml = ext == "yml" || ext == "yaml";
  if (p.depth == 0) {
    static const std::set<std::string, std::less<>> root = {
        ".gitlab-ci.yml", "jenkinsfile", "azure-pipelines.yml",     "azure-pipelines.yaml",
        ".travis.yml",    ".drone.yml",  "bitbucket-pipelines.yml", "appveyor.yml",
        ".appveyor.yml",  ".cirrus.yml", ".woodpecker.yml"};
    return root.count(lname) > 0;
  }
  if (p.dir == ".github/workflows") return yaml;
  if (p.dir == ".circleci") return lname == "config.yml";
  if (p.dir == ".buildkite") return yaml;
  return false;
}

// 0 for LICENSE itself, 1 for COPYING, 2 for LICENSE-MIT and the like; -1 when
// not a license.
int license_rank(std::string_view lname) {
  if (is_code_extension(extension(lname))) return -1;  // license.py is code about licenses
  if (lname == "license" || lname == "licence" || starts_with(lname, "license.") || starts_with(lname, "licence.")) {
    return 0;
  }
  if (has_stem(lname, "copying") || has_stem(lname, "unlicense")) return 1;
  if (has_stem(lname, "license") || has_stem(lname, "licence")) return 2;
  return -1;
}

std::string file_role(const PathView& p, std::string_view lname) {
  if (license_rank(lname) >= 0) return "";
  if (is_doc_file(lname) || ends_with(lname, ".md") || ends_with(lname, ".rst")) return "docs";
  if (is_ci_file(p, lname)) return "ci";
  if (!build_system_of(lname).empty() || lname == "package.json" || lname == "pyproject.toml" ||
      ends_with(lname, ".lock") || lname == "package-lock.json" || lname == "pnpm-lock.yaml" || lname == "go.sum") {
    return "build";
  }
  std::string_view ext = extension(lname);
  if (lname.front() == '.' || ext == "toml" || ext == "ini" || ext == "cfg" || ext == "conf" || ext == "yml" ||
      ext == "yaml" || ext == "env" || lname.find("config.") != std::string::npos) {
    return "config";
  }
  if (is_code_extension(ext)) return "source";
  return "";
}

// --- Entry points -----------------------------------------------------------

// The entry points a file's name alone shows.
bool is_conventional_entry(const PathView& p, std::string_view lname) {
  static const std::set<std::string, std::less<>> anywhere = {"main.c",  "main.cc",     "main.cpp",  "main.cxx",
                                                              "main.go", "__main__.py", "program.cs"};
  if (anywhere.count(lname)) return true;
  if (p.name == "main.rs") return ends_with(p.dir, "src") || p.dir.find("src/bin") != std::string_view::npos;
  if (extension(lname) == "rs" && (p.dir == "src/bin" || ends_with(p.dir, "/src/bin"))) return true;
  if (lname == "manage.py" || lname == "app.py") return p.depth <= 1;
  if (lname == "wsgi.py" || lname == "asgi.py") return p.depth <= 2;
  if (p.depth == 0) {
    static const std::set<std::string, std::less<>> root_js = {"index.js",  "index.mjs",  "index.cjs", "index.ts",
                                                               "server.js", "server.mjs", "server.ts", "app.js",
                                                               "app.mjs",   "app.ts",     "main.js",   "main.ts"};
    return root_js.count(lname) > 0;
  }
  return false;
}

// Java/Kotlin classes that usually hold main; confirmed by reading them.
bool is_jvm_main_candidate(std::string_view name) {
  return name == "Main.java" || name == "Main.kt" || ends_with(name, "Application.java") ||
         ends_with(name, "Application.kt");
}

// "public static void main(String[] args)", "fun main(": a declared main.
bool has_jvm_main(std::string_view name, std::string_view content) {
  if (ends_with(name, ".kt")) return content.find("fun main(") != std::string_view::npos;
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  for (auto at = content.find("main"); at != std::string_view::npos; at = content.find("main", at + 4)) {
    std::size_t after = at + 4;
    while (after < content.size() && space(content[after])) ++after;
    if (after >= content.size() || content[after] != '(') continue;
    // The declaration before it, back to the previous statement or brace.
    std::size_t begin = content.find_last_of(";{}", at);
    std::string_view decl = content.substr(begin == std::string_view::npos ? 0 : begin + 1,
                                           at - (begin == std::string_view::npos ? 0 : begin + 1));
    std::string_view before = decl;
    while (!before.empty() && space(before.back())) before.remove_suffix(1);
    if (!ends_with(before, "void")) continue;
    if (decl.find("static") != std::string_view::npos) return true;
  }
  return false;
}

// Everything analyze_structure learns in its one pass over the files.
class StructureScan {
 public:
  explicit StructureScan(const Reader& read) : read_(read) {}

  void add(const FileEntry& file);
  Structure finish();

 private:
  void count_top_level(const PathView& p);
  // dirs: the file's directories, lower-cased.
  void note_tests(const PathView& p, const std::vector<std::string>& dirs);
  void add_entry(std::string path);
  // The repository file a manifest's relative path names, if it exists.
  std::optional<std::string> resolve(std::string_view dir, std::string_view rel) const;
  std::optional<std::string> resolve_js(std::string_view dir, std::string_view rel) const;
  std::optional<std::string> resolve_python_module(std::string_view dir, std::string_view module) const;
  std::optional<std::string> read(const std::string& path, int& budget) const;
  void read_package_json(const std::string& path);
  void read_cargo_toml(const std::string& path);
  void read_pyproject(const std::string& path);
  void read_setup_script(const std::string& path);

  const Reader& read_;
  std::unordered_set<std::string_view> paths_;  // views into the caller's FileEntry list
  std::map<std::string, TopLevelEntry> top_dirs_;
  std::map<std::string, TopLevelEntry> top_files_;
  std::set<std::string> build_;
  std::vector<std::string> entries_;
  std::set<std::string> entry_set_;
  std::set<std::string> test_dirs_;
  std::int64_t test_files_ = 0;
  std::vector<std::string> readmes_;
  std::set<std::string> other_docs_;
  std::set<std::string> doc_dirs_;
  std::set<std::string> ci_;
  std::string license_;
  int license_rank_ = 99;
  std::set<std::string> lockfiles_;  // lower-case names of JS lockfiles seen
  bool has_package_json_ = false;
  std::vector<std::string> package_jsons_, cargo_tomls_, pyprojects_, setup_scripts_, jvm_candidates_;
  mutable int manifest_reads_ = kMaxManifestReads;
  mutable int class_reads_ = kMaxClassReads;
};

void StructureScan::count_top_level(const PathView& p) {
  auto slash = p.path.find('/');
  if (slash == std::string_view::npos) {
    auto& e = top_files_[std::string(p.path)];
    e.name = p.path;
    e.directory = false;
    e.files = 1;
    e.role = file_role(p, ascii_lower(p.name));
    return;
  }
  std::string name(p.path.substr(0, slash));
  auto [it, inserted] = top_dirs_.try_emplace(name);
  if (inserted) {
    it->second.name = name;
    it->second.directory = true;
    it->second.role = dir_role(name);
  }
  ++it->second.files;
}

void StructureScan::note_tests(const PathView& p, const std::vector<std::string>& dirs) {
  // The outermost test directory holds the file; files in its fixtures are data.
  std::size_t offset = 0;
  std::optional<std::size_t> test_at;
  bool fixture = false;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    const std::string& l = dirs[i];
    if (!test_at && test_dir_names().count(l)) {
      test_at = i;
      if (test_dirs_.size() < kMaxTestDirs) test_dirs_.insert(std::string(p.path.substr(0, offset + dirs[i].size())));
    } else if (test_at && fixture_dir_names().count(l)) {
      fixture = true;
    }
    offset += dirs[i].size() + 1;
  }
  if (is_test_file_name(p.name) || (test_at && !fixture && is_code_extension(extension(p.name)))) ++test_files_;
}

void StructureScan::add(const FileEntry& file) {
  PathView p = split(file.path);
  if (p.name.empty()) return;
  paths_.insert(p.path);
  count_top_level(p);

  std::vector<std::string> dirs;  // lower-cased
  bool vendored = false, in_tests = false, in_examples = false;
  for (std::string_view rest = p.dir; !rest.empty();) {
    auto slash = rest.find('/');
    const std::string& l = dirs.emplace_back(ascii_lower(rest.substr(0, slash)));
    vendored = vendored || vendor_dirs().count(l) > 0;
    in_tests = in_tests || test_dir_names().count(l) > 0;
    in_examples = in_examples || example_dir_names().count(l) > 0;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (vendored) return;

  std::string lname = ascii_lower(p.name);
  note_tests(p, dirs);

  // Docs: README and friends at the root (CONTRIBUTING and the like also in
  // .github/), and the top-level docs directory.
  if (is_doc_file(lname) && (p.depth == 0 || p.dir == ".github" || p.dir == ".gitlab")) {
    if (p.depth == 0 && has_stem(lname, "readme")) {
      readmes_.emplace_back(p.path);
    } else {
      other_docs_.emplace(p.path);
    }
  }
  if (!dirs.empty() && is_docs_dir(dirs[0])) doc_dirs_.insert(std::string(p.path.substr(0, p.path.find('/'))) + "/");

  if (is_ci_file(p, lname)) ci_.emplace(p.path);

  if (p.depth == 0) {
    int rank = license_rank(lname);
    if (rank >= 0 && (rank < license_rank_ || (rank == license_rank_ && p.path < license_))) {
      license_rank_ = rank;
      license_ = p.path;
    }
  }

  // Build systems: the root and one level below (a monorepo's backend/ and
  // web/), never from tests or examples.
  if (p.depth <= 1 && !in_tests && !in_examples) {
    if (auto b = build_system_of(lname); !b.empty()) build_.emplace(b);
    if (lname == "package.json") has_package_json_ = true;
    if (lname == "yarn.lock" || lname == "pnpm-lock.yaml" || lname == "package-lock.json" ||
        lname == "npm-shrinkwrap.json" || lname == "bun.lockb" || lname == "bun.lock") {
      lockfiles_.insert(lname);
    }
    if (lname == "cargo.toml") cargo_tomls_.emplace_back(p.path);
    if (lname == "pyproject.toml") pyprojects_.emplace_back(p.path);
    if (lname == "setup.py" || lname == "setup.cfg") setup_scripts_.emplace_back(p.path);
  }
  // Workspaces keep their packages one level deeper (packages/foo/package.json).
  if (lname == "package.json" && p.depth <= 2 && !in_tests && !in_examples) package_jsons_.emplace_back(p.path);

  if (in_tests || in_examples) return;
  if (is_conventional_entry(p, lname)) add_entry(std::string(p.path));
  if (is_jvm_main_candidate(p.name)) jvm_candidates_.emplace_back(p.path);
}

void StructureScan::add_entry(std::string path) {
  if (entry_set_.size() >= kMaxEntryPoints) return;
  if (entry_set_.insert(path).second) entries_.push_back(std::move(path));
}

std::optional<std::string> StructureScan::resolve(std::string_view dir, std::string_view rel) const {
  if (rel.empty() || rel.front() == '/' || rel.find("..") != std::string_view::npos) return std::nullopt;
  std::string path = join(dir, rel);
  if (paths_.count(path)) return path;
  return std::nullopt;
}

// A package.json path: as written, with .js or /index.js added, or the
// TypeScript source of a compiled file (dist/cli.js → src/cli.ts).
std::optional<std::string> StructureScan::resolve_js(std::string_view dir, std::string_view rel) const {
  while (starts_with(rel, "./")) rel.remove_prefix(2);
  std::string r(rel);
  for (const std::string& candidate : {r, r + ".js", r + "/index.js"}) {
    if (auto found = resolve(dir, candidate)) return found;
  }
  static const std::regex compiled(R"(^(dist|lib|build|out)/(.*?)(\.m?js|\.cjs)?$)");
  std::smatch m;
  if (std::regex_match(r, m, compiled)) {
    for (const char* ext : {".ts", ".tsx", ".mts", ".js"}) {
      if (auto found = resolve(dir, "src/" + m[2].str() + ext)) return found;
    }
  }
  return std::nullopt;
}

// "pkg.cli" → pkg/cli.py, pkg/cli/__init__.py, or the same under src/.
std::optional<std::string> StructureScan::resolve_python_module(std::string_view dir, std::string_view module) const {
  std::string rel(module);
  std::replace(rel.begin(), rel.end(), '.', '/');
  for (const char* base : {"", "src/"}) {
    for (const char* suffix : {".py", "/__main__.py", "/__init__.py"}) {
      if (auto found = resolve(dir, std::string(base) + rel + suffix)) return found;
    }
  }
  return std::nullopt;
}

std::optional<std::string> StructureScan::read(const std::string& path, int& budget) const {
  if (budget <= 0 || !read_) return std::nullopt;
  --budget;
  return read_(path);
}

void StructureScan::read_package_json(const std::string& path) {
  auto text = read(path, manifest_reads_);
  if (!text) return;
  auto parsed = json::parse(*text, 32);
  if (!parsed || !parsed->is_object()) return;
  const auto& o = parsed->as_object();
  std::string_view dir = split(path).dir;

  if (auto main = json::string_or(o, "main"); !main.empty()) {
    if (auto found = resolve_js(dir, main)) add_entry(*found);
  }
  if (const auto* bin = o.if_contains("bin")) {
    if (bin->is_string()) {
      if (auto found = resolve_js(dir, bin->as_string())) add_entry(*found);
    } else if (bin->is_object()) {
      for (const auto& [name, target] : bin->as_object()) {
        if (!target.is_string()) continue;
        if (auto found = resolve_js(dir, target.as_string())) add_entry(*found);
      }
    }
  }
  // "start": "node server.js" names its file; "react-scripts start" names none.
  if (const auto* scripts = o.if_contains("scripts"); scripts && scripts->is_object()) {
    std::string start = json::string_or(scripts->as_object(), "start");
    static const std::regex file(R"((?:^|\s)(\.?/?[\w./-]+\.(?:js|mjs|cjs|ts))(?=\s|$))");
    for (std::sregex_iterator it(start.begin(), start.end(), file), end; it != end; ++it) {
      if (auto found = resolve(dir, (*it)[1].str())) add_entry(*found);
    }
  }
}

void StructureScan::read_cargo_toml(const std::string& path) {
  auto text = read(path, manifest_reads_);
  if (!text) return;
  toml::table cargo;
  try {
    cargo = toml::parse(*text);
  } catch (const toml::parse_error&) {
    return;
  }
  std::string_view dir = split(path).dir;
  const auto* bins = cargo["bin"].as_array();
  if (!bins) return;
  for (const auto& bin : *bins) {
    const auto* t = bin.as_table();
    if (!t) continue;
    if (auto p = (*t)["path"].value<std::string>()) {
      if (auto found = resolve(dir, *p)) add_entry(*found);
    } else if (auto name = (*t)["name"].value<std::string>()) {
      if (auto found = resolve(dir, "src/bin/" + *name + ".rs")) add_entry(*found);
    }
  }
}

void StructureScan::read_pyproject(const std::string& path) {
  auto text = read(path, manifest_reads_);
  if (!text) return;
  toml::table pyproject;
  try {
    pyproject = toml::parse(*text);
  } catch (const toml::parse_error&) {
    return;
  }
  if (auto b = python_build_system(pyproject); !b.empty()) build_.emplace(b);

  std::string_view dir = split(path).dir;
  auto add_scripts = [&](const toml::node_view<toml::node>& table) {
    const auto* scripts = table.as_table();
    if (!scripts) return;
    for (const auto& [name, value] : *scripts) {
      std::optional<std::string> ref = value.value<std::string>();
      if (!ref && value.is_table()) ref = (*value.as_table())["reference"].value<std::string>();
      if (!ref) continue;
      std::string_view module = std::string_view(*ref).substr(0, ref->find(':'));
      if (auto found = resolve_python_module(dir, module)) add_entry(*found);
    }
  };
  add_scripts(pyproject["project"]["scripts"]);
  add_scripts(pyproject["project"]["gui-scripts"]);
  add_scripts(pyproject["tool"]["poetry"]["scripts"]);
}

// console_scripts in setup.py or setup.cfg: "name = package.module:function".
void StructureScan::read_setup_script(const std::string& path) {
  auto text = read(path, manifest_reads_);
  if (!text) return;
  std::string_view dir = split(path).dir;
  static const std::regex script(R"(([A-Za-z0-9_.-]+)\s*=\s*([A-Za-z_][\w.]*)\s*:\s*[A-Za-z_][\w.]*)");
  for (std::sregex_iterator it(text->begin(), text->end(), script), end; it != end; ++it) {
    if (auto found = resolve_python_module(dir, (*it)[2].str())) add_entry(*found);
  }
  if (split(path).name == "setup.py") build_.emplace("setuptools");
}

Structure StructureScan::finish() {
  Structure s;

  // The root's manifests first, in case the read budget runs out in a monorepo.
  auto by_depth = [](std::vector<std::string>& paths) {
    std::stable_sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
      return std::count(a.begin(), a.end(), '/') < std::count(b.begin(), b.end(), '/');
    });
  };
  for (auto* list : {&package_jsons_, &cargo_tomls_, &pyprojects_, &setup_scripts_, &jvm_candidates_}) by_depth(*list);

  for (const auto& p : package_jsons_) read_package_json(p);
  for (const auto& p : cargo_tomls_) read_cargo_toml(p);
  for (const auto& p : pyprojects_) read_pyproject(p);
  for (const auto& p : setup_scripts_) read_setup_script(p);
  for (const auto& p : jvm_candidates_) {
    auto text = read(p, class_reads_);
    if (text && has_jvm_main(split(p).name, *text)) add_entry(p);
  }

  // A package.json's tool is the one whose lockfile is there; npm without one.
  if (has_package_json_) {
    if (lockfiles_.count("pnpm-lock.yaml")) build_.insert("pnpm");
    if (lockfiles_.count("yarn.lock")) build_.insert("Yarn");
    if (lockfiles_.count("bun.lockb") || lockfiles_.count("bun.lock")) build_.insert("Bun");
    if (lockfiles_.count("package-lock.json") || lockfiles_.count("npm-shrinkwrap.json") ||
        !(build_.count("pnpm") || build_.count("Yarn") || build_.count("Bun"))) {
      build_.insert("npm");
    }
  }
  for (const char* b : kBuildSystems) {
    if (build_.count(b)) s.build_systems.emplace_back(b);
  }

  for (auto& [name, e] : top_dirs_) s.top_level.push_back(std::move(e));
  for (auto& [name, e] : top_files_) s.top_level.push_back(std::move(e));

  // Shallow entry points first: the main program before the tools beside it.
  std::stable_sort(entries_.begin(), entries_.end(), [](const std::string& a, const std::string& b) {
    auto da = std::count(a.begin(), a.end(), '/'), db = std::count(b.begin(), b.end(), '/');
    return da != db ? da < db : a < b;
  });
  s.entry_points = std::move(entries_);

  s.test_dirs.assign(test_dirs_.begin(), test_dirs_.end());
  s.test_files = test_files_;

  // README.md before README.de.md before everything else, then docs/.
  std::sort(readmes_.begin(), readmes_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  s.docs = std::move(readmes_);
  s.docs.insert(s.docs.end(), other_docs_.begin(), other_docs_.end());
  s.docs.insert(s.docs.end(), doc_dirs_.begin(), doc_dirs_.end());

  s.ci.assign(ci_.begin(), ci_.end());
  s.license = license_;
  return s;
}

// --- README -----------------------------------------------------------------
//
// Hand-written scanners rather than std::regex: README lines can be very long
// (a row of fifty badges), and libstdc++'s regex recurses per character.

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_lines(std::string_view content) {
  if (starts_with(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  std::vector<std::string_view> lines;
  while (!content.empty()) {
    auto nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    content.remove_prefix(nl + 1);
  }
  return lines;
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& line : lines) {
    if (!joined.empty()) joined += ' ';
    joined += line;
  }
  return joined;
}

// Cuts a paragraph at a word boundary near the limit, marking the cut.
std::string limit_paragraph(std::string s) {
  if (s.size() <= kMaxParagraphBytes) return s;
  std::size_t cut = s.rfind(' ', kMaxParagraphBytes);
  if (cut == std::string::npos || cut < kMaxParagraphBytes / 2) {
    cut = kMaxParagraphBytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  s.resize(cut);
  while (!s.empty() && (s.back() == ' ' || s.back() == ',' || s.back() == ';' || s.back() == ':')) s.pop_back();
  return s + "…";
}

// The index just past the bracket matching s[open] ('[' or '('), or npos.
// Links longer than a few kilobytes are not links: the bound keeps a line of
// unmatched brackets linear.
std::size_t match_close(std::string_view s, std::size_t open) {
  constexpr std::size_t kMaxLinkBytes = 4096;
  char o = s[open], c = o == '[' ? ']' : ')';
  int depth = 0;
  for (std::size_t i = open; i < s.size() && i - open < kMaxLinkBytes; ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == o) {
      ++depth;
    } else if (s[i] == c && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// A Markdown link or image starting at s[i] ('[' or '!'): where it ends and
// what its text is; nullopt when s[i] starts none. [text](url), [text][ref]
// and the shortcut reference [text] are all links.
struct InlineLink {
  std::size_t end = 0;
  std::string_view text;
  bool image = false;  // an image, or a link around one (a badge)
};

std::optional<InlineLink> parse_link(std::string_view s, std::size_t i) {
  bool image = s[i] == '!';
  std::size_t open = image ? i + 1 : i;
  if (open >= s.size() || s[open] != '[') return std::nullopt;
  std::size_t text_end = match_close(s, open);
  if (text_end == std::string_view::npos) return std::nullopt;
  std::size_t end = text_end;
  if (text_end < s.size() && (s[text_end] == '(' || s[text_end] == '[')) {
    end = match_close(s, text_end);
    if (end == std::string_view::npos) return std::nullopt;
  }
  InlineLink link;
  link.end = end;
  link.text = s.substr(open + 1, text_end - open - 2);
  link.image = image || starts_with(trim(link.text), "![") || starts_with(trim(link.text), "<img");
  return link;
}

bool is_img_tag(std::string_view tag) {
  return tag.size() > 4 && (ascii_lower(tag.substr(0, 4)) == "<img") &&
         (std::isspace(static_cast<unsigned char>(tag[4])) || tag[4] == '>' || tag[4] == '/');
}

enum class Links { keep, text, drop };

// Inline Markdown rewritten: images (badges, logos) always go; links stay,
// become their text, or go; HTML tags stay or go (<img> always goes).
std::string rewrite_inline(std::string_view s, Links links, bool keep_tags) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '!' || c == '[') {
      if (auto link = parse_link(s, i)) {
        if (link->image || links == Links::drop) {
        } else if (links == Links::text) {
          out += rewrite_inline(link->text, links, keep_tags);
        } else {
          out.append(s.substr(i, link->end - i));
        }
        i = link->end;
        continue;
      }
    }
    if (c == '<') {
      auto close = s.find('>', i);
      if (close != std::string_view::npos) {
        std::string_view tag = s.substr(i, close + 1 - i);
        if (!keep_tags || is_img_tag(tag)) {
          i = close + 1;
          continue;
        }
      }
    }
    out += c;
    ++i;
  }
  return out;
}

// A line of nothing but images, links and HTML tags (a row of badges, a nav
// bar) says nothing about the project.
bool is_badge_line(std::string_view line) {
  std::string rest = rewrite_inline(line, Links::drop, false);
  std::string_view r = trim(rest);
  while (starts_with(r, "&nbsp;")) r = trim(r.substr(6));
  return std::all_of(r.begin(), r.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '|' || c == '-' || c == '*' || c == '.' || c == ',' ||
           c == ':' || c == '/' || c == '#';
  });
}

// A title reads as text: badges dropped, links reduced to their text, tags
// stripped.
std::string clean_title(std::string_view text) {
  return collapse_spaces(rewrite_inline(text, Links::text, false));
}

bool is_fence(std::string_view t) {
  return starts_with(t, "```") || starts_with(t, "~~~");
}

bool is_repeated(std::string_view t, char c) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [c](char x) { return x == c; });
}

bool is_thematic_break(std::string_view t) {
  std::string compact;
  for (char c : t) {
    if (c != ' ') compact += c;
  }
  return compact.size() >= 3 && (compact[0] == '-' || compact[0] == '*' || compact[0] == '_') &&
         is_repeated(compact, compact[0]);
}

bool is_list_item(std::string_view t) {
  if (t.size() >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ') return true;
  std::size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  return i > 0 && i + 1 < t.size() && (t[i] == '.' || t[i] == ')') && t[i + 1] == ' ';
}

// A block-level tag opening a line starts an HTML block that runs to the next
// blank line (CommonMark's type 6).
bool starts_html_block(std::string_view t) {
  static const std::set<std::string, std::less<>> block_tags = {
      "p",       "div",     "h1",         "h2",      "h3",      "h4",     "h5",     "h6",  "table",
      "center",  "picture", "details",    "summary", "section", "header", "footer", "ul",  "ol",
      "li",      "pre",     "blockquote", "hr",      "br",      "dl",     "figure", "nav", "main",
      "article", "aside",   "tbody",      "thead",   "tr",      "td",     "th"};
  if (t.size() < 2 || t[0] != '<') return false;
  std::size_t i = t[1] == '/' ? 2 : 1;
  std::size_t start = i;
  while (i < t.size() && std::isalnum(static_cast<unsigned char>(t[i]))) ++i;
  if (i == start) return false;
  if (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i])) && t[i] != '>' && t[i] != '/') return false;
  return block_tags.count(ascii_lower(t.substr(start, i - start))) > 0;
}

// The inner HTML of each <tag ...>...</tag> in html, in order.
std::vector<std::string_view> elements(std::string_view html, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string lhtml = ascii_lower(html);
  std::string open = "<" + std::string(tag), close = "</" + std::string(tag) + ">";
  for (std::size_t at = lhtml.find(open); at != std::string::npos; at = lhtml.find(open, at + 1)) {
    std::size_t after = at + open.size();
    if (after >= lhtml.size() || (lhtml[after] != '>' && !std::isspace(static_cast<unsigned char>(lhtml[after])))) {
      continue;
    }
    std::size_t body = lhtml.find('>', after);
    if (body == std::string::npos) break;
    std::size_t end = lhtml.find(close, body);
    if (end == std::string::npos) break;
    out.push_back(html.substr(body + 1, end - body - 1));
  }
  return out;
}

int atx_level(std::string_view t) {
  std::size_t level = 0;
  while (level < t.size() && t[level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  if (level < t.size() && t[level] != ' ' && t[level] != '\t') return 0;
  return static_cast<int>(level);
}

std::string atx_text(std::string_view t, int level) {
  std::string_view s = trim(t.substr(static_cast<std::size_t>(level)));
  // An optional closing sequence: "# Title #".
  auto end = s.find_last_not_of('#');
  if (end == std::string_view::npos) return {};
  if (end + 1 < s.size() && (s[end] == ' ' || s[end] == '\t')) s = trim(s.substr(0, end));
  return clean_title(s);
}

struct ReadmeParts {
  std::string title;
  std::string paragraph;
};

// The title is the first heading before the first paragraph (ATX, Setext, or
// an HTML <h1>), else the first level-1 heading anywhere; the paragraph is the
// first block of prose, skipping badges, HTML blocks, comments, code, lists
// and tables. When only HTML holds prose (<p align="center">...</p>), its
// text is the fallback.
ReadmeParts summarize_markdown(const std::vector<std::string_view>& lines) {
  ReadmeParts out;
  std::string h1;
  std::string html_paragraph;
  std::vector<std::string> paragraph;
  bool paragraph_done = false;
  bool in_list = false;
  bool prev_blank = true;

  auto take_heading = [&](std::string text, int level) {
    if (text.empty()) return;
    if (out.title.empty() && paragraph.empty() && !paragraph_done) {
      out.title = std::move(text);
    } else if (level == 1 && h1.empty()) {
      h1 = std::move(text);
    }
  };
  auto end_paragraph = [&] {
    if (!paragraph.empty()) paragraph_done = true;
  };

  std::size_t i = 0;
  if (!lines.empty() && trim(lines[0]) == "---") {  // YAML front matter
    for (std::size_t j = 1; j < lines.size(); ++j) {
      if (trim(lines[j]) == "---" || trim(lines[j]) == "...") {
        i = j + 1;
        break;
      }
    }
  }
  for (; i < lines.size(); ++i) {
    if (paragraph_done && !out.title.empty()) break;
    std::string_view raw = lines[i];
    std::string_view t = trim(raw);
    bool indented = !raw.empty() && std::isspace(static_cast<unsigned char>(raw[0]));
    bool was_blank = std::exchange(prev_blank, t.empty());

    if (t.empty()) {
      end_paragraph();
      continue;
    }
    if (in_list && (indented || !was_blank) && !atx_level(t)) continue;  // list items and their continuations
    in_list = false;

    if (starts_with(t, "<!--")) {
      while (i < lines.size() && lines[i].find("-->") == std::string_view::npos) ++i;
      prev_blank = true;
      continue;
    }
    if (is_fence(t)) {
      end_paragraph();
      std::string_view fence = t.substr(0, 3);
      for (++i; i < lines.size() && !starts_with(trim(lines[i]), fence); ++i) {
      }
      continue;
    }
    if (paragraph.empty() && (starts_with(raw, "    ") || starts_with(raw, "\t"))) continue;  // indented code
    if (starts_html_block(t)) {
      end_paragraph();
      std::string block;
      for (; i < lines.size() && !trim(lines[i]).empty(); ++i) block.append(lines[i]).append("\n");
      prev_blank = true;
      for (auto inner : elements(block, "h1")) {
        take_heading(clean_title(inner), 1);
        break;
      }
      if (html_paragraph.empty()) {
        for (auto inner : elements(block, "p")) {
          if (is_badge_line(inner)) continue;
          html_paragraph = collapse_spaces(rewrite_inline(inner, Links::text, false));
          break;
        }
      }
      continue;
    }
    if (int level = atx_level(t)) {
      end_paragraph();
      take_heading(atx_text(t, level), level);
      continue;
    }
    // Setext: text underlined with === (level 1) or --- (level 2).
    if (paragraph.empty() && i + 1 < lines.size() && !is_list_item(t)) {
      std::string_view next = trim(lines[i + 1]);
      if (is_repeated(next, '=') || is_repeated(next, '-')) {
        take_heading(clean_title(t), next[0] == '=' ? 1 : 2);
        ++i;
        prev_blank = true;
        continue;
      }
    }
    if (is_list_item(t)) {
      end_paragraph();
      in_list = true;
      continue;
    }
    // [ref]: https://...
    std::size_t label_end = t[0] == '[' ? match_close(t, 0) : std::string_view::npos;
    bool reference_definition = label_end != std::string_view::npos && label_end < t.size() && t[label_end] == ':';
    if (is_thematic_break(t) || t[0] == '|' || t[0] == '#' || reference_definition) {
      end_paragraph();
      continue;
    }
    if (paragraph_done) continue;
    if (is_badge_line(t)) {
      end_paragraph();
      continue;
    }
    std::string_view text = t;  // a blockquote tagline counts as prose
    while (!text.empty() && text.front() == '>') text = trim(text.substr(1));
    std::string cleaned = collapse_spaces(rewrite_inline(text, Links::keep, true));
    if (!cleaned.empty()) paragraph.push_back(std::move(cleaned));
  }

  if (out.title.empty()) out.title = h1;
  std::string joined = join_lines(paragraph);
  if (joined.empty()) joined = html_paragraph;
  out.paragraph = limit_paragraph(collapse_spaces(joined));
  return out;
}

// reStructuredText adornment: one punctuation character repeated.
bool is_rst_adornment(std::string_view t) {
  return t.size() >= 3 && std::ispunct(static_cast<unsigned char>(t[0])) && is_repeated(t, t[0]);
}

// "|build| |coverage|_": a row of substitution references (badges).
bool is_substitution_row(std::string_view t) {
  while (!t.empty()) {
    if (t[0] != '|') return false;
    auto close = t.find('|', 1);
    if (close == std::string_view::npos || close == 1) return false;
    t.remove_prefix(close + 1);
    while (!t.empty() && t[0] == '_') t.remove_prefix(1);
    t = trim(t);
  }
  return true;
}

// The title is the first section title (underlined, maybe overlined); the
// paragraph the first block of text, skipping directives (.. image::) with
// their indented options, substitution rows and field lists.
ReadmeParts summarize_rst(const std::vector<std::string_view>& lines) {
  ReadmeParts out;
  std::vector<std::string> paragraph;
  auto indented = [](std::string_view line) {
    return !line.empty() && std::isspace(static_cast<unsigned char>(line[0]));
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = trim(lines[i]);
    if (t.empty()) {
      if (!paragraph.empty()) break;
      continue;
    }
    if (starts_with(t, "..")) {
      while (i + 1 < lines.size() && indented(lines[i + 1]) && !trim(lines[i + 1]).empty()) ++i;
      continue;
    }
    if (is_rst_adornment(t)) {
      // An overline: title on the next line, underline after it.
      if (i + 2 < lines.size() && !trim(lines[i + 1]).empty() && is_rst_adornment(trim(lines[i + 2]))) {
        if (out.title.empty() && paragraph.empty()) out.title = collapse_spaces(lines[i + 1]);
        i += 2;
      }
      continue;
    }
    if (paragraph.empty() && i + 1 < lines.size() && is_rst_adornment(trim(lines[i + 1]))) {
      if (out.title.empty()) out.title = collapse_spaces(t);
      ++i;
      continue;
    }
    if (paragraph.empty() && (is_substitution_row(t) || t[0] == ':' || indented(lines[i]))) continue;
    paragraph.push_back(collapse_spaces(t));
  }
  out.paragraph = limit_paragraph(join_lines(paragraph));
  return out;
}

// Plain text: the first line is the title; the paragraph is the rest of its
// block, or the next block when the title stands alone. Lines of punctuation
// (underlines, rules) are decoration.
ReadmeParts summarize_plain(const std::vector<std::string_view>& lines) {
  ReadmeParts out;
  std::vector<std::string> paragraph;
  for (std::string_view raw : lines) {
    std::string_view t = trim(raw);
    bool decoration = !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
      return std::ispunct(static_cast<unsigned char>(c)) || c == ' ';
    });
    if (decoration) continue;
    if (t.empty()) {
      if (!paragraph.empty()) break;
      continue;
    }
    if (out.title.empty()) {
      out.title = collapse_spaces(t);
    } else {
      paragraph.push_back(collapse_spaces(t));
    }
  }
  out.paragraph = limit_paragraph(join_lines(paragraph));
  return out;
}

enum class ReadmeFormat { markdown, rst, plain };

ReadmeFormat readme_format(std::string_view path, const std::vector<std::string_view>& lines) {
  std::string ext = ascii_lower(extension(split(path).name));
  if (ext == "md" || ext == "markdown" || ext == "mdown" || ext == "mkd" || ext == "mdx") return ReadmeFormat::markdown;
  if (ext == "rst" || ext == "rest") return ReadmeFormat::rst;
  // No telling extension: Markdown when it opens like Markdown.
  for (std::string_view line : lines) {
    std::string_view t = trim(line);
    if (t.empty()) continue;
    if (atx_level(t) || starts_html_block(t) || starts_with(t, "[![") || starts_with(t, "![")) {
      return ReadmeFormat::markdown;
    }
    break;
  }
  return ReadmeFormat::plain;
}

}  // namespace

Structure analyze_structure(const std::vector<FileEntry>& files, const Reader& read) {
  StructureScan scan(read);
  for (const auto& f : files) scan.add(f);
  return scan.finish();
}

std::optional<ReadmeSummary> summarize_readme(const std::string& path, std::string_view content) {
  auto lines = split_lines(content);
  ReadmeParts parts;
  switch (readme_format(path, lines)) {
    case ReadmeFormat::markdown:
      parts = summarize_markdown(lines);
      break;
    case ReadmeFormat::rst:
      parts = summarize_rst(lines);
      break;
    case ReadmeFormat::plain:
      parts = summarize_plain(lines);
      break;
  }
  if (parts.title.empty() && parts.paragraph.empty()) return std::nullopt;
  return ReadmeSummary{path, std::move(parts.title), std::move(parts.paragraph)};
}

}  // namespace devagent::code
