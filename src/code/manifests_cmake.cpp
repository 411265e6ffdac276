// CMakeLists.txt. Ecosystem "cmake". Other *.cmake files are not read:
// most are find modules, package config files or toolchain files, which
// describe how to find something rather than what the project needs.
//
// The file is split into command invocations the way CMake does (quoted,
// bracket and unquoted arguments, line and bracket comments); variables are
// not expanded, so a constraint may read "${FMT_VERSION}". Read:
//   find_package(Name [version] ... [REQUIRED] ...)
//   pkg_check_modules(PREFIX [REQUIRED] ... module[>=version] ...), and
//   pkg_search_module the same way
//   FetchContent_Declare(name GIT_REPOSITORY url GIT_TAG tag | URL url ...)
//   CPMAddPackage / CPMFindPackage / CPMDeclarePackage, shorthand
//   ("gh:fmtlib/fmt#10.2.1") or named (NAME, VERSION, GIT_TAG, ...)
// Scopes: inside if() blocks whose condition names tests (BUILD_TESTING,
// ENABLE_TESTS, ...) everything is test; otherwise find_package and
// pkg-config modules are runtime when REQUIRED and optional when not, and
// fetched sources are runtime.
#include "code/manifests_parsers.h"
#include "core/text.h"

#include <cctype>
#include <optional>

namespace devagent::code::manifests {

namespace {

struct Command {
  std::string name;  // lower case
  std::vector<std::string> args;
  std::size_t line;
};

class Lexer {
 public:
  Lexer(std::string_view path, std::string_view text) : path_(path), text_(text) {}

  Result<std::vector<Command>> run() {
    std::vector<Command> commands;
    while (true) {
      auto r = skip_space_and_comments();
      if (!r) return r.error();
      if (pos_ >= text_.size()) break;
      char c = text_[pos_];
      if (!std::isalpha(static_cast<unsigned char>(c)) && c != '_') {
        return malformed_at(path_, line_, "unexpected character '" + std::string(1, c) + "'");
      }
      Command command;
      command.line = line_;
      std::size_t end = pos_;
      while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) ++end;
      command.name = ascii_lower(text_.substr(pos_, end - pos_));
      pos_ = end;
      while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
      if (pos_ >= text_.size() || text_[pos_] != '(') {
        return malformed_at(path_, line_, "expected '(' after " + command.name);
      }
      ++pos_;
      auto args = arguments(command.line);
      if (!args) return args.error();
      command.args = std::move(*args);
      commands.push_back(std::move(command));
    }
    return commands;
  }

 private:
  void advance() {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }

  // [[...]], [=[...]=], ...: the number of '=' in the opening, when pos_
  // is at one.
  std::optional<std::size_t> bracket_open() const {
    if (pos_ >= text_.size() || text_[pos_] != '[') return std::nullopt;
    std::size_t i = pos_ + 1;
    while (i < text_.size() && text_[i] == '=') ++i;
    if (i < text_.size() && text_[i] == '[') return i - pos_ - 1;
    return std::nullopt;
  }

  Result<std::string> bracket(std::size_t equals, std::string_view what) {
    std::size_t start_line = line_;
    pos_ += equals + 2;
    std::string close = "]" + std::string(equals, '=') + "]";
    std::size_t end = text_.find(close, pos_);
    if (end == std::string_view::npos) return malformed_at(path_, start_line, "unterminated " + std::string(what));
    std::string value(text_.substr(pos_, end - pos_));
    while (pos_ < end + close.size()) advance();
    return value;
  }

  Result<> comment() {
    ++pos_;  // '#'
    if (auto equals = bracket_open()) {
      auto r = bracket(*equals, "bracket comment");
      if (!r) return r.error();
      return {};
    }
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    return {};
  }

