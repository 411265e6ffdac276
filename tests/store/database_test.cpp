// The store's contract, run once per backend: every TEST_P here runs on
// SQLite and on PostgreSQL (skipped when no PostgreSQL test server is set;
// see store/backend.h).
#include "store/backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

namespace devagent::store {
namespace {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && !testing::postgres_url()) GTEST_SKIP() << testing::kNoPostgres;
    backend_ = std::make_unique<testing::Backend>(GetParam());
    db_ = backend_->open();
  }
  void TearDown() override {
    db_.reset();  // close before the backend drops the database
    backend_.reset();
  }

  // Runs DDL written with the {blob}/{real} tokens.
  void create(const std::string& sql) {
    auto r = db_->execute_script(backend_->ddl(sql));
    ASSERT_TRUE(r) << r.error().message;
  }

  std::unique_ptr<testing::Backend> backend_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreTest, ReportsItsDialect) {
  EXPECT_EQ(db_->dialect(), backend_->dialect());
  EXPECT_TRUE(db_->ping());
}

TEST_P(StoreTest, AppliesEveryMigrationOnceAndAgainIsANoOp) {
  auto v = migrate(*db_);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, latest_schema_version());
  auto again = migrate(*db_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *v);
  auto rows = db_->query("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows[0].integer(0), latest_schema_version());
  auto version = schema_version(*db_);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, latest_schema_version());
}

TEST_P(StoreTest, InstancesMigratingAtOnceBothSucceed) {
  std::vector<std::unique_ptr<Database>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(backend_->open(2));
  std::vector<std::thread> threads;
  std::vector<std::string> errors(instances.size());
  for (size_t i = 0; i < instances.size(); ++i) {
    threads.emplace_back([&, i] {
      auto v = migrate(*instances[i]);
      if (!v)
        errors[i] = v.error().message;
      else if (*v != latest_schema_version())
        errors[i] = "version " + std::to_string(*v);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM schema_migrations")->rows[0].integer(0), latest_schema_version());
}

TEST_P(StoreTest, BindsAndReadsEveryValueType) {
  create("CREATE TABLE t (i BIGINT, r {real}, s TEXT, b {blob}, n TEXT)");
  std::string bytes("\0\x01\xff", 3);
  auto n = db_->execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                        {std::int64_t{1} << 40, 2.5, std::string("h\xc3\xa9llo"), Blob{bytes}, std::monostate{}});
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 1);
  auto rows = db_->query("SELECT i, r, s, b, n FROM t");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  const auto& row = rows->rows[0];
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"i", "r", "s", "b", "n"}));
  EXPECT_EQ(row.cells[0], Value(std::int64_t{1} << 40));
  EXPECT_EQ(row.cells[1], Value(2.5));
  EXPECT_EQ(row.cells[2], Value(std::string("h\xc3\xa9llo")));
  EXPECT_EQ(row.cells[3], Value(Blob{bytes}));
  EXPECT_TRUE(row.is_null(4));
}

TEST_P(StoreTest, BlobsKeepAllByteValues) {
  create("CREATE TABLE t (k BIGINT PRIMARY KEY, b {blob})");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string reversed(all.rbegin(), all.rend());
  ASSERT_TRUE(db_->execute("INSERT INTO t VALUES (?, ?), (?, ?), (?, ?)",
                           {std::int64_t{1}, Blob{all}, std::int64_t{2}, Blob{reversed}, std::int64_t{3}, Blob{}}));
  auto rows = db_->query("SELECT b FROM t ORDER BY k");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_EQ(rows->rows[0].blob(0), all);
  EXPECT_EQ(rows->rows[1].blob(0), reversed);
  EXPECT_EQ(rows->rows[2].blob(0), "");
  auto found = db_->query("SELECT k FROM t WHERE b = ?", {Blob{all}});
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->rows.size(), 1u);
  EXPECT_EQ(found->rows[0].integer(0), 1);
}

TEST_P(StoreTest, IntegersKeepTheirExtremes) {
  create("CREATE TABLE t (k BIGINT PRIMARY KEY, i BIGINT)");
  const std::vector<std::int64_t> values = {
      std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 0, -1, 1, 1LL << 53};
  for (size_t k = 0; k < values.size(); ++k) {
    ASSERT_TRUE(db_->execute("INSERT INTO t VALUES (?, ?)", {static_cast<std::int64_t>(k), values[k]}));
  }
  auto rows = db_->query("SELECT i FROM t ORDER BY k");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), values.size());
  for (size_t k = 0; k < values.size(); ++k) EXPECT_EQ(rows->rows[k].cells[0], Value(values[k])) << k;
  auto sum = db_->query("SELECT SUM(i) FROM t WHERE k >= 2");  // PostgreSQL: NUMERIC, read back as an integer
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->rows[0].cells[0], Value(std::int64_t{(1LL << 53) + 0 - 1 + 1}));
}

