// Code search: FTS5 trigram candidates, then an exact scan of each candidate.
//
// The trigram index answers "which files contain this substring (ignoring
// case)?" cheaply, so a literal query becomes one quoted FTS5 phrase and a
// regular expression becomes an AND/OR of the literal pieces every match must
// contain (RE2's own prefilter analysis, FilteredRE2). The index only narrows:
// each candidate's content is then scanned for real, which decides the
// matching lines, their columns and the counts. When no prefilter can be
// derived (`ab|xyz`, `\w+`), every file that passes the filters is scanned.
// Within a file, a literal is found with memmem; a regex runs over the whole
// buffer with line anchors, or — when it has a required literal — only on the
// lines that hold it.
//
// Decisions:
//   - A line counts once however many matches it holds; its column is the
//     first match's. Lines are split on '\n'; a trailing '\r' is not part of
//     the line. `total` counts matching lines in every candidate, beyond
//     `limit`; only the best `limit` (at most 10,000) lines are kept, each
//     with its text.
//   - An ASCII literal ignores ASCII case (a folded copy of the file); a
//     literal with non-ASCII bytes ignores case through RE2's Unicode folding.
//     The index folds case itself (tokenize = 'trigram', case_sensitive 0), so
//     a case-sensitive search uses the same candidates and checks exact bytes.
//   - Regexes follow their own flags (`(?i)`); SearchQuery::case_sensitive is
//     for literals. `^` and `$` are line anchors, and so are `\A` and `\z`.
//   - Queries are at most 1,000 bytes; RE2 gets 8 MB. The query text only
//     ever reaches SQL as a bound parameter.
//   - put() replaces the file's content row and points code_files.fts_rowid
//     at it; the code_files row must exist (the indexer writes it first).
//     remove() deletes the content row and clears fts_rowid; the code_files
//     row itself belongs to the caller. Search only sees content that
//     code_files points at, so a stale content row can never surface.
//   - Large scans run on up to four threads, each reading its own batches
//     through the pool; the result does not depend on the order, since
//     matches are kept by a total order (score, path, repository, line).
//
// Known limit: a few characters fold differently in RE2 and SQLite (the long
// s 'ſ' is 's' to SQLite, not to RE2's simple folding); a case-insensitive
// search for them may miss or over-match a file.
#include "code/search.h"

#include "store/store.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <utility>

namespace devagent::code {
namespace {

constexpr std::size_t kMaxQueryBytes = 1000;
constexpr std::size_t kMinLiteralChars = 3;  // the trigram index cannot look up less
constexpr std::size_t kMaxLimit = 10000;
constexpr std::size_t kMaxLineBytes = 500;
constexpr std::int64_t kRegexMaxMem = 8 << 20;
// A batch of candidate contents read in one statement: bounds the memory a
// search holds at once.
constexpr std::int64_t kBatchBytes = 4 << 20;
constexpr std::size_t kBatchFiles = 256;
// Below this many candidate bytes one thread is faster than starting more.
constexpr std::int64_t kParallelBytes = 8 << 20;
constexpr unsigned kMaxThreads = 4;
// Prefilter: the exact OR-of-ANDs for up to this many atoms and terms, else
// an AND of ORs of up to three atoms (two, one for more atoms).
constexpr std::size_t kMaxDnfAtoms = 10;
constexpr std::size_t kMaxDnfTerms = 32;
constexpr std::size_t kMaxTripleAtoms = 24;
constexpr std::size_t kMaxPairAtoms = 64;

// ---------------------------------------------------------------- text

// Lowercases ASCII letters into out; returns whether all of in is ASCII.
// (Plain byte pointers and no branches, so that the compiler vectorises it.)
bool ascii_lower_into(std::string_view in, std::string& out) {
  out.resize(in.size());
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  unsigned char seen = 0;
  for (std::size_t i = 0, n = in.size(); i < n; ++i) {
    unsigned char c = src[i];
    seen |= c;
    dst[i] = static_cast<unsigned char>(c | (static_cast<unsigned char>(c - 'A') < 26 ? 0x20 : 0));
  }
  return (seen & 0x80) == 0;
}

std::string ascii_lower(std::string_view in) {
  std::string out;
  ascii_lower_into(in, out);
  return out;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2, cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3, cp = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4, cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return n;
}

// Number of characters, or nullopt when s is not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view s) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) return std::nullopt;
    i += n;
  }
  return chars;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The line as shown: at most kMaxLineBytes, cut on a character boundary,
// invalid bytes replaced by U+FFFD.
std::string display_line(std::string_view line) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(line.size(), kMaxLineBytes));
  for (std::size_t i = 0; i < line.size();) {
    std::size_t n = utf8_sequence(line, i);
    std::string_view piece = n ? line.substr(i, n) : kReplacement;
    if (out.size() + piece.size() > kMaxLineBytes) break;
    out += piece;
    i += n ? n : 1;
  }
  return out;
}

