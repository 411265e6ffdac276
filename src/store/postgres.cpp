// PostgreSQL backend over libpq.
//
// Statements run through PQexecParams (the extended protocol: one statement,
// parameters never spliced into SQL). Parameters: int64 as int8 and double as
// float8 (text, "%.17g", exact), strings untyped so the server takes the type
// from context, Blob as bytea in binary. Results come back as text and are
// decoded by column type. Transactions are SERIALIZABLE and rerun on a
// serialization failure or deadlock, which gives the same guarantee as
// SQLite's one-writer-at-a-time: a read-then-write transaction never loses an
// update.
#include "store/postgres.h"

#include "store/query_timer.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

namespace devagent::store {
namespace {

// Type OIDs from the server's pg_type.h (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// A transaction that fails this way is rerun, up to kMaxAttempts times.
constexpr int kMaxAttempts = 40;

bool is_retryable(std::string_view sqlstate) {
  return sqlstate == "40001" /* serialization_failure */ || sqlstate == "40P01" /* deadlock_detected */;
}

ErrorKind kind_of(std::string_view sqlstate) {
  if (sqlstate.starts_with("23")) return ErrorKind::conflict;  // integrity constraints, as SQLITE_CONSTRAINT
  if (sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57P")) {
    return ErrorKind::unavailable;  // connection, resources, server shutting down
  }
  if (is_retryable(sqlstate) || sqlstate == "55P03" /* lock_not_available */) return ErrorKind::unavailable;
  return ErrorKind::internal;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

bool is_integer_text(std::string_view s, std::int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

Value decode(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return std::monostate{};
  const char* p = PQgetvalue(res, row, col);
  std::string_view text(p, static_cast<size_t>(PQgetlength(res, row, col)));
  switch (PQftype(res, col)) {
    case kBoolOid:
      return std::int64_t{text == "t" ? 1 : 0};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t v = 0;
      std::from_chars(text.data(), text.data() + text.size(), v);
      return v;
    }
    case kNumericOid: {
      // SUM over BIGINT is NUMERIC: keep whole numbers exact, as SQLite does.
      std::int64_t v = 0;
      if (is_integer_text(text, v)) return v;
      return std::strtod(p, nullptr);
    }
    case kFloat4Oid:
    case kFloat8Oid:
      return std::strtod(p, nullptr);  // accepts NaN and Infinity too
    case kByteaOid: {
      size_t n = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &n);
      if (!bytes) return Blob{};
      Blob b{std::string(reinterpret_cast<const char*>(bytes), n)};
      PQfreemem(bytes);
      return b;
    }
    default:
      return std::string(text);
  }
}

// Parameters in the form PQexecParams takes; the strings own the text.
struct Params {
  std::vector<std::string> text;
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

Result<> encode(const std::vector<Value>& params, Params& out) {
  size_t n = params.size();
  out.text.resize(n);
  out.types.assign(n, 0);
  out.values.assign(n, nullptr);
  out.lengths.assign(n, 0);
  out.formats.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    if (auto* x = std::get_if<std::int64_t>(&v)) {
      out.text[i] = std::to_string(*x);
      out.types[i] = kInt8Oid;
    } else if (auto* d = std::get_if<double>(&v)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", *d);
      out.text[i] = buf;
      out.types[i] = kFloat8Oid;
    } else if (auto* s = std::get_if<std::string>(&v)) {
      if (s->find('\0') != std::string::npos) {
        return make_error(ErrorKind::invalid_argument,
                          "postgres: text parameter " + std::to_string(i + 1) + " contains a NUL byte; bind a Blob");
      }
      out.text[i] = *s;
    } else if (auto* b = std::get_if<Blob>(&v)) {
      out.text[i] = b->bytes;
      out.types[i] = kByteaOid;
      out.formats[i] = 1;
      out.lengths[i] = static_cast<int>(b->bytes.size());
    } else {
      continue;  // NULL: a null pointer, type left to the server
    }
    out.values[i] = out.text[i].data();
  }
  return {};
}

// One libpq connection; used by one thread at a time.
class Connection {
 public:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  // Reconnects a broken connection; true when it works again.
  bool reset() {
    PQreset(conn_);
    return healthy();
  }

  // Leaves the connection as the pool expects it: outside any transaction.
  void clean_up() {
    if (healthy() && PQtransactionStatus(conn_) != PQTRANS_IDLE) PgResult(PQexec(conn_, "ROLLBACK"));
  }