TEST_P(StoreTest, DoublesRoundTripExactly) {
  create("CREATE TABLE t (k BIGINT PRIMARY KEY, r {real})");
  const std::vector<double> values = {
      0.1, 1.0 / 3, M_PI, -2.5e-300, 1e308, DBL_MAX, DBL_MIN, -0.0, 1e-310 /* subnormal */, 123456789.123456789};
  for (size_t k = 0; k < values.size(); ++k) {
    auto r = db_->execute("INSERT INTO t VALUES (?, ?)", {static_cast<std::int64_t>(k), values[k]});
    ASSERT_TRUE(r) << k << ": " << r.error().message;
  }
  auto rows = db_->query("SELECT r FROM t ORDER BY k");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), values.size());
  for (size_t k = 0; k < values.size(); ++k) {
    double got = rows->rows[k].real(0);
    if (values[k] == 0) {
      EXPECT_EQ(got, 0.0);  // SQLite stores -0.0 as the integer 0
      continue;
    }
    EXPECT_EQ(std::memcmp(&got, &values[k], sizeof got), 0) << k << ": " << values[k] << " came back as " << got;
  }
  auto found = db_->query("SELECT k FROM t WHERE r = ?", {1.0 / 3});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->rows.size(), 1u);
  EXPECT_EQ(found->rows[0].integer(0), 1);
}

TEST_P(StoreTest, NullsGoInAndComeOut) {
  create("CREATE TABLE t (k BIGINT PRIMARY KEY, i BIGINT, r {real}, s TEXT, b {blob})");
  ASSERT_TRUE(db_->execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                           {std::int64_t{1}, std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{}}));
  auto rows = db_->query("SELECT i, r, s, b FROM t");
  ASSERT_TRUE(rows);
  for (size_t c = 0; c < 4; ++c) EXPECT_TRUE(rows->rows[0].is_null(c)) << c;
  EXPECT_EQ(rows->rows[0].integer(0), 0);
  EXPECT_EQ(rows->rows[0].text(2), "");
  auto n = db_->query("SELECT COUNT(*) FROM t WHERE s IS NULL AND i IS NULL");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->rows[0].integer(0), 1);
  auto none = db_->query("SELECT MAX(i) FROM t WHERE k = ?", {std::int64_t{99}});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->rows[0].is_null(0));
}

TEST_P(StoreTest, QuestionMarksInLiteralsIdentifiersAndCommentsAreNotParameters) {
  create("CREATE TABLE t (\"why?\" TEXT, s TEXT)");
  auto n = db_->execute(
      "INSERT INTO t (\"why?\", s) -- is this a parameter? no\n"
      "VALUES ('it''s ?', /* nor ? this */ ?)",
      {std::string("yes?")});
  ASSERT_TRUE(n) << n.error().message;
  auto rows = db_->query("SELECT \"why?\", s, 'x?y' FROM t WHERE s = ?", {std::string("yes?")});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0].text(0), "it's ?");
  EXPECT_EQ(rows->rows[0].text(1), "yes?");
  EXPECT_EQ(rows->rows[0].text(2), "x?y");
}

TEST_P(StoreTest, TextKeepsQuotesBackslashesAndUnicode) {
  create("CREATE TABLE t (s TEXT)");
  const std::string text = "it's \"quoted\" \\ back\\slash; DROP TABLE t; -- \xe2\x9c\x93 \xf0\x9f\x98\x80";
  ASSERT_TRUE(db_->execute("INSERT INTO t VALUES (?)", {text}));
  auto rows = db_->query("SELECT s FROM t");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows[0].text(0), text);
}

TEST_P(StoreTest, WrongParameterCountAndBadSqlAreErrors) {
  auto r = db_->query("SELECT ?", {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("parameters"), std::string::npos) << r.error().message;
  auto syntax = db_->query("SELEC 1");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message.find("syntax"), std::string::npos) << syntax.error().message;
  EXPECT_TRUE(db_->ping());  // the connection is still good
}

TEST_P(StoreTest, ExecuteCountsChangedRows) {
  create("CREATE TABLE t (k BIGINT PRIMARY KEY, v BIGINT)");
  auto ins = db_->execute("INSERT INTO t VALUES (1, 0), (2, 0), (3, 0)");
  ASSERT_TRUE(ins);
  EXPECT_EQ(*ins, 3);
  auto up = db_->execute("UPDATE t SET v = v + 1 WHERE k >= ?", {std::int64_t{2}});
  ASSERT_TRUE(up);
  EXPECT_EQ(*up, 2);
  auto none = db_->execute("DELETE FROM t WHERE k > ?", {std::int64_t{10}});
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}