// An FTS5 string: double quotes around, inner double quotes doubled. Inside
// one, every character is literal (operators, `*`, `:`, parentheses).
std::string fts_phrase(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

// ---------------------------------------------------------------- matching

// One matching line of a file; offsets are into the file's content.
struct LineHit {
  int line = 0;
  std::size_t begin = 0;   // first byte of the line
  std::size_t end = 0;     // one past its last byte, '\r' excluded
  std::size_t column = 0;  // 0-based byte offset of the first match in the line
};

// Finds the matching lines of a file's content with one of three engines.
class Matcher {
 public:
  enum class Engine {
    exact,         // memmem on the content
    ascii_folded,  // memmem of the lowercased needle on a lowercased copy
    regex,         // RE2 (regular expressions; literals with non-ASCII bytes ignoring case)
  };

  static Matcher literal(const std::string& text, bool case_sensitive) {
    Matcher m;
    const bool has_letters = std::any_of(text.begin(), text.end(), [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
    });
    if (case_sensitive || !has_letters) {
      m.engine_ = Engine::exact;
      m.needle_ = text;
    } else if (is_ascii(text)) {
      m.engine_ = Engine::ascii_folded;
      m.needle_ = ascii_lower(text);
    } else {
      RE2::Options o;
      o.set_literal(true);
      o.set_case_sensitive(false);
      o.set_never_capture(true);
      o.set_log_errors(false);
      o.set_max_mem(kRegexMaxMem);
      m.engine_ = Engine::regex;
      m.re_ = std::make_unique<RE2>(text, o);
    }
    return m;
  }

  // `re` is compiled with line anchors ((?m:...)). A pattern with \A or \z
  // treats each line as a text of its own, which only a line-by-line scan
  // does. line_literal: lowercase ASCII text every match contains, or "".
  static Matcher regex(std::unique_ptr<RE2> re, bool has_text_anchors, std::string line_literal) {
    Matcher m;
    m.engine_ = Engine::regex;
    m.re_ = std::move(re);
    m.per_line_ = has_text_anchors;
    m.needle_ = std::move(line_literal);
    return m;
  }

  // The lines of content that match, in order. scratch is reused between calls.
  void match_lines(std::string_view content, std::string& scratch, std::vector<LineHit>& hits) const {
    hits.clear();
    // A regex with a literal runs only on the lines holding that literal —
    // ASCII files only: RE2's (?i) also folds a few non-ASCII characters
    // (the Kelvin sign is a k) that an ASCII lowercase copy would not.
    if (engine_ == Engine::regex && !needle_.empty() && ascii_lower_into(content, scratch)) {
      match_lines_with_literal(content, scratch, hits);
      return;
    }
    // In a file with CRLF endings `$` must match before the '\r', which only
    // the line-by-line scan (lines without their '\r') gives.
    if (engine_ == Engine::regex && (per_line_ || content.find('\r') != std::string_view::npos)) {
      match_line_by_line(content, hits);
      return;
    }
    std::string_view text = content;
    if (engine_ == Engine::ascii_folded) {
      ascii_lower_into(content, scratch);
      text = scratch;
    }
    match_whole(content, text, hits);
  }

  // Whether text (a path) contains a match.
  bool contains(std::string_view text) const {
    switch (engine_) {
      case Engine::exact:
        return text.find(needle_) != std::string_view::npos;
      case Engine::ascii_folded:
        return ascii_lower(text).find(needle_) != std::string::npos;
      case Engine::regex:
        return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
    }
    return false;
  }

 private:
  struct Span {
    std::size_t begin;
    std::size_t end;
  };

  // The first match in text at or after from (text is the whole file, for context).
  std::optional<Span> find(std::string_view text, std::size_t from) const {
    if (engine_ != Engine::regex) {
      const void* p = ::memmem(text.data() + from, text.size() - from, needle_.data(), needle_.size());
      if (!p) return std::nullopt;
      auto begin = static_cast<std::size_t>(static_cast<const char*>(p) - text.data());
      return Span{begin, begin + needle_.size()};
    }
    re2::StringPiece m;
    if (!re_->Match(re2::StringPiece(text.data(), text.size()), from, text.size(), RE2::UNANCHORED, &m, 1)) {
      return std::nullopt;
    }
    auto begin = static_cast<std::size_t>(m.data() - text.data());
    return Span{begin, begin + m.size()};
  }

  // Column of the first match in a line on its own, if any.
  std::optional<std::size_t> match_line(std::string_view line) const {
    re2::StringPiece m;
    if (!re_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED, &m, 1)) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(m.data() - line.data());
  }

  // The line holding byte `at` of text, given that `from` <= at starts a
  // line: [begin, end), end at the '\n' or the end of text.
  static std::pair<std::size_t, std::size_t> line_around(std::string_view text, std::size_t from, std::size_t at) {
    const char* data = text.data();
    const void* before = ::memrchr(data + from, '\n', at - from);
    const void* after = std::memchr(data + at, '\n', text.size() - at);
    std::size_t begin = before ? static_cast<std::size_t>(static_cast<const char*>(before) - data) + 1 : from;
    std::size_t end = after ? static_cast<std::size_t>(static_cast<const char*>(after) - data) : text.size();
    return {begin, end};
  }

  // Line numbers of increasing offsets, counting newlines only once.
  struct LineCounter {
    std::size_t counted = 0;
    int line = 1;
    int at(std::string_view text, std::size_t offset) {
      line += static_cast<int>(std::count(text.data() + counted, text.data() + offset, '\n'));
      counted = offset;
      return line;
    }
  };

  static std::size_t without_cr(std::string_view content, std::size_t begin, std::size_t end) {
    return (end > begin && content[end - 1] == '\r') ? end - 1 : end;
  }

  // Searches the whole buffer (text: content, or its folded copy) and maps
  // each match to its line, then resumes at the next line: work is
  // proportional to the file, not to its lines. With (?m) every match inside
  // a line is also a match of the buffer, so the leftmost buffer match never
  // skips a matching line; a buffer match that runs past its line's end is
  // checked against that line alone.
  void match_whole(std::string_view content, std::string_view text, std::vector<LineHit>& hits) const {
    LineCounter lines;
    for (std::size_t pos = 0; pos < text.size();) {
      auto span = find(text, pos);
      if (!span) break;
      if (span->begin == text.size() && text.back() == '\n') break;  // the empty "line" after the last newline
      int line = lines.at(text, span->begin);
      auto [begin, end] = line_around(text, pos, span->begin);
      std::optional<std::size_t> column = span->begin - begin;
      if (engine_ == Engine::regex && span->end > end) column = match_line(content.substr(begin, end - begin));
      if (column) hits.push_back({line, begin, without_cr(content, begin, end), *column});
      pos = end + 1;
    }
  }

  // Runs the regex only on the lines of folded (content with ASCII
  // lowercased) that hold needle_, each line on its own.
  void match_lines_with_literal(std::string_view content, std::string_view folded, std::vector<LineHit>& hits) const {
    LineCounter lines;
    for (std::size_t pos = 0; pos < folded.size();) {
      const void* p = ::memmem(folded.data() + pos, folded.size() - pos, needle_.data(), needle_.size());
      if (!p) break;
      auto at = static_cast<std::size_t>(static_cast<const char*>(p) - folded.data());
      auto [begin, end] = line_around(folded, pos, at);
      std::size_t shown_end = without_cr(content, begin, end);
      if (auto column = match_line(content.substr(begin, shown_end - begin))) {
        hits.push_back({lines.at(folded, at), begin, shown_end, *column});
      }
      pos = end + 1;
    }
  }

  void match_line_by_line(std::string_view content, std::vector<LineHit>& hits) const {
    int line = 0;
    for (std::size_t pos = 0; pos < content.size();) {
      ++line;
      std::size_t end = content.find('\n', pos);
      if (end == std::string_view::npos) end = content.size();
      std::size_t shown_end = without_cr(content, pos, end);
      if (auto column = match_line(content.substr(pos, shown_end - pos))) {
        hits.push_back({line, pos, shown_end, *column});
      }
      pos = end + 1;
    }
  }

  Engine engine_ = Engine::exact;
  // exact, ascii_folded: the text searched for (lowercased when folded);
  // regex: lowercase ASCII every match contains, or "".
  std::string needle_;
  std::unique_ptr<RE2> re_;
  bool per_line_ = false;
};

