#include "memory/entities.h"

#include "core/text.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace devagent::memory {
namespace {

const std::unordered_set<std::string>& languages() {
  static const std::unordered_set<std::string> set = {
      "c", "c++", "cpp", "c#", "csharp", "go", "golang", "rust", "python", "java", "kotlin", "swift",
      "javascript", "typescript", "ruby", "php", "scala", "haskell", "elixir", "erlang", "clojure", "lua",
      "perl", "r", "julia", "dart", "zig", "nim", "ocaml", "fsharp", "f#", "shell", "bash", "sql", "html",
      "css", "cmake", "makefile", "terraform", "yaml", "toml", "json", "markdown", "objective-c", "groovy"};
  return set;
}

std::string canonical_language(std::string l) {
  if (l == "cpp") return "c++";
  if (l == "csharp") return "c#";
  if (l == "golang") return "go";
  if (l == "fsharp") return "f#";
  return l;
}

// Words that name a package when followed by a name: "the tokio crate",
// "package lodash", "library serde".
const std::unordered_set<std::string>& package_words() {
  static const std::unordered_set<std::string> set = {"package", "packages", "crate", "crates", "library",
                                                      "libraries", "lib", "module", "gem", "dependency",
                                                      "dependencies", "framework", "npm", "pip", "cargo"};
  return set;
}

const std::unordered_set<std::string>& common_words() {
  static const std::unordered_set<std::string> set = {
      "the", "a", "an", "this", "that", "our", "my", "your", "its", "their", "is", "are", "was", "in",
      "on", "of", "to", "and", "or", "for", "with", "we", "it", "version", "latest", "new", "old", "which"};
  return set;
}

bool has_code_extension(std::string_view path) {
  static const std::unordered_set<std::string> ext = {
      "c", "cc", "cpp", "cxx", "h", "hh", "hpp", "hxx", "py", "rs", "go", "java", "kt", "js", "jsx", "ts",
      "tsx", "rb", "php", "cs", "swift", "scala", "md", "txt", "json", "yaml", "yml", "toml", "xml", "html",
      "css", "scss", "sh", "sql", "lock", "cmake", "mk", "ini", "cfg", "conf", "proto", "gradle", "lua",
      "dart", "ex", "exs", "zig", "vue", "svelte", "mjs", "cjs"};
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return false;
  return ext.count(ascii_lower(path.substr(dot + 1))) > 0;
}

bool looks_like_dir(std::string_view first) {
  static const std::unordered_set<std::string> dirs = {
      "src", "lib", "include", "test", "tests", "docs", "doc", "bin", "build", "scripts", "web", "app",
      "cmd", "pkg", "internal", "config", "deploy", "examples", "tools", "bench", "vendor", "third_party",
      "usr", "etc", "var", "home", "tmp", "opt", "node_modules", "dist", "assets", "static", "api", "v1"};
  return dirs.count(ascii_lower(first)) > 0;
}

}  // namespace

