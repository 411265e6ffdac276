// devagent index, analyze, relationships and search as a user runs them, on
// a repository the test makes: exact counts, edges, coupling and matches, and
// root confinement.
#include "support/git_repo.h"
#include "support/process.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace devagent::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Project {
  GitRepo repo;
  TempDir data;
  Project() {
    repo.write("CMakeLists.txt", "cmake_minimum_required(VERSION 3.20)\nproject(demo)\nfind_package(fmt 10 REQUIRED)\n"
                                 "add_executable(demo src/main.cpp src/util.cpp)\n");
    repo.write("README.md", "# Demo\n\nA small demo project for tests.\n");
    repo.write("src/util.h", "#pragma once\n// Adds numbers.\nint add(int a, int b);\n");
    repo.write("src/util.cpp", "#include \"util.h\"\n\nint add(int a, int b) { return a + b; }  // sum\n");
    repo.write("src/main.cpp", "#include \"util.h\"\n#include <cstdio>\n\n/* entry */\nint main() {\n"
                               "  std::printf(\"%d\\n\", add(1, 2));\n  return 0;\n}\n");
    repo.write("tools/gen.py", "import os\n\n\ndef generate():\n    \"\"\"Make things.\"\"\"\n    return os.getcwd()\n");
    repo.commit("initial", "Ada Lovelace", "ada@example.com", "2024-01-01T10:00:00Z");
    for (int i = 0; i < 5; ++i) {
      repo.write("src/util.h", "#pragma once\n// Adds numbers.\nint add(int a, int b);\n// v" + std::to_string(i) + "\n");
      repo.write("src/util.cpp", "#include \"util.h\"\n\nint add(int a, int b) { return a + b; }  // v" +
                                     std::to_string(i) + "\n");
      repo.commit("change " + std::to_string(i), i % 2 ? "Grace Hopper" : "Ada Lovelace",
                  i % 2 ? "grace@example.com" : "ada@example.com", "2024-02-0" + std::to_string(i + 1) + "T10:00:00Z");
    }
  }
  RunResult run(std::vector<std::string> args) {
    ProcessOptions o;
    o.args = {"--data-dir", data.path().string()};
    o.args.insert(o.args.end(), args.begin(), args.end());
    o.cwd = repo.root();
    return testing::run(devagent_binary(), o, 120s);
  }
  boost::json::object json(std::vector<std::string> args) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return boost::json::parse(r.out).as_object();
  }
};

TEST(Code, IndexReportsWhatItDidAndReindexesIncrementally) {
  Project p;
  auto first = p.json({"index", "--json"});
  const auto& r1 = first.at("repositories").at(0).as_object();
  EXPECT_EQ(r1.at("files").as_int64(), 6);
  EXPECT_EQ(r1.at("changed").as_int64(), 6);
  auto second = p.json({"index", "--json"});
  EXPECT_EQ(second.at("repositories").at(0).at("changed").as_int64(), 0);
  EXPECT_EQ(second.at("repositories").at(0).at("unchanged").as_int64(), 6);
}

TEST(Code, AnalyzeGivesExactLanguagesDependenciesSymbolsAndHistory) {
  Project p;
  auto a = p.json({"analyze", ".", "--json"});
  std::map<std::string, boost::json::object> langs;
  for (const auto& l : a.at("languages").as_array()) langs[std::string(l.at("name").as_string())] = l.as_object();
  ASSERT_TRUE(langs.count("C++"));
  EXPECT_EQ(langs["C++"].at("files").as_int64(), 2);
  EXPECT_EQ(langs["C++"].at("code").as_int64(), 8);     // util.cpp 2, main.cpp 6
  EXPECT_EQ(langs["C++"].at("comment").as_int64(), 1);  // /* entry */
  EXPECT_EQ(langs["C++"].at("blank").as_int64(), 2);
  EXPECT_EQ(langs["C/C++ Header"].at("comment").as_int64(), 2);
  EXPECT_EQ(langs["Python"].at("code").as_int64(), 3);
  EXPECT_EQ(langs["Python"].at("comment").as_int64(), 1);  // the docstring, as cloc counts it

  bool fmt = false;
  for (const auto& d : a.at("dependencies").as_array()) {
    if (d.at("name").as_string() == "fmt") {
      fmt = true;
      EXPECT_EQ(d.at("constraint").as_string(), "10");
      EXPECT_EQ(d.at("ecosystem").as_string(), "cmake");
    }
  }
  EXPECT_TRUE(fmt);

  bool main_found = false;
  for (const auto& s : a.at("symbols").at("items").as_array()) {
    if (s.at("name").as_string() == "main") {
      main_found = true;
      EXPECT_EQ(s.at("path").as_string(), "src/main.cpp");
      EXPECT_EQ(s.at("line").as_int64(), 5);
    }
  }
  EXPECT_TRUE(main_found);

  const auto& h = a.at("history").as_object();
  EXPECT_EQ(h.at("commits").as_int64(), 6);
  EXPECT_EQ(h.at("first_commit").as_string(), "2024-01-01T10:00:00Z");
  EXPECT_EQ(h.at("authors").at(0).at("name").as_string(), "Ada Lovelace");
  EXPECT_EQ(h.at("authors").at(0).at("commits").as_int64(), 4);
  EXPECT_EQ(a.at("readme").at("title").as_string(), "Demo");
  EXPECT_NE(std::string(a.at("summary").as_string()).find("CMake"), std::string::npos);
  // The first (uncached) analysis counts each author once.
  EXPECT_NE(std::string(a.at("summary").as_string()).find("6 commits by 2 authors"), std::string::npos)
      << a.at("summary");
  auto structure = a.at("structure").as_object();
  EXPECT_EQ(structure.at("entry_points").at(0).as_string(), "src/main.cpp");

  auto text = p.run({"analyze", "."});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("Languages"), std::string::npos);
  EXPECT_NE(text.out.find("Ada Lovelace"), std::string::npos);
}

