#include "store/sqlite.h"

#include "store/query_timer.h"

#include <sqlite3.h>

#include <unistd.h>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <list>
#include <mutex>
#include <unordered_map>

namespace devagent::store {
namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
  auto kind = ErrorKind::internal;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) kind = ErrorKind::unavailable;
  if (code == SQLITE_CONSTRAINT) kind = ErrorKind::conflict;
  if (code == SQLITE_CANTOPEN || code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_READONLY) {
    kind = ErrorKind::unavailable;
  }
  return make_error(kind, "sqlite: " + msg);
}

// A connection's prepared statements, by SQL text, the most recently used
// kept (parsing a statement cost about a tenth of a memory search). A
// statement handed out is reset and its bindings cleared when its Lease
// ends, so none keeps a read transaction open.
class StatementCache {
 public:
  static constexpr std::size_t kCapacity = 64;

  class Lease {
   public:
    explicit Lease(sqlite3_stmt* stmt) : stmt_(stmt) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }

   private:
    sqlite3_stmt* stmt_;
  };

  ~StatementCache() {
    for (auto& [sql, stmt] : order_) sqlite3_finalize(stmt);
  }

  // The statement for sql, prepared on first use; nullptr when it does not
  // prepare (sqlite3_errmsg(db) says why).
  sqlite3_stmt* get(sqlite3* db, std::string_view sql) {
    if (auto it = by_sql_.find(sql); it != by_sql_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return nullptr;
    }
    if (order_.size() >= kCapacity) {
      sqlite3_finalize(order_.back().second);
      by_sql_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(std::string(sql), stmt);
    by_sql_.emplace(order_.front().first, order_.begin());
    return stmt;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Entries = std::list<std::pair<std::string, sqlite3_stmt*>>;
  Entries order_;  // most recently used first
  // Keys view the entries' own SQL text (list nodes do not move).
  std::unordered_map<std::string_view, Entries::iterator, Hash, std::equal_to<>> by_sql_;
};

// One open sqlite3 handle; used by one thread at a time.
class Connection final : public Database {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() override {
    statements_.reset();  // finalized before the handle closes
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  Result<Rows> query(std::string_view sql, const std::vector<Value>& params) override {
    Rows out;
    auto r = run(sql, params, &out);
    if (!r) return r.error();
    return out;
  }

  Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params) override {
    auto r = run(sql, params, nullptr);
    if (!r) return r.error();
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  Result<> execute_script(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return make_error(ErrorKind::internal, "sqlite: " + msg);
    }
    return {};
  }

  Result<> transaction(const std::function<Result<>(Database&)>& fn) override {
    // IMMEDIATE takes the write lock up front, so two writers queue on the
    // busy timeout instead of deadlocking on a read-to-write upgrade.
    if (auto r = execute_script("BEGIN IMMEDIATE"); !r) return r;
    Result<> result = [&]() -> Result<> {
      try {
        return fn(*this);
      } catch (...) {
        execute_script("ROLLBACK");
        throw;
      }
    }();
    if (!result) {
      execute_script("ROLLBACK");
      return result;
    }
    if (auto r = execute_script("COMMIT"); !r) {
      execute_script("ROLLBACK");
      return r;
    }
    return {};
  }

  Result<> ping() override {
    auto r = query("SELECT 1", {});
    if (!r) return r.error();
    return {};
  }

 private:
  Result<> run(std::string_view sql, const std::vector<Value>& params, Rows* out) {
    sqlite3_stmt* stmt = statements_->get(db_, sql);
    if (!stmt) return sqlite_error(db_, "prepare");
    StatementCache::Lease lease(stmt);
    if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt)) != params.size()) {
      return make_error(ErrorKind::internal, "sqlite: statement expects " +
                                                 std::to_string(sqlite3_bind_parameter_count(stmt)) +
                                                 " parameters, got " + std::to_string(params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return sqlite3_bind_null(stmt, idx);
            else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(stmt, idx, v);
            else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, idx, v);
            else if constexpr (std::is_same_v<T, std::string>)
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
            else return sqlite3_bind_blob64(stmt, idx, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT);
          },
          params[i]);
      if (rc != SQLITE_OK) return sqlite_error(db_, "bind");
    }
    int ncols = 0;
    for (bool first = true;; first = false) {
      int rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE && rc != SQLITE_ROW) return sqlite_error(db_, "step");
      // The columns are read after the first step: a kept statement that
      // the schema changed under is prepared again inside it ("SELECT *"
      // after ALTER TABLE has more columns).
      if (first && out) {
        ncols = sqlite3_column_count(stmt);
        for (int c = 0; c < ncols; ++c) out->columns.emplace_back(sqlite3_column_name(stmt, c));
      }
      if (rc == SQLITE_DONE) break;
      if (!out) continue;
      Row row;
      row.cells.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: row.cells.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: row.cells.emplace_back(sqlite3_column_double(stmt, c)); break;
          case SQLITE_TEXT:
            row.cells.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                                               static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
            break;
          case SQLITE_BLOB: {
            const void* p = sqlite3_column_blob(stmt, c);
            auto n = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
            row.cells.emplace_back(Blob{std::string(static_cast<const char*>(p), n)});
            break;
          }
          default: row.cells.emplace_back(std::monostate{});
        }
      }
      out->rows.push_back(std::move(row));
    }
    return {};
  }

  sqlite3* db_;
  std::unique_ptr<StatementCache> statements_ = std::make_unique<StatementCache>();
};

