// analyzeRepository: languages, structure, dependencies, symbols, history and
// a summary of a workspace repository (from the local index) or of a GitHub
// repository (from the REST API, without symbols and history).
#include "code/code.h"
#include "core/blocking.h"
#include "github/remote_analysis.h"
#include "tools/default_tools.h"
#include "tools/support.h"

namespace devagent::tools {

namespace json = boost::json;

namespace {

constexpr std::string_view kSchema = R"json({
  "type": "object",
  "properties": {
    "repository": {"type": "string", "minLength": 1, "maxLength": 300,
                   "description": "owner/name on GitHub, a workspace repository name or path, or \".\" for the default workspace repository"},
    "aspects": {"type": "array", "minItems": 1, "maxItems": 6, "uniqueItems": true,
                "items": {"enum": ["languages", "structure", "dependencies", "symbols", "history", "summary"]},
                "description": "What to analyze; everything when absent. history gives commits, contributors, churn, hotspots and change coupling."}
  },
  "required": ["repository"],
  "additionalProperties": false
})json";

class AnalyzeRepository final : public SchemaTool {
 public:
  AnalyzeRepository(code::CodeIntel& code, github::GitHubClient* github)
      : SchemaTool("analyzeRepository",
                   "Analyze a repository: languages (files, code/comment/blank lines), structure, declared "
                   "dependencies, symbols, git history (contributors, hotspots, change coupling) and a summary.",
                   kSchema),
        code_(code),
        github_(github) {}

  boost::asio::awaitable<Result<json::object>> run(const json::object& args, ToolContext ctx) override {
    auto spec = arg_string(args, "repository", ".");
    auto aspects = arg_strings(args, "aspects");
    auto ref = classify_repository(spec, code_);
    if (ref.kind == RepositoryRef::Kind::github) {
      if (!github_) co_return make_error(ErrorKind::unavailable, "GitHub is not configured");
      co_return co_await github::analyze_remote(*github_, ref.name, aspects, ctx.cancel);
    }
    co_return co_await run_blocking([&]() -> Result<json::object> {
      auto repo = code_.repository(spec);
      if (!repo) return repo.error();
      if (ctx.progress) ctx.progress("analyzing " + repo->name);
      return code_.analyze(*repo, aspects);
    });
  }

 private:
  code::CodeIntel& code_;
  github::GitHubClient* github_;
};

}  // namespace

std::unique_ptr<Tool> make_analyze_repository(code::CodeIntel& code, github::GitHubClient* github) {
  return std::make_unique<AnalyzeRepository>(code, github);
}

}  // namespace devagent::tools
