// analyzeRepository for a GitHub repository (contract in remote_analysis.h):
// the repository first (its failure is the analysis's failure), then the
// languages, the top-level listing, the README and the SBOM at once, each
// allowed to fail on its own.
#include "github/remote_analysis.h"

#include "core/json.h"
#include "core/text.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

namespace devagent::github {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::size_t kMaxParagraphChars = 500;
constexpr std::size_t kMaxDependencies = 2000;

const std::vector<std::string>& aspect_names() {
  static const std::vector<std::string> a = {"languages", "structure", "dependencies", "symbols", "history", "summary"};
  return a;
}

// ------------------------------------------------------------------ text

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::string_view(" \t\r\n").find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && std::string_view(" \t\r\n").find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// "20,000"
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::optional<std::string> decode_base64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string strip_tags(std::string_view s) {
  std::string out;
  bool in_tag = false;
  for (char c : s) {
    if (c == '<')
      in_tag = true;
    else if (c == '>' && in_tag)
      in_tag = false;
    else if (!in_tag)
      out += c;
  }
  return std::string(trim(out));
}

bool is_underline(std::string_view t) {
  return t.size() >= 3 &&
         (t.find_first_not_of('=') == std::string_view::npos || t.find_first_not_of('-') == std::string_view::npos ||
          t.find_first_not_of('~') == std::string_view::npos);
}

// Lines that are not prose: markup, badges, images, lists, tables, quotes.
bool is_markup(std::string_view t) {
  if (t.empty()) return true;
  if (t.starts_with("#") || t.starts_with("<") || t.starts_with("![") || t.starts_with("[![") || t.starts_with("|") ||
      t.starts_with(">") || t.starts_with("```") || t.starts_with("~~~") || t.starts_with("..") ||
      t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") || t.starts_with("[!") || is_underline(t)) {
    return true;
  }
  auto dot = t.find(". ");
  return dot != std::string_view::npos && dot > 0 && dot <= 3 &&
         std::all_of(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(dot),
                     [](char c) { return c >= '0' && c <= '9'; });
}

struct ReadmeText {
  std::string title;
  std::string first_paragraph;
};

// The title (first Markdown/HTML/underlined heading) and the first prose
// paragraph after it; badges, images, HTML and code blocks are skipped.
ReadmeText summarize_readme(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(trim(text.substr(start, end - start)));
    start = end + 1;
  }
  ReadmeText out;
  std::size_t body = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = lines[i];
    if (t.empty()) continue;
    if (t.starts_with("#")) {
      auto hashes = t.find_first_not_of('#');
      out.title = hashes == std::string_view::npos ? "" : std::string(trim(t.substr(hashes)));
      while (!out.title.empty() && out.title.back() == '#') out.title.pop_back();
      out.title = std::string(trim(out.title));
      body = i + 1;
      break;
    }
    if (t.starts_with("<h1") || t.starts_with("<h2")) {
      out.title = strip_tags(t);
      if (!out.title.empty()) {
        body = i + 1;
        break;
      }
      continue;
    }
    if (i + 1 < lines.size() && is_underline(lines[i + 1]) && !is_markup(t)) {
      out.title = std::string(t);
      body = i + 2;
      break;
    }
    if (is_markup(t)) continue;
    break;  // prose before any heading: no title
  }
  bool in_code = false;
  std::string paragraph;
  for (std::size_t i = body; i < lines.size(); ++i) {
    std::string_view t = lines[i];
    if (t.starts_with("```") || t.starts_with("~~~")) {
      in_code = !in_code;
      if (!paragraph.empty()) break;
      continue;
    }
    if (in_code) continue;
    if (paragraph.empty()) {
      if (is_markup(t)) continue;
      paragraph = std::string(t);
      continue;
    }
    if (t.empty() || t.starts_with("#") || is_underline(t)) break;
    paragraph += ' ';
    paragraph += t;
  }
  if (paragraph.find('<') != std::string::npos) paragraph = strip_tags(paragraph);
  if (paragraph.size() > kMaxParagraphChars) {
    auto cut = paragraph.rfind(' ', kMaxParagraphChars);
    paragraph = paragraph.substr(0, cut == std::string::npos ? kMaxParagraphChars : cut) + "...";
  }
  out.first_paragraph = std::move(paragraph);
  if (out.title.empty() && !out.first_paragraph.empty()) {
    // A README of prose only: its first sentence names the project best.
    out.title = out.first_paragraph.substr(0, std::min<std::size_t>(out.first_paragraph.find(". "), 80));
  }
  return out;
}

