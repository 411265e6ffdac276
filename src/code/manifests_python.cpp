// Python: requirements files (pip), pyproject.toml (PEP 621, PEP 735
// dependency groups, PEP 518 build requirements, Poetry, PDM, uv) and
// Pipfile (Pipenv). Ecosystem "pypi".
#include "code/manifests_parsers.h"
#include "core/text.h"

#include <cctype>
#include <optional>

namespace devagent::code::manifests {

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

// A PEP 508 dependency specifier: the name (extras left out) and the
// version specifiers, or the URL of `name @ url`; environment markers are
// dropped. nullopt when the text is not a specifier.
struct Requirement {
  std::string name;
  std::string constraint;
};

std::optional<Requirement> parse_pep508(std::string_view text) {
  text = trim(text);
  std::size_t i = 0;
  if (text.empty() || !std::isalnum(static_cast<unsigned char>(text[0]))) return std::nullopt;
  while (i < text.size() && is_name_char(text[i])) ++i;
  Requirement req{std::string(text.substr(0, i)), {}};
  std::string_view rest = trim(text.substr(i));
  if (rest.starts_with('[')) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    rest = trim(rest.substr(close + 1));
  }
  if (rest.starts_with('@')) {
    // The marker of a URL requirement must follow whitespace: URLs may hold ';'.
    std::string_view url = trim(rest.substr(1));
    std::size_t marker = url.find_first_of(" \t");
    if (marker != std::string_view::npos) {
      if (!trim(url.substr(marker)).starts_with(';')) return std::nullopt;
      url = url.substr(0, marker);
    }
    if (url.empty()) return std::nullopt;
    req.constraint = std::string(url);
    return req;
  }
  std::string_view spec = trim(rest.substr(0, rest.find(';')));
  if (spec.starts_with('(')) {
    if (!spec.ends_with(')')) return std::nullopt;
    spec = trim(spec.substr(1, spec.size() - 2));
  }
  if (!spec.empty() && std::string_view("<>=!~").find(spec[0]) == std::string_view::npos) return std::nullopt;
  req.constraint = std::string(spec);
  return req;
}

// test, tests, testing: the test scope; any other dev group (lint, docs,
// typing, dev) is dev.
std::string_view scope_of_group(std::string_view group) {
  std::string g = ascii_lower(group);
  return g == "test" || g == "tests" || g == "testing" ? kTest : kDev;
}

// The scope a requirements file's name implies: requirements-test.txt,
// test-requirements.txt are test; requirements-dev.txt, docs/requirements.txt,
// requirements/lint.txt are dev; anything else is runtime.
std::string_view scope_of_requirements_file(std::string_view path) {
  std::string p = ascii_lower(path);
  std::size_t slash = p.rfind('/');
  std::string file = slash == std::string::npos ? p : p.substr(slash + 1);
  std::string dirs = slash == std::string::npos ? std::string() : "/" + p.substr(0, slash) + "/";
  if (file.find("test") != std::string::npos) return kTest;
  for (std::string_view word : {"dev", "doc", "lint", "typing", "style"}) {
    if (file.find(word) != std::string::npos) return kDev;
  }
  if (dirs.find("/docs/") != std::string::npos || dirs.find("/doc/") != std::string::npos) return kDev;
  return kRuntime;
}

// A URL line: https://host/pkg.zip#egg=pkg, git+https://host/repo@v1#egg=pkg.
// `name @ url` is a PEP 508 specifier, not a URL line.
bool is_url(std::string_view s) {
  for (std::string_view prefix : {"git+", "hg+", "svn+", "bzr+", "file:"}) {
    if (s.starts_with(prefix)) return true;
  }
  std::size_t scheme = s.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view before = s.substr(0, scheme);
  return before.find_first_of(" \t@[") == std::string_view::npos;
}

// A local directory or archive: ., ./pkg, /abs, ~/x, C:\x, ${VAR}/x,
// pkg-1.0.tar.gz, pkg-1.0-py3-none-any.whl.
bool is_local_archive_or_dir(std::string_view s) {
  if (s.starts_with('.') || s.starts_with('/') || s.starts_with('~') || s.starts_with("${")) return true;
  if (s.find('\\') != std::string_view::npos) return true;
  std::string_view first = s.substr(0, s.find_first_of(" \t;"));
  for (std::string_view ext : {".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"}) {
    if (first.ends_with(ext)) return true;
  }
  return false;
}

// The project name in a URL's #egg=name fragment.
std::string egg_name(std::string_view url) {
  std::size_t egg = url.find("#egg=");
  if (egg == std::string_view::npos) egg = url.find("&egg=");
  if (egg == std::string_view::npos) return {};
  std::string_view rest = url.substr(egg + 5);
  std::size_t end = 0;
  while (end < rest.size() && is_name_char(rest[end])) ++end;
  return std::string(rest.substr(0, end));
}

