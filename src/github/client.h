// The GitHub REST client: the few read-only endpoints devagent needs, with
// GitHub's rules for caching, rate limits and pagination built in.
//
// Calls are coroutines on the caller's executor, which must be a strand or a
// single-threaded io_context (the HTTP client's rule); several calls may be
// in flight at once. A GitHubClient may be shared by coroutines on different
// executors: its only shared state (what GitHub said about rate limits) is
// guarded by a mutex that is never held across a suspension.
//
// Every request carries Accept: application/vnd.github+json,
// X-GitHub-Api-Version: 2022-11-28, a User-Agent, and
// Authorization: Bearer <token> when a token is set. The token is never
// logged, never stored and never put in an error message.
//
// Caching: a 200 response with an ETag or Last-Modified is kept in the store
// (table github_cache) under a hash of method, URL and the token's identity,
// so two tokens never share a private result. The next request for the same
// URL is conditional; GitHub's 304 (which costs no rate limit) returns the
// cached body. Bodies over cache_max_body are not kept; rows unused for 30
// days, and the least recently used beyond cache_max_entries, are pruned.
//
// Redirects (GitHub's 301/307 for a renamed or transferred repository) are
// followed while they stay under api_url; Link rel="next" likewise. The
// token is never sent anywhere else.
//
// Rate limits, as GitHub documents them: a 403 or 429 with
// x-ratelimit-remaining: 0 waits until x-ratelimit-reset; a retry-after
// header waits that many seconds; a secondary limit with neither waits at
// least a minute (doubling when it repeats). A wait longer than max_wait is
// not made: the call fails at once with ErrorKind::rate_limited and a message
// saying when the limit resets. The exhausted state is remembered (per
// resource: core, search, code search; secondary limits for all), so later
// calls before the reset fail fast without sending anything. Waits are
// cancellable timers on the caller's executor.
//
// Errors (Result<T>, core/error.h):
//   invalid_argument  a bad owner/name, path, query, sort or limit (nothing sent),
//                     or GitHub's 422 (the query could not be processed)
//   not_found         "repository owner/name not found on GitHub", or the
//                     missing README / path / dependency graph
//   unauthorized      the token was refused (401), or the endpoint needs one
//   forbidden         a 403 that is not a rate limit (GitHub's message kept)
//   rate_limited      see above
//   unavailable       "GitHub cannot be reached at <api_url>: ...", a 5xx, or a
//                     body that is not the JSON GitHub documents
//   timeout, cancelled
#pragma once

#include "core/cancel.h"
#include "core/error.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace devagent::config {
class Config;
}
namespace devagent::http {
class Client;
}
namespace devagent::store {
class Database;
}