// ------------------------------------------------------------- structure

std::string role_of(std::string_view lname, bool directory) {
  static const std::map<std::string, std::string, std::less<>> roles = {
      {"src", "source"},
      {"source", "source"},
      {"sources", "source"},
      {"lib", "source"},
      {"libs", "source"},
      {"app", "source"},
      {"apps", "source"},
      {"pkg", "source"},
      {"cmd", "source"},
      {"internal", "source"},
      {"include", "source"},
      {"crates", "source"},
      {"packages", "source"},
      {"test", "tests"},
      {"tests", "tests"},
      {"spec", "tests"},
      {"specs", "tests"},
      {"__tests__", "tests"},
      {"e2e", "tests"},
      {"testing", "tests"},
      {"docs", "docs"},
      {"doc", "docs"},
      {"documentation", "docs"},
      {".github", "ci"},
      {".gitlab", "ci"},
      {"ci", "ci"},
      {".circleci", "ci"},
      {".buildkite", "ci"},
      {"build", "build"},
      {"scripts", "build"},
      {"script", "build"},
      {"cmake", "build"},
      {"tools", "build"},
      {"config", "config"},
      {"configs", "config"},
      {"conf", "config"},
      {"etc", "config"},
      {".vscode", "config"},
      {".devcontainer", "config"},
      {".idea", "config"},
  };
  if (directory) {
    auto it = roles.find(lname);
    return it == roles.end() ? "" : it->second;
  }
  return "";
}

// The build system a top-level file name shows; "" when none.
std::string build_system_of(std::string_view lname) {
  static const std::map<std::string, std::string, std::less<>> by_name = {
      {"cmakelists.txt", "CMake"},
      {"meson.build", "Meson"},
      {"workspace", "Bazel"},
      {"workspace.bazel", "Bazel"},
      {"module.bazel", "Bazel"},
      {"build.bazel", "Bazel"},
      {"makefile", "Make"},
      {"gnumakefile", "Make"},
      {"configure.ac", "Autotools"},
      {"sconstruct", "SCons"},
      {"package.json", "npm"},
      {"yarn.lock", "Yarn"},
      {"pnpm-lock.yaml", "pnpm"},
      {"bun.lockb", "Bun"},
      {"deno.json", "Deno"},
      {"cargo.toml", "Cargo"},
      {"go.mod", "Go modules"},
      {"pom.xml", "Maven"},
      {"build.gradle", "Gradle"},
      {"build.gradle.kts", "Gradle"},
      {"settings.gradle", "Gradle"},
      {"settings.gradle.kts", "Gradle"},
      {"build.sbt", "sbt"},
      {"setup.py", "setuptools"},
      {"pyproject.toml", "pyproject"},
      {"gemfile", "Bundler"},
      {"composer.json", "Composer"},
      {"mix.exs", "Mix"},
      {"stack.yaml", "Stack"},
      {"package.swift", "SwiftPM"},
      {"build.zig", "Zig"},
      {"conanfile.txt", "Conan"},
      {"conanfile.py", "Conan"},
      {"vcpkg.json", "vcpkg"},
      {"dockerfile", "Docker"},
      {"containerfile", "Docker"},
  };
  auto it = by_name.find(lname);
  if (it != by_name.end()) return it->second;
  if (lname.ends_with(".cabal")) return "Cabal";
  if (lname.ends_with(".sln") || lname.ends_with(".csproj") || lname.ends_with(".fsproj")) return ".NET";
  return "";
}

bool is_ci_file(std::string_view lname) {
  static const std::set<std::string, std::less<>> names = {
      ".gitlab-ci.yml",  ".travis.yml",   "jenkinsfile", "azure-pipelines.yml",
      "appveyor.yml",    ".appveyor.yml", ".drone.yml",  "bitbucket-pipelines.yml",
      "cloudbuild.yaml", ".cirrus.yml"};
  return names.count(lname) > 0;
}

bool is_doc_file(std::string_view lname) {
  for (std::string_view stem :
       {"readme", "contributing", "changelog", "changes", "history", "news", "code_of_conduct", "security"}) {
    if (lname.starts_with(stem)) return true;
  }
  return false;
}

