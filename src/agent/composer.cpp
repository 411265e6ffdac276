// The builtin composer (composer.h): Markdown answers from tool results.
//
// Reading order: limits; safe readers for result fields; Markdown pieces
// that make repository text inert; the question's wording; one renderer per
// result kind (GitHub search, code search, file slice, analysis and its
// sections, comparison, relationships); failures; replies without tools;
// compose_answer at the bottom.
#include "agent/composer.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace devagent::agent {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------
// How much one answer shows.

constexpr std::size_t kListRows = 10;        // ranked lists
constexpr std::size_t kTableRows = 20;       // tables of repositories, languages
constexpr std::size_t kMatches = 10;         // code search matches, each with its line
constexpr std::size_t kDependencyRows = 40;  // dependency rows over all manifests
constexpr std::size_t kManifestRows = 15;    // dependency rows of one manifest
constexpr std::size_t kFileLines = 400;      // lines of a file slice
constexpr std::size_t kDiagramNodes = 15;    // nodes of a Mermaid diagram
constexpr std::size_t kDescriptionChars = 100;
constexpr std::size_t kCompareColumns = 5;

// ---------------------------------------------------------------------------
// Reading result fields without trusting their shape.

const json::object& empty_object() {
  static const json::object empty;
  return empty;
}

const json::object& object_of(const json::value& v) {
  return v.is_object() ? v.get_object() : empty_object();
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* array_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

std::size_t size_at(const json::object& o, std::string_view key) {
  const auto* a = array_at(o, key);
  return a ? a->size() : 0;
}

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool has_number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && (v->is_int64() || v->is_uint64() || (v->is_double() && std::isfinite(v->get_double())));
}

double number_at(const json::object& o, std::string_view key, double fallback = 0) {
  const auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double())) return v->get_double();
  return fallback;
}

std::int64_t int_at(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  const auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), INT64_MAX));
  if (v->is_double() && std::isfinite(v->get_double()) && std::fabs(v->get_double()) < 9e18) {
    return static_cast<std::int64_t>(v->get_double());
  }
  return fallback;
}

bool bool_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::vector<std::string> strings_at(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = array_at(o, key)) {
    for (const auto& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

// A JSON value as one line of text (strings unquoted).
std::string plain(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

// ---------------------------------------------------------------------------
// Markdown that keeps repository text inert.

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Text from a result, safe in prose and in table cells: one line, Markdown's
// special characters backslash-escaped, and no HTML ("<" and ">" become
// entities, so "<script>" shows as text).
std::string md(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
      continue;
    }
    if (is_control(c)) continue;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '~':
      case '#':
      case '$':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::size_t longest_backtick_run(std::string_view s) {
  std::size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// A code span (paths, queries, import specs): one line, fenced by more
// backticks than it contains.
std::string code(std::string_view s) {
  std::string clean;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t')
      clean += ' ';
    else if (!is_control(c))
      clean += c;
  }
  if (clean.empty()) return "";
  std::string fence(longest_backtick_run(clean) + 1, '`');
  bool pad = clean.front() == '`' || clean.back() == '`' || clean.front() == ' ' || clean.back() == ' ';
  const char* space = pad ? " " : "";
  return fence + space + clean + space + fence;
}

// A code span inside a table cell: GFM splits cells on "|" even in code.
std::string code_cell(std::string_view s) {
  std::string out;
  for (char c : code(s)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// A fenced code block whose fence is longer than any backtick run inside.
std::string fenced(std::string_view body, std::string_view language) {
  std::string fence(std::max<std::size_t>(3, longest_backtick_run(body) + 1), '`');
  std::string out = fence + std::string(language) + "\n";
  for (char c : body) {
    if (c == '\r' || (is_control(c) && c != '\n' && c != '\t')) continue;
    out += c;
  }
  if (out.back() != '\n') out += '\n';
  return out + fence;
}

// A link only to web addresses; anything else (javascript:, data:) stays text.
std::string link(const std::string& label, std::string_view url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return label;
  static const std::string_view safe = "-._~:/?#@!$&'*+,;=%";
  std::string dest;
  for (char c : url) {
    bool plain_ascii = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (plain_ascii || safe.find(c) != std::string_view::npos) {
      dest += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      dest += buf;
    }
  }
  return "[" + label + "](" + dest + ")";
}

std::string bold(const std::string& markdown) {
  return markdown.empty() ? markdown : "**" + markdown + "**";
}

// ---------------------------------------------------------------------------
// Numbers, dates and lengths.

std::string count(std::int64_t n) {
  auto magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  std::string digits = std::to_string(magnitude);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(double part, double whole) {
  return whole > 0 ? fixed(100.0 * part / whole, 1) + "%" : "—";
}

std::string plural_word(std::string_view word, std::int64_t n) {
  if (n == 1) return std::string(word);
  if (word.ends_with("s") || word.ends_with("x") || word.ends_with("ch") || word.ends_with("sh")) {
    return std::string(word) + "es";
  }
  if (word.ends_with("y") && word.size() > 1 &&
      std::string_view("aeiou").find(word[word.size() - 2]) == std::string_view::npos) {
    return std::string(word.substr(0, word.size() - 1)) + "ies";
  }
  return std::string(word) + "s";
}

std::string counted(std::int64_t n, std::string_view word) {
  return count(n) + " " + plural_word(word, n);
}

std::string bytes_text(double bytes) {
  if (bytes >= 1023.95 * 1024.0) return fixed(bytes / (1024.0 * 1024.0), 1) + " MB";
  if (bytes >= 1023.95) return fixed(bytes / 1024.0, 1) + " KB";
  return count(static_cast<std::int64_t>(bytes)) + " B";
}

// "2026-11-01" from "2026-11-01T10:00:00Z"; other text as given, escaped.
std::string date_of(std::string_view iso) {
  auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(iso[i])) != 0; };
  bool dated = iso.size() >= 10 && iso[4] == '-' && iso[7] == '-';
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) dated = dated && digit(i);
  return dated ? std::string(iso.substr(0, 10)) : md(iso);
}

// At most max_chars characters (UTF-8 aware), "…" when cut.
std::string shorten(std::string_view s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) {
      auto cut = s.substr(0, i);
      while (!cut.empty() && cut.back() == ' ') cut.remove_suffix(1);
      return std::string(cut) + "…";
    }
  }
  return std::string(s);
}

std::string more(std::size_t n, std::string_view what = "") {
  return "… and " + count(static_cast<std::int64_t>(n)) + " more" + (what.empty() ? "" : " " + std::string(what)) + ".";
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(sep) : "") + parts[i];
  return out;
}

// "a, b and c"
std::string prose_list(const std::vector<std::string>& parts) {
  if (parts.size() < 2) return join(parts, "");
  return join({parts.begin(), parts.end() - 1}, ", ") + " and " + parts.back();
}

// A Markdown table; `right` marks numeric columns.
struct Column {
  std::string name;
  bool right = false;
};

std::string table(const std::vector<Column>& columns, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "|";
  for (const auto& c : columns) out += " " + c.name + " |";
  out += "\n|";
  for (const auto& c : columns) out += c.right ? " ---: |" : " --- |";
  for (const auto& row : rows) {
    out += "\n|";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string cell = i < row.size() && !row[i].empty() ? row[i] : "—";
      out += " " + cell + " |";
    }
  }
  return out;
}

// The Markdown language of a fenced block, from a file name.
std::string language_of(std::string_view path) {
  auto slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "cmakelists.txt") return "cmake";
  if (name == "makefile" || name == "gnumakefile") return "makefile";
  if (name == "dockerfile") return "dockerfile";
  auto dot = name.rfind('.');
  if (dot == std::string::npos) return "";
  static const std::map<std::string, std::string, std::less<>> by_extension = {
      {"c", "c"},           {"h", "cpp"},          {"cc", "cpp"},         {"cpp", "cpp"},    {"cxx", "cpp"},
      {"hh", "cpp"},        {"hpp", "cpp"},        {"hxx", "cpp"},        {"ipp", "cpp"},    {"py", "python"},
      {"js", "javascript"}, {"mjs", "javascript"}, {"cjs", "javascript"}, {"jsx", "jsx"},    {"ts", "typescript"},
      {"tsx", "tsx"},       {"rs", "rust"},        {"go", "go"},          {"java", "java"},  {"kt", "kotlin"},
      {"kts", "kotlin"},    {"rb", "ruby"},        {"php", "php"},        {"cs", "csharp"},  {"swift", "swift"},
      {"scala", "scala"},   {"sh", "bash"},        {"bash", "bash"},      {"zsh", "bash"},   {"md", "markdown"},
      {"json", "json"},     {"toml", "toml"},      {"yaml", "yaml"},      {"yml", "yaml"},   {"cmake", "cmake"},
      {"html", "html"},     {"css", "css"},        {"sql", "sql"},        {"lua", "lua"},    {"zig", "zig"},
      {"dart", "dart"},     {"hs", "haskell"},     {"ex", "elixir"},      {"exs", "elixir"}, {"xml", "xml"},
      {"vue", "vue"},       {"m", "objectivec"},   {"mm", "objectivec"},  {"fs", "fsharp"},  {"clj", "clojure"},
      {"ml", "ocaml"},      {"proto", "protobuf"}, {"gradle", "groovy"},  {"ini", "ini"},    {"mjsx", "jsx"}};
  auto it = by_extension.find(name.substr(dot + 1));
  return it == by_extension.end() ? "" : it->second;
}

// ---------------------------------------------------------------------------
// The question's wording, to choose what to lead with.

class Question {
 public:
  explicit Question(std::string_view text) {
    std::string word;
    for (char c : text) {
      auto lc = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      lower_ += lc;
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += lc;
      } else if (!word.empty()) {
        words_.push_back(std::move(word));
        word.clear();
      }
    }
    if (!word.empty()) words_.push_back(std::move(word));
  }

  // Whether any phrase occurs in the lower-cased question.
  bool mentions(std::initializer_list<std::string_view> phrases) const {
    return std::any_of(phrases.begin(), phrases.end(),
                       [&](std::string_view p) { return lower_.find(p) != std::string::npos; });
  }
  bool has_word(std::initializer_list<std::string_view> words) const {
    return std::any_of(words_.begin(), words_.end(),
                       [&](const std::string& w) { return std::find(words.begin(), words.end(), w) != words.end(); });
  }
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::string lower_;
  std::vector<std::string> words_;
};