// ---------------------------------------------------------------- query plan

struct Plan {
  Matcher matcher;
  // FTS5 MATCH expression selecting candidate files; none: every file of the filters.
  std::optional<std::string> fts_match;
};

Error invalid(std::string message) {
  return make_error(ErrorKind::invalid_argument, std::move(message));
}

Result<Plan> plan_literal(const SearchQuery& q) {
  if (q.text.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) {
    return invalid("a literal query must be one line of text");
  }
  auto chars = utf8_length(q.text);
  if (!chars) return invalid("the query is not valid UTF-8");
  if (*chars < kMinLiteralChars) return invalid("a literal query needs at least 3 characters");
  return Plan{Matcher::literal(q.text, q.case_sensitive), fts_phrase(q.text)};
}

// An atom the trigram index can look up: 3 characters or more, within one line.
bool searchable_atom(const std::string& atom) {
  if (atom.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) return false;
  auto chars = utf8_length(atom);
  return chars && *chars >= kMinLiteralChars;
}

// What RE2's prefilter (FilteredRE2) knows about a regex: lowercased literal
// "atoms" and a monotone boolean function over "the text contains atom i"
// that every match satisfies, evaluated by AllPotentials for a set of atoms.
// Atoms too short for the trigram index count as always present.
class RegexAtoms {
 public:
  RegexAtoms(const std::string& pattern, const RE2::Options& options) : filter_(static_cast<int>(kMinLiteralChars)) {
    int id = 0;
    if (filter_.Add(pattern, options, &id) != RE2::NoError) return;
    filter_.Compile(&atoms_);
    for (int i = 0; i < static_cast<int>(atoms_.size()); ++i) {
      (searchable_atom(atoms_[static_cast<std::size_t>(i)]) ? usable_ : always_).push_back(i);
    }
    compiled_ = true;
  }

