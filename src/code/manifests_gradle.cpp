// build.gradle (Groovy DSL) and build.gradle.kts (Kotlin DSL). Ecosystem
// "gradle"; a dependency's name is group:artifact.
//
// The build script is a program, so this reads what is written, not what it
// computes: the file is split into tokens (comments dropped, strings kept
// whole), and every statement directly inside a `dependencies { }` block
// that calls a configuration with a dependency notation is a dependency:
//   implementation 'g:a:v'            implementation("g:a:v")
//   api group: 'g', name: 'a', version: 'v'    (and name = "a" in Kotlin)
//   implementation platform('g:a:v')  testImplementation(enforcedPlatform(...))
//   implementation(kotlin("stdlib"))  -> org.jetbrains.kotlin:kotlin-stdlib
//   implementation libs.okhttp.core   -> name "libs.okhttp.core", no version
// project(...), files(...), fileTree(...) and the like are not external
// dependencies. Closures after a declaration (exclusions, version blocks)
// and constraints { } are not read.
#include "code/manifests_parsers.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace devagent::code::manifests {

namespace {

enum class Kind { ident, string, punct, newline, other };

struct Token {
  Kind kind;
  std::string text;  // a string's content, without its quotes
  std::size_t line;
};

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

class Lexer {
 public:
  Lexer(std::string_view path, std::string_view text) : path_(path), text_(text) {}

  Result<std::vector<Token>> run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        if (tokens_.empty() || tokens_.back().kind != Kind::newline) tokens_.push_back({Kind::newline, "", line_});
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "//") {
        pos_ = std::min(text_.find('\n', pos_), text_.size());
      } else if (text_.substr(pos_, 2) == "/*") {
        auto r = block_comment();
        if (!r) return r.error();
      } else if (c == '"' || c == '\'') {
        auto r = string_literal();
        if (!r) return r.error();
      } else if (c == '`') {  // Kotlin's quoted identifier
        std::size_t end = text_.find('`', pos_ + 1);
        if (end == std::string_view::npos || text_.substr(pos_, end - pos_).find('\n') != std::string_view::npos) {
          return malformed_at(path_, line_, "unterminated `identifier`");
        }
        tokens_.push_back({Kind::ident, std::string(text_.substr(pos_ + 1, end - pos_ - 1)), line_});
        pos_ = end + 1;
      } else if (is_ident_start(c)) {
        std::size_t end = pos_;
        while (end < text_.size() && is_ident_char(text_[end])) ++end;
        tokens_.push_back({Kind::ident, std::string(text_.substr(pos_, end - pos_)), line_});
        pos_ = end;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t end = pos_;
        while (end < text_.size() && (is_ident_char(text_[end]) || text_[end] == '.')) ++end;
        tokens_.push_back({Kind::other, std::string(text_.substr(pos_, end - pos_)), line_});
        pos_ = end;
      } else {
        tokens_.push_back({Kind::punct, std::string(1, c), line_});
        ++pos_;
      }
    }
    return std::move(tokens_);
  }

 private:
  Result<> block_comment() {
    std::size_t end = text_.find("*/", pos_ + 2);
    if (end == std::string_view::npos) return malformed_at(path_, line_, "unterminated /* comment");
    line_ += static_cast<std::size_t>(std::count(text_.begin() + pos_, text_.begin() + end, '\n'));
    pos_ = end + 2;
    return {};
  }

  // '...', "...", '''...''', """...""". In double quotes, ${...} may hold
  // braces and quotes of its own.
  Result<> string_literal() {
    char quote = text_[pos_];
    bool triple = text_.substr(pos_, 3) == std::string(3, quote);
    std::size_t start_line = line_;
    pos_ += triple ? 3 : 1;
    std::string value;
    int interpolation = 0;  // brace depth inside ${...}
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        if (!triple && interpolation == 0) break;
        ++line_;
      }
      if (interpolation > 0) {
        if (c == '{') ++interpolation;
        if (c == '}') --interpolation;
      } else if (c == '\\' && pos_ + 1 < text_.size()) {
        value += c;
        c = text_[++pos_];
      } else if (quote == '"' && text_.substr(pos_, 2) == "${") {
        interpolation = 1;
        value += "${";
        pos_ += 2;
        continue;
      } else if (c == quote && (!triple || text_.substr(pos_, 3) == std::string(3, quote))) {
        pos_ += triple ? 3 : 1;
        tokens_.push_back({Kind::string, std::move(value), start_line});
        return {};
      }
      value += c;
      ++pos_;
    }
    return malformed_at(path_, start_line, "unterminated string");
  }

  std::string_view path_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::vector<Token> tokens_;
};