// The logical lines of a requirements file: comments removed, lines ending
// in a backslash joined with the next; each with the line it starts on.
struct LogicalLine {
  std::size_t number;
  std::string text;
};

std::vector<LogicalLine> logical_lines(std::string_view content) {
  std::vector<LogicalLine> lines;
  std::string pending;
  std::size_t pending_start = 0;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos <= content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    ++number;
    pos = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    // A comment starts at a '#' at the start of a line or after whitespace.
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line = line.substr(0, i);
        break;
      }
    }
    if (pending.empty()) pending_start = number;
    bool continued = line.ends_with('\\');
    if (continued) line.remove_suffix(1);
    pending += line;
    if (continued && pos <= content.size()) {
      pending += ' ';
      continue;
    }
    lines.push_back({pending_start, std::move(pending)});
    pending.clear();
  }
  return lines;
}

}  // namespace

// pip's requirements format: one PEP 508 specifier a line, plus options.
// Includes (-r, -c) are not followed: the included file is a manifest of
// its own. Index and build options are skipped, per-requirement options
// (--hash=...) are dropped, -e and URL lines count when they name the
// project (#egg=name, or `name @ url`), with the URL as the constraint;
// local paths and archives are skipped.
Parsed parse_requirements_txt(std::string_view path, std::string_view content) {
  DependencyList deps(path, "pypi");
  std::string_view scope = scope_of_requirements_file(path);
  for (const auto& line : logical_lines(content)) {
    std::string_view text = trim(line.text);
    if (text.empty()) continue;
    if (text.starts_with('-')) {
      std::string_view option = text.substr(0, text.find_first_of(" \t="));
      if (option != "-e" && option != "--editable") continue;
      std::string_view target = trim(text.substr(option.size()));
      if (target.starts_with('=')) target = trim(target.substr(1));
      std::string name = egg_name(target);
      if (!name.empty()) deps.add(name, target.substr(0, target.find('#')), scope);
      continue;
    }
    // Per-requirement options follow the specifier: pkg==1.0 --hash=sha256:...
    std::size_t options = text.find(" --");
    if (options == std::string_view::npos) options = text.find("\t--");
    if (options != std::string_view::npos) text = trim(text.substr(0, options));
    if (is_url(text)) {
      std::string name = egg_name(text);
      if (!name.empty()) deps.add(name, text.substr(0, text.find('#')), scope);
      continue;
    }
    if (is_local_archive_or_dir(text)) continue;
    auto req = parse_pep508(text);
    if (!req) {
      // dist/pkg, src/lib: a relative directory.
      if (text.substr(0, text.find_first_of(" \t;")).find('/') != std::string_view::npos) continue;
      return malformed_at(path, line.number, "invalid requirement '" + std::string(text) + "'");
    }
    deps.add(req->name, req->constraint, scope);
  }
  return deps.take();
}

namespace {

std::size_t line_of(const toml::node& node) {
  return node.source().begin.line;
}

// An array of PEP 508 strings (project.dependencies and the like). Tables
// in it ({include-group = "..."} of PEP 735) are skipped.
Result<> add_pep508_array(std::string_view path, std::string_view where, const toml::node& node, std::string_view scope,
                          DependencyList& deps) {
  const auto* array = node.as_array();
  if (!array) return malformed_at(path, line_of(node), std::string(where) + " is not an array");
  for (const auto& item : *array) {
    if (item.is_table()) continue;
    const auto* text = item.as_string();
    if (!text) return malformed_at(path, line_of(item), std::string(where) + " holds a value that is not a string");
    auto req = parse_pep508(text->get());
    if (!req) {
      return malformed_at(path, line_of(item),
                          std::string(where) + ": invalid requirement '" + std::string(text->get()) + "'");
    }
    deps.add(req->name, req->constraint, scope);
  }
  return {};
}

// A table of arrays of PEP 508 strings, one array per group or extra.
Result<> add_pep508_groups(std::string_view path, std::string_view where, const toml::node& node,
                           std::optional<std::string_view> scope, DependencyList& deps) {
  const auto* table = node.as_table();
  if (!table) return malformed_at(path, line_of(node), std::string(where) + " is not a table");
  for (const auto& [group, list] : in_file_order(*table)) {
    auto r =
        add_pep508_array(path, std::string(where) + "." + group, *list, scope ? *scope : scope_of_group(group), deps);
    if (!r) return r;
  }
  return {};
}

// A git, path or URL source without a version is pinned by its tag, rev or
// branch, when it names one.
std::string git_ref(const toml::table& spec) {
  for (std::string_view key : {"tag", "rev", "ref", "branch"}) {
    if (auto value = spec[key].value<std::string>()) return *value;
  }
  return {};
}

// One Poetry or Pipenv dependency value: "^1.2", {version = "^1.2",
// optional = true}, {git = "...", tag = "v1"}, or (Poetry) an array of
// such tables for different Python versions, whose constraints are joined
// with " || ".
struct VersionSpec {
  std::string constraint;
  bool optional = false;
};

Result<VersionSpec> version_spec(std::string_view path, std::string_view where, const toml::node& value) {
  if (const auto* text = value.as_string()) return VersionSpec{text->get(), false};
  if (const auto* table = value.as_table()) {
    VersionSpec spec;
    if (auto version = (*table)["version"].value<std::string>()) {
      spec.constraint = *version;
    } else {
      spec.constraint = git_ref(*table);
    }
    spec.optional = (*table)["optional"].value_or(false);
    return spec;
  }
  if (const auto* array = value.as_array()) {
    VersionSpec spec;
    for (const auto& item : *array) {
      auto one = version_spec(path, where, item);
      if (!one) return one.error();
      if (one->constraint.empty() || spec.constraint.find(one->constraint) != std::string::npos) continue;
      if (!spec.constraint.empty()) spec.constraint += " || ";
      spec.constraint += one->constraint;
    }
    return spec;
  }
  return malformed_at(path, line_of(value), std::string(where) + ": expected a version string or a table");
}

// A Poetry or Pipenv table of name = version-spec.
Result<> add_spec_table(std::string_view path, std::string_view where, const toml::node& node, std::string_view scope,
                        DependencyList& deps) {
  const auto* table = node.as_table();
  if (!table) return malformed_at(path, line_of(node), std::string(where) + " is not a table");
  for (const auto& [name, value] : in_file_order(*table)) {
    if (ascii_lower(name) == "python") continue;  // the interpreter, not a package
    auto spec = version_spec(path, std::string(where) + "." + name, *value);
    if (!spec) return spec.error();
    deps.add(name, spec->constraint, spec->optional && scope == kRuntime ? kOptional : scope);
  }
  return {};
}

}  // namespace

