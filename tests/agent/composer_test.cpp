// The builtin composer: answers written from real tool results — documents
// of the code module run on a git repository made here, and captured
// documents under tests/agent/fixtures/.
#include "agent/composer.h"

#include "code/code.h"
#include "support/git_repo.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>

namespace devagent::agent {
namespace {

namespace json = boost::json;
using devagent::testing::GitRepo;
using devagent::testing::TempDir;

TaskResult ok(std::string tool, json::object arguments, json::object result) {
  TaskResult r;
  r.id = "t1";
  r.tool = std::move(tool);
  r.arguments = std::move(arguments);
  r.result = std::move(result);
  return r;
}

TaskResult not_ok(std::string tool, json::object arguments, TaskResult::Status status, std::string error,
                  std::int64_t duration_ms = 0) {
  TaskResult r;
  r.id = "t2";
  r.tool = std::move(tool);
  r.arguments = std::move(arguments);
  r.status = status;
  r.error = std::move(error);
  r.duration_ms = duration_ms;
  return r;
}

std::string compose(std::string question, std::vector<TaskResult> results = {}) {
  return compose_answer(ComposeInput{std::move(question), std::move(results)});
}

json::object fixture(const std::string& name) {
  std::ifstream in(std::string(DEVAGENT_SOURCE_DIR) + "/tests/agent/fixtures/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << "fixture " << name;
  return json::parse(text.str()).as_object();
}

// Fails unless every part occurs in the text, in this order.
void expect_in_order(const std::string& text, const std::vector<std::string>& parts) {
  std::size_t pos = 0;
  for (const auto& part : parts) {
    auto at = text.find(part, pos);
    ASSERT_NE(at, std::string::npos) << "missing, or out of order: " << part << "\n--- answer ---\n" << text;
    pos = at + part.size();
  }
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

std::string last_line(const std::string& text) {
  return text.substr(text.rfind('\n') + 1);
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The lines of the text that are table rows.
std::vector<std::string> table_rows(const std::string& text) {
  std::vector<std::string> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (starts_with(line, "| ")) rows.push_back(line);
  }
  return rows;
}

// Cell separators: pipes not escaped with a backslash.
std::size_t separators(const std::string& row) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < row.size(); ++i) n += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
  return n;
}

// ---------------------------------------------------------------------------
// Answers from the code module's own documents, on a repository with a
// known history:
//   commit 1 (Ada, 2024-01-01): every file;
//   commits 2-6 (Grace): src/util.h and src/core.h, together, one line each;
//   commits 7-8 (Ada): src/big.cpp, one line each.
// Code lines at the end: big.cpp 43, util.h 8, core.h 7, main.cpp 3,
// util_test.cpp 2, gen.py 5, CMakeLists.txt 4.

class ComposerRepoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    repo_ = std::make_unique<GitRepo>();
    write_initial_files(*repo_);
    repo_->commit("initial", "Ada Lovelace", "ada@example.com", "2024-01-01T10:00:00Z");
    std::string util = "#pragma once\n#include \"core.h\"\nint util();\n";
    std::string core = "#pragma once\n// the core\nint core();\n";
    for (int i = 1; i <= 5; ++i) {
      util += "int u" + std::to_string(i) + "();\n";
      core += "int c" + std::to_string(i) + "();\n";
      repo_->write("src/util.h", util);
      repo_->write("src/core.h", core);
      repo_->commit("util and core " + std::to_string(i), "Grace Hopper", "grace@example.com",
                    "2024-02-0" + std::to_string(i) + "T10:00:00Z");
    }
    std::string big = big_cpp();
    for (int i = 1; i <= 2; ++i) {
      big += "int extra" + std::to_string(i) + "() { return " + std::to_string(i) + "; }\n";
      repo_->write("src/big.cpp", big);
      repo_->commit("big " + std::to_string(i), "Ada Lovelace", "ada@example.com",
                    "2024-03-0" + std::to_string(i) + "T10:00:00Z");
    }
    index_dir_ = std::make_unique<TempDir>();
    code::CodeOptions options;
    options.roots = {repo_->root().string()};
    options.base = repo_->root();
    options.index_path = (index_dir_->path() / "code-index.db").string();
    auto intel = code::CodeIntel::open(options);
    ASSERT_TRUE(intel) << intel.error().message;
    intel_ = std::move(*intel);
  }

  static void TearDownTestSuite() {
    intel_.reset();
    index_dir_.reset();
    repo_.reset();
  }