// ---------------------------------------------------------------------------
// What an LLM would add: one line at the end of every answer.

std::string llm_line(std::string_view would) {
  return "_An LLM (configure `OPENAI_API_KEY`, `ANTHROPIC_API_KEY` or `OLLAMA_HOST`) would " + std::string(would) +
         "._";
}

// ---------------------------------------------------------------------------
// Mermaid: the document's diagram, cut down to the most important nodes.

struct Diagram {
  std::map<int, std::string> nodes;  // id -> the whole node line, as validated
  std::vector<std::pair<int, int>> edges;
};

std::optional<int> node_id(std::string_view s) {
  if (s.size() < 2 || s[0] != 'n' || s.size() > 8) return std::nullopt;
  int id = 0;
  for (char c : s.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

// Reads the shape code::mermaid writes: `nK["label"]` and `nA --> nB`
// lines. Labels there carry no quote, backtick, < or > (Mermaid entity
// codes instead); a line that is not exactly one of these is dropped.
Diagram parse_mermaid(std::string_view text) {
  Diagram d;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (auto arrow = line.find(" --> "); arrow != std::string_view::npos) {
      auto from = node_id(line.substr(0, arrow));
      auto to = node_id(line.substr(arrow + 5));
      if (from && to) d.edges.emplace_back(*from, *to);
      continue;
    }
    auto open = line.find("[\"");
    if (open == std::string_view::npos || !line.ends_with("\"]")) continue;
    auto id = node_id(line.substr(0, open));
    auto label = line.substr(open + 2, line.size() - open - 4);
    bool clean = std::none_of(label.begin(), label.end(),
                              [](char c) { return c == '"' || c == '`' || c == '<' || c == '>' || is_control(c); });
    if (id && clean && label.size() <= 1000) d.nodes[*id] = "  " + std::string(line);
  }
  return d;
}

// The nodes to keep: in the diagram's own order (which follows PageRank)
// when `ranked`, else the best-connected first.
std::set<int> kept_nodes(const Diagram& d, bool ranked) {
  std::vector<int> order;
  for (const auto& [id, line] : d.nodes) order.push_back(id);
  if (!ranked) {
    std::map<int, int> degree;
    for (auto [a, b] : d.edges) {
      ++degree[a];
      ++degree[b];
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return degree[a] > degree[b]; });
  }
  if (order.size() > kDiagramNodes) order.resize(kDiagramNodes);
  return {order.begin(), order.end()};
}

std::string mermaid_block(const json::object& doc, bool ranked) {
  auto d = parse_mermaid(string_at(doc, "mermaid"));
  if (d.nodes.empty() || d.edges.empty()) return "";
  auto keep = kept_nodes(d, ranked);
  std::string body = "graph LR\n";
  for (const auto& [id, line] : d.nodes) {
    if (keep.count(id)) body += line + "\n";
  }
  std::set<std::pair<int, int>> drawn;
  for (auto e : d.edges) {
    if (keep.count(e.first) && keep.count(e.second) && drawn.insert(e).second) {
      body += "  n" + std::to_string(e.first) + " --> n" + std::to_string(e.second) + "\n";
    }
  }
  std::string out = fenced(body, "mermaid");
  if (keep.size() < d.nodes.size()) {
    out += "\n\n_The diagram shows only the " + count(static_cast<std::int64_t>(keep.size())) + " most " +
           (ranked ? "important" : "connected") + " nodes._";
  }
  return out;
}

// ---------------------------------------------------------------------------
// searchGitHub

std::string github_repositories_table(const json::array& items, bool forks) {
  std::vector<Column> cols = {{"#", true}, {"Repository"}, {"Stars", true}};
  if (forks) cols.push_back({"Forks", true});
  cols.insert(cols.end(), {{"Language"}, {"Updated"}, {"Description"}});
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : items) {
    if (rows.size() == kTableRows) break;
    const auto& it = object_of(v);
    std::vector<std::string> row = {std::to_string(rows.size() + 1),
                                    link(md(string_at(it, "full_name")), string_at(it, "html_url")),
                                    has_number(it, "stars") ? count(int_at(it, "stars")) : ""};
    if (forks) row.push_back(has_number(it, "forks") ? count(int_at(it, "forks")) : "");
    row.push_back(md(string_at(it, "language")));
    row.push_back(date_of(string_at(it, "updated_at")));
    row.push_back(md(shorten(string_at(it, "description"), kDescriptionChars)));
    rows.push_back(std::move(row));
  }
  return table(cols, rows);
}

std::string sort_words(const std::string& sort) {
  if (sort == "stars") return " by stars";
  if (sort == "forks") return " by forks";
  if (sort == "updated") return " by last update";
  return "";
}

// The matches of a code search: `path:line:col`, then the line.
std::string code_matches(const json::array& matches, std::size_t total) {
  std::set<std::string> repositories;
  for (const auto& m : matches) repositories.insert(string_at(object_of(m), "repository"));
  std::string out;
  std::size_t shown = 0;
  for (const auto& v : matches) {
    if (shown == kMatches) break;
    const auto& m = object_of(v);
    auto path = string_at(m, "path");
    auto where = path + ":" + std::to_string(int_at(m, "line")) + ":" + std::to_string(int_at(m, "column"));
    auto line = string_at(m, "text");
    line.erase(0, line.find_first_not_of(" \t"));
    out += (shown ? "\n\n" : "") + code(where);
    if (repositories.size() > 1) out += " in " + md(string_at(m, "repository"));
    out += "\n" + fenced(line, language_of(path));
    ++shown;
  }
  if (total > shown) out += "\n\n" + more(total - shown, total - shown == 1 ? "match" : "matches");
  return out;
}

std::string github_code(const json::object& doc, const std::string& query) {
  const auto* local = object_at(doc, "local");
  if (size_at(doc, "items") == 0 && local) {
    auto total = static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(*local, "total")));
    if (total == 0 || !array_at(*local, "matches")) {
      return "GitHub code search could not be used, and the local workspace has no match for " + code(query) + ".";
    }
    return "GitHub code search could not be used, so these are matches in the local workspace: **" +
           counted(static_cast<std::int64_t>(total), "match") + "** for " + code(query) + " in " +
           counted(int_at(*local, "files"), "file") + ".\n\n" + code_matches(*array_at(*local, "matches"), total);
  }
  const auto* items = array_at(doc, "items");
  if (!items || items->empty()) return "GitHub found no code matching " + code(query) + ".";
  auto total = std::max<std::int64_t>(int_at(doc, "total_count"), static_cast<std::int64_t>(items->size()));
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : *items) {
    if (rows.size() == kTableRows) break;
    const auto& it = object_of(v);
    rows.push_back({std::to_string(rows.size() + 1), md(string_at(it, "repository")),
                    link(code(string_at(it, "path")), string_at(it, "html_url"))});
  }
  std::string out = "GitHub has **" + counted(total, "code result") + "** for " + code(query) + ":\n\n" +
                    table({{"#", true}, {"Repository"}, {"File"}}, rows);
  if (items->size() > rows.size()) out += "\n\n" + more(items->size() - rows.size());
  return out;
}

std::string render_github_search(const TaskResult& r) {
  const auto& doc = r.result;
  auto query = string_at(doc, "query").empty() ? string_at(r.arguments, "query") : string_at(doc, "query");
  if (string_at(doc, "type") == "code" || string_at(r.arguments, "type") == "code") return github_code(doc, query);
  const auto* items = array_at(doc, "items");
  if (!items || items->empty()) return "GitHub found no repositories matching " + code(query) + ".";
  auto total = std::max<std::int64_t>(int_at(doc, "total_count"), static_cast<std::int64_t>(items->size()));
  auto sort = string_at(r.arguments, "sort");
  std::string out = "GitHub has **" + counted(total, "repository") + "** matching " + code(query);
  out += static_cast<std::size_t>(total) > items->size()
             ? "; the top " + count(static_cast<std::int64_t>(items->size())) + sort_words(sort) + ":"
             : ":";
  out += "\n\n" + github_repositories_table(*items, sort == "forks");
  if (items->size() > kTableRows) out += "\n\n" + more(items->size() - kTableRows);
  if (bool_at(doc, "incomplete_results")) out += "\n\nGitHub says these results may be incomplete.";
  return out;
}

// ---------------------------------------------------------------------------
// searchCode and readFile

std::string render_code_search(const TaskResult& r) {
  const auto& doc = r.result;
  auto query = string_at(doc, "query").empty() ? string_at(r.arguments, "query") : string_at(doc, "query");
  auto total = static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(doc, "total")));
  const auto* matches = array_at(doc, "matches");
  if (total == 0 || !matches || matches->empty()) {
    return "No matches for " + code(query) +
           " in the indexed code. A shorter text, or a regular expression, may find it.";
  }
  std::string out = "**" + counted(static_cast<std::int64_t>(total), "match") + "** for " + code(query);
  if (bool_at(doc, "regex")) out += " (regular expression)";
  out += " in " + counted(int_at(doc, "files"), "file");
  out += total > std::min(kMatches, matches->size())
             ? "; the best " + count(static_cast<std::int64_t>(std::min(kMatches, matches->size()))) + ":"
             : ":";
  return out + "\n\n" + code_matches(*matches, total);
}

