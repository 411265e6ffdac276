// Language detection and line counting over a directory tree, timed, and the
// same tree through cloc for comparison: both times, the speed-up, and the
// per-language totals side by side with their differences.
//
//   analysis_bench [DIR] [--no-cloc]      (DIR defaults to /usr/include)
//
// Both sides walk the same files: cloc's default excluded directories (.git,
// .svn, .hg, .bzr, .cvs, .snapshot, .config) are skipped, empty files are
// skipped, symbolic links to files are followed, and cloc runs with
// --skip-uniqueness so it counts duplicate files as devagent does. One thread
// on each side (cloc's default). A file's language comes from its whole
// content, so cloc's content checks for .m, .pl, .ts, ... see what cloc sees.
// Binary files are those with a NUL in the first 8,000 bytes here and Perl's
// -B test in cloc; the file counts show when the two disagree.
#include "code/languages.h"

#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using devagent::code::count_lines;
using devagent::code::detect_language;
using devagent::code::is_binary;

namespace {

struct Totals {
  std::int64_t files = 0, code = 0, comment = 0, blank = 0;
};

// Reads a file, unless its first 8,000 bytes show it is binary.
enum class Read { text, binary, failed };

Read read_text(const fs::path& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Read::failed;
  struct stat st {};
  ::fstat(fd, &st);
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t have = 0;
  while (have < out.size()) {
    std::size_t want = have < 8000 ? std::min<std::size_t>(8000, out.size()) - have : out.size() - have;
    ssize_t n = ::read(fd, out.data() + have, want);
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    if (have == std::min<std::size_t>(8000, out.size()) && is_binary(std::string_view(out).substr(0, have))) {
      ::close(fd);
      return Read::binary;
    }
  }
  out.resize(have);
  ::close(fd);
  return Read::text;
}

// The files cloc would look at under `root`.
std::vector<fs::path> walk(const fs::path& root) {
  static const std::set<std::string> kExcluded = {".svn", ".cvs", ".hg", ".git", ".bzr", ".snapshot", ".config"};
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) {
      if (it->is_symlink(ec) || kExcluded.contains(it->path().filename().string())) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && it->file_size(ec) > 0) files.push_back(it->path());
  }
  return files;
}

// Runs a command and returns its standard output.
std::string capture(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? out : std::string();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string percent(std::int64_t mine, std::int64_t theirs) {
  if (mine == theirs) return "=";
  if (theirs == 0) return "new";
  char text[32];
  std::snprintf(text, sizeof text, "%+.2f%%", 100.0 * static_cast<double>(mine - theirs) / static_cast<double>(theirs));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path root = "/usr/include";
  bool run_cloc = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--no-cloc") {
      run_cloc = false;
    } else {
      root = arg;
    }
  }

  auto start = std::chrono::steady_clock::now();
  std::vector<fs::path> files = walk(root);
  std::map<std::string, Totals> mine;
  std::int64_t bytes = 0, skipped_binary = 0;
  std::string content;
  for (const auto& path : files) {
    Read read = read_text(path, content);
    if (read == Read::failed) continue;
    if (read == Read::binary) {
      ++skipped_binary;
      continue;
    }
    std::string language = detect_language(path.string(), content);
    if (language.empty()) continue;
    auto n = count_lines(content, language);
    Totals& t = mine[language];
    ++t.files;
    t.code += n.code;
    t.comment += n.comment;
    t.blank += n.blank;
    bytes += static_cast<std::int64_t>(content.size());
  }
  const double ours = seconds_since(start);
  std::int64_t counted = 0;
  for (const auto& [language, t] : mine) counted += t.files;
  std::printf("devagent: %s\n", root.c_str());
  std::printf("  %zu files walked, %lld binary, %lld counted, %.1f MB counted\n", files.size(),
              static_cast<long long>(skipped_binary), static_cast<long long>(counted), bytes / 1e6);
  std::printf("  %.3f s  %.0f files/s  %.1f MB/s (walk, read, detect and count; one thread)\n", ours,
              static_cast<double>(files.size()) / ours, bytes / 1e6 / ours);
  if (!run_cloc) return 0;

  start = std::chrono::steady_clock::now();
  std::string report = capture({"cloc", "--json", "--skip-uniqueness", "--quiet", root.string()});
  const double theirs = seconds_since(start);
  if (report.empty()) {
    std::printf("cloc: did not run (is cloc installed?)\n");
    return 1;
  }
  std::map<std::string, Totals> cloc;
  const boost::json::value parsed = boost::json::parse(report);
  for (const auto& [key, value] : parsed.as_object()) {
    if (key == "header" || key == "SUM") continue;
    const auto& o = value.as_object();
    cloc[std::string(key)] = {o.at("nFiles").as_int64(), o.at("code").as_int64(), o.at("comment").as_int64(),
                              o.at("blank").as_int64()};
  }
  std::printf("cloc: %.3f s  (devagent is %.1fx faster)\n\n", theirs, theirs / ours);

  std::set<std::string> languages;
  for (const auto& [language, t] : mine) languages.insert(language);
  for (const auto& [language, t] : cloc) languages.insert(language);
  std::vector<std::string> ordered(languages.begin(), languages.end());
  std::sort(ordered.begin(), ordered.end(), [&](const std::string& a, const std::string& b) {
    return std::max(mine[a].code, cloc[a].code) > std::max(mine[b].code, cloc[b].code);
  });
  std::printf("%-26s %15s %21s %21s %21s\n", "language (devagent/cloc)", "files", "code", "comment", "blank");
  for (const auto& language : ordered) {
    const Totals& m = mine[language];
    const Totals& c = cloc[language];
    std::printf("%-26s %7lld/%-7lld %9lld %-11s %9lld %-11s %9lld %-11s\n", language.c_str(),
                static_cast<long long>(m.files), static_cast<long long>(c.files), static_cast<long long>(m.code),
                percent(m.code, c.code).c_str(), static_cast<long long>(m.comment),
                percent(m.comment, c.comment).c_str(), static_cast<long long>(m.blank),
                percent(m.blank, c.blank).c_str());
  }
  return 0;
}
