// devagent plan: print the builtin planner's plan for a question — what the
// agent would run without an LLM. Needs no network, model or index.
#include "agent/plan.h"
#include "agent/planner.h"
#include "cli/common.h"

#include <boost/json.hpp>

#include <filesystem>
#include <iostream>

namespace devagent::cli {
namespace {

namespace json = boost::json;

struct PlanFlags {
  std::string question;
  bool as_json = false;
};

// The workspace repositories' names (directory names of workspace.roots), so
// "analyze <name>" can mean a local repository. Reading the configuration is
// cheap; when it cannot be read the plan is made without the names.
agent::PlannerContext planner_context(const GlobalFlags& flags) {
  agent::PlannerContext context;
  auto cfg = load_config(flags);
  if (!cfg) return context;
  std::error_code ec;
  for (const auto& root : cfg->list("workspace.roots")) {
    auto path = std::filesystem::weakly_canonical(std::filesystem::absolute(root, ec), ec);
    if (!ec && !path.filename().empty()) context.workspace_repositories.push_back(path.filename().string());
  }
  return context;
}

// "t2  analyzeRepository  {"repository":{"$from":"t1",...}}  after t1"
void print_listing(const agent::Plan& plan) {
  if (plan.tasks.empty()) {
    std::cout << "no tools: the question is answered directly\n";
    return;
  }
  for (const auto& task : plan.tasks) {
    std::cout << task.id << "  " << task.tool << "  " << json::serialize(task.arguments);
    for (std::size_t i = 0; i < task.depends_on.size(); ++i)
      std::cout << (i == 0 ? "  after " : ", ") << task.depends_on[i];
    std::cout << '\n';
  }
}

int plan_cmd(const GlobalFlags& flags, const PlanFlags& f) {
  auto plan = agent::plan_builtin(f.question, planner_context(flags));
  if (f.as_json)
    std::cout << json::serialize(agent::to_json(plan)) << '\n';
  else
    print_listing(plan);
  return kExitOk;
}

}  // namespace

void add_plan(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static PlanFlags f;
  auto* cmd = app.add_subcommand("plan", "Show the builtin planner's tool calls for a question (no LLM, no network)");
  cmd->add_option("question", f.question, "The question")->required();
  cmd->add_flag("--json", f.as_json, "Print {\"tasks\": [{\"id\", \"tool\", \"arguments\", \"depends_on\"}]}");
  cmd->callback([&flags, &exit_code] { exit_code = plan_cmd(flags, f); });
}

}  // namespace devagent::cli
