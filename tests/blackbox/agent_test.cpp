// The agent as a user runs it, offline, on a repository the test makes:
// `devagent plan --json`, and `devagent ask` answering hotspot and dependents
// questions correctly (progress on stderr, the answer on stdout).
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/process.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace devagent::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// engine.cpp is big and changes in every commit: the top hotspot. engine.h
// is included by engine.cpp and api.h; api.h by api.cpp and main.cpp, which
// so depend on engine.h at depth 2.
struct Project {
  GitRepo repo;
  TempDir data;
  Project() {
    std::string engine = "#include \"engine.h\"\n";
    for (int i = 0; i < 60; ++i) engine += "int step" + std::to_string(i) + "() { return " + std::to_string(i) + "; }\n";
    repo.write("src/engine.h", "#pragma once\nint run();\n");
    repo.write("src/engine.cpp", engine);
    repo.write("src/api.h", "#pragma once\n#include \"engine.h\"\nint serve();\n");
    repo.write("src/api.cpp", "#include \"api.h\"\nint serve() { return run(); }\n");
    repo.write("src/main.cpp", "#include \"api.h\"\nint main() { return serve(); }\n");
    repo.write("src/other.cpp", "int other() { return 0; }\n");
    repo.commit("initial", "Ada Lovelace", "ada@example.com", "2024-01-01T10:00:00Z");
    for (int i = 0; i < 4; ++i) {
      engine += "int more" + std::to_string(i) + "() { return 0; }\n";
      repo.write("src/engine.cpp", engine);
      if (i % 2) repo.write("src/other.cpp", "int other() { return " + std::to_string(i) + "; }\n");
      repo.commit("engine " + std::to_string(i), i % 2 ? "Grace Hopper" : "Ada Lovelace",
                  i % 2 ? "grace@example.com" : "ada@example.com", "2024-02-0" + std::to_string(i + 1) + "T10:00:00Z");
    }
  }
  RunResult run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    ProcessOptions o;
    o.args = {"--data-dir", data.path().string()};
    o.args.insert(o.args.end(), args.begin(), args.end());
    o.cwd = repo.root();
    o.env = std::move(env);
    return testing::run(devagent_binary(), o, 120s);
  }
};

TEST(Agent, PlanPrintsTheTasksAsJson) {
  Project p;
  auto r = p.run({"plan", "--json", "which files depend on src/engine.h?"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = json::parse(r.out).as_object();
  const auto& tasks = v.at("tasks").as_array();
  ASSERT_EQ(tasks.size(), 1u) << r.out;
  const auto& t = tasks[0].as_object();
  EXPECT_EQ(t.at("id").as_string(), "t1");
  EXPECT_EQ(t.at("tool").as_string(), "findRelationships");
  EXPECT_EQ(t.at("arguments").at("kind").as_string(), "dependents");
  EXPECT_EQ(t.at("arguments").at("focus").as_string(), "src/engine.h");
  EXPECT_TRUE(t.at("depends_on").as_array().empty());

  auto hi = p.run({"plan", "--json", "thanks!"});
  EXPECT_EQ(json::parse(hi.out), json::parse(R"({"tasks":[]})"));
}

TEST(Agent, AnswersWhatTheHotspotsAre) {
  Project p;
  auto r = p.run({"ask", "what are the hotspots in this repository?"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Progress on stderr, the answer on stdout.
  EXPECT_NE(r.err.find("analyzeRepository"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("analyzeRepository"), std::string::npos) << r.out;
  auto first = r.out.substr(0, r.out.find('\n'));
  EXPECT_NE(first.find("`src/engine.cpp`: 5 changes"), std::string::npos) << r.out;
  auto engine = r.out.find("1. `src/engine.cpp`");
  auto other = r.out.find("`src/other.cpp` — 3 changes");
  ASSERT_NE(engine, std::string::npos) << r.out;
  ASSERT_NE(other, std::string::npos) << r.out;
  EXPECT_LT(engine, other);
}

TEST(Agent, AnswersWhichFilesDependOnAHeader) {
  Project p;
  auto r = p.run({"ask", "which files depend on src/engine.h?"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("**4 files** depend on `src/engine.h`: 2 directly and 2 through other files."),
            std::string::npos)
      << r.out;
  for (const char* f : {"`src/engine.cpp`", "`src/api.h`", "`src/api.cpp` — depth 2", "`src/main.cpp` — depth 2"}) {
    EXPECT_NE(r.out.find(f), std::string::npos) << f << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("src/other.cpp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("```mermaid"), std::string::npos);
}

TEST(Agent, JsonHasThePlanTheResultsAndTheAnswer) {
  Project p;
  auto r = p.run({"ask", "--json", "where is serve defined?"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = json::parse(r.out).as_object();
  EXPECT_EQ(v.at("engine").as_string(), "builtin");
  const auto& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 1u) << r.out;
  EXPECT_EQ(results[0].at("tool").as_string(), "searchCode");
  EXPECT_EQ(results[0].at("status").as_string(), "ok");
  EXPECT_NE(v.at("answer").as_string().find("src/api.cpp:2"), std::string::npos) << r.out;
}

TEST(Agent, GitHubUnreachableIsSaidPlainly) {
  Project p;
  RefusingPort refusing;
  auto r = p.run({"ask", "find popular rust web frameworks"}, {{"GITHUB_API_URL", refusing.url()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("FAILED t1 searchGitHub"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("GitHub cannot be reached"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace devagent::testing
