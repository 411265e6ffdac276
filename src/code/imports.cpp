// Import extraction: one small lexer per language family that knows that
// language's comments and string literals, then a parser per language over
// the tokens. Resolution: lookup tables over the file list (ImportIndex) and
// one function per language. The rules are documented in imports.h.
#include "code/imports.h"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace devagent::code {

namespace {

constexpr std::size_t npos = std::string_view::npos;

// ---------------------------------------------------------------- paths

std::string_view dirname(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == npos ? std::string_view() : path.substr(0, slash);
}

std::string_view basename(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == npos ? path : path.substr(slash + 1);
}

std::string join(std::string_view dir, std::string_view rel) {
  if (dir.empty()) return std::string(rel);
  if (rel.empty()) return std::string(dir);
  std::string out;
  out.reserve(dir.size() + 1 + rel.size());
  out.append(dir).append("/").append(rel);
  return out;
}

std::vector<std::string_view> split(std::string_view s, std::string_view separator) {
  std::vector<std::string_view> parts;
  if (s.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    auto at = s.find(separator, start);
    parts.push_back(s.substr(start, at == npos ? npos : at - start));
    if (at == npos) return parts;
    start = at + separator.size();
  }
}

// "a/./b/../c" → "a/c"; nullopt when the path climbs above the root.
std::optional<std::string> normalize(std::string_view path) {
  std::vector<std::string_view> kept;
  for (auto part : split(path, "/")) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (kept.empty()) return std::nullopt;
      kept.pop_back();
      continue;
    }
    kept.push_back(part);
  }
  std::string out;
  for (auto part : kept) {
    if (!out.empty()) out += '/';
    out.append(part);
  }
  return out;
}

// path is suffix, or ends in "/" + suffix.
bool ends_with_path(std::string_view path, std::string_view suffix) {
  if (!path.ends_with(suffix)) return false;
  return path.size() == suffix.size() || path[path.size() - suffix.size() - 1] == '/';
}

int component_count(std::string_view path) {
  return path.empty() ? 0 : static_cast<int>(std::count(path.begin(), path.end(), '/')) + 1;
}

int shared_directories(std::string_view a, std::string_view b) {
  auto pa = split(a, "/");
  auto pb = split(b, "/");
  int n = 0;
  while (n < static_cast<int>(pa.size()) && n < static_cast<int>(pb.size()) && pa[n] == pb[n]) ++n;
  return n;
}

// The tie-break of imports.h: most directories shared with the importer, then
// fewest components, then lexicographic. `place` is the candidate's
// directory (the candidate itself when candidates are directories).
template <class Candidates, class Place>
const std::string* closest(std::string_view from, const Candidates& candidates, Place place) {
  const std::string* best = nullptr;
  std::tuple<int, int, std::string_view> best_key;
  const auto from_dir = dirname(from);
  for (const std::string* candidate : candidates) {
    std::tuple<int, int, std::string_view> key{-shared_directories(from_dir, place(*candidate)),
                                               component_count(*candidate), *candidate};
    if (!best || key < best_key) {
      best = candidate;
      best_key = key;
    }
  }
  return best;
}

std::string lowercase_extension(std::string_view path) {
  auto name = basename(path);
  auto dot = name.rfind('.');
  std::string ext(dot == npos ? std::string_view() : name.substr(dot));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// ---------------------------------------------------------------- languages

enum class Family { none, c, python, js, js_embedded, go, rust, java };

Family family_of_language(std::string_view language) {
  static const std::unordered_map<std::string_view, Family> families = {
      {"C", Family::c},
      {"C++", Family::c},
      {"C/C++ Header", Family::c},
      {"Objective-C", Family::c},
      {"Objective-C++", Family::c},
      {"CUDA", Family::c},
      {"Python", Family::python},
      {"JavaScript", Family::js},
      {"TypeScript", Family::js},
      {"JSX", Family::js},
      {"TSX", Family::js},
      {"Vuejs Component", Family::js_embedded},
      {"Svelte", Family::js_embedded},
      {"Go", Family::go},
      {"Rust", Family::rust},
      {"Java", Family::java},
  };
  auto it = families.find(language);
  return it == families.end() ? Family::none : it->second;
}

Family family_of_path(std::string_view path) {
  static const std::unordered_map<std::string, Family> families = {
      {".c", Family::c},       {".h", Family::c},       {".cc", Family::c},       {".cpp", Family::c},
      {".cxx", Family::c},     {".c++", Family::c},     {".hh", Family::c},       {".hpp", Family::c},
      {".hxx", Family::c},     {".h++", Family::c},     {".ipp", Family::c},      {".inl", Family::c},
      {".tpp", Family::c},     {".cu", Family::c},      {".cuh", Family::c},      {".m", Family::c},
      {".mm", Family::c},      {".py", Family::python}, {".pyi", Family::python}, {".pyw", Family::python},
      {".js", Family::js},     {".jsx", Family::js},    {".mjs", Family::js},     {".cjs", Family::js},
      {".ts", Family::js},     {".tsx", Family::js},    {".mts", Family::js},     {".cts", Family::js},
      {".vue", Family::js},    {".svelte", Family::js}, {".go", Family::go},      {".rs", Family::rust},
      {".java", Family::java},
  };
  auto it = families.find(lowercase_extension(path));
  return it == families.end() ? Family::none : it->second;
}

// ---------------------------------------------------------------- line numbers

class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (auto at = text.find('\n'); at != npos; at = text.find('\n', at + 1)) newlines_.push_back(at);
  }
  int line_at(std::size_t offset) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }

 private:
  std::vector<std::size_t> newlines_;
};

// Collects the edges of one file.
class Emitter {
 public:
  Emitter(std::string_view path, std::string_view content, std::vector<ImportEdge>& out)
      : path_(path), lines_(content), out_(out) {}
  void operator()(std::string spec, std::size_t offset) {
    if (spec.empty()) return;
    ImportEdge edge;
    edge.from = std::string(path_);
    edge.spec = std::move(spec);
    edge.line = lines_.line_at(offset);
    out_.push_back(std::move(edge));
  }

 private:
  std::string_view path_;
  LineIndex lines_;
  std::vector<ImportEdge>& out_;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == '$' || u >= 0x80;
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}

// ---------------------------------------------------------------- C and C++

// The C preprocessor is line-oriented, so C gets a scanner of its own: it
// walks comments, strings, character literals, raw strings and pp-numbers
// (1'000 is one number, not a character literal) and looks for a directive
// wherever only whitespace or comments precede a '#' on a line.
class CScanner {
 public:
  CScanner(std::string_view src, std::size_t begin, Emitter& emit) : s_(src), emit_(emit), i_(begin) {}