TEST_P(StoreTest, ConstraintViolationsAreConflicts) {
  create("CREATE TABLE p (id TEXT PRIMARY KEY, n BIGINT NOT NULL); CREATE TABLE c (p TEXT REFERENCES p (id));");
  ASSERT_TRUE(db_->execute("INSERT INTO p VALUES (?, ?)", {std::string("a"), std::int64_t{1}}));
  auto dup = db_->execute("INSERT INTO p VALUES (?, ?)", {std::string("a"), std::int64_t{2}});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::conflict) << dup.error().message;
  if (backend_->dialect() == Dialect::postgres) {
    EXPECT_NE(dup.error().message.find("23505"), std::string::npos) << dup.error().message;
  }
  auto null = db_->execute("INSERT INTO p VALUES (?, ?)", {std::string("b"), std::monostate{}});
  ASSERT_FALSE(null);
  EXPECT_EQ(null.error().kind, ErrorKind::conflict) << null.error().message;
  auto orphan = db_->execute("INSERT INTO c VALUES (?)", {std::string("missing")});
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().kind, ErrorKind::conflict) << orphan.error().message;
}

TEST_P(StoreTest, FailedTransactionRollsBackEverything) {
  create("CREATE TABLE t (k TEXT PRIMARY KEY)");
  auto r = db_->transaction([](Database& tx) -> Result<> {
    if (auto a = tx.execute("INSERT INTO t VALUES ('a')"); !a) return a.error();
    return make_error(ErrorKind::invalid_argument, "changed my mind");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "changed my mind");
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 0);
  ASSERT_TRUE(db_->transaction([](Database& tx) -> Result<> {
    auto a = tx.execute("INSERT INTO t VALUES ('b')");
    if (!a) return a.error();
    return {};
  }));
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 1);
}

TEST_P(StoreTest, TransactionWithAFailedStatementRollsBackAndTheConnectionRecovers) {
  auto db = backend_->open(1);  // one connection: the next calls reuse it
  ASSERT_TRUE(db->execute_script("CREATE TABLE t (k TEXT PRIMARY KEY)"));
  ASSERT_TRUE(db->execute("INSERT INTO t VALUES ('taken')"));
  auto r = db->transaction([](Database& tx) -> Result<> {
    if (auto a = tx.execute("INSERT INTO t VALUES ('new')"); !a) return a.error();
    if (auto b = tx.execute("INSERT INTO t VALUES ('taken')"); !b) return b.error();
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::conflict) << r.error().message;
  auto rows = db->query("SELECT k FROM t ORDER BY k");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0].text(0), "taken");
  // A transaction whose fn ignores a failed statement is not committed halfway.
  auto ignored = db->transaction([](Database& tx) -> Result<> {
    (void)tx.execute("INSERT INTO t VALUES ('taken')");
    (void)tx.execute("INSERT INTO t VALUES ('after')");
    return {};
  });
  if (backend_->dialect() == Dialect::postgres) {
    EXPECT_FALSE(ignored);
    EXPECT_EQ(db->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 1);
  }
}

TEST_P(StoreTest, ExceptionInTransactionRollsBack) {
  create("CREATE TABLE t (k TEXT PRIMARY KEY)");
  EXPECT_THROW((void)db_->transaction([](Database& tx) -> Result<> {
    (void)tx.execute("INSERT INTO t VALUES ('a')");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(db_->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 0);
}

TEST_P(StoreTest, TwoInstancesSeeEachOthersWrites) {
  auto a = backend_->open();
  auto b = backend_->open();
  ASSERT_TRUE(migrate(*a));
  auto v = migrate(*b);  // the second instance finds nothing to do
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, latest_schema_version());
  ASSERT_TRUE(a->execute("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                         {std::string("k"), std::string("v"), now_ms()}));
  auto rows = b->query("SELECT value FROM settings WHERE key = ?", {std::string("k")});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0].text(0), "v");
  ASSERT_TRUE(b->execute("UPDATE settings SET value = ? WHERE key = ?", {std::string("w"), std::string("k")}));
  EXPECT_EQ(a->query("SELECT value FROM settings")->rows[0].text(0), "w");
}

TEST_P(StoreTest, ReadThenWriteTransactionsFromManyThreadsLoseNothing) {
  auto db = backend_->open(4);
  ASSERT_TRUE(db->execute_script("CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)"));
  ASSERT_TRUE(db->execute("INSERT INTO counter VALUES (1, 0)"));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
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
  EXPECT_EQ(db->query("SELECT n FROM counter")->rows[0].integer(0), 200);
}

TEST_P(StoreTest, ManyThreadsShareASmallPool) {
  auto db = backend_->open(3);
  ASSERT_TRUE(db->execute_script("CREATE TABLE t (thread BIGINT, i BIGINT, PRIMARY KEY (thread, i))"));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        if (!db->execute("INSERT INTO t VALUES (?, ?)", {std::int64_t{t}, std::int64_t{i}})) ++failures;
        auto mine = db->query("SELECT COUNT(*) FROM t WHERE thread = ?", {std::int64_t{t}});
        if (!mine || mine->rows[0].integer(0) != i + 1) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM t")->rows[0].integer(0), 320);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devagent::store
