// CodeIntel keeps each repository's import graph and change coupling between
// questions; what it answers must still follow the repository as it changes.
#include "code/code.h"

#include "support/git_repo.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace devagent::code {
namespace {

std::set<std::string> paths(const boost::json::object& answer, const char* list, const char* field) {
  std::set<std::string> out;
  for (const auto& item : answer.at(list).as_array()) out.insert(std::string(item.at(field).as_string()));
  return out;
}

TEST(CodeIntel, KeptGraphAndCouplingFollowTheRepositoryAfterACommit) {
  testing::GitRepo repo;
  testing::TempDir index_dir;
  repo.write("a.h", "int a();\n");
  repo.write("b.cpp", "#include \"a.h\"\nint b() { return a(); }\n");
  repo.commit("initial");
  CodeOptions options;
  options.roots = {repo.root().string()};
  options.base = repo.root();
  options.index_path = (index_dir.path() / "code-index.db").string();
  options.refresh_interval = std::chrono::milliseconds(0);  // every question refreshes the index
  auto intel = CodeIntel::open(options);
  ASSERT_TRUE(intel) << intel.error().message;
  auto r = (*intel)->repository(".");
  ASSERT_TRUE(r) << r.error().message;

  auto dependents = (*intel)->relationships({*r}, RelationKind::dependents, "a.h");
  ASSERT_TRUE(dependents) << dependents.error().message;
  EXPECT_EQ(paths(*dependents, "dependents", "path"), std::set<std::string>{"b.cpp"});
  auto cochange = (*intel)->relationships({*r}, RelationKind::cochange, "a.h");
  ASSERT_TRUE(cochange) << cochange.error().message;
  EXPECT_TRUE(paths(*cochange, "cochange", "coupled").empty()) << "one commit couples nothing";

  // A new includer, and five commits that change it with a.h: past
  // code-maat's thresholds (5 revisions, 5 shared).
  repo.write("c.cpp", "#include \"a.h\"\nint c() { return a(); }\n");
  repo.commit("c");
  for (int i = 0; i < 5; ++i) {
    repo.write("a.h", "int a();\n// " + std::to_string(i) + "\n");
    repo.write("c.cpp", "#include \"a.h\"\nint c() { return a() + " + std::to_string(i) + "; }\n");
    repo.commit("change " + std::to_string(i));
  }
  dependents = (*intel)->relationships({*r}, RelationKind::dependents, "a.h");
  ASSERT_TRUE(dependents) << dependents.error().message;
  EXPECT_EQ(paths(*dependents, "dependents", "path"), (std::set<std::string>{"b.cpp", "c.cpp"}))
      << "the graph kept from the first question is not served for the new index";
  cochange = (*intel)->relationships({*r}, RelationKind::cochange, "a.h");
  ASSERT_TRUE(cochange) << cochange.error().message;
  EXPECT_EQ(paths(*cochange, "cochange", "coupled"), std::set<std::string>{"c.cpp"})
      << "the coupling kept for the old HEAD is not served for the new one";
}

}  // namespace
}  // namespace devagent::code