  void run() {
    bool line_start = true;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\n') {
        line_start = true;
        ++i_;
      } else if (is_space(c)) {
        ++i_;
      } else if (c == '\\' && (at(1) == '\n' || (at(1) == '\r' && at(2) == '\n'))) {
        i_ += at(1) == '\n' ? 2 : 3;  // a continued line is still the same line
      } else if (c == '/' && at(1) == '/') {
        skip_line_comment();
      } else if (c == '/' && at(1) == '*') {
        skip_block_comment();
      } else if (c == '#' && line_start) {
        line_start = false;
        directive();
      } else {
        line_start = false;
        token();
      }
    }
  }

 private:
  char at(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  void skip_line_comment() {
    while (i_ < s_.size() && s_[i_] != '\n') {
      // A backslash at the end of a // comment continues the comment.
      if (s_[i_] == '\\' && at(1) == '\n') ++i_;
      ++i_;
    }
  }

  void skip_block_comment() {
    auto end = s_.find("*/", i_ + 2);
    i_ = end == npos ? s_.size() : end + 2;
  }

  void skip_horizontal_space_and_comments() {
    while (i_ < s_.size()) {
      if (s_[i_] == ' ' || s_[i_] == '\t') {
        ++i_;
      } else if (s_[i_] == '/' && at(1) == '*') {
        skip_block_comment();
      } else {
        return;
      }
    }
  }

  void directive() {
    ++i_;  // '#'
    skip_horizontal_space_and_comments();
    const auto name_start = i_;
    while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
    const auto name = s_.substr(name_start, i_ - name_start);
    if (name != "include" && name != "import" && name != "include_next") return;
    skip_horizontal_space_and_comments();
    if (i_ >= s_.size()) return;
    const char open = s_[i_];
    if (open != '"' && open != '<') return;  // #include MACRO
    const char close = open == '"' ? '"' : '>';
    const auto start = i_ + 1;
    const auto end = s_.find_first_of(open == '"' ? std::string_view("\"\n") : std::string_view(">\n"), start);
    if (end == npos || s_[end] != close) return;
    auto header = s_.substr(start, end - start);
    emit_(open == '"' ? std::string(header) : "<" + std::string(header) + ">", start);
    i_ = end + 1;
  }

  void token() {
    const char c = s_[i_];
    if (c == '"' || c == '\'') {
      skip_quoted(c);
    } else if (is_digit(c) || (c == '.' && is_digit(at(1)))) {
      // pp-number: digits, letters, '.', digit separators, exponent signs.
      ++i_;
      while (i_ < s_.size()) {
        const char d = s_[i_];
        if ((d == '+' || d == '-') &&
            (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E' || s_[i_ - 1] == 'p' || s_[i_ - 1] == 'P')) {
          ++i_;
        } else if (is_ident_char(d) || d == '.' || (d == '\'' && is_ident_char(at(1)))) {
          ++i_;
        } else {
          break;
        }
      }
    } else if (is_ident_start(c)) {
      const auto start = i_;
      while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
      const auto word = s_.substr(start, i_ - start);
      if (i_ < s_.size() && s_[i_] == '"' &&
          (word == "R" || word == "LR" || word == "uR" || word == "UR" || word == "u8R")) {
        skip_raw_string();
      }
    } else {
      ++i_;
    }
  }

  // A string or character literal; an unterminated one ends at the newline.
  void skip_quoted(char quote) {
    ++i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
      } else if (c == quote) {
        ++i_;
        return;
      } else if (c == '\n') {
        return;
      } else {
        ++i_;
      }
    }
  }

  // R"delim( ... )delim"
  void skip_raw_string() {
    const auto open = s_.find('(', i_ + 1);
    if (open == npos || open - i_ - 1 > 16) {
      skip_quoted('"');
      return;
    }
    const std::string terminator = ")" + std::string(s_.substr(i_ + 1, open - i_ - 1)) + "\"";
    const auto end = s_.find(terminator, open + 1);
    i_ = end == npos ? s_.size() : end + terminator.size();
  }

  std::string_view s_;
  Emitter& emit_;
  std::size_t i_;
};

// ---------------------------------------------------------------- tokens

enum class Syntax { python, js, go, rust, java };
enum class Tok { ident, string, punct, newline, other };

struct Token {
  Tok kind;
  std::string_view text;  // a string's contents without the quotes
  std::size_t offset;     // where the token starts in the file
  int depth = 0;          // bracket nesting (Python)
};

// Turns source into identifiers, string literals and punctuation, dropping
// comments; the per-language parsers below only ever see tokens, so text
// inside comments and strings can never look like an import. Tokens are made
// on demand and kept in a window the parser releases as it moves on, so
// memory stays bounded by the longest statement, not the file.
class Lexer {
 public:
  Lexer(std::string_view src, Syntax syntax, std::size_t begin, std::size_t end)
      : s_(src.substr(0, end)), syntax_(syntax), i_(begin), begin_(begin) {
    tokens_.reserve(512);
  }

  // Token number `index`; nullptr past the end (or before the window).
  const Token* get(std::size_t index) {
    while (index >= base_ + tokens_.size()) {
      if (i_ >= s_.size()) return nullptr;
      step();
    }
    return index < base_ ? nullptr : &tokens_[index - base_];
  }

  // Tokens before `index` are no longer needed. Drops them in batches (and
  // always keeps the newest, which the lexer itself looks back at).
  void release(std::size_t index) {
    if (index <= base_ || tokens_.empty()) return;
    const auto drop = std::min(index - base_, tokens_.size() - 1);
    if (drop < 256 || drop * 2 < tokens_.size()) return;
    tokens_.erase(tokens_.begin(), tokens_.begin() + static_cast<std::ptrdiff_t>(drop));
    base_ += drop;
  }

