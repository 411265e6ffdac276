#include "code/index_store.h"

namespace devagent::code {

const std::vector<store::Migration>& code_index_migrations() {
  static const std::vector<store::Migration> list = {
      {1, "code index",
       R"(CREATE TABLE code_repos (
            id TEXT PRIMARY KEY,
            root TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            head TEXT NOT NULL,
            indexed_at BIGINT NOT NULL,
            files BIGINT NOT NULL
          );
          CREATE TABLE code_files (
            repo TEXT NOT NULL,
            path TEXT NOT NULL,
            language TEXT NOT NULL,
            size BIGINT NOT NULL,
            hash TEXT NOT NULL,
            mtime_ns BIGINT NOT NULL,
            code BIGINT NOT NULL,
            comment BIGINT NOT NULL,
            blank BIGINT NOT NULL,
            fts_rowid BIGINT,
            PRIMARY KEY (repo, path)
          );
          CREATE VIRTUAL TABLE code_fts USING fts5(
            repo UNINDEXED, path UNINDEXED, language UNINDEXED, content, tokenize = 'trigram'
          );
          CREATE TABLE code_symbols (
            repo TEXT NOT NULL,
            path TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            line INTEGER NOT NULL,
            scope TEXT NOT NULL,
            language TEXT NOT NULL,
            signature TEXT NOT NULL
          );
          CREATE INDEX code_symbols_path ON code_symbols (repo, path);
          CREATE INDEX code_symbols_name ON code_symbols (repo, name);
          CREATE TABLE code_imports (
            repo TEXT NOT NULL,
            from_path TEXT NOT NULL,
            spec TEXT NOT NULL,
            to_path TEXT NOT NULL,
            line INTEGER NOT NULL,
            external INTEGER NOT NULL
          );
          CREATE INDEX code_imports_from ON code_imports (repo, from_path);
          CREATE INDEX code_imports_to ON code_imports (repo, to_path);
          CREATE TABLE code_deps (
            repo TEXT NOT NULL,
            manifest TEXT NOT NULL,
            ecosystem TEXT NOT NULL,
            name TEXT NOT NULL,
            constraint_text TEXT NOT NULL,
            scope TEXT NOT NULL
          );
          CREATE INDEX code_deps_repo ON code_deps (repo, manifest);
          CREATE TABLE code_history (
            repo TEXT PRIMARY KEY,
            head TEXT NOT NULL,
            summary TEXT NOT NULL,
            computed_at BIGINT NOT NULL
          );)"},
  };
  return list;
}

Result<std::unique_ptr<store::Database>> open_code_index(const std::string& path) {
  store::Options o;
  o.driver = "sqlite";
  o.sqlite_path = path;
  o.pool_size = 4;
  auto db = store::open(o);
  if (!db) return db.error();
  auto v = store::migrate(**db, code_index_migrations(), "code_index_migrations");
  if (!v) return v.error();
  return std::move(*db);
}

}  // namespace devagent::code
