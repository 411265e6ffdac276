// The builtin planner (planner.h, docs/planner.md).
//
// Three stages:
//   1. read the question: normalise the text, cut it into tokens and
//      recognise entities (repositories, paths, code, quoted text, numbers),
//      languages, a line range and "this repository";
//   2. match intents: ordered rules (kRules, at the end), each driven by
//      tables of cue phrases; the first rule that recognises the question
//      builds the plan;
//   3. build the tasks with valid arguments for each tool.
// The tables — which words signal what — are data, in planner_vocabulary.h.
#include "agent/planner.h"

#include "agent/planner_vocabulary.h"
#include "core/text.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace devagent::agent {
namespace {

namespace json = boost::json;
using namespace planner_vocabulary;  // NOLINT(google-build-using-namespace): the tables read as plain words

constexpr std::size_t npos = std::string::npos;

bool is_one_of(std::string_view word, Cues list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool in_set(std::string_view set, char c) {
  return set.find(c) != npos;
}

// At most one insertion, deletion, substitution or swap of neighbours apart.
bool one_edit_apart(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    if (i == a.size()) return true;
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // b has one letter more
}

std::optional<std::string_view> language_alias(std::string_view word, std::span<const Alias> table) {
  for (const auto& a : table)
    if (a.word == word) return a.canonical;
  return std::nullopt;
}

std::optional<int> number_value(std::string_view text) {
  if (all_digits(text)) return text.size() <= 6 ? std::optional<int>(std::stoi(std::string(text))) : std::nullopt;
  for (const auto& [word, n] : kNumberWords)
    if (word == text) return n;
  return std::nullopt;
}

// ============================================================ tokens

enum class Kind { word, number, repository, path, code, quoted, comma };

struct Token {
  Kind kind = Kind::word;
  std::string text;   // what cues match: the lower-case word, the digits, a placeholder (<repo>, <path>, ...)
  std::string value;  // as written: the word, or the entity (owner/name, path, identifier, quoted text)
};

using Tokens = std::vector<Token>;

Token make_token(Kind kind, std::string value) {
  switch (kind) {
    case Kind::repository:
      return {kind, "<repo>", std::move(value)};
    case Kind::path:
      return {kind, "<path>", std::move(value)};
    case Kind::code:
      return {kind, "<code>", std::move(value)};
    case Kind::quoted:
      return {kind, "<quote>", std::move(value)};
    case Kind::comma:
      return {kind, ",", ","};
    case Kind::number:
    case Kind::word:
      break;
  }
  return {kind, ascii_lower(value), std::move(value)};
}

// Unicode dashes and quotes as their ASCII counterparts.
std::string normalise_text(std::string_view in) {
  static constexpr std::pair<std::string_view, std::string_view> kReplace[] = {
      {"\u2013", "-"}, {"\u2014", "-"}, {"\u2018", "'"}, {"\u2019", "'"}, {"\u201c", "\""}, {"\u201d", "\""}};
  std::string out(in);
  for (const auto& [from, to] : kReplace)
    for (auto at = out.find(from); at != npos; at = out.find(from, at + to.size())) out.replace(at, from.size(), to);
  return out;
}

// ------------------------------------------------------------ chunks

struct Chunk {
  std::string text;
  bool quoted = false;
};

// A quote opens at the start of a word and, for an apostrophe, must close at
// the end of one ('rate limit'), so "what's" and "repo's" are not quotes.
std::size_t closing_quote(std::string_view s, std::size_t i) {
  char q = s[i];
  if (q != '`' && q != '"' && q != '\'') return npos;
  if (i > 0 && !is_space(s[i - 1]) && !in_set("([{:,", s[i - 1])) return npos;
  auto close = s.find(q, i + 1);
  if (close == npos || close == i + 1) return npos;
  if (q == '\'') {
    bool ends_word = close + 1 == s.size() || is_space(s[close + 1]) || in_set(".,;:!?)]}", s[close + 1]);
    if (!ends_word) return npos;
  }
  return close;
}

std::vector<Chunk> split_chunks(std::string_view s) {
  std::vector<Chunk> chunks;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    if (auto close = closing_quote(s, i); close != npos) {
      chunks.push_back({std::string(s.substr(i + 1, close - i - 1)), true});
      i = close + 1;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    chunks.push_back({std::string(s.substr(i, j - i)), false});
    i = j;
  }
  return chunks;
}

// Strips sentence punctuation around a chunk, keeping a trailing "()".
std::string trim_punctuation(std::string_view s) {
  while (!s.empty() && in_set("([{<\"'`*", s.front())) s.remove_prefix(1);
  while (!s.empty()) {
    char c = s.back();
    if (c == ')') {
      if (std::count(s.begin(), s.end(), '(') >= std::count(s.begin(), s.end(), ')')) break;  // validate()
    } else if (!in_set("]}>\"'`?!,;:.*", c)) {
      break;
    }
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string strip_possessive(std::string s) {
  if (s.size() > 2 && s.ends_with("'s") && !is_one_of(ascii_lower(s), kContractions)) s.resize(s.size() - 2);
  return s;
}

// ------------------------------------------------------------ entity shapes

bool valid_owner(std::string_view s) {
  if (s.empty() || s.size() > 39 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool valid_repo_name(std::string_view s) {
  if (s.empty() || s.size() > 100 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; });
}

std::string extension_of(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == npos || dot == 0 || dot + 1 == name.size()) return {};
  return ascii_lower(name.substr(dot + 1));
}

bool is_file_name(std::string_view s) {
  if (is_one_of(s, kPlainFileNames)) return true;
  auto ext = extension_of(s);
  if (ext.empty() || !is_one_of(ext, kSourceExtensions)) return false;
  auto stem = s.substr(0, s.rfind('.'));
  if (!std::all_of(stem.begin(), stem.end(), [](char c) { return is_alnum(c) || in_set("_.-", c); })) return false;
  return !(ext == "js" && is_one_of(ascii_lower(stem), kJsProjects));
}

bool short_capitals(std::string_view s) {
  return s.size() <= 4 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

enum class Slashed { repository, path, neither };

// "owner/name" or a path? Paths start with a directory name, have more than
// one slash or end in a file name; a name like discord.py is a repository
// unless the question talks about files.
Slashed classify_slashed(std::string_view s, bool talks_about_files) {
  if (s.starts_with("./") || s.starts_with("../") || s.starts_with("/") || s.starts_with("~/")) return Slashed::path;
  bool trailing_slash = s.size() > 1 && s.ends_with('/');
  while (s.ends_with('/')) s.remove_suffix(1);
  auto slash = s.find('/');
  if (slash == npos) return trailing_slash && valid_repo_name(s) ? Slashed::path : Slashed::neither;
  if (s.find('/', slash + 1) != npos) return Slashed::path;
  auto owner = s.substr(0, slash), name = s.substr(slash + 1);
  if (owner.empty() || name.empty() || all_digits(name)) return Slashed::neither;
  if (is_one_of(ascii_lower(s), kWordPairs) || (short_capitals(owner) && short_capitals(name))) return Slashed::neither;
  if (is_one_of(ascii_lower(owner), kDirectoryNames)) return Slashed::path;
  if (is_file_name(name)) {
    static constexpr std::string_view kProjectLike[] = {"js", "py", "rs", "jl", "sh", "ts", "el", "vim", "nvim"};
    if (!is_one_of(extension_of(name), kProjectLike) || talks_about_files) return Slashed::path;
  }
  if (valid_owner(owner) && valid_repo_name(name)) return Slashed::repository;
  return Slashed::neither;
}

// parseConfig, useEffect: lower-case start, then an upper-case letter.
bool camel_case(std::string_view s) {
  if (s.size() < 6 || !std::islower(static_cast<unsigned char>(s[0]))) return false;
  if (!std::all_of(s.begin(), s.end(), is_alnum)) return false;
  auto upper = std::find_if(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
  return upper != s.end() && upper - s.begin() >= 2;
}

// os.path.join, asyncio.TaskGroup — but not socket.io or e.g.
bool dotted_identifier(std::string_view s) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == npos ? npos : dot - start));
    if (dot == npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2 || is_one_of(ascii_lower(parts.back()), kDomainEndings)) return false;
  return std::all_of(parts.begin(), parts.end(), [](std::string_view p) {
    return p.size() >= 2 && !std::isdigit(static_cast<unsigned char>(p[0])) &&
           std::all_of(p.begin(), p.end(), [](char c) { return is_alnum(c) || c == '_'; });
  });
}

bool looks_like_code(std::string_view s) {
  if (s.find("::") != npos || s.find("->") != npos) return true;
  if (s.size() > 2 && s.ends_with(')') && s.find('(') != npos && is_alnum(s.front())) return true;
  bool has_letter = std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c); });
  bool identifier_chars = std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '_'; });
  if (has_letter && identifier_chars && s.find('_') != npos) return true;
  return camel_case(s) || dotted_identifier(s);
}