// A fixed set of connections; each call borrows one.
class Pool final : public Database {
 public:
  explicit Pool(std::vector<std::unique_ptr<Connection>> conns) : conns_(std::move(conns)) {
    for (auto& c : conns_) free_.push_back(c.get());
  }

  Dialect dialect() const override { return Dialect::sqlite; }
  Result<Rows> query(std::string_view sql, const std::vector<Value>& params) override {
    QueryTimer t(Dialect::sqlite, QueryOp::query);
    Lease l(*this);
    return l.conn->query(sql, params);
  }
  Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params) override {
    QueryTimer t(Dialect::sqlite, QueryOp::execute);
    Lease l(*this);
    return l.conn->execute(sql, params);
  }
  Result<> execute_script(std::string_view sql) override {
    QueryTimer t(Dialect::sqlite, QueryOp::script);
    Lease l(*this);
    return l.conn->execute_script(sql);
  }
  Result<> transaction(const std::function<Result<>(Database&)>& fn) override {
    QueryTimer t(Dialect::sqlite, QueryOp::transaction);
    Lease l(*this);
    return l.conn->transaction(fn);
  }
  Result<> ping() override {
    Lease l(*this);
    return l.conn->ping();
  }

 private:
  struct Lease {
    explicit Lease(Pool& p) : pool(p) {
      std::unique_lock lock(pool.mutex_);
      pool.cv_.wait(lock, [&] { return !pool.free_.empty(); });
      conn = pool.free_.back();
      pool.free_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard lock(pool.mutex_);
        pool.free_.push_back(conn);
      }
      pool.cv_.notify_one();
    }
    Pool& pool;
    Connection* conn = nullptr;
  };

  std::vector<std::unique_ptr<Connection>> conns_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Connection*> free_;
};

Result<std::unique_ptr<Connection>> open_connection(const std::string& path, const Options& options, bool shared_memory) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (shared_memory) flags |= SQLITE_OPEN_URI;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e = sqlite_error(db, "open " + path);
    sqlite3_close_v2(db);
    e.kind = ErrorKind::unavailable;
    return e;
  }
  auto conn = std::make_unique<Connection>(db);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  sqlite3_extended_result_codes(db, 0);
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
  if (!shared_memory) pragmas = "PRAGMA journal_mode = WAL; " + pragmas;
  if (auto r = conn->execute_script(pragmas); !r) {
    return make_error(ErrorKind::unavailable, "open " + path + ": " + r.error().message);
  }
  return conn;
}

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const Options& options) {
  std::string path = options.sqlite_path;
  bool memory = path == ":memory:";
  if (memory) {
    // Several connections must see one database: a named shared-cache memory db.
    static std::atomic<int> counter{0};
    path = "file:devagent-mem-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
           "?mode=memory&cache=shared";
  } else {
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(ErrorKind::unavailable, "cannot create directory " + dir.string() + ": " + ec.message());
  }
  std::vector<std::unique_ptr<Connection>> conns;
  int n = std::max(1, options.pool_size);
  for (int i = 0; i < n; ++i) {
    auto c = open_connection(path, options, memory);
    if (!c) return c.error();
    conns.push_back(std::move(*c));
  }
  return std::unique_ptr<Database>(std::make_unique<Pool>(std::move(conns)));
}

}  // namespace devagent::store