  static std::string big_cpp() {
    std::string text = "#include \"core.h\"\n";
    for (int i = 0; i < 40; ++i) text += "int f" + std::to_string(i) + "() { return " + std::to_string(i) + "; }\n";
    return text;
  }

  static void write_initial_files(GitRepo& repo) {
    repo.write("src/core.h", "#pragma once\n// the core\nint core();\n");
    repo.write("src/util.h", "#pragma once\n#include \"core.h\"\nint util();\n");
    repo.write("src/main.cpp", "#include \"util.h\"\n#include \"core.h\"\nint main() { return util() + core(); }\n");
    repo.write("src/big.cpp", big_cpp());
    repo.write("tests/util_test.cpp", "#include \"../src/util.h\"\nint t() { return util(); }\n");
    repo.write("tools/gen.py", "import sys\n\ndef main():\n    print(sys.argv)\n    return 0\nmain()\n");
    repo.write("CMakeLists.txt",
               "cmake_minimum_required(VERSION 3.20)\nproject(demo CXX)\nfind_package(Boost 1.81 REQUIRED)\n"
               "add_executable(demo src/main.cpp src/big.cpp)\n");
  }

  void SetUp() override {
    ASSERT_TRUE(intel_) << "the code index could not be opened";
    auto repo = intel_->repository(".");
    ASSERT_TRUE(repo) << repo.error().message;
    repository_ = *repo;
    name_ = repository_.name;
  }

  json::object analysis(std::vector<std::string> aspects) {
    auto doc = intel_->analyze(repository_, aspects);
    EXPECT_TRUE(doc) << doc.error().message;
    return doc ? *doc : json::object{};
  }

  json::object relationships(code::RelationKind kind, std::string focus = "") {
    auto doc = intel_->relationships({repository_}, kind, focus);
    EXPECT_TRUE(doc) << doc.error().message;
    return doc ? *doc : json::object{};
  }

  // Shaped as the searchCode tool returns it (docs/agents.md).
  json::object search(const std::string& text) {
    // The tool indexes first; so must the test, which may run alone.
    EXPECT_TRUE(intel_->ensure_indexed(repository_));
    auto found = intel_->search(code::SearchQuery{.text = text, .repository = repository_.id});
    EXPECT_TRUE(found) << found.error().message;
    json::array matches;
    if (found) {
      for (const auto& m : found->matches) {
        matches.push_back(json::object{
            {"repository", name_}, {"path", m.path}, {"line", m.line}, {"column", m.column}, {"text", m.text}});
      }
    }
    return json::object{{"query", text},
                        {"regex", false},
                        {"total", found ? found->total : 0},
                        {"files", found ? found->files : 0},
                        {"matches", std::move(matches)}};
  }

  // Shaped as the readFile tool returns it.
  json::object read(const std::string& path, int start, int end) {
    auto slice = intel_->read_file(repository_, path, start, end);
    EXPECT_TRUE(slice) << slice.error().message;
    if (!slice) return {};
    return json::object{{"repository", name_},
                        {"path", slice->path},
                        {"start_line", slice->start_line},
                        {"end_line", slice->end_line},
                        {"total_lines", slice->total_lines},
                        {"text", slice->text},
                        {"truncated", slice->truncated}};
  }

  static inline std::unique_ptr<GitRepo> repo_;
  static inline std::unique_ptr<TempDir> index_dir_;
  static inline std::unique_ptr<code::CodeIntel> intel_;
  code::Repository repository_;
  std::string name_;
};

TEST_F(ComposerRepoTest, HotspotsLeadAsARankedListWithChangesLinesAndScore) {
  auto answer =
      compose("what are the hotspots in this repository?",
              {ok("analyzeRepository", {{"repository", "."}, {"aspects", {"history"}}}, analysis({"history"}))});
  EXPECT_TRUE(
      starts_with(answer, "The top hotspot in **" + name_ + "** is `src/big.cpp`: 3 changes and 43 lines of code."))
      << answer;
  expect_in_order(
      answer, {"**Hotspots**", "1. `src/big.cpp` — 3 changes, 43 lines, score 1.00",
               "2. `src/util.h` — 6 changes, 8 lines, score 0.37", "3. `src/core.h` — 6 changes, 7 lines, score 0.33",
               "_Based on 8 commits from 2024-01-01 to 2024-03-02._", "**Contributors**"});
  EXPECT_NE(last_line(answer).find("`OPENAI_API_KEY`"), std::string::npos) << answer;
  EXPECT_NE(last_line(answer).find("refactoring"), std::string::npos) << answer;
}