// ------------------------------------------------------------ reading

struct Reading {
  Tokens tokens;
  QuestionEntities entities;
  bool talks_about_files = false;
};

void set_lines(QuestionEntities& e, int start, int end) {
  if (e.start_line || start <= 0) return;
  if (end > 0 && end < start) std::swap(start, end);
  e.start_line = start;
  if (end > 0) e.end_line = end;
}

// "path:10-40" or "path:10" → path, and the line range when `e` is given.
std::string take_line_suffix(std::string path, QuestionEntities* e = nullptr) {
  static const RE2 suffix(R"((.*?):(\d+)(?:-(\d+))?)");
  std::string head;
  int start = 0, end = 0;
  if (!RE2::FullMatch(path, suffix, &head, &start, &end)) return path;
  if (e) set_lines(*e, start, end);
  return head;
}

void add_repository(Reading& r, std::string name) {
  if (name.ends_with(".git")) name.resize(name.size() - 4);
  if (std::find(r.entities.repositories.begin(), r.entities.repositories.end(), name) == r.entities.repositories.end())
    r.entities.repositories.push_back(name);
  r.tokens.push_back(make_token(Kind::repository, std::move(name)));
}

void add_path(Reading& r, std::string path) {
  path = take_line_suffix(std::move(path), &r.entities);
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  r.entities.paths.push_back(path);
  r.tokens.push_back(make_token(Kind::path, std::move(path)));
}

