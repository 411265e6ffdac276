// Which files are manifests, which parser reads each, and what the parsers
// share. The parsers live in manifests_<ecosystem>.cpp.
#include "code/manifests.h"

#include "code/manifests_parsers.h"
#include "core/text.h"

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace devagent::code {

namespace {

using manifests::Parsed;
using Parser = Parsed (*)(std::string_view path, std::string_view content);

// Real manifests are kilobytes; past this size a file is refused rather than
// parsed, so one hostile file cannot hold a worker for long.
constexpr std::size_t kMaxManifestBytes = 8 * 1024 * 1024;

// Installed third-party packages carry manifests of their own, which say
// nothing about the repository's dependencies.
bool in_installed_packages(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) break;  // the last component is the file
    std::string_view dir = path.substr(start, end - start);
    if (dir == "node_modules" || dir == "bower_components" || dir == "site-packages" || dir == ".git") return true;
    start = end + 1;
  }
  return false;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// requirements.txt, requirements-dev.txt, dev-requirements.txt,
// requirements/base.txt, and pip-tools' requirements.in inputs.
bool is_requirements_file(std::string_view dir, std::string_view file) {
  std::string name = ascii_lower(file);
  if (!ends_with(name, ".txt") && !ends_with(name, ".in")) return false;
  if (name.find("requirements") != std::string::npos) return true;
  std::size_t slash = dir.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? dir : dir.substr(slash + 1);
  return ascii_lower(parent) == "requirements";
}

Parser parser_for(std::string_view path) {
  if (in_installed_packages(path)) return nullptr;
  std::size_t slash = path.rfind('/');
  std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::string_view dir = slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);

  struct Named {
    std::string_view file;
    Parser parser;
  };
  static constexpr Named kByName[] = {
      {"package.json", manifests::parse_package_json},
      {"composer.json", manifests::parse_composer_json},
      {"pyproject.toml", manifests::parse_pyproject_toml},
      {"Pipfile", manifests::parse_pipfile},
      {"Cargo.toml", manifests::parse_cargo_toml},
      {"go.mod", manifests::parse_go_mod},
      {"pom.xml", manifests::parse_pom_xml},
      {"build.gradle", manifests::parse_gradle},
      {"build.gradle.kts", manifests::parse_gradle},
      {"Gemfile", manifests::parse_gemfile},
      {"gems.rb", manifests::parse_gemfile},
      {"CMakeLists.txt", manifests::parse_cmake_lists},
      {"vcpkg.json", manifests::parse_vcpkg_json},
      {"conanfile.txt", manifests::parse_conanfile_txt},
  };
  for (const auto& n : kByName) {
    if (file == n.file) return n.parser;
  }
  if (is_requirements_file(dir, file)) return manifests::parse_requirements_txt;
  return nullptr;
}

}  // namespace

bool is_manifest(std::string_view path) {
  return parser_for(path) != nullptr;
}

Result<std::vector<Dependency>> parse_manifest(std::string_view path, std::string_view content) {
  Parser parser = parser_for(path);
  if (!parser) return manifests::malformed(path, "not a manifest this module reads");
  if (content.size() > kMaxManifestBytes) {
    return manifests::malformed(
        path, "larger than " + std::to_string(kMaxManifestBytes / (1024 * 1024)) + " MiB; not read as a manifest");
  }
  return parser(path, content);
}

namespace manifests {

void DependencyList::add(std::string_view name, std::string_view constraint, std::string_view scope) {
  name = trim(name);
  constraint = trim(constraint);
  if (name.empty()) return;
  if (constraint == "*") constraint = {};
  list_.push_back(Dependency{manifest_, ecosystem_, std::string(name), std::string(constraint), std::string(scope)});
}

Error malformed(std::string_view path, std::string_view problem) {
  std::string message(path);
  message += ": ";
  message += problem;
  return make_error(ErrorKind::invalid_argument, std::move(message));
}

Error malformed_at(std::string_view path, std::size_t line, std::string_view problem) {
  std::string message(path);
  message += ":" + std::to_string(line) + ": ";
  message += problem;
  return make_error(ErrorKind::invalid_argument, std::move(message));
}

std::size_t line_at(std::string_view content, std::size_t offset) {
  offset = std::min(offset, content.size());
  return 1 + static_cast<std::size_t>(std::count(content.begin(), content.begin() + offset, '\n'));
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    auto a = static_cast<unsigned char>(s[i]);
    auto b = static_cast<unsigned char>(prefix[i]);
    if (std::tolower(a) != std::tolower(b)) return false;
  }
  return true;
}

Result<boost::json::object> parse_json_object(std::string_view path, std::string_view content) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(content.data(), content.size(), ec);
  if (!ec && consumed < content.size()) ec = boost::json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) return malformed_at(path, line_at(content, consumed), "invalid JSON: " + ec.message());
  boost::json::value value = parser.release();
  if (!value.is_object()) return malformed(path, "the top level is not a JSON object");
  return std::move(value.get_object());
}

namespace {

// toml++ builds and destroys nested tables recursively, so a key such as
// a.a.a.(...).a with a few hundred thousand parts overflows the stack. A
// key or table header lies on one line, so the dots on a line (outside
// strings and comments) bound how deep one line can nest.
constexpr std::size_t kMaxDotsPerLine = 1000;

std::optional<std::size_t> line_with_too_many_dots(std::string_view text) {
  enum class State { code, comment, basic, literal, multi_basic, multi_literal };
  State state = State::code;
  std::size_t dots = 0;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      dots = 0;
      if (state == State::comment || state == State::basic || state == State::literal) state = State::code;
      continue;
    }
    switch (state) {
      case State::comment:
        break;
      case State::code:
        if (c == '#') {
          state = State::comment;
        } else if (c == '"') {
          bool triple = text.substr(i, 3) == "\"\"\"";
          state = triple ? State::multi_basic : State::basic;
          if (triple) i += 2;
        } else if (c == '\'') {
          bool triple = text.substr(i, 3) == "'''";
          state = triple ? State::multi_literal : State::literal;
          if (triple) i += 2;
        } else if (c == '.' && ++dots > kMaxDotsPerLine) {
          return line;
        }
        break;
      case State::basic:
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          state = State::code;
        }
        break;
      case State::literal:
        if (c == '\'') state = State::code;
        break;
      case State::multi_basic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          ++i;
        } else if (text.substr(i, 3) == "\"\"\"") {
          state = State::code;
          i += 2;
        }
        break;
      case State::multi_literal:
        if (text.substr(i, 3) == "'''") {
          state = State::code;
          i += 2;
        }
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<toml::table> parse_toml(std::string_view path, std::string_view content) {
  if (auto line = line_with_too_many_dots(content)) {
    return malformed_at(path, *line, "keys nest deeper than " + std::to_string(kMaxDotsPerLine) + " levels");
  }
  try {
    return toml::parse(content, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream problem;
    problem << "invalid TOML: " << e.description();
    return malformed_at(path, e.source().begin.line, problem.str());
  }
}

std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  entries.reserve(table.size());
  for (const auto& [key, node] : table) entries.emplace_back(std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.second->source().begin;
    const auto& pb = b.second->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return entries;
}

}  // namespace manifests
}  // namespace devagent::code
