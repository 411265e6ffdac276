// Gemfile and gems.rb (Bundler). Ecosystem "rubygems".
//
// A Gemfile is Ruby; this reads its statements, not what it computes:
//   gem 'name'[, 'version', ...][, group: :test, git: ..., tag: ..., ...]
//   group :development, :test do ... end
// Several version arguments are joined with ", " ("~> 1.2, >= 1.2.3"); a
// git gem without one is pinned by its tag, ref or branch. do/end blocks,
// if/unless/case/begin/def blocks and `end` are matched, so a gem knows its
// group. gemspec, ruby, source and gems whose name is not a string literal
// are skipped.
#include "code/manifests_parsers.h"

#include <cctype>
#include <optional>

namespace devagent::code::manifests {

namespace {

enum class Kind { ident, key, symbol, string, words, punct, newline, other };

struct Token {
  Kind kind;
  std::string text;                // name, key (without ':'), symbol (without ':'), string content
  std::vector<std::string> words;  // %w[...] and %i[...]
  std::size_t line;
};

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

char closer_of(char open) {
  switch (open) {
    case '(':
      return ')';
    case '[':
      return ']';
    case '{':
      return '}';
    case '<':
      return '>';
    default:
      return open;
  }
}

class Lexer {
 public:
  Lexer(std::string_view path, std::string_view text) : path_(path), text_(text) {}

  Result<std::vector<Token>> run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        newline();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;  // line continuation
        ++line_;
      } else if (c == '\'' || c == '"') {
        auto s = string_literal(c, c, c == '"');
        if (!s) return s.error();
        push(Kind::string, std::move(*s));
      } else if (c == '%' && percent_literal()) {
        auto r = percent();
        if (!r) return r.error();
      } else if (c == ':' && pos_ + 1 < text_.size() && (is_ident_start(text_[pos_ + 1]) || text_[pos_ + 1] == '"')) {
        ++pos_;
        if (text_[pos_] == '"') {
          auto s = string_literal('"', '"', true);
          if (!s) return s.error();
          push(Kind::symbol, std::move(*s));
        } else {
          push(Kind::symbol, identifier());
        }
      } else if (is_ident_start(c)) {
        std::string name = identifier();
        if (pos_ + 1 < text_.size() && text_[pos_] == ':' && text_[pos_ + 1] != ':') {
          ++pos_;
          push(Kind::key, std::move(name));
        } else {
          push(Kind::ident, std::move(name));
        }
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t end = pos_;
        while (end < text_.size() && (is_ident_char(text_[end]) || text_[end] == '.')) ++end;
        push(Kind::other, std::string(text_.substr(pos_, end - pos_)));
        pos_ = end;
      } else if (text_.substr(pos_, 2) == "=>") {
        push(Kind::punct, "=>");
        pos_ += 2;
      } else {
        if (c == '(' || c == '[' || c == '{') ++depth_;
        if ((c == ')' || c == ']' || c == '}') && depth_ > 0) --depth_;
        push(Kind::punct, std::string(1, c));
        ++pos_;
      }
    }
    return std::move(tokens_);
  }

 private:
  void push(Kind kind, std::string text, std::vector<std::string> words = {}) {
    tokens_.push_back({kind, std::move(text), std::move(words), line_});
  }

  // A statement goes on past the end of a line inside brackets and after a
  // comma or a hash rocket.
  void newline() {
    bool continued = depth_ > 0 || (!tokens_.empty() && tokens_.back().kind == Kind::punct &&
                                    (tokens_.back().text == "," || tokens_.back().text == "=>"));
    if (!continued && (tokens_.empty() || tokens_.back().kind != Kind::newline)) push(Kind::newline, "");
    ++line_;
    ++pos_;
  }

  std::string identifier() {
    std::size_t end = pos_;
    while (end < text_.size() && is_ident_char(text_[end])) ++end;
    if (end < text_.size() && (text_[end] == '?' || text_[end] == '!')) ++end;
    std::string name(text_.substr(pos_, end - pos_));
    pos_ = end;
    return name;
  }

  // From the opening delimiter at pos_ to its closer; nested pairs of a
  // bracket delimiter, and #{...} where the literal interpolates, are kept
  // whole.
  Result<std::string> string_literal(char open, char close, bool interpolates) {
    std::size_t start_line = line_;
    ++pos_;
    std::string value;
    int nesting = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') ++line_;
      if (c == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next == '\n') ++line_;
        if (next != close && next != '\\') value += c;
        value += next;
        pos_ += 2;
        continue;
      }
      if (interpolates && c == '#' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        // #{...} may hold quotes and braces of its own.
        int depth = 0;
        do {
          if (text_[pos_] == '{') ++depth;
          if (text_[pos_] == '}') --depth;
          if (text_[pos_] == '\n') ++line_;
          value += text_[pos_++];
        } while (pos_ < text_.size() && depth > 0);
        continue;
      }
      if (c == close && nesting == 0) {
        ++pos_;
        return value;
      }
      if (open != close && c == open) ++nesting;
      if (open != close && c == close) --nesting;
      value += c;
      ++pos_;
    }
    return malformed_at(path_, start_line, "unterminated string");
  }

  bool percent_literal() const {
    if (pos_ + 2 >= text_.size()) return false;
    char type = text_[pos_ + 1];
    char open = text_[pos_ + 2];
    return std::string_view("wWiIqQ").find(type) != std::string_view::npos &&
           std::string_view("([{<|!/").find(open) != std::string_view::npos;
  }

  // %w[a b], %i[a b]: a list of words; %q(...), %Q(...): a string.
  Result<> percent() {
    char type = text_[pos_ + 1];
    char open = text_[pos_ + 2];
    pos_ += 2;
    auto body = string_literal(open, closer_of(open), type == 'Q' || type == 'W' || type == 'I');
    if (!body) return body.error();
    if (type == 'q' || type == 'Q') {
      push(Kind::string, std::move(*body));
      return {};
    }
    std::vector<std::string> words;
    std::size_t i = 0;
    std::string_view b = *body;
    while (i < b.size()) {
      while (i < b.size() && std::isspace(static_cast<unsigned char>(b[i]))) ++i;
      std::size_t start = i;
      while (i < b.size() && !std::isspace(static_cast<unsigned char>(b[i]))) ++i;
      if (i > start) words.emplace_back(b.substr(start, i - start));
    }
    push(Kind::words, "", std::move(words));
    return {};
  }

  std::string_view path_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  int depth_ = 0;
  std::vector<Token> tokens_;
};

