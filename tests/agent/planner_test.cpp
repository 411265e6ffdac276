// The builtin planner: what it recognises in a question (entities), the shape
// of its plans, and the labelled questions of planner_cases.jsonl scored with
// the matching rules of the evaluation's score-planner (../shared/eval).
#include "agent/planner.h"

#include "code/code.h"
#include "support/process.h"
#include "tools/default_tools.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace devagent::agent {
namespace {

namespace json = boost::json;

using Strings = std::vector<std::string>;

// --- entities ----------------------------------------------------------------

TEST(PlannerEntities, OwnerNameRepositories) {
  auto e = extract_entities("compare facebook/react and vuejs/vue, then the-org/some.repo-name");
  EXPECT_EQ(e.repositories, (Strings{"facebook/react", "vuejs/vue", "the-org/some.repo-name"}));
  EXPECT_TRUE(e.paths.empty());
  EXPECT_EQ(extract_entities("Analyze microsoft/TypeScript's structure").repositories, Strings{"microsoft/TypeScript"});
}

TEST(PlannerEntities, GithubUrls) {
  EXPECT_EQ(extract_entities("Tell me about https://github.com/vercel/next.js").repositories,
            Strings{"vercel/next.js"});
  EXPECT_EQ(extract_entities("layout of https://github.com/astral-sh/ruff.git ?").repositories,
            Strings{"astral-sh/ruff"});
  EXPECT_EQ(extract_entities("analyse github.com/pallets/flask/ please").repositories, Strings{"pallets/flask"});
  auto blob = extract_entities("show https://github.com/o/n/blob/main/src/x.rs#L10-L20");
  EXPECT_EQ(blob.repositories, Strings{"o/n"});
  EXPECT_EQ(blob.paths, Strings{"src/x.rs"});
  EXPECT_EQ(blob.start_line, 10);
  EXPECT_EQ(blob.end_line, 20);
}

TEST(PlannerEntities, FilePaths) {
  for (std::string path : {"src/foo.rs", "lib/bar.py", "include/x.h", "cmd/main.go", "pkg/a/b.ts", "CMakeLists.txt",
                           "./scripts/run.sh", "app/models/user.rb", "Makefile", "src/components/Button.vue"}) {
    auto e = extract_entities("what imports " + path + "?");
    EXPECT_EQ(e.paths, Strings{path}) << path;
    EXPECT_TRUE(e.repositories.empty()) << path;
  }
  EXPECT_EQ(extract_entities("the import graph of src/").paths, Strings{"src"});
}

TEST(PlannerEntities, SlashedWordsThatAreNeitherRepositoriesNorPaths) {
  for (std::string text : {"TCP/IP basics", "Find HTTP/3 implementations", "and/or", "I/O bound", "CI/CD tools"}) {
    auto e = extract_entities(text);
    EXPECT_TRUE(e.repositories.empty()) << text;
    EXPECT_TRUE(e.paths.empty()) << text;
  }
  EXPECT_TRUE(extract_entities("e.g. socket.io or Vue.js").paths.empty());
}

TEST(PlannerEntities, ProjectNamesWithExtensionsDependOnTheQuestion) {
  EXPECT_EQ(extract_entities("analyze Rapptz/discord.py").repositories, Strings{"Rapptz/discord.py"});
  EXPECT_EQ(extract_entities("which files import utils/helpers.py").paths, Strings{"utils/helpers.py"});
  EXPECT_EQ(extract_entities("open foo/bar.py").paths, Strings{"foo/bar.py"});
}

TEST(PlannerEntities, Languages) {
  struct Case {
    const char* text;
    std::optional<std::string> language;
  };
  const Case cases[] = {
      {"Find C# logging libraries", "c#"},
      {"a c++ json library", "c++"},
      {"cpp game engines", "c++"},
      {"golang http routers", "go"},
      {"Find Go libraries for rate limiting", "go"},
      {"markdown parsers in Go", "go"},
      {"let's go through this", std::nullopt},
      {"JS testing frameworks", "javascript"},
      {"a Node library for emails", "javascript"},
      {"Node.js frameworks", "javascript"},
      {"TS validation libraries", "typescript"},
      {"a WebSocket library for .NET", "c#"},
      {"written in C", "c"},
      {"C libraries for TLS", "c"},
      {"plan c is better", std::nullopt},
      {"objective-c networking", "objective-c"},
      {"F# web libraries", "f#"},
      {"rust crates for http", "rust"},
      {"ruby gems for auth", "ruby"},
      {"Python3 scripts", "python"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(extract_entities(c.text).language, c.language) << c.text;
  }
}

TEST(PlannerEntities, LineRanges) {
  struct Case {
    const char* text;
    int start;
    std::optional<int> end;
  };
  const Case cases[] = {
      {"show me src/main.rs lines 10-40", 10, 40},
      {"print lines 100 to 150 of include/x.h", 100, 150},
      {"line 10 through 40 of a.cpp", 10, 40},
      {"show src/server/router.cpp:40-80", 40, 80},
      {"display lines 5\u201325 in app/models/user.rb", 5, 25},
      {"Show the first 30 lines of README.md", 1, 30},
      {"cat src/core/log.cpp from line 20 to line 60", 20, 60},
      {"Print src/core/json.h from line 5", 5, std::nullopt},
      {"what is at line 120 of src/server.cpp", 110, 130},
  };
  for (const auto& c : cases) {
    auto e = extract_entities(c.text);
    EXPECT_EQ(e.start_line, c.start) << c.text;
    EXPECT_EQ(e.end_line, c.end) << c.text;
  }
  EXPECT_FALSE(extract_entities("how many lines of code per language?").start_line);
}

TEST(PlannerEntities, CodeIdentifiersAndQuotes) {
  auto e = extract_entities("who calls parse_config, Foo::bar, parseConfig, validate() or os.path.join?");
  EXPECT_EQ(e.identifiers, (Strings{"parse_config", "Foo::bar", "parseConfig", "validate()", "os.path.join"}));
  EXPECT_TRUE(extract_entities("GitHub JavaScript macOS repos").identifiers.empty());
  auto q = extract_entities("grep for \"connection refused\" and 'rate limit' in what's left of the repo's code");
  EXPECT_EQ(q.quoted, (Strings{"connection refused", "rate limit"}));
}

TEST(PlannerEntities, ThisRepository) {
  EXPECT_TRUE(extract_entities("List the dependencies declared in this repo's package manifests").this_repository);
  EXPECT_TRUE(extract_entities("languages in my project").this_repository);
  EXPECT_TRUE(extract_entities("structure of the codebase").this_repository);
  EXPECT_FALSE(extract_entities("analyze facebook/react").this_repository);
}

TEST(PlannerEntities, WorkspaceRepositoriesByName) {
  PlannerContext context{{"devagent", "main"}};
  EXPECT_EQ(extract_entities("analyze devagent", context).repositories, Strings{"devagent"});
  EXPECT_EQ(extract_entities("the structure of the devagent repo", context).repositories, Strings{"devagent"});
  EXPECT_TRUE(extract_entities("where is main defined?", context).repositories.empty());
}

// --- plans -------------------------------------------------------------------

TEST(PlannerPlans, NoToolsForGreetingsThanksAndGeneralKnowledge) {
  for (const char* q : {"hi there!", "Thanks, that's all", "What can you do?", "Explain RAII", "What is a mutex?",
                        "what's the difference between a process and a thread?"}) {
    EXPECT_TRUE(plan_builtin(q).tasks.empty()) << q;
  }
}

TEST(PlannerPlans, FollowUpsReferToTheSearchResults) {
  auto plan = plan_builtin("Find Go libraries for rate limiting and analyze the top 3");
  ASSERT_EQ(plan.tasks.size(), 4u);
  EXPECT_EQ(plan.tasks[0].id, "t1");
  EXPECT_EQ(plan.tasks[0].tool, "searchGitHub");
  for (std::size_t i = 1; i < 4; ++i) {
    const auto& t = plan.tasks[i];
    EXPECT_EQ(t.id, "t" + std::to_string(i + 1));
    EXPECT_EQ(t.tool, "analyzeRepository");
    EXPECT_EQ(t.depends_on, Strings{"t1"});
    EXPECT_EQ(json::value(t.arguments.at("repository")),
              json::value(make_reference("t1", "/items/" + std::to_string(i - 1) + "/full_name")));
  }
}

TEST(PlannerPlans, SearchQueriesLeaveOutFillerWords) {
  auto plan = plan_builtin("Find the most starred Python libraries for parsing YAML");
  ASSERT_EQ(plan.tasks.size(), 1u);
  const auto& args = plan.tasks[0].arguments;
  EXPECT_EQ(args.at("query"), "parsing yaml");
  EXPECT_EQ(args.at("language"), "python");
  EXPECT_EQ(args.at("sort"), "stars");
}

// --- the labelled questions ----------------------------------------------------
//
// The matching rules of score-planner: a plan passes when it has as many tasks
// as one accepted alternative and each expected call is matched by a distinct
// task with the same tool whose arguments meet every condition.

std::string as_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "True" : "False";  // Python's str()
  return json::serialize(v);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Lower case without spaces and , . / - _ * ^
std::string norm(const json::value& v) {
  std::string out;
  for (char c : lower(as_text(v)))
    if (!std::isspace(static_cast<unsigned char>(c)) && std::string_view(",./-_*^").find(c) == std::string_view::npos)
      out += c;
  return out;
}

// The runs of [a-z0-9+#_] joined by spaces.
std::string words(const json::value& v) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += word;
    word.clear();
  };
  for (char c : lower(as_text(v))) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '#' || c == '_')
      word += c;
    else
      flush();
  }
  flush();
  return out;
}

