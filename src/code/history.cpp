// Git history through libgit2, and the summaries built from it.
//
// Choices, with the reasons:
// - Commits are walked from HEAD newest commit time first, ties in the order
//   they were reached: the order `git log` prints. The walk is written out
//   (HistoryWalk) instead of using git_revwalk because libgit2 1.5 cannot walk
//   a shallow clone (its revwalk fails on the first missing parent); here a
//   commit listed in .git/shallow has no parents, as git treats it. Nothing
//   is sorted topologically: that needs the whole graph before the first
//   commit, which would make max_commits useless on a large repository.
// - Each commit is diffed against its first parent (a root commit against the
//   empty tree), so a merge commit shows what the merge brought into the
//   first-parent line, like `git log --diff-merges=first-parent --numstat`.
//   The oldest commit of a shallow clone is diffed against the empty tree, as
//   `git log` shows it.
// - Rename detection is off: a rename is the old path deleted and the new path
//   added, as `git log --numstat --no-renames` reports it and as code-maat
//   recommends for its input. It is also faster: no similarity search.
// - Line counts come from git_diff_foreach with a line callback and zero
//   context lines: no patch is stored and no context lines are produced.
//   Binary files never reach the line callback, so they count 0 lines.
// - The repository is opened exactly at repo_root (no search upwards), so a
//   plain directory that happens to sit inside another repository is not
//   mistaken for a repository.
#include "code/history.h"

#include <git2.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <new>
#include <queue>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace devagent::code {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- libgit2 plumbing

// libgit2's global state, set up once for the process and never torn down
// (other threads may be using it until exit). A function-local static is
// initialised exactly once even when called from several threads.
void ensure_libgit2() {
  static const int once = git_libgit2_init();
  (void)once;
}

template <class T, void (*Free)(T*)>
struct GitFree {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitFree<T, Free>>;

using RepositoryPtr = GitPtr<git_repository, git_repository_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using DiffPtr = GitPtr<git_diff, git_diff_free>;
using MailmapPtr = GitPtr<git_mailmap, git_mailmap_free>;

// An error for a libgit2 call that failed, with libgit2's own explanation.
Error git_failure(const fs::path& root, std::string_view what) {
  std::string message = "git history of " + root.string() + ": " + std::string(what) + " failed";
  const git_error* last = git_error_last();
  if (last != nullptr && last->message != nullptr) message += std::string(": ") + last->message;
  return make_error(ErrorKind::io, std::move(message));
}

std::string to_hex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

Result<RepositoryPtr> open_repository(const fs::path& root) {
  ensure_libgit2();
  std::error_code ec;
  if (!fs::exists(root, ec)) return make_error(ErrorKind::not_found, "no such directory: " + root.string());
  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, root.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  RepositoryPtr repo(raw);
  if (rc == GIT_ENOTFOUND) return make_error(ErrorKind::invalid_argument, "not a git repository: " + root.string());
  if (rc < 0) return git_failure(root, "opening the repository");
  return repo;
}

// The repository's .mailmap (and mailmap.file / mailmap.blob). A mailmap that
// cannot be read only means names are not normalised, so it is not an error.
MailmapPtr load_mailmap(git_repository* repo) {
  git_mailmap* raw = nullptr;
  if (git_mailmap_from_repository(&raw, repo) < 0) return nullptr;
  return MailmapPtr(raw);
}

// ---------------------------------------------------------------- one commit

// git_diff_foreach calls on_file once per changed file, then on_line for each
// of its lines, so the current file is always the last one in the list.
int on_file(const git_diff_delta* delta, float /*progress*/, void* payload) {
  auto& files = *static_cast<std::vector<FileChange>*>(payload);
  const char* path = delta->status == GIT_DELTA_DELETED ? delta->old_file.path : delta->new_file.path;
  // A type change (file <-> symlink) comes as a deletion and an addition of the
  // same path, next to each other: one file changed, counted once.
  if (!files.empty() && files.back().path == path) return 0;
  try {
    files.push_back(FileChange{.path = path});
  } catch (const std::bad_alloc&) {
    return -1;  // never let an exception unwind through libgit2's C frames
  }
  return 0;
}

int on_line(const git_diff_delta* /*delta*/, const git_diff_hunk* /*hunk*/, const git_diff_line* line, void* payload) {
  auto& files = *static_cast<std::vector<FileChange>*>(payload);
  if (files.empty()) return 0;
  if (line->origin == GIT_DIFF_LINE_ADDITION) ++files.back().added;
  if (line->origin == GIT_DIFF_LINE_DELETION) ++files.back().deleted;
  return 0;
}

// The files a commit changed against its first parent (or the empty tree when
// it has none), with lines added and deleted, in path order.
Result<std::vector<FileChange>> changed_files(git_repository* repo, git_commit* commit, bool has_parent,
                                              const fs::path& root) {
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit) < 0) return git_failure(root, "reading a commit's tree");
  TreePtr tree(raw_tree);

  TreePtr parent_tree;  // stays empty for a root commit: diff against the empty tree
  if (has_parent) {
    git_commit* raw_parent = nullptr;
    if (git_commit_parent(&raw_parent, commit, 0) < 0) return git_failure(root, "reading a parent commit");
    CommitPtr parent(raw_parent);
    git_tree* raw_parent_tree = nullptr;
    if (git_commit_tree(&raw_parent_tree, parent.get()) < 0) return git_failure(root, "reading a parent's tree");
    parent_tree.reset(raw_parent_tree);
  }

  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.context_lines = 0;  // only + and - lines matter for the counts
  options.interhunk_lines = 0;
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_tree(&raw_diff, repo, parent_tree.get(), tree.get(), &options) < 0)
    return git_failure(root, "diffing a commit");
  DiffPtr diff(raw_diff);

  std::vector<FileChange> files;
  files.reserve(git_diff_num_deltas(diff.get()));
  if (git_diff_foreach(diff.get(), on_file, nullptr, nullptr, on_line, &files) < 0)
    return git_failure(root, "counting changed lines");
  return files;
}

