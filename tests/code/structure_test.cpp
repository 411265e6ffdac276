#include "code/structure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace devagent::code {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A synthetic repository: paths, and the contents of the files the analysis may read.
struct Repo {
  std::vector<std::string> paths;
  std::map<std::string, std::string> contents;

  std::vector<FileEntry> files() const {
    std::vector<FileEntry> out;
    for (const auto& p : paths) out.push_back(FileEntry{.path = p});
    for (const auto& [p, c] : contents) {
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) out.push_back(FileEntry{.path = p});
    }
    return out;
  }

  Structure analyze() const {
    return analyze_structure(files(), [this](const std::string& path) -> std::optional<std::string> {
      auto it = contents.find(path);
      if (it == contents.end()) return std::nullopt;
      return it->second;
    });
  }
};

const TopLevelEntry* top(const Structure& s, const std::string& name) {
  for (const auto& e : s.top_level) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void expect_top(const Structure& s, const std::string& name, bool directory, std::int64_t files,
                const std::string& role) {
  const TopLevelEntry* e = top(s, name);
  ASSERT_NE(e, nullptr) << name;
  EXPECT_EQ(e->directory, directory) << name;
  EXPECT_EQ(e->files, files) << name;
  EXPECT_EQ(e->role, role) << name;
}

TEST(Structure, CMakeCppProject) {
  Repo repo{{"CMakeLists.txt",
             "Makefile",
             "README.md",
             "LICENSE",
             ".clang-format",
             "src/main.cpp",
             "src/foo.cpp",
             "src/CMakeLists.txt",
             "include/foo/foo.h",
             "tests/foo_test.cpp",
             "tests/CMakeLists.txt",
             "tests/data/input.txt",
             "docs/design.md",
             "cmake/FindThing.cmake",
             ".github/workflows/ci.yml",
             ".github/CONTRIBUTING.md",
             "third_party/zlib/Makefile",
             "third_party/zlib/main.c",
             "third_party/zlib/test/example_test.c",
             "examples/hello/main.cpp"}};
  auto s = repo.analyze();

  EXPECT_THAT(s.build_systems, ElementsAre("CMake", "Make"));  // not zlib's Makefile
  EXPECT_THAT(s.entry_points, ElementsAre("src/main.cpp"));    // not zlib's, not the example's
  EXPECT_THAT(s.test_dirs, ElementsAre("tests"));
  EXPECT_EQ(s.test_files, 1);
  EXPECT_THAT(s.docs, ElementsAre("README.md", ".github/CONTRIBUTING.md", "docs/"));
  EXPECT_THAT(s.ci, ElementsAre(".github/workflows/ci.yml"));
  EXPECT_EQ(s.license, "LICENSE");

  // Directories first, then files, each by name.
  std::vector<std::string> names;
  for (const auto& e : s.top_level) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre(".github", "cmake", "docs", "examples", "include", "src", "tests", "third_party",
                                 ".clang-format", "CMakeLists.txt", "LICENSE", "Makefile", "README.md"));
  expect_top(s, ".github", true, 2, "ci");
  expect_top(s, "cmake", true, 1, "build");
  expect_top(s, "docs", true, 1, "docs");
  expect_top(s, "examples", true, 1, "");
  expect_top(s, "include", true, 1, "source");
  expect_top(s, "src", true, 3, "source");
  expect_top(s, "tests", true, 3, "tests");
  expect_top(s, "third_party", true, 3, "");
  expect_top(s, ".clang-format", false, 1, "config");
  expect_top(s, "CMakeLists.txt", false, 1, "build");
  expect_top(s, "LICENSE", false, 1, "");
  expect_top(s, "README.md", false, 1, "docs");
}

