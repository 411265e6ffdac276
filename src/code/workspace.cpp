#include "code/workspace.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace devagent::code {
namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& p, const fs::path& root) {
  auto pi = p.begin();
  for (auto ri = root.begin(); ri != root.end(); ++ri, ++pi) {
    if (ri->empty()) continue;  // a trailing separator
    if (pi == p.end() || *pi != *ri) return false;
  }
  return true;
}

std::string id_for(const fs::path& root) {
  auto s = root.string();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(XXH3_64bits(s.data(), s.size())));
  return buf;
}

bool is_git_root(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / ".git", ec);
}

const std::set<std::string>& skipped_dirs() {
  static const std::set<std::string> s = {".git", "node_modules", ".venv", "venv", "__pycache__", ".devagent",
                                          "target", "build", "dist", ".tox", ".cache", "vendor", "third_party"};
  return s;
}

}  // namespace

Result<Workspace> Workspace::open(const std::vector<std::string>& roots, const fs::path& base) {
  Workspace w;
  for (const auto& r : roots) {
    fs::path p = fs::path(r).is_absolute() ? fs::path(r) : base / r;
    std::error_code ec;
    auto canonical = fs::canonical(p, ec);
    if (ec || !fs::is_directory(canonical, ec)) {
      return make_error(ErrorKind::config, "workspace.roots: '" + r + "' is not a directory");
    }
    if (std::find(w.roots_.begin(), w.roots_.end(), canonical) == w.roots_.end()) w.roots_.push_back(canonical);
  }
  if (w.roots_.empty()) return make_error(ErrorKind::config, "workspace.roots: no directory given");
  return w;
}

bool Workspace::contains(const fs::path& canonical) const {
  return std::any_of(roots_.begin(), roots_.end(), [&](const fs::path& r) { return inside(canonical, r); });
}

Result<fs::path> Workspace::confine(std::string_view path, const fs::path& base) const {
  if (path.empty()) return make_error(ErrorKind::invalid_argument, "empty path");
  if (path.find('\0') != std::string_view::npos) return make_error(ErrorKind::invalid_argument, "path holds a NUL byte");
  fs::path p(path);
  if (!p.is_absolute()) p = base / p;
  std::error_code ec;
  auto canonical = fs::canonical(p, ec);
  if (ec) {
    // It may not exist; refuse paths that would leave the roots even so.
    auto weak = fs::weakly_canonical(p, ec);
    if (!ec && !contains(weak)) {
      return make_error(ErrorKind::forbidden, "'" + std::string(path) + "' is outside the workspace roots");
    }
    return make_error(ErrorKind::not_found, "'" + std::string(path) + "' does not exist");
  }
  if (!contains(canonical)) {
    return make_error(ErrorKind::forbidden, "'" + std::string(path) + "' is outside the workspace roots (resolves to " +
                                                canonical.string() + ")");
  }
  return canonical;
}

Repository Workspace::repository_at(const fs::path& root) const {
  Repository r;
  r.root = root;
  r.id = id_for(root);
  r.name = root.filename().string();
  if (r.name.empty()) r.name = root.string();
  r.git = is_git_root(root);
  return r;
}

std::vector<Repository> Workspace::repositories(int max_depth) const {
  if (rescan_.interval.count() <= 0) return scan(max_depth);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(rescan_.mutex);
    auto it = rescan_.by_depth.find(max_depth);
    if (it != rescan_.by_depth.end() && now - it->second.first < rescan_.interval) return it->second.second;
  }
  auto found = scan(max_depth);
  std::lock_guard lock(rescan_.mutex);
  rescan_.by_depth[max_depth] = {now, found};
  return found;
}

std::vector<Repository> Workspace::scan(int max_depth) const {
  std::vector<fs::path> found;
  for (const auto& root : roots_) {
    // A root inside a repository belongs to that repository.
    fs::path up = root;
    bool enclosed = false;
    while (up.has_parent_path() && up != up.parent_path()) {
      if (is_git_root(up)) {
        enclosed = true;
        if (contains(up)) found.push_back(up);
        else found.push_back(root);  // the enclosing repository is not readable: the root stands alone
        break;
      }
      up = up.parent_path();
    }
    if (!enclosed) found.push_back(root);
    // Repositories further down.
    std::vector<std::pair<fs::path, int>> stack = {{root, 0}};
    while (!stack.empty()) {
      auto [dir, depth] = stack.back();
      stack.pop_back();
      if (depth >= max_depth) continue;
      std::error_code ec;
      for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
        auto name = it->path().filename().string();
        if (skipped_dirs().count(name) || (!name.empty() && name[0] == '.')) continue;
        if (is_git_root(it->path())) found.push_back(it->path());
        stack.push_back({it->path(), depth + 1});
      }
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::vector<Repository> out;
  std::map<std::string, int> name_count;
  for (const auto& p : found) out.push_back(repository_at(p));
  for (const auto& r : out) ++name_count[r.name];
  for (auto& r : out) {
    if (name_count[r.name] > 1 && r.root.has_parent_path()) r.name = r.root.parent_path().filename().string() + "/" + r.name;
  }
  return out;
}

Result<Repository> Workspace::resolve(std::string_view spec, const fs::path& base) const {
  if (spec.empty() || spec == ".") {
    auto repos = repositories(0);
    // "." is the repository of the first root.
    for (const auto& r : repos) {
      if (inside(roots_.front(), r.root)) return r;
    }
    return repository_at(roots_.front());
  }
  for (const auto& r : repositories()) {
    if (r.name == spec) return r;
  }
  auto path = confine(spec, base);
  if (!path) {
    if (path.error().kind == ErrorKind::not_found) {
      return make_error(ErrorKind::not_found, "no repository or directory named '" + std::string(spec) +
                                                  "' in the workspace (see devagent index --list)");
    }
    return path.error();
  }
  std::error_code ec;
  if (!fs::is_directory(*path, ec)) {
    return make_error(ErrorKind::invalid_argument, "'" + std::string(spec) + "' is not a directory");
  }
  // The repository that holds the directory, within the roots.
  fs::path up = *path;
  while (contains(up)) {
    if (is_git_root(up)) return repository_at(up);
    if (!up.has_parent_path() || up == up.parent_path()) break;
    up = up.parent_path();
  }
  return repository_at(*path);
}

Result<std::string> normalise_relative(std::string_view path) {
  if (path.empty()) return make_error(ErrorKind::invalid_argument, "empty path");
  if (path.size() > 4096) return make_error(ErrorKind::invalid_argument, "path longer than 4096 bytes");
  if (path.find('\0') != std::string_view::npos) return make_error(ErrorKind::invalid_argument, "path holds a NUL byte");
  fs::path p(path);
  if (p.is_absolute()) return make_error(ErrorKind::invalid_argument, "'" + std::string(path) + "' is absolute; give a path inside the repository");
  std::vector<std::string> parts;
  for (const auto& part : p.lexically_normal()) {
    auto s = part.string();
    if (s.empty() || s == ".") continue;
    if (s == "..") {
      return make_error(ErrorKind::forbidden, "'" + std::string(path) + "' leaves the repository");
    }
    parts.push_back(s);
  }
  if (parts.empty()) return make_error(ErrorKind::invalid_argument, "'" + std::string(path) + "' names no file");
  std::string out;
  for (const auto& s : parts) out += (out.empty() ? "" : "/") + s;
  return out;
}

}  // namespace devagent::code