TEST_F(ComposerRepoTest, ContributorsRankedWithCommitsAndShare) {
  auto answer = compose("who are the main contributors?",
                        {ok("analyzeRepository", {{"repository", "."}}, analysis({"history"}))});
  EXPECT_TRUE(starts_with(answer, "**Grace Hopper** made the most commits to **" + name_ +
                                      "**: 5 of 8 (62.5%). 2 authors committed in all."))
      << answer;
  expect_in_order(answer, {"**Contributors**", "1. Grace Hopper — 5 commits (62.5%), 2024-02-01 to 2024-02-05",
                           "2. Ada Lovelace — 3 commits (37.5%), 2024-01-01 to 2024-03-02", "**Hotspots**"});
}

TEST_F(ComposerRepoTest, LanguagesAsATableSortedByCodeWithShares) {
  auto answer = compose("which programming languages are used in my project?",
                        {ok("analyzeRepository", {{"repository", "."}}, analysis({"languages"}))});
  EXPECT_TRUE(
      starts_with(answer, "**" + name_ + "** is mostly **C++**: 48 of 72 lines of code (66.7%), in 4 languages."))
      << answer;
  expect_in_order(answer,
                  {"| Language | Files | Code | Comment | Blank | Share of code |", "| C++ | 3 | 48 | 0 | 0 | 66.7% |",
                   "| C/C++ Header | 2 | 15 | 1 | 0 | 20.8% |", "| Python | 1 | 5 | 0 | 1 | 6.9% |",
                   "| CMake | 1 | 4 | 0 | 0 | 5.6% |", "| **total** | 7 | 72 | 1 | 1 | 100% |"});
}

TEST_F(ComposerRepoTest, FullAnalysisShowsEverySectionAfterTheSummary) {
  auto doc = analysis({});
  auto answer = compose("analyze this repo", {ok("analyzeRepository", {{"repository", "."}}, doc)});
  EXPECT_TRUE(starts_with(answer, std::string(doc.at("summary").as_string()).substr(0, 20))) << answer;
  expect_in_order(answer, {"**Languages**", "**Structure**", "- Build: CMake", "**Dependencies**",
                           "| `Boost` | `1.81` |", "**Symbols**", "**Hotspots**", "**Contributors**",
                           "**Change coupling**", "1. `src/core.h` ↔ `src/util.h` — 100% coupling, 6 shared changes"});
}

TEST_F(ComposerRepoTest, DependentsCountFirstThenDirectThenIndirectWithADiagram) {
  auto answer = compose("what would be affected if I modify src/core.h?",
                        {ok("findRelationships", {{"kind", "dependents"}, {"focus", "src/core.h"}},
                            relationships(code::RelationKind::dependents, "src/core.h"))});
  EXPECT_TRUE(starts_with(answer, "**4 files** depend on `src/core.h`: 3 directly and 1 through other files."))
      << answer;
  expect_in_order(answer, {"**Direct dependents**", "`src/util.h`", "**Indirect dependents**",
                           "1. `tests/util_test.cpp` — depth 2", "```mermaid\ngraph LR\n"});
  EXPECT_NE(answer.find("[\"src/core.h\"]"), std::string::npos) << answer;
  EXPECT_NE(answer.find(" --> n"), std::string::npos) << answer;
  EXPECT_NE(last_line(answer).find("ripple"), std::string::npos) << answer;
}

TEST_F(ComposerRepoTest, CochangeRankedWithCouplingDegreeAndSharedChanges) {
  auto answer = compose("what changes together with src/util.h?",
                        {ok("findRelationships", {{"kind", "cochange"}, {"focus", "src/util.h"}},
                            relationships(code::RelationKind::cochange, "src/util.h"))});
  expect_in_order(
      answer, {"**1 file** changes together with `src/util.h`",
               "1. `src/core.h` — 100% coupling, 6 shared changes (6.0 changes on average)", "```mermaid\ngraph LR\n"});
}

TEST_F(ComposerRepoTest, CochangeWithNothingCoupledExplainsTheThresholds) {
  auto answer = compose("what changes together with src/main.cpp?",
                        {ok("findRelationships", {{"kind", "cochange"}, {"focus", "src/main.cpp"}},
                            relationships(code::RelationKind::cochange, "src/main.cpp"))});
  EXPECT_TRUE(starts_with(answer,
                          "No file changes together with `src/main.cpp` often enough to count. A pair counts "
                          "when its files changed at least 5 times on average, at least 5 times together"))
      << answer;
  EXPECT_EQ(answer.find("```mermaid"), std::string::npos) << answer;
}