  // The FTS5 expression for candidate files; none when every file may match.
  // With few atoms the function is written out exactly as an OR of its
  // minimal AND-terms; otherwise it is approximated from above by an AND of
  // small ORs.
  std::optional<std::string> fts_expression() const {
    if (!compiled_ || passes({})) return std::nullopt;
    // Any one atom will do (a plain alternation): exactly their OR.
    if (std::all_of(usable_.begin(), usable_.end(), [&](int a) { return passes({a}); })) {
      return join(usable_, " OR ");
    }
    if (auto dnf = exact_or_of_ands()) return dnf;
    return and_of_ors();
  }

  // The longest ASCII atom every match contains (lowercase), or "": lines
  // without it cannot match.
  std::string line_literal() const {
    if (!compiled_ || passes({})) return {};
    std::string best;
    for (int a : usable_) {
      const std::string& atom = atoms_[static_cast<std::size_t>(a)];
      if (atom.size() <= best.size() || !is_ascii(atom)) continue;
      std::vector<int> others;
      for (int b : usable_) {
        if (b != a) others.push_back(b);
      }
      if (!passes(others)) best = atom;
    }
    return best;
  }

 private:
  // Whether the regex may match a text that contains these usable atoms.
  bool passes(const std::vector<int>& present_usable) const {
    std::vector<int> present = always_;
    present.insert(present.end(), present_usable.begin(), present_usable.end());
    std::vector<int> regexps;
    filter_.AllPotentials(present, &regexps);
    return !regexps.empty();
  }

  std::string join(const std::vector<int>& terms, const char* op) const {
    std::string out;
    for (int a : terms) {
      if (!out.empty()) out += op;
      out += fts_phrase(atoms_[static_cast<std::size_t>(a)]);
    }
    return out;
  }

  std::vector<int> subset(std::uint64_t mask) const {
    std::vector<int> terms;
    for (std::size_t i = 0; i < usable_.size(); ++i) {
      if (mask & (std::uint64_t{1} << i)) terms.push_back(usable_[i]);
    }
    return terms;
  }

  // The minimal sets of atoms that let the regex pass, smallest first.
  std::optional<std::string> exact_or_of_ands() const {
    if (usable_.size() > kMaxDnfAtoms) return std::nullopt;
    std::vector<std::uint64_t> minimal;
    const std::uint64_t all = (std::uint64_t{1} << usable_.size()) - 1;
    for (int size = 1; size <= static_cast<int>(usable_.size()); ++size) {
      for (std::uint64_t mask = 1; mask <= all; ++mask) {
        if (std::popcount(mask) != size) continue;
        if (std::any_of(minimal.begin(), minimal.end(), [&](std::uint64_t m) { return (mask & m) == m; })) continue;
        if (!passes(subset(mask))) continue;
        minimal.push_back(mask);
        if (minimal.size() > kMaxDnfTerms) return std::nullopt;
      }
    }
    if (minimal.empty()) return std::nullopt;
    std::string out;
    for (std::uint64_t mask : minimal) {
      if (!out.empty()) out += " OR ";
      out += "(" + join(subset(mask), " AND ") + ")";
    }
    return out;
  }