 private:
  char at(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  void push(Tok kind, std::size_t start, std::size_t end) {
    tokens_.push_back({kind, s_.substr(start, end - start), start, depth_});
  }
  void push_string(std::size_t start, std::size_t content_start, std::size_t content_end) {
    tokens_.push_back({Tok::string, s_.substr(content_start, content_end - content_start), start, depth_});
  }

  void step() {
    const char c = s_[i_];
    if (c == '\n') {
      newline();
      ++i_;
      return;
    }
    if (is_space(c)) {
      ++i_;
      return;
    }
    if (c == '\\' && syntax_ == Syntax::python) {  // explicit line joining
      i_ += at(1) == '\n' ? 2 : (at(1) == '\r' && at(2) == '\n') ? 3 : 1;
      return;
    }
    if (comment()) return;
    if ((c == '"' || c == '\'' || c == '`') && quoted()) return;
    if (is_ident_start(c)) {
      identifier();
      return;
    }
    if (is_digit(c)) {
      number();
      return;
    }
    punct();
  }

  // Python's logical lines end at a newline outside brackets.
  void newline() {
    if (syntax_ != Syntax::python || depth_ > 0) return;
    if (!tokens_.empty() && tokens_.back().kind != Tok::newline) tokens_.push_back({Tok::newline, {}, i_, 0});
  }

  bool comment() {
    const char c = s_[i_];
    if (syntax_ == Syntax::python) {
      if (c != '#') return false;
      skip_to_end_of_line();
      return true;
    }
    if (syntax_ == Syntax::js && c == '#' && at(1) == '!' && i_ == begin_) {  // shebang
      skip_to_end_of_line();
      return true;
    }
    if (c != '/') return false;
    if (at(1) == '/') {
      skip_to_end_of_line();
      return true;
    }
    if (at(1) == '*') {
      skip_block_comment();
      return true;
    }
    return false;
  }

  void skip_to_end_of_line() {
    auto end = s_.find('\n', i_);
    i_ = end == npos ? s_.size() : end;
  }

  void skip_block_comment() {
    int nesting = 1;  // only Rust nests block comments
    i_ += 2;
    while (i_ < s_.size()) {
      if (s_[i_] == '*' && at(1) == '/') {
        i_ += 2;
        if (--nesting == 0) return;
      } else if (syntax_ == Syntax::rust && s_[i_] == '/' && at(1) == '*') {
        i_ += 2;
        ++nesting;
      } else {
        ++i_;
      }
    }
  }

  bool quoted() {
    const char q = s_[i_];
    switch (syntax_) {
      case Syntax::python:
        if (q == '`') return false;
        python_string();
        return true;
      case Syntax::js:
        if (q == '`') {
          template_literal(i_, true);
        } else {
          string_literal(q, false);
        }
        return true;
      case Syntax::go:
        if (q == '`') {
          delimited_raw(i_, i_ + 1, "`");
        } else {
          string_literal(q, false);
        }
        return true;
      case Syntax::rust:
        if (q == '`') return false;
        if (q == '\'') {
          char_or_lifetime();
        } else {
          string_literal('"', true);
        }
        return true;
      case Syntax::java:
        if (q == '`') return false;
        if (q == '"' && at(1) == '"' && at(2) == '"') {
          triple_quoted('"');
        } else {
          string_literal(q, false);
        }
        return true;
    }
    return false;
  }

  // "..." with backslash escapes. A literal that may not span lines ends,
  // unterminated, at the newline, so one stray quote (an apostrophe in JSX
  // text, say) costs at most the rest of its line.
  void string_literal(char quote, bool multiline) {
    const auto start = i_++;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
      } else if (c == quote) {
        push_string(start, start + 1, i_);
        ++i_;
        return;
      } else if (c == '\n' && !multiline) {
        push(Tok::other, start, i_);
        return;
      } else {
        ++i_;
      }
    }
    i_ = std::min(i_, s_.size());
    push(Tok::other, start, i_);
  }

  // '''...''' or """...""" (Python; Java text blocks).
  void triple_quoted(char quote) {
    const auto start = i_;
    i_ += 3;
    while (i_ < s_.size()) {
      if (s_[i_] == '\\') {
        i_ += 2;
      } else if (s_[i_] == quote && at(1) == quote && at(2) == quote) {
        push_string(start, start + 3, i_);
        i_ += 3;
        return;
      } else {
        ++i_;
      }
    }
    i_ = s_.size();
    push(Tok::other, start, i_);
  }

  // Contents up to `terminator`, no escapes (Go `raw`, Rust r#"raw"#).
  void delimited_raw(std::size_t start, std::size_t content_start, std::string_view terminator) {
    auto end = s_.find(terminator, content_start);
    if (end == npos) {
      i_ = s_.size();
      push(Tok::other, start, i_);
      return;
    }
    push_string(start, content_start, end);
    i_ = end + terminator.size();
  }

  void python_string() {
    const char q = s_[i_];
    if (at(1) == q && at(2) == q) {
      triple_quoted(q);
    } else {
      string_literal(q, false);
    }
  }

  // A template literal (or the rest of one after a ${...} substitution).
  // Only a template without substitutions is a string token.
  void template_literal(std::size_t start, bool fresh) {
    ++i_;  // '`' or the '}' closing a substitution
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
      } else if (c == '`') {
        if (fresh) {
          push_string(start, start + 1, i_);
        } else {
          push(Tok::other, start, i_ + 1);
        }
        ++i_;
        return;
      } else if (c == '$' && at(1) == '{') {
        i_ += 2;
        push(Tok::other, start, i_);
        templates_.push_back(0);
        return;
      } else {
        ++i_;
      }
    }
    i_ = s_.size();
    push(Tok::other, start, i_);
  }

  void char_or_lifetime() {
    const auto start = i_;
    if (at(1) == '\\') {
      string_literal('\'', false);
      return;
    }
    const auto lead = static_cast<unsigned char>(at(1));
    const std::size_t width = lead < 0x80         ? 1
                              : (lead >> 5) == 6  ? 2
                              : (lead >> 4) == 14 ? 3
                              : (lead >> 3) == 30 ? 4
                                                  : 1;
    if (at(1) != '\0' && at(1 + width) == '\'') {  // 'x'
      i_ += width + 2;
      push(Tok::other, start, i_);
      return;
    }
    ++i_;  // 'lifetime
    while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
    push(Tok::other, start, i_);
  }

  void identifier() {
    const auto start = i_;
    while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
    const auto word = s_.substr(start, i_ - start);
    const char next = i_ < s_.size() ? s_[i_] : '\0';
    if (syntax_ == Syntax::python && (next == '"' || next == '\'') && word.size() <= 2 &&
        word.find_first_not_of("rRbBuUfFtT") == npos) {
      python_string();  // r"...", b'...', f"""...""": the prefix is part of the string
      return;
    }
    if (syntax_ == Syntax::rust && rust_literal(word, start)) return;
    push(Tok::ident, start, i_);
  }

  // r"..", r#".."#, br"..", b"..", c"..", b'x', and raw identifiers r#name.
  bool rust_literal(std::string_view word, std::size_t start) {
    const char next = at(0);
    if ((word == "r" || word == "br" || word == "cr") && (next == '"' || next == '#')) {
      std::size_t hashes = 0;
      while (at(hashes) == '#') ++hashes;
      if (at(hashes) == '"') {
        const std::string terminator = "\"" + std::string(hashes, '#');
        const auto content_start = i_ + hashes + 1;
        delimited_raw(start, content_start, terminator);
        return true;
      }
      if (word == "r" && hashes == 1 && is_ident_start(at(1))) {
        ++i_;
        while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
        push(Tok::ident, start, i_);  // "r#use" is not the keyword
        return true;
      }
      return false;
    }
    if ((word == "b" || word == "c") && next == '"') {
      string_literal('"', true);
      tokens_.back().offset = start;
      return true;
    }
    if (word == "b" && next == '\'') {
      string_literal('\'', false);
      return true;
    }
    return false;
  }

  void number() {
    const auto start = i_;
    while (i_ < s_.size() && (is_ident_char(s_[i_]) || s_[i_] == '.')) ++i_;
    push(Tok::other, start, i_);
  }

  void punct() {
    const auto start = i_;
    const char c = s_[i_];
    if (syntax_ == Syntax::js && c == '/' && regex_allowed()) {
      regex();
      return;
    }
    if (syntax_ == Syntax::rust && c == ':' && at(1) == ':') {
      i_ += 2;
      push(Tok::punct, start, i_);
      return;
    }
    if (syntax_ == Syntax::js && !templates_.empty()) {
      if (c == '{') ++templates_.back();
      if (c == '}') {
        if (templates_.back() == 0) {
          templates_.pop_back();
          template_literal(start, false);
          return;
        }
        --templates_.back();
      }
    }
    if (c == ')' || c == ']' || c == '}') depth_ = std::max(0, depth_ - 1);
    ++i_;
    push(Tok::punct, start, i_);
    if (c == '(' || c == '[' || c == '{') ++depth_;
  }

  // Whether a '/' starts a regular expression rather than a division: after
  // an operand (a name, a literal, a closing bracket) it divides.
  bool regex_allowed() const {
    if (tokens_.empty()) return true;
    const auto& last = tokens_.back();
    switch (last.kind) {
      case Tok::punct:
        return last.text != ")" && last.text != "]" && last.text != "}";
      case Tok::ident: {
        static const std::unordered_set<std::string_view> keywords = {"return", "typeof", "instanceof", "in",    "of",
                                                                      "new",    "delete", "void",       "throw", "case",
                                                                      "do",     "else",   "yield",      "await"};
        return keywords.count(last.text) > 0;
      }
      default:
        return false;
    }
  }

  void regex() {
    const auto start = i_++;
    bool in_class = false;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        i_ += 2;
      } else if (c == '\n') {
        break;  // not a regular expression after all
      } else if (c == '[') {
        in_class = true;
        ++i_;
      } else if (c == ']') {
        in_class = false;
        ++i_;
      } else if (c == '/' && !in_class) {
        ++i_;
        while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
        break;
      } else {
        ++i_;
      }
    }
    i_ = std::min(i_, s_.size());
    push(Tok::other, start, i_);
  }

  std::string_view s_;
  Syntax syntax_;
  std::size_t i_;
  std::size_t begin_;
  int depth_ = 0;
  std::vector<int> templates_;  // open ${ substitutions: braces opened inside each
  std::vector<Token> tokens_;   // the window: token number base_ onwards
  std::size_t base_ = 0;
};