TEST(Structure, NodeProject) {
  Repo repo;
  repo.paths = {"yarn.lock",
                "Dockerfile",
                "server.js",
                "bin/cli.js",
                "src/index.ts",
                "src/util.ts",
                "src/util.test.ts",
                "__tests__/app.test.js",
                "test/helpers.js",
                ".gitlab-ci.yml",
                "node_modules/left-pad/package.json",
                "node_modules/left-pad/index.js",
                "tsconfig.json"};
  repo.contents["package.json"] = R"({
    "name": "demo",
    "main": "dist/index.js",
    "bin": {"demo": "./bin/cli.js"},
    "scripts": {"start": "NODE_ENV=production node server.js --port 80", "test": "jest"}
  })";
  repo.contents["node_modules/left-pad/package.json"] = R"({"main": "index.js"})";
  auto s = repo.analyze();

  EXPECT_THAT(s.build_systems, ElementsAre("Yarn", "Docker"));
  // dist/index.js is compiled from src/index.ts; server.js is at the root
  // and is what "start" runs.
  EXPECT_THAT(s.entry_points, ElementsAre("server.js", "bin/cli.js", "src/index.ts"));
  EXPECT_THAT(s.test_dirs, ElementsAre("__tests__", "test"));
  EXPECT_EQ(s.test_files, 3);
  EXPECT_THAT(s.ci, ElementsAre(".gitlab-ci.yml"));
  EXPECT_EQ(s.license, "");
  expect_top(s, "package.json", false, 1, "build");
  expect_top(s, "tsconfig.json", false, 1, "config");
  expect_top(s, "node_modules", true, 2, "");
  expect_top(s, "server.js", false, 1, "source");
}

TEST(Structure, NpmWithoutLockfileAndPnpmWorkspace) {
  Repo npm;
  npm.contents["package.json"] = R"({"name": "x"})";
  EXPECT_THAT(npm.analyze().build_systems, ElementsAre("npm"));

  Repo pnpm;
  pnpm.paths = {"pnpm-lock.yaml", "packages/app/src/main.ts", "packages/app/dist/.keep"};
  pnpm.contents["package.json"] = R"({"private": true})";
  pnpm.contents["packages/app/package.json"] = R"({"main": "dist/main.js"})";
  auto s = pnpm.analyze();
  EXPECT_THAT(s.build_systems, ElementsAre("pnpm"));
  EXPECT_THAT(s.entry_points, ElementsAre("packages/app/src/main.ts"));
}

TEST(Structure, PythonPackageWithPoetry) {
  Repo repo;
  repo.paths = {
      "README.rst",       "CHANGELOG.md",          "CONTRIBUTING.md",   "COPYING",           "src/mypkg/__init__.py",
      "src/mypkg/cli.py", "src/mypkg/__main__.py", "tests/test_cli.py", "tests/conftest.py", "tests/fixtures/sample.py",
      "docs/index.rst",   ".circleci/config.yml"};
  repo.contents["pyproject.toml"] = R"(
[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"

[tool.poetry]
name = "mypkg"

[tool.poetry.scripts]
mytool = "mypkg.cli:main"
)";
  auto s = repo.analyze();

  EXPECT_THAT(s.build_systems, ElementsAre("Poetry"));
  EXPECT_THAT(s.entry_points, ElementsAre("src/mypkg/__main__.py", "src/mypkg/cli.py"));
  EXPECT_THAT(s.test_dirs, ElementsAre("tests"));
  EXPECT_EQ(s.test_files, 2);  // fixtures are data
  EXPECT_THAT(s.docs, ElementsAre("README.rst", "CHANGELOG.md", "CONTRIBUTING.md", "docs/"));
  EXPECT_THAT(s.ci, ElementsAre(".circleci/config.yml"));
  EXPECT_EQ(s.license, "COPYING");
}

TEST(Structure, PythonBuildBackends) {
  auto backend = [](const std::string& pyproject) {
    Repo repo;
    repo.contents["pyproject.toml"] = pyproject;
    return repo.analyze().build_systems;
  };
  EXPECT_THAT(backend("[build-system]\nbuild-backend = \"hatchling.build\"\n"), ElementsAre("Hatch"));
  EXPECT_THAT(backend("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"), ElementsAre("setuptools"));
  EXPECT_THAT(backend("[project]\nname = \"x\"\n"), ElementsAre("setuptools"));  // PEP 517's default
  EXPECT_THAT(backend("[tool.ruff]\nline-length = 100\n"), IsEmpty());           // only tool settings
  EXPECT_THAT(backend("this is [not toml"), IsEmpty());
}