TEST(Code, RelationshipsGiveEdgesDependentsAndCochange) {
  Project p;
  auto dep = p.json({"relationships", "--kind", "dependents", "--focus", "src/util.h", "--json"});
  std::set<std::string> files;
  for (const auto& d : dep.at("dependents").as_array()) files.insert(std::string(d.at("path").as_string()));
  EXPECT_EQ(files, (std::set<std::string>{"src/main.cpp", "src/util.cpp"}));
  EXPECT_NE(std::string(dep.at("mermaid").as_string()).find("graph LR"), std::string::npos);

  auto imp = p.json({"relationships", "--kind", "imports", "--focus", "src/main.cpp", "--json"});
  EXPECT_EQ(imp.at("imports").as_array().size(), 1u);
  EXPECT_EQ(imp.at("imports").at(0).as_string(), "src/util.h");

  // util.h and util.cpp changed together in all 6 commits: degree 100.
  auto co = p.json({"relationships", "--kind", "cochange", "--focus", "src/util.h", "--json"});
  ASSERT_EQ(co.at("cochange").as_array().size(), 1u) << boost::json::serialize(co);
  EXPECT_EQ(co.at("cochange").at(0).at("coupled").as_string(), "src/util.cpp");
  EXPECT_EQ(co.at("cochange").at(0).at("degree").as_int64(), 100);

  auto cypher = p.run({"relationships", "--export", "cypher"});
  EXPECT_EQ(cypher.exit_code, 0) << cypher.err;
  EXPECT_NE(cypher.out.find("IMPORTS"), std::string::npos);
}

TEST(Code, SearchFindsLiteralsAndRegexesWithPositions) {
  Project p;
  auto lit = p.json({"search", "add(", "--json"});
  EXPECT_EQ(lit.at("total").as_int64(), 3);
  bool at_main = false;
  for (const auto& m : lit.at("matches").as_array()) {
    if (m.at("path").as_string() == "src/main.cpp") {
      at_main = true;
      EXPECT_EQ(m.at("line").as_int64(), 6);
      EXPECT_EQ(m.at("column").as_int64(), 23);
    }
  }
  EXPECT_TRUE(at_main);
  auto re = p.json({"search", "--regex", "^def \\w+\\(", "--json"});
  ASSERT_EQ(re.at("total").as_int64(), 1);
  EXPECT_EQ(re.at("matches").at(0).at("path").as_string(), "tools/gen.py");
  auto bad = p.run({"search", "--regex", "(unclosed"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("missing )"), std::string::npos) << bad.err;
}

TEST(Code, NothingOutsideTheRootsIsRead) {
  Project p;
  TempDir outside;
  for (const auto& args : std::vector<std::vector<std::string>>{{"analyze", outside.path().string()},
                                                                 {"index", outside.path().string()},
                                                                 {"analyze", "../.."},
                                                                 {"relationships", "--kind", "dependents", "--focus",
                                                                  "../../etc/passwd"}}) {
    auto r = p.run(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1];
    EXPECT_TRUE(r.err.find("outside") != std::string::npos || r.err.find("leaves") != std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace devagent::testing