// The token stream as the parsers see it: numbered tokens and predicates that
// are safe past the end. Tokens are returned by value because reading ahead
// may move the window.
class Tokens {
 public:
  Tokens(std::string_view src, Syntax syntax, std::size_t begin, std::size_t end) : lexer_(src, syntax, begin, end) {}
  bool has(std::size_t i) { return lexer_.get(i) != nullptr; }
  Token operator[](std::size_t i) { return *lexer_.get(i); }  // after has(i)
  bool ident(std::size_t i) { return is(i, Tok::ident); }
  bool ident(std::size_t i, std::string_view text) { return is(i, Tok::ident, text); }
  bool punct(std::size_t i, std::string_view text) { return is(i, Tok::punct, text); }
  bool string(std::size_t i) { return is(i, Tok::string); }
  // A keyword use, not a member access such as `x.import`.
  bool keyword(std::size_t i, std::string_view text) { return ident(i, text) && !(i > 0 && punct(i - 1, ".")); }
  // The parser is at token i: it will look back one token at most.
  void advance_to(std::size_t i) {
    if (i > 0) lexer_.release(i - 1);
  }

 private:
  bool is(std::size_t i, Tok kind) {
    const auto* t = lexer_.get(i);
    return t && t->kind == kind;
  }
  bool is(std::size_t i, Tok kind, std::string_view text) {
    const auto* t = lexer_.get(i);
    return t && t->kind == kind && t->text == text;
  }

  Lexer lexer_;
};

// ---------------------------------------------------------------- Python

struct Dotted {
  std::string name;
  std::size_t next = 0;
};

// a.b.c starting at i.
std::optional<Dotted> dotted_name(Tokens& t, std::size_t i) {
  if (!t.ident(i)) return std::nullopt;
  Dotted d{std::string(t[i].text), i + 1};
  while (t.punct(d.next, ".") && t.ident(d.next + 1)) {
    d.name += '.';
    d.name.append(t[d.next + 1].text);
    d.next += 2;
  }
  return d;
}

bool python_statement_start(Tokens& t, std::size_t i) {
  if (i == 0) return true;
  const auto prev = t[i - 1];
  if (prev.kind == Tok::newline) return true;
  // `a; import b`, `if x: import b` (a ':' outside brackets ends a header).
  return prev.kind == Tok::punct && prev.depth == 0 && (prev.text == ";" || prev.text == ":");
}

// import a.b as c, d
std::size_t python_import(Tokens& t, std::size_t i, Emitter& emit) {
  while (auto d = dotted_name(t, i)) {
    emit(d->name, t[i].offset);
    i = d->next;
    if (t.ident(i, "as") && t.ident(i + 1)) i += 2;
    if (!t.punct(i, ",")) break;
    ++i;
  }
  return i;
}

// from ..a.b import (c as d, e) / from . import x / from m import *
std::size_t python_from(Tokens& t, std::size_t i, Emitter& emit) {
  std::string module;
  const auto module_offset = t.has(i) ? t[i].offset : 0;
  while (t.punct(i, ".")) {
    module += '.';
    ++i;
  }
  const bool relative = !module.empty();
  if (t.ident(i) && t[i].text != "import") {
    auto d = dotted_name(t, i);
    module += d->name;
    i = d->next;
  }
  if (module.empty() || !t.ident(i, "import")) return i;
  ++i;
  const bool parenthesised = t.punct(i, "(");
  if (parenthesised) ++i;
  if (t.punct(i, "*")) {
    emit(module, module_offset);
    return i + 1;
  }
  const bool bare_dots = relative && module.find_first_not_of('.') == npos;
  while (t.ident(i)) {
    emit(bare_dots ? module + std::string(t[i].text) : module + "." + std::string(t[i].text), t[i].offset);
    ++i;
    if (t.ident(i, "as") && t.ident(i + 1)) i += 2;
    if (!t.punct(i, ",")) break;
    ++i;
  }
  return i;
}

