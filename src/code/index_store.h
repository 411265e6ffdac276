// The code index: a SQLite database of its own (<data_dir>/code-index.db),
// whatever the main store is. It caches what devagent learnt from files on
// this machine's disk — file hashes, line counts, symbols, imports,
// dependencies, search text, history summaries — so a restart needs no
// re-index. Being local to the files it describes, it stays SQLite even when
// the main store is PostgreSQL, and uses SQLite's FTS5 trigram index for
// code search.
#pragma once

#include "core/error.h"
#include "store/store.h"

#include <memory>
#include <string>
#include <vector>

namespace devagent::code {

// The schema, in version order. Tables:
//   code_repos    (id, root, name, head, indexed_at, files)
//   code_files    (repo, path, language, size, hash, mtime_ns, code, comment, blank, fts_rowid)
//   code_fts      FTS5 (repo, path, language UNINDEXED; content) tokenize=trigram
//   code_symbols  (repo, path, name, kind, line, scope, language, signature)
//   code_imports  (repo, from_path, spec, to_path, line, external)
//   code_deps     (repo, manifest, ecosystem, name, constraint_text, scope)
//   code_history  (repo, head, summary JSON, computed_at)
const std::vector<store::Migration>& code_index_migrations();

// Opens (creating) and migrates the code index at path.
Result<std::unique_ptr<store::Database>> open_code_index(const std::string& path);

}  // namespace devagent::code