Result<Commit> read_commit(git_repository* repo, git_commit* commit, bool has_parent, const git_mailmap* mailmap,
                           const fs::path& root) {
  Commit out;
  out.id = to_hex(*git_commit_id(commit));
  const git_signature* author = git_commit_author(commit);
  const char* name = author->name;
  const char* email = author->email;
  if (mailmap != nullptr && git_mailmap_resolve(&name, &email, mailmap, author->name, author->email) < 0) {
    name = author->name;  // an unresolvable entry leaves the author as recorded
    email = author->email;
  }
  out.author = name;
  out.email = email;
  out.time = author->when.time;
  const char* summary = git_commit_summary(commit);
  out.summary = summary != nullptr ? summary : "";

  auto files = changed_files(repo, commit, has_parent, root);
  if (!files) return files.error();
  out.files = std::move(*files);
  return out;
}

// ---------------------------------------------------------------- the walk

// A git_oid as a hashable key.
std::string key_of(const git_oid& oid) {
  return std::string(reinterpret_cast<const char*>(oid.id), GIT_OID_RAWSZ);
}

// The commits of a shallow clone whose parents are not in the repository
// (.git/shallow, one id a line); empty for a complete repository.
std::unordered_set<std::string> shallow_commits(git_repository* repo) {
  std::unordered_set<std::string> ids;
  if (git_repository_is_shallow(repo) != 1) return ids;
  std::ifstream in(fs::path(git_repository_commondir(repo)) / "shallow");
  git_oid oid;
  for (std::string line; std::getline(in, line);)
    if (git_oid_fromstrn(&oid, line.data(), line.size()) == 0) ids.insert(key_of(oid));
  return ids;
}

// Commits reachable from a start, newest commit time first; commits with the
// same time come in the order they were reached (as `git log` orders them).
class HistoryWalk {
 public:
  HistoryWalk(git_repository* repo, const fs::path& root) : repo_(repo), root_(root), shallow_(shallow_commits(repo)) {}

