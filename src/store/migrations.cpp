// Versioned schema migrations: every table's definition lives here, in order.
//
// DDL is written once with a few dialect tokens, expanded per backend:
//   {blob}    BLOB   | BYTEA
//   {real}    REAL   | DOUBLE PRECISION
// Identifiers are TEXT ids made by the application, timestamps are BIGINT
// milliseconds since the epoch (UTC), so no dialect-specific sequences or
// time types are needed. Never edit a released migration; add a new one.
#include "core/config.h"
#include "store/postgres.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <filesystem>

namespace devagent::store {
namespace {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, "settings",
       R"(CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at BIGINT NOT NULL
          );)"},
      {2, "usage records",
       R"(CREATE TABLE usage_records (
            id TEXT PRIMARY KEY,
            request_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            principal TEXT NOT NULL,
            task TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            estimated INTEGER NOT NULL,
            cost_nanos BIGINT NOT NULL,
            latency_ms BIGINT NOT NULL,
            ttft_ms BIGINT NOT NULL,
            outcome TEXT NOT NULL,
            error_kind TEXT NOT NULL,
            variant TEXT NOT NULL,
            day TEXT NOT NULL,
            created_at BIGINT NOT NULL
          );
          CREATE INDEX usage_records_created ON usage_records (created_at);
          CREATE INDEX usage_records_principal_day ON usage_records (principal, day);)"},
      {3, "budgets",
       R"(CREATE TABLE budget_usage (
            principal TEXT NOT NULL,
            day TEXT NOT NULL,
            tokens_used BIGINT NOT NULL,
            tokens_reserved BIGINT NOT NULL,
            cost_used_nanos BIGINT NOT NULL,
            cost_reserved_nanos BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (principal, day)
          );)"},
      // The GitHub client's conditional-request cache: key is a hash of
      // method, URL and the token's identity (never the token itself).
      {4, "github cache",
       R"(CREATE TABLE github_cache (
            cache_key TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            etag TEXT NOT NULL,
            last_modified TEXT NOT NULL,
            link TEXT NOT NULL,
            body {blob} NOT NULL,
            stored_at BIGINT NOT NULL,
            used_at BIGINT NOT NULL
          );
          CREATE INDEX github_cache_used ON github_cache (used_at);)"},
      // The chat API's conversations (src/memory/conversations.h); seq
      // numbers a conversation's messages in order.
      {5, "conversations",
       R"(CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
          );
          CREATE INDEX conversations_updated ON conversations (updated_at);
          CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            run_id TEXT NOT NULL,
            status TEXT NOT NULL,
            model TEXT NOT NULL,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            cost_nanos BIGINT NOT NULL,
            feedback INTEGER NOT NULL,
            created_at BIGINT NOT NULL,
            seq BIGINT NOT NULL
          );
          CREATE INDEX messages_conversation ON messages (conversation_id, seq);)"},
      // API keys and the request limits that count per key or per address
      // (src/server/auth.h, src/server/limits.h). Only a key's SHA-256 is
      // kept; prefix is its first characters, for display and lookup. NULL
      // limits take the configured defaults. rate_hits holds one row per
      // request of the last minute (a sliding window); stream_leases one row
      // per open stream, expiring unless renewed, so a crashed instance's
      // streams free themselves.
      {6, "api keys and limits",
       R"(CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            rpm BIGINT,
            streams BIGINT,
            daily_tokens BIGINT,
            created_at BIGINT NOT NULL,
            last_used_at BIGINT,
            revoked_at BIGINT
          );
          CREATE INDEX api_keys_prefix ON api_keys (prefix);
          CREATE TABLE rate_hits (
            id TEXT PRIMARY KEY,
            bucket TEXT NOT NULL,
            at BIGINT NOT NULL
          );
          CREATE INDEX rate_hits_bucket ON rate_hits (bucket, at);
          CREATE INDEX rate_hits_at ON rate_hits (at);
          CREATE TABLE stream_leases (
            id TEXT PRIMARY KEY,
            key_id TEXT NOT NULL,
            expires_at BIGINT NOT NULL
          );
          CREATE INDEX stream_leases_key ON stream_leases (key_id, expires_at);)"},
      // The prompt A/B variant an answer was written with (agent/prompts.h),
      // so feedback can be compared per variant.
      {7, "message variants",
       R"(ALTER TABLE messages ADD COLUMN variant TEXT NOT NULL DEFAULT '';)"},
  };
  return list;
}