  Result<> run(std::string_view sql, const std::vector<Value>& params, Rows* out, std::int64_t* changed) {
    int expected = 0;
    std::string text = to_postgres_placeholders(sql, expected);
    if (static_cast<size_t>(expected) != params.size()) {
      return make_error(ErrorKind::internal, "postgres: statement expects " + std::to_string(expected) +
                                                 " parameters, got " + std::to_string(params.size()));
    }
    Params p;
    if (auto r = encode(params, p); !r) return r;
    PgResult res(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), p.types.data(), p.values.data(),
                              p.lengths.data(), p.formats.data(), 0));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error(res.get());
    if (changed) {
      std::int64_t n = 0;
      is_integer_text(PQcmdTuples(res.get()), n);
      *changed = n;
    }
    if (!out) return {};
    int ncols = PQnfields(res.get());
    int nrows = PQntuples(res.get());
    for (int c = 0; c < ncols; ++c) out->columns.emplace_back(PQfname(res.get(), c));
    out->rows.reserve(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      Row row;
      row.cells.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) row.cells.push_back(decode(res.get(), r, c));
      out->rows.push_back(std::move(row));
    }
    return {};
  }

  // Several statements, no parameters (the simple protocol).
  Result<> script(std::string_view sql) {
    std::string text(sql);
    PgResult res(PQexec(conn_, text.c_str()));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
      return error(res.get());
    }
    return {};
  }

  // One attempt at fn inside a transaction; `retry` says whether a failure
  // was a serialization failure or deadlock worth running again.
  Result<> transaction(Database& bound, const std::function<Result<>(Database&)>& fn, bool& retry) {
    retry = false;
    failed_retryable_ = false;
    if (auto r = script("BEGIN ISOLATION LEVEL SERIALIZABLE"); !r) {
      retry = !healthy();  // the server closed it while pooled; nothing of fn ran yet
      return r;
    }
    Result<> result = [&]() -> Result<> {
      try {
        return fn(bound);
      } catch (...) {
        clean_up();
        throw;
      }
    }();
    if (!result) {
      retry = failed_retryable_;
      clean_up();
      return result;
    }
    PgResult res(PQexec(conn_, "COMMIT"));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      Error e = error(res.get());
      retry = failed_retryable_;
      clean_up();
      return e;
    }
    // COMMIT of a transaction in which a statement failed (and fn carried
    // on) succeeds as a ROLLBACK.
    if (std::string_view(PQcmdStatus(res.get())) == "ROLLBACK") {
      retry = failed_retryable_;
      return make_error(failed_retryable_ ? ErrorKind::unavailable : ErrorKind::internal,
                        "postgres: transaction rolled back: a statement in it failed");
    }
    return {};
  }

 private:
  Error error(const PGresult* res) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    if (is_retryable(sqlstate)) failed_retryable_ = true;
    if (!healthy()) {
      return make_error(ErrorKind::unavailable, "postgres: connection lost: " + trimmed(PQerrorMessage(conn_)));
    }
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string msg = primary ? primary : trimmed(PQerrorMessage(conn_));
    if (sqlstate.empty()) return make_error(ErrorKind::internal, "postgres: " + msg);
    return make_error(kind_of(sqlstate), "postgres: " + msg + " (SQLSTATE " + sqlstate + ")");
  }

  PGconn* conn_;
  bool failed_retryable_ = false;
};

// The Database a transaction's fn sees: every call on the one connection.
class Bound final : public Database {
 public:
  explicit Bound(Connection& c) : c_(c) {}
  Dialect dialect() const override { return Dialect::postgres; }
  Result<Rows> query(std::string_view sql, const std::vector<Value>& params) override {
    Rows out;
    if (auto r = c_.run(sql, params, &out, nullptr); !r) return r.error();
    return out;
  }
  Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params) override {
    std::int64_t n = 0;
    if (auto r = c_.run(sql, params, nullptr, &n); !r) return r.error();
    return n;
  }
  Result<> execute_script(std::string_view sql) override { return c_.script(sql); }
  Result<> transaction(const std::function<Result<>(Database&)>&) override {
    return make_error(ErrorKind::internal, "postgres: transaction() called inside a transaction");
  }
  Result<> ping() override { return c_.script("SELECT 1"); }

 private:
  Connection& c_;
};