  Result<void> push(const git_oid& oid) {
    if (!seen_.insert(key_of(oid)).second) return {};
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &oid) < 0) return git_failure(root_, "reading commit " + to_hex(oid));
    CommitPtr commit(raw);
    queue_.push(Entry{git_commit_time(commit.get()), next_order_++, oid});
    return {};
  }

  // The next commit, and whether it has a parent in the repository; a null
  // commit when the walk is over.
  struct Step {
    CommitPtr commit;
    bool has_parent = false;
  };
  Result<Step> next() {
    if (queue_.empty()) return Step{};
    Entry top = queue_.top();
    queue_.pop();
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo_, &top.oid) < 0) return git_failure(root_, "reading commit " + to_hex(top.oid));
    Step step{CommitPtr(raw)};
    unsigned parents = shallow_.contains(key_of(top.oid)) ? 0 : git_commit_parentcount(raw);
    for (unsigned i = 0; i < parents; ++i)
      if (auto pushed = push(*git_commit_parent_id(raw, i)); !pushed) return pushed.error();
    step.has_parent = parents > 0;
    return step;
  }

 private:
  struct Entry {
    git_time_t time;
    std::uint64_t order;
    git_oid oid;
    bool operator<(const Entry& other) const {  // std::priority_queue pops the largest
      if (time != other.time) return time < other.time;
      return order > other.order;
    }
  };
  git_repository* repo_;
  const fs::path& root_;
  std::unordered_set<std::string> shallow_;
  std::unordered_set<std::string> seen_;
  std::priority_queue<Entry> queue_;
  std::uint64_t next_order_ = 0;
};

// ---------------------------------------------------------------- summaries

std::vector<AuthorStats> author_stats(const std::vector<Commit>& commits) {
  // One author is one (name, email) pair after .mailmap, like `git shortlog -se`.
  std::map<std::pair<std::string, std::string>, AuthorStats> by_identity;
  for (const Commit& c : commits) {
    auto [it, added] = by_identity.try_emplace({c.author, c.email});
    AuthorStats& a = it->second;
    if (added) a = AuthorStats{.name = c.author, .email = c.email, .first_time = c.time, .last_time = c.time};
    ++a.commits;
    a.first_time = std::min(a.first_time, c.time);
    a.last_time = std::max(a.last_time, c.time);
  }
  std::vector<AuthorStats> authors;
  authors.reserve(by_identity.size());
  for (auto& [identity, stats] : by_identity) authors.push_back(std::move(stats));
  std::stable_sort(authors.begin(), authors.end(),
                   [](const AuthorStats& a, const AuthorStats& b) { return a.commits > b.commits; });
  return authors;
}

// Every file's churn, most revisions first, then most lines changed, then path.
std::vector<FileChurn> file_churn(const std::vector<Commit>& commits) {
  struct Entry {
    FileChurn churn;
    std::size_t last_commit = SIZE_MAX;  // a path listed twice in one commit is one revision
  };
  std::unordered_map<std::string_view, Entry> by_path;
  for (std::size_t i = 0; i < commits.size(); ++i) {
    for (const FileChange& f : commits[i].files) {
      Entry& e = by_path[f.path];
      if (e.last_commit != i) {
        e.churn.path = f.path;
        ++e.churn.revisions;
        e.last_commit = i;
      }
      e.churn.added += f.added;
      e.churn.deleted += f.deleted;
    }
  }
  std::vector<FileChurn> churn;
  churn.reserve(by_path.size());
  for (auto& [path, entry] : by_path) churn.push_back(std::move(entry.churn));
  std::sort(churn.begin(), churn.end(), [](const FileChurn& a, const FileChurn& b) {
    if (a.revisions != b.revisions) return a.revisions > b.revisions;
    if (a.added + a.deleted != b.added + b.deleted) return a.added + a.deleted > b.added + b.deleted;
    return a.path < b.path;
  });
  return churn;
}

