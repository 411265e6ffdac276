// Confinement: nothing outside the workspace roots is reachable, through
// "..", absolute paths or symlinks.
#include "code/workspace.h"

#include "support/git_repo.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace devagent::code {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST(Workspace, ConfinesPathsToTheRoots) {
  TempDir outside;
  TempDir base;
  fs::create_directories(base.path() / "ws" / "src");
  std::ofstream(base.path() / "ws" / "src" / "a.cpp") << "int a;\n";
  std::ofstream(outside.path() / "secret.txt") << "secret\n";
  fs::create_symlink(outside.path() / "secret.txt", base.path() / "ws" / "link-out");
  fs::create_symlink(outside.path(), base.path() / "ws" / "dir-out");

  auto ws = Workspace::open({"ws"}, base.path());
  ASSERT_TRUE(ws) << ws.error().message;
  auto root = fs::canonical(base.path() / "ws");
  EXPECT_EQ(*ws->confine("src/a.cpp", root), root / "src" / "a.cpp");
  EXPECT_EQ(*ws->confine("src/../src/a.cpp", root), root / "src" / "a.cpp");

  struct Case {
    std::string path;
    ErrorKind kind;
  };
  for (const auto& c : std::vector<Case>{{"../", ErrorKind::forbidden},
                                         {"../../etc/passwd", ErrorKind::forbidden},
                                         {"/etc/passwd", ErrorKind::forbidden},
                                         {"link-out", ErrorKind::forbidden},
                                         {"dir-out/secret.txt", ErrorKind::forbidden},
                                         {"src/missing.cpp", ErrorKind::not_found},
                                         {"../nowhere/x", ErrorKind::forbidden}}) {
    auto r = ws->confine(c.path, root);
    ASSERT_FALSE(r) << c.path;
    EXPECT_EQ(r.error().kind, c.kind) << c.path << ": " << r.error().message;
  }
  EXPECT_FALSE(ws->confine(std::string("a\0b", 3), root));
}

TEST(Workspace, RootsMustBeDirectories) {
  TempDir base;
  std::ofstream(base.path() / "file") << "x";
  EXPECT_FALSE(Workspace::open({"missing"}, base.path()));
  EXPECT_FALSE(Workspace::open({"file"}, base.path()));
  EXPECT_FALSE(Workspace::open({}, base.path()));
}

TEST(Workspace, FindsRepositoriesAndResolvesNames) {
  TempDir base;
  for (const char* name : {"alpha", "beta"}) {
    testing::ProcessOptions o;
    o.args = {"init", "-q", (base.path() / name).string()};
    ASSERT_EQ(testing::run("git", o).exit_code, 0);
  }
  auto ws = Workspace::open({"."}, base.path());
  ASSERT_TRUE(ws);
  auto repos = ws->repositories();
  std::vector<std::string> names;
  for (const auto& r : repos) names.push_back(r.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "alpha"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "beta"), names.end());
  auto beta = ws->resolve("beta", base.path());
  ASSERT_TRUE(beta) << beta.error().message;
  EXPECT_TRUE(beta->git);
  EXPECT_EQ(beta->root, fs::canonical(base.path() / "beta"));
  auto by_path = ws->resolve("alpha", base.path());
  ASSERT_TRUE(by_path);
  auto missing = ws->resolve("gamma", base.path());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  auto out = ws->resolve("/", base.path());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::forbidden);
}

TEST(Workspace, ARescanIntervalReusesTheScanForThatLong) {
  TempDir base;
  auto git_init = [&](const char* name) {
    testing::ProcessOptions o;
    o.args = {"init", "-q", (base.path() / name).string()};
    ASSERT_EQ(testing::run("git", o).exit_code, 0);
  };
  git_init("alpha");
  auto has = [](const std::vector<Repository>& repos, const std::string& name) {
    return std::any_of(repos.begin(), repos.end(), [&](const Repository& r) { return r.name == name; });
  };
  auto ws = Workspace::open({"."}, base.path());
  ASSERT_TRUE(ws);
  ws->set_rescan_interval(std::chrono::hours(1));
  ASSERT_TRUE(has(ws->repositories(), "alpha"));
  auto copy = *ws;  // the interval, but not the scan
  git_init("beta");
  EXPECT_FALSE(has(ws->repositories(), "beta")) << "the scan is reused";
  auto beta = ws->resolve("beta", base.path());  // by path, still: the directory exists
  ASSERT_TRUE(beta) << beta.error().message;
  EXPECT_TRUE(has(copy.repositories(), "beta")) << "a copy scans afresh";
  ws->set_rescan_interval(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(has(ws->repositories(), "beta")) << "rescanned once the scan is older than the interval";
}

TEST(Workspace, RelativePathsAreNormalisedAndMayNotEscape) {
  EXPECT_EQ(*normalise_relative("./src//a.cpp"), "src/a.cpp");
  EXPECT_EQ(*normalise_relative("src/x/../a.cpp"), "src/a.cpp");
  EXPECT_FALSE(normalise_relative("../a"));
  EXPECT_FALSE(normalise_relative("/etc/passwd"));
  EXPECT_FALSE(normalise_relative(""));
  EXPECT_FALSE(normalise_relative("."));
  EXPECT_FALSE(normalise_relative(std::string(5000, 'a')));
}

}  // namespace
}  // namespace devagent::code