void parse_python(Tokens& t, Emitter& emit) {
  for (std::size_t i = 0; t.has(i); ++i) {
    t.advance_to(i);
    if (t[i].kind != Tok::ident || !python_statement_start(t, i)) continue;
    if (t[i].text == "import") {
      i = std::max(i, python_import(t, i + 1, emit) - 1);
    } else if (t[i].text == "from") {
      i = std::max(i, python_from(t, i + 1, emit) - 1);
    }
  }
}

// ---------------------------------------------------------------- JavaScript / TypeScript

void js_import(Tokens& t, std::size_t i, Emitter& emit) {
  if (t.punct(i + 1, "(")) {  // import('./x')
    if (t.string(i + 2) && (t.punct(i + 3, ")") || t.punct(i + 3, ",")))
      emit(std::string(t[i + 2].text), t[i + 2].offset);
    return;
  }
  if (t.string(i + 1)) {  // import './side-effect'
    emit(std::string(t[i + 1].text), t[i + 1].offset);
    return;
  }
  // import x, {a as b, type C} from './y'; import * as ns from 'z'; import type T from 'u'
  for (std::size_t j = i + 1; t.has(j); ++j) {
    if (t.ident(j, "from") && t.string(j + 1)) {
      emit(std::string(t[j + 1].text), t[j + 1].offset);
      return;
    }
    const bool clause = t.ident(j) || t.punct(j, "{") || t.punct(j, "}") || t.punct(j, ",") || t.punct(j, "*");
    if (!clause) return;  // import x = require('y') (caught as require), import.meta, ...
  }
}

// export * from './x'; export * as ns from './x'; export {a, b as c} from './y'; export type {T} from './z'
void js_export(Tokens& t, std::size_t i, Emitter& emit) {
  std::size_t j = i + 1;
  if (t.ident(j, "type")) ++j;
  if (t.punct(j, "*")) {
    ++j;
    if (t.ident(j, "as")) j += 2;
  } else if (t.punct(j, "{")) {
    ++j;
    while (t.ident(j) || t.string(j) || t.punct(j, ",")) ++j;
    if (!t.punct(j, "}")) return;
    ++j;
  } else {
    return;
  }
  if (t.ident(j, "from") && t.string(j + 1)) emit(std::string(t[j + 1].text), t[j + 1].offset);
}

void parse_js(Tokens& t, Emitter& emit) {
  for (std::size_t i = 0; t.has(i); ++i) {
    t.advance_to(i);
    if (t.keyword(i, "import")) {
      js_import(t, i, emit);
    } else if (t.keyword(i, "export")) {
      js_export(t, i, emit);
    } else if (t.keyword(i, "require") && t.punct(i + 1, "(") && t.string(i + 2) && t.punct(i + 3, ")")) {
      emit(std::string(t[i + 2].text), t[i + 2].offset);
    }
  }
}

// The <script> blocks of a Vue or Svelte component.
std::vector<std::pair<std::size_t, std::size_t>> script_blocks(std::string_view content) {
  std::vector<std::pair<std::size_t, std::size_t>> blocks;
  std::size_t at = 0;
  while ((at = content.find("<script", at)) != npos) {
    const auto after = at + 7;
    if (after >= content.size() || !(content[after] == '>' || is_space(content[after]) || content[after] == '\n')) {
      at = after;
      continue;
    }
    const auto open_end = content.find('>', after);
    if (open_end == npos) break;
    auto close = content.find("</script", open_end + 1);
    if (close == npos) close = content.size();
    blocks.emplace_back(open_end + 1, close);
    at = close;
  }
  return blocks;
}

// ---------------------------------------------------------------- Go

void parse_go(Tokens& t, Emitter& emit) {
  // An import spec is an optional name (x, _, .) and a path string.
  auto spec = [&](std::size_t j) -> std::size_t {
    if ((t.ident(j) || t.punct(j, ".")) && t.string(j + 1)) ++j;
    if (!t.string(j)) return j + 1;
    emit(std::string(t[j].text), t[j].offset);
    return j + 1;
  };
  for (std::size_t i = 0; t.has(i); ++i) {
    t.advance_to(i);
    if (!t.keyword(i, "import")) continue;
    if (!t.punct(i + 1, "(")) {
      i = spec(i + 1) - 1;
      continue;
    }
    std::size_t j = i + 2;
    while (t.has(j) && !t.punct(j, ")")) j = spec(j);
    i = j;
  }
}

// ---------------------------------------------------------------- Rust

class RustUseTree {
 public:
  RustUseTree(Tokens& t, Emitter& emit) : t_(t), emit_(emit) {}

  // One use tree from i (after `use`); returns where it ends.
  std::size_t parse(std::size_t i) { return tree(i, {}, "", 0); }

 private:
  std::size_t tree(std::size_t i, std::vector<std::string_view> path, std::string leading, int depth) {
    if (depth > 32) return i;
    if (path.empty() && t_.punct(i, "::")) {
      leading = "::";
      ++i;
    }
    std::size_t last_offset = t_.has(i) ? t_[i].offset : 0;
    while (t_.has(i)) {
      if (t_.ident(i)) {
        path.push_back(t_[i].text);
        last_offset = t_[i].offset;
        ++i;
        if (t_.punct(i, "::")) {
          ++i;
          continue;
        }
        if (t_.ident(i, "as") && t_.ident(i + 1)) i += 2;
        leaf(path, leading, last_offset);
        return i;
      }
      if (t_.punct(i, "*")) {
        leaf(path, leading, t_[i].offset);
        return i + 1;
      }
      if (t_.punct(i, "{")) {
        ++i;
        while (t_.has(i) && !t_.punct(i, "}")) {
          const auto next = tree(i, path, leading, depth + 1);
          if (next == i) return i;  // not a use tree after all
          i = next;
          if (t_.punct(i, ",")) ++i;
        }
        return t_.punct(i, "}") ? i + 1 : i;
      }
      return i;
    }
    return i;
  }

  void leaf(std::vector<std::string_view> path, const std::string& leading, std::size_t offset) {
    if (!path.empty() && path.back() == "self") path.pop_back();  // use a::{self}
    if (path.empty() || path.front().starts_with('$')) return;    // macro paths ($crate::x)
    std::string spec = leading;
    for (std::size_t k = 0; k < path.size(); ++k) {
      if (k > 0) spec += "::";
      spec.append(path[k]);
    }
    emit_(std::move(spec), offset);
  }

