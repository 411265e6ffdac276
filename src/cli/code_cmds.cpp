// devagent index, analyze, relationships, search: code intelligence on the
// command line.
#include "cli/common.h"
#include "code/code.h"
#include "code/graph.h"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <unistd.h>

namespace devagent::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::unique_ptr<code::CodeIntel> open_code(const GlobalFlags& flags, int& exit_code) {
  auto cfg = load_config(flags);
  if (!cfg) {
    exit_code = kExitUsage;
    return nullptr;
  }
  auto intel = code::CodeIntel::open(code::CodeOptions::from(*cfg, std::filesystem::current_path()));
  if (!intel) {
    print_error(intel.error().message);
    exit_code = intel.error().kind == ErrorKind::config ? kExitUsage : kExitRuntime;
    return nullptr;
  }
  return std::move(*intel);
}

int fail(const Error& e) {
  print_error(e.message);
  return e.kind == ErrorKind::invalid_argument || e.kind == ErrorKind::forbidden || e.kind == ErrorKind::not_found
             ? kExitUsage
             : kExitRuntime;
}

// A progress bar on a terminal: files, files/s and the time left.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), tty_(::isatty(STDERR_FILENO)), start_(Clock::now()) {}
  void update(std::int64_t done, std::int64_t total) {
    if (!tty_ || total <= 0) return;
    double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    int width = 30;
    int filled = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r%s [%s%s] %lld/%lld files  %.0f files/s  ETA %.0fs ", label_.c_str(),
                 std::string(static_cast<std::size_t>(filled), '=').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), static_cast<long long>(done),
                 static_cast<long long>(total), rate, eta);
    std::fflush(stderr);
    shown_ = true;
  }
  ~ProgressBar() {
    if (shown_) std::fprintf(stderr, "\r%s\r", std::string(100, ' ').c_str());
  }

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  Clock::time_point start_;
};

struct IndexFlags {
  std::vector<std::string> paths;
  bool list = false;
  bool as_json = false;
};

int index_cmd(const GlobalFlags& flags, const IndexFlags& f) {
  int code_ = kExitOk;
  auto intel = open_code(flags, code_);
  if (!intel) return code_;
  const auto& ws = intel->workspace();
  std::vector<code::Repository> repos;
  if (f.paths.empty()) {
    repos = ws.repositories();
  } else {
    for (const auto& p : f.paths) {
      auto dir = ws.confine(p, intel->options().base);
      if (!dir) return fail(dir.error());
      auto under = code::Workspace::open({dir->string()}, intel->options().base);
      if (!under) return fail(under.error());
      for (auto& r : under->repositories()) repos.push_back(ws.repository_at(r.root));
    }
  }
  if (f.list) {
    for (const auto& r : repos) std::cout << r.name << "\t" << r.root.string() << (r.git ? "" : "\t(not git)") << "\n";
    return kExitOk;
  }
  json::array out;
  for (const auto& r : repos) {
    code::IndexStats stats;
    {
      ProgressBar bar("indexing " + r.name);
      auto s = intel->index(r, [&](std::int64_t done, std::int64_t total) { bar.update(done, total); });
      if (!s) return fail(s.error());
      stats = *s;
    }
    if (f.as_json) {
      out.push_back(json::object{{"repository", r.name}, {"root", r.root.string()}, {"files", stats.files},
                                 {"changed", stats.changed}, {"unchanged", stats.unchanged}, {"removed", stats.removed},
                                 {"skipped_binary", stats.skipped_binary}, {"skipped_large", stats.skipped_large},
                                 {"skipped_other", stats.skipped_other}, {"bytes_read", stats.bytes_read},
                                 {"elapsed_ms", stats.elapsed.count()}, {"head", stats.head}});
    } else {
      std::cout << "indexed " << r.name << ": " << stats.files << " files (" << stats.changed << " new or changed, "
                << stats.unchanged << " unchanged, " << stats.removed << " removed; skipped " << stats.skipped_binary
                << " binary, " << stats.skipped_large << " too large) in " << std::fixed << std::setprecision(2)
                << static_cast<double>(stats.elapsed.count()) / 1000.0 << " s\n";
    }
  }
  if (f.as_json) std::cout << json::serialize(json::object{{"repositories", std::move(out)}}) << "\n";
  return kExitOk;
}

