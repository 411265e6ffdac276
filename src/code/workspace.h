// Workspaces: the directories devagent may read (workspace.roots), the
// repositories under them, and confinement — every path a request names is
// resolved (symlinks and ".." included) and refused unless it stays inside a
// root.
#pragma once

#include "core/error.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::code {

struct Repository {
  std::string id;    // stable: a hash of the canonical root
  std::string name;  // the directory name (parent/name when two share one)
  std::filesystem::path root;  // canonical, absolute
  bool git = false;
};

class Workspace {
 public:
  // Roots must exist and be directories; each is made canonical. Relative
  // roots are taken from base (the current directory).
  static Result<Workspace> open(const std::vector<std::string>& roots, const std::filesystem::path& base);

  const std::vector<std::filesystem::path>& roots() const { return roots_; }

  // The canonical absolute form of path (relative paths are taken from base),
  // or an error: forbidden when it lies outside every root once symlinks and
  // ".." are resolved, not_found when it does not exist.
  Result<std::filesystem::path> confine(std::string_view path, const std::filesystem::path& base) const;
  bool contains(const std::filesystem::path& canonical) const;

  // Repositories under the roots: every directory holding .git (searched to
  // max_depth levels, not inside another repository's ignored or vendored
  // trees), and each root that is not inside a repository itself. With a
  // rescan interval, a scan is reused for that long.
  std::vector<Repository> repositories(int max_depth = 4) const;

  // How long repositories() reuses a scan of the directories; 0 (the
  // default): every call scans. The server sets code.refresh_interval, so a
  // repository cloned into the workspace is seen as soon as an edit is.
  void set_rescan_interval(std::chrono::milliseconds interval) { rescan_.interval = interval; }

  // A repository named by the user: "." (the first root's repository), a
  // path, or a repository name from repositories().
  Result<Repository> resolve(std::string_view spec, const std::filesystem::path& base) const;

  // The repository whose root holds this canonical path.
  Repository repository_at(const std::filesystem::path& root) const;

 private:
  std::vector<Repository> scan(int max_depth) const;

  // The reused scans; a copy of the workspace keeps the interval and starts
  // with none.
  struct Rescan {
    Rescan() = default;
    Rescan(const Rescan& other) : interval(other.interval) {}
    Rescan& operator=(const Rescan& other) {
      if (this == &other) return *this;
      std::lock_guard lock(mutex);
      interval = other.interval;
      by_depth.clear();
      return *this;
    }
    ~Rescan() = default;
    std::chrono::milliseconds interval{0};
    std::mutex mutex;
    std::map<int, std::pair<std::chrono::steady_clock::time_point, std::vector<Repository>>> by_depth;
  };
  std::vector<std::filesystem::path> roots_;
  mutable Rescan rescan_;
};

// A repository-relative path given by a user or a model ("src/a.cpp",
// "./src/a.cpp"): normalised, or invalid_argument when it is absolute,
// escapes with "..", or holds a NUL.
Result<std::string> normalise_relative(std::string_view path);

}  // namespace devagent::code