  Tokens& t_;
  Emitter& emit_;
};

void parse_rust(Tokens& t, Emitter& emit) {
  RustUseTree use_tree(t, emit);
  for (std::size_t i = 0; t.has(i); ++i) {
    t.advance_to(i);
    if (t.keyword(i, "use")) {
      i = std::max(i, use_tree.parse(i + 1) - 1);
    } else if (t.keyword(i, "mod") && t.ident(i + 1) && t.punct(i + 2, ";")) {  // not mod x { ... }
      emit("mod " + std::string(t[i + 1].text), t[i + 1].offset);
    } else if (t.keyword(i, "extern") && t.ident(i + 1, "crate") && t.ident(i + 2)) {
      emit("extern crate " + std::string(t[i + 2].text), t[i + 2].offset);
    }
  }
}

// ---------------------------------------------------------------- Java

void parse_java(Tokens& t, Emitter& emit) {
  for (std::size_t i = 0; t.has(i); ++i) {
    t.advance_to(i);
    if (!t.keyword(i, "import")) continue;
    std::size_t j = i + 1;
    if (t.ident(j, "static")) ++j;
    if (!t.ident(j)) continue;
    const auto offset = t[j].offset;
    std::string name(t[j].text);
    ++j;
    while (t.punct(j, ".")) {
      if (t.ident(j + 1)) {
        name += '.';
        name.append(t[j + 1].text);
        j += 2;
      } else if (t.punct(j + 1, "*")) {
        name += ".*";
        j += 2;
        break;
      } else {
        break;
      }
    }
    if (t.punct(j, ";")) emit(std::move(name), offset);
    i = j - 1;  // j may be the next statement when the ; is missing
  }
}

}  // namespace

std::vector<ImportEdge> extract_imports(std::string_view path, std::string_view language, std::string_view content) {
  std::vector<ImportEdge> edges;
  const auto family = family_of_language(language);
  if (family == Family::none) return edges;
  Emitter emit(path, content, edges);
  // A UTF-8 byte order mark is no part of the first line's first token.
  const std::size_t start = content.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  auto parse = [&](auto parser, Syntax syntax, std::size_t begin, std::size_t end = npos) {
    Tokens tokens(content, syntax, begin, std::min(end, content.size()));
    parser(tokens, emit);
  };
  switch (family) {
    case Family::c:
      CScanner(content, start, emit).run();
      break;
    case Family::python:
      parse(parse_python, Syntax::python, start);
      break;
    case Family::js:
      parse(parse_js, Syntax::js, start);
      break;
    case Family::js_embedded:
      for (auto [begin, end] : script_blocks(content)) parse(parse_js, Syntax::js, begin, end);
      break;
    case Family::go:
      parse(parse_go, Syntax::go, start);
      break;
    case Family::rust:
      parse(parse_rust, Syntax::rust, start);
      break;
    case Family::java:
      parse(parse_java, Syntax::java, start);
      break;
    case Family::none:
      break;
  }
  return edges;
}

// ================================================================ resolution

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace

namespace detail {

struct ImportIndex {
  StringSet files;
  StringMap<std::vector<std::string>> by_basename;   // sorted
  StringMap<std::vector<std::string>> by_directory;  // files directly in the directory, sorted
  StringSet python_directories;                      // every ancestor directory of a .py/.pyi file
  std::string go_module;
  std::string go_root;  // directory of go.mod

  bool has(std::string_view path) const { return files.find(path) != files.end(); }

  const std::vector<std::string>& in_directory(std::string_view dir) const {
    static const std::vector<std::string> none;
    auto it = by_directory.find(dir);
    return it == by_directory.end() ? none : it->second;
  }

  // The file closest to `from` whose path ends in "/" + suffix (or is it).
  const std::string* by_suffix(std::string_view from, std::string_view suffix) const {
    auto it = by_basename.find(basename(suffix));
    if (it == by_basename.end()) return nullptr;
    std::vector<const std::string*> matches;
    for (const auto& path : it->second) {
      if (ends_with_path(path, suffix)) matches.push_back(&path);
    }
    return closest(from, matches, [](const std::string& path) { return dirname(path); });
  }
};

}  // namespace detail

namespace {

using detail::ImportIndex;

struct Targets {
  std::vector<std::string> files;
  bool external = false;
};

Targets found(std::string path) {
  return Targets{{std::move(path)}, false};
}
Targets external() {
  return Targets{{}, true};
}

// ---------------------------------------------------------------- C and C++

Targets resolve_c(const ImportIndex& index, std::string_view from, std::string_view spec) {
  const bool angle = spec.size() >= 2 && spec.front() == '<' && spec.back() == '>';
  const auto name = angle ? spec.substr(1, spec.size() - 2) : spec;
  if (name.empty()) return {};
  if (!angle) {
    auto relative = normalize(join(dirname(from), name));
    if (relative && index.has(*relative)) return found(*relative);
  }
  auto tail = name;
  while (tail.starts_with("./") || tail.starts_with("../")) tail.remove_prefix(tail.find('/') + 1);
  auto suffix = normalize(tail);
  if (suffix && !suffix->empty()) {
    if (const auto* match = index.by_suffix(from, *suffix)) return found(*match);
  }
  return angle ? external() : Targets{};
}

// ---------------------------------------------------------------- Python

// The module file for the first `count` segments under dir: a/b.py,
// a/b/__init__.py (and their .pyi stubs).
std::optional<std::string> python_module(const ImportIndex& index, std::string_view dir,
                                         const std::vector<std::string_view>& segments, std::size_t count) {
  std::string base(dir);
  for (std::size_t k = 0; k < count; ++k) base = join(base, segments[k]);
  if (count > 0) {
    for (const char* ext : {".py", ".pyi"}) {
      if (index.has(base + ext)) return base + ext;
    }
  }
  for (const char* init : {"__init__.py", "__init__.pyi"}) {
    auto path = join(base, init);
    if (index.has(path)) return path;
  }
  return std::nullopt;
}

// The directory Python would have on sys.path for this file: the first
// ancestor that is not a package.
std::string python_package_root(const ImportIndex& index, std::string_view from) {
  auto dir = dirname(from);
  while (!dir.empty() && index.has(join(dir, "__init__.py"))) dir = dirname(dir);
  return std::string(dir);
}

Targets resolve_python(const ImportIndex& index, std::string_view from, std::string_view spec) {
  const auto dots = spec.find_first_not_of('.');
  if (dots == npos || dots > 0) {  // relative: from . import x, from ..a import b
    const std::size_t level = dots == npos ? spec.size() : dots;
    const auto rest = dots == npos ? std::string_view() : spec.substr(dots);
    std::string base(dirname(from));
    for (std::size_t k = 1; k < level; ++k) {
      if (base.empty()) return {};
      base = std::string(dirname(base));
    }
    const auto segments = split(rest, ".");
    if (auto module = python_module(index, base, segments, segments.size())) return found(*module);
    if (!segments.empty()) {
      if (auto module = python_module(index, base, segments, segments.size() - 1)) return found(*module);
    }
    return {};
  }
  const auto segments = split(spec, ".");
  if (std::any_of(segments.begin(), segments.end(), [](auto s) { return s.empty(); })) return {};
  std::vector<std::string> roots = {python_package_root(index, from)};
  for (const char* root : {"", "src"}) {
    if (roots.front() != root) roots.emplace_back(root);
  }
  for (const auto& root : roots) {
    if (auto module = python_module(index, root, segments, segments.size())) return found(*module);
  }
  if (segments.size() >= 2) {  // from a import b, b a name in a
    for (const auto& root : roots) {
      if (auto module = python_module(index, root, segments, segments.size() - 1)) return found(*module);
    }
  }
  for (const auto& root : roots) {
    const auto top = join(root, segments[0]);
    if (index.has(top + ".py") || index.has(top + ".pyi") || index.python_directories.count(top)) return {};
  }
  return external();
}

// ---------------------------------------------------------------- JavaScript / TypeScript

bool is_package_spec(std::string_view spec) {
  if (spec.find("://") != npos) return true;
  for (std::string_view scheme : {"node:", "bun:", "npm:", "jsr:"}) {
    if (spec.starts_with(scheme)) return true;
  }
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' || c == '_' ||
           c == '~';
  };
  if (spec.starts_with('@')) {  // @scope/name; "@/x" is an alias
    const auto slash = spec.find('/');
    return slash != npos && slash > 1 && slash + 1 < spec.size() &&
           std::all_of(spec.begin() + 1, spec.begin() + slash, name_char);
  }
  return !spec.empty() && spec[0] != '.' && spec[0] != '_' && spec[0] != '~' && name_char(spec[0]);
}