// revisions x code lines for files that still exist and have code, divided by
// the largest such product, so the top hotspot scores 1.
std::vector<Hotspot> hotspots(const std::vector<FileChurn>& churn,
                              const std::map<std::string, std::int64_t>& code_lines) {
  std::vector<Hotspot> spots;
  for (const FileChurn& f : churn) {
    auto it = code_lines.find(f.path);
    if (it == code_lines.end() || it->second <= 0) continue;
    spots.push_back(Hotspot{.path = f.path, .revisions = f.revisions, .code_lines = it->second});
  }
  std::int64_t largest = 0;
  for (const Hotspot& h : spots) largest = std::max(largest, h.revisions * h.code_lines);
  for (Hotspot& h : spots) h.score = largest > 0 ? double(h.revisions * h.code_lines) / double(largest) : 0.0;
  std::sort(spots.begin(), spots.end(), [](const Hotspot& a, const Hotspot& b) {
    std::int64_t pa = a.revisions * a.code_lines, pb = b.revisions * b.code_lines;
    if (pa != pb) return pa > pb;
    if (a.revisions != b.revisions) return a.revisions > b.revisions;
    return a.path < b.path;
  });
  return spots;
}

template <class T>
void keep_top(std::vector<T>& list, std::size_t top) {
  if (list.size() > top) list.resize(top);
}

}  // namespace

// ---------------------------------------------------------------- public API

Result<std::vector<Commit>> read_commits(const fs::path& repo_root, std::size_t max_commits) {
  auto repo = open_repository(repo_root);
  if (!repo) return repo.error();
  git_repository* r = repo->get();

  std::vector<Commit> commits;
  int unborn = git_repository_head_unborn(r);
  if (unborn < 0) return git_failure(repo_root, "reading HEAD");
  if (unborn == 1 || max_commits == 0) return commits;  // a fresh repository has no history yet

  git_oid head;
  if (git_reference_name_to_id(&head, r, "HEAD") < 0) return git_failure(repo_root, "reading HEAD");
  HistoryWalk walk(r, repo_root);
  if (auto pushed = walk.push(head); !pushed) return pushed.error();
  MailmapPtr mailmap = load_mailmap(r);

  while (commits.size() < max_commits) {
    auto step = walk.next();
    if (!step) return step.error();
    if (!step->commit) break;
    auto commit = read_commit(r, step->commit.get(), step->has_parent, mailmap.get(), repo_root);
    if (!commit) return commit.error();
    commits.push_back(std::move(*commit));
  }
  return commits;
}

History summarize_history(const std::vector<Commit>& commits, const HistoryOptions& options,
                          const std::map<std::string, std::int64_t>& code_lines) {
  History h;
  h.commits = static_cast<std::int64_t>(commits.size());
  // read_commits stops at max_commits, so a list that long may be missing older
  // commits (a history of exactly max_commits commits is reported as truncated too).
  h.truncated = !commits.empty() && commits.size() >= options.max_commits;
  if (!commits.empty()) {
    auto [oldest, newest] = std::minmax_element(commits.begin(), commits.end(),
                                                [](const Commit& a, const Commit& b) { return a.time < b.time; });
    h.first_time = oldest->time;
    h.last_time = newest->time;
  }
  h.authors = author_stats(commits);
  std::vector<FileChurn> churn = file_churn(commits);
  h.hotspots = hotspots(churn, code_lines);
  keep_top(h.hotspots, options.top);
  h.churn = std::move(churn);
  keep_top(h.churn, options.top);
  h.coupling = change_coupling(commits, options);
  keep_top(h.coupling, options.top);
  return h;
}

