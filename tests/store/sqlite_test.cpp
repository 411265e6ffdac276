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