bool is_license_file(std::string_view lname) {
  return lname.starts_with("license") || lname.starts_with("licence") || lname.starts_with("copying");
}

json::object structure_of(const json::array& listing) {
  json::array top;
  std::vector<std::string> build_systems, test_dirs, docs, ci;
  std::string license;
  auto add = [](std::vector<std::string>& v, std::string s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
  };
  for (const auto& v : listing) {
    if (!v.is_object()) continue;
    std::string name = devagent::json::string_or(v.as_object(), "name");
    std::string type = devagent::json::string_or(v.as_object(), "type");
    if (name.empty()) continue;
    bool dir = type == "dir";
    std::string lname = ascii_lower(name);
    std::string role = role_of(lname, dir);
    if (dir) {
      if (role == "tests") add(test_dirs, name);
      if (role == "docs") add(docs, name + "/");
      if (lname == ".github" || lname == ".circleci" || lname == ".buildkite" || lname == ".gitlab")
        add(ci, name + "/");
    } else {
      add(build_systems, build_system_of(lname));
      if (is_ci_file(lname)) {
        add(ci, name);
        role = "ci";
      }
      if (is_doc_file(lname)) {
        add(docs, name);
        role = "docs";
      }
      if (license.empty() && is_license_file(lname)) license = name;
      if (!build_system_of(lname).empty()) role = "build";
    }
    top.push_back(json::object{{"name", name}, {"type", type}, {"role", role}});
  }
  auto strings = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  return json::object{{"top_level", std::move(top)},
                      {"build_systems", strings(build_systems)},
                      {"test_dirs", strings(test_dirs)},
                      {"docs", strings(docs)},
                      {"ci", strings(ci)},
                      {"license", license}};
}

// ---------------------------------------------------------- dependencies

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Purl {
  std::string type;
  std::string name;  // namespace/name ("@babel/core", "github.com/x/y"); maven "group:artifact"
  std::string version;
};

