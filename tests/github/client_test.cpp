// The GitHub client against a local server replaying GitHub's documented
// responses: requests and headers, the ETag cache, pagination, rate limits,
// errors, and the remote analysis.
#include "github/client.h"
#include "github/remote_analysis.h"

#include "core/config.h"
#include "core/log.h"
#include "support/replay_server.h"
#include "http/client.h"
#include "store/store.h"
#include "support/coro.h"
#include "support/http_client.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>

#include <ctime>
#include <mutex>
#include <thread>

namespace devagent::github {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::ReplayRequest;
using testing::ReplayResponse;
using testing::ReplayServer;
using testing::run_coro;

// ------------------------------------------------------------- fixtures

std::int64_t epoch_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
    if (out.size() % 61 == 60) out += '\n';  // GitHub wraps content lines
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out + "\n";
}

// Headers GitHub sends with every REST response.
ReplayResponse github_json(unsigned status, std::string body, int remaining = 59, std::string resource = "core") {
  return ReplayResponse::json(status, std::move(body))
      .header("x-github-media-type", "github.v3; format=json")
      .header("x-ratelimit-limit", resource == "core" ? "60" : "10")
      .header("x-ratelimit-remaining", std::to_string(remaining))
      .header("x-ratelimit-used", std::to_string(60 - remaining))
      .header("x-ratelimit-reset", std::to_string(epoch_now() + 3000))
      .header("x-ratelimit-resource", resource);
}

// GET /repos/octocat/Hello-World, as in GitHub's REST reference.
const std::string kHelloWorld = R"({
  "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "Hello-World",
  "full_name": "octocat/Hello-World",
  "owner": {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false},
  "private": false, "html_url": "https://github.com/octocat/Hello-World",
  "description": "This your first repo!", "fork": false,
  "url": "https://api.github.com/repos/octocat/Hello-World", "homepage": "https://github.com",
  "language": "C", "forks_count": 9, "stargazers_count": 80, "watchers_count": 80, "size": 108,
  "default_branch": "master", "open_issues_count": 2, "is_template": false,
  "topics": ["octocat", "atom", "electron", "api"], "has_issues": true, "archived": false, "disabled": false,
  "visibility": "public", "pushed_at": "2011-01-26T19:06:43Z", "created_at": "2011-01-26T19:01:12Z",
  "updated_at": "2011-01-26T19:14:43Z",
  "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT", "url": "https://api.github.com/licenses/mit",
              "node_id": "MDc6TGljZW5zZW1pdA=="},
  "subscribers_count": 42, "network_count": 0
})";

json::object search_item(int i) {
  return json::object{
      {"id", 3081286 + i},
      {"node_id", "MDEwOlJlcG9zaXRvcnkzMDgxMjg2"},
      {"name", "repo" + std::to_string(i)},
      {"full_name", "owner" + std::to_string(i) + "/repo" + std::to_string(i)},
      {"owner", json::object{{"login", "owner" + std::to_string(i)}, {"type", "User"}}},
      {"private", false},
      {"html_url", "https://github.com/owner" + std::to_string(i) + "/repo" + std::to_string(i)},
      {"description", "Repository number " + std::to_string(i)},
      {"fork", false},
      {"created_at", "2020-01-01T00:00:00Z"},
      {"updated_at", "2026-11-01T10:00:00Z"},
      {"pushed_at", "2026-10-31T08:12:45Z"},
      {"stargazers_count", 1000 - i},
      {"watchers_count", 1000 - i},
      {"language", "Rust"},
      {"forks_count", 10},
      {"open_issues_count", 1},
      {"default_branch", "main"},
      {"score", 1.0},
      {"topics", json::array{"web"}},
      {"license", nullptr},
  };
}

std::string search_page(int total, int first, int count) {
  json::array items;
  for (int i = first; i < first + count; ++i) items.push_back(search_item(i));
  return json::serialize(json::object{{"total_count", total}, {"incomplete_results", false}, {"items", items}});
}

// One client on a fresh in-memory store (migrated) against a replay server.
struct Fixture {
  ReplayServer gh;
  std::unique_ptr<store::Database> db;
  http::Client http;
  GitHubOptions options;
  std::unique_ptr<GitHubClient> made;

  Fixture() {
    store::Options so;
    so.sqlite_path = ":memory:";
    auto d = store::open(so);
    if (!d) throw std::runtime_error(d.error().message);
    db = std::move(*d);
    auto v = store::migrate(*db);
    if (!v) throw std::runtime_error(v.error().message);
    options.api_url = gh.base_url();
    options.max_wait = 3s;
  }
  ~Fixture() {
    made.reset();
    http.drop_idle_connections();
  }
  GitHubClient& client() {
    if (!made) made = std::make_unique<GitHubClient>(http, db.get(), options);
    return *made;
  }
  std::int64_t cache_rows() {
    auto r = db->query("SELECT COUNT(*) FROM github_cache");
    return r ? r->rows[0].integer(0) : -1;
  }
};

template <class T>
std::string error_of(const Result<T>& r) {
  return r ? std::string("(no error)") : r.error().message;
}

// ---------------------------------------------------- pure functions

TEST(RepositoryName, AcceptsOnlyOwnerSlashName) {
  struct Case {
    std::string input;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"octocat/Hello-World", true},
      {"tokio-rs/axum", true},
      {"a/b", true},
      {"user_emu/my.repo", true},
      {"o/.github", true},
      {"o/..", false},
      {"o/.", false},
      {"../etc", false},
      {"octocat", false},
      {"/name", false},
      {"owner/", false},
      {"a/b/c", false},
      {"a b/c", false},
      {"-a/b", false},
      {"a/b?x=1", false},
      {"a/b%2F..", false},
      {"a/b#frag", false},
      {"a\\b/c", false},
      {"a/b\n", false},
      {"", false},
      {std::string(101, 'a') + "/b", false},
  };
  for (const auto& c : cases) {
    auto r = parse_repository_name(c.input);
    EXPECT_EQ(static_cast<bool>(r), c.valid) << c.input;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
    }
  }
  auto r = parse_repository_name("octocat/Hello-World");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->owner, "octocat");
  EXPECT_EQ(r->name, "Hello-World");
  EXPECT_EQ(r->full(), "octocat/Hello-World");
}