std::string expand(std::string sql, Dialect d) {
  auto replace_all = [&](std::string_view token, std::string_view with) {
    for (size_t pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos + with.size())) {
      sql.replace(pos, token.size(), with);
    }
  };
  bool pg = d == Dialect::postgres;
  replace_all("{blob}", pg ? "BYTEA" : "BLOB");
  replace_all("{real}", pg ? "DOUBLE PRECISION" : "REAL");
  return sql;
}

Result<> ensure_migrations_table(Database& db, const std::string& table) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + table +
                    " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
  auto created = db.execute_script(sql);
  // On PostgreSQL two instances creating the table at once can both pass the
  // IF NOT EXISTS check, and one fails; by then the table exists.
  if (!created && db.dialect() == Dialect::postgres) created = db.execute_script(sql);
  return created;
}

Result<int> version_in(Database& db, const std::string& table) {
  auto rows = db.query("SELECT MAX(version) FROM " + table);
  if (!rows) return rows.error();
  if (rows->rows.empty() || rows->rows[0].is_null(0)) return 0;
  return static_cast<int>(rows->rows[0].integer(0));
}

}  // namespace

int latest_schema_version() { return migrations().back().version; }

Result<int> schema_version(Database& db) { return version_in(db, "schema_migrations"); }

Result<int> migrate(Database& db) { return migrate(db, migrations(), "schema_migrations"); }

Result<int> migrate(Database& db, const std::vector<Migration>& list, const std::string& version_table) {
  if (auto r = ensure_migrations_table(db, version_table); !r) return r.error();
  for (const auto& m : list) {
    auto applied = db.transaction([&](Database& tx) -> Result<> {
      if (tx.dialect() == Dialect::postgres) {
        // Serialises instances migrating the same database at once.
        if (auto r = tx.query("SELECT pg_advisory_xact_lock(7106)"); !r) return r.error();
      }
      auto current = version_in(tx, version_table);
      if (!current) return current.error();
      if (*current >= m.version) return {};
      if (auto r = tx.execute_script(expand(m.sql, tx.dialect())); !r) {
        return make_error(ErrorKind::internal,
                          "migration " + std::to_string(m.version) + " (" + m.name + "): " + r.error().message);
      }
      auto r = tx.execute("INSERT INTO " + version_table + " (version, name, applied_at) VALUES (?, ?, ?)",
                          {std::int64_t{m.version}, std::string(m.name), now_ms()});
      if (!r) return r.error();
      return {};
    });
    if (!applied) {
      // On PostgreSQL a transaction's snapshot can predate the lock it waited
      // for, so it may have tried a migration another instance had just
      // applied. Only a failure that leaves the migration unapplied counts.
      auto now = version_in(db, version_table);
      if (db.dialect() != Dialect::postgres || !now || *now < m.version) return applied.error();
    }
  }
  return version_in(db, version_table);
}

Options options_from(const config::Config& config) {
  Options o;
  o.driver = config.str("store.driver");
  o.sqlite_path = config.str("store.sqlite_path");
  if (o.sqlite_path.empty()) {
    o.sqlite_path = (std::filesystem::path(config.str("store.data_dir")) / "devagent.db").string();
  }
  o.postgres_url = config.str("store.postgres_url");
  o.busy_timeout = config.duration("store.busy_timeout");
  o.pool_size = static_cast<int>(config.integer("store.pool_size"));
  return o;
}

Result<std::unique_ptr<Database>> open(const Options& options) {
  if (options.driver == "sqlite") return open_sqlite(options);
  if (options.driver == "postgres") return open_postgres(options);
  return make_error(ErrorKind::config, "store.driver: unknown driver '" + options.driver + "'");
}

}  // namespace devagent::store
