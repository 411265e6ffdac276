// The tools devagent's agent uses, wired to the code index and GitHub.
#pragma once

#include "tools/tool.h"

namespace devagent::code {
class CodeIntel;
}
namespace devagent::github {
class GitHubClient;
}

namespace devagent::tools {

// searchGitHub, analyzeRepository, findRelationships, searchCode, readFile.
// Both dependencies must outlive the registry; github may be null (then
// GitHub requests fail with "GitHub is not configured" and local ones work).
ToolRegistry make_default_tools(code::CodeIntel& code, github::GitHubClient* github);

// Where a repository argument points: owner/name (or a github.com URL) that
// is not a workspace repository goes to GitHub; everything else ("." , a
// path, a workspace repository name) to the local index.
struct RepositoryRef {
  enum class Kind { local, github };
  Kind kind = Kind::local;
  std::string name;  // "owner/name" for GitHub, the spec as given for local
};
RepositoryRef classify_repository(std::string_view spec, const code::CodeIntel& code);

}  // namespace devagent::tools