bool is_punct(const Token& t, char c) {
  return t.kind == Kind::punct && t.text.size() == 1 && t.text[0] == c;
}

// A range of tokens [begin, end), newlines left out when read.
struct Span {
  const std::vector<Token>* tokens;
  std::size_t begin;
  std::size_t end;

  std::vector<const Token*> significant() const {
    std::vector<const Token*> out;
    for (std::size_t i = begin; i < end; ++i) {
      if ((*tokens)[i].kind != Kind::newline) out.push_back(&(*tokens)[i]);
    }
    return out;
  }
};

// The index of the bracket closing the one at `open`, or tokens.size().
std::size_t matching(const std::vector<Token>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (is_punct(t, '(') || is_punct(t, '[') || is_punct(t, '{')) ++depth;
    if (is_punct(t, ')') || is_punct(t, ']') || is_punct(t, '}')) {
      if (--depth == 0) return i;
    }
  }
  return tokens.size();
}

// Splits [begin, end) at the commas outside brackets.
std::vector<Span> split_args(const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
  std::vector<Span> args;
  std::size_t start = begin;
  int depth = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    if (is_punct(t, '(') || is_punct(t, '[') || is_punct(t, '{')) ++depth;
    if (is_punct(t, ')') || is_punct(t, ']') || is_punct(t, '}')) --depth;
    if (depth == 0 && is_punct(t, ',')) {
      args.push_back({&tokens, start, i});
      start = i + 1;
    }
  }
  if (start < end) args.push_back({&tokens, start, end});
  return args;
}

struct Module {
  std::string name;
  std::string version;
};

// Splits at ':' outside ${...}.
std::vector<std::string> split_coordinates(std::string_view s) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 2) == "${") ++depth;
    if (s[i] == '}' && depth > 0) --depth;
    if (s[i] == ':' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += s[i];
    }
  }
  return parts;
}

// "group:artifact[:version[:classifier]][@extension]".
std::optional<Module> parse_coordinates(std::string_view s) {
  std::vector<std::string> parts = split_coordinates(s);
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  for (auto& part : parts) {
    std::size_t at = part.find('@');
    if (at != std::string::npos && part.find("${") == std::string::npos) part.resize(at);
  }
  return Module{parts[0] + ":" + parts[1], parts.size() > 2 ? parts[2] : std::string()};
}

