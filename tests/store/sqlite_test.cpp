#include "store/store.h"

#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace devagent::store {
namespace {

std::unique_ptr<Database> open_file(const std::filesystem::path& path, int pool = 4) {
  Options o;
  o.sqlite_path = path.string();
  o.pool_size = pool;
  auto db = open(o);
  EXPECT_TRUE(db) << (db ? "" : db.error().message);
  return std::move(*db);
}

TEST(Sqlite, CreatesDirectoryAndMigratesOnce) {
  testing::TempDir dir;
  auto path = dir.path() / "nested" / "state" / "devagent.db";
  auto db = open_file(path);
  EXPECT_TRUE(std::filesystem::exists(path));
  auto v = migrate(*db);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, latest_schema_version());
  auto again = migrate(*db);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *v);
  auto rows = db->query("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows[0].integer(0), latest_schema_version());
}

TEST(Sqlite, UsesWalAndForeignKeys) {
  testing::TempDir dir;
  auto db = open_file(dir.path() / "d.db");
  auto mode = db->query("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  EXPECT_EQ(mode->rows[0].text(0), "wal");
  auto fk = db->query("PRAGMA foreign_keys");
  ASSERT_TRUE(fk);
  EXPECT_EQ(fk->rows[0].integer(0), 1);
  ASSERT_TRUE(db->execute_script("CREATE TABLE p (id TEXT PRIMARY KEY); CREATE TABLE c (p TEXT REFERENCES p(id));"));
  auto bad = db->execute("INSERT INTO c (p) VALUES (?)", {std::string("missing")});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::conflict);
}

TEST(Sqlite, BindsAndReadsEveryValueType) {
  testing::TempDir dir;
  auto db = open_file(dir.path() / "d.db");
  ASSERT_TRUE(db->execute_script("CREATE TABLE t (i BIGINT, r REAL, s TEXT, b BLOB, n TEXT)"));
  std::string bytes("\0\x01\xff", 3);
  auto n = db->execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                       {std::int64_t{1} << 40, 2.5, std::string("h\xc3\xa9llo"), Blob{bytes}, std::monostate{}});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  auto rows = db->query("SELECT i, r, s, b, n FROM t");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  const auto& row = rows->rows[0];
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"i", "r", "s", "b", "n"}));
  EXPECT_EQ(row.integer(0), std::int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(row.real(1), 2.5);
  EXPECT_EQ(row.text(2), "h\xc3\xa9llo");
  EXPECT_EQ(row.blob(3), bytes);
  EXPECT_TRUE(row.is_null(4));
}

TEST(Sqlite, WrongParameterCountIsAnError) {
  testing::TempDir dir;
  auto db = open_file(dir.path() / "d.db");
  auto r = db->query("SELECT ?", {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("parameters"), std::string::npos);
  auto syntax = db->query("SELEC 1");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message.find("syntax"), std::string::npos);
}

TEST(Sqlite, FailedTransactionRollsBackEverything) {
  testing::TempDir dir;
  auto db = open_file(dir.path() / "d.db");
  ASSERT_TRUE(db->execute_script("CREATE TABLE t (k TEXT PRIMARY KEY)"));
  auto r = db->transaction([](Database& tx) -> Result<> {
    if (auto a = tx.execute("INSERT INTO t VALUES ('a')"); !a) return a.error();
    return make_error(ErrorKind::invalid_argument, "changed my mind");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "changed my mind");
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 0);
  ASSERT_TRUE(db->transaction([](Database& tx) -> Result<> {
    auto a = tx.execute("INSERT INTO t VALUES ('b')");
    if (!a) return a.error();
    return {};
  }));
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 1);
}

TEST(Sqlite, ConcurrentWritersFromManyThreadsLoseNothing) {
  testing::TempDir dir;
  auto db = open_file(dir.path() / "d.db", 4);
  ASSERT_TRUE(db->execute_script("CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)"));
  ASSERT_TRUE(db->execute("INSERT INTO counter VALUES (1, 0)"));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = db->transaction([](Database& tx) -> Result<> {
          auto cur = tx.query("SELECT n FROM counter WHERE id = 1");
          if (!cur) return cur.error();
          auto u = tx.execute("UPDATE counter SET n = ? WHERE id = 1", {cur->rows[0].integer(0) + 1});
          if (!u) return u.error();
          return {};
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db->query("SELECT n FROM counter")->rows[0].integer(0), 400);
}

TEST(Sqlite, TwoProcessesStyleOpenOfOneFileSeeEachOther) {
  testing::TempDir dir;
  auto a = open_file(dir.path() / "shared.db");
  auto b = open_file(dir.path() / "shared.db");
  ASSERT_TRUE(migrate(*a));
  ASSERT_TRUE(migrate(*b));  // concurrent instances: the second finds nothing to do
  ASSERT_TRUE(a->execute("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                         {std::string("k"), std::string("v"), now_ms()}));
  auto rows = b->query("SELECT value FROM settings WHERE key = ?", {std::string("k")});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0].text(0), "v");
}

TEST(Sqlite, UnwritableLocationIsUnavailable) {
  Options o;
  o.sqlite_path = "/proc/devagent-cannot-write/x.db";
  auto db = open(o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::unavailable);
}

TEST(Store, UnknownDriverIsAConfigError) {
  Options o;
  o.driver = "oracle";
  auto db = open(o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::config);
}

}  // namespace
}  // namespace devagent::store
