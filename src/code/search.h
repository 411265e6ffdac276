// Code search over the indexed files: SQLite FTS5 with the trigram tokenizer
// narrows the candidates, then each candidate's lines are matched exactly
// (literal) or with RE2 (regular expressions), giving file:line:column, the
// line, a ranked order and the total count.
#pragma once

#include "core/error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace devagent::store {
class Database;
}

namespace devagent::code {

struct SearchQuery {
  std::string text;
  bool regex = false;
  bool case_sensitive = false;  // literal searches ignore case unless set; regexes follow their flags
  std::string repository;       // only this repository (its id), when set
  std::string language;         // only this language (cloc name, case-insensitive), when set
  std::size_t limit = 50;       // matches returned; total counts them all
};

struct SearchMatch {
  std::string repository;
  std::string path;
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
  std::string text;  // the line (at most 500 bytes)
  double score = 0;
};

struct SearchResults {
  std::vector<SearchMatch> matches;  // best first
  std::int64_t total = 0;            // matching lines in all files
  std::int64_t files = 0;            // files with a match
};

// Uses the code index's tables (code_files, code_fts; see index_store.h).
class SearchIndex {
 public:
  explicit SearchIndex(store::Database& db) : db_(db) {}
  // Adds or replaces a file's searchable content.
  Result<> put(const std::string& repository, const std::string& path, const std::string& language,
               const std::string& content);
  Result<> remove(const std::string& repository, const std::string& path);
  // An empty query, an invalid regex, or a query too short to search (fewer
  // than 3 characters for a literal) is invalid_argument with the reason.
  Result<SearchResults> search(const SearchQuery& query) const;

 private:
  store::Database& db_;
};

}  // namespace devagent::code