  Result<> skip_space_and_comments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#') {
        auto r = comment();
        if (!r) return r;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        advance();
      } else {
        break;
      }
    }
    return {};
  }

  Result<std::vector<std::string>> arguments(std::size_t command_line) {
    std::vector<std::string> args;
    int depth = 1;
    while (true) {
      auto r = skip_space_and_comments();
      if (!r) return r.error();
      if (pos_ >= text_.size()) return malformed_at(path_, command_line, "')' missing at the end of the command");
      char c = text_[pos_];
      if (c == '(') {
        ++depth;
        ++pos_;
      } else if (c == ')') {
        ++pos_;
        if (--depth == 0) return args;
      } else if (c == '"') {
        auto arg = quoted();
        if (!arg) return arg.error();
        args.push_back(std::move(*arg));
      } else if (auto equals = bracket_open()) {
        auto arg = bracket(*equals, "bracket argument");
        if (!arg) return arg.error();
        args.push_back(std::move(*arg));
      } else {
        args.push_back(unquoted());
      }
    }
  }

  Result<std::string> quoted() {
    std::size_t start_line = line_;
    ++pos_;
    std::string value;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return value;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        value += c;
        advance();
        c = text_[pos_];
      }
      value += c;
      advance();
    }
    return malformed_at(path_, start_line, "unterminated quoted argument");
  }

  std::string unquoted() {
    std::string value;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ')' || c == '#' || c == '"') break;
      if (c == '\\' && pos_ + 1 < text_.size()) value += text_[pos_++];
      value += text_[pos_];
      advance();
    }
    return value;
  }

  std::string_view path_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

// BUILD_TESTING, ENABLE_TESTS, MYLIB_BUILD_TESTS, GTest_FOUND; not LATEST.
bool mentions_tests(const std::vector<std::string>& condition) {
  for (const auto& arg : condition) {
    std::string a = ascii_lower(arg);
    for (std::size_t at = a.find("test"); at != std::string::npos; at = a.find("test", at + 1)) {
      if (at < 2 || a.compare(at - 2, 2, "la") != 0) return true;
    }
  }
  return false;
}

// The if/elseif/else branches enclosing a command.
class Branches {
 public:
  void enter(const std::vector<std::string>& condition) { frames_.push_back(evaluate(condition)); }
  void elseif(const std::vector<std::string>& condition) {
    if (!frames_.empty()) frames_.back() = evaluate(condition);
  }
  void otherwise() {
    if (frames_.empty()) return;
    // The else of if(NOT BUILD_TESTING) is the test branch, and the reverse.
    Frame& f = frames_.back();
    f.test = f.names_tests && f.negated;
  }
  void leave() {
    if (!frames_.empty()) frames_.pop_back();
  }
  bool in_tests() const {
    for (const auto& f : frames_) {
      if (f.test) return true;
    }
    return false;
  }

 private:
  struct Frame {
    bool names_tests;
    bool negated;
    bool test;
  };
  static Frame evaluate(const std::vector<std::string>& condition) {
    bool names = mentions_tests(condition);
    bool negated = !condition.empty() && condition.front() == "NOT";
    return {names, negated, names && !negated};
  }
  std::vector<Frame> frames_;
};

bool has(const std::vector<std::string>& args, std::string_view word) {
  for (const auto& a : args) {
    if (a == word) return true;
  }
  return false;
}

// The value after a keyword argument (GIT_TAG v1), or "".
std::string value_after(const std::vector<std::string>& args, std::string_view keyword) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == keyword) return args[i + 1];
  }
  return {};
}

void find_package(const Command& c, bool in_tests, DependencyList& deps) {
  if (c.args.empty()) return;
  std::string version;
  if (c.args.size() > 1) {
    const std::string& second = c.args[1];
    if (!second.empty() && (std::isdigit(static_cast<unsigned char>(second[0])) || second.starts_with("${"))) {
      version = second;
    }
  }
  std::string_view scope = in_tests ? kTest : has(c.args, "REQUIRED") ? kRuntime : kOptional;
  deps.add(c.args[0], version, scope);
}