std::multiset<std::string> normed(const json::array& a) {
  std::multiset<std::string> out;
  for (const auto& v : a) out.insert(norm(v));
  return out;
}

bool holds(const json::object& condition, const json::value* value) {
  std::string op(condition.begin()->key());
  const auto& want = condition.begin()->value();
  bool present = value != nullptr;
  auto one_of = [&] {
    for (const auto& w : want.as_array())
      if (norm(*value) == norm(w)) return true;
    return false;
  };
  if (op == "eq") return present && norm(*value) == norm(want);
  if (op == "in") return present && one_of();
  if (op == "absent_or") return !present || one_of();
  if (op == "contains") {
    if (!present) return false;
    auto have = words(*value);
    return std::all_of(want.as_array().begin(), want.as_array().end(),
                       [&](const json::value& w) { return have.find(lower(as_text(w))) != std::string::npos; });
  }
  if (op == "has" || op == "absent_or_has") {
    if (!present) return op == "absent_or_has";
    auto have = value->is_array() ? normed(value->as_array()) : std::multiset<std::string>{};
    return std::all_of(want.as_array().begin(), want.as_array().end(),
                       [&](const json::value& w) { return have.count(norm(w)) > 0; });
  }
  if (op == "set" || op == "absent_or_set") {
    if (!present) return op == "absent_or_set";
    return value->is_array() && normed(value->as_array()) == normed(want.as_array());
  }
  ADD_FAILURE() << "unknown condition " << op;
  return false;
}