TEST(SearchQuery, AddsTheLanguageQualifier) {
  struct Case {
    std::string query, language, expected;
  };
  const std::vector<Case> cases = {
      {"web framework", "rust", "web framework language:rust"},
      {"  tokio  ", "", "tokio"},
      {"json parser", "C++", "json parser language:C++"},
      {"gui", "Visual Basic .NET", "gui language:\"Visual Basic .NET\""},
      {"stars:>100 http", "c#", "stars:>100 http language:c#"},
      {"two\nlines", "", "two lines"},
  };
  for (const auto& c : cases) {
    auto q = build_search_query(c.query, c.language);
    ASSERT_TRUE(q) << q.error().message;
    EXPECT_EQ(*q, c.expected);
  }
  EXPECT_FALSE(build_search_query("   ", "rust"));
  EXPECT_FALSE(build_search_query(std::string(1001, 'x'), ""));
  EXPECT_FALSE(build_search_query("x", "rust user:evil"));
  EXPECT_FALSE(build_search_query("x", "rust\""));
}

TEST(LinkHeader, FindsRelNext) {
  EXPECT_EQ(next_link(R"(<https://api.github.com/search/code?q=addClass&page=2>; rel="next", )"
                      R"(<https://api.github.com/search/code?q=addClass&page=34>; rel="last")"),
            "https://api.github.com/search/code?q=addClass&page=2");
  EXPECT_EQ(next_link(R"(<https://x/p?page=1>; rel="prev", <https://x/p?page=3>; rel="next")"), "https://x/p?page=3");
  EXPECT_EQ(next_link(R"(<https://x/p?page=3>; rel=next)"), "https://x/p?page=3");
  EXPECT_EQ(next_link(R"(<https://x/p?page=3>; title="a, b"; REL="last next")"), "https://x/p?page=3");
  EXPECT_EQ(next_link(R"(<https://x/p?page=5>; rel="last")"), "");
  EXPECT_EQ(next_link(R"(<https://x/p?page=5>; rel="nextish")"), "");
  EXPECT_EQ(next_link(""), "");
  EXPECT_EQ(next_link("garbage <unterminated"), "");
}

TEST(GitHubOptions, ComeFromTheGithubConfigSection) {
  auto config = config::Config::defaults();
  auto o = GitHubOptions::from(config);
  EXPECT_EQ(o.api_url, "https://api.github.com");
  EXPECT_EQ(o.token, "");
  EXPECT_EQ(o.max_wait, 10s);
  EXPECT_EQ(o.timeout, 30s);
  EXPECT_EQ(o.max_pages, 10);
  EXPECT_EQ(o.cache_max_entries, 2000);
  EXPECT_EQ(o.cache_max_body, 1u << 20);
  ASSERT_TRUE(config.set("github.max_wait", "0s", config::Source::flag));
  ASSERT_TRUE(config.set("github.api_url", "https://ghe.example.com/api/v3", config::Source::flag));
  o = GitHubOptions::from(config);
  EXPECT_EQ(o.max_wait, 0ms);
  EXPECT_EQ(o.api_url, "https://ghe.example.com/api/v3");
}

// ------------------------------------------------------------- requests

TEST(GitHubClient, SearchRepositoriesBuildsTheQueryAndNormalisesItems) {
  Fixture f;
  f.options.token = "ghp_test_token";
  f.gh.push("/search/repositories", github_json(200, R"({
    "total_count": 1234, "incomplete_results": false,
    "items": [{
      "id": 300000, "node_id": "MDEwOlJlcG9zaXRvcnkzMDAwMDA=", "name": "axum", "full_name": "tokio-rs/axum",
      "owner": {"login": "tokio-rs", "id": 20248544, "type": "Organization"},
      "private": false, "html_url": "https://github.com/tokio-rs/axum",
      "description": "Ergonomic and modular web framework built with Tokio, Tower, and Hyper",
      "fork": false, "url": "https://api.github.com/repos/tokio-rs/axum",
      "created_at": "2021-05-27T14:21:22Z", "updated_at": "2026-11-01T10:00:00Z", "pushed_at": "2026-10-31T08:12:45Z",
      "homepage": "", "size": 9870, "stargazers_count": 20000, "watchers_count": 20000, "language": "Rust",
      "forks_count": 1000, "open_issues_count": 50, "default_branch": "main", "score": 1.0,
      "topics": ["http", "web", "framework"], "visibility": "public", "archived": false,
      "license": {"key": "mit", "name": "MIT License", "url": "https://api.github.com/licenses/mit", "spdx_id": "MIT",
                  "node_id": "MDc6TGljZW5zZTEz"}
    }, {
      "id": 300001, "name": "odd", "full_name": "someone/odd", "html_url": "https://github.com/someone/odd",
      "description": null, "language": null, "stargazers_count": 3, "forks_count": 0, "open_issues_count": 0,
      "updated_at": "2026-01-01T00:00:00Z", "topics": [],
      "license": {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": null}
    }]})",
                                                9, "search"));
  auto r = run_coro(f.client().search_repositories("web framework", "rust", "stars", 5));
  ASSERT_TRUE(r) << r.error().message;

  auto reqs = f.gh.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target,
            "/search/repositories?q=web%20framework%20language%3Arust&sort=stars&order=desc&per_page=5");
  EXPECT_EQ(reqs[0].header("accept"), "application/vnd.github+json");
  EXPECT_EQ(reqs[0].header("x-github-api-version"), "2022-11-28");
  EXPECT_TRUE(reqs[0].header("user-agent").starts_with("devagent/"));
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer ghp_test_token");

  EXPECT_EQ(r->at("source"), "github");
  EXPECT_EQ(r->at("type"), "repositories");
  EXPECT_EQ(r->at("query"), "web framework language:rust");
  EXPECT_EQ(r->at("total_count"), 1234);
  EXPECT_EQ(r->at("incomplete_results"), false);
  const auto& items = r->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], json::parse(R"({"full_name": "tokio-rs/axum",
      "description": "Ergonomic and modular web framework built with Tokio, Tower, and Hyper",
      "html_url": "https://github.com/tokio-rs/axum", "language": "Rust", "stars": 20000, "forks": 1000,
      "open_issues": 50, "updated_at": "2026-11-01T10:00:00Z", "topics": ["http", "web", "framework"],
      "license": "MIT"})"));
  EXPECT_TRUE(items[1].at("description").is_null());
  EXPECT_TRUE(items[1].at("language").is_null());
  EXPECT_EQ(items[1].at("license"), "Other");
}