Result<std::unique_ptr<Connection>> connect(const std::string& url) {
  // Keys before dbname are defaults the URL may override; keys after it win.
  const char* keys[] = {"connect_timeout", "dbname", "fallback_application_name", "client_encoding", nullptr};
  const char* values[] = {"10", url.c_str(), "devagent", "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn) return make_error(ErrorKind::unavailable, "postgres: out of memory");
  auto c = std::make_unique<Connection>(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    return make_error(ErrorKind::unavailable, "postgres: cannot connect: " + trimmed(PQerrorMessage(conn)));
  }
  // Notices ("relation already exists, skipping") are not errors; keep them
  // off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return c;
}

// Up to pool_size connections, opened as needed; each call borrows one.
class Pool final : public Database {
 public:
  Pool(std::string url, int size, std::unique_ptr<Connection> first) : url_(std::move(url)), size_(size) {
    free_.push_back(first.get());
    all_.push_back(std::move(first));
  }

  Dialect dialect() const override { return Dialect::postgres; }

  Result<Rows> query(std::string_view sql, const std::vector<Value>& params) override {
    QueryTimer t(Dialect::postgres, QueryOp::query);
    return with_connection<Rows>([&](Connection& c) { return Bound(c).query(sql, params); });
  }
  Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params) override {
    QueryTimer t(Dialect::postgres, QueryOp::execute);
    return with_connection<std::int64_t>([&](Connection& c) { return Bound(c).execute(sql, params); });
  }
  Result<> execute_script(std::string_view sql) override {
    QueryTimer t(Dialect::postgres, QueryOp::script);
    return with_connection<void>([&](Connection& c) { return c.script(sql); });
  }
  Result<> ping() override {
    return with_connection<void>([&](Connection& c) { return c.script("SELECT 1"); });
  }

  Result<> transaction(const std::function<Result<>(Database&)>& fn) override {
    QueryTimer t(Dialect::postgres, QueryOp::transaction);  // retries included
    thread_local std::minstd_rand rng{std::random_device{}()};
    for (int attempt = 1;; ++attempt) {
      bool retry = false;
      auto r = with_connection<void>([&](Connection& c) {
        Bound db(c);
        return c.transaction(db, fn, retry);
      });
      if (r || !retry || attempt == kMaxAttempts) return r;
      // Back off a random while, growing, so conflicting writers spread out.
      int cap = std::min(100, 1 << std::min(attempt, 7));
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, cap)(rng)));
    }
  }

 private:
  // Borrows a working connection for f; a broken one is reconnected first.
  template <class T, class F>
  Result<T> with_connection(F&& f) {
    auto conn = acquire();
    if (!conn) return conn.error();
    Connection* c = *conn;
    struct Release {
      Pool& pool;
      Connection* c;
      ~Release() { pool.release(c); }
    } release{*this, c};
    if (!c->healthy() && !c->reset()) {
      return make_error(ErrorKind::unavailable, "postgres: connection lost and reconnecting failed");
    }
    return f(*c);
  }

  Result<Connection*> acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !free_.empty() || opened_ < size_; });
    if (!free_.empty()) {
      Connection* c = free_.back();
      free_.pop_back();
      return c;
    }
    ++opened_;
    lock.unlock();
    auto c = connect(url_);
    lock.lock();
    if (!c) {
      --opened_;
      cv_.notify_one();
      return c.error();
    }
    all_.push_back(std::move(*c));
    return all_.back().get();
  }

  void release(Connection* c) {
    c->clean_up();
    {
      std::lock_guard lock(mutex_);
      free_.push_back(c);
    }
    cv_.notify_one();
  }

  std::string url_;
  int size_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;
  int opened_ = 1;
};

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80 || c == '$';
}

// The length of a dollar-quote tag ($$ or $name$) starting at i, or 0.
size_t dollar_tag(std::string_view sql, size_t i) {
  if (i > 0 && ident_char(sql[i - 1])) return 0;  // $ inside an identifier, or $1
  size_t j = i + 1;
  if (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') return 0;
  while (j < sql.size() && sql[j] != '$' && ident_char(sql[j])) ++j;
  if (j < sql.size() && sql[j] == '$') return j - i + 1;
  return 0;
}

}  // namespace

std::string to_postgres_placeholders(std::string_view sql, int& count) {
  count = 0;
  std::string out;
  out.reserve(sql.size() + 16);
  size_t i = 0;
  auto copy_until = [&](size_t end) {
    end = std::min(end, sql.size());
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < sql.size()) {
    char c = sql[i];
    char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '\'') {
      // E'...' strings take backslash escapes; '' is a quote in either kind.
      bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !ident_char(sql[i - 2]));
      size_t j = i + 1;
      while (j < sql.size() && sql[j] != '\'') j += (escapes && sql[j] == '\\') ? 2 : 1;
      copy_until(j + 1);
    } else if (c == '"') {
      size_t end = sql.find('"', i + 1);
      copy_until(end == std::string_view::npos ? sql.size() : end + 1);
    } else if (c == '-' && next == '-') {
      size_t end = sql.find('\n', i);
      copy_until(end == std::string_view::npos ? sql.size() : end);
    } else if (c == '/' && next == '*') {
      size_t j = i + 2;
      for (int depth = 1; j < sql.size() && depth > 0;) {  // PostgreSQL's block comments nest
        if (sql.substr(j, 2) == "/*")
          ++depth, j += 2;
        else if (sql.substr(j, 2) == "*/")
          --depth, j += 2;
        else
          ++j;
      }
      copy_until(j);
    } else if (size_t tag = c == '$' ? dollar_tag(sql, i) : 0) {
      size_t end = sql.find(sql.substr(i, tag), i + tag);
      copy_until(end == std::string_view::npos ? sql.size() : end + tag);
    } else if (c == '?') {
      out += '$' + std::to_string(++count);
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

Result<std::unique_ptr<Database>> open_postgres(const Options& options) {
  if (options.postgres_url.empty()) {
    return make_error(ErrorKind::config, "store.postgres_url is empty; it is needed when store.driver = postgres");
  }
  auto first = connect(options.postgres_url);
  if (!first) return first.error();
  return std::unique_ptr<Database>(
      std::make_unique<Pool>(options.postgres_url, std::max(1, options.pool_size), std::move(*first)));
}

}  // namespace devagent::store