  // A set of atoms is a clause when a text with none of them cannot match;
  // clauses of up to three atoms are looked for (fewer with many atoms),
  // smallest first, and ANDed.
  std::optional<std::string> and_of_ors() const {
    std::vector<std::vector<int>> clauses;
    auto try_clause = [&](const std::vector<std::size_t>& picked) {
      std::vector<int> clause;
      for (std::size_t i : picked) clause.push_back(usable_[i]);
      for (const auto& c : clauses) {
        if (std::all_of(c.begin(), c.end(),
                        [&](int a) { return std::find(clause.begin(), clause.end(), a) != clause.end(); })) {
          return;  // a smaller clause already implies this one
        }
      }
      std::vector<int> rest;
      for (int a : usable_) {
        if (std::find(clause.begin(), clause.end(), a) == clause.end()) rest.push_back(a);
      }
      if (!passes(rest)) clauses.push_back(std::move(clause));
    };
    const std::size_t n = usable_.size();
    for (std::size_t i = 0; i < n; ++i) try_clause({i});
    if (n <= kMaxPairAtoms) {
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) try_clause({i, j});
      }
    }
    if (n <= kMaxTripleAtoms) {
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
          for (std::size_t k = j + 1; k < n; ++k) try_clause({i, j, k});
        }
      }
    }
    if (clauses.empty()) return std::nullopt;
    std::string out;
    for (const auto& clause : clauses) {
      if (!out.empty()) out += " AND ";
      out += "(" + join(clause, " OR ") + ")";
    }
    return out;
  }

  re2::FilteredRE2 filter_;
  bool compiled_ = false;
  std::vector<std::string> atoms_;
  std::vector<int> always_;  // atoms the index cannot look up
  std::vector<int> usable_;
};

// \A and \z anchor at the text's ends; scanning a line alone makes them line anchors.
bool has_text_anchors(std::string_view pattern) {
  return pattern.find("\\A") != std::string_view::npos || pattern.find("\\z") != std::string_view::npos;
}

Result<Plan> plan_regex(const SearchQuery& q) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(kRegexMaxMem);
  o.set_never_capture(true);
  // Compiled as given first, so that errors quote the user's own pattern.
  RE2 plain(q.text, o);
  if (!plain.ok()) return invalid("invalid regular expression: " + plain.error());
  auto re = std::make_unique<RE2>("(?m:" + q.text + ")", o);
  if (!re->ok()) return invalid("invalid regular expression: " + re->error());
  RegexAtoms atoms(q.text, o);
  return Plan{Matcher::regex(std::move(re), has_text_anchors(q.text), atoms.line_literal()), atoms.fts_expression()};
}

Result<Plan> make_plan(const SearchQuery& q) {
  if (q.text.empty()) return invalid("the query is empty");
  if (q.text.size() > kMaxQueryBytes) {
    return invalid("the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  return q.regex ? plan_regex(q) : plan_literal(q);
}

// ---------------------------------------------------------------- ranking

// Words that start a definition, and the modifiers that may come before them.
bool is_definition_keyword(std::string_view w) {
  static constexpr std::string_view kKeywords[] = {
      "def",       "class", "struct",    "enum", "union",   "interface", "trait",  "impl",
      "fn",        "func",  "function",  "type", "typedef", "namespace", "module", "macro",
      "#define",   "const", "let",       "var",  "val",     "object",    "record", "protocol",
      "extension", "sub",   "procedure", "proc", "fun",     "defmacro",  "defun"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), w) != std::end(kKeywords);
}

bool is_modifier(std::string_view w) {
  static constexpr std::string_view kModifiers[] = {
      "pub",       "export", "default",  "async",   "static",   "inline",   "virtual",   "public",    "private",
      "protected", "extern", "abstract", "final",   "unsafe",   "override", "constexpr", "consteval", "sealed",
      "open",      "data",   "internal", "partial", "readonly", "local",    "declare",   "template",  "friend"};
  return std::find(std::begin(kModifiers), std::end(kModifiers), w) != std::end(kModifiers);
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '#' || c == '$';
}
bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// A definition line: after indentation and modifiers it starts with a
// definition keyword, and the match is the keyword itself or the name after
// it — not something past the signature's first '(', '{', '=' or ';'
// (`def f(x): return g()` defines f, not g).
bool is_definition(std::string_view line, std::size_t column) {
  std::size_t i = 0;
  std::string_view word;
  for (;;) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && is_word_char(line[i])) ++i;
    word = line.substr(start, i - start);
    if (word.empty() || !is_modifier(word)) break;
    if (i < line.size() && line[i] == '(') {  // pub(crate)
      std::size_t close = line.find(')', i);
      if (close == std::string_view::npos) return false;
      i = close + 1;
    }
    if (i < line.size() && line[i] == '<') {  // template<...>
      std::size_t close = line.find('>', i);
      if (close == std::string_view::npos) return false;
      i = close + 1;
    }
  }
  if (word.empty() || !is_definition_keyword(word)) return false;
  std::size_t keyword_start = i - word.size();
  if (column < keyword_start) return false;
  for (std::size_t k = i; k < column && k < line.size(); ++k) {
    char c = line[k];
    if (c == '(' || c == '{' || c == '=' || c == ';' || c == '"' || c == '\'') return false;
  }
  return true;
}