// The dependency one argument denotes, if any. Calls nest a few levels at
// most (platform(libs.x)); deeper ones are not read.
std::optional<Module> notation(const Span& arg, int depth = 0) {
  constexpr int kMaxDepth = 8;
  auto t = arg.significant();
  if (t.empty() || depth > kMaxDepth) return std::nullopt;
  if (t[0]->kind == Kind::string) return parse_coordinates(t[0]->text);
  if (t[0]->kind != Kind::ident) return std::nullopt;

  // a.b.c: a version catalog alias or a constant; name only.
  std::string chain = t[0]->text;
  std::size_t i = 1;
  while (i + 1 < t.size() && is_punct(*t[i], '.') && t[i + 1]->kind == Kind::ident) {
    chain += "." + t[i + 1]->text;
    i += 2;
  }
  bool call = i < t.size() && is_punct(*t[i], '(');
  if (!call) return i > 1 ? std::optional<Module>(Module{chain, ""}) : std::nullopt;
  if (i > 1) {  // libs.okhttp.get()
    std::size_t dot = chain.rfind('.');
    return Module{chain.substr(0, dot), ""};
  }

  std::size_t open = arg.begin;
  while (!is_punct((*arg.tokens)[open], '(')) ++open;
  std::size_t close = std::min(matching(*arg.tokens, open), arg.end);
  std::vector<Span> inner = split_args(*arg.tokens, open + 1, close);
  const std::string& function = t[0]->text;
  if (inner.empty()) return std::nullopt;
  if (function == "platform" || function == "enforcedPlatform" || function == "testFixtures") {
    return notation(inner[0], depth + 1);
  }
  if (function == "kotlin") {  // kotlin("stdlib"[, "1.9.0"])
    auto module = inner[0].significant();
    if (module.empty() || module[0]->kind != Kind::string) return std::nullopt;
    Module m{"org.jetbrains.kotlin:kotlin-" + module[0]->text, ""};
    if (inner.size() > 1) {
      auto version = inner[1].significant();
      if (!version.empty() && version[0]->kind == Kind::string) m.version = version[0]->text;
    }
    return m;
  }
  return std::nullopt;  // project(":core"), files(...), fileTree(...), gradleApi(), ...
}

// test*, *Test* (androidTestImplementation), and anything declared under a
// test source set are test; compile-only, provided (war plugin),
// annotation processors, kapt/ksp and buildscript classpath are build; developmentOnly is dev; the rest
// (implementation, api, runtimeOnly, debugImplementation, ...) runtime.
std::string_view scope_of_configuration(std::string_view config, bool test_context) {
  std::string c = ascii_lower(config);
  if (c.starts_with("test") || config.find("Test") != std::string_view::npos || test_context) return kTest;
  if (c.find("compileonly") != std::string::npos || c.find("annotationprocessor") != std::string::npos ||
      c.starts_with("provided") || c.starts_with("kapt") || c.starts_with("ksp") || c == "classpath") {
    return kBuild;
  }
  if (c == "developmentonly") return kDev;
  return kRuntime;
}

bool is_keyword(std::string_view s) {
  for (std::string_view k : {"if", "else", "for", "while", "when", "return", "val", "var", "def", "try", "catch"}) {
    if (s == k) return true;
  }
  return false;
}

// A source set or test suite whose name says test: test, commonTest,
// integrationTest, "jvmTest".
bool names_test(const Token& t) {
  if (t.kind != Kind::ident && t.kind != Kind::string) return false;
  return t.text == "test" || t.text.ends_with("Test");
}

class Reader {
 public:
  Reader(const std::vector<Token>& tokens, DependencyList& deps) : tokens_(tokens), deps_(deps) {}

