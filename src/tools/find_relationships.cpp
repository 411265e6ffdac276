// findRelationships: imports, dependencies, dependents, files that change
// together, and dependencies shared between repositories. Workspace
// repositories are answered from the local index; GitHub repositories can
// take part in dependencies and shared_dependencies (from their dependency
// graph), and when GitHub cannot be reached the local part still comes back.
#include "code/code.h"
#include "code/graph.h"
#include "core/blocking.h"
#include "github/remote_analysis.h"
#include "tools/default_tools.h"
#include "tools/support.h"

#include <boost/json/serialize.hpp>

#include <map>

namespace devagent::tools {

namespace json = boost::json;

namespace {

constexpr std::string_view kSchema = R"json({
  "type": "object",
  "properties": {
    "repositories": {"type": "array", "minItems": 1, "maxItems": 10,
                     "items": {"type": "string", "minLength": 1, "maxLength": 300}, "default": ["."],
                     "description": "Repositories: owner/name on GitHub, workspace repositories, or \".\""},
    "kind": {"enum": ["imports", "dependencies", "dependents", "cochange", "shared_dependencies"],
             "description": "imports: the file import graph; dependencies: declared packages; dependents: files that depend on focus; cochange: files that change together with focus; shared_dependencies: packages two or more repositories share"},
    "focus": {"type": "string", "minLength": 1, "maxLength": 4096,
              "description": "A file (imports, dependents, cochange) or a package (dependencies, shared_dependencies)"}
  },
  "required": ["kind"],
  "additionalProperties": false
})json";

using Kind = code::RelationKind;

class FindRelationships final : public SchemaTool {
 public:
  FindRelationships(code::CodeIntel& code, github::GitHubClient* github)
      : SchemaTool("findRelationships",
                   "Find relationships in code: the import graph ranked by PageRank, declared dependencies, "
                   "the files that depend on a file (directly and transitively), files that change together "
                   "with a file, and dependencies shared between repositories. Includes a Mermaid diagram.",
                   kSchema),
        code_(code),
        github_(github) {}

  boost::asio::awaitable<Result<json::object>> run(const json::object& args, ToolContext ctx) override {
    auto kind = code::parse_relation_kind(arg_string(args, "kind"));
    if (!kind) co_return kind.error();
    auto specs = arg_strings(args, "repositories");
    if (specs.empty()) specs.push_back(".");
    auto focus = arg_string(args, "focus");

    bool any_remote = false;
    std::vector<RepositoryRef> refs;
    for (const auto& s : specs) {
      refs.push_back(classify_repository(s, code_));
      any_remote |= refs.back().kind == RepositoryRef::Kind::github;
    }
    if (!any_remote) {
      co_return co_await run_blocking([&]() -> Result<json::object> {
        std::vector<code::Repository> repos;
        for (const auto& s : specs) {
          auto r = code_.repository(s);
          if (!r) return r.error();
          repos.push_back(*r);
        }
        return code_.relationships(repos, *kind, focus);
      });
    }
    if (*kind != Kind::dependencies && *kind != Kind::shared_dependencies) {
      co_return make_error(ErrorKind::invalid_argument,
                           std::string(arg_string(args, "kind")) +
                               " needs the repository's files and history: clone it into the workspace first "
                               "(GitHub repositories support dependencies and shared_dependencies)");
    }
    if (*kind == Kind::shared_dependencies && refs.size() < 2) {
      co_return make_error(ErrorKind::invalid_argument, "shared_dependencies needs two or more repositories");
    }
    co_return co_await mixed_dependencies(refs, *kind, focus, ctx);
  }

 private:
  struct Declared {
    std::string repository;
    json::array dependencies;  // [{manifest, ecosystem, name, constraint, scope}]
  };