TEST_F(ComposerRepoTest, ImportGraphHasPageRankListAndDiagram) {
  auto answer = compose("show me the import graph of this codebase",
                        {ok("findRelationships", {{"kind", "imports"}}, relationships(code::RelationKind::imports))});
  expect_in_order(answer,
                  {"The import graph of **" + name_ + "** links **5 files** with **5 imports** between them.",
                   "**Most central files**", "1. `src/core.h` — rank ", "```mermaid\ngraph LR\n  n0[\"src/core.h\"]"});
}

TEST_F(ComposerRepoTest, DependenciesAsATablePerManifest) {
  auto answer =
      compose("What does this repo depend on?",
              {ok("findRelationships", {{"kind", "dependencies"}}, relationships(code::RelationKind::dependencies))});
  expect_in_order(answer, {"**" + name_ + "** declares **1 dependency** in 1 manifest.",
                           "`CMakeLists.txt` (cmake), 1 dependency:", "| Name | Constraint | Scope |",
                           "| `Boost` | `1.81` | runtime |"});
  EXPECT_NE(last_line(answer).find("what each dependency is for"), std::string::npos) << answer;
}

TEST_F(ComposerRepoTest, CodeSearchGivesCountThenPathLineColumnAndTheLine) {
  auto answer = compose("where is util() called?", {ok("searchCode", {{"query", "util()"}}, search("util()"))});
  EXPECT_TRUE(starts_with(answer, "**3 matches** for `util()` in 3 files:")) << answer;
  EXPECT_NE(answer.find("`src/util.h:3:5`\n```cpp\nint util();\n```"), std::string::npos) << answer;
  EXPECT_NE(answer.find("`src/main.cpp:3:21`\n```cpp\nint main() { return util() + core(); }\n```"), std::string::npos)
      << answer;
  EXPECT_NE(answer.find("`tests/util_test.cpp:2:18`\n```cpp\nint t() { return util(); }\n```"), std::string::npos)
      << answer;
}

TEST_F(ComposerRepoTest, FileSliceInAFenceWithTheLanguageOfItsExtension) {
  auto answer =
      compose("show src/main.cpp lines 1-2", {ok("readFile", {{"path", "src/main.cpp"}}, read("src/main.cpp", 1, 2))});
  EXPECT_TRUE(starts_with(answer, "`src/main.cpp`, lines 1–2 of 3 in **" + name_ +
                                      "**:\n\n```cpp\n#include \"util.h\"\n#include \"core.h\"\n```\n\n"))
      << answer;
  answer = compose("open tools/gen.py", {ok("readFile", {{"path", "tools/gen.py"}}, read("tools/gen.py", 1, 0))});
  EXPECT_NE(answer.find("```python\nimport sys\n"), std::string::npos) << answer;
}

// ---------------------------------------------------------------------------
// Answers from captured and constructed documents.

TEST(ComposerTest, GitHubRepositoriesAsARankedTable) {
  auto answer = compose(
      "find popular rust web frameworks",
      {ok("searchGitHub", {{"query", "web framework"}, {"sort", "stars"}}, fixture("search_github_hostile.json"))});
  EXPECT_TRUE(starts_with(answer,
                          "GitHub has **1,234 repositories** matching `web framework language:rust`; the top 4 "
                          "by stars:"))
      << answer;
  expect_in_order(answer,
                  {"| # | Repository | Stars | Language | Updated | Description |",
                   "| 1 | [tokio-rs/axum](https://github.com/tokio-rs/axum) | 21,345 | Rust | 2026-11-01 | Ergonomic",
                   "| 2 | [actix/actix-web](https://github.com/actix/actix-web) | 22,010 | Rust | 2026-10-28 |"});
  EXPECT_NE(last_line(answer).find("recommend one"), std::string::npos) << answer;
}