// pkg:type/namespace/name@version?qualifiers#subpath (the purl spec).
std::optional<Purl> parse_purl(std::string_view s) {
  if (!s.starts_with("pkg:")) return std::nullopt;
  s.remove_prefix(4);
  s = s.substr(0, s.find('#'));
  s = s.substr(0, s.find('?'));
  auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  Purl p;
  p.type = ascii_lower(s.substr(0, slash));
  std::string_view rest = s.substr(slash + 1);
  auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    p.version = percent_decode(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  p.name = percent_decode(rest);
  if (p.type == "maven") {
    auto last = p.name.rfind('/');
    if (last != std::string::npos) p.name[last] = ':';
  }
  return p;
}

std::string ecosystem_of(std::string_view purl_type) {
  static const std::map<std::string, std::string, std::less<>> names = {
      {"golang", "go"}, {"gem", "rubygems"}, {"githubactions", "actions"}};
  auto it = names.find(purl_type);
  return it == names.end() ? std::string(purl_type) : it->second;
}

// The SPDX packages of GitHub's SBOM, without the repository itself.
Result<json::array> dependencies_of(const json::object& document, const std::string& self) {
  auto* sbom = document.if_contains("sbom");
  auto* packages = sbom && sbom->is_object() ? sbom->as_object().if_contains("packages") : nullptr;
  if (!packages || !packages->is_array()) {
    return make_error(ErrorKind::unavailable, "GitHub sent an SBOM without the SPDX \"packages\" array");
  }
  std::set<std::string> described;
  if (auto* d = sbom->as_object().if_contains("documentDescribes"); d && d->is_array()) {
    for (const auto& id : d->as_array()) {
      if (id.is_string()) described.insert(std::string(id.as_string()));
    }
  }
  if (auto* rels = sbom->as_object().if_contains("relationships"); rels && rels->is_array()) {
    for (const auto& r : rels->as_array()) {
      if (!r.is_object()) continue;
      const auto& o = r.as_object();
      if (devagent::json::string_or(o, "relationshipType") == "DESCRIBES") {
        described.insert(devagent::json::string_or(o, "relatedSpdxElement"));
      }
    }
  }
  json::array out;
  for (const auto& v : packages->as_array()) {
    if (!v.is_object() || out.size() >= kMaxDependencies) continue;
    const auto& pkg = v.as_object();
    if (described.count(devagent::json::string_or(pkg, "SPDXID"))) continue;
    std::string purl_text;
    if (auto* refs = pkg.if_contains("externalRefs"); refs && refs->is_array()) {
      for (const auto& ref : refs->as_array()) {
        if (ref.is_object() && devagent::json::string_or(ref.as_object(), "referenceType") == "purl") {
          purl_text = devagent::json::string_or(ref.as_object(), "referenceLocator");
          break;
        }
      }
    }
    auto purl = parse_purl(purl_text);
    std::string spdx_name = devagent::json::string_or(pkg, "name");
    if (purl && purl->type == "github" && ascii_lower(purl->name) == ascii_lower(self)) continue;
    std::string name =
        purl ? purl->name : spdx_name.substr(spdx_name.find(':') == std::string::npos ? 0 : spdx_name.find(':') + 1);
    std::string ecosystem =
        purl ? ecosystem_of(purl->type)
             : (spdx_name.find(':') == std::string::npos ? "" : spdx_name.substr(0, spdx_name.find(':')));
    std::string constraint = devagent::json::string_or(pkg, "versionInfo");
    if (constraint.empty() && purl) constraint = purl->version;
    if (name.empty()) continue;
    out.push_back(json::object{{"manifest", "dependency-graph"},
                               {"ecosystem", ecosystem},
                               {"name", name},
                               {"constraint", constraint},
                               {"scope", ""},
                               {"purl", purl_text}});
  }
  return out;
}

// ------------------------------------------------------------- the parts

using devagent::json::value_or_null;

json::object repository_info(const json::object& r) {
  json::value license = nullptr;
  if (auto* l = r.if_contains("license"); l && l->is_object()) {
    std::string spdx = devagent::json::string_or(l->as_object(), "spdx_id");
    std::string name = devagent::json::string_or(l->as_object(), "name");
    if (!spdx.empty() && spdx != "NOASSERTION")
      license = json::value(spdx);
    else if (!name.empty())
      license = json::value(name);
  }
  auto* topics = r.if_contains("topics");
  json::object o;
  o["name"] = value_or_null(r, "full_name");
  o["source"] = "github";
  o["html_url"] = value_or_null(r, "html_url");
  o["description"] = value_or_null(r, "description");
  o["stars"] = devagent::json::int_or(r, "stargazers_count");
  o["forks"] = devagent::json::int_or(r, "forks_count");
  o["open_issues"] = devagent::json::int_or(r, "open_issues_count");
  o["language"] = value_or_null(r, "language");
  o["default_branch"] = value_or_null(r, "default_branch");
  o["license"] = license;
  o["topics"] = topics && topics->is_array() ? *topics : json::value(json::array());
  o["created_at"] = value_or_null(r, "created_at");
  o["pushed_at"] = value_or_null(r, "pushed_at");
  auto* archived = r.if_contains("archived");
  o["archived"] = archived && archived->is_bool() && archived->as_bool();
  return o;
}

json::array languages_of(const json::object& bytes_by_language) {
  std::vector<std::pair<std::string, std::int64_t>> langs;
  std::int64_t total = 0;
  for (const auto& [name, v] : bytes_by_language) {
    std::int64_t n = v.is_int64() ? v.as_int64() : v.is_uint64() ? static_cast<std::int64_t>(v.as_uint64()) : 0;
    if (n <= 0) continue;
    langs.emplace_back(std::string(name), n);
    total += n;
  }
  std::sort(langs.begin(), langs.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  json::array out;
  for (const auto& [name, n] : langs) {
    double share = static_cast<double>(n) / static_cast<double>(total);
    out.push_back(json::object{{"name", name}, {"bytes", n}, {"share", std::round(share * 10000.0) / 10000.0}});
  }
  return out;
}

Result<json::object> readme_of(const json::object& file) {
  std::string encoding = devagent::json::string_or(file, "encoding");
  std::string content = devagent::json::string_or(file, "content");
  std::string text;
  if (encoding == "base64") {
    auto decoded = decode_base64(content);
    if (!decoded) return make_error(ErrorKind::unavailable, "GitHub sent a README whose content is not valid base64");
    text = std::move(*decoded);
  } else if (encoding.empty() || encoding == "utf-8") {
    text = std::move(content);
  } else {
    return make_error(ErrorKind::unavailable, "GitHub sent the README without its content (encoding \"" + encoding +
                                                  "\"; it may be over 1 MB)");
  }
  ReadmeText summary = summarize_readme(text);
  return json::object{{"path", devagent::json::string_or(file, "path")},
                      {"title", summary.title},
                      {"first_paragraph", summary.first_paragraph}};
}

std::string summary_of(const json::object& out, const json::object& repo) {
  std::ostringstream s;
  s << devagent::json::string_or(repo, "name");
  std::string description = devagent::json::string_or(repo, "description");
  if (!description.empty())
    s << ": " << description << (description.back() == '.' ? "" : ".");
  else
    s << " is a repository on GitHub.";
  if (auto* langs = out.if_contains("_languages"); langs && langs->is_array() && !langs->as_array().empty()) {
    const auto& a = langs->as_array();
    auto part = [](const json::value& l) {
      std::ostringstream p;
      p << l.at("name").as_string().c_str() << " (" << std::lround(l.at("share").to_number<double>() * 100) << "%)";
      return p.str();
    };
    s << " Mostly " << part(a[0]);
    if (a.size() > 1) s << " and " << part(a[1]);
    s << ".";
  }
  s << " " << with_commas(devagent::json::int_or(repo, "stars")) << " stars, " << with_commas(devagent::json::int_or(repo, "forks"))
    << " forks";
  if (auto* l = repo.if_contains("license"); l && l->is_string()) s << ", license " << l->as_string().c_str();
  s << ".";
  if (auto* st = out.if_contains("_structure"); st && st->is_object()) {
    const auto& b = st->as_object().at("build_systems").as_array();
    if (!b.empty()) {
      s << " Built with ";
      for (std::size_t i = 0; i < b.size(); ++i) s << (i ? ", " : "") << b[i].as_string().c_str();
      s << ".";
    }
  }
  if (auto* d = out.if_contains("_dependencies"); d && d->is_array()) {
    s << " The dependency graph lists " << d->as_array().size() << " dependencies.";
  }
  if (auto* r = out.if_contains("_readme"); r && r->is_object()) {
    std::string title = devagent::json::string_or(r->as_object(), "title");
    if (!title.empty()) s << " README: \"" << title << "\".";
  }
  std::string pushed = devagent::json::string_or(repo, "pushed_at");
  if (pushed.size() >= 10) s << " Last push " << pushed.substr(0, 10) << ".";
  if (auto* a = repo.if_contains("archived"); a && a->is_bool() && a->as_bool()) s << " The repository is archived.";
  return s.str();
}

// Runs call when needed; its value as JSON, or null when not needed.
template <class T>
asio::awaitable<Result<json::value>> when_needed(bool needed, asio::awaitable<Result<T>> call) {
  if (!needed) co_return json::value();
  auto r = co_await std::move(call);
  if (!r) co_return r.error();
  co_return json::value(std::move(*r));
}

void rethrow_if(const std::exception_ptr& e) {
  if (e) std::rethrow_exception(e);
}

// Cancellation of any part cancels the analysis.
template <class... R>
std::optional<Error> first_cancellation(const R&... results) {
  std::optional<Error> out;
  auto check = [&](const Result<json::value>& r) {
    if (!out && !r && r.error().kind == ErrorKind::cancelled) out = r.error();
  };
  (check(results), ...);
  return out;
}

constexpr std::string_view kNeedsClone =
    "needs a local clone: GitHub's API does not provide it; clone the repository into the workspace and analyze it "
    "there";

}  // namespace

asio::awaitable<Result<json::object>> analyze_remote(GitHubClient& client, std::string_view owner_name,
                                                     const std::vector<std::string>& aspects, CancelToken cancel) {
  auto name = parse_repository_name(owner_name);
  if (!name) co_return name.error();
  for (const auto& a : aspects) {
    if (std::find(aspect_names().begin(), aspect_names().end(), a) == aspect_names().end()) {
      co_return make_error(
          ErrorKind::invalid_argument,
          "unknown aspect '" + a + "' (languages, structure, dependencies, symbols, history, summary)");
    }
  }
  auto wants = [&](std::string_view a) {
    return aspects.empty() || std::find(aspects.begin(), aspects.end(), a) != aspects.end();
  };
  const std::string full = name->full();
  auto repo = co_await client.repository(full, cancel);
  if (!repo) co_return repo.error();

  const bool summary = wants("summary");
  const bool need_languages = wants("languages") || summary;
  const bool need_structure = wants("structure") || summary;
  const bool need_dependencies = wants("dependencies") || summary;
  const std::string_view top_level;

  // The other parts at once, on this executor.
  auto ex = co_await asio::this_coro::executor;
  auto group = asio::experimental::make_parallel_group(
      asio::co_spawn(ex, when_needed(need_languages, client.languages(full, cancel)), asio::deferred),
      asio::co_spawn(ex, when_needed(need_structure, client.contents(full, top_level, cancel)), asio::deferred),
      asio::co_spawn(ex, when_needed(need_structure, client.readme(full, cancel)), asio::deferred),
      asio::co_spawn(ex, when_needed(need_dependencies, client.sbom(full, cancel)), asio::deferred));
  auto results = co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  // (No initializer lists in coroutines: GCC 12, docs/architecture.md.)
  rethrow_if(std::get<1>(results));
  rethrow_if(std::get<3>(results));
  rethrow_if(std::get<5>(results));
  rethrow_if(std::get<7>(results));
  Result<json::value>& languages = std::get<2>(results);
  Result<json::value>& listing = std::get<4>(results);
  Result<json::value>& readme = std::get<6>(results);
  Result<json::value>& sbom = std::get<8>(results);
  if (auto e = first_cancellation(languages, listing, readme, sbom)) co_return *e;

  json::object out;
  json::object unavailable;
  out["repository"] = repository_info(*repo);
  // A part's reason goes under "unavailable" only when its aspect was asked for.
  auto missing = [&](std::string_view part, bool asked, std::string reason) {
    if (asked) unavailable[part] = std::move(reason);
  };

  if (need_languages) {
    if (!languages) {
      missing("languages", wants("languages"), languages.error().message);
    } else if (!languages->is_object()) {
      missing("languages", wants("languages"), "GitHub sent the languages as something other than a JSON object");
    } else {
      out["_languages"] = languages_of(languages->as_object());
    }
  }
  if (need_structure) {
    if (!listing) {
      missing("structure", wants("structure"), listing.error().message);
    } else if (!listing->is_array()) {
      missing("structure", wants("structure"), "GitHub sent the top-level listing as something other than an array");
    } else {
      out["_structure"] = structure_of(listing->as_array());
    }
    Result<json::object> summarized = make_error(ErrorKind::unavailable, "");
    if (!readme)
      summarized = readme.error();
    else if (!readme->is_object())
      summarized = make_error(ErrorKind::unavailable, "GitHub sent the README as something other than an object");
    else
      summarized = readme_of(readme->as_object());
    if (summarized)
      out["_readme"] = std::move(*summarized);
    else
      missing("readme", wants("structure"), summarized.error().message);
  }
  if (need_dependencies) {
    Result<json::array> deps = make_error(ErrorKind::unavailable, "");
    if (!sbom)
      deps = sbom.error();
    else if (!sbom->is_object())
      deps = make_error(ErrorKind::unavailable, "GitHub sent the SBOM as something other than an object");
    else
      deps = dependencies_of(sbom->as_object(), full);
    if (deps)
      out["_dependencies"] = std::move(*deps);
    else
      missing("dependencies", wants("dependencies"), deps.error().message);
  }
  if (wants("symbols")) unavailable["symbols"] = "symbols " + std::string(kNeedsClone);
  if (wants("history")) unavailable["history"] = "commit history " + std::string(kNeedsClone);
  if (summary) out["summary"] = summary_of(out, out["repository"].as_object());

  // The parts asked for, under their public names.
  auto publish = [&](std::string_view internal, std::string_view public_name, bool asked) {
    auto* v = out.if_contains(internal);
    if (!v) return;
    json::value part = std::move(*v);  // before inserting: that may move the object's storage
    out.erase(internal);
    if (asked) out[public_name] = std::move(part);
  };
  publish("_languages", "languages", wants("languages"));
  publish("_structure", "structure", wants("structure"));
  publish("_readme", "readme", wants("structure") || summary);
  publish("_dependencies", "dependencies", wants("dependencies"));
  if (!unavailable.empty()) out["unavailable"] = std::move(unavailable);
  co_return out;
}

}  // namespace devagent::github