// Change coupling, computed exactly as code-maat's `coupling` analysis
// (adamtornhill/code-maat: src/code_maat/analysis/logical_coupling.clj,
// coupling_algos.clj and math.clj; checked against
// test/code_maat/analysis/logical_coupling_test.clj and coupling_algos_test.clj):
//
// 1. Change sets with more than max_changeset_size entries are dropped before
//    anything is counted (`exceeds-max-changeset-size?`: count > max), so they
//    count neither as shared revisions nor as revisions of their files.
// 2. revisions(f) = surviving change sets containing f, including those where f
//    changed alone (code-maat keeps the self-pair [f f] for exactly this).
//    shared(a, b) = surviving change sets containing both.
// 3. average = (revisions(a) + revisions(b)) / 2 and
//    coupling = shared / average * 100, both exact (Clojure ratios).
// 4. A pair is kept when average >= min_revs (the *average*, not each file's
//    revisions), shared >= min_shared_revs and coupling >= min_coupling.
//    (code-maat's max-coupling, 100 by default, never removes anything here:
//    shared <= min(revisions) <= average.)
// 5. degree = (int coupling): truncated, not rounded (2/3 -> 66); and
//    average_revisions is code-maat's reported `average-revs`, ceil(average).
// 6. Sorted by degree, then average-revs, both descending; code-maat leaves
//    ties in hash order, here they go by path, then coupled.
//
// The arithmetic is done in integers (sum = revisions(a) + revisions(b)):
// degree = floor(200 * shared / sum), and coupling >= min_coupling is
// 200 * shared >= min_coupling * sum. Floating point would get boundaries
// wrong: 29 shared of 100 average is 28.999... as a double.
// Pairs are named with the lexicographically smaller path first, as code-maat
// sorts each pair.
std::vector<Coupling> change_coupling(const std::vector<Commit>& commits, const HistoryOptions& options) {
  std::unordered_map<std::string_view, std::uint32_t> ids;
  std::vector<std::string_view> paths;
  std::vector<std::int64_t> revisions;
  std::unordered_map<std::uint64_t, std::int64_t> shared;  // key: smaller id << 32 | larger id

  std::vector<std::uint32_t> changed;
  for (const Commit& c : commits) {
    if (static_cast<std::int64_t>(c.files.size()) > options.max_changeset_size) continue;
    changed.clear();
    for (const FileChange& f : c.files) {
      auto [it, added] = ids.try_emplace(f.path, static_cast<std::uint32_t>(paths.size()));
      if (added) {
        paths.push_back(f.path);
        revisions.push_back(0);
      }
      changed.push_back(it->second);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (std::size_t i = 0; i < changed.size(); ++i) {
      ++revisions[changed[i]];
      for (std::size_t j = i + 1; j < changed.size(); ++j) ++shared[std::uint64_t{changed[i]} << 32 | changed[j]];
    }
  }

  std::vector<Coupling> result;
  for (const auto& [key, together] : shared) {
    auto a = static_cast<std::uint32_t>(key >> 32), b = static_cast<std::uint32_t>(key & 0xffffffffu);
    std::int64_t sum = revisions[a] + revisions[b];
    if (sum < 2 * std::int64_t{options.min_revs}) continue;
    if (together < options.min_shared_revs) continue;
    if (200 * together < std::int64_t{options.min_coupling} * sum) continue;
    if (paths[b] < paths[a]) std::swap(a, b);
    result.push_back(Coupling{.path = std::string(paths[a]),
                              .coupled = std::string(paths[b]),
                              .shared_revisions = together,
                              .average_revisions = double((sum + 1) / 2),
                              .degree = static_cast<int>(200 * together / sum)});
  }
  std::sort(result.begin(), result.end(), [](const Coupling& x, const Coupling& y) {
    if (x.degree != y.degree) return x.degree > y.degree;
    if (x.average_revisions != y.average_revisions) return x.average_revisions > y.average_revisions;
    if (x.path != y.path) return x.path < y.path;
    return x.coupled < y.coupled;
  });
  return result;
}

std::optional<std::string> head_revision(const fs::path& repo_root) {
  auto repo = open_repository(repo_root);
  if (!repo) return std::nullopt;
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo->get(), "HEAD") < 0) return std::nullopt;
  return to_hex(oid);
}

}  // namespace devagent::code