namespace devagent::github {

struct GitHubOptions {
  std::string api_url = "https://api.github.com";  // GITHUB_API_URL; GitHub Enterprise: https://host/api/v3
  std::string token;                               // GITHUB_TOKEN; empty: unauthenticated (60 requests/hour)
  std::chrono::milliseconds timeout{30'000};       // to the response headers, and between body reads
  std::chrono::milliseconds max_wait{10'000};      // longest rate-limit wait before failing instead
  int max_pages = 10;                              // pages followed through Link rel="next" per call
  std::size_t cache_max_body = 1u << 20;           // larger bodies are not cached
  std::int64_t cache_max_entries = 2000;           // cached responses kept, least recently used dropped

  // From the [github] config section.
  static GitHubOptions from(const config::Config& config);
};

// A validated "owner/name".
struct RepositoryName {
  std::string owner;
  std::string name;
  std::string full() const { return owner + "/" + name; }
};

// Accepts exactly "owner/name" as GitHub allows them: owner of letters,
// digits, '-' and '_' (not starting with '-'), name of letters, digits, '.',
// '-' and '_' (not "." or ".."), each at most 100 characters. Anything else
// (slashes, "..", spaces, '%', '?') is invalid_argument, so a name can never
// change the path it is put in.
Result<RepositoryName> parse_repository_name(std::string_view owner_name);

// GitHub's q for a search: the query, then " language:<language>" when a
// language is given (quoted when it has a space). invalid_argument for an
// empty query, one over 1000 characters, or a language with characters other
// than letters, digits, space, '+', '#', '-', '.' and '_'.
Result<std::string> build_search_query(std::string_view query, std::string_view language);

// The URL of rel="next" in an RFC 8288 Link header ("" when there is none).
std::string next_link(std::string_view link_header);

// One response of GitHubClient::get.
struct ApiResponse {
  boost::json::value body;
  std::string next_url;     // Link rel="next", only when it points at api_url; "" when none
  bool from_cache = false;  // answered 304; body is the cached one
};

// Destroy a GitHubClient before the http::Client and store it uses; both
// must outlive it. The store may be null: then nothing is cached.
class GitHubClient {
 public:
  GitHubClient(http::Client& http, store::Database* cache, GitHubOptions options);
  ~GitHubClient();
  GitHubClient(const GitHubClient&) = delete;
  GitHubClient& operator=(const GitHubClient&) = delete;

  const GitHubOptions& options() const;

  // Searches repositories. sort: "" or "best-match" (GitHub's relevance; no
  // sort parameter), "stars", "forks" or "updated" (descending). limit 1..1000
  // items, fetched per_page = min(limit, 100) through Link pagination. The
  // searchGitHub document of docs/agents.md:
  //   {"source": "github", "type": "repositories", "query": <q>, "total_count",
  //    "incomplete_results", "items": [{full_name, description, html_url, language,
  //    stars, forks, open_issues, updated_at, topics, license}]}
  // A page after the first that fails ends the list there, and the reason is
  // under "unavailable": {"items": ...}.
  // String views must stay valid until the call completes (co_await it at once).
  boost::asio::awaitable<Result<boost::json::object>> search_repositories(std::string_view query,
                                                                          std::string_view language,
                                                                          std::string_view sort, int limit,
                                                                          CancelToken cancel = {});
  // Searches code (GitHub requires a token for this endpoint). Same document
  // with "type": "code" and items [{repository, path, html_url, score}].
  boost::asio::awaitable<Result<boost::json::object>> search_code(std::string_view query, std::string_view language,
                                                                  int limit, CancelToken cancel = {});

  // The endpoints below return GitHub's JSON as it was sent.
  // GET /repos/{owner}/{name}
  boost::asio::awaitable<Result<boost::json::object>> repository(std::string_view owner_name, CancelToken cancel = {});
  // GET /repos/{owner}/{name}/languages: {"Rust": <bytes>, ...}
  boost::asio::awaitable<Result<boost::json::object>> languages(std::string_view owner_name, CancelToken cancel = {});
  // GET /repos/{owner}/{name}/contents/{path}: an array for a directory, an
  // object for a file. path "" is the top level; ".." and empty segments are
  // invalid_argument; segments are percent-encoded.
  boost::asio::awaitable<Result<boost::json::value>> contents(std::string_view owner_name, std::string_view path,
                                                              CancelToken cancel = {});
  // GET /repos/{owner}/{name}/readme: {name, path, content (base64), encoding, ...}
  boost::asio::awaitable<Result<boost::json::object>> readme(std::string_view owner_name, CancelToken cancel = {});
  // GET /repos/{owner}/{name}/dependency-graph/sbom: {"sbom": {SPDX 2.3 document}}
  boost::asio::awaitable<Result<boost::json::object>> sbom(std::string_view owner_name, CancelToken cancel = {});

  // GET api_url + path_and_query ("/rate_limit", "/repos/o/r/topics?per_page=5"),
  // already percent-encoded, with caching and rate limits as above. A path
  // that does not start with '/', has "." or ".." segments, or holds spaces
  // or control characters is invalid_argument.
  boost::asio::awaitable<Result<ApiResponse>> get(std::string_view path_and_query, CancelToken cancel = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devagent::github