TEST(ComposerTest, HostileRepositoryContentStaysInertText) {
  auto answer = compose("find popular rust web frameworks",
                        {ok("searchGitHub", {{"query", "web framework"}}, fixture("search_github_hostile.json"))});
  // No HTML at all, and no link to anything but http(s).
  EXPECT_EQ(answer.find('<'), std::string::npos) << answer;
  for (auto at = answer.find("](javascript:"); at != std::string::npos; at = answer.find("](javascript:", at + 1)) {
    EXPECT_EQ(answer[at - 1], '\\') << "a live javascript: link\n" << answer;
  }
  // The "updated" field is not a date, so it is escaped like any text.
  EXPECT_NE(answer.find("| 3 | evil/&lt;script&gt;alert(1)&lt;/script&gt; | 7 | Rust\\|Go | 0000-&lt;a-b&gt; |"),
            std::string::npos)
      << answer;
  EXPECT_NE(
      answer.find("&lt;script&gt;alert(1)&lt;/script&gt; fast \\| safe \\`code\\` \\[click me\\](javascript:alert(2)) "
                  "\\# not a heading &lt;img"),
      std::string::npos)
      << answer;
  // A URL that tries to close the link early is percent-encoded instead.
  EXPECT_NE(answer.find("[sneaky/link](https://github.com/sneaky/link%29%20%5Bx%5D%28javascript:alert%284%29)"),
            std::string::npos)
      << answer;
  // Long descriptions are cut; every row keeps its seven cell separators.
  EXPECT_NE(answer.find("cut it down to siz…"), std::string::npos) << answer;
  auto rows = table_rows(answer);
  ASSERT_EQ(rows.size(), 6u) << answer;
  for (const auto& row : rows) EXPECT_EQ(separators(row), 7u) << row;
}