// https://github.com/owner/name[.git][/blob/ref/path#L10-L20]; other URLs are dropped.
bool add_url(std::string_view s, Reading& r) {
  auto l = ascii_lower(s);
  auto at = l.find("github.com/");
  bool url = l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www.");
  if (at == npos) return url;
  std::string rest(s.substr(at + 11));
  std::string fragment;
  if (auto hash = rest.find_first_of("#?"); hash != npos) {
    fragment = rest.substr(hash);
    rest.resize(hash);
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= rest.size();) {
    auto slash = rest.find('/', start);
    parts.push_back(rest.substr(start, slash == npos ? npos : slash - start));
    if (slash == npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || !valid_owner(parts[0])) return true;
  std::string name = parts[1].ends_with(".git") ? parts[1].substr(0, parts[1].size() - 4) : parts[1];
  if (!valid_repo_name(name)) return true;
  add_repository(r, parts[0] + "/" + name);
  if (parts.size() > 4 && (parts[2] == "blob" || parts[2] == "tree")) {
    std::string path = parts[4];
    for (std::size_t i = 5; i < parts.size(); ++i) path += "/" + parts[i];
    add_path(r, path);
    static const RE2 anchor(R"(#L(\d+)(?:-L(\d+))?)");
    int start = 0, end = 0;
    if (RE2::PartialMatch(fragment, anchor, &start, &end)) set_lines(r.entities, start, end);
  }
  return true;
}

// Plain words: split at punctuation, keeping language names like c++ and .net whole.
void add_words(std::string_view s, Reading& r) {
  std::string piece;
  auto flush_piece = [&] {
    auto p = trim_punctuation(piece);
    piece.clear();
    if (p.empty()) return;
    if (language_alias(ascii_lower(p), kLanguages)) {
      r.tokens.push_back(make_token(Kind::word, p));
      return;
    }
    std::string word;
    auto flush_word = [&] {
      while (!word.empty() && word.front() == '\'') word.erase(0, 1);
      while (!word.empty() && word.back() == '\'') word.pop_back();
      if (!word.empty()) r.tokens.push_back(make_token(all_digits(word) ? Kind::number : Kind::word, word));
      word.clear();
    };
    for (char c : p) {
      if (is_alnum(c) || c == '\'')
        word += c;
      else
        flush_word();
    }
    flush_word();
  };
  for (char c : s) {
    if (in_set("/,;:()[]|=&", c))
      flush_piece();
    else
      piece += c;
  }
  flush_piece();
}

void add_chunk(const Chunk& chunk, Reading& r) {
  std::string core = strip_possessive(chunk.quoted ? chunk.text : trim_punctuation(chunk.text));
  bool comma_after = !chunk.quoted && (chunk.text.ends_with(',') || chunk.text.ends_with(';'));
  bool single_word = core.find_first_of(" \t") == npos;
  if (core.empty()) {
  } else if (chunk.quoted && !single_word) {
    r.entities.quoted.push_back(core);
    r.tokens.push_back(make_token(Kind::quoted, core));
  } else if (!chunk.quoted && add_url(core, r)) {
  } else if (auto kind = classify_slashed(take_line_suffix(core), r.talks_about_files); kind != Slashed::neither) {
    if (kind == Slashed::repository)
      add_repository(r, core);
    else
      add_path(r, core);
  } else if (language_alias(ascii_lower(core), kLanguages)) {
    r.tokens.push_back(make_token(Kind::word, core));
  } else if (is_file_name(take_line_suffix(core))) {
    add_path(r, core);
  } else if (looks_like_code(core)) {
    r.entities.identifiers.push_back(core);
    r.tokens.push_back(make_token(Kind::code, core));
  } else if (chunk.quoted) {
    r.entities.quoted.push_back(core);
    r.tokens.push_back(make_token(Kind::quoted, core));
  } else {
    add_words(core, r);
  }
  if (comma_after) r.tokens.push_back(make_token(Kind::comma, ","));
}

// ============================================================ cues
//
// A cue is a phrase of slots separated by spaces. A slot lists alternatives
// separated by '|'; an alternative ending in '*' matches words it begins; a
// final "$" slot matches the end of the question. Placeholders (<repo>,
// <path>, <code>, <quote>) match entities.

bool slot_matches(std::string_view slot, std::string_view word) {
  for (std::size_t start = 0;;) {
    auto bar = slot.find('|', start);
    auto alt = slot.substr(start, bar == npos ? npos : bar - start);
    if (alt.ends_with('*') ? word.starts_with(alt.substr(0, alt.size() - 1)) : alt == word) return true;
    if (bar == npos) return false;
    start = bar + 1;
  }
}

std::vector<std::string_view> slots_of(std::string_view cue) {
  std::vector<std::string_view> slots;
  for (std::size_t start = 0; start < cue.size();) {
    auto space = cue.find(' ', start);
    slots.push_back(cue.substr(start, space == npos ? npos : space - start));
    if (space == npos) break;
    start = space + 1;
  }
  return slots;
}

struct Span {
  std::size_t from = 0;
  std::size_t to = npos;
};

// Where `cue` starts in tokens [span.from, span.to), or npos.
std::size_t find_cue(const Tokens& t, std::string_view cue, Span span = {}) {
  auto slots = slots_of(cue);
  bool at_end = !slots.empty() && slots.back() == "$";
  if (at_end) slots.pop_back();
  std::size_t to = std::min(span.to, t.size());
  for (std::size_t i = span.from; i + slots.size() <= to; ++i) {
    bool match = true;
    for (std::size_t k = 0; k < slots.size() && match; ++k) match = slot_matches(slots[k], t[i + k].text);
    if (match && (!at_end || i + slots.size() == to)) return i;
  }
  return npos;
}

// The earliest place any of the cues starts, or npos.
std::size_t find_any(const Tokens& t, Cues cues, Span span = {}) {
  std::size_t best = npos;
  for (auto cue : cues) best = std::min(best, find_cue(t, cue, span));
  return best;
}

bool has_any(const Tokens& t, Cues cues, Span span = {}) {
  return find_any(t, cues, span) != npos;
}

// ------------------------------------------------------------ the question

struct Question {
  Tokens tokens;
  QuestionEntities entities;
  bool this_repository_named = false;    // "this repo", "my project" (not just "the repo")
  std::vector<std::size_t> language_at;  // tokens that name the language

  bool names_something() const {
    const auto& e = entities;
    return !e.repositories.empty() || !e.paths.empty() || !e.identifiers.empty() || !e.quoted.empty() ||
           e.this_repository;
  }
  bool has(Cues cues, Span span = {}) const { return has_any(tokens, cues, span); }
  std::size_t find(Cues cues, Span span = {}) const { return find_any(tokens, cues, span); }
  bool is_language(std::size_t i) const {
    return std::find(language_at.begin(), language_at.end(), i) != language_at.end();
  }
};

bool names_language(const Tokens& t, std::size_t i) {
  const auto& w = t[i].text;
  std::string_view prev = i > 0 ? std::string_view(t[i - 1].text) : "";
  std::string_view next = i + 1 < t.size() ? std::string_view(t[i + 1].text) : "";
  if (t[i].kind != Kind::word || !language_alias(w, kLanguages)) return false;
  if (w == "go") return !is_one_of(next, kGoVerbNext) && !is_one_of(prev, kGoVerbPrevious);
  if (w == "c" || w == "r") return is_one_of(prev, kLetterLanguagePrevious) || is_one_of(next, kLetterLanguageNext);
  return true;
}

void correct_typos(Tokens& tokens) {
  for (auto& t : tokens) {
    if (t.kind != Kind::word || t.text.size() < 5 || is_one_of(t.text, kCorrectable)) continue;
    for (auto word : kCorrectable)
      if (one_edit_apart(t.text, word) && !t.text.starts_with(word) && !word.starts_with(t.text)) {  // not "structured"
        t.text = std::string(word);
        break;
      }
  }
}

void find_languages(Question& q) {
  for (std::size_t i = 0; i < q.tokens.size(); ++i) {
    if (!names_language(q.tokens, i)) continue;
    q.language_at.push_back(i);
    if (!q.entities.language) q.entities.language = std::string(*language_alias(q.tokens[i].text, kLanguages));
  }
  if (q.entities.language) return;
  for (const auto& t : q.tokens)
    if (auto hint = language_alias(t.text, kLanguageHints); hint && t.kind == Kind::word) {
      q.entities.language = std::string(*hint);
      return;
    }
}

void find_line_range(const std::string& text, QuestionEntities& e) {
  static const RE2 range(R"((?:\blines?|\bl)\s*(\d+)\s*(?:-|to|through|thru|until|till|\.\.)\s*(?:lines?\s*|l)?(\d+))");
  static const RE2 first_lines(R"(\bfirst\s+(\d+)\s+lines\b)");
  static const RE2 from_line(R"(\bfrom\s+line\s+(\d+)\b)");
  static const RE2 one_line(R"(\blines?\s+(\d+)\b)");
  int a = 0, b = 0;
  if (RE2::PartialMatch(text, range, &a, &b)) return set_lines(e, a, b);
  if (RE2::PartialMatch(text, first_lines, &b)) return set_lines(e, 1, b);
  if (RE2::PartialMatch(text, from_line, &a)) return set_lines(e, a, 0);
  // One line: show it with ten lines of context either side.
  if (RE2::PartialMatch(text, one_line, &a)) set_lines(e, std::max(1, a - 10), a + 10);
}

// A workspace repository's name counts next to a repository word or an
// analysis verb: "analyze devagent", "the devagent repo".
void find_workspace_repositories(Question& q, const PlannerContext& context) {
  static constexpr std::string_view kBefore[] = {"analyze", "analyse", "summarize", "summarise", "compare", "inspect",
                                                 "examine", "review",  "describe",  "about",     "of",      "in",
                                                 "vs",      "versus",  "and",       "with"};
  static constexpr std::string_view kAfter[] = {"repo", "repository", "project", "codebase", "workspace"};
  auto& t = q.tokens;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].kind != Kind::word) continue;
    bool known = std::any_of(context.workspace_repositories.begin(), context.workspace_repositories.end(),
                             [&](const std::string& name) { return ascii_lower(name) == t[i].text; });
    bool placed = (i > 0 && is_one_of(t[i - 1].text, kBefore)) ||
                  (i + 1 < t.size() && is_one_of(t[i + 1].text, kAfter)) ||
                  (i > 0 && i + 1 == t.size() && t[i - 1].text == "is");  // "what is devagent?"
    if (!known || !placed) continue;
    q.entities.repositories.push_back(t[i].value);
    t[i] = make_token(Kind::repository, t[i].value);
  }
}