// Score of a matching line: higher is better. Weights, largest first:
//   definition of the thing searched for          6
//   the file name contains a match                3 (elsewhere in the path 1.5)
//   rarity: fewer matching lines in the file      2 / (1 + log2 n), in (0, 2]
//   shorter path                                  1 / (1 + bytes / 40), in (0, 1]
double file_score(const Matcher& m, std::string_view path, std::size_t lines_in_file) {
  double score = 0;
  std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (m.contains(name)) {
    score += 3;
  } else if (m.contains(path)) {
    score += 1.5;
  }
  score += 2.0 / (1.0 + std::log2(static_cast<double>(lines_in_file)));
  score += 1.0 / (1.0 + static_cast<double>(path.size()) / 40.0);
  return score;
}

// The best `limit` matches by a total order, so that which ones are kept does
// not depend on the order files were scanned in.
class TopMatches {
 public:
  struct Key {
    double score;
    std::string_view path;
    std::string_view repository;
    int line;
    int column;
  };

  explicit TopMatches(std::size_t limit) : limit_(limit) {}

  bool wants(const Key& k) const {
    if (heap_.size() < limit_) return true;
    return limit_ > 0 && better(k, key(heap_.front()));
  }

  void add(SearchMatch m) {
    if (!wants(key(m))) return;
    if (heap_.size() == limit_) {
      std::pop_heap(heap_.begin(), heap_.end(), worse_on_top);
      heap_.pop_back();
    }
    heap_.push_back(std::move(m));
    std::push_heap(heap_.begin(), heap_.end(), worse_on_top);
  }

  void merge(TopMatches&& other) {
    for (auto& m : other.heap_) add(std::move(m));
    other.heap_.clear();
  }

  std::vector<SearchMatch> take_sorted() {
    std::sort(heap_.begin(), heap_.end(),
              [](const SearchMatch& a, const SearchMatch& b) { return better(key(a), key(b)); });
    return std::move(heap_);
  }

 private:
  static Key key(const SearchMatch& m) { return {m.score, m.path, m.repository, m.line, m.column}; }
  static bool better(const Key& a, const Key& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.path != b.path) return a.path < b.path;
    if (a.repository != b.repository) return a.repository < b.repository;
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  }
  // Heap order with the worst kept match at the front.
  static bool worse_on_top(const SearchMatch& a, const SearchMatch& b) { return better(key(a), key(b)); }

  std::size_t limit_;
  std::vector<SearchMatch> heap_;
};

// ---------------------------------------------------------------- scanning

struct Candidate {
  std::int64_t rowid = 0;
  std::string repository;
  std::string path;
  std::int64_t size = 0;
};

// What one thread found.
struct Tally {
  explicit Tally(std::size_t limit) : top(limit) {}
  std::int64_t total = 0;
  std::int64_t files = 0;
  TopMatches top;
  // Reused between files.
  std::string scratch;
  std::vector<LineHit> hits;
};