struct AnalyzeFlags {
  std::string repo = ".";
  bool as_json = false;
  std::vector<std::string> aspects;
};

int analyze_cmd(const GlobalFlags& flags, const AnalyzeFlags& f) {
  int code_ = kExitOk;
  auto intel = open_code(flags, code_);
  if (!intel) return code_;
  auto repo = intel->repository(f.repo);
  if (!repo) return fail(repo.error());
  auto report = intel->analyze(*repo, f.aspects);
  if (!report) return fail(report.error());
  if (f.as_json) {
    std::cout << json::serialize(*report) << "\n";
  } else {
    std::cout << code::render_analysis(*report);
  }
  return kExitOk;
}

struct RelFlags {
  std::vector<std::string> repos;
  std::string kind;
  std::string focus;
  bool as_json = false;
  std::string export_format;
};

int relationships_cmd(const GlobalFlags& flags, const RelFlags& f) {
  int code_ = kExitOk;
  auto intel = open_code(flags, code_);
  if (!intel) return code_;
  std::vector<code::Repository> repos;
  for (const auto& spec : f.repos.empty() ? std::vector<std::string>{"."} : f.repos) {
    auto r = intel->repository(spec);
    if (!r) return fail(r.error());
    repos.push_back(*r);
  }
  if (!f.export_format.empty()) {
    if (f.export_format != "cypher") {
      print_error("--export: only cypher is supported here (CSV is in the API)");
      return kExitUsage;
    }
    auto c = intel->export_cypher(repos.front());
    if (!c) return fail(c.error());
    std::cout << *c;
    return kExitOk;
  }
  auto kind = code::parse_relation_kind(f.kind);
  if (!kind) return fail(kind.error());
  auto report = intel->relationships(repos, *kind, f.focus);
  if (!report) return fail(report.error());
  if (f.as_json) {
    std::cout << json::serialize(*report) << "\n";
    return kExitOk;
  }
  const auto& o = *report;
  auto print_list = [](const char* title, const json::value* v, const char* key) {
    if (!v || !v->is_array()) return;
    std::cout << title << " (" << v->as_array().size() << "):\n";
    for (const auto& item : v->as_array()) {
      if (item.is_string()) {
        std::cout << "  " << item.as_string() << "\n";
      } else if (key) {
        std::cout << "  " << json::value_to<std::string>(item.at(key));
        for (const auto& [k, val] : item.as_object()) {
          if (k == key) continue;
          std::cout << "  " << k << "=";
          if (val.is_string()) {
            std::cout << val.as_string();
          } else if (val.is_double()) {
            std::cout << std::setprecision(4) << val.as_double();
          } else {
            std::cout << json::serialize(val);
          }
        }
        std::cout << "\n";
      }
    }
  };
  print_list("imports", o.if_contains("imports"), nullptr);
  print_list("imported by", o.if_contains("imported_by"), nullptr);
  print_list("dependents", o.if_contains("dependents"), "path");
  print_list("dependencies", o.if_contains("dependencies"), "name");
  print_list("changes together with", o.if_contains("cochange"), "coupled");
  print_list("shared dependencies", o.if_contains("shared"), "name");
  if (f.focus.empty()) print_list("most important files (PageRank)", o.if_contains("ranked"), "path");
  return kExitOk;
}

struct SearchFlags {
  std::string query;
  bool regex = false;
  bool case_sensitive = false;
  std::string repo;
  std::string lang;
  std::size_t limit = 50;
  bool as_json = false;
};

