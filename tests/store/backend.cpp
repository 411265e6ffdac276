#include "store/backend.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>

namespace devagent::store::testing {

const char* const kNoPostgres =
    "no PostgreSQL test server: set DEVAGENT_TEST_POSTGRES_URL (or DEVAGENT_TEST_POSTGRES_URL_FILE) to the URL that "
    "`scripts/pg-test-server.sh start DIR` prints; ctest's postgres fixture does this";

std::optional<std::string> postgres_url() {
  if (const char* url = std::getenv("DEVAGENT_TEST_POSTGRES_URL"); url && *url) return std::string(url);
  const char* file = std::getenv("DEVAGENT_TEST_POSTGRES_URL_FILE");
  if (!file || !*file) return std::nullopt;
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url)) return std::nullopt;
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
  if (url.empty()) return std::nullopt;
  return url;
}

namespace {

// The same URL naming another database: a URI's path, or a key=value
// string's dbname (a later key overrides an earlier one).
std::string with_database(const std::string& url, const std::string& name) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + name;
  auto slash = url.find('/', scheme + 3);
  auto query = url.find('?', scheme + 3);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  std::string head = url.substr(0, std::min(slash, query));
  return head + "/" + name + rest;
}

std::string random_name() {
  static std::atomic<int> counter{0};
  std::mt19937_64 rng{std::random_device{}()};
  return "devagent_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rng() % 1000000);
}

}  // namespace

Backend::Backend(const std::string& driver) : driver_(driver) {
  options_.driver = driver;
  if (driver == "sqlite") {
    options_.sqlite_path = (dir_.path() / "test.db").string();
    return;
  }
  auto url = postgres_url();
  if (!url) throw std::runtime_error(kNoPostgres);
  admin_url_ = *url;
  database_ = random_name();
  Options admin;
  admin.driver = "postgres";
  admin.postgres_url = admin_url_;
  admin.pool_size = 1;
  auto db = store::open(admin);
  if (!db) throw std::runtime_error("cannot reach the PostgreSQL test server: " + db.error().message);
  if (auto r = (*db)->execute("CREATE DATABASE " + database_); !r) {
    throw std::runtime_error("CREATE DATABASE failed: " + r.error().message);
  }
  options_.postgres_url = with_database(admin_url_, database_);
}

Backend::~Backend() {
  if (database_.empty()) return;
  Options admin;
  admin.driver = "postgres";
  admin.postgres_url = admin_url_;
  admin.pool_size = 1;
  auto db = store::open(admin);
  if (!db) return;
  auto r = (*db)->execute("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  EXPECT_TRUE(r) << "DROP DATABASE " << database_ << ": " << (r ? "" : r.error().message);
}

std::unique_ptr<Database> Backend::open(int pool_size) const {
  Options o = options_;
  o.pool_size = pool_size;
  auto db = store::open(o);
  if (!db) throw std::runtime_error("cannot open the " + driver_ + " test database: " + db.error().message);
  return std::move(*db);
}

std::string Backend::ddl(std::string sql) const {
  bool pg = dialect() == Dialect::postgres;
  auto replace_all = [&](std::string_view token, std::string_view with) {
    for (size_t pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos + with.size())) {
      sql.replace(pos, token.size(), with);
    }
  };
  replace_all("{blob}", pg ? "BYTEA" : "BLOB");
  replace_all("{real}", pg ? "DOUBLE PRECISION" : "REAL");
  return sql;
}

}  // namespace devagent::store::testing