void scan_file(const Matcher& matcher, const Candidate& c, std::string_view content, Tally& t) {
  matcher.match_lines(content, t.scratch, t.hits);
  if (t.hits.empty()) return;
  t.total += static_cast<std::int64_t>(t.hits.size());
  t.files += 1;
  const double base = file_score(matcher, c.path, t.hits.size());
  for (const auto& h : t.hits) {
    std::string_view line = content.substr(h.begin, h.end - h.begin);
    double score = base + (is_definition(line, h.column) ? 6.0 : 0.0);
    TopMatches::Key key{score, c.path, c.repository, h.line, static_cast<int>(h.column) + 1};
    if (!t.top.wants(key)) continue;
    SearchMatch m;
    m.repository = c.repository;
    m.path = c.path;
    m.line = key.line;
    m.column = key.column;
    m.text = display_line(line);
    m.score = score;
    t.top.add(std::move(m));
  }
}

// Reads the contents of a batch (sorted by rowid) in one statement and scans
// them. The content comes straight from FTS5's content table (code_fts_content:
// id, then the columns as c0..c3; FTS5's documented shadow table format),
// read only: through the virtual table SQLite would copy every file once more.
Result<> scan_batch(store::Database& db, const Matcher& matcher, std::span<const Candidate> batch, Tally& t) {
  std::string sql = "SELECT id, c3 FROM code_fts_content WHERE id IN (";
  std::vector<store::Value> params;
  params.reserve(batch.size());
  for (const auto& c : batch) {
    sql += params.empty() ? "?" : ", ?";
    params.emplace_back(c.rowid);
  }
  sql += ")";
  auto rows = db.query(sql, params);
  if (!rows) return rows.error();
  for (const auto& row : rows->rows) {
    std::int64_t rowid = row.integer(0);
    auto it = std::lower_bound(batch.begin(), batch.end(), rowid,
                               [](const Candidate& c, std::int64_t id) { return c.rowid < id; });
    if (it == batch.end() || it->rowid != rowid) continue;
    scan_file(matcher, *it, row.blob(1), t);
  }
  return {};
}

std::vector<std::span<const Candidate>> make_batches(const std::vector<Candidate>& candidates) {
  std::vector<std::span<const Candidate>> batches;
  std::size_t start = 0;
  std::int64_t bytes = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    bytes += candidates[i].size;
    if (i + 1 - start >= kBatchFiles || bytes >= kBatchBytes) {
      batches.emplace_back(candidates.data() + start, i + 1 - start);
      start = i + 1;
      bytes = 0;
    }
  }
  if (start < candidates.size()) batches.emplace_back(candidates.data() + start, candidates.size() - start);
  return batches;
}