std::vector<std::string> extract_entities(std::string_view text) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string e) {
    if (seen.insert(e).second) out.push_back(std::move(e));
  };
  std::string rest_text(text);

  // URLs first; their text is then blanked so its pieces are not read again.
  static const RE2 url(R"((https?://[^\s<>"'`)\]]+))");
  {
    re2::StringPiece input(rest_text);
    std::string match;
    while (RE2::FindAndConsume(&input, url, &match)) {
      while (!match.empty() && (match.back() == '.' || match.back() == ',')) match.pop_back();
      add("url:" + match);
    }
    RE2::GlobalReplace(&rest_text, url, " ");
  }

  // Tokens: words with inner / . - _ : # @ kept together.
  static const RE2 token(R"(([@A-Za-z0-9_][A-Za-z0-9_./#+:@-]*[A-Za-z0-9_+#]|[@A-Za-z0-9_]))");
  std::vector<std::string> tokens;
  {
    re2::StringPiece input(rest_text);
    std::string t;
    while (RE2::FindAndConsume(&input, token, &t)) tokens.push_back(t);
  }
  // Backticked spans are code: symbols or paths.
  static const RE2 backticked("`([^`\\s]{1,120})`");
  std::unordered_set<std::string> code_spans;
  {
    re2::StringPiece input(rest_text);
    std::string t;
    while (RE2::FindAndConsume(&input, backticked, &t)) code_spans.insert(t);
  }

  static const RE2 repo(R"([A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})");
  static const RE2 call(R"([A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*)");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    std::string l = ascii_lower(t);
    if (t.size() > 1 && t[0] == '@' && std::isalnum(static_cast<unsigned char>(t[1])) && t.find('/') == std::string::npos) {
      add("person:" + l);
      continue;
    }
    auto slashes = std::count(t.begin(), t.end(), '/');
    if (slashes > 0) {
      auto first = t.substr(0, t.find('/'));
      if (slashes == 1 && !has_code_extension(t) && !looks_like_dir(first) && RE2::FullMatch(t, repo)) {
        add("repo:" + l);
      } else {
        add("file:" + t);
      }
      continue;
    }
    if (has_code_extension(t) && t.find('.') != 0 && t.size() > 3) {
      add("file:" + t);
      continue;
    }
    if (languages().count(l)) {
      // "C", "R" and "Go" are languages only when written as names.
      bool ambiguous = l == "c" || l == "r" || l == "go";
      if (!ambiguous || t == "C" || t == "R" || t == "Go") {
        add("language:" + canonical_language(l));
        continue;
      }
    }
    if (package_words().count(l)) {
      // "crate tokio", "package lodash" — the name after the word …
      if (i + 1 < tokens.size() && !common_words().count(ascii_lower(tokens[i + 1])) && !package_words().count(ascii_lower(tokens[i + 1]))) {
        add("package:" + ascii_lower(tokens[i + 1]));
      }
      // … or before it: "the tokio crate".
      if (i > 0 && !common_words().count(ascii_lower(tokens[i - 1])) && !package_words().count(ascii_lower(tokens[i - 1]))) {
        add("package:" + ascii_lower(tokens[i - 1]));
      }
      continue;
    }
    bool code = code_spans.count(t) > 0;
    bool snake = t.find('_') != std::string::npos && t.find_first_not_of('_') != std::string::npos;
    bool camel = false;
    for (std::size_t k = 1; k < t.size(); ++k) {
      if (std::islower(static_cast<unsigned char>(t[k - 1])) && std::isupper(static_cast<unsigned char>(t[k]))) camel = true;
    }
    bool scoped = t.find("::") != std::string::npos;
    if ((code || snake || camel || scoped) && RE2::FullMatch(t, call)) add("symbol:" + t);
  }
  // "parse_config()" style calls: the token regex drops the parentheses, so
  // look for "name(" in the raw text too.
  static const RE2 called(R"(([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)\(\))");
  {
    re2::StringPiece input(rest_text);
    std::string name;
    while (RE2::FindAndConsume(&input, called, &name)) add("symbol:" + name);
  }
  return out;
}

std::vector<std::string> entity_keys(std::string_view entity) {
  std::vector<std::string> keys;
  std::string e(entity);
  keys.push_back(ascii_lower(e));
  auto colon = e.find(':');
  if (colon == std::string::npos) return keys;
  std::string type = e.substr(0, colon);
  std::string value = ascii_lower(e.substr(colon + 1));
  keys.push_back(value);
  if (type == "repo") {
    auto slash = value.find('/');
    keys.push_back(value.substr(slash + 1));
    keys.push_back(value.substr(0, slash));
  } else if (type == "file") {
    auto slash = value.rfind('/');
    if (slash != std::string::npos) keys.push_back(value.substr(slash + 1));
  } else if (type == "person" && !value.empty() && value[0] == '@') {
    keys.push_back(value.substr(1));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace devagent::memory
