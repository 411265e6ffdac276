// SQLite-only behaviour; the shared contract is in database_test.cpp.
#include "store/store.h"

#include "support/process.h"

#include <gtest/gtest.h>

#include <filesystem>

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

// Statements are prepared once per connection and kept (64 of them, the
// most recently used): what a kept statement returns must not differ from a
// fresh one's.
TEST(Sqlite, KeptStatementsSeeSchemaChangesNewBindingsAndRecoverFromErrors) {
  testing::TempDir dir;
  auto db = open_file(dir.path() / "d.db", 1);  // one connection: every call reuses its statements
  ASSERT_TRUE(db->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"));
  ASSERT_TRUE(db->execute("INSERT INTO t (id, name) VALUES (?, ?)", {std::int64_t{1}, std::string("a")}));
  auto first = db->query("SELECT * FROM t WHERE id = ?", {std::int64_t{1}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->columns.size(), 2u);

  // A column added after the statement was kept shows up in it.
  ASSERT_TRUE(db->execute_script("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'"));
  auto after = db->query("SELECT * FROM t WHERE id = ?", {std::int64_t{1}});
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_EQ(after->columns.size(), 3u);
  EXPECT_EQ(after->rows.at(0).text(2), "x");

  // A statement that failed (a duplicate key) runs again with new values.
  auto dup = db->execute("INSERT INTO t (id, name) VALUES (?, ?)", {std::int64_t{1}, std::string("b")});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::conflict);
  ASSERT_TRUE(db->execute("INSERT INTO t (id, name) VALUES (?, ?)", {std::int64_t{2}, std::string("b")}));

  // More distinct statements than are kept: evicted ones prepare again.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 150; ++i) {
      auto r = db->query("SELECT " + std::to_string(i) + " + id FROM t WHERE id = ?", {std::int64_t{2}});
      ASSERT_TRUE(r) << r.error().message;
      ASSERT_EQ(r->rows.at(0).integer(0), i + 2);
    }
  }
  // A null bound now is not the value bound last time (bindings are cleared).
  auto none = db->query("SELECT COUNT(*) FROM t WHERE name = ?", {std::monostate{}});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->rows.at(0).integer(0), 0);
}

// A kept statement holds no read transaction between calls: another
// connection's write can be checkpointed into the database file.
TEST(Sqlite, KeptStatementsDoNotHoldReadTransactions) {
  testing::TempDir dir;
  auto reader = open_file(dir.path() / "d.db", 1);
  auto writer = open_file(dir.path() / "d.db", 1);
  ASSERT_TRUE(writer->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)"));
  for (std::int64_t i = 0; i < 100; ++i) ASSERT_TRUE(writer->execute("INSERT INTO t (id) VALUES (?)", {i}));
  auto read = reader->query("SELECT id FROM t ORDER BY id", {});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->rows.size(), 100u);
  auto checkpoint = writer->query("PRAGMA wal_checkpoint(TRUNCATE)", {});
  ASSERT_TRUE(checkpoint) << checkpoint.error().message;
  EXPECT_EQ(checkpoint->rows.at(0).integer(0), 0) << "the checkpoint was blocked by a reader";
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