bool is_punct(const Token& t, std::string_view p) {
  return t.kind == Kind::punct && t.text == p;
}
bool is_ident(const Token& t, std::string_view name) {
  return t.kind == Kind::ident && t.text == name;
}

// development (with or without test) is dev; test alone is test;
// default and production are runtime; any other group (lint, docs, ci) is
// dev: not needed to run the application.
std::string_view scope_of_groups(const std::vector<std::string>& groups) {
  bool development = false, test = false, runtime = false;
  for (const auto& g : groups) {
    development = development || g == "development" || g == "dev";
    test = test || g == "test";
    runtime = runtime || g == "default" || g == "production";
  }
  if (development) return kDev;
  if (test) return kTest;
  if (runtime) return kRuntime;
  return kDev;
}

// The names in :a, [:a, :b], %i[a b], "a".
std::vector<std::string> names_in(const std::vector<const Token*>& value) {
  std::vector<std::string> names;
  for (const Token* t : value) {
    if (t->kind == Kind::symbol || t->kind == Kind::string) names.push_back(t->text);
    if (t->kind == Kind::words) names.insert(names.end(), t->words.begin(), t->words.end());
  }
  return names;
}

using Statement = std::vector<const Token*>;

// Splits at commas outside brackets.
std::vector<Statement> split_args(const Statement& tokens, std::size_t begin, std::size_t end) {
  std::vector<Statement> args(1);
  int depth = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const Token& t = *tokens[i];
    if (is_punct(t, "(") || is_punct(t, "[") || is_punct(t, "{")) ++depth;
    if (is_punct(t, ")") || is_punct(t, "]") || is_punct(t, "}")) --depth;
    if (depth == 0 && is_punct(t, ",")) {
      args.emplace_back();
    } else {
      args.back().push_back(&t);
    }
  }
  if (args.back().empty()) args.pop_back();
  return args;
}