Question read_question(std::string_view text, const PlannerContext& context) {
  auto normal = normalise_text(text);
  auto lowered = ascii_lower(normal);
  Reading r;
  static constexpr std::string_view kFileTalk[] = {"file", "line",    "import", "includ", "open ", "read",
                                                   "cat ", "content", "change", "modif",  "edit",  "show me"};
  r.talks_about_files = std::any_of(std::begin(kFileTalk), std::end(kFileTalk),
                                    [&](std::string_view w) { return lowered.find(w) != npos; });
  for (const auto& chunk : split_chunks(normal)) add_chunk(chunk, r);
  Question q{std::move(r.tokens), std::move(r.entities)};
  correct_typos(q.tokens);
  find_workspace_repositories(q, context);
  find_languages(q);
  find_line_range(lowered, q.entities);
  q.this_repository_named = q.has(kThisRepositoryCues);
  q.entities.this_repository = q.this_repository_named || q.has(kTheRepositoryCues);
  return q;
}

// ============================================================ building tasks

class PlanBuilder {
 public:
  std::string add(std::string_view tool, json::object arguments, std::vector<std::string> depends_on = {}) {
    Task task;
    task.id = "t" + std::to_string(plan_.tasks.size() + 1);
    task.tool = std::string(tool);
    task.arguments = std::move(arguments);
    task.depends_on = std::move(depends_on);
    plan_.tasks.push_back(std::move(task));
    return plan_.tasks.back().id;
  }
  Plan take() { return std::move(plan_); }

 private:
  Plan plan_;
};

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

json::object analyze_arguments(json::value repository, const std::vector<std::string>& aspects) {
  json::object args{{"repository", std::move(repository)}};
  if (!aspects.empty()) args["aspects"] = string_array(aspects);
  return args;
}

json::object relationship_arguments(const Question& q, std::string_view kind, std::string_view focus = {}) {
  auto repositories = q.entities.repositories;
  if (repositories.empty()) repositories = {"."};
  if (repositories.size() > 10) repositories.resize(10);
  json::object args{{"repositories", string_array(repositories)}, {"kind", kind}};
  if (!focus.empty()) args["focus"] = focus;
  return args;
}

