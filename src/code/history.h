// A repository's git history through libgit2: commits, authors, churn,
// hotspots and change coupling (as code-maat computes it).
#pragma once

#include "code/model.h"
#include "core/error.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace devagent::code {

struct HistoryOptions {
  std::size_t max_commits = 5000;  // newest first; older ones are not read
  // code-maat's coupling thresholds (its defaults).
  int min_revs = 5;             // a pair's average revisions must reach this (code-maat applies it to the average)
  int min_shared_revs = 5;      // a pair needs this many shared revisions
  int min_coupling = 30;        // degree below this is dropped
  int max_changeset_size = 30;  // commits touching more files are ignored for coupling
  std::size_t top = 50;         // entries kept in churn, hotspots and coupling lists
};

// The commits reachable from HEAD, newest first, with the files each changed
// (diff against its first parent; merge commits count once) and lines
// added / deleted. Authors are normalised through .mailmap when present.
Result<std::vector<Commit>> read_commits(const std::filesystem::path& repo_root, std::size_t max_commits);

// The summary of a list of commits. code_lines gives each file's current
// size for hotspots (files no longer present are not hotspots).
History summarize_history(const std::vector<Commit>& commits, const HistoryOptions& options,
                          const std::map<std::string, std::int64_t>& code_lines);

// Pairs of files that change together, code-maat style: commits touching
// more than max_changeset_size files are dropped first; then for files a and
// b, average = (revisions(a) + revisions(b)) / 2 and
// degree = floor(shared / average * 100); a pair is kept when
// average >= min_revs, shared >= min_shared_revs and degree >= min_coupling.
std::vector<Coupling> change_coupling(const std::vector<Commit>& commits, const HistoryOptions& options);

// HEAD's commit id, or nullopt for a repository without commits or not a
// git repository.
std::optional<std::string> head_revision(const std::filesystem::path& repo_root);

}  // namespace devagent::code