std::string render_read_file(const TaskResult& r) {
  const auto& doc = r.result;
  auto path = string_at(doc, "path").empty() ? string_at(r.arguments, "path") : string_at(doc, "path");
  auto text = string_at(doc, "text");
  auto start = int_at(doc, "start_line", 1);
  auto end = int_at(doc, "end_line");
  std::string out = code(path) + ", lines " + count(start) + "–" + count(end);
  if (has_number(doc, "total_lines")) out += " of " + count(int_at(doc, "total_lines"));
  if (!string_at(doc, "repository").empty()) out += " in " + bold(md(string_at(doc, "repository")));
  if (text.empty()) return out + ": the slice is empty.";
  std::size_t pos = 0, lines = 0;
  while (pos < text.size() && lines < kFileLines) {
    auto nl = text.find('\n', pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++lines;
  }
  std::size_t rest = 0;
  for (std::size_t i = pos; i < text.size(); ++i) rest += text[i] == '\n';
  if (pos < text.size() && text.back() != '\n') ++rest;
  out += ":\n\n" + fenced(std::string_view(text).substr(0, pos), language_of(path));
  if (rest > 0) {
    out += "\n\n" + more(rest, rest == 1 ? "line" : "lines") + " Ask for lines from " +
           count(start + static_cast<std::int64_t>(lines)) + " on to see them.";
  }
  if (bool_at(doc, "truncated")) {
    out += "\n\nThe read stopped at its size limit after line " + count(end) + "; ask for lines from " +
           count(end + 1) + " on to continue.";
  }
  return out;
}

// ---------------------------------------------------------------------------
// analyzeRepository: one section per aspect; the asked ones lead.

enum class Section { overview, languages, structure, dependencies, symbols, hotspots, contributors, churn, coupling };

constexpr Section kStandardOrder[] = {Section::overview,     Section::languages, Section::structure,
                                      Section::dependencies, Section::symbols,   Section::hotspots,
                                      Section::contributors, Section::churn,     Section::coupling};

bool is_history(Section s) {
  return s == Section::hotspots || s == Section::contributors || s == Section::churn || s == Section::coupling;
}

// The aspect of the analysis document a section reads.
std::string_view aspect_of(Section s) {
  switch (s) {
    case Section::overview:
      return "summary";
    case Section::languages:
      return "languages";
    case Section::structure:
      return "structure";
    case Section::dependencies:
      return "dependencies";
    case Section::symbols:
      return "symbols";
    default:
      return "history";
  }
}

// The sections the question asks for, most specific first.
std::vector<Section> asked_sections(const Question& q) {
  std::vector<Section> out;
  auto add = [&](Section s) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  if (q.mentions({"hotspot", "hot spot"})) add(Section::hotspots);
  if (q.mentions({"churn", "change the most", "changes the most", "changed the most", "change most", "changes most",
                  "most changed", "most modified", "change often", "changed often", "changes often", "most often",
                  "frequently"})) {
    add(Section::churn);
  }
  if (q.mentions({"together", "coupl", "co-change", "cochange"})) add(Section::coupling);
  if (q.mentions({"contribut", "author", "committer", "maintainer"}) || q.has_word({"who", "whos", "people"})) {
    add(Section::contributors);
  }
  if (q.mentions({"history", "commit", "activity"})) {
    add(Section::contributors);
    add(Section::churn);
  }
  if (q.mentions({"language", "lines of code", "how big", "written in", "bigger", "largest"}) ||
      q.has_word({"loc", "sloc", "size"})) {
    add(Section::languages);
  }
  if (q.mentions({"depend", "dependanc", "package", "librar", "third-party", "third party"}) || q.has_word({"deps"})) {
    add(Section::dependencies);
  }
  if (q.mentions({"structure", "layout", "organi", "director", "folder", "entry point", "build system"}) ||
      q.has_word({"tree"})) {
    add(Section::structure);
  }
  if (q.mentions({"symbol", "function", "method", "declar", "defin", "interface"}) ||
      q.has_word({"class", "classes", "struct", "structs", "enum", "enums", "types"})) {
    add(Section::symbols);
  }
  return out;
}

std::string analysis_name(const TaskResult& r) {
  const auto* repo = object_at(r.result, "repository");
  auto name = repo ? string_at(*repo, "name") : "";
  if (name.empty()) name = string_at(r.arguments, "repository");
  return name.empty() ? "the repository" : name;
}

const json::object& history_of(const json::object& doc) {
  const auto* h = object_at(doc, "history");
  return h ? *h : empty_object();
}

bool present(const json::object& doc, Section s) {
  switch (s) {
    case Section::overview:
      return doc.contains("summary") || doc.contains("readme");
    case Section::languages:
      return size_at(doc, "languages") > 0;
    case Section::structure:
      return object_at(doc, "structure") != nullptr;
    case Section::dependencies:
      return array_at(doc, "dependencies") != nullptr;
    case Section::symbols:
      return object_at(doc, "symbols") != nullptr;
    default:
      return object_at(doc, "history") != nullptr;
  }
}

// Language rows as the document orders them, re-sorted by code (or bytes
// for a GitHub repository, which reports bytes only).
struct LanguageRow {
  std::string name;
  std::int64_t files = 0, code = 0, comment = 0, blank = 0;
  double bytes = 0;
};

struct Languages {
  std::vector<LanguageRow> rows;
  bool by_code = false;  // line counts present (a local repository)
  double total = 0;      // code lines, or bytes
  double measure(const LanguageRow& r) const { return by_code ? static_cast<double>(r.code) : r.bytes; }
};

Languages languages_of(const json::object& doc) {
  Languages out;
  const auto* arr = array_at(doc, "languages");
  if (!arr) return out;
  for (const auto& v : *arr) {
    const auto& o = object_of(v);
    out.by_code = out.by_code || has_number(o, "code");
    out.rows.push_back({string_at(o, "name"), int_at(o, "files"), int_at(o, "code"), int_at(o, "comment"),
                        int_at(o, "blank"), number_at(o, "bytes")});
  }
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [&](const LanguageRow& a, const LanguageRow& b) { return out.measure(a) > out.measure(b); });
  for (const auto& r : out.rows) out.total += out.measure(r);
  return out;
}

std::string languages_headline(const json::object& doc, const std::string& name) {
  auto langs = languages_of(doc);
  if (langs.rows.empty()) return "";
  const auto& top = langs.rows.front();
  std::string out = bold(md(name)) + " is mostly " + bold(md(top.name)) + ": ";
  if (langs.by_code) {
    out += count(top.code) + " of " + count(static_cast<std::int64_t>(langs.total)) + " lines of code (" +
           percent(static_cast<double>(top.code), langs.total) + ")";
  } else {
    out += percent(top.bytes, langs.total) + " of the code by size";
  }
  return out + ", in " + counted(static_cast<std::int64_t>(langs.rows.size()), "language") + ".";
}

std::string languages_section(const json::object& doc) {
  auto langs = languages_of(doc);
  if (langs.rows.empty()) return "";
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : langs.rows) {
    if (rows.size() == kTableRows) break;
    if (langs.by_code) {
      rows.push_back({md(l.name), count(l.files), count(l.code), count(l.comment), count(l.blank),
                      percent(static_cast<double>(l.code), langs.total)});
    } else {
      rows.push_back({md(l.name), bytes_text(l.bytes), percent(l.bytes, langs.total)});
    }
  }
  std::string out = "**Languages**\n\n";
  if (langs.by_code) {
    std::int64_t files = 0, comment = 0, blank = 0;
    for (const auto& l : langs.rows) files += l.files, comment += l.comment, blank += l.blank;
    if (langs.rows.size() > 1) {
      rows.push_back({"**total**", count(files), count(static_cast<std::int64_t>(langs.total)), count(comment),
                      count(blank), "100%"});
    }
    out += table(
        {{"Language"}, {"Files", true}, {"Code", true}, {"Comment", true}, {"Blank", true}, {"Share of code", true}},
        rows);
  } else {
    out += table({{"Language"}, {"Size", true}, {"Share", true}}, rows);
  }
  if (langs.rows.size() > kTableRows) out += "\n\n" + more(langs.rows.size() - kTableRows, "languages");
  return out;
}

std::string structure_headline(const json::object& doc, const std::string& name) {
  const auto* s = object_at(doc, "structure");
  if (!s) return "";
  std::vector<std::string> facts;
  auto build = strings_at(*s, "build_systems");
  for (auto& b : build) b = md(b);
  if (!build.empty()) facts.push_back("is built with " + prose_list(build));
  auto entries = strings_at(*s, "entry_points");
  if (!entries.empty()) {
    facts.push_back(
        std::string(entries.size() == 1 ? "has its entry point in " : "has entry points in ") + code(entries[0]) +
        (entries.size() > 1 ? " and " + counted(static_cast<std::int64_t>(entries.size() - 1), "other") : ""));
  }
  auto tests = strings_at(*s, "test_dirs");
  if (!tests.empty()) facts.push_back("keeps its tests in " + code(tests[0]));
  if (facts.empty())
    return bold(md(name)) + " has " + counted(static_cast<std::int64_t>(size_at(*s, "top_level")), "top-level entry") +
           ".";
  return bold(md(name)) + " " + prose_list(facts) + ".";
}

std::string structure_line(std::string_view label, const std::vector<std::string>& items, bool as_code) {
  if (items.empty()) return "";
  std::vector<std::string> shown;
  for (const auto& i : items) {
    if (shown.size() == kListRows) break;
    shown.push_back(as_code ? code(i) : md(i));
  }
  std::string extra = items.size() > shown.size() ? " " + more(items.size() - shown.size()) : "";
  return "- " + std::string(label) + ": " + join(shown, ", ") + extra + "\n";
}

std::string top_level_list(const json::array& top) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& v : top) {
    if (shown == kTableRows) break;
    const auto& e = object_of(v);
    bool dir = bool_at(e, "directory") || string_at(e, "type") == "dir";
    out += "- " + code(string_at(e, "name") + (dir ? "/" : ""));
    if (dir && has_number(e, "files")) out += " — " + counted(int_at(e, "files"), "file");
    if (!string_at(e, "role").empty()) out += " (" + md(string_at(e, "role")) + ")";
    out += "\n";
    ++shown;
  }
  if (top.size() > shown) out += "\n" + more(top.size() - shown, "entries") + "\n";
  return out;
}