TEST(GitHubClient, BestMatchSendsNoSortAndQueriesArePercentEncoded) {
  Fixture f;
  f.gh.route("/search/repositories", [](const ReplayRequest&) { return github_json(200, search_page(0, 0, 0)); });
  ASSERT_TRUE(run_coro(f.client().search_repositories("json parser", "C++", "best-match", 250)));
  ASSERT_TRUE(run_coro(f.client().search_repositories("a&b=c #x +y", "", "", 1)));
  auto bad = run_coro(f.client().search_repositories("x", "", "popularity", 1));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_argument);
  auto zero = run_coro(f.client().search_repositories("x", "", "", 0));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().kind, ErrorKind::invalid_argument);

  auto reqs = f.gh.requests();
  ASSERT_EQ(reqs.size(), 2u);  // the invalid ones sent nothing
  EXPECT_EQ(reqs[0].target, "/search/repositories?q=json%20parser%20language%3AC%2B%2B&per_page=100");
  EXPECT_EQ(reqs[1].target, "/search/repositories?q=a%26b%3Dc%20%23x%20%2By&per_page=1");
  EXPECT_FALSE(reqs[0].has_header("authorization"));  // no token, no header
}

TEST(GitHubClient, SearchCodeNormalisesItemsAndNeedsAToken) {
  Fixture f;
  f.options.token = "ghp_code";
  f.gh.push("/search/code", github_json(200, R"({"total_count": 7, "incomplete_results": false, "items": [{
      "name": "classes.js", "path": "src/attributes/classes.js", "sha": "d7212f9dee2dcc18f084d7df8f417b80846ded5a",
      "url": "https://api.github.com/repositories/167174/contents/src/attributes/classes.js?ref=825ac37",
      "git_url": "https://api.github.com/repositories/167174/git/blobs/d7212f9dee2dcc18f084d7df8f417b80846ded5a",
      "html_url": "https://github.com/jquery/jquery/blob/825ac37/src/attributes/classes.js",
      "repository": {"id": 167174, "name": "jquery", "full_name": "jquery/jquery",
                     "owner": {"login": "jquery", "type": "Organization"}, "private": false,
                     "html_url": "https://github.com/jquery/jquery"},
      "score": 1.0}]})",
                                        9, "code_search"));
  auto r = run_coro(f.client().search_code("addClass", "javascript", 10));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(f.gh.requests()[0].target, "/search/code?q=addClass%20language%3Ajavascript&per_page=10");
  EXPECT_EQ(r->at("type"), "code");
  EXPECT_EQ(r->at("items").as_array().at(0),
            json::parse(R"({"repository": "jquery/jquery", "path": "src/attributes/classes.js",
                            "html_url": "https://github.com/jquery/jquery/blob/825ac37/src/attributes/classes.js",
                            "score": 1.0})"));

  Fixture anon;
  anon.gh.push("/search/code", github_json(401, R"({"message": "Requires authentication",
      "documentation_url": "https://docs.github.com/rest/search/search#search-code", "status": "401"})"));
  auto refused = run_coro(anon.client().search_code("addClass", "", 10));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::unauthorized);
  EXPECT_EQ(refused.error().message, "GitHub requires authentication for /search/code; set GITHUB_TOKEN");
}

TEST(GitHubClient, RepositoryEndpointsUseValidatedPaths) {
  Fixture f;
  f.gh.push("/repos/octocat/Hello-World", github_json(200, kHelloWorld));
  f.gh.push("/repos/octocat/Hello-World/languages", github_json(200, R"({"C": 78769, "Python": 7769})"));
  f.gh.push("/repos/octocat/Hello-World/contents/docs/a%20b.md",
            github_json(200, R"({"type": "file", "name": "a b.md", "path": "docs/a b.md", "encoding": "base64",
                                 "content": "aGk=\n"})"));
  auto repo = run_coro(f.client().repository("octocat/Hello-World"));
  ASSERT_TRUE(repo) << repo.error().message;
  EXPECT_EQ(repo->at("full_name"), "octocat/Hello-World");
  auto langs = run_coro(f.client().languages("octocat/Hello-World"));
  ASSERT_TRUE(langs) << langs.error().message;
  EXPECT_EQ(langs->at("C"), 78769);
  auto file = run_coro(f.client().contents("octocat/Hello-World", "docs/a b.md"));
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->at("name"), "a b.md");

  for (std::string_view path : {"../secrets", "docs/../../x", "/etc/passwd", "a//b", "a/./b"}) {
    auto r = run_coro(f.client().contents("octocat/Hello-World", path));
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument) << path;
  }
  for (std::string_view name : {"../x", "octocat/Hello-World/../../user", "a/b?x", "a%2Fb/c"}) {
    auto r = run_coro(f.client().repository(name));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument) << name;
  }
  for (std::string_view path : {"repos/x", "/repos/../user", "/a b", "//evil.example/x", "/x/%2e%2e/y"}) {
    auto r = run_coro(f.client().get(path));
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument) << path;
  }
  EXPECT_EQ(f.gh.total(), 3u);  // nothing invalid was sent
}

TEST(GitHubClient, FollowsRedirectsOfRenamedRepositoriesOnlyOnTheSameApi) {
  Fixture f;
  f.options.token = "ghp_stay_home";
  const std::string moved = R"({"message": "Moved Permanently", "url": "https://api.github.com/repositories/1296269",
                                "documentation_url": "https://docs.github.com/v3/#http-redirects"})";
  f.gh.push("/repos/octocat/Old-Name",
            github_json(301, moved).header("location", f.gh.base_url() + "/repositories/1296269"));
  f.gh.push("/repositories/1296269", github_json(200, kHelloWorld));
  auto r = run_coro(f.client().repository("octocat/Old-Name"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("full_name"), "octocat/Hello-World");

  f.gh.push("/repos/octocat/Elsewhere", github_json(307, moved).header("location", "http://evil.example/x"));
  auto away = run_coro(f.client().repository("octocat/Elsewhere"));
  ASSERT_FALSE(away);
  EXPECT_EQ(away.error().kind, ErrorKind::unavailable);
  EXPECT_NE(away.error().message.find("not followed"), std::string::npos) << away.error().message;
  EXPECT_EQ(f.gh.total(), 3u);
}

