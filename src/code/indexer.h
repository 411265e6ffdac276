// Indexing a repository into the code index: which files to read (those git
// tracks or would track — ignored, binary and oversized files are skipped),
// what changed since the last run (size and mtime first, then the content
// hash), and, for changed files, language, line counts, search text,
// imports, symbols and declared dependencies. Unchanged files are not read
// again, so re-indexing an unchanged repository only stats its files.
#pragma once

#include "code/workspace.h"
#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace devagent::store {
class Database;
}

namespace devagent::code {

struct IndexOptions {
  std::uint64_t max_file_size = 1u << 20;  // larger files are skipped
  int threads = 0;                         // 0: one per core
};

struct IndexStats {
  std::int64_t files = 0;      // indexed files now in the repository
  std::int64_t changed = 0;    // read and analysed this run (new or modified)
  std::int64_t unchanged = 0;  // skipped: same size, mtime or hash
  std::int64_t removed = 0;    // gone since the last run
  std::int64_t skipped_binary = 0;
  std::int64_t skipped_large = 0;
  std::int64_t skipped_other = 0;  // symlinks, unreadable files
  std::int64_t bytes_read = 0;
  std::chrono::milliseconds elapsed{0};
  std::string head;  // the git HEAD indexed, "" when not a git repository
};

// Progress: files done, files to look at.
using IndexProgress = std::function<void(std::int64_t done, std::int64_t total)>;

// The repository-relative paths of the files to index: for git
// repositories, tracked files plus untracked files git does not ignore; for
// plain directories, every regular file except under .git, node_modules and
// similar tool directories. Sorted.
Result<std::vector<std::string>> list_files(const Repository& repo);

Result<IndexStats> index_repository(store::Database& index, const Repository& repo, const IndexOptions& options,
                                    const IndexProgress& progress = {});

}  // namespace devagent::code
