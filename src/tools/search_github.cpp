// searchGitHub: repositories or code on GitHub. When GitHub cannot be reached
// a code search still answers from the local workspace index, and says so.
#include "code/code.h"
#include "core/blocking.h"
#include "github/client.h"
#include "tools/default_tools.h"
#include "tools/support.h"

namespace devagent::tools {

namespace json = boost::json;

namespace {

constexpr std::string_view kSchema = R"json({
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1, "maxLength": 256,
              "description": "Search words (GitHub search syntax allowed)"},
    "type": {"enum": ["repositories", "code"], "default": "repositories"},
    "language": {"type": "string", "minLength": 1, "maxLength": 50, "description": "e.g. rust, python, c++"},
    "sort": {"enum": ["best-match", "stars", "forks", "updated"],
             "description": "Order of repositories; best-match when absent"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
  },
  "required": ["query"],
  "additionalProperties": false
})json";

class SearchGitHub final : public SchemaTool {
 public:
  SearchGitHub(code::CodeIntel& code, github::GitHubClient* github)
      : SchemaTool("searchGitHub",
                   "Search GitHub for repositories (with stars, language, last update) or for code.", kSchema),
        code_(code),
        github_(github) {}

  boost::asio::awaitable<Result<json::object>> run(const json::object& args, ToolContext ctx) override {
    auto query = arg_string(args, "query");
    auto type = arg_string(args, "type", "repositories");
    auto language = arg_string(args, "language");
    auto sort = arg_string(args, "sort", "best-match");
    auto limit = static_cast<int>(arg_int(args, "limit", 10));
    if (!github_) co_return make_error(ErrorKind::unavailable, "GitHub is not configured");
    if (type == "code") {
      auto found = co_await github_->search_code(query, language, limit, ctx.cancel);
      if (found || found.error().kind == ErrorKind::cancelled) co_return found;
      co_return co_await local_instead(query, language, limit, found.error());
    }
    co_return co_await github_->search_repositories(query, language, sort, limit, ctx.cancel);
  }

 private:
  // GitHub failed: the same search over the workspace's own code.
  boost::asio::awaitable<Result<json::object>> local_instead(const std::string& query, const std::string& language,
                                                            int limit, const Error& github_error) {
    json::object out{{"source", "github"}, {"type", "code"}, {"query", query}, {"items", json::array{}},
                     {"unavailable", json::object{{"github", github_error.message}}}};
    auto local = co_await run_blocking([&]() -> Result<code::SearchResults> {
      for (const auto& r : code_.workspace().repositories())
        if (auto e = code_.ensure_indexed(r); !e) return e.error();
      code::SearchQuery q{.text = query, .language = language, .limit = static_cast<std::size_t>(limit)};
      return code_.search(q);
    });
    if (!local) {
      if (github_error.kind != ErrorKind::unavailable && github_error.kind != ErrorKind::timeout) co_return github_error;
      out["local"] = json::object{{"error", local.error().message}};
      co_return out;
    }
    json::array matches;
    for (const auto& m : local->matches)
      matches.push_back(json::object{{"path", m.path}, {"line", m.line}, {"column", m.column}, {"text", m.text}});
    out["local"] = json::object{{"total", local->total}, {"files", local->files}, {"matches", std::move(matches)}};
    co_return out;
  }

  code::CodeIntel& code_;
  github::GitHubClient* github_;
};

}  // namespace

std::unique_ptr<Tool> make_search_github(code::CodeIntel& code, github::GitHubClient* github) {
  return std::make_unique<SearchGitHub>(code, github);
}

}  // namespace devagent::tools
