#include "code/code.h"

#include "code/graph.h"
#include "code/imports.h"
#include "code/index_store.h"
#include "code/languages.h"
#include "code/manifests.h"
#include "code/structure.h"
#include "core/config.h"
#include "core/log.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace devagent::code {
namespace fs = std::filesystem;
namespace json = boost::json;

struct ImportGraph {
  std::vector<std::string> nodes;  // every indexed source file
  std::vector<GraphEdge> edges;    // resolved, within the repository
  std::vector<ImportEdge> raw;     // every statement, resolved where possible
};

// A repository's import graph and its files' PageRank, for one indexing of it.
struct RepoGraph {
  std::int64_t indexed_at = 0;
  ImportGraph graph;
  std::map<std::string, double> rank;
};

namespace {

// Reads a repository file by its relative path, refusing symlinks and
// anything that resolves outside the repository.
std::optional<std::string> read_repo_file(const Repository& repo, const std::string& rel, std::size_t max_bytes) {
  auto norm = normalise_relative(rel);
  if (!norm) return std::nullopt;
  auto full = repo.root / *norm;
  std::error_code ec;
  auto canonical = fs::canonical(full, ec);
  if (ec) return std::nullopt;
  auto root_str = repo.root.string();
  auto c = canonical.string();
  if (c.compare(0, root_str.size(), root_str) != 0 || (c.size() > root_str.size() && c[root_str.size()] != '/')) {
    return std::nullopt;
  }
  int fd = ::open(canonical.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string out(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), max_bytes), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

std::string iso_date(std::int64_t secs) {
  if (secs <= 0) return "";
  std::time_t t = secs;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::vector<FileEntry>> load_files(store::Database& db, const std::string& repo) {
  auto rows = db.query("SELECT path, language, size, hash, mtime_ns, code, comment, blank FROM code_files WHERE repo = ? "
                       "ORDER BY path",
                       {repo});
  if (!rows) return rows.error();
  std::vector<FileEntry> out;
  out.reserve(rows->rows.size());
  for (const auto& r : rows->rows) {
    FileEntry f;
    f.path = r.text(0);
    f.language = r.text(1);
    f.size = r.integer(2);
    f.hash = r.text(3);
    f.mtime_ns = r.integer(4);
    f.lines = {r.integer(5), r.integer(6), r.integer(7)};
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<Dependency>> load_dependencies(store::Database& db, const std::string& repo) {
  auto rows = db.query(
      "SELECT manifest, ecosystem, name, constraint_text, scope FROM code_deps WHERE repo = ? ORDER BY manifest, name",
      {repo});
  if (!rows) return rows.error();
  std::vector<Dependency> out;
  for (const auto& r : rows->rows) out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.text(4)});
  return out;
}

// The module path declared by the repository's root go.mod, if any.
std::string go_module(const Repository& repo) {
  auto content = read_repo_file(repo, "go.mod", 1 << 20);
  if (!content) return "";
  std::istringstream in(*content);
  for (std::string line; std::getline(in, line);) {
    auto p = line.find_first_not_of(" \t");
    if (p != std::string::npos && line.compare(p, 7, "module ") == 0) {
      auto rest = line.substr(p + 7);
      rest.erase(0, rest.find_first_not_of(" \t\""));
      rest.erase(rest.find_last_not_of(" \t\"\r") + 1);
      return rest;
    }
  }
  return "";
}

Result<ImportGraph> import_graph(store::Database& db, const Repository& repo, const std::vector<FileEntry>& files) {
  auto rows = db.query("SELECT from_path, spec, line FROM code_imports WHERE repo = ? ORDER BY from_path, line", {repo.id});
  if (!rows) return rows.error();
  ImportResolver resolver(files, go_module(repo));
  ImportGraph g;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : rows->rows) {
    ImportEdge e;
    e.from = r.text(0);
    e.spec = r.text(1);
    e.line = static_cast<int>(r.integer(2));
    auto targets = resolver.resolve_all(e);
    resolver.resolve(e);
    for (const auto& t : targets) {
      if (t == e.from || !seen.insert({e.from, t}).second) continue;
      g.edges.push_back({e.from, t, 1.0});
    }
    g.raw.push_back(std::move(e));
  }
  std::set<std::string> with_imports;
  for (const auto& f : files) {
    if (!f.language.empty()) g.nodes.push_back(f.path);
  }
  return g;
}

json::array ranked_json(const std::map<std::string, double>& rank, std::size_t limit,
                        const std::function<bool(const std::string&)>& keep = {}) {
  std::vector<std::pair<std::string, double>> v(rank.begin(), rank.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  json::array out;
  for (const auto& [path, score] : v) {
    if (keep && !keep(path)) continue;
    if (out.size() >= limit) break;
    out.push_back(json::object{{"path", path}, {"rank", score}});
  }
  return out;
}

json::array edges_json(const std::vector<GraphEdge>& edges, std::size_t limit) {
  json::array out;
  for (const auto& e : edges) {
    if (out.size() >= limit) break;
    out.push_back(json::object{{"from", e.from}, {"to", e.to}});
  }
  return out;
}

json::object dependency_json(const Dependency& d) {
  return {{"manifest", d.manifest}, {"ecosystem", d.ecosystem}, {"name", d.name}, {"constraint", d.constraint},
          {"scope", d.scope}};
}

}  // namespace

Result<RelationKind> parse_relation_kind(std::string_view s) {
  if (s == "imports") return RelationKind::imports;
  if (s == "dependencies") return RelationKind::dependencies;
  if (s == "dependents") return RelationKind::dependents;
  if (s == "cochange") return RelationKind::cochange;
  if (s == "shared_dependencies") return RelationKind::shared_dependencies;
  return make_error(ErrorKind::invalid_argument, "kind must be one of imports, dependencies, dependents, cochange, "
                                                 "shared_dependencies, got '" + std::string(s) + "'");
}

CodeOptions CodeOptions::from(const config::Config& c, const fs::path& cwd) {
  CodeOptions o;
  o.roots = c.list("workspace.roots");
  if (o.roots.empty()) o.roots = {"."};
  o.base = cwd;
  o.index_path = c.str("code.index_path");
  if (o.index_path.empty()) o.index_path = (fs::path(c.str("store.data_dir")) / "code-index.db").string();
  if (fs::path(o.index_path).is_relative()) o.index_path = (cwd / o.index_path).string();
  o.index.max_file_size = c.size("code.max_file_size");
  o.index.threads = static_cast<int>(c.integer("code.index_threads"));
  o.history.max_commits = static_cast<std::size_t>(c.integer("code.max_commits"));
  o.refresh_interval = c.duration("code.refresh_interval");
  return o;
}

CodeIntel::CodeIntel(CodeOptions options, Workspace workspace, std::unique_ptr<store::Database> db)
    : options_(std::move(options)), workspace_(std::move(workspace)), db_(std::move(db)) {
  workspace_.set_rescan_interval(options_.refresh_interval);
}
CodeIntel::~CodeIntel() = default;

Result<std::unique_ptr<CodeIntel>> CodeIntel::open(const CodeOptions& options) {
  auto ws = Workspace::open(options.roots, options.base);
  if (!ws) return ws.error();
  auto db = open_code_index(options.index_path);
  if (!db) return db.error();
  return std::unique_ptr<CodeIntel>(new CodeIntel(options, std::move(*ws), std::move(*db)));
}

std::mutex& CodeIntel::repo_mutex(const std::string& id) {
  std::lock_guard lock(mutexes_guard_);
  auto& slot = repo_mutexes_[id];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

Result<Repository> CodeIntel::repository(std::string_view spec) const { return workspace_.resolve(spec, options_.base); }

Result<IndexStats> CodeIntel::index(const Repository& repo, const IndexProgress& progress) {
  std::lock_guard lock(repo_mutex(repo.id));
  return index_repository(*db_, repo, options_.index, progress);
}

Result<> CodeIntel::ensure_indexed(const Repository& repo) {
  auto fresh = [&]() -> Result<bool> {
    auto rows = db_->query("SELECT indexed_at FROM code_repos WHERE id = ?", {repo.id});
    if (!rows) return rows.error();
    if (rows->rows.empty()) return false;
    auto age = store::now_ms() - rows->rows[0].integer(0);
    return age >= 0 && age < options_.refresh_interval.count();
  };
  auto now_fresh = fresh();
  if (!now_fresh) return now_fresh.error();
  if (*now_fresh) return {};
  // Once more under the repository's lock: when the index goes stale under
  // load, many questions find it so at once; the first refreshes it and the
  // others, which waited for it, must not each scan the tree again.
  std::lock_guard lock(repo_mutex(repo.id));
  now_fresh = fresh();
  if (!now_fresh) return now_fresh.error();
  if (*now_fresh) return {};
  auto stats = index_repository(*db_, repo, options_.index, {});
  if (!stats) return stats.error();
  return {};
}

Result<std::shared_ptr<const RepoGraph>> CodeIntel::graph(const Repository& repo, const std::vector<FileEntry>& files) {
  auto rows = db_->query("SELECT indexed_at FROM code_repos WHERE id = ?", {repo.id});
  if (!rows) return rows.error();
  const std::int64_t indexed_at = rows->rows.empty() ? -1 : rows->rows[0].integer(0);
  {
    std::lock_guard lock(graph_guard_);
    auto it = graphs_.find(repo.id);
    if (it != graphs_.end() && indexed_at >= 0 && it->second->indexed_at == indexed_at) return it->second;
  }
  auto built = import_graph(*db_, repo, files);
  if (!built) return built.error();
  auto out = std::make_shared<RepoGraph>();
  out->indexed_at = indexed_at;
  out->rank = pagerank(built->nodes, built->edges);
  out->graph = std::move(*built);
  if (indexed_at >= 0) {
    std::lock_guard lock(graph_guard_);
    graphs_[repo.id] = out;
  }
  return std::shared_ptr<const RepoGraph>(std::move(out));
}

Result<std::shared_ptr<const std::vector<Coupling>>> CodeIntel::coupling(const Repository& repo) {
  auto rows = db_->query("SELECT head FROM code_repos WHERE id = ?", {repo.id});
  if (!rows) return rows.error();
  std::string head = rows->rows.empty() ? std::string() : rows->rows[0].text(0);
  {
    std::lock_guard lock(coupling_guard_);
    auto it = coupling_.find(repo.id);
    if (it != coupling_.end() && !head.empty() && it->second.first == head) return it->second.second;
  }
  auto commits = read_commits(repo.root, options_.history.max_commits);
  if (!commits) return commits.error();
  auto pairs = std::make_shared<const std::vector<Coupling>>(change_coupling(*commits, options_.history));
  if (!head.empty()) {
    std::lock_guard lock(coupling_guard_);
    coupling_[repo.id] = {head, pairs};
  }
  return pairs;
}

Result<std::string> CodeIntel::indexed_revision(const Repository& repo) {
  if (auto ok = ensure_indexed(repo); !ok) return ok.error();
  auto head = db_->query("SELECT head FROM code_repos WHERE id = ?", {repo.id});
  if (!head) return head.error();
  auto files = db_->query("SELECT COUNT(*), COALESCE(MAX(mtime_ns), 0) FROM code_files WHERE repo = ?", {repo.id});
  if (!files) return files.error();
  std::string out = head->rows.empty() ? std::string() : head->rows[0].text(0);
  out += ":" + files->rows[0].text(0) + ":" + files->rows[0].text(1);
  return out;
}

Result<FileSlice> CodeIntel::read_file(const Repository& repo, std::string_view path, int start_line, int end_line,
                                       std::size_t max_bytes) {
  auto norm = normalise_relative(path);
  if (!norm) return norm.error();
  auto confined = workspace_.confine((repo.root / *norm).string(), options_.base);
  if (!confined) return confined.error();
  auto root = repo.root.string();
  if (confined->string().compare(0, root.size(), root) != 0) {
    return make_error(ErrorKind::forbidden, "'" + std::string(path) + "' resolves outside repository " + repo.name);
  }
  auto content = read_repo_file(repo, *norm, 64u << 20);
  if (!content) return make_error(ErrorKind::not_found, "cannot read '" + *norm + "' in " + repo.name);
  if (is_binary(std::string_view(*content).substr(0, 8000))) {
    return make_error(ErrorKind::invalid_argument, "'" + *norm + "' is a binary file");
  }
  FileSlice slice;
  slice.path = *norm;
  slice.start_line = std::max(1, start_line);
  int line = 1;
  std::size_t pos = 0;
  while (pos <= content->size()) {
    auto nl = content->find('\n', pos);
    std::size_t end = nl == std::string::npos ? content->size() : nl + 1;
    if (line >= slice.start_line && (end_line <= 0 || line <= end_line)) {
      if (slice.text.size() + (end - pos) > max_bytes) {
        slice.truncated = true;
      } else if (!slice.truncated) {
        slice.text.append(*content, pos, end - pos);
        slice.end_line = line;
      }
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
    ++line;
  }
  slice.total_lines = content->empty() ? 0 : (content->back() == '\n' ? line - 1 : line);
  if (slice.start_line > std::max(1, slice.total_lines)) {
    return make_error(ErrorKind::invalid_argument, "start_line " + std::to_string(start_line) + " is past the end of " +
                                                       *norm + " (" + std::to_string(slice.total_lines) + " lines)");
  }
  return slice;
}

Result<SearchResults> CodeIntel::search(const SearchQuery& query) {
  SearchIndex index(*db_);
  return index.search(query);
}

Result<boost::json::object> CodeIntel::analyze(const Repository& repo, const std::vector<std::string>& requested) {
  auto wants = [&](std::string_view a) {
    return requested.empty() || std::find(requested.begin(), requested.end(), a) != requested.end();
  };
  for (const auto& a : requested) {
    if (std::find(analysis_aspects().begin(), analysis_aspects().end(), a) == analysis_aspects().end()) {
      return make_error(ErrorKind::invalid_argument, "unknown aspect '" + a +
                                                         "' (languages, structure, dependencies, symbols, history, summary)");
    }
  }
  if (auto r = ensure_indexed(repo); !r) return r.error();
  auto files = load_files(*db_, repo.id);
  if (!files) return files.error();
  auto meta = db_->query("SELECT head, indexed_at FROM code_repos WHERE id = ?", {repo.id});
  if (!meta) return meta.error();
  std::string head = meta->rows.empty() ? "" : meta->rows[0].text(0);

  json::object out;
  out["repository"] = json::object{{"name", repo.name},
                                   {"root", repo.root.string()},
                                   {"head", head},
                                   {"files", files->size()},
                                   {"git", repo.git}};

  // Languages.
  std::vector<LanguageStats> langs;
  {
    std::map<std::string, LanguageStats> by;
    for (const auto& f : *files) {
      if (f.language.empty()) continue;
      auto& s = by[f.language];
      s.name = f.language;
      ++s.files;
      s.code += f.lines.code;
      s.comment += f.lines.comment;
      s.blank += f.lines.blank;
      s.bytes += f.size;
    }
    for (auto& [n, s] : by) langs.push_back(s);
    std::sort(langs.begin(), langs.end(), [](const auto& a, const auto& b) { return a.code != b.code ? a.code > b.code : a.name < b.name; });
  }
  if (wants("languages") || wants("summary")) {
    json::array arr;
    for (const auto& s : langs) {
      arr.push_back(json::object{{"name", s.name}, {"files", s.files}, {"code", s.code}, {"comment", s.comment},
                                 {"blank", s.blank}, {"bytes", s.bytes}});
    }
    if (wants("languages")) out["languages"] = std::move(arr);
  }

  // Structure and README.
  Structure structure;
  std::optional<ReadmeSummary> readme;
  if (wants("structure") || wants("summary")) {
    auto reader = [&](const std::string& p) { return read_repo_file(repo, p, 1 << 20); };
    structure = analyze_structure(*files, reader);
    for (const auto& f : *files) {
      if (f.path.find('/') != std::string::npos) continue;
      std::string lower = f.path;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("readme", 0) != 0) continue;
      if (auto content = reader(f.path)) {
        readme = summarize_readme(f.path, *content);
        if (readme) break;
      }
    }
    if (wants("structure")) {
      json::array top;
      for (const auto& e : structure.top_level) {
        top.push_back(json::object{{"name", e.name}, {"directory", e.directory}, {"files", e.files}, {"role", e.role}});
      }
      auto strings = [](const std::vector<std::string>& v) {
        json::array a;
        for (const auto& s : v) a.emplace_back(s);
        return a;
      };
      out["structure"] = json::object{{"top_level", std::move(top)},
                                      {"entry_points", strings(structure.entry_points)},
                                      {"build_systems", strings(structure.build_systems)},
                                      {"test_dirs", strings(structure.test_dirs)},
                                      {"test_files", structure.test_files},
                                      {"docs", strings(structure.docs)},
                                      {"ci", strings(structure.ci)},
                                      {"license", structure.license}};
      if (readme) {
        out["readme"] = json::object{{"path", readme->path}, {"title", readme->title},
                                     {"first_paragraph", readme->first_paragraph}};
      }
    }
  }

  // Dependencies.
  std::vector<Dependency> deps;
  if (wants("dependencies") || wants("summary")) {
    auto d = load_dependencies(*db_, repo.id);
    if (!d) return d.error();
    deps = std::move(*d);
    if (wants("dependencies")) {
      json::array arr;
      for (const auto& dep : deps) arr.push_back(dependency_json(dep));
      out["dependencies"] = std::move(arr);
    }
  }

  // Symbols, from the most important files first.
  if (wants("symbols")) {
    auto rows = db_->query("SELECT path, name, kind, line, scope, language, signature FROM code_symbols WHERE repo = ? "
                           "ORDER BY path, line",
                           {repo.id});
    if (!rows) return rows.error();
    auto cached = graph(repo, *files);
    if (!cached) return cached.error();
    const auto& rank = (*cached)->rank;
    std::map<std::string, std::int64_t> by_kind;
    std::vector<const store::Row*> items;
    for (const auto& r : rows->rows) {
      ++by_kind[r.text(2)];
      items.push_back(&r);
    }
    std::stable_sort(items.begin(), items.end(), [&](const store::Row* a, const store::Row* b) {
      auto ra = rank.count(a->text(0)) ? rank.at(a->text(0)) : 0.0;
      auto rb = rank.count(b->text(0)) ? rank.at(b->text(0)) : 0.0;
      return ra > rb;
    });
    constexpr std::size_t kMaxSymbols = 300;
    json::array list;
    for (const auto* r : items) {
      if (list.size() >= kMaxSymbols) break;
      list.push_back(json::object{{"name", r->text(1)}, {"kind", r->text(2)}, {"path", r->text(0)},
                                  {"line", r->integer(3)}, {"scope", r->text(4)}});
    }
    json::object kinds;
    for (const auto& [k, n] : by_kind) kinds[k] = n;
    out["symbols"] = json::object{{"total", rows->rows.size()}, {"by_kind", std::move(kinds)}, {"items", std::move(list)},
                                  {"truncated", rows->rows.size() > kMaxSymbols}};
  }

  // History.
  History history;
  bool have_history = false;
  if ((wants("history") || wants("summary")) && repo.git && !head.empty()) {
    auto cached = db_->query("SELECT summary FROM code_history WHERE repo = ? AND head = ?", {repo.id, head});
    if (!cached) return cached.error();
    json::value doc;
    if (!cached->rows.empty()) {
      doc = json::parse(cached->rows[0].text(0));
    } else {
      auto commits = read_commits(repo.root, options_.history.max_commits);
      if (!commits) return commits.error();
      std::map<std::string, std::int64_t> code_lines;
      for (const auto& f : *files) code_lines[f.path] = f.lines.code;
      history = summarize_history(*commits, options_.history, code_lines);
      json::array authors, churn, hotspots, coupling;
      for (const auto& a : history.authors) {
        authors.push_back(json::object{{"name", a.name}, {"email", a.email}, {"commits", a.commits},
                                       {"first", iso_date(a.first_time)}, {"last", iso_date(a.last_time)}});
      }
      for (const auto& c : history.churn) {
        churn.push_back(json::object{{"path", c.path}, {"revisions", c.revisions}, {"added", c.added}, {"deleted", c.deleted}});
      }
      for (const auto& h : history.hotspots) {
        hotspots.push_back(json::object{{"path", h.path}, {"revisions", h.revisions}, {"code_lines", h.code_lines},
                                        {"score", h.score}});
      }
      for (const auto& c : history.coupling) {
        coupling.push_back(json::object{{"path", c.path}, {"coupled", c.coupled}, {"shared_revisions", c.shared_revisions},
                                        {"average_revisions", c.average_revisions}, {"degree", c.degree}});
      }
      doc = json::object{{"commits", history.commits},  {"first_commit", iso_date(history.first_time)},
                         {"last_commit", iso_date(history.last_time)}, {"authors", std::move(authors)},
                         {"churn", std::move(churn)},    {"hotspots", std::move(hotspots)},
                         {"coupling", std::move(coupling)}, {"truncated", history.truncated}};
      auto w = db_->execute(
          "INSERT INTO code_history (repo, head, summary, computed_at) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (repo) DO UPDATE SET head = excluded.head, summary = excluded.summary, computed_at = excluded.computed_at",
          {repo.id, head, json::serialize(doc), store::now_ms()});
      if (!w) log::warn("history not cached", "error", w.error().message);
    }
    have_history = true;
    if (wants("history")) out["history"] = doc;
    if (wants("summary")) {
      const auto& h = doc.as_object();
      history.commits = h.at("commits").to_number<std::int64_t>();
      // The summary reads the document, whether it was just computed or cached.
      history.authors.clear();
      for (const auto& a : h.at("authors").as_array()) {
        history.authors.push_back({std::string(a.at("name").as_string()), "", a.at("commits").to_number<std::int64_t>()});
      }
      out["_first_commit"] = h.at("first_commit");
      out["_last_commit"] = h.at("last_commit");
    }
  } else if (wants("history")) {
    out["history"] = json::object{{"commits", 0}, {"note", repo.git ? "no commits yet" : "not a git repository"}};
  }

  if (wants("summary")) {
    std::ostringstream s;
    std::int64_t total_code = 0;
    for (const auto& l : langs) total_code += l.code;
    s << repo.name << " has " << files->size() << " files";
    if (!langs.empty()) {
      s << " with " << total_code << " lines of code in " << langs.size() << (langs.size() == 1 ? " language" : " languages")
        << ", mostly " << langs[0].name;
      if (langs.size() > 1) s << " and " << langs[1].name;
    }
    s << ".";
    if (!structure.build_systems.empty()) {
      s << " Built with ";
      for (std::size_t i = 0; i < structure.build_systems.size(); ++i) s << (i ? ", " : "") << structure.build_systems[i];
      s << ".";
    }
    if (!structure.entry_points.empty()) {
      s << " Entry point" << (structure.entry_points.size() > 1 ? "s: " : ": ");
      for (std::size_t i = 0; i < std::min<std::size_t>(3, structure.entry_points.size()); ++i) {
        s << (i ? ", " : "") << structure.entry_points[i];
      }
      s << ".";
    }
    if (!deps.empty()) {
      std::set<std::string> manifests;
      for (const auto& d : deps) manifests.insert(d.manifest);
      s << " It declares " << deps.size() << " dependencies in " << manifests.size()
        << (manifests.size() == 1 ? " manifest." : " manifests.");
    }
    if (have_history && history.commits > 0) {
      s << " History: " << history.commits << " commits by " << history.authors.size()
        << (history.authors.size() == 1 ? " author" : " authors");
      auto first = out["_first_commit"].as_string();
      auto last = out["_last_commit"].as_string();
      if (!first.empty()) s << " from " << std::string(first).substr(0, 10) << " to " << std::string(last).substr(0, 10);
      if (!history.authors.empty()) s << "; most commits by " << history.authors[0].name;
      s << ".";
    }
    if (readme && !readme->title.empty()) s << " README: \"" << readme->title << "\".";
    out["summary"] = s.str();
    out.erase("_first_commit");
    out.erase("_last_commit");
  }
  return out;
}

Result<boost::json::object> CodeIntel::relationships(const std::vector<Repository>& repos, RelationKind kind,
                                                     std::string_view focus_in) {
  if (repos.empty()) return make_error(ErrorKind::invalid_argument, "no repository given");
  if (repos.size() > 10) return make_error(ErrorKind::invalid_argument, "at most 10 repositories");
  for (const auto& r : repos) {
    if (auto e = ensure_indexed(r); !e) return e.error();
  }
  const Repository& repo = repos.front();
  std::string focus;
  if (!focus_in.empty() && kind != RelationKind::dependencies && kind != RelationKind::shared_dependencies) {
    auto norm = normalise_relative(focus_in);
    if (!norm) return norm.error();
    focus = *norm;
  } else {
    focus = std::string(focus_in);
  }
  json::object out;
  static const char* names[] = {"imports", "dependencies", "dependents", "cochange", "shared_dependencies"};
  out["kind"] = names[static_cast<int>(kind)];
  json::array repo_names;
  for (const auto& r : repos) repo_names.emplace_back(r.name);
  out["repositories"] = std::move(repo_names);
  out["focus"] = focus;

  if (kind == RelationKind::shared_dependencies) {
    if (repos.size() < 2) {
      return make_error(ErrorKind::invalid_argument, "shared_dependencies needs two or more repositories");
    }
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> by_package;
    for (const auto& r : repos) {
      auto deps = load_dependencies(*db_, r.id);
      if (!deps) return deps.error();
      for (const auto& d : *deps) by_package[{d.ecosystem, d.name}][r.name] = d.constraint;
    }
    json::array shared;
    std::vector<GraphEdge> edges;
    for (const auto& [key, users] : by_package) {
      if (users.size() < 2) continue;
      if (!focus.empty() && key.second != focus) continue;
      json::object used;
      for (const auto& [rn, c] : users) {
        used[rn] = c;
        edges.push_back({rn, key.second, 1.0});
      }
      shared.push_back(json::object{{"ecosystem", key.first}, {"name", key.second}, {"constraints", std::move(used)},
                                    {"repositories", users.size()}});
    }
    out["shared"] = std::move(shared);
    out["mermaid"] = mermaid(edges);
    return out;
  }

  auto files = load_files(*db_, repo.id);
  if (!files) return files.error();
  if (!focus.empty() && kind != RelationKind::dependencies) {
    bool known = std::any_of(files->begin(), files->end(), [&](const FileEntry& f) { return f.path == focus; });
    if (!known) {
      return make_error(ErrorKind::not_found, "'" + focus + "' is not an indexed file of " + repo.name);
    }
  }

  if (kind == RelationKind::dependencies) {
    auto deps = load_dependencies(*db_, repo.id);
    if (!deps) return deps.error();
    json::array list;
    std::vector<GraphEdge> edges;
    for (const auto& d : *deps) {
      if (!focus.empty() && d.name != focus) continue;
      list.push_back(dependency_json(d));
      edges.push_back({repo.name, d.name, 1.0});
    }
    out["dependencies"] = std::move(list);
    out["mermaid"] = mermaid(edges);
    return out;
  }

  if (kind == RelationKind::cochange) {
    if (!repo.git) return make_error(ErrorKind::invalid_argument, repo.name + " is not a git repository");
    auto pairs = coupling(repo);
    if (!pairs) return pairs.error();
    json::array list;
    std::vector<GraphEdge> edges;
    for (const auto& c : **pairs) {
      if (!focus.empty() && c.path != focus && c.coupled != focus) continue;
      const std::string& other = !focus.empty() && c.coupled == focus ? c.path : c.coupled;
      const std::string& self = !focus.empty() ? focus : c.path;
      list.push_back(json::object{{"path", self}, {"coupled", other}, {"degree", c.degree},
                                  {"shared_revisions", c.shared_revisions}, {"average_revisions", c.average_revisions}});
      edges.push_back({self, other, static_cast<double>(c.degree)});
    }
    out["cochange"] = std::move(list);
    out["thresholds"] = json::object{{"min_revs", options_.history.min_revs},
                                     {"min_shared_revs", options_.history.min_shared_revs},
                                     {"min_coupling", options_.history.min_coupling},
                                     {"max_changeset_size", options_.history.max_changeset_size}};
    out["mermaid"] = mermaid(edges);
    return out;
  }

  auto cached = graph(repo, *files);
  if (!cached) return cached.error();
  const ImportGraph* graph = &(*cached)->graph;
  const auto& rank = (*cached)->rank;

  if (kind == RelationKind::dependents) {
    if (focus.empty()) return make_error(ErrorKind::invalid_argument, "dependents needs a focus file");
    auto deps = dependents(graph->edges, focus);
    json::array list;
    std::set<std::string> keep = {focus};
    for (const auto& d : deps) {
      list.push_back(json::object{{"path", d.path}, {"depth", d.depth}, {"rank", rank.count(d.path) ? rank.at(d.path) : 0.0}});
      keep.insert(d.path);
    }
    std::vector<GraphEdge> sub;
    for (const auto& e : graph->edges) {
      if (keep.count(e.from) && keep.count(e.to)) sub.push_back(e);
    }
    out["dependents"] = std::move(list);
    out["direct"] = std::count_if(deps.begin(), deps.end(), [](const Dependent& d) { return d.depth == 1; });
    out["edges"] = edges_json(sub, 2000);
    out["mermaid"] = mermaid(sub, rank);
    return out;
  }

  // imports
  std::vector<GraphEdge> shown;
  json::array external;
  std::map<std::string, int> external_count;
  for (const auto& e : graph->raw) {
    if (!focus.empty() && e.from != focus) continue;
    if (e.to.empty()) ++external_count[e.spec];
  }
  for (const auto& e : graph->edges) {
    if (focus.empty() || e.from == focus || e.to == focus) shown.push_back(e);
  }
  for (const auto& [spec, n] : external_count) external.push_back(json::object{{"spec", spec}, {"count", n}});
  std::set<std::string> nodes;
  for (const auto& e : shown) {
    nodes.insert(e.from);
    nodes.insert(e.to);
  }
  json::array node_list;
  for (const auto& n : nodes) node_list.emplace_back(n);
  out["nodes"] = std::move(node_list);
  out["edges"] = edges_json(shown, 5000);
  out["edge_count"] = shown.size();
  if (!focus.empty()) {
    json::array imports, imported_by;
    for (const auto& e : shown) {
      if (e.from == focus) imports.emplace_back(e.to);
      if (e.to == focus) imported_by.emplace_back(e.from);
    }
    out["imports"] = std::move(imports);
    out["imported_by"] = std::move(imported_by);
  }
  out["unresolved_or_external"] = std::move(external);
  out["ranked"] = ranked_json(rank, 30);
  out["mermaid"] = mermaid(shown, rank);
  return out;
}

Result<std::string> CodeIntel::export_cypher(const Repository& repo) {
  if (auto e = ensure_indexed(repo); !e) return e.error();
  auto files = load_files(*db_, repo.id);
  if (!files) return files.error();
  auto graph = import_graph(*db_, repo, *files);
  if (!graph) return graph.error();
  auto deps = load_dependencies(*db_, repo.id);
  if (!deps) return deps.error();
  return cypher(repo.name, graph->nodes, graph->edges, *deps);
}

}  // namespace devagent::code