// ----------------------------------------------------------------- cache

TEST(GitHubClient, ETagMakesTheSecondCallConditionalAnd304ReturnsTheCachedBody) {
  Fixture f;
  const std::string etag = R"(W/"7e4f8b1c2d3a")";
  const std::string modified = "Wed, 26 Jan 2011 19:14:43 GMT";
  f.gh.route("/repos/octocat/Hello-World", [&](const ReplayRequest& req) {
    if (req.header("if-none-match") == etag) {
      return ReplayResponse{304, {{"etag", etag}, {"x-ratelimit-remaining", "59"}}, "", 0ms};
    }
    return github_json(200, kHelloWorld).header("etag", etag).header("last-modified", modified);
  });
  auto first = run_coro(f.client().get("/repos/octocat/Hello-World"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(f.cache_rows(), 1);

  auto second = run_coro(f.client().get("/repos/octocat/Hello-World"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->body, first->body);
  auto typed = run_coro(f.client().repository("octocat/Hello-World"));
  ASSERT_TRUE(typed);
  EXPECT_EQ(json::value(*typed), first->body);

  auto reqs = f.gh.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_FALSE(reqs[0].has_header("if-none-match"));
  EXPECT_EQ(reqs[1].header("if-none-match"), etag);
  EXPECT_EQ(reqs[1].header("if-modified-since"), modified);

  // Another token never sees this token's cached response.
  GitHubOptions other = f.options;
  other.token = "ghp_someone_else";
  GitHubClient second_client(f.http, f.db.get(), other);
  auto theirs = run_coro(second_client.get("/repos/octocat/Hello-World"));
  ASSERT_TRUE(theirs);
  EXPECT_FALSE(theirs->from_cache);
  EXPECT_FALSE(f.gh.requests().back().has_header("if-none-match"));

  // The token is not stored: only hashes and URLs are.
  auto rows = f.db->query("SELECT cache_key, url, etag FROM github_cache");
  ASSERT_TRUE(rows);
  for (const auto& row : rows->rows) {
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(row.text(i).find("ghp_"), std::string::npos);
  }
}

TEST(GitHubClient, CacheIsBoundedInEntriesAndBodySize) {
  Fixture f;
  f.options.cache_max_entries = 2;
  for (int i = 0; i < 4; ++i) {
    std::string path = "/repos/o/r" + std::to_string(i);
    f.gh.push(path, github_json(200, kHelloWorld).header("etag", "\"e" + std::to_string(i) + "\""));
    ASSERT_TRUE(run_coro(f.client().get(path)));
    std::this_thread::sleep_for(5ms);  // distinct used_at
  }
  EXPECT_EQ(f.cache_rows(), 2);
  auto urls = f.db->query("SELECT url FROM github_cache ORDER BY used_at");
  ASSERT_TRUE(urls);
  EXPECT_EQ(urls->rows[0].text(0), f.gh.base_url() + "/repos/o/r2");
  EXPECT_EQ(urls->rows[1].text(0), f.gh.base_url() + "/repos/o/r3");

  Fixture small;
  small.options.cache_max_body = 100;
  small.gh.push("/repos/o/big", github_json(200, kHelloWorld).header("etag", "\"big\""));
  ASSERT_TRUE(run_coro(small.client().get("/repos/o/big")));
  EXPECT_EQ(small.cache_rows(), 0);
}

TEST(GitHubClient, WorksWithoutAStore) {
  Fixture f;
  GitHubClient uncached(f.http, nullptr, f.options);
  f.gh.route("/repos/octocat/Hello-World",
             [](const ReplayRequest&) { return github_json(200, kHelloWorld).header("etag", "\"x\""); });
  ASSERT_TRUE(run_coro(uncached.repository("octocat/Hello-World")));
  ASSERT_TRUE(run_coro(uncached.repository("octocat/Hello-World")));
  EXPECT_FALSE(f.gh.requests().back().has_header("if-none-match"));
}

// ------------------------------------------------------------ pagination

TEST(GitHubClient, FollowsLinkNextUpToTheLimit) {
  Fixture f;
  const std::string base = f.gh.base_url();
  f.gh.route("/search/repositories", [&](const ReplayRequest& req) {
    bool second = req.target.find("page=2") != std::string::npos;
    std::string q = "q=web%20language%3Arust&per_page=100";
    auto link = [&](int page, std::string rel) {
      return "<" + base + "/search/repositories?" + q + "&page=" + std::to_string(page) + ">; rel=\"" + rel + "\"";
    };
    std::string links =
        second ? link(1, "prev") + ", " + link(3, "next") + ", " + link(3, "last") + ", " + link(1, "first")
               : link(2, "next") + ", " + link(3, "last");
    return github_json(200, search_page(250, second ? 100 : 0, 100), 9, "search").header("link", links);
  });
  auto r = run_coro(f.client().search_repositories("web", "rust", "", 150));
  ASSERT_TRUE(r) << r.error().message;
  const auto& items = r->at("items").as_array();
  ASSERT_EQ(items.size(), 150u);
  EXPECT_EQ(items[0].at("full_name"), "owner0/repo0");
  EXPECT_EQ(items[149].at("full_name"), "owner149/repo149");
  EXPECT_EQ(r->at("total_count"), 250);
  auto reqs = f.gh.requests();
  ASSERT_EQ(reqs.size(), 2u);  // 150 items: two pages of 100, the third never asked
  EXPECT_EQ(reqs[0].target, "/search/repositories?q=web%20language%3Arust&per_page=100");
  EXPECT_EQ(reqs[1].target, "/search/repositories?q=web%20language%3Arust&per_page=100&page=2");
}

TEST(GitHubClient, NeverFollowsALinkToAnotherHost) {
  Fixture f;
  f.options.token = "ghp_do_not_leak";
  f.gh.push("/search/repositories", github_json(200, search_page(200, 0, 2), 9, "search")
                                        .header("link", R"(<http://evil.example/search?page=2>; rel="next")"));
  auto r = run_coro(f.client().search_repositories("web", "", "", 10));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("items").as_array().size(), 2u);
  EXPECT_EQ(f.gh.total(), 1u);
}

TEST(GitHubClient, AFailedLaterPageKeepsTheFirstAndSaysWhy) {
  Fixture f;
  const std::string base = f.gh.base_url();
  f.gh.push("/search/repositories",
            github_json(200, search_page(300, 0, 100), 9, "search")
                .header("link", "<" + base + "/search/repositories?q=x&per_page=100&page=2>; rel=\"next\""));
  f.gh.push("/search/repositories", github_json(502, R"({"message": "Server Error"})"));
  auto r = run_coro(f.client().search_repositories("x", "", "", 200));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("items").as_array().size(), 100u);
  EXPECT_EQ(r->at("incomplete_results"), true);
  EXPECT_NE(std::string(r->at("unavailable").at("items").as_string()).find("GitHub answered 502"), std::string::npos);
}

// ----------------------------------------------------------- rate limits

TEST(GitHubClient, ShortPrimaryResetIsWaitedOutThenTheCallSucceeds) {
  Fixture f;
  auto reset = epoch_now() + 2;  // 1 to 2 s away
  f.gh.push(
      "/repos/octocat/Hello-World",
      ReplayResponse::json(
          403,
          R"~({"message": "API rate limit exceeded for 203.0.113.7. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})~")
          .header("x-ratelimit-limit", "60")
          .header("x-ratelimit-remaining", "0")
          .header("x-ratelimit-used", "60")
          .header("x-ratelimit-reset", std::to_string(reset))
          .header("x-ratelimit-resource", "core"));
  f.gh.push("/repos/octocat/Hello-World", github_json(200, kHelloWorld));
  auto r = run_coro(f.client().repository("octocat/Hello-World"));
  ASSERT_TRUE(r) << r.error().message;
  auto reqs = f.gh.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_GE(reqs[1].received - reqs[0].received, 900ms);
}

