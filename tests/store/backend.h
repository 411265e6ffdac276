// A fresh, empty database on either backend, for tests that run on both.
//
// SQLite: a file in a temporary directory. PostgreSQL: a database with a
// random name created on the test server and dropped afterwards, so tests
// never see each other's rows. The server's URL comes from
// DEVAGENT_TEST_POSTGRES_URL, or from the file named by
// DEVAGENT_TEST_POSTGRES_URL_FILE (ctest's postgres fixture writes one; see
// scripts/pg-test-server.sh).
#pragma once

#include "store/store.h"
#include "support/process.h"

#include <memory>
#include <optional>
#include <string>

namespace devagent::store::testing {

// The test server's URL, or nullopt when none is configured.
std::optional<std::string> postgres_url();

// Why a postgres test is skipped when postgres_url() is nullopt.
extern const char* const kNoPostgres;

class Backend {
 public:
  // driver is "sqlite" or "postgres"; the latter needs postgres_url().
  explicit Backend(const std::string& driver);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // Another Database on the same data, as a second instance would open it.
  std::unique_ptr<Database> open(int pool_size = 4) const;
  Dialect dialect() const { return driver_ == "postgres" ? Dialect::postgres : Dialect::sqlite; }
  // DDL with the migration tokens {blob} and {real} expanded for this backend.
  std::string ddl(std::string sql) const;
  const Options& options() const { return options_; }

 private:
  std::string driver_;
  devagent::testing::TempDir dir_;
  Options options_;
  std::string admin_url_;
  std::string database_;  // postgres: the database made for this test
};

}  // namespace devagent::store::testing
