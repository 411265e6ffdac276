// Code search against ripgrep on the same tree, in the same run.
//
// Indexes a directory (default /usr/include) into a fresh code index in a
// temporary directory, then times a few literal and regex queries through
// SearchIndex::search on the warm index, and `rg -c` / `rg -n` on the files
// themselves (warm page cache: every query runs once before it is timed).
// Prints the median of --runs runs of each, wall and CPU time, the counts
// (matching lines, files) from both sides — they should agree — and the
// ratio rg -c / devagent (> 1: devagent faster). `rg -c` is ripgrep's
// cheapest equivalent (counts only); `rg -n` also prints every line.
//
//   search_bench [--dir DIR] [--runs N] [--keep | --reuse INDEX_DB]
//
// --keep leaves the index in place and prints its path; --reuse times the
// queries against such an index (of the same --dir) without indexing again.
#include "code/index_store.h"
#include "code/search.h"
#include "store/store.h"

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using devagent::code::SearchIndex;
using devagent::code::SearchQuery;
using devagent::code::SearchResults;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 4 << 20;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Indexed {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
};

std::string language_of(const fs::path& p) {
  std::string ext = p.extension().string();
  if (ext == ".h" || ext == ".hpp" || ext == ".hh" || ext == ".hxx" || ext == ".ipp" || ext.empty()) {
    return "C/C++ Header";
  }
  if (ext == ".c") return "C";
  if (ext == ".cpp" || ext == ".cc" || ext == ".cxx") return "C++";
  if (ext == ".py") return "Python";
  return "Text";
}

// Every regular text file under root, like the indexer stores them; files
// with a NUL byte are skipped (ripgrep skips them too).
Indexed index_tree(devagent::store::Database& db, const fs::path& root) {
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it) {
    std::error_code ec;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    if (it->file_size(ec) > kMaxFileBytes) continue;
    paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  Indexed out;
  constexpr std::size_t kBatch = 500;
  for (std::size_t start = 0; start < paths.size(); start += kBatch) {
    auto r = db.transaction([&](devagent::store::Database& tx) -> devagent::Result<> {
      SearchIndex search(tx);
      for (std::size_t i = start; i < std::min(paths.size(), start + kBatch); ++i) {
        std::ifstream in(paths[i], std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (content.find('\0') != std::string::npos) continue;
        std::string rel = fs::relative(paths[i], root).string();
        std::string lang = language_of(paths[i]);
        auto up = tx.execute(
            "INSERT INTO code_files (repo, path, language, size, hash, mtime_ns, code, comment, blank) "
            "VALUES ('bench', ?, ?, ?, '', 0, 0, 0, 0)",
            {rel, lang, static_cast<std::int64_t>(content.size())});
        if (!up) return up.error();
        if (auto p = search.put("bench", rel, lang, content); !p) return p;
        out.files += 1;
        out.bytes += static_cast<std::int64_t>(content.size());
      }
      return {};
    });
    if (!r) {
      std::cerr << "indexing failed: " << r.error().message << "\n";
      std::exit(1);
    }
  }
  return out;
}

struct Ran {
  std::string out;
  double cpu_ms = 0;  // user + system time of the child
};

// Runs a program and returns its stdout and CPU time.
Ran run(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::cerr << "cannot run " << args[0] << "\n";
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  std::string out;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return {std::move(out), ms(usage.ru_utime) + ms(usage.ru_stime)};
}

struct RgCount {
  std::int64_t total = 0;
  std::int64_t files = 0;
};

// `rg -c` prints path:count per file.
RgCount parse_counts(const std::string& out) {
  RgCount c;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto colon = line.rfind(':');
    if (colon == std::string::npos) continue;
    c.total += std::atoll(line.c_str() + colon + 1);
    c.files += 1;
  }
  return c;
}

