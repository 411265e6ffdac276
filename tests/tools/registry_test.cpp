// The agent's tools as the agent uses them: the registry's specs and
// validation, and each tool against a real code index (a git repository the
// test makes) and a GitHub replayed from a local server.
#include "tools/default_tools.h"

#include "code/code.h"
#include "github/client.h"
#include "http/client.h"
#include "support/coro.h"
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/replay_server.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace devagent::tools {
namespace {

namespace json = boost::json;
using testing::GitRepo;
using testing::ReplayResponse;
using testing::ReplayServer;
using testing::run_coro;
using namespace std::chrono_literals;

ReplayResponse github(std::string body) {
  return ReplayResponse::json(200, std::move(body))
      .header("x-ratelimit-limit", "60")
      .header("x-ratelimit-remaining", "50")
      .header("x-ratelimit-reset", "4102444800")
      .header("x-ratelimit-resource", "core");
}

constexpr const char* kRepository = R"({"id": 1, "name": "Hello-World", "full_name": "octocat/Hello-World",
  "owner": {"login": "octocat"}, "html_url": "https://github.com/octocat/Hello-World",
  "description": "My first repository", "stargazers_count": 80, "forks_count": 9, "open_issues_count": 0,
  "language": "Python", "default_branch": "main", "topics": [], "license": {"spdx_id": "MIT", "name": "MIT License"},
  "created_at": "2011-01-26T19:01:12Z", "pushed_at": "2026-11-01T10:00:00Z", "archived": false})";