// Facts first, then the top level; a paragraph between the two lists keeps
// Markdown from merging them.
std::string structure_section(const json::object& doc) {
  const auto* s = object_at(doc, "structure");
  if (!s) return "";
  std::string facts;
  facts += structure_line("Entry points", strings_at(*s, "entry_points"), true);
  facts += structure_line("Build", strings_at(*s, "build_systems"), false);
  auto tests = structure_line("Tests", strings_at(*s, "test_dirs"), true);
  if (!tests.empty() && int_at(*s, "test_files") > 0) {
    tests.insert(tests.size() - 1, " (" + counted(int_at(*s, "test_files"), "test file") + ")");
  }
  facts += tests;
  facts += structure_line("Docs", strings_at(*s, "docs"), true);
  if (s->contains("ci"))
    facts += strings_at(*s, "ci").empty() ? "- CI: none found\n" : structure_line("CI", strings_at(*s, "ci"), true);
  if (!string_at(*s, "license").empty()) facts += "- License: " + md(string_at(*s, "license")) + "\n";
  std::string out = "**Structure**\n\n" + facts;
  if (const auto* top = array_at(*s, "top_level"); top && !top->empty()) {
    out += (facts.empty() ? "" : "\n") + std::string("Top level:\n\n") + top_level_list(*top);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

using DependencyGroup = std::vector<const json::object*>;  // one manifest's dependencies

// Consecutive dependencies of the same manifest, in the document's order.
std::vector<DependencyGroup> by_manifest(const json::array& deps) {
  std::vector<DependencyGroup> groups;
  std::string last;
  for (const auto& v : deps) {
    const auto& d = object_of(v);
    auto key = string_at(d, "manifest") + "\n" + string_at(d, "ecosystem");
    if (groups.empty() || key != last) groups.emplace_back();
    groups.back().push_back(&d);
    last = key;
  }
  return groups;
}

// One manifest's table, at most `budget` rows; `shown` counts the rows.
std::string manifest_table(const DependencyGroup& items, std::size_t budget, std::size_t& shown) {
  const auto& first = *items.front();
  auto manifest = string_at(first, "manifest");
  std::string out = manifest.empty() ? std::string("Declared") : code(manifest);
  if (!string_at(first, "ecosystem").empty()) out += " (" + md(string_at(first, "ecosystem")) + ")";
  out += ", " + counted(static_cast<std::int64_t>(items.size()), "dependency") + ":\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto* d : items) {
    if (rows.size() == std::min(kManifestRows, budget)) break;
    auto constraint = string_at(*d, "constraint");
    rows.push_back({code_cell(string_at(*d, "name")), constraint.empty() ? "any" : code_cell(constraint),
                    md(string_at(*d, "scope"))});
  }
  shown = rows.size();
  out += table({{"Name"}, {"Constraint"}, {"Scope"}}, rows);
  if (items.size() > rows.size()) out += "\n\n" + more(items.size() - rows.size(), "in this manifest");
  return out;
}

// A table per manifest, at most kDependencyRows rows in all.
std::string dependency_tables(const json::array& deps) {
  std::string out;
  std::size_t budget = kDependencyRows, unlisted = 0;
  for (const auto& group : by_manifest(deps)) {
    if (budget == 0) {
      unlisted += group.size();
      continue;
    }
    std::size_t shown = 0;
    out += (out.empty() ? "" : "\n\n") + manifest_table(group, budget, shown);
    budget -= shown;
  }
  if (unlisted > 0) out += "\n\n" + more(unlisted, "in further manifests");
  return out;
}

std::size_t manifest_count(const json::array& deps) {
  std::set<std::string> manifests;
  for (const auto& v : deps) manifests.insert(string_at(object_of(v), "manifest"));
  return manifests.size();
}

std::string dependencies_headline(const json::array& deps, const std::string& name) {
  if (deps.empty()) return bold(md(name)) + " declares no dependencies in a manifest devagent reads.";
  return bold(md(name)) + " declares " + bold(counted(static_cast<std::int64_t>(deps.size()), "dependency")) + " in " +
         counted(static_cast<std::int64_t>(manifest_count(deps)), "manifest") + ".";
}

std::string dependencies_section(const json::object& doc) {
  const auto* deps = array_at(doc, "dependencies");
  if (!deps || deps->empty()) return deps ? "**Dependencies**\n\nNone declared." : "";
  return "**Dependencies**\n\n" + dependency_tables(*deps);
}

// Symbol kinds, most frequent first (ties by name).
std::vector<std::pair<std::string, std::int64_t>> symbol_kinds(const json::object& symbols) {
  std::vector<std::pair<std::string, std::int64_t>> kinds;
  if (const auto* by = object_at(symbols, "by_kind")) {
    for (const auto& kv : *by) kinds.emplace_back(std::string(kv.key()), int_at(*by, kv.key()));
  }
  std::stable_sort(kinds.begin(), kinds.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return kinds;
}

std::string symbols_headline(const json::object& doc, const std::string& name) {
  const auto* s = object_at(doc, "symbols");
  if (!s) return "";
  auto kinds = symbol_kinds(*s);
  std::string out = bold(md(name)) + " defines " + bold(counted(int_at(*s, "total"), "symbol"));
  if (kinds.empty()) return out + ".";
  std::vector<std::string> top;
  for (const auto& [kind, n] : kinds) {
    if (top.size() == 3) break;
    top.push_back(md(plural_word(kind, n)) + " (" + count(n) + ")");
  }
  return out + ", most of them " + prose_list(top) + ".";
}

// The kinds the question names ("functions and classes"), if any.
std::set<std::string> asked_kinds(const Question& q) {
  std::set<std::string> out;
  for (std::string_view k : {"function", "class", "method", "struct", "enum", "interface", "type", "variable",
                             "constant", "macro", "trait", "module"}) {
    for (const auto& w : q.words()) {
      if (w == k || w == plural_word(k, 2)) out.insert(std::string(k));
    }
  }
  return out;
}

std::string symbols_section(const json::object& doc, const Question& q) {
  const auto* s = object_at(doc, "symbols");
  if (!s) return "";
  std::string out = "**Symbols**\n\n";
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : symbol_kinds(*s)) kinds.push_back(md(kind) + " " + count(n));
  if (!kinds.empty()) out += "By kind: " + join(kinds, ", ") + ".\n\n";
  auto wanted = asked_kinds(q);
  std::vector<const json::object*> items;
  if (const auto* arr = array_at(*s, "items")) {
    for (const auto& v : *arr) {
      const auto& it = object_of(v);
      if (wanted.empty() || wanted.count(string_at(it, "kind"))) items.push_back(&it);
    }
  }
  if (items.empty()) return out + "No symbols of the kinds asked for.";
  out += "The most relevant (from the most imported files):\n\n";
  for (std::size_t i = 0; i < items.size() && i < kListRows * 2; ++i) {
    const auto& it = *items[i];
    out += std::to_string(i + 1) + ". " + code(string_at(it, "name")) + " (" + md(string_at(it, "kind")) + ") — " +
           code(string_at(it, "path") + ":" + std::to_string(int_at(it, "line"))) + "\n";
  }
  if (items.size() > kListRows * 2) out += "\n" + more(items.size() - kListRows * 2);
  if (bool_at(*s, "truncated")) {
    out += (items.size() > kListRows * 2 ? " " : "\n") + std::string("The analysis lists the first ") +
           count(static_cast<std::int64_t>(size_at(*s, "items"))) + " of " + count(int_at(*s, "total")) + " symbols.";
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// History: the commit range behind the history sections, said once.
std::string history_basis(const json::object& h) {
  auto commits = int_at(h, "commits");
  std::string out = "_Based on " + counted(commits, "commit");
  auto first = string_at(h, "first_commit"), last = string_at(h, "last_commit");
  if (!first.empty()) out += " from " + date_of(first) + " to " + date_of(last);
  if (bool_at(h, "truncated")) out += " (the newest ones; older commits were not read)";
  return out + "._";
}

std::string hotspots_headline(const json::object& doc, const std::string& name) {
  const auto* hs = array_at(history_of(doc), "hotspots");
  if (!hs || hs->empty()) return "";
  const auto& top = object_of(hs->front());
  return "The top hotspot in " + bold(md(name)) + " is " + code(string_at(top, "path")) + ": " +
         counted(int_at(top, "revisions"), "change") + " and " + counted(int_at(top, "code_lines"), "line") +
         " of code.";
}

std::string hotspots_section(const json::object& doc) {
  const auto* hs = array_at(history_of(doc), "hotspots");
  if (!hs) return "";
  if (hs->empty()) return "**Hotspots**\n\nNo hotspots: no file that still exists has changed in the history read.";
  std::string out =
      "**Hotspots** (files that change often and are large; score = changes × lines, top file = 1.00)\n\n";
  std::size_t shown = 0;
  for (const auto& v : *hs) {
    if (shown == kListRows) break;
    const auto& h = object_of(v);
    out += std::to_string(++shown) + ". " + code(string_at(h, "path")) + " — " +
           counted(int_at(h, "revisions"), "change") + ", " + counted(int_at(h, "code_lines"), "line") + ", score " +
           fixed(number_at(h, "score"), 2) + "\n";
  }
  if (hs->size() > shown) out += "\n" + more(hs->size() - shown) + "\n";
  out.pop_back();
  return out;
}

std::int64_t commits_for_share(const json::object& h) {
  auto commits = int_at(h, "commits");
  if (commits > 0) return commits;
  std::int64_t sum = 0;
  if (const auto* a = array_at(h, "authors")) {
    for (const auto& v : *a) sum += int_at(object_of(v), "commits");
  }
  return sum;
}

std::string contributors_headline(const json::object& doc, const std::string& name) {
  const auto& h = history_of(doc);
  const auto* authors = array_at(h, "authors");
  if (!authors || authors->empty()) return "";
  const auto& top = object_of(authors->front());
  auto total = commits_for_share(h);
  std::string out = bold(md(string_at(top, "name"))) + " made the most commits to " + bold(md(name)) + ": " +
                    count(int_at(top, "commits")) + " of " + count(total) + " (" +
                    percent(static_cast<double>(int_at(top, "commits")), static_cast<double>(total)) + ").";
  if (authors->size() > 1)
    out += " " + counted(static_cast<std::int64_t>(authors->size()), "author") + " committed in all.";
  return out;
}

std::string contributors_section(const json::object& doc) {
  const auto& h = history_of(doc);
  const auto* authors = array_at(h, "authors");
  if (!authors) return "";
  std::string out = "**Contributors** (by commits)\n\n";
  auto total = static_cast<double>(commits_for_share(h));
  std::size_t shown = 0;
  for (const auto& v : *authors) {
    if (shown == kListRows) break;
    const auto& a = object_of(v);
    out += std::to_string(++shown) + ". " + md(string_at(a, "name")) + " — " + counted(int_at(a, "commits"), "commit") +
           " (" + percent(static_cast<double>(int_at(a, "commits")), total) + ")";
    if (!string_at(a, "first").empty())
      out += ", " + date_of(string_at(a, "first")) + " to " + date_of(string_at(a, "last"));
    out += "\n";
  }
  if (authors->size() > shown) out += "\n" + more(authors->size() - shown, "contributors") + "\n";
  if (shown == 0) out += "No commits yet.\n";
  out.pop_back();
  return out;
}

std::string churn_headline(const json::object& doc, const std::string& name) {
  const auto* churn = array_at(history_of(doc), "churn");
  if (!churn || churn->empty()) return "";
  const auto& top = object_of(churn->front());
  return "The most changed file in " + bold(md(name)) + " is " + code(string_at(top, "path")) + ": " +
         counted(int_at(top, "revisions"), "change") + " (+" + count(int_at(top, "added")) + " / −" +
         count(int_at(top, "deleted")) + " lines).";
}

std::string churn_section(const json::object& doc) {
  const auto* churn = array_at(history_of(doc), "churn");
  if (!churn || churn->empty()) return "";
  std::string out = "**Most changed files**\n\n";
  std::size_t shown = 0;
  for (const auto& v : *churn) {
    if (shown == kListRows) break;
    const auto& c = object_of(v);
    out += std::to_string(++shown) + ". " + code(string_at(c, "path")) + " — " +
           counted(int_at(c, "revisions"), "change") + ", +" + count(int_at(c, "added")) + " / −" +
           count(int_at(c, "deleted")) + " lines\n";
  }
  if (churn->size() > shown) out += "\n" + more(churn->size() - shown) + "\n";
  out.pop_back();
  return out;
}

std::string coupling_item(const json::object& c, bool with_self) {
  std::string out =
      with_self ? code(string_at(c, "path")) + " ↔ " + code(string_at(c, "coupled")) : code(string_at(c, "coupled"));
  out += " — " + std::to_string(int_at(c, "degree")) + "% coupling, " +
         counted(int_at(c, "shared_revisions"), "shared change");
  if (has_number(c, "average_revisions"))
    out += " (" + fixed(number_at(c, "average_revisions"), 1) + " changes on average)";
  return out;
}

std::string coupling_headline(const json::object& doc, const std::string& name) {
  const auto* cp = array_at(history_of(doc), "coupling");
  if (!cp || cp->empty()) return "";
  const auto& top = object_of(cp->front());
  return "The most strongly coupled files in " + bold(md(name)) + " are " + code(string_at(top, "path")) + " and " +
         code(string_at(top, "coupled")) + ": they change together " + std::to_string(int_at(top, "degree")) +
         "% of the time.";
}

std::string coupling_section(const json::object& doc) {
  const auto* cp = array_at(history_of(doc), "coupling");
  if (!cp) return "";
  if (cp->empty()) return "**Change coupling**\n\nNo pair of files changes together often enough to count.";
  std::string out = "**Change coupling** (files that change together)\n\n";
  std::size_t shown = 0;
  for (const auto& v : *cp) {
    if (shown == kListRows) break;
    out += std::to_string(++shown) + ". " + coupling_item(object_of(v), true) + "\n";
  }
  if (cp->size() > shown) out += "\n" + more(cp->size() - shown, "pairs") + "\n";
  out.pop_back();
  return out;
}

std::string overview_headline(const json::object& doc, const std::string& name) {
  auto summary = string_at(doc, "summary");
  if (!summary.empty()) return md(summary);
  const auto* repo = object_at(doc, "repository");
  if (repo && !string_at(*repo, "description").empty())
    return bold(md(name)) + ": " + md(string_at(*repo, "description"));
  return "";
}

// GitHub facts and the README: what the summary sentence does not say.
std::string overview_section(const json::object& doc, const std::string& name, bool summary_said) {
  std::string out;
  if (!summary_said && !string_at(doc, "summary").empty()) out += md(string_at(doc, "summary")) + "\n\n";
  const auto* repo = object_at(doc, "repository");
  if (repo && string_at(*repo, "source") == "github") {
    std::vector<std::string> facts = {link(md(name), string_at(*repo, "html_url"))};
    if (has_number(*repo, "stars")) facts.push_back(counted(int_at(*repo, "stars"), "star"));
    if (has_number(*repo, "forks")) facts.push_back(counted(int_at(*repo, "forks"), "fork"));
    if (!string_at(*repo, "license").empty()) facts.push_back("license " + md(string_at(*repo, "license")));
    if (!string_at(*repo, "pushed_at").empty()) facts.push_back("last push " + date_of(string_at(*repo, "pushed_at")));
    out += join(facts, " · ") + "\n\n";
    auto topics = strings_at(*repo, "topics");
    for (auto& t : topics) t = code(t);
    if (!topics.empty()) out += "Topics: " + join(topics, ", ") + "\n\n";
  }
  if (const auto* readme = object_at(doc, "readme")) {
    auto title = string_at(*readme, "title"), para = string_at(*readme, "first_paragraph");
    if (!title.empty() || !para.empty()) {
      out += "README: " + (title.empty() ? "" : "_" + md(title) + "_") + (title.empty() || para.empty() ? "" : " — ") +
             md(shorten(para, 300)) + "\n\n";
    }
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.empty() ? "" : "**Overview**\n\n" + out;
}

std::string headline(Section s, const json::object& doc, const std::string& name) {
  switch (s) {
    case Section::overview:
      return overview_headline(doc, name);
    case Section::languages:
      return languages_headline(doc, name);
    case Section::structure:
      return structure_headline(doc, name);
    case Section::dependencies: {
      const auto* deps = array_at(doc, "dependencies");
      return deps ? dependencies_headline(*deps, name) : "";
    }
    case Section::symbols:
      return symbols_headline(doc, name);
    case Section::hotspots:
      return hotspots_headline(doc, name);
    case Section::contributors:
      return contributors_headline(doc, name);
    case Section::churn:
      return churn_headline(doc, name);
    case Section::coupling:
      return coupling_headline(doc, name);
  }
  return "";
}

std::string section(Section s, const json::object& doc, const std::string& name, const Question& q, bool summary_said) {
  switch (s) {
    case Section::overview:
      return overview_section(doc, name, summary_said);
    case Section::languages:
      return languages_section(doc);
    case Section::structure:
      return structure_section(doc);
    case Section::dependencies:
      return dependencies_section(doc);
    case Section::symbols:
      return symbols_section(doc, q);
    case Section::hotspots:
      return hotspots_section(doc);
    case Section::contributors:
      return contributors_section(doc);
    case Section::churn:
      return churn_section(doc);
    case Section::coupling:
      return coupling_section(doc);
  }
  return "";
}

// The aspects the question asks about that the document lacks, each once.
std::vector<std::string> missing_aspects(const json::object& doc, const Question& q) {
  std::vector<std::string> out;
  for (auto s : asked_sections(q)) {
    std::string a(aspect_of(s));
    if (!present(doc, s) && std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

// "The history of x is not available: reason." for each missing aspect.
std::string missing_line(const std::vector<std::string>& aspects, const json::object& doc, const std::string& name) {
  const auto* unavailable = object_at(doc, "unavailable");
  std::string out;
  for (const auto& a : aspects) {
    const auto* why = unavailable ? unavailable->if_contains(a) : nullptr;
    out += (out.empty() ? "" : " ") + std::string("The ") + a + " of " + bold(md(name)) + " is not available" +
           (why ? ": " + md(shorten(plain(*why), 300)) : "") + ".";
  }
  return out;
}

// The aspects present in the document but not shown.
std::vector<std::string> other_aspects(const json::object& doc, const std::vector<Section>& shown) {
  std::vector<std::string> out;
  for (auto s : kStandardOrder) {
    std::string a(aspect_of(s));
    if (s == Section::overview || !present(doc, s) || std::find(shown.begin(), shown.end(), s) != shown.end()) continue;
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

// The headline and the sections, asked ones first; empty when the document
// holds nothing to show.
std::string analysis_body(const json::object& doc, const std::string& name, const Question& q) {
  std::vector<Section> lead;
  for (auto s : asked_sections(q)) {
    if (present(doc, s)) lead.push_back(s);
  }
  std::string out, head;
  for (auto s : lead) {
    if (!(head = headline(s, doc, name)).empty()) break;
  }
  bool summary_said = head.empty();
  if (summary_said) head = overview_headline(doc, name);
  if (!head.empty()) out += head + "\n\n";
  std::vector<Section> order = lead;
  bool history_asked = std::any_of(lead.begin(), lead.end(), is_history);
  for (auto s : kStandardOrder) {
    // A focused question gets its sections and their history siblings;
    // an open one ("analyze this repo") gets everything.
    bool wanted = lead.empty() || (history_asked && is_history(s));
    if (wanted && std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
  }
  bool basis_said = false;
  for (auto s : order) {
    auto text = section(s, doc, name, q, summary_said);
    if (text.empty()) continue;
    out += text + "\n\n";
    if (is_history(s) && !basis_said) {
      out += history_basis(history_of(doc)) + "\n\n";
      basis_said = true;
    }
  }
  if (const auto* note = history_of(doc).if_contains("note"); note && !basis_said) {
    out += "History: " + md(plain(*note)) + ".\n\n";
  }
  if (auto others = other_aspects(doc, order); !lead.empty() && !others.empty()) {
    out += "_The analysis also covers " + prose_list(others) + "; ask about " + (others.size() == 1 ? "it" : "them") +
           " for the detail._";
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string render_analysis(const TaskResult& r, const Question& q) {
  auto name = analysis_name(r);
  auto missing = missing_aspects(r.result, q);
  auto body = analysis_body(r.result, name, q);
  if (missing.empty()) return body.empty() ? "The analysis of " + bold(md(name)) + " came back empty." : body;
  auto line = missing_line(missing, r.result, name);
  return body.empty() ? line : line + " Here is what is available.\n\n" + body;
}

// ---------------------------------------------------------------------------
// Two or more analyses: side by side.

std::string top_languages(const json::object& doc) {
  auto langs = languages_of(doc);
  std::vector<std::string> parts;
  for (const auto& l : langs.rows) {
    if (parts.size() == 3) break;
    parts.push_back(md(l.name) + " " + percent(langs.measure(l), langs.total));
  }
  return join(parts, ", ");
}

double code_bytes(const json::object& doc) {
  double total = 0;
  if (const auto* arr = array_at(doc, "languages")) {
    for (const auto& v : *arr) total += number_at(object_of(v), "bytes");
  }
  return total;
}

std::string repo_fact(const json::object& doc, std::string_view fact) {
  const auto& repo = object_at(doc, "repository") ? *object_at(doc, "repository") : empty_object();
  const auto& structure = object_at(doc, "structure") ? *object_at(doc, "structure") : empty_object();
  const auto& h = history_of(doc);
  if (fact == "stars") return has_number(repo, "stars") ? count(int_at(repo, "stars")) : "";
  if (fact == "forks") return has_number(repo, "forks") ? count(int_at(repo, "forks")) : "";
  if (fact == "files") return has_number(repo, "files") ? count(int_at(repo, "files")) : "";
  if (fact == "code") {
    auto langs = languages_of(doc);
    return langs.by_code ? count(static_cast<std::int64_t>(langs.total)) : "";
  }
  if (fact == "size") return code_bytes(doc) > 0 ? bytes_text(code_bytes(doc)) : "";
  if (fact == "languages") return top_languages(doc);
  if (fact == "dependencies")
    return array_at(doc, "dependencies") ? count(static_cast<std::int64_t>(size_at(doc, "dependencies"))) : "";
  if (fact == "build") {
    auto b = strings_at(structure, "build_systems");
    for (auto& s : b) s = md(s);
    return join(b, ", ");
  }
  if (fact == "tests") return has_number(structure, "test_files") ? count(int_at(structure, "test_files")) : "";
  if (fact == "commits") return has_number(h, "commits") ? count(int_at(h, "commits")) : "";
  if (fact == "contributors")
    return array_at(h, "authors") ? count(static_cast<std::int64_t>(size_at(h, "authors"))) : "";
  if (fact == "license") {
    auto l = string_at(structure, "license").empty() ? string_at(repo, "license") : string_at(structure, "license");
    return md(l);
  }
  if (fact == "pushed") return string_at(repo, "pushed_at").empty() ? "" : date_of(string_at(repo, "pushed_at"));
  if (fact == "description") return md(shorten(string_at(repo, "description"), 80));
  return "";
}

// "By code size, **a** is the largest (1.2 MB), then **b** (300 KB)."
std::string size_ranking(const std::vector<const TaskResult*>& rs) {
  std::vector<std::pair<double, std::string>> sizes;
  for (const auto* r : rs) {
    if (code_bytes(r->result) <= 0) return "";
    sizes.emplace_back(code_bytes(r->result), analysis_name(*r));
  }
  std::stable_sort(sizes.begin(), sizes.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out =
      "By code size, " + bold(md(sizes[0].second)) + " is the largest (" + bytes_text(sizes[0].first) + ")";
  for (std::size_t i = 1; i < sizes.size(); ++i) {
    out += std::string(i == 1 ? ", then " : ", ") + bold(md(sizes[i].second)) + " (" + bytes_text(sizes[i].first) + ")";
  }
  return out + ".";
}

std::string languages_comparison(const std::vector<const TaskResult*>& rs) {
  std::map<std::string, double> best;  // language -> its largest share anywhere
  std::vector<Languages> all;
  for (const auto* r : rs) {
    all.push_back(languages_of(r->result));
    for (const auto& l : all.back().rows) {
      double share = all.back().total > 0 ? all.back().measure(l) / all.back().total : 0;
      best[l.name] = std::max(best[l.name], share);
    }
  }
  if (best.size() < 2) return "";
  std::vector<std::pair<std::string, double>> order(best.begin(), best.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<Column> cols = {{"Language"}};
  for (const auto* r : rs) cols.push_back({md(analysis_name(*r)), true});
  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : order) {
    if (rows.size() == kListRows) break;
    const std::string& lang = entry.first;
    std::vector<std::string> row = {md(lang)};
    for (const auto& l : all) {
      auto it = std::find_if(l.rows.begin(), l.rows.end(), [&](const LanguageRow& x) { return x.name == lang; });
      row.push_back(it == l.rows.end() ? "" : percent(l.measure(*it), l.total));
    }
    rows.push_back(std::move(row));
  }
  std::string out = "**Languages** (share of each repository's code)\n\n" + table(cols, rows);
  if (order.size() > rows.size()) out += "\n\n" + more(order.size() - rows.size(), "languages");
  return out;
}

// The facts of each repository, one row per fact any of them has.
std::string comparison_table(const std::vector<const TaskResult*>& rs) {
  static const std::pair<std::string_view, std::string_view> facts[] = {{"description", "Description"},
                                                                        {"stars", "Stars"},
                                                                        {"forks", "Forks"},
                                                                        {"files", "Files"},
                                                                        {"code", "Lines of code"},
                                                                        {"size", "Code size"},
                                                                        {"languages", "Main languages"},
                                                                        {"dependencies", "Dependencies"},
                                                                        {"build", "Build"},
                                                                        {"tests", "Test files"},
                                                                        {"commits", "Commits"},
                                                                        {"contributors", "Contributors"},
                                                                        {"license", "License"},
                                                                        {"pushed", "Last push"}};
  std::vector<Column> cols = {{""}};
  for (const auto* r : rs) {
    const auto* repo = object_at(r->result, "repository");
    cols.push_back({repo ? link(md(analysis_name(*r)), string_at(*repo, "html_url")) : md(analysis_name(*r))});
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, label] : facts) {
    std::vector<std::string> row = {"**" + std::string(label) + "**"};
    bool any = false;
    for (const auto* r : rs) {
      row.push_back(repo_fact(r->result, key));
      any = any || !row.back().empty();
    }
    if (any) rows.push_back(std::move(row));
  }
  return table(cols, rows);
}

std::string render_comparison(std::vector<const TaskResult*> rs) {
  std::size_t analysed = rs.size();
  if (rs.size() > kCompareColumns) rs.resize(kCompareColumns);
  std::vector<std::string> names;
  for (const auto* r : rs) names.push_back(bold(md(analysis_name(*r))));
  std::string out = "Side by side: " + prose_list(names) + ".";
  if (auto sizes = size_ranking(rs); !sizes.empty()) out += " " + sizes;
  out += "\n\n" + comparison_table(rs);
  if (analysed > rs.size()) {
    out += "\n\n" + count(static_cast<std::int64_t>(analysed)) +
           " repositories were analysed; the table shows the first " + count(static_cast<std::int64_t>(rs.size())) +
           ".";
  }
  if (auto langs = languages_comparison(rs); !langs.empty()) out += "\n\n" + langs;
  std::string summaries;
  for (const auto* r : rs) {
    auto s = string_at(r->result, "summary");
    if (!s.empty()) summaries += "\n- " + bold(md(analysis_name(*r))) + ": " + md(shorten(s, 400));
  }
  if (!summaries.empty()) out += "\n" + summaries;
  return out;
}

// ---------------------------------------------------------------------------
// findRelationships: one renderer per kind.

std::string first_repository(const json::object& doc) {
  auto repos = strings_at(doc, "repositories");
  return repos.empty() ? "the repository" : repos.front();
}

std::string rank_text(const json::object& o) {
  return "rank " + fixed(number_at(o, "rank"), 4);
}

std::string dependents_list(std::vector<const json::object*> items, bool direct) {
  std::stable_sort(items.begin(), items.end(), [&](const json::object* a, const json::object* b) {
    if (!direct && int_at(*a, "depth") != int_at(*b, "depth")) return int_at(*a, "depth") < int_at(*b, "depth");
    if (number_at(*a, "rank") != number_at(*b, "rank")) return number_at(*a, "rank") > number_at(*b, "rank");
    return string_at(*a, "path") < string_at(*b, "path");
  });
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kListRows; ++i) {
    out += std::to_string(i + 1) + ". " + code(string_at(*items[i], "path")) + " — " +
           (direct ? "" : "depth " + std::to_string(int_at(*items[i], "depth")) + ", ") + rank_text(*items[i]) + "\n";
  }
  if (items.size() > kListRows) out += "\n" + more(items.size() - kListRows) + "\n";
  out.pop_back();
  return out;
}

std::string render_dependents(const json::object& doc) {
  auto focus = string_at(doc, "focus");
  std::vector<const json::object*> direct, indirect;
  if (const auto* arr = array_at(doc, "dependents")) {
    for (const auto& v : *arr) (int_at(object_of(v), "depth") <= 1 ? direct : indirect).push_back(&object_of(v));
  }
  auto total = static_cast<std::int64_t>(direct.size() + indirect.size());
  if (total == 0) {
    return "Nothing in " + bold(md(first_repository(doc))) + " depends on " + code(focus) +
           ": no indexed file imports it, directly or through other files.";
  }
  std::string out = bold(counted(total, "file")) + (total == 1 ? " depends on " : " depend on ") + code(focus) + ": " +
                    count(static_cast<std::int64_t>(direct.size())) + " directly and " +
                    count(static_cast<std::int64_t>(indirect.size())) + " through other files.";
  if (!direct.empty())
    out += "\n\n**Direct dependents** (most important first, by PageRank)\n\n" + dependents_list(direct, true);
  if (!indirect.empty()) out += "\n\n**Indirect dependents** (nearest first)\n\n" + dependents_list(indirect, false);
  if (auto diagram = mermaid_block(doc, true); !diagram.empty()) out += "\n\n" + diagram;
  return out;
}

std::string path_list(const json::array& paths) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& v : paths) {
    if (shown == kListRows) break;
    out += std::to_string(++shown) + ". " + code(plain(v)) + "\n";
  }
  if (paths.size() > shown) out += "\n" + more(paths.size() - shown) + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

std::string external_imports(const json::object& doc) {
  const auto* ext = array_at(doc, "unresolved_or_external");
  if (!ext || ext->empty()) return "";
  std::vector<const json::object*> items;
  for (const auto& v : *ext) items.push_back(&object_of(v));
  std::stable_sort(items.begin(), items.end(), [](const json::object* a, const json::object* b) {
    return int_at(*a, "count") > int_at(*b, "count");
  });
  std::vector<std::string> parts;
  for (const auto* it : items) {
    if (parts.size() == kListRows) break;
    parts.push_back(code(string_at(*it, "spec")) + " (" + count(int_at(*it, "count")) + ")");
  }
  std::string out = "**External or unresolved imports** (most used): " + join(parts, ", ");
  if (items.size() > parts.size()) out += " " + more(items.size() - parts.size());
  return out;
}

std::string render_imports(const json::object& doc) {
  auto focus = string_at(doc, "focus");
  auto repo = first_repository(doc);
  std::string out;
  if (focus.empty()) {
    auto edges =
        has_number(doc, "edge_count") ? int_at(doc, "edge_count") : static_cast<std::int64_t>(size_at(doc, "edges"));
    out = "The import graph of " + bold(md(repo)) + " links " +
          bold(counted(static_cast<std::int64_t>(size_at(doc, "nodes")), "file")) + " with " +
          bold(counted(edges, "import")) + " between them.";
    if (const auto* ranked = array_at(doc, "ranked"); ranked && !ranked->empty()) {
      out += "\n\n**Most central files** (PageRank: imported most, by important files)\n\n";
      std::size_t shown = 0;
      for (const auto& v : *ranked) {
        if (shown == kListRows) break;
        out += std::to_string(++shown) + ". " + code(string_at(object_of(v), "path")) + " — " +
               rank_text(object_of(v)) + "\n";
      }
      out.pop_back();
    }
  } else {
    const auto* imports = array_at(doc, "imports");
    const auto* by = array_at(doc, "imported_by");
    out = code(focus) + " imports " + bold(counted(static_cast<std::int64_t>(imports ? imports->size() : 0), "file")) +
          " of " + bold(md(repo)) + " and is imported by " +
          bold(counted(static_cast<std::int64_t>(by ? by->size() : 0), "file")) + ".";
    if (imports && !imports->empty()) out += "\n\n**Imports**\n\n" + path_list(*imports);
    if (by && !by->empty()) out += "\n\n**Imported by**\n\n" + path_list(*by);
  }
  if (auto diagram = mermaid_block(doc, true); !diagram.empty()) out += "\n\n" + diagram;
  if (auto ext = external_imports(doc); !ext.empty()) out += "\n\n" + ext;
  return out;
}

std::string cochange_empty(const json::object& doc, const std::string& focus) {
  std::string out = focus.empty()
                        ? "No files in " + bold(md(first_repository(doc))) + " change together often enough to count."
                        : "No file changes together with " + code(focus) + " often enough to count.";
  if (const auto* t = object_at(doc, "thresholds")) {
    out += " A pair counts when its files changed at least " + count(int_at(*t, "min_revs")) +
           " times on average, at least " + count(int_at(*t, "min_shared_revs")) + " times together, and together in " +
           count(int_at(*t, "min_coupling")) + "% of their changes or more.";
  }
  return out;
}

std::string render_cochange(const json::object& doc) {
  auto focus = string_at(doc, "focus");
  std::vector<const json::object*> items;
  if (const auto* arr = array_at(doc, "cochange")) {
    for (const auto& v : *arr) items.push_back(&object_of(v));
  }
  if (items.empty()) return cochange_empty(doc, focus);
  std::stable_sort(items.begin(), items.end(), [](const json::object* a, const json::object* b) {
    if (int_at(*a, "degree") != int_at(*b, "degree")) return int_at(*a, "degree") > int_at(*b, "degree");
    return int_at(*a, "shared_revisions") > int_at(*b, "shared_revisions");
  });
  std::string out = focus.empty() ? bold(counted(static_cast<std::int64_t>(items.size()), "pair")) +
                                        " of files change together in " + bold(md(first_repository(doc))) + ":"
                                  : bold(counted(static_cast<std::int64_t>(items.size()), "file")) +
                                        (items.size() == 1 ? " changes" : " change") + " together with " + code(focus) +
                                        " (coupling = shared changes ÷ average changes):";
  out += "\n\n";
  for (std::size_t i = 0; i < items.size() && i < kListRows; ++i) {
    out += std::to_string(i + 1) + ". " + coupling_item(*items[i], focus.empty()) + "\n";
  }
  if (items.size() > kListRows) out += "\n" + more(items.size() - kListRows) + "\n";
  out.pop_back();
  if (auto diagram = mermaid_block(doc, false); !diagram.empty()) out += "\n\n" + diagram;
  return out;
}

std::string render_dependency_relation(const json::object& doc) {
  const auto* deps = array_at(doc, "dependencies");
  static const json::array none;
  std::string out = dependencies_headline(deps ? *deps : none, first_repository(doc));
  if (deps && !deps->empty()) out += "\n\n" + dependency_tables(*deps);
  if (auto diagram = mermaid_block(doc, false); !diagram.empty()) out += "\n\n" + diagram;
  return out;
}

std::string render_shared(const json::object& doc) {
  auto repos = strings_at(doc, "repositories");
  std::vector<std::string> names;
  for (const auto& r : repos) names.push_back(bold(md(r)));
  const auto* shared = array_at(doc, "shared");
  if (!shared || shared->empty()) return prose_list(names) + " share no declared dependencies.";
  std::string out =
      prose_list(names) + " share " + bold(counted(static_cast<std::int64_t>(shared->size()), "dependency")) + ":\n\n";
  std::vector<Column> cols = {{"Package"}, {"Ecosystem"}};
  for (std::size_t i = 0; i < repos.size() && i < kCompareColumns; ++i) cols.push_back({md(repos[i])});
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : *shared) {
    if (rows.size() == kTableRows) break;
    const auto& s = object_of(v);
    std::vector<std::string> row = {code_cell(string_at(s, "name")), md(string_at(s, "ecosystem"))};
    const auto* constraints = object_at(s, "constraints");
    for (std::size_t i = 0; i < repos.size() && i < kCompareColumns; ++i) {
      const auto* c = constraints ? constraints->if_contains(repos[i]) : nullptr;
      row.push_back(!c ? "" : plain(*c).empty() ? "any" : code_cell(plain(*c)));
    }
    rows.push_back(std::move(row));
  }
  out += table(cols, rows);
  if (shared->size() > rows.size()) out += "\n\n" + more(shared->size() - rows.size());
  if (auto diagram = mermaid_block(doc, false); !diagram.empty()) out += "\n\n" + diagram;
  return out;
}

std::string relation_kind(const TaskResult& r) {
  auto kind = string_at(r.result, "kind");
  return kind.empty() ? string_at(r.arguments, "kind") : kind;
}

std::string render_relationships(const TaskResult& r) {
  auto kind = relation_kind(r);
  if (kind == "dependents") return render_dependents(r.result);
  if (kind == "imports") return render_imports(r.result);
  if (kind == "cochange") return render_cochange(r.result);
  if (kind == "dependencies") return render_dependency_relation(r.result);
  if (kind == "shared_dependencies") return render_shared(r.result);
  return "Relationships of kind " + code(kind) + ":\n\n" + fenced(shorten(json::serialize(r.result), 3000), "json");
}

// ---------------------------------------------------------------------------
// Failures and missing parts.

// `tool` and what it was about ("analyzeRepository (rust-lang/rust)").
std::string task_label(const TaskResult& r) {
  std::string about;
  for (std::string_view key : {"repository", "query", "path", "focus"}) {
    if (!(about = string_at(r.arguments, key)).empty()) break;
  }
  if (about.empty()) {
    auto repos = strings_at(r.arguments, "repositories");
    about = join(repos, ", ");
  }
  return code(r.tool) + (about.empty() ? "" : " (" + md(shorten(about, 80)) + ")");
}

std::string failure_line(const TaskResult& r) {
  auto why = md(shorten(r.error, 300));
  switch (r.status) {
    case TaskResult::Status::timed_out:
      return "- " + task_label(r) + " timed out after " + fixed(static_cast<double>(r.duration_ms) / 1000.0, 1) + " s" +
             (why.empty() ? "." : ": " + why);
    case TaskResult::Status::cancelled:
      return "- " + task_label(r) + " was cancelled" + (why.empty() ? "." : ": " + why);
    case TaskResult::Status::skipped:
      return "- " + task_label(r) + " was skipped: " + (why.empty() ? "a step it needed did not succeed." : why);
    default:
      return "- " + task_label(r) + " failed: " + (why.empty() ? "no reason given." : why);
  }
}

// Parts a result lacks, one line per reason ("symbols and history for
// `analyzeRepository` (x): why"), except those an analysis answer already
// led with.
std::string unavailable_lines(const TaskResult& r, const Question& q) {
  const auto* u = object_at(r.result, "unavailable");
  if (!u) return "";
  auto said = r.tool == "analyzeRepository" ? missing_aspects(r.result, q) : std::vector<std::string>{};
  std::vector<std::pair<std::string, std::vector<std::string>>> by_reason;
  for (const auto& kv : *u) {
    std::string key(kv.key());
    if (std::find(said.begin(), said.end(), key) != said.end()) continue;
    auto why = shorten(plain(kv.value()), 300);
    auto it = std::find_if(by_reason.begin(), by_reason.end(), [&](const auto& e) { return e.first == why; });
    if (it == by_reason.end()) it = by_reason.insert(by_reason.end(), {why, {}});
    it->second.push_back(md(key));
  }
  std::string out;
  for (const auto& [why, keys] : by_reason)
    out += "- " + prose_list(keys) + " for " + task_label(r) + ": " + md(why) + "\n";
  return out;
}

// ---------------------------------------------------------------------------
// No tools ran: greetings, thanks, general questions.

enum class Chat { greeting, capabilities, thanks, farewell, thanks_farewell, acknowledgement, general };

Chat classify_chat(const Question& q) {
  auto n = q.words().size();
  if (q.mentions({"who are you", "what are you", "what can you", "what can u", "what do you do", "help me with",
                  "able to help", "how can you help", "what is devagent", "what's devagent", "how do i use you"}) ||
      (n == 1 && q.has_word({"help"}))) {
    return Chat::capabilities;
  }
  bool thanks = n <= 8 && (q.mentions({"thank", "thx", "appreciate"}) || q.has_word({"ty", "cheers", "ta", "tks"}));
  bool bye = n <= 8 && (q.has_word({"bye", "goodbye", "cya", "farewell"}) ||
                        q.mentions({"good night", "see you", "see ya", "nice day", "good day"}));
  if (thanks && bye) return Chat::thanks_farewell;
  if (thanks) return Chat::thanks;
  if (bye) return Chat::farewell;
  bool greets = q.has_word({"hi", "hello", "hey", "hiya", "howdy", "yo", "greetings", "hallo", "heya", "sup"}) ||
                q.mentions({"good morning", "good afternoon", "good evening"});
  if (greets && n <= 5) return Chat::greeting;
  static const std::set<std::string> acks = {"ok",   "okay",    "cool",    "great",  "nice", "got",
                                             "it",   "perfect", "awesome", "k",      "sure", "alright",
                                             "fine", "good",    "right",   "sounds", "neat"};
  if (n > 0 && n <= 3 &&
      std::all_of(q.words().begin(), q.words().end(), [](const std::string& w) { return acks.count(w) > 0; })) {
    return Chat::acknowledgement;
  }
  return Chat::general;
}

std::string capability_list() {
  return "- **Analyze a repository**: languages, structure, dependencies, symbols and history. "
         "`analyze this repo`, `what languages does microsoft/vscode use?`\n"
         "- **Find hotspots and contributors**: `what are the hotspots in this repository?`, "
         "`who are the main contributors?`\n"
         "- **Trace relationships**: `what depends on src/core/error.h?`, "
         "`what changes together with src/server/routes.cpp?`, `show me the import graph`\n"
         "- **Search and read code**: `where is parse_config defined?`, `show src/main.cpp lines 1-40`\n"
         "- **Search GitHub**: `find popular rust web frameworks`\n"
         "- **Compare repositories**: `compare facebook/react and vuejs/vue`, "
         "`what dependencies do psf/requests and encode/httpx share?`";
}

// The question's subject in a few plain words ("raii", "garbage collection
// java"), to suggest searches with; empty when nothing is left.
std::string subject_of(const Question& q) {
  static const std::set<std::string> stop = {
      "a",      "an",         "the",    "what",    "whats",      "s",       "is",     "are",       "was",   "how",
      "does",   "do",         "did",    "explain", "difference", "between", "in",     "of",        "to",    "and",
      "or",     "can",        "could",  "you",     "me",         "i",       "should", "use",       "when",  "instead",
      "simple", "terms",      "work",   "works",   "stand",      "for",     "mean",   "means",     "by",    "why",
      "tell",   "about",      "please", "it",      "this",       "that",    "with",   "on",        "my",    "your",
      "we",     "be",         "there",  "vs",      "versus",     "versa",   "which",  "who",       "where", "describe",
      "define", "definition", "give",   "example", "examples",   "show",    "like",   "reference", "value", "pass",
      "good",   "best",       "way",    "ways",    "would",      "will",    "if",     "from",      "into",  "at",
      "as",     "so",         "than"};
  std::string subject;
  std::size_t kept = 0;
  for (const auto& w : q.words()) {
    if (kept == 3) break;
    if (stop.count(w) || w.size() > 30) continue;
    subject += (kept++ ? " " : "") + w;
  }
  return subject;
}

std::string general_reply(const Question& q) {
  std::string out =
      "That is a general question, and without an LLM devagent answers questions about code and repositories: it "
      "reads, searches and measures real code rather than drawing on general knowledge, so it will not guess at an "
      "answer here.\n\nWhat it can do instead:\n\n";
  auto subject = subject_of(q);
  if (!subject.empty()) {
    out += "- See where it shows up in your code: " + code("search the code for " + subject) + "\n";
    out += "- Find projects about it: " + code("find repositories about " + subject + " on GitHub") + "\n";
  }
  out += "- Look at your repository: `analyze this repo`, `what are the hotspots?`";
  return out;
}

std::string chat_reply(const Question& q) {
  switch (classify_chat(q)) {
    case Chat::greeting:
      return "Hello! I'm devagent. I answer questions about code and repositories, yours in the workspace and public "
             "ones on GitHub. Some things you can ask:\n\n" +
             capability_list() + "\n\n" + llm_line("also chat freely and answer general programming questions");
    case Chat::capabilities:
      return "I'm devagent, a developer agent: I answer questions about code by running tools on real repositories, "
             "and without an LLM I write the answer from what the tools find. You can ask me to:\n\n" +
             capability_list() + "\n\n" + llm_line("also explain the findings in prose and answer general questions");
    case Chat::thanks:
      return "You're welcome! Ask me anything else about your code.";
    case Chat::farewell:
      return "Bye! Come back whenever you have a question about your code.";
    case Chat::thanks_farewell:
      return "You're welcome, and goodbye! Come back whenever you have a question about your code.";
    case Chat::acknowledgement:
      return "Glad it helped. What would you like to look at next?";
    case Chat::general:
      break;
  }
  return general_reply(q) + "\n\n" + llm_line("answer this question directly, with explanations and examples");
}

// ---------------------------------------------------------------------------
// Putting an answer together.

struct Block {
  std::string title;
  std::string body;
};

std::string block_title(const TaskResult& r) {
  if (r.tool == "searchGitHub") {
    auto query = string_at(r.result, "query");
    return "GitHub: " + code(query.empty() ? string_at(r.arguments, "query") : query);
  }
  if (r.tool == "analyzeRepository") return md(analysis_name(r));
  if (r.tool == "searchCode") return "Code search: " + code(string_at(r.arguments, "query"));
  if (r.tool == "readFile") return code(string_at(r.arguments, "path"));
  if (r.tool == "findRelationships") {
    auto focus = string_at(r.result, "focus");
    return md(relation_kind(r)) + (focus.empty() ? "" : " of " + code(focus));
  }
  return code(r.tool);
}

std::string render_result(const TaskResult& r, const Question& q) {
  if (r.tool == "searchGitHub") return render_github_search(r);
  if (r.tool == "analyzeRepository") return render_analysis(r, q);
  if (r.tool == "findRelationships") return render_relationships(r);
  if (r.tool == "searchCode") return render_code_search(r);
  if (r.tool == "readFile") return render_read_file(r);
  return "Result of " + code(r.tool) + ":\n\n" + fenced(shorten(json::serialize(r.result), 3000), "json");
}

std::vector<Block> render_blocks(const std::vector<const TaskResult*>& ok, const Question& q) {
  std::vector<const TaskResult*> analyses;
  for (const auto* r : ok) {
    if (r->tool == "analyzeRepository") analyses.push_back(r);
  }
  std::vector<Block> blocks;
  bool compared = false;
  for (const auto* r : ok) {
    if (r->tool == "analyzeRepository" && analyses.size() >= 2) {
      if (!compared) blocks.push_back({"Comparison", render_comparison(analyses)});
      compared = true;
      continue;
    }
    blocks.push_back({block_title(*r), render_result(*r, q)});
  }
  return blocks;
}

// The one closing line, chosen by what the answer is mostly about.
std::string closing_line(const std::vector<const TaskResult*>& ok, const Question& q) {
  if (ok.empty()) return llm_line("work around the failure with what it knows and answer in prose");
  std::size_t analyses =
      std::count_if(ok.begin(), ok.end(), [](const TaskResult* r) { return r->tool == "analyzeRepository"; });
  if (analyses >= 2) return llm_line("weigh these differences and recommend one for your needs");
  const auto& r = *ok.front();
  if (r.tool == "searchGitHub") return llm_line("compare these projects and recommend one for your needs");
  if (r.tool == "searchCode") return llm_line("read these matches and explain how the code fits together");
  if (r.tool == "readFile") return llm_line("explain this code and answer questions about it");
  if (r.tool == "findRelationships") {
    auto kind = relation_kind(r);
    if (kind == "cochange")
      return llm_line("explain why these files change together and whether that coupling is intended");
    if (kind == "dependencies" || kind == "shared_dependencies") {
      return llm_line("explain what each dependency is for and point out outdated or risky ones");
    }
    if (kind == "imports")
      return llm_line("explain the architecture this import graph reveals and answer follow-up questions");
    return llm_line("explain what a change would ripple into and answer follow-up questions");
  }
  auto asked = asked_sections(q);
  auto first = asked.empty() ? Section::overview : asked.front();
  if (first == Section::hotspots || first == Section::churn || first == Section::coupling) {
    return llm_line("explain why these files change so often and where refactoring would pay off");
  }
  if (first == Section::contributors)
    return llm_line("tell the story of the project's history and answer follow-up questions");
  if (first == Section::dependencies)
    return llm_line("explain what each dependency is for and point out outdated or risky ones");
  return llm_line("describe the architecture in prose and answer follow-up questions");
}

std::string failure_lines(const std::vector<const TaskResult*>& failed) {
  std::string lines;
  for (const auto* r : failed) lines += failure_line(*r) + "\n";
  if (!lines.empty()) lines.pop_back();
  return lines;
}

// What failed, then what was not available; empty when everything worked.
std::string notes(const std::vector<const TaskResult*>& failed, const std::vector<const TaskResult*>& ok,
                  const Question& q) {
  std::string out;
  if (!failed.empty()) out += "**What did not work:**\n\n" + failure_lines(failed);
  std::string missing;
  for (const auto* r : ok) missing += unavailable_lines(*r, q);
  if (!missing.empty()) {
    missing.pop_back();
    out += (out.empty() ? "" : "\n\n") + std::string("**Not available:**\n\n") + missing;
  }
  return out;
}

}  // namespace

std::string compose_answer(const ComposeInput& input) {
  Question q(input.question);
  if (input.results.empty()) return chat_reply(q);
  std::vector<const TaskResult*> ok, failed;
  for (const auto& r : input.results) (r.status == TaskResult::Status::ok ? ok : failed).push_back(&r);

  std::string out;
  if (ok.empty()) {
    out = failed.size() == 1 ? "I could not answer this: the step that would have answered it did not succeed.\n\n"
                             : "I could not answer this: none of the " +
                                   count(static_cast<std::int64_t>(failed.size())) + " steps succeeded.\n\n";
    return out + failure_lines(failed) + "\n\n" + closing_line(ok, q);
  }
  auto blocks = render_blocks(ok, q);
  for (const auto& b : blocks) {
    if (!out.empty()) out += "\n\n";
    if (blocks.size() > 1) out += "### " + b.title + "\n\n";
    out += b.body;
  }
  if (auto n = notes(failed, ok, q); !n.empty()) out += "\n\n" + n;
  return out + "\n\n" + closing_line(ok, q);
}

}  // namespace devagent::agent