int search_cmd(const GlobalFlags& flags, const SearchFlags& f) {
  int code_ = kExitOk;
  auto intel = open_code(flags, code_);
  if (!intel) return code_;
  code::SearchQuery q;
  q.text = f.query;
  q.regex = f.regex;
  q.case_sensitive = f.case_sensitive;
  q.language = f.lang;
  q.limit = f.limit;
  std::vector<code::Repository> repos;
  if (!f.repo.empty()) {
    auto r = intel->repository(f.repo);
    if (!r) return fail(r.error());
    repos.push_back(*r);
    q.repository = r->id;
  } else {
    repos = intel->workspace().repositories();
  }
  for (const auto& r : repos) {
    if (auto e = intel->ensure_indexed(r); !e) return fail(e.error());
  }
  auto results = intel->search(q);
  if (!results) return fail(results.error());
  std::map<std::string, std::string> names;
  for (const auto& r : repos) names[r.id] = r.name;
  if (f.as_json) {
    json::array matches;
    for (const auto& m : results->matches) {
      matches.push_back(json::object{{"repository", names.count(m.repository) ? names[m.repository] : m.repository},
                                     {"path", m.path}, {"line", m.line}, {"column", m.column}, {"text", m.text},
                                     {"score", m.score}});
    }
    std::cout << json::serialize(json::object{{"query", f.query}, {"regex", f.regex}, {"total", results->total},
                                              {"files", results->files}, {"matches", std::move(matches)}})
              << "\n";
    return kExitOk;
  }
  for (const auto& m : results->matches) {
    std::string prefix = repos.size() > 1 && names.count(m.repository) ? names[m.repository] + ":" : "";
    std::cout << prefix << m.path << ":" << m.line << ":" << m.column << ": " << m.text << "\n";
  }
  std::cout << results->total << " matching lines in " << results->files << " files";
  if (static_cast<std::int64_t>(results->matches.size()) < results->total) std::cout << " (showing " << results->matches.size() << ")";
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

void add_code_commands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static IndexFlags idx;
  auto* index = app.add_subcommand("index", "Index the repositories under the given paths (default: every workspace root)");
  index->add_option("paths", idx.paths, "Directories inside the workspace roots");
  index->add_flag("--list", idx.list, "Only list the repositories found");
  index->add_flag("--json", idx.as_json, "Print JSON");
  index->callback([&flags, &exit_code] { exit_code = index_cmd(flags, idx); });

  static AnalyzeFlags an;
  auto* analyze = app.add_subcommand("analyze", "Languages, structure, dependencies, symbols and history of a repository");
  analyze->add_option("repo", an.repo, "A path, a workspace repository name, or . (default)");
  analyze->add_flag("--json", an.as_json, "Print JSON");
  analyze->add_option("--aspects", an.aspects,
                      "Only these: languages, structure, dependencies, symbols, history, summary")
      ->delimiter(',');
  analyze->callback([&flags, &exit_code] { exit_code = analyze_cmd(flags, an); });

  static RelFlags rel;
  auto* relationships = app.add_subcommand("relationships", "Imports, dependents, dependencies, co-change, shared dependencies");
  relationships->add_option("repos", rel.repos, "Repositories (default: .); two or more for shared_dependencies");
  relationships->add_option("--kind", rel.kind, "imports, dependencies, dependents, cochange or shared_dependencies");
  relationships->add_option("--focus", rel.focus, "A file (or package, for dependencies)");
  relationships->add_flag("--json", rel.as_json, "Print JSON (nodes, edges, ranked files, a Mermaid diagram)");
  relationships->add_option("--export", rel.export_format, "cypher: the import graph as Neo4j Cypher statements");
  relationships->callback([&flags, &exit_code] {
    if (rel.kind.empty() && rel.export_format.empty()) {
      print_error("--kind is required (see devagent relationships --help)");
      exit_code = kExitUsage;
      return;
    }
    exit_code = relationships_cmd(flags, rel);
  });

  static SearchFlags se;
  auto* search = app.add_subcommand("search", "Search code in the indexed repositories");
  search->add_option("query", se.query, "Text (or a regular expression with --regex)")->required();
  search->add_flag("--regex", se.regex, "The query is an RE2 regular expression");
  search->add_flag("--case-sensitive", se.case_sensitive, "Match case (literal searches ignore it by default)");
  search->add_option("--repo", se.repo, "Only this repository");
  search->add_option("--lang", se.lang, "Only this language (e.g. C++, Python)");
  search->add_option("--limit", se.limit, "Matches to show (all are counted)")->check(CLI::Range(1, 10000));
  search->add_flag("--json", se.as_json, "Print JSON");
  search->callback([&flags, &exit_code] { exit_code = search_cmd(flags, se); });
}

}  // namespace devagent::cli