  Result<> run(std::string_view path) {
    std::size_t statement = 0;  // first token of the current statement
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      if (t.kind == Kind::newline || is_punct(t, ';')) {
        statement = i + 1;
      } else if (is_punct(t, '{')) {
        open_block(statement, i);
        statement = i + 1;
      } else if (is_punct(t, '}')) {
        if (frames_.empty()) return malformed_at(path, t.line, "'}' without a block to close");
        frames_.pop_back();
        statement = i + 1;
      } else if (i == statement && !frames_.empty() && frames_.back().dependencies) {
        std::size_t next = declaration(i);
        if (next > i + 1) i = next - 1;
      }
    }
    if (!frames_.empty()) return malformed_at(path, frames_.back().line, "'{' is not closed");
    return {};
  }

 private:
  struct Frame {
    bool dependencies;  // statements directly inside declare dependencies
    bool test;          // inside a test source set or suite
    std::size_t line;
  };

  void open_block(std::size_t statement, std::size_t brace) {
    bool parent_deps = !frames_.empty() && frames_.back().dependencies;
    bool test = !frames_.empty() && frames_.back().test;
    const Token* last = nullptr;
    for (std::size_t k = statement; k < brace; ++k) {
      if (tokens_[k].kind == Kind::newline) continue;
      test = test || names_test(tokens_[k]);
      last = &tokens_[k];
    }
    bool deps = last && last->kind == Kind::ident && last->text == "dependencies";
    // if/else inside a dependencies block still declares dependencies.
    const Token& first = tokens_[std::min(statement, brace)];
    bool branch = first.kind == Kind::ident && (first.text == "if" || first.text == "else");
    frames_.push_back({deps || (parent_deps && branch), test, tokens_[brace].line});
  }

  // Reads the statement at `start` as a declaration when it is one; returns
  // the index after what it read.
  std::size_t declaration(std::size_t start) {
    const Token& head = tokens_[start];
    if (head.kind != Kind::ident && head.kind != Kind::string) return start + 1;
    if (head.kind == Kind::ident && is_keyword(head.text)) return start + 1;
    std::string config = head.text;
    std::size_t j = start + 1;
    if (j >= tokens_.size()) return j;

    std::vector<Span> args;
    std::size_t next;
    if (is_punct(tokens_[j], '(')) {
      std::size_t close = matching(tokens_, j);
      args = split_args(tokens_, j + 1, close);
      next = std::min(close + 1, tokens_.size());
    } else {
      // Groovy's command form: implementation 'g:a:v', 'g:b:v'
      if (head.kind != Kind::ident) return start + 1;
      const Token& first = tokens_[j];
      if (first.kind != Kind::string && first.kind != Kind::ident) return start + 1;
      if (j + 1 < tokens_.size() && first.kind == Kind::ident && is_punct(tokens_[j + 1], '=')) return start + 1;
      std::size_t k = j;
      int depth = 0;
      for (; k < tokens_.size(); ++k) {
        const Token& t = tokens_[k];
        if (is_punct(t, '(') || is_punct(t, '[')) ++depth;
        if (is_punct(t, ')') || is_punct(t, ']')) --depth;
        if (depth > 0) continue;
        if (depth < 0 || is_punct(t, ';') || is_punct(t, '{') || is_punct(t, '}')) break;
        if (t.kind == Kind::newline && !(k > j && is_punct(tokens_[k - 1], ','))) break;
      }
      args = split_args(tokens_, j, k);
      next = k;
    }
    // add("implementation", "g:a:v")
    if (config == "add" && !args.empty()) {
      auto first = args.front().significant();
      if (first.size() == 1 && first[0]->kind == Kind::string) {
        config = first[0]->text;
        args.erase(args.begin());
      }
    }
    record(config, args);
    return next;
  }

  void record(std::string_view config, const std::vector<Span>& args) {
    std::string_view scope = scope_of_configuration(config, frames_.back().test);
    std::string group, name, version;
    for (const auto& arg : args) {
      auto t = arg.significant();
      bool named = t.size() >= 3 && t[0]->kind == Kind::ident && (is_punct(*t[1], ':') || is_punct(*t[1], '='));
      if (named) {
        std::string value = t[2]->kind == Kind::string || t[2]->kind == Kind::ident ? t[2]->text : "";
        if (t[0]->text == "group") group = value;
        if (t[0]->text == "name") name = value;
        if (t[0]->text == "version") version = value;
        continue;
      }
      if (auto module = notation(arg)) deps_.add(module->name, module->version, scope);
    }
    if (!name.empty()) deps_.add(group.empty() ? name : group + ":" + name, version, scope);
  }

  const std::vector<Token>& tokens_;
  DependencyList& deps_;
  std::vector<Frame> frames_;
};

}  // namespace

Parsed parse_gradle(std::string_view path, std::string_view content) {
  auto tokens = Lexer(path, content).run();
  if (!tokens) return tokens.error();
  DependencyList deps(path, "gradle");
  auto r = Reader(*tokens, deps).run(path);
  if (!r) return r.error();
  return deps.take();
}

}  // namespace devagent::code::manifests