Plan single(std::string_view tool, json::object arguments) {
  PlanBuilder plan;
  plan.add(tool, std::move(arguments));
  return plan.take();
}

// Aspects the question asks about, in the tool's order.
std::vector<std::string> aspects_asked(const Question& q, Span span = {}) {
  struct AspectCues {
    std::string_view aspect;
    Cues cues;
  };
  static const AspectCues kAspects[] = {{"languages", kLanguagesCues},       {"structure", kStructureCues},
                                        {"dependencies", kDependenciesCues}, {"symbols", kSymbolsCues},
                                        {"history", kHistoryCues},           {"summary", kSummaryCues}};
  std::vector<std::string> aspects;
  for (const auto& a : kAspects)
    if (q.has(a.cues, span)) aspects.emplace_back(a.aspect);
  return aspects;
}

// ============================================================ intent rules
//
// Each rule returns the plan when it recognises the question, nullopt when
// the next rule should try. An empty plan means "answer without tools".

using RuleResult = std::optional<Plan>;

RuleResult small_talk(const Question& q) {
  if (q.names_something() || q.tokens.empty()) return std::nullopt;
  bool chit_chat =
      std::all_of(q.tokens.begin(), q.tokens.end(), [](const Token& t) { return is_one_of(t.text, kSmallTalkWords); });
  if (chit_chat || q.has(kCapabilityCues)) return Plan{};
  return std::nullopt;
}

RuleResult general_knowledge(const Question& q) {
  static constexpr std::string_view kGithub[] = {"github"};
  const auto& e = q.entities;
  bool names_code = !e.repositories.empty() || !e.paths.empty() || !e.identifiers.empty() || e.this_repository;
  if (!names_code && q.has(kDefinitionCues)) return Plan{};
  if (q.names_something() || q.has(kGithub)) return std::nullopt;
  // "Which repos should I look at for learning Rust async?" asks for projects.
  if (q.has(kListingNouns) && (q.entities.language || q.has(kExplicitSearchVerbs))) return std::nullopt;
  if (q.has(kGeneralCues)) return Plan{};
  return std::nullopt;
}

// ------------------------------------------------------------ relationships of a file or module

struct Focus {
  std::string name;
  std::size_t at = npos;
};

bool names_module(const Token& t) {
  static constexpr std::string_view kListNouns[] = {"imports", "includes", "dependencies", "requirements", "deps"};
  return t.kind == Kind::word && !is_one_of(t.text, kCodeTargetSkip) && !is_one_of(t.text, kNotPackages) &&
         !is_one_of(t.text, kListNouns);
}

// "the config module", "the module config"
std::optional<Focus> named_module(const Tokens& t) {
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (!is_one_of(t[i].text, kFocusNouns)) continue;
    if (t[i - 1].text == "the" && i + 1 < t.size() && names_module(t[i + 1])) return Focus{t[i + 1].value, i + 1};
    if (i >= 2 && t[i - 2].text == "the" && names_module(t[i - 1])) return Focus{t[i - 1].value, i - 1};
  }
  return std::nullopt;
}

// "who uses lodash", "which files depend on serde": a package after the verb.
std::optional<Focus> package_after_verb(const Question& q) {
  static constexpr std::string_view kAsker[] = {"who|what|which|that|anything|anyone|everything|files|modules"};
  static constexpr std::string_view kSkip[] = {"on", "upon", "the", "a", "an"};
  auto asker = q.find(kAsker);
  if (asker == npos) return std::nullopt;
  auto verb = q.find(kRelationVerbs, {asker + 1});
  if (verb == npos) return std::nullopt;
  std::size_t i = verb + 1;
  while (i < q.tokens.size() && is_one_of(q.tokens[i].text, kSkip)) ++i;
  if (i >= q.tokens.size() || q.tokens[i].kind != Kind::word || q.is_language(i)) return std::nullopt;
  const auto& word = q.tokens[i].text;
  if (is_one_of(word, kCodeTargetSkip) || is_one_of(word, kSearchFiller) || is_one_of(word, kNotPackages))
    return std::nullopt;
  return Focus{q.tokens[i].value, i};
}

std::optional<Focus> relationship_focus(const Question& q) {
  for (std::size_t i = 0; i < q.tokens.size(); ++i)
    if (q.tokens[i].kind == Kind::path) return Focus{q.tokens[i].value, i};
  if (auto module = named_module(q.tokens)) return module;
  // "find libraries that depend on tokio" looks for projects on GitHub.
  bool library_search = q.has(kListingNouns) && q.has(kExplicitSearchVerbs) && !q.entities.this_repository;
  return library_search ? std::nullopt : package_after_verb(q);
}

// Imports of the focus, or the files that depend on it? "what does F import"
// and "imported by F" ask for F's imports; "who imports F" for its dependents.
std::optional<std::string_view> relationship_kind(const Question& q, std::size_t focus) {
  if (q.has(kCochangeCues)) return "cochange";
  if (q.has(kDependentsCues)) return "dependents";
  if (q.has(kImportGraphCues) || q.has(kRelatedCues) || q.has(kOwnImportsCues)) return "imports";
  auto verb = q.find(kRelationVerbs);
  if (verb == npos) return std::nullopt;
  if (verb > focus) return "imports";  // "what does F import"
  std::size_t before = focus;
  while (before > 0 && (q.tokens[before - 1].text == "the" || is_one_of(q.tokens[before - 1].text, kFocusNouns)))
    --before;
  bool by_focus = before > 0 && q.tokens[before - 1].text == "by";  // "which files are imported by F"
  return by_focus ? "imports" : "dependents";
}

