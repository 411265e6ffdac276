// PostgreSQL-only behaviour: placeholder translation (no server needed),
// connection errors and reconnection.
#include "store/postgres.h"
#include "store/backend.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace devagent::store {
namespace {

struct PlaceholderCase {
  const char* sql;
  const char* want;
  int count;
};

TEST(PostgresPlaceholders, BecomeNumberedOutsideLiteralsIdentifiersAndComments) {
  const PlaceholderCase cases[] = {
      {"SELECT 1", "SELECT 1", 0},
      {"SELECT ?", "SELECT $1", 1},
      {"INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3},
      {"SELECT '?', ?", "SELECT '?', $1", 1},
      {"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1},
      {"SELECT E'\\' ?', ?", "SELECT E'\\' ?', $1", 1},
      {"SELECT e'a\\\\', ?", "SELECT e'a\\\\', $1", 1},
      {"SELECT 'a\\', ?", "SELECT 'a\\', $1", 1},  // standard strings: a backslash is just a backslash
      {"SELECT \"a?\" FROM t WHERE x = ?", "SELECT \"a?\" FROM t WHERE x = $1", 1},
      {"SELECT ? -- what?\n, ?", "SELECT $1 -- what?\n, $2", 2},
      {"SELECT ? -- trailing?", "SELECT $1 -- trailing?", 1},
      {"SELECT /* ? /* nested ? */ still ? */ ?", "SELECT /* ? /* nested ? */ still ? */ $1", 1},
      {"SELECT $$ ? $$, ?", "SELECT $$ ? $$, $1", 1},
      {"SELECT $tag$ ? $x$ ? $tag$, ?", "SELECT $tag$ ? $x$ ? $tag$, $1", 1},
      {"SELECT a$b, ?", "SELECT a$b, $1", 1},
      {"SELECT 'unterminated ?", "SELECT 'unterminated ?", 0},
      {"SELECT \"unterminated ?", "SELECT \"unterminated ?", 0},
      {"SELECT ?::bigint + ?", "SELECT $1::bigint + $2", 2},
  };
  for (const auto& c : cases) {
    int count = -1;
    EXPECT_EQ(to_postgres_placeholders(c.sql, count), c.want) << c.sql;
    EXPECT_EQ(count, c.count) << c.sql;
  }
}

TEST(Postgres, EmptyUrlIsAConfigError) {
  Options o;
  o.driver = "postgres";
  auto db = open(o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::config);
}

TEST(Postgres, UnreachableServerIsUnavailable) {
  Options o;
  o.driver = "postgres";
  o.postgres_url = "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2";
  auto db = open(o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind, ErrorKind::unavailable);
  EXPECT_NE(db.error().message.find("127.0.0.1"), std::string::npos) << db.error().message;
}

// Closes another session's connection from the server side, and waits
// until it is gone.
void terminate(Database& db, std::int64_t pid) {
  ASSERT_TRUE(db.query("SELECT pg_terminate_backend(?::integer)", {pid}));
  for (int i = 0; i < 500; ++i) {
    auto left = db.query("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?::integer", {pid});
    ASSERT_TRUE(left);
    if (left->rows[0].integer(0) == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "backend " << pid << " did not exit";
}

class PostgresServer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::postgres_url()) GTEST_SKIP() << testing::kNoPostgres;
    backend_ = std::make_unique<testing::Backend>("postgres");
  }
  std::unique_ptr<testing::Backend> backend_;
};

TEST_F(PostgresServer, ErrorsCarryTheSqlstate) {
  auto db = backend_->open();
  auto r = db->query("SELECT * FROM no_such_table");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("42P01"), std::string::npos) << r.error().message;
}

TEST_F(PostgresServer, TextWithANulByteIsRefusedNotTruncated) {
  auto db = backend_->open();
  auto r = db->query("SELECT ?", {std::string("a\0b", 3)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
}

TEST_F(PostgresServer, DecodesServerTypes) {
  auto db = backend_->open();
  auto rows = db->query(
      "SELECT true, false, 7::smallint, 8::integer, 1.5::real, 2.25::numeric, 'x'::varchar, "
      "'\\x00ff'::bytea, NULL::bigint");
  ASSERT_TRUE(rows) << rows.error().message;
  const auto& r = rows->rows.at(0);
  EXPECT_EQ(r.cells[0], Value(std::int64_t{1}));
  EXPECT_EQ(r.cells[1], Value(std::int64_t{0}));
  EXPECT_EQ(r.cells[2], Value(std::int64_t{7}));
  EXPECT_EQ(r.cells[3], Value(std::int64_t{8}));
  EXPECT_EQ(r.cells[4], Value(1.5));
  EXPECT_EQ(r.cells[5], Value(2.25));
  EXPECT_EQ(r.cells[6], Value(std::string("x")));
  EXPECT_EQ(r.cells[7], Value(Blob{std::string("\0\xff", 2)}));
  EXPECT_TRUE(r.is_null(8));
}

TEST_F(PostgresServer, ABrokenConnectionIsReplaced) {
  auto db = backend_->open(1);
  auto pid = db->query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid);
  auto other = backend_->open(1);
  terminate(*other, pid->rows[0].integer(0));
  // The first call may find out the hard way (and says the store is
  // unavailable); the pool reconnects, so the next one works.
  auto first = db->query("SELECT 1");
  if (!first) {
    EXPECT_EQ(first.error().kind, ErrorKind::unavailable) << first.error().message;
  }
  auto second = db->query("SELECT pg_backend_pid()");
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(second->rows[0].integer(0), pid->rows[0].integer(0));
}

TEST_F(PostgresServer, ATransactionOnAConnectionTheServerClosedRunsOnANewOne) {
  auto db = backend_->open(1);
  auto pid = db->query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid);
  auto other = backend_->open(1);
  terminate(*other, pid->rows[0].integer(0));
  int runs = 0;
  auto r = db->transaction([&](Database& tx) -> Result<> {
    ++runs;
    auto q = tx.query("SELECT 1");
    if (!q) return q.error();
    return {};
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(runs, 1);  // BEGIN failed, so fn never ran on the dead connection
}

}  // namespace
}  // namespace devagent::store
