#include "code/indexer.h"

#include "code/history.h"
#include "code/imports.h"
#include "code/languages.h"
#include "code/manifests.h"
#include "code/search.h"
#include "code/symbols.h"
#include "core/log.h"
#include "store/store.h"

#include <git2.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace devagent::code {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct GitInit {
  GitInit() { git_libgit2_init(); }
};

void ensure_git() { static GitInit once; }

struct Known {
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string hash;
};

struct Scanned {
  std::string path;
  bool changed = false;
  bool skip = false;
  enum class Skip { none, binary, large, other } why = Skip::none;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string hash;
  std::string content;  // only for changed files
  std::string language;
  LineCounts lines;
};

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

const std::vector<std::string>& plain_skips() {
  static const std::vector<std::string> s = {".git", "node_modules", ".venv", "__pycache__", ".devagent", ".tox",
                                             ".mypy_cache", ".pytest_cache"};
  return s;
}

Result<std::vector<std::string>> list_plain(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) return make_error(ErrorKind::io, "cannot list " + root.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    auto name = it->path().filename().string();
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      if (std::find(plain_skips().begin(), plain_skips().end(), name) != plain_skips().end()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    out.push_back(fs::relative(it->path(), root, ec).generic_string());
  }
  return out;
}

// Reads one file: stat first; content only when size or mtime differ from
// what the index knows.
Scanned scan(const fs::path& root, const std::string& path, const Known* known, std::uint64_t max_size) {
  Scanned s;
  s.path = path;
  auto full = (root / path).string();
  struct stat st{};
  if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    s.skip = true;
    s.why = Scanned::Skip::other;  // symlinks are never followed: they may point outside the roots
    return s;
  }
  s.size = st.st_size;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (static_cast<std::uint64_t>(s.size) > max_size) {
    s.skip = true;
    s.why = Scanned::Skip::large;
    return s;
  }
  if (known && known->size == s.size && known->mtime_ns == s.mtime_ns) {
    s.hash = known->hash;
    return s;  // unchanged, not read
  }
  int fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    s.skip = true;
    s.why = Scanned::Skip::other;
    return s;
  }
  s.content.resize(static_cast<std::size_t>(s.size));
  std::size_t got = 0;
  while (got < s.content.size()) {
    ssize_t n = ::read(fd, s.content.data() + got, s.content.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  s.content.resize(got);
  if (is_binary(std::string_view(s.content).substr(0, 8000))) {
    s.skip = true;
    s.why = Scanned::Skip::binary;
    s.content.clear();
    return s;
  }
  s.hash = hex64(XXH3_64bits(s.content.data(), s.content.size()));
  if (known && known->hash == s.hash) {
    s.content.clear();  // touched but identical: only the mtime is updated
    return s;
  }
  s.changed = true;
  auto nl = s.content.find('\n');
  s.language = detect_language(path, std::string_view(s.content).substr(0, nl == std::string::npos ? 200 : nl));
  if (!s.language.empty()) s.lines = count_lines(s.content, s.language);
  return s;
}

Result<std::unordered_map<std::string, Known>> load_known(store::Database& db, const std::string& repo) {
  auto rows = db.query("SELECT path, size, mtime_ns, hash FROM code_files WHERE repo = ?", {repo});
  if (!rows) return rows.error();
  std::unordered_map<std::string, Known> known;
  known.reserve(rows->rows.size());
  for (const auto& r : rows->rows) known[r.text(0)] = Known{r.integer(1), r.integer(2), r.text(3)};
  return known;
}

// Everything a changed file contributes, written in one transaction per batch.
Result<> write_batch(store::Database& db, const std::string& repo, std::vector<Scanned>& batch) {
  return db.transaction([&](store::Database& tx) -> Result<> {
    SearchIndex search(tx);
    for (auto& s : batch) {
      if (s.skip) continue;
      if (!s.changed) {
        auto r = tx.execute("UPDATE code_files SET mtime_ns = ? WHERE repo = ? AND path = ?", {s.mtime_ns, repo, s.path});
        if (!r) return r.error();
        continue;
      }
      auto up = tx.execute(
          "INSERT INTO code_files (repo, path, language, size, hash, mtime_ns, code, comment, blank) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo, path) DO UPDATE SET language = excluded.language, "
          "size = excluded.size, hash = excluded.hash, mtime_ns = excluded.mtime_ns, code = excluded.code, "
          "comment = excluded.comment, blank = excluded.blank",
          {repo, s.path, s.language, s.size, s.hash, s.mtime_ns, s.lines.code, s.lines.comment, s.lines.blank});
      if (!up) return up.error();
      if (auto r = search.put(repo, s.path, s.language, s.content); !r) return r;
      if (auto r = tx.execute("DELETE FROM code_imports WHERE repo = ? AND from_path = ?", {repo, s.path}); !r) {
        return r.error();
      }
      for (const auto& e : extract_imports(s.path, s.language, s.content)) {
        auto r = tx.execute(
            "INSERT INTO code_imports (repo, from_path, spec, to_path, line, external) VALUES (?, ?, ?, '', ?, 0)",
            {repo, s.path, e.spec, std::int64_t{e.line}});
        if (!r) return r.error();
      }
      if (is_manifest(s.path)) {
        if (auto r = tx.execute("DELETE FROM code_deps WHERE repo = ? AND manifest = ?", {repo, s.path}); !r) {
          return r.error();
        }
        auto deps = parse_manifest(s.path, s.content);
        if (!deps) {
          log::warn("manifest not understood", "repository", repo, "path", s.path, "error", deps.error().message);
        } else {
          for (const auto& d : *deps) {
            auto r = tx.execute(
                "INSERT INTO code_deps (repo, manifest, ecosystem, name, constraint_text, scope) VALUES (?, ?, ?, ?, ?, ?)",
                {repo, d.manifest, d.ecosystem, d.name, d.constraint, d.scope});
            if (!r) return r.error();
          }
        }
      }
    }
    return {};
  });
}

Result<> remove_files(store::Database& db, const std::string& repo, const std::vector<std::string>& paths) {
  return db.transaction([&](store::Database& tx) -> Result<> {
    SearchIndex search(tx);
    for (const auto& p : paths) {
      if (auto r = search.remove(repo, p); !r) return r;
      for (const char* sql : {"DELETE FROM code_files WHERE repo = ? AND path = ?",
                              "DELETE FROM code_symbols WHERE repo = ? AND path = ?",
                              "DELETE FROM code_imports WHERE repo = ? AND from_path = ?",
                              "DELETE FROM code_deps WHERE repo = ? AND manifest = ?"}) {
        if (auto r = tx.execute(sql, {repo, p}); !r) return r.error();
      }
    }
    return {};
  });
}

Result<> write_symbols(store::Database& db, const Repository& repo, const std::vector<std::string>& paths) {
  if (paths.empty()) return {};
  auto symbols = extract_symbols(repo.root, paths);
  if (!symbols) {
    log::warn("symbols not extracted", "repository", repo.name, "error", symbols.error().message);
    return {};
  }
  return db.transaction([&](store::Database& tx) -> Result<> {
    for (const auto& p : paths) {
      if (auto r = tx.execute("DELETE FROM code_symbols WHERE repo = ? AND path = ?", {repo.id, p}); !r) return r.error();
    }
    for (const auto& s : *symbols) {
      auto r = tx.execute(
          "INSERT INTO code_symbols (repo, path, name, kind, line, scope, language, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {repo.id, s.path, s.name, s.kind, std::int64_t{s.line}, s.scope, s.language, s.signature});
      if (!r) return r.error();
    }
    return {};
  });
}

}  // namespace

Result<std::vector<std::string>> list_files(const Repository& repo) {
  if (!repo.git) return list_plain(repo.root);
  ensure_git();
  git_repository* raw = nullptr;
  if (git_repository_open(&raw, repo.root.c_str()) != 0) {
    const git_error* e = git_error_last();
    return make_error(ErrorKind::io, "cannot open git repository " + repo.root.string() + ": " + (e ? e->message : "?"));
  }
  std::unique_ptr<git_repository, decltype(&git_repository_free)> r(raw, git_repository_free);
  std::vector<std::string> out;
  // Tracked files, from the index.
  git_index* idx_raw = nullptr;
  if (git_repository_index(&idx_raw, r.get()) == 0) {
    std::unique_ptr<git_index, decltype(&git_index_free)> idx(idx_raw, git_index_free);
    auto n = git_index_entrycount(idx.get());
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const git_index_entry* e = git_index_get_byindex(idx.get(), i);
      if (!e || GIT_INDEX_ENTRY_STAGE(e) != 0) continue;
      if ((e->mode & 0170000) == 0160000) continue;  // submodule
      out.emplace_back(e->path);
    }
  }
  // Untracked files git does not ignore.
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_NO_REFRESH;
  git_status_list* list_raw = nullptr;
  if (git_status_list_new(&list_raw, r.get(), &opts) == 0) {
    std::unique_ptr<git_status_list, decltype(&git_status_list_free)> list(list_raw, git_status_list_free);
    auto n = git_status_list_entrycount(list.get());
    for (size_t i = 0; i < n; ++i) {
      const git_status_entry* e = git_status_byindex(list.get(), i);
      if (e && (e->status & GIT_STATUS_WT_NEW) && e->index_to_workdir && e->index_to_workdir->new_file.path) {
        out.emplace_back(e->index_to_workdir->new_file.path);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<IndexStats> index_repository(store::Database& db, const Repository& repo, const IndexOptions& options,
                                    const IndexProgress& progress) {
  auto started = Clock::now();
  IndexStats stats;
  auto files = list_files(repo);
  if (!files) return files.error();
  auto known = load_known(db, repo.id);
  if (!known) return known.error();

  std::vector<std::string> removed;
  {
    std::unordered_map<std::string, bool> present;
    present.reserve(files->size());
    for (const auto& f : *files) present[f] = true;
    for (const auto& [path, k] : *known) {
      if (!present.count(path)) removed.push_back(path);
    }
  }

  const auto total = static_cast<std::int64_t>(files->size());
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  constexpr std::size_t kBatch = 512;
  std::vector<std::string> changed_paths;
  std::atomic<std::int64_t> done{0};
  for (std::size_t start = 0; start < files->size(); start += kBatch) {
    std::size_t end = std::min(files->size(), start + kBatch);
    std::vector<Scanned> batch(end - start);
    std::atomic<std::size_t> next{start};
    auto worker = [&] {
      for (std::size_t i = next++; i < end; i = next++) {
        auto it = known->find((*files)[i]);
        batch[i - start] = scan(repo.root, (*files)[i], it == known->end() ? nullptr : &it->second, options.max_file_size);
        ++done;
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    for (auto& s : batch) {
      if (s.skip) {
        if (s.why == Scanned::Skip::binary) ++stats.skipped_binary;
        else if (s.why == Scanned::Skip::large) ++stats.skipped_large;
        else ++stats.skipped_other;
        if (known->count(s.path)) removed.push_back(s.path);  // it was indexed before
        continue;
      }
      ++stats.files;
      if (s.changed) {
        ++stats.changed;
        stats.bytes_read += static_cast<std::int64_t>(s.content.size());
        changed_paths.push_back(s.path);
      } else {
        ++stats.unchanged;
      }
    }
    if (auto r = write_batch(db, repo.id, batch); !r) return r.error();
    if (progress) progress(done.load(), total);
  }
  if (!removed.empty()) {
    if (auto r = remove_files(db, repo.id, removed); !r) return r.error();
  }
  stats.removed = static_cast<std::int64_t>(removed.size());
  if (auto r = write_symbols(db, repo, changed_paths); !r) return r.error();

  stats.head = repo.git ? head_revision(repo.root).value_or("") : "";
  auto up = db.execute(
      "INSERT INTO code_repos (id, root, name, head, indexed_at, files) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET root = excluded.root, name = excluded.name, head = excluded.head, "
      "indexed_at = excluded.indexed_at, files = excluded.files",
      {repo.id, repo.root.string(), repo.name, stats.head, store::now_ms(), stats.files});
  if (!up) return up.error();
  stats.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return stats;
}

}  // namespace devagent::code