void pkg_config_modules(const Command& c, bool in_tests, DependencyList& deps) {
  static constexpr std::string_view kKeywords[] = {
      "REQUIRED", "QUIET", "NO_CMAKE_PATH", "NO_CMAKE_ENVIRONMENT_PATH", "IMPORTED_TARGET", "GLOBAL"};
  std::string_view scope = in_tests ? kTest : has(c.args, "REQUIRED") ? kRuntime : kOptional;
  for (std::size_t i = 1; i < c.args.size(); ++i) {  // args[0] is the variable prefix
    std::string_view spec = c.args[i];
    bool keyword = false;
    for (auto k : kKeywords) keyword = keyword || spec == k;
    if (keyword) continue;
    std::size_t op = spec.find_first_of("<>=");
    deps.add(spec.substr(0, op), op == std::string_view::npos ? std::string_view{} : spec.substr(op), scope);
  }
}

void fetch_content(const Command& c, bool in_tests, DependencyList& deps) {
  if (c.args.empty()) return;
  std::string pin;
  for (std::string_view keyword : {"GIT_TAG", "URL", "SVN_REVISION", "HG_TAG"}) {
    pin = value_after(c.args, keyword);
    if (!pin.empty()) break;
  }
  deps.add(c.args[0], pin, in_tests ? kTest : kRuntime);
}

// The repository's name: fmtlib/fmt -> fmt, https://host/x/json.git -> json.
std::string repository_name(std::string_view repo) {
  while (repo.ends_with('/')) repo.remove_suffix(1);
  if (repo.ends_with(".git")) repo.remove_suffix(4);
  std::size_t cut = repo.find_last_of("/:");
  return std::string(cut == std::string_view::npos ? repo : repo.substr(cut + 1));
}

void cpm_package(const Command& c, bool in_tests, DependencyList& deps) {
  if (c.args.empty()) return;
  std::string_view scope = in_tests ? kTest : kRuntime;
  if (c.args.size() == 1) {  // "gh:fmtlib/fmt#10.2.1", "gh:nlohmann/json@3.11.3"
    std::string_view spec = c.args[0];
    std::string tag, version;
    if (std::size_t hash = spec.find('#'); hash != std::string_view::npos) {
      tag = spec.substr(hash + 1);
      spec = spec.substr(0, hash);
    }
    std::size_t slash = spec.rfind('/');
    std::size_t at = spec.rfind('@');
    if (at != std::string_view::npos && (slash == std::string_view::npos || at > slash)) {
      version = spec.substr(at + 1);
      spec = spec.substr(0, at);
    }
    for (std::string_view provider : {"gh:", "gl:", "bb:"}) {
      if (spec.starts_with(provider)) spec.remove_prefix(provider.size());
    }
    deps.add(repository_name(spec), version.empty() ? tag : version, scope);
    return;
  }
  std::string name = value_after(c.args, "NAME");
  if (name.empty()) {
    for (std::string_view keyword : {"GITHUB_REPOSITORY", "GITLAB_REPOSITORY", "GIT_REPOSITORY", "URL"}) {
      std::string repo = value_after(c.args, keyword);
      if (!repo.empty()) {
        name = repository_name(repo);
        break;
      }
    }
  }
  std::string version = value_after(c.args, "VERSION");
  deps.add(name, version.empty() ? value_after(c.args, "GIT_TAG") : version, scope);
}

}  // namespace

Parsed parse_cmake_lists(std::string_view path, std::string_view content) {
  auto commands = Lexer(path, content).run();
  if (!commands) return commands.error();
  DependencyList deps(path, "cmake");
  Branches branches;
  for (const auto& c : *commands) {
    if (c.name == "if") {
      branches.enter(c.args);
    } else if (c.name == "elseif") {
      branches.elseif(c.args);
    } else if (c.name == "else") {
      branches.otherwise();
    } else if (c.name == "endif") {
      branches.leave();
    } else if (c.name == "find_package") {
      find_package(c, branches.in_tests(), deps);
    } else if (c.name == "pkg_check_modules" || c.name == "pkg_search_module") {
      pkg_config_modules(c, branches.in_tests(), deps);
    } else if (c.name == "fetchcontent_declare") {
      fetch_content(c, branches.in_tests(), deps);
    } else if (c.name == "cpmaddpackage" || c.name == "cpmfindpackage" || c.name == "cpmdeclarepackage") {
      cpm_package(c, branches.in_tests(), deps);
    }
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