constexpr const char* kSbom = R"({"sbom": {"SPDXID": "SPDXRef-DOCUMENT", "spdxVersion": "SPDX-2.3",
  "name": "com.github.octocat/Hello-World", "documentDescribes": ["SPDXRef-self"],
  "packages": [
    {"SPDXID": "SPDXRef-self", "name": "com.github.octocat/Hello-World", "versionInfo": "main",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:github/octocat/Hello-World@main"}]},
    {"SPDXID": "SPDXRef-pip-requests", "name": "pip:requests", "versionInfo": ">= 2.28",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests"}]},
    {"SPDXID": "SPDXRef-pip-numpy", "name": "pip:numpy", "versionInfo": "1.26.0",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/numpy@1.26.0"}]}]}})";

// A workspace of one repository (Python and C), a replayed GitHub, and the
// registry over both.
class Tools : public ::testing::Test {
 protected:
  void SetUp() override {
    repo.write("requirements.txt", "requests>=2.31\nflask==3.0.0\n");
    repo.write("app/main.py", "import requests\n\n\ndef fetch(url):\n    # get it\n    return requests.get(url)\n");
    repo.write("src/util.c", "#include <stdio.h>\n\nint parse_config(const char* path) {\n  return 0;\n}\n");
    repo.commit("initial");
    code::CodeOptions options;
    options.roots = {repo.root().string()};
    options.base = repo.root();
    options.index_path = (index_dir.path() / "code-index.db").string();
    auto opened = code::CodeIntel::open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    intel = std::move(*opened);
  }
  void TearDown() override {
    registry.reset();
    gh_client.reset();
  }

  ToolRegistry& tools(const std::string& api_url) {
    github::GitHubOptions o;
    o.api_url = api_url;
    o.max_wait = 0ms;
    gh_client = std::make_unique<github::GitHubClient>(http, nullptr, o);
    registry = std::make_unique<ToolRegistry>(make_default_tools(*intel, gh_client.get()));
    return *registry;
  }

  Result<json::object> call(ToolRegistry& reg, const std::string& tool, std::string_view args) {
    auto valid = reg.validate(tool, json::parse(args).as_object());
    EXPECT_TRUE(valid) << valid.error().message();
    if (!valid) return make_error(ErrorKind::invalid_argument, valid.error().message());
    return run_coro(reg.find(tool)->run(*valid, {}));
  }

  GitRepo repo;
  testing::TempDir index_dir;
  std::unique_ptr<code::CodeIntel> intel;
  http::Client http;
  std::unique_ptr<github::GitHubClient> gh_client;
  std::unique_ptr<ToolRegistry> registry;
  ReplayServer gh;
};

TEST_F(Tools, TheFiveToolsWithTheirSchemas) {
  auto& reg = tools(gh.base_url());
  EXPECT_EQ(reg.names(),
            (std::vector<std::string>{"searchGitHub", "analyzeRepository", "findRelationships", "searchCode", "readFile"}));
  for (const auto& spec : reg.specs()) {
    EXPECT_EQ(spec.parameters.at("type").as_string(), "object") << spec.name;
    EXPECT_FALSE(spec.description.empty()) << spec.name;
  }
  auto search = reg.specs()[0].parameters.at("properties").as_object();
  EXPECT_EQ(search.at("limit").at("maximum").as_int64(), 100);
  EXPECT_EQ(search.at("type").at("default").as_string(), "repositories");
}

TEST_F(Tools, InvalidCallsNameThePathAndTheRule) {
  auto& reg = tools(gh.base_url());
  auto message = [&](const std::string& tool, std::string_view args) {
    auto r = reg.validate(tool, json::parse(args).as_object());
    return r ? std::string("valid") : r.error().message();
  };
  EXPECT_EQ(message("searchGitHub", R"({"query":"x","limit":500})"), "searchGitHub: /limit: must be <= 100");
  EXPECT_EQ(message("searchGitHub", R"({"limit":5})"), "searchGitHub: (root): missing required property \"query\"");
  EXPECT_EQ(message("searchGitHub", R"({"query":"x","sort":"popularity"})"),
            "searchGitHub: /sort: must be one of \"best-match\", \"stars\", \"forks\", \"updated\"");
  EXPECT_EQ(message("analyzeRepository", R"({"repository":".","aspects":["languages","colours"]})"),
            "analyzeRepository: /aspects/1: must be one of \"languages\", \"structure\", \"dependencies\", "
            "\"symbols\", \"history\", \"summary\"");
  EXPECT_EQ(message("findRelationships", R"({"kind":"imports","repositories":[]})"),
            "findRelationships: /repositories: must have at least 1 item, got 0");
  EXPECT_EQ(message("readFile", R"({"path":"a","colour":1})"),
            "readFile: /colour: property not allowed (additionalProperties is false)");
  // Defaults are filled in for the tool.
  auto filled = reg.validate("searchGitHub", json::parse(R"({"query":"x"})").as_object());
  ASSERT_TRUE(filled);
  EXPECT_EQ(filled->at("type").as_string(), "repositories");
  EXPECT_EQ(filled->at("limit").as_int64(), 10);
}

TEST_F(Tools, RepositoriesGoToGitHubOrToTheLocalIndex) {
  auto kind = [&](std::string_view spec) {
    auto r = classify_repository(spec, *intel);
    return (r.kind == RepositoryRef::Kind::github ? "github:" : "local:") + r.name;
  };
  EXPECT_EQ(kind("."), "local:.");
  EXPECT_EQ(kind(repo.root().filename().string()), "local:" + repo.root().filename().string());
  EXPECT_EQ(kind("tokio-rs/axum"), "github:tokio-rs/axum");
  EXPECT_EQ(kind("https://github.com/pallets/flask.git"), "github:pallets/flask");
  EXPECT_EQ(kind("https://github.com/golang/go/tree/master/src"), "github:golang/go");
  EXPECT_EQ(kind("app"), "local:app");            // a directory in the workspace, not a GitHub name
  EXPECT_EQ(kind("a/b/c"), "local:a/b/c");
  EXPECT_EQ(kind("../../etc"), "local:../../etc");  // and the index refuses it (below)
}

TEST_F(Tools, AnalyzeALocalRepository) {
  auto& reg = tools(gh.base_url());
  auto doc = call(reg, "analyzeRepository", R"({"repository":".","aspects":["languages","dependencies"]})");
  ASSERT_TRUE(doc) << doc.error().message;
  const auto& langs = doc->at("languages").as_array();
  ASSERT_EQ(langs.size(), 3u) << json::serialize(*doc);
  // Python: 6 lines, 1 comment, 2 blank → 3 code; C: 5 lines, 1 blank → 4 code; Text: 2.
  std::map<std::string, std::array<std::int64_t, 3>> got;
  for (const auto& l : langs)
    got[std::string(l.at("name").as_string())] = {l.at("code").as_int64(), l.at("comment").as_int64(),
                                                  l.at("blank").as_int64()};
  EXPECT_EQ(got["Python"], (std::array<std::int64_t, 3>{3, 1, 2}));
  EXPECT_EQ(got["C"], (std::array<std::int64_t, 3>{4, 0, 1}));
  EXPECT_EQ(got["Text"], (std::array<std::int64_t, 3>{2, 0, 0}));  // requirements.txt, as cloc counts it
  EXPECT_EQ(doc->at("dependencies").as_array().size(), 2u);
  EXPECT_FALSE(doc->contains("history"));

  auto outside = call(reg, "analyzeRepository", R"({"repository":"../../etc"})");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().kind, ErrorKind::forbidden) << outside.error().message;
}

TEST_F(Tools, AnalyzeAGitHubRepository) {
  gh.push("/repos/octocat/Hello-World", github(kRepository));
  gh.push("/repos/octocat/Hello-World/dependency-graph/sbom", github(kSbom));
  auto& reg = tools(gh.base_url());
  auto doc = call(reg, "analyzeRepository", R"({"repository":"octocat/Hello-World","aspects":["dependencies"]})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->at("repository").at("source").as_string(), "github");
  EXPECT_EQ(doc->at("repository").at("stars").as_int64(), 80);
  EXPECT_EQ(doc->at("dependencies").as_array().size(), 2u);
  EXPECT_EQ(gh.count("/repos/octocat/Hello-World/languages"), 0u);  // only what the aspects need
}

TEST_F(Tools, SharedDependenciesBetweenALocalAndAGitHubRepository) {
  gh.push("/repos/octocat/Hello-World", github(kRepository));
  gh.push("/repos/octocat/Hello-World/dependency-graph/sbom", github(kSbom));
  auto& reg = tools(gh.base_url());
  auto doc = call(reg, "findRelationships",
                  R"({"kind":"shared_dependencies","repositories":[".","octocat/Hello-World"]})");
  ASSERT_TRUE(doc) << doc.error().message;
  const auto& shared = doc->at("shared").as_array();
  ASSERT_EQ(shared.size(), 1u) << json::serialize(*doc);
  EXPECT_EQ(shared[0].at("name").as_string(), "requests");
  EXPECT_EQ(shared[0].at("ecosystem").as_string(), "pypi");
  EXPECT_EQ(shared[0].at("constraints").at("octocat/Hello-World").as_string(), ">= 2.28");
  EXPECT_EQ(shared[0].at("constraints").at(".").as_string(), ">=2.31");
  EXPECT_NE(doc->at("mermaid").as_string().find("requests"), std::string::npos);
  EXPECT_FALSE(doc->contains("unavailable"));
}

TEST_F(Tools, WhenGitHubCannotBeReachedLocalResultsStillComeBack) {
  testing::RefusingPort refusing;
  auto& reg = tools(refusing.url());
  auto doc = call(reg, "findRelationships", R"({"kind":"shared_dependencies","repositories":[".","pallets/flask"]})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_TRUE(doc->at("shared").as_array().empty());
  auto why = json::serialize(doc->at("unavailable").at("pallets/flask"));
  EXPECT_NE(why.find("GitHub cannot be reached"), std::string::npos) << why;

  // A code search falls back to the workspace's own code, and says why.
  auto found = call(reg, "searchGitHub", R"({"query":"parse_config","type":"code"})");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_NE(json::serialize(found->at("unavailable")).find("GitHub cannot be reached"), std::string::npos);
  const auto& local = found->at("local").as_object();
  EXPECT_EQ(local.at("total").as_int64(), 1);
  EXPECT_EQ(local.at("matches").at(0).at("path").as_string(), "src/util.c");

  // A repository search has nothing local to offer: a clear error.
  auto repos = call(reg, "searchGitHub", R"({"query":"web framework"})");
  ASSERT_FALSE(repos);
  EXPECT_EQ(repos.error().kind, ErrorKind::unavailable);

  // Relationships that need files and history are refused for GitHub repositories.
  auto imports = call(reg, "findRelationships", R"({"kind":"imports","repositories":["pallets/flask"]})");
  ASSERT_FALSE(imports);
  EXPECT_NE(imports.error().message.find("clone it into the workspace"), std::string::npos);
}

TEST_F(Tools, SearchGitHubRepositories) {
  gh.push("/search/repositories", github(R"({"total_count": 2, "incomplete_results": false, "items": [
    {"full_name": "tokio-rs/axum", "description": "Ergonomic web framework", "html_url": "https://github.com/tokio-rs/axum",
     "language": "Rust", "stargazers_count": 20000, "forks_count": 1000, "open_issues_count": 50,
     "updated_at": "2026-11-01T10:00:00Z", "topics": ["http"], "license": {"spdx_id": "MIT"}},
    {"full_name": "actix/actix-web", "description": "Actix", "html_url": "https://github.com/actix/actix-web",
     "language": "Rust", "stargazers_count": 21000, "forks_count": 1600, "open_issues_count": 90,
     "updated_at": "2026-10-01T10:00:00Z", "topics": [], "license": null}]})"));
  auto& reg = tools(gh.base_url());
  auto doc = call(reg, "searchGitHub", R"({"query":"web framework","language":"rust","sort":"stars","limit":2})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->at("total_count").as_int64(), 2);
  EXPECT_EQ(doc->at("items").at(0).at("full_name").as_string(), "tokio-rs/axum");
  EXPECT_EQ(doc->at("items").at(0).at("stars").as_int64(), 20000);
  auto sent = gh.requests().at(0).target;
  EXPECT_NE(sent.find("sort=stars"), std::string::npos) << sent;
  EXPECT_NE(sent.find("language%3Arust"), std::string::npos) << sent;
  EXPECT_NE(sent.find("per_page=2"), std::string::npos) << sent;
}

TEST_F(Tools, SearchCodeAndReadFile) {
  auto& reg = tools(gh.base_url());
  auto found = call(reg, "searchCode", R"({"query":"parse_config"})");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->at("total").as_int64(), 1);
  const auto& m = found->at("matches").at(0);
  EXPECT_EQ(m.at("path").as_string(), "src/util.c");
  EXPECT_EQ(m.at("line").as_int64(), 3);
  EXPECT_EQ(m.at("column").as_int64(), 5);
  EXPECT_EQ(m.at("text").as_string(), "int parse_config(const char* path) {");

  auto slice = call(reg, "readFile", R"({"path":"src/util.c","start_line":3,"end_line":4})");
  ASSERT_TRUE(slice) << slice.error().message;
  EXPECT_EQ(slice->at("text").as_string(), "int parse_config(const char* path) {\n  return 0;\n");
  EXPECT_EQ(slice->at("total_lines").as_int64(), 5);

  auto escape = call(reg, "readFile", R"({"path":"../../../etc/passwd"})");
  ASSERT_FALSE(escape);
  EXPECT_EQ(escape.error().kind, ErrorKind::forbidden) << escape.error().message;
  auto backwards = call(reg, "readFile", R"({"path":"src/util.c","start_line":4,"end_line":2})");
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().message, "end_line must be 0 or >= start_line");
}

}  // namespace
}  // namespace devagent::tools