// Scans every candidate; the batches are shared out between threads when
// there is enough to read.
Result<Tally> scan_all(store::Database& db, const Matcher& matcher, const std::vector<Candidate>& candidates,
                       std::size_t limit) {
  auto batches = make_batches(candidates);
  std::int64_t bytes = 0;
  for (const auto& c : candidates) bytes += c.size;
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads);
  if (bytes < kParallelBytes) threads = 1;
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(batches.size(), 1)));

  std::vector<Tally> tallies(threads, Tally(limit));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<Error> error;
  auto work = [&](Tally& t) {
    for (std::size_t i = next++; i < batches.size() && !failed; i = next++) {
      if (auto r = scan_batch(db, matcher, batches[i], t); !r) {
        std::lock_guard lock(error_mutex);
        if (!error) error = r.error();
        failed = true;
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(work, std::ref(tallies[i]));
    work(tallies[0]);
  }
  if (error) return *error;
  Tally out = std::move(tallies[0]);
  for (unsigned i = 1; i < threads; ++i) {
    out.total += tallies[i].total;
    out.files += tallies[i].files;
    out.top.merge(std::move(tallies[i].top));
  }
  return out;
}

// Files that may match: those reachable from code_files, within the filters,
// and (with a prefilter) containing what the FTS5 expression asks for. With a
// prefilter the few FTS5 hits are joined to code_files through the content
// table's repo and path (c0, c1), primary-key lookups both; without one,
// code_files is read whole. Either way a content row that code_files does not
// point at is never searched. The query text only travels as a parameter.
Result<std::vector<Candidate>> find_candidates(store::Database& db, const SearchQuery& q,
                                               const std::optional<std::string>& fts_match) {
  std::string sql;
  std::vector<store::Value> params;
  if (fts_match) {
    sql =
        "SELECT c.id, f.repo, f.path, f.size FROM code_fts_content AS c "
        "JOIN code_files AS f ON f.repo = c.c0 AND f.path = c.c1 AND f.fts_rowid = c.id "
        "WHERE c.id IN (SELECT rowid FROM code_fts WHERE code_fts MATCH ?)";
    params.emplace_back(*fts_match);
  } else {
    sql = "SELECT f.fts_rowid, f.repo, f.path, f.size FROM code_files AS f WHERE f.fts_rowid IS NOT NULL";
  }
  if (!q.repository.empty()) {
    sql += " AND f.repo = ?";
    params.emplace_back(q.repository);
  }
  if (!q.language.empty()) {
    sql += " AND f.language = ? COLLATE NOCASE";
    params.emplace_back(q.language);
  }
  sql += fts_match ? " ORDER BY c.id" : " ORDER BY f.fts_rowid";
  auto rows = db.query(sql, params);
  if (!rows) return rows.error();
  std::vector<Candidate> out;
  out.reserve(rows->rows.size());
  for (auto& row : rows->rows) {
    out.push_back(Candidate{row.integer(0), row.text(1), row.text(2), row.integer(3)});
  }
  return out;
}

// ---------------------------------------------------------------- writing

// Runs fn atomically. The indexer calls put/remove on the connection of its
// own open transaction, where BEGIN fails: a savepoint nests inside that
// transaction instead. (A pool cannot take savepoints: each call may borrow a
// different connection.)
Result<> atomically(store::Database& db, const std::function<Result<>(store::Database&)>& fn) {
  bool ran = false;
  auto r = db.transaction([&](store::Database& tx) {
    ran = true;
    return fn(tx);
  });
  if (r || ran || r.error().message.find("within a transaction") == std::string::npos) return r;
  if (auto s = db.execute_script("SAVEPOINT code_search"); !s) return s;
  auto result = fn(db);
  if (!result) {
    db.execute_script("ROLLBACK TO code_search; RELEASE code_search");
    return result;
  }
  return db.execute_script("RELEASE code_search");
}

// The content row code_files points at, if any; not_found without a code_files row.
Result<std::optional<std::int64_t>> content_row(store::Database& db, const std::string& repository,
                                                const std::string& path) {
  auto rows = db.query("SELECT fts_rowid FROM code_files WHERE repo = ? AND path = ?", {repository, path});
  if (!rows) return rows.error();
  if (rows->empty()) {
    return make_error(ErrorKind::not_found, "code search: no indexed file " + repository + ":" + path);
  }
  if (rows->rows[0].is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows->rows[0].integer(0));
}

}  // namespace

Result<> SearchIndex::put(const std::string& repository, const std::string& path, const std::string& language,
                          const std::string& content) {
  return atomically(db_, [&](store::Database& tx) -> Result<> {
    auto old = content_row(tx, repository, path);
    if (!old) return old.error();
    if (*old) {
      if (auto r = tx.execute("DELETE FROM code_fts WHERE rowid = ?", {**old}); !r) return r.error();
    }
    auto ins = tx.execute("INSERT INTO code_fts (repo, path, language, content) VALUES (?, ?, ?, ?)",
                          {repository, path, language, content});
    if (!ins) return ins.error();
    auto id = tx.query("SELECT last_insert_rowid()");
    if (!id) return id.error();
    auto up = tx.execute("UPDATE code_files SET fts_rowid = ? WHERE repo = ? AND path = ?",
                         {id->rows.at(0).integer(0), repository, path});
    if (!up) return up.error();
    return {};
  });
}

Result<> SearchIndex::remove(const std::string& repository, const std::string& path) {
  return atomically(db_, [&](store::Database& tx) -> Result<> {
    auto old = content_row(tx, repository, path);
    if (!old) return old.error().kind == ErrorKind::not_found ? Result<>() : Result<>(old.error());
    if (!*old) return {};
    if (auto r = tx.execute("DELETE FROM code_fts WHERE rowid = ?", {**old}); !r) return r.error();
    auto up = tx.execute("UPDATE code_files SET fts_rowid = NULL WHERE repo = ? AND path = ?", {repository, path});
    if (!up) return up.error();
    return {};
  });
}

Result<SearchResults> SearchIndex::search(const SearchQuery& query) const {
  auto plan = make_plan(query);
  if (!plan) return plan.error();
  auto candidates = find_candidates(db_, query, plan->fts_match);
  if (!candidates) return candidates.error();
  auto tally = scan_all(db_, plan->matcher, *candidates, std::min(query.limit, kMaxLimit));
  if (!tally) return tally.error();
  SearchResults out;
  out.matches = tally->top.take_sorted();
  out.total = tally->total;
  out.files = tally->files;
  return out;
}

}  // namespace devagent::code
