// The store: one interface over SQLite (embedded default) and PostgreSQL.
//
// SQL is written once, in portable form, with `?` placeholders; each backend
// translates placeholders and runs it. Schema changes are versioned
// migrations (migrations.cpp) applied at start-up. Implementations are
// thread-safe: each call takes a pooled connection for its duration.
#pragma once

#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::store {

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

// Float vectors (embeddings) as blobs, in the host's byte order: written and
// read by the same build. Trailing bytes short of a float are ignored.
Blob float_blob(std::span<const float> v);
std::vector<float> floats_of(const std::string& bytes);

// A bound parameter or a result cell.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

struct Row {
  std::vector<Value> cells;
  bool is_null(size_t i) const { return std::holds_alternative<std::monostate>(cells.at(i)); }
  std::int64_t integer(size_t i) const;     // 0 for NULL; text is parsed
  double real(size_t i) const;              // 0 for NULL
  std::string text(size_t i) const;         // "" for NULL; numbers formatted
  const std::string& blob(size_t i) const;  // bytes of a Blob or text cell
};

struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
};

enum class Dialect { sqlite, postgres };

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;

  // Runs one statement and returns its rows.
  virtual Result<Rows> query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs one statement; returns the number of rows changed.
  virtual Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs several statements without parameters (migrations).
  virtual Result<> execute_script(std::string_view sql) = 0;
  // Runs fn on one connection inside a transaction: committed when fn
  // succeeds, rolled back when it fails (its error is returned). Writers are
  // serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE), so a
  // read-then-write never loses an update. On PostgreSQL fn runs again when
  // the transaction hits a serialization failure or deadlock, so fn must
  // not have effects outside the database that cannot be repeated.
  virtual Result<> transaction(const std::function<Result<>(Database&)>& fn) = 0;
  // Cheap liveness check.
  virtual Result<> ping() = 0;
};

struct Options {
  std::string driver = "sqlite";  // "sqlite" or "postgres"
  std::string sqlite_path;        // file path; ":memory:" for a private in-memory database
  std::string postgres_url;
  std::chrono::milliseconds busy_timeout{5000};
  int pool_size = 4;
};

Options options_from(const config::Config& config);

// Opens the backend. SQLite: creates the file and its directory if needed,
// WAL journal, foreign keys on, busy timeout set. PostgreSQL: connects to
// postgres_url (a libpq URI or key=value string) and keeps up to pool_size
// connections, reconnecting broken ones. Errors are `unavailable` with the
// backend's own message. On either backend a constraint violation (unique,
// foreign key, not null) is `conflict`.
Result<std::unique_ptr<Database>> open(const Options& options);

// One schema change: applied once, in version order, in its own transaction.
// DDL may use the dialect tokens {blob} and {real} (see migrations.cpp).
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Applies pending migrations in order, each in its own transaction, and
// returns the schema version now in effect. Safe to call from several
// processes at once.
Result<int> migrate(Database& db);
// The same for another schema (a module's own database), tracked in its own
// version table.
Result<int> migrate(Database& db, const std::vector<Migration>& migrations, const std::string& version_table);
// The schema version recorded in the database (0 when none).
Result<int> schema_version(Database& db);
// The newest version this build knows.
int latest_schema_version();

// Current time as UTC milliseconds since the epoch, the store's timestamp unit.
std::int64_t now_ms();

}  // namespace devagent::store