bool call_matches(const json::object& expected, const json::object& task) {
  if (task.at("tool") != expected.at("tool")) return false;
  const auto& args = task.at("arguments").as_object();
  const auto* conditions = expected.if_contains("args");
  if (!conditions) return true;
  for (const auto& kv : conditions->as_object())
    if (!holds(kv.value().as_object(), args.if_contains(kv.key()))) return false;
  return true;
}

// Every expected call matched by a distinct task.
bool assign(std::vector<json::object> expected, std::vector<json::object> tasks) {
  if (expected.empty()) return true;
  auto first = expected.front();
  expected.erase(expected.begin());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!call_matches(first, tasks[i])) continue;
    auto rest = tasks;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    if (assign(expected, rest)) return true;
  }
  return false;
}

bool passes(const json::array& accept, const json::array& tasks) {
  std::vector<json::object> have;
  for (const auto& t : tasks) have.push_back(t.as_object());
  for (const auto& alternative : accept) {
    std::vector<json::object> want;
    for (const auto& call : alternative.as_array()) want.push_back(call.as_object());
    if (want.size() == have.size() && assign(want, have)) return true;
  }
  return false;
}

struct Labelled {
  std::string id;
  std::string query;
  json::array accept;
};

std::vector<Labelled> load_cases() {
  std::ifstream in(std::string(DEVAGENT_SOURCE_DIR) + "/tests/agent/planner_cases.jsonl");
  std::vector<Labelled> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto o = json::parse(line).as_object();
    cases.push_back(
        {std::string(o.at("id").as_string()), std::string(o.at("query").as_string()), o.at("accept").as_array()});
  }
  return cases;
}

TEST(PlannerCases, ScoreAtLeast95Percent) {
  auto cases = load_cases();
  ASSERT_GE(cases.size(), 150u);
  std::size_t passed = 0;
  for (const auto& c : cases) {
    auto tasks = to_json(plan_builtin(c.query)).at("tasks").as_array();
    if (passes(c.accept, tasks))
      ++passed;
    else
      std::cout << "FAIL " << c.id << " '" << c.query << "' -> " << json::serialize(tasks) << '\n';
  }
  double pct = 100.0 * static_cast<double>(passed) / static_cast<double>(cases.size());
  std::cout << "planner: " << passed << '/' << cases.size() << " passed (" << pct << "%)\n";
  EXPECT_GE(pct, 95.0);
}

// A reference stands for a repository name until the orchestrator resolves it.
json::value resolved(const json::value& v) {
  if (is_reference(v)) return "owner/name";
  if (v.is_object()) {
    json::object out;
    for (const auto& kv : v.as_object()) out[kv.key()] = resolved(kv.value());
    return out;
  }
  return v;
}

// Every plan reads back as a valid DAG and every call passes its tool's JSON
// Schema, as the registry checks it before a tool runs.
TEST(PlannerCases, EveryPlanIsValidForTheTools) {
  testing::TempDir workspace, index;
  code::CodeOptions options;
  options.roots = {workspace.path().string()};
  options.base = workspace.path();
  options.index_path = (index.path() / "code-index.db").string();
  auto intel = code::CodeIntel::open(options);
  ASSERT_TRUE(intel) << intel.error().message;
  auto registry = tools::make_default_tools(**intel, nullptr);
  for (const auto& c : load_cases()) {
    auto plan = plan_builtin(c.query);
    auto reread = plan_from_json(to_json(plan));
    ASSERT_TRUE(reread) << c.query << ": " << reread.error().message;
    for (const auto& t : plan.tasks) {
      auto valid = registry.validate(t.tool, resolved(t.arguments).as_object());
      EXPECT_TRUE(valid) << c.query << ": " << (valid ? "" : valid.error().message());
    }
  }
}

}  // namespace
}  // namespace devagent::agent