TEST(Structure, PythonSetupPyAndDjango) {
  Repo repo;
  repo.paths = {"manage.py",    "mysite/settings.py", "mysite/wsgi.py", "tool/main.py", "app/views.py",
                "app/tests.py", "requirements.txt",   "history.py",     "license.py",   "LICENSE.txt"};
  repo.contents["setup.py"] = R"(
from setuptools import setup
setup(
    name="tool",
    entry_points={"console_scripts": ["tool = tool.main:run"]},
)
)";
  auto s = repo.analyze();
  EXPECT_THAT(s.build_systems, ElementsAre("setuptools"));
  EXPECT_THAT(s.entry_points, ElementsAre("manage.py", "mysite/wsgi.py", "tool/main.py"));
  EXPECT_THAT(s.docs, IsEmpty());  // history.py is code, not a history
  EXPECT_EQ(s.license, "LICENSE.txt");
  expect_top(s, "history.py", false, 1, "source");
}

TEST(Structure, GoModuleWithCmd) {
  Repo repo{{"go.mod", "go.sum", "Makefile", "LICENSE.md", "cmd/server/main.go", "cmd/cli/main.go",
             "internal/api/handler.go", "internal/api/handler_test.go", "pkg/util/util.go", "pkg/util/util_test.go",
             "testdata/golden.json", ".github/workflows/test.yml", ".github/workflows/release.yaml",
             ".github/dependabot.yml"}};
  auto s = repo.analyze();

  EXPECT_THAT(s.build_systems, ElementsAre("Make", "Go modules"));
  EXPECT_THAT(s.entry_points, ElementsAre("cmd/cli/main.go", "cmd/server/main.go"));
  EXPECT_THAT(s.test_dirs, IsEmpty());
  EXPECT_EQ(s.test_files, 2);
  EXPECT_THAT(s.ci, ElementsAre(".github/workflows/release.yaml", ".github/workflows/test.yml"));
  EXPECT_EQ(s.license, "LICENSE.md");
  expect_top(s, "cmd", true, 2, "source");
  expect_top(s, "internal", true, 2, "source");
  expect_top(s, "pkg", true, 2, "source");
  expect_top(s, "go.sum", false, 1, "build");
}

TEST(Structure, RustCrate) {
  Repo repo{{"src/main.rs", "src/lib.rs", "src/bin/gen.rs", "tools/helper.rs", "tests/integration.rs",
             "benches/bench.rs", "examples/demo.rs", "LICENSE-MIT", "LICENSE-APACHE", "Cargo.lock"}};
  repo.contents["Cargo.toml"] = R"(
[package]
name = "crate"

[[bin]]
name = "helper"
path = "tools/helper.rs"

[[bin]]
name = "gen"
)";
  auto s = repo.analyze();

  EXPECT_THAT(s.build_systems, ElementsAre("Cargo"));
  EXPECT_THAT(s.entry_points, ElementsAre("src/main.rs", "tools/helper.rs", "src/bin/gen.rs"));
  EXPECT_THAT(s.test_dirs, ElementsAre("tests"));
  EXPECT_EQ(s.test_files, 1);
  EXPECT_EQ(s.license, "LICENSE-APACHE");
  expect_top(s, "Cargo.lock", false, 1, "build");
}

TEST(Structure, JavaMavenProject) {
  Repo repo{{"pom.xml", "mvnw", "Jenkinsfile", "README.md", "src/main/java/com/acme/Helper.java",
             "src/main/resources/application.yml", "src/test/java/com/acme/DemoApplicationTests.java",
             "src/test/java/com/acme/HelperTest.java", "src/test/resources/app.yml"}};
  repo.contents["src/main/java/com/acme/DemoApplication.java"] =
      "package com.acme;\n@SpringBootApplication\npublic class DemoApplication {\n"
      "  public static void main(String[] args) { SpringApplication.run(DemoApplication.class, args); }\n}\n";
  repo.contents["src/main/java/com/acme/OtherApplication.java"] =
      "package com.acme;\npublic interface OtherApplication {\n  void main(String name);\n}\n";
  auto s = repo.analyze();

  EXPECT_THAT(s.build_systems, ElementsAre("Maven"));
  EXPECT_THAT(s.entry_points, ElementsAre("src/main/java/com/acme/DemoApplication.java"));
  EXPECT_THAT(s.test_dirs, ElementsAre("src/test"));
  EXPECT_EQ(s.test_files, 2);
  EXPECT_THAT(s.ci, ElementsAre("Jenkinsfile"));
}