RuleResult file_relationships(const Question& q) {
  auto focus = relationship_focus(q);
  if (!focus) return std::nullopt;
  auto kind = relationship_kind(q, focus->at);
  if (!kind) return std::nullopt;
  // "which files import a.h and b.h": one call per file.
  bool path = q.tokens[focus->at].kind == Kind::path;
  auto foci = path ? q.entities.paths : std::vector<std::string>{focus->name};
  PlanBuilder plan;
  for (std::size_t i = 0; i < foci.size() && i < 5; ++i)
    plan.add("findRelationships", relationship_arguments(q, *kind, foci[i]));
  return plan.take();
}

// ------------------------------------------------------------ reading a file

json::object read_arguments(const Question& q) {
  json::object args{{"path", q.entities.paths.front()}};
  if (!q.entities.repositories.empty()) args["repository"] = q.entities.repositories.front();
  if (q.entities.start_line) args["start_line"] = *q.entities.start_line;
  if (q.entities.end_line) args["end_line"] = *q.entities.end_line;
  return args;
}

RuleResult read_file(const Question& q) {
  if (q.entities.paths.empty() || q.has(kWorkspaceOnlyCues)) return std::nullopt;
  if (!q.entities.start_line && !q.has(kReadCues)) return std::nullopt;
  return single("readFile", read_arguments(q));
}

// A path named with nothing else recognised: show the file.
RuleResult file_alone(const Question& q) {
  if (q.entities.paths.empty() || q.has(kWorkspaceOnlyCues)) return std::nullopt;
  return single("readFile", read_arguments(q));
}

// ------------------------------------------------------------ code search

bool candidate_word(const Question& q, std::size_t i) {
  const auto& t = q.tokens[i];
  return t.kind == Kind::word && !is_one_of(t.text, kCodeTargetSkip) && !is_one_of(t.text, kCodeKindWords) &&
         !q.is_language(i);
}

// The symbol next to a kind word: "class RequestHandler", "the Orchestrator class".
std::optional<std::string> symbol_by_kind(const Question& q) {
  const auto& t = q.tokens;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!is_one_of(t[i].text, kCodeKindWords)) continue;
    if (i + 1 < t.size() && candidate_word(q, i + 1)) return t[i + 1].value;
    if (i > 0 && candidate_word(q, i - 1)) return t[i - 1].value;
  }
  return std::nullopt;
}

// A capitalised word inside the sentence: SIGTERM, TODO, RequestHandler.
std::optional<std::string> capitalised_word(const Question& q) {
  for (std::size_t i = 1; i < q.tokens.size(); ++i) {
    const auto& t = q.tokens[i];
    if (!candidate_word(q, i) || t.value == "I" || t.text == "github") continue;
    if (!std::isupper(static_cast<unsigned char>(t.value.front()))) continue;
    bool capitals_plural =
        t.value.size() > 2 && t.value.ends_with('s') &&
        std::all_of(t.value.begin(), t.value.end() - 1, [](unsigned char c) { return std::isupper(c); });
    return capitals_plural ? t.value.substr(0, t.value.size() - 1) : t.value;  // TODOs → TODO
  }
  return std::nullopt;
}

std::string without_call_parens(std::string s) {
  if (s.ends_with("()")) s.resize(s.size() - 2);
  return s;
}

// What to search the code for: quoted text, an identifier, a named symbol,
// or the first meaningful word after the cue.
std::optional<std::string> code_target(const Question& q, std::size_t cue_at) {
  if (!q.entities.quoted.empty()) return q.entities.quoted.front();
  if (!q.entities.identifiers.empty()) return without_call_parens(q.entities.identifiers.front());
  if (auto symbol = symbol_by_kind(q)) return symbol;
  if (auto word = capitalised_word(q)) return word;
  // "where do we parse the config file": the verb after "do we" is not the target.
  static constexpr std::string_view kAskedVerb[] = {"do|does|did we|i|you|it|they"};
  std::size_t from = cue_at == npos ? 0 : cue_at;
  if (cue_at != npos && find_cue(q.tokens, kAskedVerb[0], {cue_at + 1, cue_at + 3}) == cue_at + 1) {
    auto verb = cue_at + 3;
    if (verb + 1 < q.tokens.size() && candidate_word(q, verb) && q.tokens[verb + 1].text == "the") from = verb + 1;
  }
  for (std::size_t i = from; i < q.tokens.size(); ++i)
    if (candidate_word(q, i)) return q.tokens[i].value;
  for (std::size_t i = 0; i < cue_at && i < q.tokens.size(); ++i)  // "how is logging implemented"
    if (candidate_word(q, i)) return q.tokens[i].value;
  return std::nullopt;
}

RuleResult github_code_search(const Question& q) {
  static constexpr std::string_view kGithub[] = {"github"};
  if (!q.has(kGithub)) return std::nullopt;
  bool code = q.has(kGithubCodeWords) || !q.entities.identifiers.empty();
  if (!code) return std::nullopt;
  auto target = code_target(q, q.find(kGithub));
  if (!target) return std::nullopt;
  json::object args{{"query", *target}, {"type", "code"}};
  if (q.entities.language) args["language"] = *q.entities.language;
  return single("searchGitHub", std::move(args));
}

RuleResult code_search(const Question& q) {
  static constexpr std::string_view kGithub[] = {"github"};
  if (q.has(kGithub)) return std::nullopt;  // GitHub's code is searched by github_code_search
  auto cue = q.find(kCodeCues);
  bool code_named = !q.entities.identifiers.empty() || !q.entities.quoted.empty();
  if (cue == npos && !code_named) return std::nullopt;
  if (!code_named && !q.entities.repositories.empty() && !q.has(kCodeKindWords)) return std::nullopt;
  bool library_search = q.has(kListingNouns) && (q.has(kSearchVerbs) || q.entities.language);
  if (!code_named && library_search) return std::nullopt;  // "look up Swift UI libraries", "libraries that handle X"
  if (!code_named && q.has(kWorkspaceOnlyCues)) return std::nullopt;  // "where are the hotspots?"
  if (cue == npos && q.has(kListingNouns)) return std::nullopt;
  auto target = code_target(q, cue);
  if (!target) return std::nullopt;
  // "where are the dependencies declared in this project?" asks for an aspect.
  static constexpr std::string_view kAspectNouns[] = {"dependencies", "deps",         "dependency", "languages",
                                                      "structure",    "contributors", "history",    "hotspots",
                                                      "symbols",      "manifests"};
  if (!code_named && is_one_of(ascii_lower(*target), kAspectNouns)) return std::nullopt;
  json::object args{{"query", *target}};
  if (q.has(kRegexCues)) args["regex"] = true;
  if (!q.entities.repositories.empty()) args["repository"] = q.entities.repositories.front();
  if (q.entities.language) args["language"] = *q.entities.language;
  return single("searchCode", std::move(args));
}

