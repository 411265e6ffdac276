// go.mod (Go modules). Ecosystem "go".
#include "code/manifests_parsers.h"

namespace devagent::code::manifests {

namespace {

// The tokens of one go.mod line: bare words, "quoted" and `raw` strings,
// and parentheses; a // comment ends the line.
Result<std::vector<std::string>> split_line(std::string_view path, std::size_t number, std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (text.substr(i, 2) == "//") {
      break;
    } else if (c == '"' || c == '`') {
      std::string token;
      std::size_t j = i + 1;
      while (j < text.size() && text[j] != c) {
        if (c == '"' && text[j] == '\\' && j + 1 < text.size()) ++j;
        token += text[j++];
      }
      if (j >= text.size()) return malformed_at(path, number, "unterminated string");
      tokens.push_back(std::move(token));
      i = j + 1;
    } else if (c == '(' || c == ')') {
      tokens.emplace_back(1, c);
      ++i;
    } else {
      std::size_t j = i;
      while (j < text.size() && std::string_view(" \t\r()\"`").find(text[j]) == std::string_view::npos &&
             text.substr(j, 2) != "//") {
        ++j;
      }
      tokens.emplace_back(text.substr(i, j - i));
      i = j;
    }
  }
  return tokens;
}

}  // namespace

// require lines and blocks; every requirement is runtime, including the
// ones marked // indirect (model.h's scopes have no "indirect": they are
// versions the module's build needs, which go.mod records since Go 1.17).
// module, go, toolchain, replace, exclude, retract, tool and godebug are
// not dependencies and are skipped, block form included.
Parsed parse_go_mod(std::string_view path, std::string_view content) {
  DependencyList deps(path, "go");
  std::string block;  // the directive of the open ( block, if any
  std::size_t block_line = 0;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    auto split = split_line(path, ++number, content.substr(pos, end - pos));
    pos = end + 1;
    if (!split) return split.error();
    const auto& tokens = *split;
    if (tokens.empty()) continue;

    std::vector<std::string> requirement;
    if (!block.empty()) {
      if (tokens[0] == ")") {
        if (tokens.size() > 1) return malformed_at(path, number, "unexpected text after ')'");
        block.clear();
        continue;
      }
      if (block != "require") continue;
      requirement = tokens;
    } else {
      if (tokens[0] == ")") return malformed_at(path, number, "')' without a block to close");
      if (tokens.size() >= 2 && tokens[1] == "(") {
        if (tokens.size() == 3 && tokens[2] == ")") continue;  // require ()
        if (tokens.size() > 2) return malformed_at(path, number, "unexpected text after '('");
        block = tokens[0];
        block_line = number;
        continue;
      }
      if (tokens[0] != "require") continue;
      requirement.assign(tokens.begin() + 1, tokens.end());
    }
    if (requirement.size() != 2) {
      return malformed_at(path, number, "a requirement is a module path and a version");
    }
    deps.add(requirement[0], requirement[1], kRuntime);
  }
  if (!block.empty()) return malformed_at(path, block_line, block + " block is not closed with ')'");
  return deps.take();
}

}  // namespace devagent::code::manifests