TEST(Structure, UnreadableManifestsAreSkipped) {
  std::vector<FileEntry> files = {{.path = "package.json"},
                                  {.path = "Cargo.toml"},
                                  {.path = "pyproject.toml"},
                                  {.path = "src/App.java"},
                                  {.path = "MainApplication.java"}};
  auto s = analyze_structure(files, [](const std::string&) { return std::nullopt; });
  EXPECT_THAT(s.build_systems, ElementsAre("npm", "Cargo"));
  EXPECT_THAT(s.entry_points, IsEmpty());
  auto without_reader = analyze_structure(files, nullptr);
  EXPECT_THAT(without_reader.build_systems, ElementsAre("npm", "Cargo"));
}

TEST(Structure, LargeRepositoryInOnePass) {
  std::vector<FileEntry> files;
  files.reserve(100'000);
  for (int i = 0; i < 100'000; ++i) {
    std::string dir = "pkg" + std::to_string(i % 100);
    files.push_back(FileEntry{.path = "src/" + dir + "/file" + std::to_string(i) + (i % 10 == 0 ? "_test.go" : ".go")});
  }
  files.push_back(FileEntry{.path = "go.mod"});
  int reads = 0;
  auto s = analyze_structure(files, [&reads](const std::string&) {
    ++reads;
    return std::nullopt;
  });
  EXPECT_EQ(reads, 0);
  EXPECT_THAT(s.build_systems, ElementsAre("Go modules"));
  EXPECT_EQ(s.test_files, 10'000);
  expect_top(s, "src", true, 100'000, "source");
}

// --- README ------------------------------------------------------------------

struct ReadmeCase {
  std::string name;
  std::string path;
  std::string content;
  std::string title;
  std::string paragraph;
};

class Readme : public ::testing::TestWithParam<ReadmeCase> {};

TEST_P(Readme, Summary) {
  const auto& c = GetParam();
  auto r = summarize_readme(c.path, c.content);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, c.path);
  EXPECT_EQ(r->title, c.title);
  EXPECT_EQ(r->first_paragraph, c.paragraph);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, Readme,
    ::testing::Values(
        ReadmeCase{"Badges", "README.md",
                   "# Foo\n\n"
                   "[![Build](https://ci/b.svg)](https://ci) [![npm](https://n/v.svg)](https://n)\n"
                   "![coverage](https://cov/c.svg)\n\n"
                   "Foo is a **fast** tool\nfor bars. See [the docs](https://d).\n\n"
                   "## Install\n\nnpm i foo\n",
                   "Foo", "Foo is a **fast** tool for bars. See [the docs](https://d)."},
        ReadmeCase{"BadgesInTitle", "README.md", "# Foo [![CI](https://ci/b.svg)](https://ci)\n\nText.\n", "Foo",
                   "Text."},
        ReadmeCase{"LinkedTitle", "README.md", "# [Foo](https://foo.io)\nFoo does it.\n", "Foo", "Foo does it."},
        ReadmeCase{"HtmlHeader", "README.md",
                   "<p align=\"center\">\n  <img src=\"logo.png\" width=\"200\">\n</p>\n"
                   "<h1 align=\"center\">Widget</h1>\n\n"
                   "<p align=\"center\">\n  <a href=\"https://ci\"><img src=\"badge.svg\"></a>\n</p>\n\n"
                   "<a href=\"x\"><img src=\"y.svg\"></a>&nbsp;<a href=\"z\"><img src=\"w.svg\"></a>\n\n"
                   "Widget renders widgets.\n",
                   "Widget", "Widget renders widgets."},
        ReadmeCase{"HtmlOnly", "README.md",
                   "<div align=\"center\">\n<h1><img src=\"logo.svg\"> Tool</h1>\n"
                   "<p><b>A tiny</b> tool.</p>\n</div>\n",
                   "Tool", "A tiny tool."},
        ReadmeCase{"HtmlWrappingMarkdown", "README.md",
                   "<div align=\"center\">\n\n# Gizmo\n\nGizmo makes gadgets.\n\n</div>\n", "Gizmo",
                   "Gizmo makes gadgets."},
        ReadmeCase{"NavBarOfReferenceLinks", "README.md",
                   "<div align=\"center\">\n  <img src=\"logo.svg\">\n\n[Website][site] | [Learn] | [Docs]\n</div>\n\n"
                   "[site]: https://example.org\n\nThis is the main repository for [Rust].\n\n"
                   "[Rust]: https://rust-lang.org\n",
                   "", "This is the main repository for [Rust]."},
        ReadmeCase{"Setext", "README.md", "Project X\n=========\n\nProject X does Y.\nIt also does Z.\n\nMore.\n",
                   "Project X", "Project X does Y. It also does Z."},
        ReadmeCase{"CommentsAndFrontMatter", "README.md",
                   "---\nlayout: page\n---\n<!-- a comment\n\nspanning lines -->\n# T <!-- x -->\n"
                   "<!-- x -->\nPara.\n",
                   "T", "Para."},
        ReadmeCase{"CodeListsAndTablesSkipped", "README.md",
                   "# T\n\n```sh\nnpm i\n\nmore code\n```\n\n- one\n- two\n  continued\n\n"
                   "| a | b |\n|---|---|\n\n    indented code\n\n> Real prose.\n",
                   "T", "Real prose."},
        ReadmeCase{"NoTitle", "README.md", "Just some prose here.\nSecond line.\n\n## Usage\n\nRun it.\n", "",
                   "Just some prose here. Second line."},
        ReadmeCase{"ProseBeforeH1", "README.md", "Intro text.\n\n# Real Title\n", "Real Title", "Intro text."},
        ReadmeCase{"Rst", "README.rst",
                   ".. image:: https://ci/badge.svg\n   :target: https://ci\n\n"
                   "=======\nMyLib\n=======\n\n|build| |docs|_\n\n"
                   "MyLib parses things\nquickly.\n\nInstall\n-------\n\npip install mylib\n",
                   "MyLib", "MyLib parses things quickly."},
        ReadmeCase{"RstUnderlineOnly", "README.rst", "MyLib\n=====\n\n:Author: me\n\nText here.\n", "MyLib",
                   "Text here."},
        ReadmeCase{"PlainText", "README", "GNU Foo\n\nFoo is the GNU thing.\nMore of it.\n\nSee INSTALL.\n", "GNU Foo",
                   "Foo is the GNU thing. More of it."},
        ReadmeCase{"PlainTextUnderlined", "README.txt", "Foo: a tool\n===========\nIt does things.\n\nOther.\n",
                   "Foo: a tool", "It does things."},
        ReadmeCase{"MarkdownWithoutExtension", "README", "# Foo\n\nBar.\n", "Foo", "Bar."},
        ReadmeCase{"CrLfAndBom", "README.md", "\xEF\xBB\xBF# Foo\r\n\r\nBar baz.\r\n", "Foo", "Bar baz."}),
    [](const ::testing::TestParamInfo<ReadmeCase>& info) { return info.param.name; });

TEST(ReadmeLimits, LongParagraphIsCutAtAWord) {
  std::string words;
  for (int i = 0; i < 300; ++i) words += "word" + std::to_string(i) + " ";
  auto r = summarize_readme("README.md", "# T\n\n" + words + "\n");
  ASSERT_TRUE(r);
  EXPECT_LE(r->first_paragraph.size(), 600u + 3u);
  EXPECT_GE(r->first_paragraph.size(), 500u);
  EXPECT_EQ(r->first_paragraph.substr(r->first_paragraph.size() - 3), "…");
  EXPECT_EQ(r->first_paragraph.rfind("word0 word1 ", 0), 0u);
}

TEST(ReadmeLimits, HugeBadgeLineDoesNotHurt) {
  std::string badges;
  for (int i = 0; i < 5000; ++i)
    badges += "[![b" + std::to_string(i) + "](https://x/" + std::to_string(i) + ".svg)](https://y) ";
  auto r = summarize_readme("README.md", "# Big\n" + badges + "\n\nSmall text.\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->title, "Big");
  EXPECT_EQ(r->first_paragraph, "Small text.");
}

TEST(ReadmeLimits, NothingToSay) {
  EXPECT_FALSE(summarize_readme("README.md", ""));
  EXPECT_FALSE(summarize_readme("README.md", "\n\n  \n"));
  EXPECT_FALSE(summarize_readme("README.md", "[![b](x.svg)](y)\n<!-- todo -->\n"));
}

}  // namespace
}  // namespace devagent::code