// ------------------------------------------------------------ questions about repositories

// A search for projects: a search verb, or a listing noun with a language or a sort ("rust crates", "popular tools").
bool asks_search(const Question& q) {
  bool listing = q.has(kListingNouns);
  bool qualified = q.entities.language.has_value() ||
                   std::any_of(std::begin(kSorts), std::end(kSorts), [&](const SortCues& s) { return q.has(s.cues); });
  return q.has(kSearchVerbs) || (listing && qualified);
}

// "structure please", "symbols in src?": a few words that only name an aspect
// (and maybe a directory).
bool terse(const Question& q) {
  std::size_t content = 0;
  for (std::size_t i = 0; i < q.tokens.size(); ++i) {
    const auto& t = q.tokens[i];
    if (t.kind == Kind::comma || is_one_of(t.text, kSearchFiller) || is_one_of(t.text, kSmallTalkWords)) continue;
    ++content;
    bool aspect_word = !aspects_asked(q, {i, i + 1}).empty();
    if (!aspect_word && !is_one_of(t.text, kDirectoryNames)) return false;
  }
  return content <= 2;
}

// Explicit repositories, with "." for this one when compared with them.
std::vector<std::string> repository_targets(const Question& q, bool comparing) {
  auto targets = q.entities.repositories;
  if (targets.empty() && q.entities.this_repository) return {"."};
  if (!targets.empty() && comparing && q.this_repository_named) targets.insert(targets.begin(), ".");
  if (targets.size() > 10) targets.resize(10);
  return targets;
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// The aspects asked, and languages for "is this project written in python?".
std::vector<std::string> repository_aspects(const Question& q) {
  static constexpr std::string_view kYesNo[] = {"is", "does", "are", "do", "was"};
  auto aspects = aspects_asked(q);
  bool yes_no = !q.tokens.empty() && is_one_of(q.tokens.front().text, kYesNo);
  if (yes_no && !q.language_at.empty() && q.entities.repositories.empty() && !contains(aspects, "languages"))
    aspects.insert(aspects.begin(), "languages");
  return aspects;
}

// Questions about whole repositories that one findRelationships call answers.
std::optional<std::string_view> repository_relation(const Question& q, std::size_t targets,
                                                    const std::vector<std::string>& aspects) {
  bool only_dependencies = aspects.empty() || (aspects.size() == 1 && aspects[0] == "dependencies");
  bool shared = contains(aspects, "dependencies") ? q.has(kSharedCues) : q.has(kInCommonCues);
  if (targets >= 2 && shared && only_dependencies) return "shared_dependencies";
  if (q.has(kCochangeCues)) return "cochange";
  if (q.has(kImportGraphCues)) return "imports";
  return std::nullopt;
}

RuleResult repositories(const Question& q) {
  if (q.has(kAlternativeCues)) return std::nullopt;  // "alternatives to expressjs/express": a search
  bool comparing = q.has(kCompareCues) || q.has(kSharedCues);
  auto targets = repository_targets(q, comparing);
  auto aspects = repository_aspects(q);
  bool graph = q.has(kCochangeCues) || q.has(kImportGraphCues);
  if (targets.empty() && (graph || q.has(kWorkspaceOnlyCues))) targets = {"."};
  if (targets.empty() && !aspects.empty() && terse(q) && !asks_search(q)) targets = {"."};
  if (targets.empty()) return std::nullopt;
  bool asked = !q.entities.repositories.empty() || !aspects.empty() || graph || comparing || q.has(kAnalyzeCues);
  if (!asked) return std::nullopt;

  if (auto kind = repository_relation(q, targets.size(), aspects)) {
    Question scoped = q;
    scoped.entities.repositories = targets;
    return single("findRelationships", relationship_arguments(scoped, *kind));
  }
  PlanBuilder plan;
  for (const auto& target : targets) plan.add("analyzeRepository", analyze_arguments(json::value(target), aspects));
  return plan.take();
}

// ------------------------------------------------------------ GitHub search

struct Search {
  std::string query;
  std::optional<std::string> sort;
  std::optional<int> limit;
  std::size_t limit_at = npos;
};

// Where a follow-up on the results starts ("and analyze the top 3"), or the end.
std::size_t follow_up_start(const Tokens& t) {
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (!is_one_of(t[i - 1].text, kConnectors) || !has_any(t, kFollowUpVerbs, {i, i + 1})) continue;
    if (!has_any(t, kReferents, {i + 1, i + 8})) continue;
    std::size_t cut = i - 1;
    while (cut > 0 && is_one_of(t[cut - 1].text, kConnectors)) --cut;
    return cut;
  }
  return t.size();
}

std::optional<std::string> search_sort(const Question& q, Span span) {
  for (const auto& s : kSorts)
    if (q.has(s.cues, span)) return std::string(s.sort);
  return std::nullopt;
}