TEST(GitHubClient, LongPrimaryResetFailsFastAndLaterCallsSendNothing) {
  Fixture f;
  auto reset = epoch_now() + 41 * 60;
  f.gh.push(
      "/repos/octocat/Hello-World",
      ReplayResponse::json(
          403,
          R"({"message": "API rate limit exceeded for 203.0.113.7.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})")
          .header("x-ratelimit-limit", "60")
          .header("x-ratelimit-remaining", "0")
          .header("x-ratelimit-reset", std::to_string(reset))
          .header("x-ratelimit-resource", "core"));
  auto started = std::chrono::steady_clock::now();
  auto r = run_coro(f.client().repository("octocat/Hello-World"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::rate_limited);
  std::time_t tt = reset;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char at[16];
  std::strftime(at, sizeof at, "%H:%M:%S", &tm);
  EXPECT_EQ(r.error().message, "GitHub rate limit exhausted; resets at " + std::string(at) +
                                   " UTC (in 41 min); set GITHUB_TOKEN for 5,000 requests/hour");

  // Remembered: the next core call fails at once without a request...
  auto again = run_coro(f.client().languages("octocat/Hello-World"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::rate_limited);
  EXPECT_EQ(f.gh.total(), 1u);
  // ...while search, a separate resource, still goes out.
  f.gh.push("/search/repositories", github_json(200, search_page(0, 0, 0), 9, "search"));
  EXPECT_TRUE(run_coro(f.client().search_repositories("x", "", "", 1)));
  EXPECT_EQ(f.gh.total(), 2u);
}

TEST(GitHubClient, SuccessWithNoRequestsLeftBlocksTheNextCall) {
  Fixture f;
  f.gh.push("/repos/octocat/Hello-World", github_json(200, kHelloWorld, 0));
  ASSERT_TRUE(run_coro(f.client().repository("octocat/Hello-World")));
  auto r = run_coro(f.client().repository("octocat/Hello-World"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::rate_limited);
  EXPECT_EQ(f.gh.total(), 1u);
}

TEST(GitHubClient, RetryAfterIsHonoured) {
  Fixture f;
  f.gh.push(
      "/search/repositories",
      ReplayResponse::json(
          429,
          R"({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})")
          .header("retry-after", "1"));
  f.gh.push("/search/repositories", github_json(200, search_page(1, 0, 1), 9, "search"));
  auto r = run_coro(f.client().search_repositories("x", "", "", 1));
  ASSERT_TRUE(r) << r.error().message;
  auto reqs = f.gh.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_GE(reqs[1].received - reqs[0].received, 950ms);

  Fixture g;
  g.gh.push("/repos/octocat/Hello-World",
            ReplayResponse::json(403, R"({"message": "You have exceeded a secondary rate limit."})")
                .header("retry-after", "120"));
  auto long_wait = run_coro(g.client().repository("octocat/Hello-World"));
  ASSERT_FALSE(long_wait);
  EXPECT_EQ(long_wait.error().kind, ErrorKind::rate_limited);
  EXPECT_NE(long_wait.error().message.find("GitHub secondary rate limit hit; retry after "), std::string::npos)
      << long_wait.error().message;
  EXPECT_NE(long_wait.error().message.find("(in 2 min)"), std::string::npos) << long_wait.error().message;
  // Secondary limits hold for every resource.
  auto search = run_coro(g.client().search_repositories("x", "", "", 1));
  ASSERT_FALSE(search);
  EXPECT_EQ(search.error().kind, ErrorKind::rate_limited);
  EXPECT_EQ(g.gh.total(), 1u);
}

TEST(GitHubClient, SecondaryLimitWithoutHeadersWaitsAtLeastAMinute) {
  Fixture f;
  f.gh.push(
      "/repos/octocat/Hello-World",
      ReplayResponse::json(
          403,
          R"({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})"));
  auto r = run_coro(f.client().repository("octocat/Hello-World"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::rate_limited);
  EXPECT_NE(r.error().message.find("(in 1 min)"), std::string::npos) << r.error().message;
  EXPECT_FALSE(run_coro(f.client().repository("octocat/Hello-World")));
  EXPECT_EQ(f.gh.total(), 1u);
}

TEST(GitHubClient, A403ThatIsNotARateLimitIsForbidden) {
  Fixture f;
  f.gh.push("/repos/octocat/Hello-World/dependency-graph/sbom",
            github_json(403, R"({"message": "Dependency graph is disabled for this repository."})"));
  auto r = run_coro(f.client().sbom("octocat/Hello-World"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::forbidden);
  EXPECT_NE(r.error().message.find("Dependency graph is disabled"), std::string::npos);
  // Not remembered as a limit.
  f.gh.push("/repos/octocat/Hello-World", github_json(200, kHelloWorld));
  EXPECT_TRUE(run_coro(f.client().repository("octocat/Hello-World")));
}

TEST(GitHubClient, CancellingDuringARateLimitWaitReturnsWithin100ms) {
  Fixture f;
  f.options.max_wait = 60s;
  f.gh.push("/repos/octocat/Hello-World", ReplayResponse::json(403, R"({"message": "API rate limit exceeded"})")
                                              .header("x-ratelimit-remaining", "0")
                                              .header("x-ratelimit-reset", std::to_string(epoch_now() + 30)));
  CancelSource source;
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    while (f.gh.total() == 0) std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(200ms);  // well into the wait
    cancelled_at = std::chrono::steady_clock::now();
    source.cancel("test");
  });
  auto r = run_coro(f.client().repository("octocat/Hello-World", source.token()));
  auto returned = std::chrono::steady_clock::now();
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled);
  EXPECT_LT(returned - cancelled_at, 100ms);
  EXPECT_EQ(f.gh.total(), 1u);
}

// ---------------------------------------------------------------- errors

TEST(GitHubClient, MissingRepositoryIsNotFound) {
  Fixture f;
  auto r = run_coro(f.client().repository("octocat/does-not-exist"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_TRUE(r.error().message.starts_with("repository octocat/does-not-exist not found on GitHub"))
      << r.error().message;
}

TEST(GitHubClient, RefusedConnectionIsUnavailable) {
  testing::RefusingPort refusing;
  http::Client http;
  GitHubOptions options;
  options.api_url = refusing.url();
  GitHubClient client(http, nullptr, options);
  auto r = run_coro(client.repository("octocat/Hello-World"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
  EXPECT_TRUE(r.error().message.starts_with("GitHub cannot be reached at " + refusing.url() + ": "))
      << r.error().message;
}

TEST(GitHubClient, MalformedBodiesAreClearErrors) {
  Fixture f;
  f.gh.push("/repos/octocat/Hello-World", github_json(200, R"({"id": 1296269, "full_name": "octocat/Hel)"));
  auto r = run_coro(f.client().repository("octocat/Hello-World"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unavailable);
  EXPECT_NE(r.error().message.find("not valid JSON for /repos/octocat/Hello-World"), std::string::npos)
      << r.error().message;

  f.gh.push("/search/repositories", github_json(200, R"({"total_count": 1, "items": {"oops": true}})", 9, "search"));
  auto s = run_coro(f.client().search_repositories("x", "", "", 1));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::unavailable);
  EXPECT_NE(s.error().message.find("\"items\""), std::string::npos) << s.error().message;

  f.gh.push("/repos/octocat/Hello-World/languages", github_json(200, R"(["not", "an", "object"])"));
  auto l = run_coro(f.client().languages("octocat/Hello-World"));
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().kind, ErrorKind::unavailable);

  f.gh.push("/repos/octocat/Hello-World/readme",
            ReplayResponse{502, {{"content-type", "text/html"}}, "<html>Bad gateway</html>", 0ms});
  auto g = run_coro(f.client().readme("octocat/Hello-World"));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(g.error().message, "GitHub answered 502 for /repos/octocat/Hello-World/readme");
}

TEST(GitHubClient, TheTokenIsSentAsAHeaderAndNeverInErrorsOrLogs) {
  const std::string token = "ghp_S3cretTokenValue0123456789";
  std::mutex mu;
  std::string logged;
  log::configure(log::Level::trace, log::Format::json);
  log::set_sink([&](std::string_view line) {
    std::lock_guard lock(mu);
    logged.append(line).append("\n");
  });
  std::vector<std::string> messages;
  {
    Fixture f;
    f.options.token = token;
    f.gh.push("/repos/octocat/Hello-World", github_json(200, kHelloWorld).header("etag", "\"t\""));
    f.gh.push("/repos/octocat/private", github_json(404, R"({"message": "Not Found"})"));
    f.gh.push(
        "/repos/octocat/bad",
        github_json(
            401,
            R"({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})"));
    f.gh.push("/repos/octocat/limited",
              ReplayResponse::json(403, R"({"message": "API rate limit exceeded for user ID 1."})")
                  .header("x-ratelimit-remaining", "0")
                  .header("x-ratelimit-reset", std::to_string(epoch_now() + 3600)));
    ASSERT_TRUE(run_coro(f.client().repository("octocat/Hello-World")));
    EXPECT_EQ(f.gh.requests()[0].header("authorization"), "Bearer " + token);
    EXPECT_EQ(f.gh.requests()[0].target.find(token), std::string::npos);
    for (std::string_view name : {"octocat/private", "octocat/bad", "octocat/limited", "octocat/Hello-World"}) {
      auto r = run_coro(f.client().repository(name));
      ASSERT_FALSE(r) << name;
      messages.push_back(r.error().message);
    }
    EXPECT_EQ(messages[1], "GitHub refused the token (401): Bad credentials; check GITHUB_TOKEN");

    testing::RefusingPort refusing;
    GitHubOptions o = f.options;
    o.api_url = refusing.url();
    GitHubClient offline(f.http, nullptr, o);
    auto r = run_coro(offline.repository("octocat/Hello-World"));
    ASSERT_FALSE(r);
    messages.push_back(r.error().message);
  }
  log::set_sink({});
  log::configure(log::Level::warn, log::Format::json);
  for (const auto& m : messages) EXPECT_EQ(m.find(token), std::string::npos) << m;
  std::lock_guard lock(mu);
  EXPECT_FALSE(logged.empty());                                // the requests were logged...
  EXPECT_EQ(logged.find(token), std::string::npos) << logged;  // ...without the token
  EXPECT_EQ(logged.find("S3cret"), std::string::npos);
}

// ------------------------------------------------------ remote analysis

const std::string kReadme =
    "<p align=\"center\"><img src=\"logo.png\" alt=\"logo\"></p>\n"
    "\n"
    "# Hello World\n"
    "\n"
    "[![CI](https://github.com/octocat/Hello-World/actions/workflows/ci.yml/badge.svg)](https://github.com/octocat/"
    "Hello-World/actions)\n"
    "\n"
    "My first repository on GitHub: a tiny C program\n"
    "that prints a greeting.\n"
    "\n"
    "## Building\n"
    "\n"
    "```sh\nmake\n```\n";

const std::string kSbom = R"({"sbom": {
  "SPDXID": "SPDXRef-DOCUMENT", "spdxVersion": "SPDX-2.3",
  "creationInfo": {"created": "2026-11-01T10:00:00Z", "creators": ["Tool: GitHub.com-Dependency-Graph"]},
  "name": "com.github.octocat/Hello-World", "dataLicense": "CC0-1.0",
  "documentNamespace": "https://spdx.org/spdxdocs/protobom/f00df00d",
  "documentDescribes": ["SPDXRef-com.github.octocat-Hello-World"],
  "packages": [
    {"SPDXID": "SPDXRef-com.github.octocat-Hello-World", "name": "com.github.octocat/Hello-World", "versionInfo": "master",
     "downloadLocation": "git+https://github.com/octocat/Hello-World", "filesAnalyzed": false, "licenseDeclared": "MIT",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:github/octocat/Hello-World@master"}]},
    {"SPDXID": "SPDXRef-npm-babel-core-7.23.0", "name": "npm:@babel/core", "versionInfo": "7.23.0",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false, "licenseConcluded": "MIT",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/%40babel/core@7.23.0"}]},
    {"SPDXID": "SPDXRef-pip-requests", "name": "pip:requests", "versionInfo": ">= 2.31",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests"}]},
    {"SPDXID": "SPDXRef-actions-checkout", "name": "actions:actions/checkout", "versionInfo": "4.*.*",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:githubactions/actions/checkout@4.%2A.%2A"}]},
    {"SPDXID": "SPDXRef-maven-guava", "name": "maven:com.google.guava/guava", "versionInfo": "32.1.2-jre",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:maven/com.google.guava/guava@32.1.2-jre"}]}
  ],
  "relationships": [
    {"relationshipType": "DESCRIBES", "spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-com.github.octocat-Hello-World"},
    {"relationshipType": "DEPENDS_ON", "spdxElementId": "SPDXRef-com.github.octocat-Hello-World", "relatedSpdxElement": "SPDXRef-npm-babel-core-7.23.0"}
  ]}})";

std::string listing_entry(std::string name, std::string type) {
  return json::serialize(
      json::object{{"name", name},
                   {"path", name},
                   {"sha", "3d21ec53a331a6f037a91c368710b99387d012c1"},
                   {"size", type == "dir" ? 0 : 42},
                   {"url", "https://api.github.com/repos/octocat/Hello-World/contents/" + name + "?ref=master"},
                   {"html_url", "https://github.com/octocat/Hello-World/blob/master/" + name},
                   {"download_url",
                    type == "dir" ? json::value(nullptr) : json::value("https://raw.githubusercontent.com/x/" + name)},
                   {"type", type}});
}

// The endpoints analyze_remote uses, scripted for octocat/Hello-World.
void push_repository(ReplayServer& gh) {
  gh.push("/repos/octocat/Hello-World", github_json(200, kHelloWorld));
}

void push_languages(ReplayServer& gh) {
  gh.push("/repos/octocat/Hello-World/languages", github_json(200, R"({"C": 7500, "Shell": 2000, "CMake": 500})"));
}

void push_listing(ReplayServer& gh) {
  std::string listing = "[";
  const std::vector<std::pair<std::string, std::string>> entries = {
      {".github", "dir"},         {"docs", "dir"},     {"src", "dir"},        {"tests", "dir"},
      {"CMakeLists.txt", "file"}, {"LICENSE", "file"}, {"README.md", "file"}, {"Dockerfile", "file"},
      {".travis.yml", "file"}};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    listing += (i ? "," : "") + listing_entry(entries[i].first, entries[i].second);
  }
  listing += "]";
  gh.push("/repos/octocat/Hello-World/contents/", github_json(200, listing));
}

void push_readme(ReplayServer& gh) {
  gh.push("/repos/octocat/Hello-World/readme",
          github_json(200, json::serialize(json::object{
                               {"type", "file"},
                               {"encoding", "base64"},
                               {"size", kReadme.size()},
                               {"name", "README.md"},
                               {"path", "README.md"},
                               {"content", base64(kReadme)},
                               {"sha", "3d21ec53a331a6f037a91c368710b99387d012c1"},
                               {"html_url", "https://github.com/octocat/Hello-World/blob/master/README.md"}})));
}

void push_sbom(ReplayServer& gh) {
  gh.push("/repos/octocat/Hello-World/dependency-graph/sbom", github_json(200, kSbom));
}

void script_hello_world(ReplayServer& gh) {
  push_repository(gh);
  push_languages(gh);
  push_listing(gh);
  push_readme(gh);
  push_sbom(gh);
}

TEST(RemoteAnalysis, BuildsTheDocumentFromGitHub) {
  Fixture f;
  script_hello_world(f.gh);
  auto r = run_coro(analyze_remote(f.client(), "octocat/Hello-World", {}));
  ASSERT_TRUE(r) << r.error().message;
  const auto& doc = *r;

  EXPECT_EQ(doc.at("repository"), json::parse(R"({"name": "octocat/Hello-World", "source": "github",
      "html_url": "https://github.com/octocat/Hello-World", "description": "This your first repo!", "stars": 80,
      "forks": 9, "open_issues": 2, "language": "C", "default_branch": "master", "license": "MIT",
      "topics": ["octocat", "atom", "electron", "api"], "created_at": "2011-01-26T19:01:12Z",
      "pushed_at": "2011-01-26T19:06:43Z", "archived": false})"));
  EXPECT_EQ(doc.at("languages"), json::parse(R"([{"name": "C", "bytes": 7500, "share": 0.75},
      {"name": "Shell", "bytes": 2000, "share": 0.2}, {"name": "CMake", "bytes": 500, "share": 0.05}])"));

  const auto& st = doc.at("structure").as_object();
  EXPECT_EQ(st.at("top_level").as_array().size(), 9u);
  EXPECT_EQ(st.at("top_level").as_array()[0], json::parse(R"({"name": ".github", "type": "dir", "role": "ci"})"));
  EXPECT_EQ(st.at("build_systems"), json::parse(R"(["CMake", "Docker"])"));
  EXPECT_EQ(st.at("test_dirs"), json::parse(R"(["tests"])"));
  EXPECT_EQ(st.at("docs"), json::parse(R"(["docs/", "README.md"])"));
  EXPECT_EQ(st.at("ci"), json::parse(R"([".github/", ".travis.yml"])"));
  EXPECT_EQ(st.at("license"), "LICENSE");

  EXPECT_EQ(doc.at("readme"), json::parse(R"({"path": "README.md", "title": "Hello World",
      "first_paragraph": "My first repository on GitHub: a tiny C program that prints a greeting."})"));

  EXPECT_EQ(doc.at("dependencies"), json::parse(R"([
      {"manifest": "dependency-graph", "ecosystem": "npm", "name": "@babel/core", "constraint": "7.23.0", "scope": "",
       "purl": "pkg:npm/%40babel/core@7.23.0"},
      {"manifest": "dependency-graph", "ecosystem": "pypi", "name": "requests", "constraint": ">= 2.31", "scope": "",
       "purl": "pkg:pypi/requests"},
      {"manifest": "dependency-graph", "ecosystem": "actions", "name": "actions/checkout", "constraint": "4.*.*",
       "scope": "", "purl": "pkg:githubactions/actions/checkout@4.%2A.%2A"},
      {"manifest": "dependency-graph", "ecosystem": "maven", "name": "com.google.guava:guava",
       "constraint": "32.1.2-jre", "scope": "", "purl": "pkg:maven/com.google.guava/guava@32.1.2-jre"}])"));

  std::string summary(doc.at("summary").as_string());
  EXPECT_NE(summary.find("octocat/Hello-World: This your first repo!"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Mostly C (75%) and Shell (20%)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("80 stars, 9 forks, license MIT"), std::string::npos) << summary;
  EXPECT_NE(summary.find("4 dependencies"), std::string::npos) << summary;

  const auto& unavailable = doc.at("unavailable").as_object();
  EXPECT_EQ(unavailable.size(), 2u);
  EXPECT_TRUE(unavailable.contains("symbols"));
  EXPECT_TRUE(unavailable.contains("history"));
}

TEST(RemoteAnalysis, AFailedSubRequestOnlyMakesItsAspectUnavailable) {
  Fixture f;
  push_repository(f.gh);
  f.gh.push("/repos/octocat/Hello-World/languages", ReplayResponse::json(500, "oops"));
  push_listing(f.gh);
  push_readme(f.gh);
  // No SBOM scripted: GitHub's 404, as for a repository whose dependency graph is off.
  std::vector<std::string> aspects = {"languages", "dependencies", "summary"};
  auto r = run_coro(analyze_remote(f.client(), "octocat/Hello-World", aspects));
  ASSERT_TRUE(r) << r.error().message;
  const auto& unavailable = r->at("unavailable").as_object();
  EXPECT_EQ(unavailable.size(), 2u);
  EXPECT_EQ(unavailable.at("dependencies"),
            "octocat/Hello-World has no dependency graph on GitHub (it may be disabled for the repository)");
  EXPECT_EQ(unavailable.at("languages"), "GitHub answered 500 for /repos/octocat/Hello-World/languages");
  EXPECT_FALSE(r->contains("languages"));
  EXPECT_FALSE(r->contains("dependencies"));
  EXPECT_FALSE(r->contains("structure"));  // not asked for
  EXPECT_TRUE(r->contains("repository"));
  EXPECT_TRUE(r->contains("readme"));  // read for the summary
  std::string summary(r->at("summary").as_string());
  EXPECT_NE(summary.find("Built with CMake, Docker."), std::string::npos) << summary;
  EXPECT_EQ(summary.find("Mostly"), std::string::npos) << summary;
}

TEST(RemoteAnalysis, OnlyTheRequestedAspectsAreFetched) {
  Fixture f;
  script_hello_world(f.gh);
  std::vector<std::string> aspects = {"languages", "symbols"};
  auto r = run_coro(analyze_remote(f.client(), "octocat/Hello-World", aspects));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->contains("languages"));
  EXPECT_FALSE(r->contains("structure"));
  EXPECT_FALSE(r->contains("summary"));
  EXPECT_EQ(r->at("unavailable").as_object().size(), 1u);
  EXPECT_EQ(f.gh.count("/repos/octocat/Hello-World/contents/"), 0u);
  EXPECT_EQ(f.gh.count("/repos/octocat/Hello-World/dependency-graph/sbom"), 0u);

  std::vector<std::string> unknown = {"languages", "vibes"};
  auto bad = run_coro(analyze_remote(f.client(), "octocat/Hello-World", unknown));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_argument);
}

TEST(RemoteAnalysis, AMissingRepositoryOrUnreachableGitHubIsAnError) {
  Fixture f;
  auto missing = run_coro(analyze_remote(f.client(), "octocat/nope", {}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_TRUE(missing.error().message.starts_with("repository octocat/nope not found on GitHub"));
  EXPECT_EQ(f.gh.total(), 1u);

  testing::RefusingPort refusing;
  GitHubOptions o;
  o.api_url = refusing.url();
  GitHubClient offline(f.http, nullptr, o);
  auto down = run_coro(analyze_remote(offline, "octocat/Hello-World", {}));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, ErrorKind::unavailable);

  auto invalid = run_coro(analyze_remote(f.client(), "../../etc/passwd", {}));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, ErrorKind::invalid_argument);
}

TEST(RemoteAnalysis, CancellationCancelsTheAnalysis) {
  Fixture f;
  push_repository(f.gh);
  push_languages(f.gh);
  push_listing(f.gh);
  push_sbom(f.gh);
  f.gh.route("/repos/octocat/Hello-World/readme",
             [](const ReplayRequest&) { return github_json(200, "{}").after(1s); });
  CancelSource source;
  std::thread canceller([&] {
    while (f.gh.count("/repos/octocat/Hello-World/readme") == 0) std::this_thread::sleep_for(5ms);
    source.cancel();
  });
  auto started = std::chrono::steady_clock::now();
  auto r = run_coro(analyze_remote(f.client(), "octocat/Hello-World", {}, source.token()));
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);
}

}  // namespace
}  // namespace devagent::github
