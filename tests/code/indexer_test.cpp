// Indexing: git-ignored, binary and oversized files are skipped; re-indexing
// only reads what changed; removals are noticed.
#include "code/indexer.h"

#include "code/index_store.h"
#include "support/git_repo.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace devagent::code {
namespace {

namespace fs = std::filesystem;

struct Indexed {
  testing::GitRepo repo;
  testing::TempDir data;
  std::unique_ptr<store::Database> db;
  Repository r;
  Indexed() {
    auto opened = open_code_index((data.path() / "code-index.db").string());
    EXPECT_TRUE(opened) << opened.error().message;
    db = std::move(*opened);
  }
  Result<IndexStats> index(std::uint64_t max = 1 << 20) {
    auto ws = Workspace::open({repo.root().string()}, "/");
    r = ws->repository_at(fs::canonical(repo.root()));
    return index_repository(*db, r, IndexOptions{.max_file_size = max, .threads = 2});
  }
  std::int64_t count(const std::string& sql) { return db->query(sql)->rows[0].integer(0); }
};

TEST(Indexer, SkipsIgnoredBinaryAndLargeFiles) {
  Indexed x;
  x.repo.write(".gitignore", "build/\n*.log\n");
  x.repo.write("src/main.cpp", "#include \"util.h\"\nint main() { return 0; }\n");
  x.repo.write("src/util.h", "#pragma once\n// helper\nint util();\n");
  x.repo.write("build/out.o", "junk");
  x.repo.write("debug.log", "log");
  x.repo.write("image.png", std::string("\x89PNG\0\0data", 11));
  x.repo.write("big.txt", std::string(5000, 'x'));
  x.repo.commit("first");
  x.repo.write("untracked.py", "print('hi')\n");  // untracked but not ignored: indexed
  auto s = x.index(4096);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->skipped_binary, 1);
  EXPECT_EQ(s->skipped_large, 1);
  auto rows = x.db->query("SELECT path, language, code, comment FROM code_files ORDER BY path");
  std::vector<std::string> paths;
  for (const auto& row : rows->rows) paths.push_back(row.text(0));
  EXPECT_EQ(paths, (std::vector<std::string>{".gitignore", "src/main.cpp", "src/util.h", "untracked.py"}));
  EXPECT_EQ(x.count("SELECT COUNT(*) FROM code_imports WHERE spec = 'util.h'"), 1);
  EXPECT_FALSE(s->head.empty());
}

TEST(Indexer, ReindexingReadsOnlyWhatChanged) {
  Indexed x;
  for (int i = 0; i < 50; ++i) x.repo.write("src/f" + std::to_string(i) + ".py", "x = " + std::to_string(i) + "\n");
  x.repo.commit("many");
  auto first = x.index();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->changed, 50);
  auto second = x.index();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->changed, 0);
  EXPECT_EQ(second->unchanged, 50);
  EXPECT_EQ(second->bytes_read, 0);

  x.repo.write("src/f1.py", "x = 'changed'\n");
  x.repo.remove("src/f2.py");
  x.repo.write("src/new.py", "y = 1\n");
  auto third = x.index();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->changed, 2);
  EXPECT_EQ(third->removed, 1);
  EXPECT_EQ(third->files, 50);
  EXPECT_EQ(x.count("SELECT COUNT(*) FROM code_files WHERE path = 'src/f2.py'"), 0);
}

TEST(Indexer, SymlinksAreNotFollowed) {
  Indexed x;
  testing::TempDir outside;
  std::ofstream(outside.path() / "secret.py") << "SECRET = 1\n";
  x.repo.write("a.py", "a = 1\n");
  fs::create_symlink(outside.path() / "secret.py", x.repo.root() / "link.py");
  x.repo.commit("with a link");
  auto s = x.index();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(x.count("SELECT COUNT(*) FROM code_files WHERE path = 'link.py'"), 0);
  EXPECT_EQ(s->skipped_other, 1);
}

TEST(Indexer, PlainDirectoriesAreIndexedToo) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "node_modules" / "x");
  std::ofstream(dir.path() / "node_modules" / "x" / "i.js") << "module.exports = 1;\n";
  std::ofstream(dir.path() / "main.go") << "package main\nfunc main() {}\n";
  auto ws = Workspace::open({dir.path().string()}, "/");
  auto repo = ws->repository_at(fs::canonical(dir.path()));
  auto files = list_files(repo);
  ASSERT_TRUE(files);
  EXPECT_EQ(*files, std::vector<std::string>{"main.go"});
}

}  // namespace
}  // namespace devagent::code