// In this order: [project] dependencies (runtime) and optional-dependencies
// (optional), [build-system] requires (build), [dependency-groups] (PEP
// 735: dev, or test for a group named test/tests/testing), Poetry's
// dependencies (runtime; optional = true is optional; python excluded),
// dev-dependencies and groups, PDM's dev-dependencies and uv's
// dev-dependencies.
Parsed parse_pyproject_toml(std::string_view path, std::string_view content) {
  auto doc = parse_toml(path, content);
  if (!doc) return doc.error();
  const toml::table& root = *doc;
  DependencyList deps(path, "pypi");
  Result<> r;
  auto pep508_array = [&](std::string_view where, const toml::node* node, std::string_view scope) {
    if (r && node) r = add_pep508_array(path, where, *node, scope, deps);
  };
  auto pep508_groups = [&](std::string_view where, const toml::node* node, std::optional<std::string_view> scope) {
    if (r && node) r = add_pep508_groups(path, where, *node, scope, deps);
  };
  auto spec_table = [&](std::string_view where, const toml::node* node, std::string_view scope) {
    if (r && node) r = add_spec_table(path, where, *node, scope, deps);
  };

  pep508_array("project.dependencies", root["project"]["dependencies"].node(), kRuntime);
  pep508_groups("project.optional-dependencies", root["project"]["optional-dependencies"].node(), kOptional);
  pep508_array("build-system.requires", root["build-system"]["requires"].node(), kBuild);
  pep508_groups("dependency-groups", root["dependency-groups"].node(), std::nullopt);

  auto poetry = root["tool"]["poetry"];
  spec_table("tool.poetry.dependencies", poetry["dependencies"].node(), kRuntime);
  spec_table("tool.poetry.dev-dependencies", poetry["dev-dependencies"].node(), kDev);
  if (const auto* groups = poetry["group"].as_table()) {
    for (const auto& [group, node] : in_file_order(*groups)) {
      const auto* table = node->as_table();
      if (!table) continue;
      std::string where = "tool.poetry.group." + group + ".dependencies";
      spec_table(where, table->get("dependencies"), scope_of_group(group));
    }
  }
  pep508_groups("tool.pdm.dev-dependencies", root["tool"]["pdm"]["dev-dependencies"].node(), std::nullopt);
  pep508_array("tool.uv.dev-dependencies", root["tool"]["uv"]["dev-dependencies"].node(), kDev);
  if (!r) return r.error();
  return deps.take();
}

// [packages] are runtime, [dev-packages] dev; "*" is no constraint; a table
// gives its version, or the tag/ref of a git source.
Parsed parse_pipfile(std::string_view path, std::string_view content) {
  auto doc = parse_toml(path, content);
  if (!doc) return doc.error();
  DependencyList deps(path, "pypi");
  for (auto [section, scope] : {std::pair{"packages", kRuntime}, std::pair{"dev-packages", kDev}}) {
    const toml::node* node = (*doc)[section].node();
    if (!node) continue;
    auto r = add_spec_table(path, section, *node, scope, deps);
    if (!r) return r.error();
  }
  return deps.take();
}

}  // namespace devagent::code::manifests