struct Case {
  const char* label;
  SearchQuery query;
};

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = "/usr/include";
  int runs = 5;
  bool keep = false;
  fs::path reuse;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--keep") {
      keep = true;
    } else if (a == "--reuse" && i + 1 < argc) {
      reuse = argv[++i];
    } else {
      std::cerr << "usage: search_bench [--dir DIR] [--runs N] [--keep | --reuse INDEX_DB]\n";
      return 2;
    }
  }

  fs::path work;
  fs::path db_path = reuse;
  if (reuse.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "search-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    work = tmpl;
    db_path = work / "code-index.db";
  }
  auto db = devagent::code::open_code_index(db_path.string());
  if (!db) {
    std::cerr << db.error().message << "\n";
    return 1;
  }
  if (reuse.empty()) {
    auto start = Clock::now();
    Indexed indexed = index_tree(**db, dir);
    double index_ms = ms_since(start);
    std::uintmax_t db_bytes = 0;
    for (const auto& e : fs::directory_iterator(work)) db_bytes += e.file_size();
    std::printf("indexed %s: %lld files, %.1f MB in %.1f s; index %.1f MB\n", dir.c_str(),
                static_cast<long long>(indexed.files), indexed.bytes / 1e6, index_ms / 1000, db_bytes / 1e6);
  } else {
    auto n = (*db)->query("SELECT COUNT(*), SUM(size) FROM code_files");
    if (!n) return 1;
    std::printf("reusing %s: %lld files, %.1f MB of %s\n", reuse.c_str(), static_cast<long long>(n->rows[0].integer(0)),
                static_cast<double>(n->rows[0].integer(1)) / 1e6, dir.c_str());
  }

  SearchIndex index(**db);
  std::vector<Case> cases = {
      {"literal, rare", {.text = "basic_string_view"}},
      {"literal, rare", {.text = "sockaddr_in6"}},
      {"literal, medium", {.text = "unique_ptr"}},
      {"literal, medium", {.text = "EINVAL"}},
      {"literal, common", {.text = "BOOST_ASIO_DECL"}},
      {"literal, very common", {.text = "template"}},
      {"literal, case-sens.", {.text = "TypeError", .case_sensitive = true}},
      {"literal, no match", {.text = "thisSymbolDoesNotExist"}},
      {"regex", {.text = R"(std::\w+_ptr)", .regex = true}},
      {"regex", {.text = R"(^#define\s+\w+_H\b)", .regex = true}},
      {"regex", {.text = R"(\bstatic_assert\s*\()", .regex = true}},
      {"regex, alternation", {.text = R"(shared_mutex|condition_variable)", .regex = true}},
      {"regex, no prefilter", {.text = R"(\w+_t\s+\*\w+;)", .regex = true}},
  };

  std::printf("\nmedian of %d runs; cpu = user + system time (rg: of the child, all its threads)\n", runs);
  std::printf("%-20s %-34s | %9s %9s %7s %6s | %9s %9s %9s %7s %6s | %7s %7s\n", "case", "query", "devagent", "cpu",
              "total", "files", "rg -c", "cpu", "rg -n", "total", "files", "rg/us", "cpu");
  for (const auto& c : cases) {
    SearchResults r;
    std::vector<double> ours, ours_cpu;
    for (int i = 0; i <= runs; ++i) {
      double c0 = cpu_ms();
      auto t = Clock::now();
      auto res = index.search(c.query);
      double ms = ms_since(t);
      double cpu = cpu_ms() - c0;
      if (!res) {
        std::cerr << c.query.text << ": " << res.error().message << "\n";
        return 1;
      }
      r = std::move(*res);
      if (i > 0) {  // the first run warms up
        ours.push_back(ms);
        ours_cpu.push_back(cpu);
      }
    }
    std::vector<std::string> rg = {"rg", "--no-ignore", "--hidden", "--no-messages", "--no-config"};
    if (!c.query.regex) rg.push_back("-F");
    rg.push_back(c.query.regex || c.query.case_sensitive ? "-s" : "-i");
    std::vector<std::string> rg_count = rg;
    rg_count.insert(rg_count.end(), {"-c", "-e", c.query.text, dir.string()});
    std::vector<std::string> rg_lines = rg;
    rg_lines.insert(rg_lines.end(), {"-n", "--no-heading", "-e", c.query.text, dir.string()});
    RgCount counts;
    std::vector<double> rg_c, rg_c_cpu, rg_n;
    for (int i = 0; i <= runs; ++i) {
      auto t = Clock::now();
      auto ran = run(rg_count);
      double ms = ms_since(t);
      counts = parse_counts(ran.out);
      t = Clock::now();
      run(rg_lines);
      double ms_n = ms_since(t);
      if (i > 0) {
        rg_c.push_back(ms);
        rg_c_cpu.push_back(ran.cpu_ms);
        rg_n.push_back(ms_n);
      }
    }
    double us = median(ours);
    double us_cpu = median(ours_cpu);
    std::printf("%-20s %-34s | %7.1fms %7.1fms %7lld %6lld | %7.1fms %7.1fms %7.1fms %7lld %6lld | %6.1fx %6.1fx\n",
                c.label, c.query.text.c_str(), us, us_cpu, static_cast<long long>(r.total),
                static_cast<long long>(r.files), median(rg_c), median(rg_c_cpu), median(rg_n),
                static_cast<long long>(counts.total), static_cast<long long>(counts.files), median(rg_c) / us,
                median(rg_c_cpu) / us_cpu);
  }
  std::printf("rg/us: rg -c time over devagent's (> 1: devagent is faster); wall, then cpu\n");
  if (keep || !reuse.empty()) {
    std::printf("\nindex kept at %s\n", db_path.c_str());
  } else {
    db->reset();
    fs::remove_all(work);
  }
  return 0;
}
