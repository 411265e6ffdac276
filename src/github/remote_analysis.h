// The analyzeRepository document for a repository on GitHub, built from the
// REST API alone (no clone): what GitHub can tell about it, in the shape of
// a local analysis (docs/agents.md, "analyzeRepository").
#pragma once

#include "core/cancel.h"
#include "core/error.h"
#include "github/client.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace devagent::github {

// aspects: any of languages, structure, dependencies, symbols, history,
// summary; all when empty. An unknown aspect is invalid_argument.
//
// The document:
//   "repository"   {name, source: "github", html_url, description, stars, forks,
//                   open_issues, language, default_branch, license, topics,
//                   created_at, pushed_at, archived}   (always)
//   "languages"    [{name, bytes, share}], largest first; share of all bytes, 0..1
//   "structure"    {top_level: [{name, type, role}], build_systems, test_dirs, docs,
//                   ci, license}, from the names in the top-level listing
//   "readme"       {path, title, first_paragraph}   (with structure or summary)
//   "dependencies" [{manifest: "dependency-graph", ecosystem, name, constraint,
//                   scope: "", purl}] from the dependency graph's SPDX SBOM
//   "summary"      one paragraph about the repository
//   "unavailable"  {"<aspect>": "<reason>"} for symbols and history (they need a
//                   local clone) and for every aspect whose request failed
//
// Errors: the repository's own request failing ends the analysis with its
// error (not_found "repository owner/name not found on GitHub", unavailable,
// rate_limited, unauthorized, ...); so does cancellation at any point. Any
// other failed request only moves its aspect under "unavailable".
// owner_name and aspects must stay valid until the call completes.
boost::asio::awaitable<Result<boost::json::object>> analyze_remote(GitHubClient& client, std::string_view owner_name,
                                                                   const std::vector<std::string>& aspects,
                                                                   CancelToken cancel = {});

}  // namespace devagent::github