// The index of `do` opening a block in the statement (`... do` or
// `... do |x|`), if any.
std::optional<std::size_t> block_do(const Statement& st) {
  for (std::size_t i = 0; i < st.size(); ++i) {
    if (is_ident(*st[i], "do") && (i + 1 == st.size() || is_punct(*st[i + 1], "|"))) return i;
  }
  return std::nullopt;
}

struct Frame {
  std::string_view scope;  // of the gems inside: a group block's, else the enclosing one's
  std::size_t line;
};

void read_gem(const Statement& st, std::string_view scope, DependencyList& deps) {
  std::size_t begin = 1, end = st.size();
  for (std::size_t i = 1; i < st.size(); ++i) {  // gem 'x' if ENV['X']
    if (is_ident(*st[i], "if") || is_ident(*st[i], "unless")) {
      end = i;
      break;
    }
  }
  if (begin < end && is_punct(*st[begin], "(") && is_punct(*st[end - 1], ")")) {
    ++begin;
    --end;
  }
  std::string name;
  std::vector<std::string> versions;
  std::vector<std::string> groups;
  std::string ref;
  for (const auto& arg : split_args(st, begin, end)) {
    if (arg.empty()) continue;
    std::string key;
    Statement value;
    if (arg[0]->kind == Kind::key) {
      key = arg[0]->text;
      value.assign(arg.begin() + 1, arg.end());
    } else if (arg.size() >= 2 && is_punct(*arg[1], "=>")) {
      key = arg[0]->text;
      value.assign(arg.begin() + 2, arg.end());
    } else {
      if (arg.size() == 1 && arg[0]->kind == Kind::string) {
        if (name.empty() && versions.empty()) {
          name = arg[0]->text;
        } else {
          versions.push_back(arg[0]->text);
        }
      } else if (name.empty()) {
        return;  // gem name_from_a_variable
      }
      continue;
    }
    if (key == "group" || key == "groups") groups = names_in(value);
    if ((key == "tag" || key == "ref" || key == "branch") && !value.empty() && value[0]->kind == Kind::string) {
      if (ref.empty() || key == "tag") ref = value[0]->text;
    }
  }
  std::string constraint;
  for (const auto& v : versions) constraint += (constraint.empty() ? "" : ", ") + v;
  if (constraint.empty()) constraint = ref;
  deps.add(name, constraint, groups.empty() ? scope : scope_of_groups(groups));
}

}  // namespace

Parsed parse_gemfile(std::string_view path, std::string_view content) {
  auto tokens = Lexer(path, content).run();
  if (!tokens) return tokens.error();

  std::vector<Statement> statements(1);
  for (const auto& t : *tokens) {
    if (t.kind == Kind::newline || is_punct(t, ";")) {
      if (!statements.back().empty()) statements.emplace_back();
    } else {
      statements.back().push_back(&t);
    }
  }

  DependencyList deps(path, "rubygems");
  std::vector<Frame> frames;
  for (const auto& st : statements) {
    if (st.empty()) continue;
    const Token& head = *st[0];
    if (is_ident(head, "end")) {
      if (frames.empty()) return malformed_at(path, head.line, "'end' without a block to close");
      frames.pop_back();
      continue;
    }
    std::string_view scope = frames.empty() ? kRuntime : frames.back().scope;
    if (is_ident(head, "gem")) {
      if (st.size() == 1) return malformed_at(path, head.line, "gem without a name");
      read_gem(st, scope, deps);
    }
    auto opening = block_do(st);
    if (opening) {
      if (is_ident(head, "group")) scope = scope_of_groups(names_in(Statement(st.begin() + 1, st.begin() + *opening)));
      frames.push_back({scope, head.line});
      continue;
    }
    static constexpr std::string_view kOpeners[] = {"if",    "unless", "case",  "while", "until",
                                                    "begin", "def",    "class", "module"};
    bool one_line = is_ident(*st.back(), "end");
    for (auto opener : kOpeners) {
      if (is_ident(head, opener) && !one_line) frames.push_back({scope, head.line});
    }
  }
  if (!frames.empty()) return malformed_at(path, frames.back().line, "block is not closed with 'end'");
  return deps.take();
}

}  // namespace devagent::code::manifests