TEST(ComposerTest, LongListsAreTruncatedWithACountOfTheRest) {
  json::array items;
  for (int i = 1; i <= 45; ++i) {
    items.push_back(json::object{{"full_name", "owner/repo" + std::to_string(i)},
                                 {"html_url", "https://github.com/owner/repo" + std::to_string(i)},
                                 {"stars", 1000 - i},
                                 {"language", "Go"},
                                 {"updated_at", "2026-01-01T00:00:00Z"},
                                 {"description", "number " + std::to_string(i)}});
  }
  json::object doc{
      {"source", "github"}, {"type", "repositories"}, {"query", "cli"}, {"total_count", 45}, {"items", items}};
  auto answer = compose("Search GitHub for Go CLI libraries", {ok("searchGitHub", {{"query", "cli"}}, doc)});
  EXPECT_NE(answer.find("| 20 | [owner/repo20]"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("owner/repo21"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\n\n… and 25 more.\n\n"), std::string::npos) << answer;
}

TEST(ComposerTest, DependencyTablesStopAfterFortyRows) {
  json::array deps;
  for (int m = 1; m <= 4; ++m) {
    for (int i = 1; i <= 20; ++i) {
      deps.push_back(json::object{{"manifest", "m" + std::to_string(m) + "/package.json"},
                                  {"ecosystem", "npm"},
                                  {"name", "pkg" + std::to_string(m) + "-" + std::to_string(i)},
                                  {"constraint", "^1.0." + std::to_string(i)},
                                  {"scope", "runtime"}});
    }
  }
  json::object doc{{"kind", "dependencies"}, {"repositories", {"web"}}, {"focus", ""}, {"dependencies", deps}};
  auto answer = compose("list dependencies of my project", {ok("findRelationships", {{"kind", "dependencies"}}, doc)});
  expect_in_order(answer, {"**web** declares **80 dependencies** in 4 manifests.",
                           "`m1/package.json` (npm), 20 dependencies:", "| `pkg1-15` | `^1.0.15` | runtime |",
                           "… and 5 more in this manifest.", "`m2/package.json` (npm)",
                           "… and 5 more in this manifest.", "`m3/package.json` (npm)", "| `pkg3-10` |",
                           "… and 10 more in this manifest.", "… and 20 more in further manifests."});
  EXPECT_EQ(answer.find("pkg1-16"), std::string::npos);
  EXPECT_EQ(answer.find("pkg3-11"), std::string::npos);
  EXPECT_EQ(answer.find("m4/package.json"), std::string::npos);
  EXPECT_EQ(table_rows(answer).size(), 40u + 3u * 2) << "40 rows, and 3 headers with their rules";
}

TEST(ComposerTest, DependentsOfALargeGraphStayBounded) {
  // Captured from `devagent relationships . --kind dependents --focus src/core/error.h --json` on this repository.
  auto answer = compose("which files depend on src/core/error.h?",
                        {ok("findRelationships", {{"kind", "dependents"}, {"focus", "src/core/error.h"}},
                            fixture("dependents_error_h.json"))});
  EXPECT_TRUE(
      starts_with(answer, "**126 files** depend on `src/core/error.h`: 26 directly and 100 through other files."))
      << answer;
  expect_in_order(
      answer, {"1. `src/code/manifests_parsers.h` — rank 0.0230", "10. `src/code/workspace.h`", "\n\n… and 16 more.",
               "1. `src/cli/common.h` — depth 2", "\n\n… and 90 more.", "```mermaid"});
  EXPECT_EQ(occurrences(answer, "\"]\n"), 15u) << "15 diagram nodes\n" << answer;
  EXPECT_NE(answer.find("_The diagram shows only the 15 most important nodes._"), std::string::npos) << answer;
  EXPECT_LT(answer.size(), 5000u);
}

TEST(ComposerTest, FailedTasksGetOneLineEachAndSuccessesAreStillShown) {
  auto answer = compose("find rust web frameworks and analyze the top 2",
                        {ok("searchGitHub", {{"query", "web framework"}}, fixture("search_github_hostile.json")),
                         not_ok("analyzeRepository", {{"repository", "tokio-rs/axum"}}, TaskResult::Status::failed,
                                "GitHub is not configured"),
                         not_ok("analyzeRepository", {{"repository", "actix/actix-web"}}, TaskResult::Status::timed_out,
                                "no answer from GitHub", 30000),
                         not_ok("readFile", {{"path", "src/main.rs"}}, TaskResult::Status::skipped, "t2 failed"),
                         not_ok("searchCode", {{"query", "tokio"}}, TaskResult::Status::cancelled, "")});
  expect_in_order(answer,
                  {"[tokio-rs/axum](https://github.com/tokio-rs/axum)", "**What did not work:**",
                   "- `analyzeRepository` (tokio-rs/axum) failed: GitHub is not configured\n",
                   "- `analyzeRepository` (actix/actix-web) timed out after 30.0 s: no answer from GitHub\n",
                   "- `readFile` (src/main.rs) was skipped: t2 failed\n", "- `searchCode` (tokio) was cancelled.\n"});
}

TEST(ComposerTest, NothingSucceededSaysSoFirst) {
  auto answer =
      compose("analyze rust-lang/cargo", {not_ok("analyzeRepository", {{"repository", "rust-lang/cargo"}},
                                                 TaskResult::Status::failed, "<b>GitHub</b> said:\nrate limited")});
  EXPECT_TRUE(starts_with(answer,
                          "I could not answer this: the step that would have answered it did not succeed.\n\n"
                          "- `analyzeRepository` (rust-lang/cargo) failed: &lt;b&gt;GitHub&lt;/b&gt; said: rate "
                          "limited\n\n_An LLM"))
      << answer;
}

TEST(ComposerTest, UnavailableAspectLeadsTheAnswerOnce) {
  json::object doc{
      {"repository",
       {{"name", "rust-lang/rust"},
        {"source", "github"},
        {"html_url", "https://github.com/rust-lang/rust"},
        {"stars", 100000}}},
      {"languages", json::array{{{"name", "Rust"}, {"bytes", 9000}}, {{"name", "Python"}, {"bytes", 1000}}}},
      {"unavailable", {{"history", "GitHub repositories have no local history"}, {"symbols", "needs a clone"}}}};
  auto answer = compose("what are the hotspots in rust-lang/rust",
                        {ok("analyzeRepository", {{"repository", "rust-lang/rust"}, {"aspects", {"history"}}}, doc)});
  EXPECT_TRUE(starts_with(answer,
                          "The history of **rust-lang/rust** is not available: GitHub repositories have no local "
                          "history. Here is what is available."))
      << answer;
  EXPECT_EQ(occurrences(answer, "no local history"), 1u) << answer;
  EXPECT_NE(answer.find("**Not available:**\n\n- symbols for `analyzeRepository` (rust-lang/rust): needs a clone\n"),
            std::string::npos)
      << answer;
  EXPECT_NE(answer.find("| Rust | 8.8 KB | 90.0% |"), std::string::npos) << answer;
}

json::object github_analysis(const std::string& name, double js_bytes, double other_bytes, int stars) {
  return json::object{{"repository",
                       {{"name", name},
                        {"source", "github"},
                        {"html_url", "https://github.com/" + name},
                        {"stars", stars},
                        {"license", "MIT"}}},
                      {"languages", json::array{{{"name", "JavaScript"}, {"bytes", js_bytes}},
                                                {{"name", "TypeScript"}, {"bytes", other_bytes}}}},
                      {"summary", name + " is a JavaScript library."}};
}

TEST(ComposerTest, TwoAnalysesSideBySide) {
  auto answer = compose("facebook/react vs preactjs/preact: which is bigger?",
                        {ok("analyzeRepository", {{"repository", "facebook/react"}},
                            github_analysis("facebook/react", 7.0 * 1024 * 1024, 3.0 * 1024 * 1024, 230000)),
                         ok("analyzeRepository", {{"repository", "preactjs/preact"}},
                            github_analysis("preactjs/preact", 0.9 * 1024 * 1024, 0.1 * 1024 * 1024, 37000))});
  EXPECT_TRUE(starts_with(answer,
                          "Side by side: **facebook/react** and **preactjs/preact**. By code size, "
                          "**facebook/react** is the largest (10.0 MB), then **preactjs/preact** (1.0 MB)."))
      << answer;
  const std::string header =
      "|  | [facebook/react](https://github.com/facebook/react) | "
      "[preactjs/preact](https://github.com/preactjs/preact) |";
  expect_in_order(answer,
                  {header, "| **Stars** | 230,000 | 37,000 |",
                   "| **Main languages** | JavaScript 70.0%, TypeScript 30.0% | JavaScript 90.0%, TypeScript 10.0% |",
                   "| **License** | MIT | MIT |", "| JavaScript | 70.0% | 90.0% |",
                   "- **facebook/react**: facebook/react is a JavaScript library."});
  EXPECT_NE(last_line(answer).find("weigh these differences"), std::string::npos) << answer;
}

TEST(ComposerTest, SharedDependenciesWithTheConstraintInEachRepository) {
  json::object doc{{"kind", "shared_dependencies"},
                   {"repositories", {"psf/requests", "encode/httpx"}},
                   {"focus", ""},
                   {"shared", json::array{{{"ecosystem", "pypi"},
                                           {"name", "certifi"},
                                           {"constraints", {{"psf/requests", ">=2017.4.17"}, {"encode/httpx", ""}}},
                                           {"repositories", 2}},
                                          {{"ecosystem", "pypi"},
                                           {"name", "idna"},
                                           {"constraints", {{"psf/requests", ">=2.5,<4"}, {"encode/httpx", "|x|"}}},
                                           {"repositories", 2}}}},
                   {"mermaid",
                    "graph LR\n  n0[\"certifi\"]\n  n1[\"encode/httpx\"]\n  n2[\"idna\"]\n  n3[\"psf/requests\"]\n"
                    "  n1 --> n0\n  n1 --> n2\n  n3 --> n0\n  n3 --> n2\n"}};
  auto answer = compose("which deps are common to psf/requests and encode/httpx",
                        {ok("findRelationships", {{"kind", "shared_dependencies"}}, doc)});
  expect_in_order(
      answer, {"**psf/requests** and **encode/httpx** share **2 dependencies**:",
               "| Package | Ecosystem | psf/requests | encode/httpx |", "| `certifi` | pypi | `>=2017.4.17` | any |",
               "| `idna` | pypi | `>=2.5,<4` | `\\|x\\|` |", "```mermaid\ngraph LR\n"});
}

TEST(ComposerTest, OnlyWellFormedMermaidLinesAreKept) {
  json::object doc{{"kind", "imports"},
                   {"repositories", {"demo"}},
                   {"focus", ""},
                   {"nodes", {"a", "b"}},
                   {"edge_count", 1},
                   {"mermaid",
                    "graph LR\n  n0[\"a\"]\n  n1[\"b\"] click n1 \"javascript:alert(1)\"\n  n2[\"b\"]\n"
                    "  %%{init: {\"securityLevel\": \"loose\"}}%%\n  n0 --> n2\n  n0 --> n1\n"
                    "  n0 --> n2 click\n  n3[\"<img src=x>\"]\n"}};
  auto answer = compose("show me the import graph", {ok("findRelationships", {{"kind", "imports"}}, doc)});
  EXPECT_NE(answer.find("```mermaid\ngraph LR\n  n0[\"a\"]\n  n2[\"b\"]\n  n0 --> n2\n```"), std::string::npos)
      << answer;
  for (std::string bad : {"click", "javascript", "init", "<img"}) EXPECT_EQ(answer.find(bad), std::string::npos) << bad;
}

TEST(ComposerTest, CodeContainingFencesGetsALongerFence) {
  json::object doc{{"repository", "demo"}, {"path", "docs/guide.md"}, {"start_line", 1},
                   {"end_line", 3},        {"total_lines", 3},        {"text", "```\n<script>alert(1)</script>\n```\n"},
                   {"truncated", false}};
  auto answer = compose("read docs/guide.md", {ok("readFile", {{"path", "docs/guide.md"}}, doc)});
  EXPECT_NE(answer.find("````markdown\n```\n<script>alert(1)</script>\n```\n````"), std::string::npos) << answer;
}

TEST(ComposerTest, LongFileSlicesAreCut) {
  std::string text;
  for (int i = 1; i <= 450; ++i) text += "line " + std::to_string(i) + "\n";
  json::object doc{{"repository", "demo"}, {"path", "notes.txt"}, {"start_line", 1},   {"end_line", 450},
                   {"total_lines", 450},   {"text", text},        {"truncated", false}};
  auto answer = compose("open notes.txt", {ok("readFile", {{"path", "notes.txt"}}, doc)});
  EXPECT_NE(answer.find("line 400\n```"), std::string::npos) << answer.substr(answer.size() - 300);
  EXPECT_EQ(answer.find("line 401"), std::string::npos);
  EXPECT_NE(answer.find("… and 50 more lines. Ask for lines from 401 on to see them."), std::string::npos);
}

TEST(ComposerTest, GreetingSaysWhatDevagentCanDo) {
  auto answer = compose("hello");
  EXPECT_TRUE(starts_with(answer, "Hello! I'm devagent.")) << answer;
  expect_in_order(answer, {"**Analyze a repository**", "`what are the hotspots in this repository?`",
                           "**Search GitHub**", "**Compare repositories**"});
  EXPECT_NE(last_line(answer).find("`ANTHROPIC_API_KEY`"), std::string::npos) << answer;
}

TEST(ComposerTest, ThanksIsBrief) {
  EXPECT_EQ(compose("thank you so much"), "You're welcome! Ask me anything else about your code.");
  EXPECT_EQ(compose("cheers, bye!"),
            "You're welcome, and goodbye! Come back whenever you have a question about your code.");
}

TEST(ComposerTest, GeneralQuestionIsAnsweredHonestlyWithWhatDevagentCanDo) {
  auto answer = compose("Explain RAII");
  EXPECT_TRUE(starts_with(answer,
                          "That is a general question, and without an LLM devagent answers questions about code "
                          "and repositories"))
      << answer;
  expect_in_order(answer,
                  {"`search the code for raii`", "`find repositories about raii on GitHub`", "`analyze this repo`"});
  for (std::string key : {"`OPENAI_API_KEY`", "`ANTHROPIC_API_KEY`", "`OLLAMA_HOST`"}) {
    EXPECT_NE(last_line(answer).find(key), std::string::npos) << answer;
  }
  answer = compose("How does garbage collection work in Java?");
  EXPECT_NE(answer.find("`search the code for garbage collection java`"), std::string::npos) << answer;
}

TEST(ComposerTest, IllShapedResultsDoNotThrow) {
  std::vector<TaskResult> results = {
      ok("analyzeRepository", {},
         json::parse(R"({"repository": 5, "languages": "many", "history": [1, 2],
                                                 "structure": {"top_level": [null, 3]}, "symbols": {"items": 7}})")
             .as_object()),
      ok("findRelationships", {},
         json::parse(R"({"kind": "dependents", "dependents": [1, "x", null], "mermaid": 3})").as_object()),
      ok("findRelationships", {}, json::parse(R"({"kind": "cochange", "cochange": [{"degree": "high"}]})").as_object()),
      ok("searchGitHub", {},
         json::parse(R"({"items": [null, 3, {"stars": -1e300}], "total_count": "lots"})").as_object()),
      ok("searchCode", {}, json::parse(R"({"matches": {"a": 1}, "total": "many"})").as_object()),
      ok("readFile", {}, json::parse(R"({"text": 5, "start_line": 1e30})").as_object()),
      ok("someNewTool", {}, json::parse(R"({"x": "<b>"})").as_object())};
  std::string answer;
  EXPECT_NO_THROW(answer = compose("what are the hotspots?", results));
  EXPECT_NE(answer.find("```json\n{\"x\":\"<b>\"}\n```"), std::string::npos) << answer;
}

TEST(ComposerTest, SameInputSameAnswer) {
  auto results =
      std::vector<TaskResult>{ok("findRelationships", {{"kind", "dependents"}}, fixture("dependents_error_h.json")),
                              ok("searchGitHub", {{"query", "x"}}, fixture("search_github_hostile.json"))};
  EXPECT_EQ(compose("what depends on src/core/error.h?", results),
            compose("what depends on src/core/error.h?", results));
}

}  // namespace
}  // namespace devagent::agent
