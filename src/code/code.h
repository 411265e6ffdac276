// Code intelligence: what devagent knows about local repositories.
//
// Indexes repositories under the workspace roots into a local code index
// (index_store.h), then answers from it: analysis (languages, structure,
// dependencies, symbols, README, git history), relationships (imports,
// dependencies, dependents, files that change together, dependencies shared
// between repositories) and code search. Nothing reads outside the roots.
//
// Every call blocks (files, SQLite, git); call it from a worker thread or
// through run_blocking (core/blocking.h). A CodeIntel may be shared by
// threads; indexing one repository is serialised.
#pragma once

#include "code/history.h"
#include "code/indexer.h"
#include "code/search.h"
#include "code/workspace.h"
#include "core/error.h"

#include <boost/json/object.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::config {
class Config;
}
namespace devagent::store {
class Database;
}

namespace devagent::code {

struct CodeOptions {
  std::vector<std::string> roots = {"."};
  std::filesystem::path base;  // where relative roots and paths are taken from (the current directory)
  std::string index_path;      // the code index database file
  IndexOptions index;
  HistoryOptions history;
  std::chrono::milliseconds refresh_interval{10'000};  // an index older than this is refreshed before use

  static CodeOptions from(const config::Config& config, const std::filesystem::path& cwd);
};

// The aspects of an analysis; all when the list is empty.
inline const std::vector<std::string>& analysis_aspects() {
  static const std::vector<std::string> a = {"languages", "structure", "dependencies", "symbols", "history", "summary"};
  return a;
}

enum class RelationKind { imports, dependencies, dependents, cochange, shared_dependencies };
Result<RelationKind> parse_relation_kind(std::string_view s);

struct FileSlice {
  std::string path;
  int start_line = 1;
  int end_line = 0;
  int total_lines = 0;
  std::string text;
  bool truncated = false;
};

struct RepoGraph;  // code.cpp

class CodeIntel {
 public:
  static Result<std::unique_ptr<CodeIntel>> open(const CodeOptions& options);
  ~CodeIntel();

  const Workspace& workspace() const { return workspace_; }
  const CodeOptions& options() const { return options_; }
  store::Database& index_db() { return *db_; }

  // "." , a path or a workspace repository name.
  Result<Repository> repository(std::string_view spec) const;
  Result<IndexStats> index(const Repository& repo, const IndexProgress& progress = {});
  // Indexes the repository when it never was, or not within refresh_interval.
  Result<> ensure_indexed(const Repository& repo);
  // What the tools see of the repository now, as one string that changes
  // when it does: the indexed HEAD commit, the number of indexed files and
  // the newest indexed modification time (so an uncommitted edit counts).
  // Ensures the index first. The response cache keys answers by it.
  Result<std::string> indexed_revision(const Repository& repo);

  // The analysis document:
  // {"repository": {name, root, head, files}, "languages": [{name, files, code, comment, blank, bytes}],
  //  "structure": {...}, "dependencies": [{manifest, ecosystem, name, constraint, scope}],
  //  "symbols": {"total", "by_kind", "items": [...]}, "readme": {title, first_paragraph},
  //  "history": {...}, "summary": "..."}
  // with only the requested aspects (and repository) present.
  Result<boost::json::object> analyze(const Repository& repo, const std::vector<std::string>& aspects = {});

  // {"kind", "repositories", "focus", "nodes", "edges", "ranked", "mermaid", ...} — see code.cpp.
  Result<boost::json::object> relationships(const std::vector<Repository>& repos, RelationKind kind,
                                            std::string_view focus);

  Result<SearchResults> search(const SearchQuery& query);

  // Lines [start, end] (1-based, inclusive; 0 = to the end) of a file, at
  // most max_bytes. The path is confined to the repository.
  Result<FileSlice> read_file(const Repository& repo, std::string_view path, int start_line = 1, int end_line = 0,
                              std::size_t max_bytes = std::size_t{256} * 1024);

  // Neo4j export of a repository's import graph and dependencies.
  Result<std::string> export_cypher(const Repository& repo);

 private:
  CodeIntel(CodeOptions options, Workspace workspace, std::unique_ptr<store::Database> db);
  std::mutex& repo_mutex(const std::string& id);

  CodeOptions options_;
  Workspace workspace_;
  std::unique_ptr<store::Database> db_;
  std::mutex mutexes_guard_;
  std::map<std::string, std::unique_ptr<std::mutex>> repo_mutexes_;
  // Change coupling per repository, for the HEAD it was computed at: reading
  // the history is the costliest step of a cochange question, and HEAD moves
  // rarely (the index notices within refresh_interval).
  Result<std::shared_ptr<const std::vector<Coupling>>> coupling(const Repository& repo);
  std::mutex coupling_guard_;
  std::map<std::string, std::pair<std::string, std::shared_ptr<const std::vector<Coupling>>>> coupling_;
  // The import graph and PageRank per repository, for the indexing it was
  // built from (code_repos.indexed_at): rebuilt after each refresh, not for
  // each question.
  Result<std::shared_ptr<const RepoGraph>> graph(const Repository& repo, const std::vector<FileEntry>& files);
  std::mutex graph_guard_;
  std::map<std::string, std::shared_ptr<const RepoGraph>> graphs_;
};

// A readable text report of an analysis document (devagent analyze without --json).
std::string render_analysis(const boost::json::object& analysis);

}  // namespace devagent::code