  // The declared dependencies of each repository; those that cannot be had
  // go into unavailable with the reason.
  boost::asio::awaitable<Result<json::object>> mixed_dependencies(const std::vector<RepositoryRef>& refs, Kind kind,
                                                                 const std::string& focus, ToolContext ctx) {
    std::vector<Declared> declared;
    json::object unavailable;
    const std::vector<std::string> aspects = {"dependencies"};
    for (const auto& ref : refs) {
      Result<json::object> doc = make_error(ErrorKind::unavailable, "GitHub is not configured");
      if (ref.kind == RepositoryRef::Kind::github) {
        if (github_) doc = co_await github::analyze_remote(*github_, ref.name, aspects, ctx.cancel);
      } else {
        doc = co_await run_blocking([&]() -> Result<json::object> {
          auto r = code_.repository(ref.name);
          if (!r) return r.error();
          return code_.analyze(*r, aspects);
        });
      }
      if (ctx.cancel.cancelled()) co_return make_error(ErrorKind::cancelled, "cancelled");
      if (!doc) {
        unavailable[ref.name] = doc.error().message;
        continue;
      }
      Declared d{ref.name, {}};
      if (const auto* deps = doc->if_contains("dependencies"); deps && deps->is_array()) d.dependencies = deps->as_array();
      if (const auto* u = doc->if_contains("unavailable"); u && u->is_object() && u->as_object().contains("dependencies"))
        unavailable[ref.name] = u->as_object().at("dependencies");
      declared.push_back(std::move(d));
    }
    if (declared.empty()) {
      std::string why;
      for (const auto& kv : unavailable) why += (why.empty() ? "" : "; ") + std::string(kv.key()) + ": " + json::serialize(kv.value());
      co_return make_error(ErrorKind::unavailable, "no repository could be read: " + why);
    }
    json::array names;
    for (const auto& r : refs) names.emplace_back(r.name);
    json::object out{{"kind", kind == Kind::dependencies ? "dependencies" : "shared_dependencies"},
                     {"repositories", std::move(names)},
                     {"focus", focus}};
    if (kind == Kind::dependencies) dependencies_of_first(declared.front(), focus, out);
    else shared(declared, focus, out);
    if (!unavailable.empty()) out["unavailable"] = std::move(unavailable);
    co_return out;
  }

  static std::string field(const json::value& v, std::string_view key) {
    const auto* f = v.is_object() ? v.as_object().if_contains(key) : nullptr;
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  }

  static void dependencies_of_first(const Declared& d, const std::string& focus, json::object& out) {
    json::array list;
    std::vector<code::GraphEdge> edges;
    for (const auto& dep : d.dependencies) {
      auto name = field(dep, "name");
      if (!focus.empty() && name != focus) continue;
      list.push_back(dep);
      edges.push_back({d.repository, name, 1.0});
    }
    out["dependencies"] = std::move(list);
    out["mermaid"] = code::mermaid(edges);
  }

  static void shared(const std::vector<Declared>& declared, const std::string& focus, json::object& out) {
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> by_package;
    for (const auto& d : declared)
      for (const auto& dep : d.dependencies)
        by_package[{field(dep, "ecosystem"), field(dep, "name")}][d.repository] = field(dep, "constraint");
    json::array list;
    std::vector<code::GraphEdge> edges;
    for (const auto& [key, users] : by_package) {
      if (users.size() < 2 || (!focus.empty() && key.second != focus)) continue;
      json::object constraints;
      for (const auto& [repo, c] : users) {
        constraints[repo] = c;
        edges.push_back({repo, key.second, 1.0});
      }
      list.push_back(json::object{{"ecosystem", key.first}, {"name", key.second},
                                  {"constraints", std::move(constraints)}, {"repositories", users.size()}});
    }
    out["shared"] = std::move(list);
    out["mermaid"] = code::mermaid(edges);
  }

  code::CodeIntel& code_;
  github::GitHubClient* github_;
};

}  // namespace

std::unique_ptr<Tool> make_find_relationships(code::CodeIntel& code, github::GitHubClient* github) {
  return std::make_unique<FindRelationships>(code, github);
}

}  // namespace devagent::tools