Targets resolve_js(const ImportIndex& index, std::string_view from, std::string_view spec) {
  static const std::array<std::string_view, 12> ts_first = {".ts",  ".tsx", ".d.ts", ".mts",  ".cts", ".js",
                                                            ".jsx", ".mjs", ".cjs",  ".json", ".vue", ".svelte"};
  static const std::array<std::string_view, 12> js_first = {".js",   ".jsx", ".mjs", ".cjs",  ".ts",  ".tsx",
                                                            ".d.ts", ".mts", ".cts", ".json", ".vue", ".svelte"};
  static const std::array<std::pair<std::string_view, std::string_view>, 5> compiled = {
      {{".js", ".ts"}, {".js", ".tsx"}, {".jsx", ".tsx"}, {".mjs", ".mts"}, {".cjs", ".cts"}}};

  const bool relative = spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../");
  if (!relative) {
    if (spec.starts_with('/')) return {};
    return is_package_spec(spec) ? external() : Targets{};
  }
  spec = spec.substr(0, spec.find_first_of("?#"));  // "./icon.svg?raw"
  auto base = normalize(join(dirname(from), spec));
  if (!base) return {};
  if (!base->empty() && index.has(*base)) return found(*base);
  for (auto [js, ts] : compiled) {  // TypeScript's "./x.js" means x.ts
    if (base->ends_with(js)) {
      auto path = base->substr(0, base->size() - js.size()) + std::string(ts);
      if (index.has(path)) return found(path);
    }
  }
  const auto ext = lowercase_extension(from);
  const bool js_importer = ext == ".js" || ext == ".jsx" || ext == ".mjs" || ext == ".cjs";
  const auto& extensions = js_importer ? js_first : ts_first;
  if (!base->empty()) {
    for (auto e : extensions) {
      if (index.has(*base + std::string(e))) return found(*base + std::string(e));
    }
  }
  const auto index_base = join(*base, "index");
  for (auto e : extensions) {
    if (index.has(index_base + std::string(e))) return found(index_base + std::string(e));
  }
  return {};
}

// ---------------------------------------------------------------- Go

Targets resolve_go(const ImportIndex& index, std::string_view spec) {
  const auto& module = index.go_module;
  if (module.empty() ||
      !(spec == module || (spec.starts_with(module) && spec.size() > module.size() && spec[module.size()] == '/'))) {
    return spec.starts_with("./") || spec.starts_with("../") ? Targets{} : external();
  }
  const auto package = spec.size() > module.size() ? spec.substr(module.size() + 1) : std::string_view();
  Targets targets;
  for (const auto& path : index.in_directory(join(index.go_root, package))) {
    if (path.ends_with(".go") && !path.ends_with("_test.go")) targets.files.push_back(path);
  }
  return targets;
}

// ---------------------------------------------------------------- Rust

// lib.rs, main.rs, build.rs, and the files of bin/, examples/, tests/,
// benches/ are crate roots: their child modules sit next to them.
bool rust_crate_root(std::string_view path) {
  const auto name = basename(path);
  if (name == "lib.rs" || name == "main.rs" || name == "build.rs") return true;
  if (name == "mod.rs") return false;
  const auto parent = basename(dirname(path));
  return parent == "bin" || parent == "examples" || parent == "tests" || parent == "benches";
}

// Where the child modules of this file's module live.
std::string rust_module_directory(std::string_view path) {
  const auto dir = dirname(path);
  if (basename(path) == "mod.rs" || rust_crate_root(path)) return std::string(dir);
  auto stem = basename(path);
  stem.remove_suffix(3);  // ".rs"
  return join(dir, stem);
}

// The file that declares the modules of `dir`.
std::optional<std::string> rust_module_file(const ImportIndex& index, std::string_view dir) {
  for (const char* name : {"mod.rs", "lib.rs", "main.rs"}) {
    auto path = join(dir, name);
    if (index.has(path)) return path;
  }
  if (!dir.empty() && index.has(std::string(dir) + ".rs")) return std::string(dir) + ".rs";
  return std::nullopt;
}

std::optional<std::string> rust_child(const ImportIndex& index, std::string_view dir, std::string_view name) {
  auto base = join(dir, name);
  if (index.has(base + ".rs")) return base + ".rs";
  if (index.has(base + "/mod.rs")) return base + "/mod.rs";
  return std::nullopt;
}