// "top 5", "20 most starred", "show me 15 ...": a number that counts results.
void search_limit(const Question& q, Span span, Search& s) {
  const auto& t = q.tokens;
  for (std::size_t i = span.from; i < span.to; ++i) {
    auto n = number_value(t[i].text);
    if (!n || *n < 1 || *n > 100 || (t[i].kind != Kind::number && t[i].text == "one")) continue;
    bool prev_ok = i > 0 && is_one_of(t[i - 1].text, kLimitPrevious) && !q.is_language(i - 1);
    bool next_ok = i + 1 < span.to && (is_one_of(t[i + 1].text, kLimitNext) || q.is_language(i + 1));
    if (i > 0 && q.is_language(i - 1)) continue;  // "python 3"
    if (prev_ok || next_ok) {
      s.limit = *n;
      s.limit_at = i;
      return;
    }
  }
}

// The words that say what to look for, without filler, language and sort words.
std::string search_words(const Question& q, Span span, std::size_t skip_at, Cues extra_filler = {}) {
  std::string query;
  for (std::size_t i = span.from; i < span.to; ++i) {
    const auto& t = q.tokens[i];
    if (i == skip_at || q.is_language(i) || t.kind == Kind::comma) continue;
    if (t.kind == Kind::word && (is_one_of(t.text, kSearchFiller) || is_one_of(t.text, extra_filler))) continue;
    if (t.kind == Kind::word && language_alias(t.text, kLanguageHints)) continue;
    static constexpr std::string_view kLanguageWords[] = {"language", "languages", "lang"};
    bool next_to_language = (i > 0 && q.is_language(i - 1)) || (i + 1 < q.tokens.size() && q.is_language(i + 1));
    bool programming = i > 0 && q.tokens[i - 1].text == "programming";
    if (is_one_of(t.text, kLanguageWords) && (next_to_language || programming)) continue;  // "language: rust"
    if (t.kind == Kind::word && number_value(t.text)) continue;
    static constexpr std::string_view kCounted[] = {"stars", "star", "forks", "contributors", "commits"};
    if (t.kind == Kind::number && i + 1 < span.to && is_one_of(q.tokens[i + 1].text, kCounted)) continue;
    std::string word = t.kind == Kind::word || t.kind == Kind::number ? t.text : without_call_parens(t.value);
    if (t.kind == Kind::repository) word = word.substr(word.find('/') + 1);
    if (!query.empty()) query += ' ';
    query += word;
  }
  return query;
}

// When every word was filler ("find zig projects"): the listing noun itself.
std::string listing_noun(const Question& q, Span span) {
  auto at = q.find(kListingNouns, span);
  return at == npos ? std::string() : q.tokens[at].text;
}

int follow_up_count(const Question& q, Span follow_up, std::optional<int> limit) {
  for (std::size_t i = follow_up.from; i < follow_up.to; ++i)
    if (auto n = number_value(q.tokens[i].text); n && *n >= 1) return std::min(*n, 5);
  static constexpr std::string_view kBoth[] = {"both"};
  static constexpr std::string_view kCompare[] = {"compar*"};
  if (q.has(kBoth, follow_up)) return 2;
  if (q.has(kEveryReferent, follow_up)) return std::min(limit.value_or(3), 5);
  if (q.has(kCompare, follow_up)) return 2;
  return 1;
}

RuleResult github_search(const Question& q) {
  if (!asks_search(q)) return std::nullopt;
  if (q.entities.this_repository && !q.has(kExplicitSearchVerbs)) return std::nullopt;
  if (!q.entities.paths.empty()) return std::nullopt;  // a local file: not a GitHub search
  std::size_t cut = follow_up_start(q.tokens);
  static constexpr std::string_view kVersus[] = {"vs", "versus", "compar*", "differ*"};
  if (q.has(kVersus, {0, cut})) return std::nullopt;  // "Rust vs Go for web servers": an opinion
  Span part{0, cut};
  Search s;
  s.sort = search_sort(q, {});  // "... and analyze the most popular one" sorts too
  search_limit(q, part, s);
  s.query = search_words(q, part, s.limit_at);
  if (s.query.empty()) s.query = listing_noun(q, part);
  if (s.query.empty()) return std::nullopt;

  json::object args{{"query", s.query}};
  if (q.entities.language) args["language"] = *q.entities.language;
  if (s.sort) args["sort"] = *s.sort;
  if (s.limit) args["limit"] = *s.limit;
  PlanBuilder plan;
  auto search = plan.add("searchGitHub", std::move(args));
  if (cut == q.tokens.size()) return plan.take();

  Span follow_up{cut, q.tokens.size()};
  auto aspects = aspects_asked(q, follow_up);
  int count = follow_up_count(q, follow_up, s.limit);
  for (int i = 0; i < count; ++i) {
    auto reference = make_reference(search, "/items/" + std::to_string(i) + "/full_name");
    plan.add("analyzeRepository", analyze_arguments(json::value(std::move(reference)), aspects), {search});
  }
  return plan.take();
}

// ============================================================ the rule table

struct Rule {
  std::string_view name;
  RuleResult (*plan)(const Question&);
};

// Order matters: earlier rules see more specific signals (a path and a
// relationship verb, an identifier) than later ones (a listing noun).
constexpr Rule kRules[] = {
    {"greetings, thanks, what the agent can do", small_talk},
    {"general knowledge", general_knowledge},
    {"relationships of a file or module", file_relationships},
    {"read a file", read_file},
    {"search code on GitHub", github_code_search},
    {"search the workspace's code", code_search},
    {"questions about repositories", repositories},
    {"search GitHub for repositories", github_search},
    {"a file named alone", file_alone},
};

}  // namespace

QuestionEntities extract_entities(std::string_view question, const PlannerContext& context) {
  return read_question(question, context).entities;
}

Plan plan_builtin(std::string_view question, const PlannerContext& context) {
  auto q = read_question(question, context);
  for (const auto& rule : kRules)
    if (auto plan = rule.plan(q)) return std::move(*plan);
  return {};
}

}  // namespace devagent::agent