// The longest prefix of `segments` that is a module file under dir; else
// `fallback` (the item is declared in the module of dir itself).
Targets rust_walk(const ImportIndex& index, std::string_view dir, const std::vector<std::string_view>& segments,
                  std::optional<std::string> fallback) {
  for (std::size_t count = segments.size(); count > 0; --count) {
    std::string parent(dir);
    for (std::size_t k = 0; k + 1 < count; ++k) parent = join(parent, segments[k]);
    if (auto file = rust_child(index, parent, segments[count - 1])) return found(*file);
  }
  return fallback ? found(*fallback) : Targets{};
}

// The directory of the crate root module: the importer's own for a crate
// root, else the nearest ancestor with lib.rs or main.rs (not past Cargo.toml).
std::optional<std::string> rust_crate_directory(const ImportIndex& index, std::string_view from) {
  if (rust_crate_root(from)) return std::string(dirname(from));
  std::string dir(dirname(from));
  while (true) {
    if (index.has(join(dir, "lib.rs")) || index.has(join(dir, "main.rs"))) return dir;
    if (index.has(join(dir, "Cargo.toml"))) {
      auto src = join(dir, "src");
      if (index.has(join(src, "lib.rs")) || index.has(join(src, "main.rs"))) return src;
      return std::nullopt;
    }
    if (dir.empty()) return std::nullopt;
    dir = std::string(dirname(dir));
  }
}

Targets resolve_rust(const ImportIndex& index, std::string_view from, std::string_view spec) {
  if (spec.starts_with("mod ")) {
    auto file = rust_child(index, rust_module_directory(from), spec.substr(4));
    return file ? found(*file) : Targets{};
  }
  if (spec.starts_with("extern crate ") || spec.starts_with("::")) return external();
  auto segments = split(spec, "::");
  const auto module_dir = rust_module_directory(from);
  const auto crate_dir = rust_crate_directory(index, from);
  auto crate_file = [&]() -> std::optional<std::string> {
    if (rust_crate_root(from)) return std::string(from);
    return crate_dir ? rust_module_file(index, *crate_dir) : std::nullopt;
  };
  const auto head = segments.front();
  if (head == "crate") {
    if (!crate_dir) return {};
    segments.erase(segments.begin());
    return rust_walk(index, *crate_dir, segments, crate_file());
  }
  if (head == "self") {
    segments.erase(segments.begin());
    return rust_walk(index, module_dir, segments, std::string(from));
  }
  if (head == "super") {
    std::string dir = module_dir;
    while (!segments.empty() && segments.front() == "super") {
      if (dir.empty()) return {};
      dir = std::string(dirname(dir));
      segments.erase(segments.begin());
    }
    return rust_walk(index, dir, segments, rust_module_file(index, dir));
  }
  if (rust_child(index, module_dir, head)) return rust_walk(index, module_dir, segments, std::nullopt);
  if (crate_dir && rust_child(index, *crate_dir, head)) return rust_walk(index, *crate_dir, segments, std::nullopt);
  return external();
}

// ---------------------------------------------------------------- Java

Targets java_class(const ImportIndex& index, std::string_view from, const std::vector<std::string_view>& segments) {
  // a.b.Outer.Inner and static a.b.C.member: drop trailing names until a
  // file matches, keeping at least a package and a class.
  for (std::size_t count = segments.size(); count >= 2; --count) {
    std::string path;
    for (std::size_t k = 0; k < count; ++k) path = join(path, segments[k]);
    if (const auto* match = index.by_suffix(from, path + ".java")) return found(*match);
  }
  return external();
}

Targets resolve_java(const ImportIndex& index, std::string_view from, std::string_view spec) {
  auto segments = split(spec, ".");
  if (segments.back() != "*") return java_class(index, from, segments);
  segments.pop_back();
  std::string package;
  for (auto segment : segments) package = join(package, segment);
  std::vector<const std::string*> directories;
  for (const auto& [dir, files] : index.by_directory) {
    if (!ends_with_path(dir, package)) continue;
    if (std::any_of(files.begin(), files.end(), [](const std::string& f) { return f.ends_with(".java"); })) {
      directories.push_back(&dir);
    }
  }
  const auto* best = closest(from, directories, [](const std::string& dir) { return std::string_view(dir); });
  if (!best) return java_class(index, from, segments);  // import static a.b.C.*
  Targets targets;
  for (const auto& path : index.in_directory(*best)) {
    if (path.ends_with(".java")) targets.files.push_back(path);
  }
  return targets;
}

Targets resolve_any(const ImportIndex& index, const ImportEdge& edge) {
  if (edge.spec.empty()) return {};
  switch (family_of_path(edge.from)) {
    case Family::c:
      return resolve_c(index, edge.from, edge.spec);
    case Family::python:
      return resolve_python(index, edge.from, edge.spec);
    case Family::js:
    case Family::js_embedded:
      return resolve_js(index, edge.from, edge.spec);
    case Family::go:
      return resolve_go(index, edge.spec);
    case Family::rust:
      return resolve_rust(index, edge.from, edge.spec);
    case Family::java:
      return resolve_java(index, edge.from, edge.spec);
    case Family::none:
      break;
  }
  return {};
}

}  // namespace

ImportResolver::ImportResolver(const std::vector<FileEntry>& files, std::string go_module) {
  auto index = std::make_shared<ImportIndex>();
  index->go_module = std::move(go_module);
  const std::string* go_mod = nullptr;
  for (const auto& file : files) {
    const auto& path = file.path;
    if (!index->files.insert(path).second) continue;
    index->by_basename[std::string(basename(path))].push_back(path);
    index->by_directory[std::string(dirname(path))].push_back(path);
    if (path.ends_with(".py") || path.ends_with(".pyi")) {
      for (auto dir = dirname(path); !dir.empty(); dir = dirname(dir)) {
        if (!index->python_directories.insert(std::string(dir)).second) break;
      }
    }
    if (basename(path) == "go.mod" &&
        (!go_mod || std::make_pair(component_count(path), std::string_view(path)) <
                        std::make_pair(component_count(*go_mod), std::string_view(*go_mod)))) {
      go_mod = &path;
    }
  }
  if (go_mod) index->go_root = std::string(dirname(*go_mod));
  for (auto& [_, paths] : index->by_basename) std::sort(paths.begin(), paths.end());
  for (auto& [_, paths] : index->by_directory) std::sort(paths.begin(), paths.end());
  index_ = std::move(index);
}

void ImportResolver::resolve(ImportEdge& edge) const {
  auto targets = resolve_any(*index_, edge);
  edge.to = targets.files.empty() ? std::string() : targets.files.front();
  edge.external = targets.files.empty() && targets.external;
}

std::vector<std::string> ImportResolver::resolve_all(const ImportEdge& edge) const {
  return resolve_any(*index_, edge).files;
}

}  // namespace devagent::code
