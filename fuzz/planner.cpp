// The builtin planner: any question text must give a plan, never a crash,
// and the plan must keep plan_builtin's promises (planner.h): ids t1, t2,
// ... in order, depends_on naming earlier tasks, and a plan that reads back
// through plan_from_json.
//
// Input: the question (UTF-8 or not: clients send what they send). A first
// line starting with "repos:" lists workspace repository names.
#include "agent/planner.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace {

devagent::agent::PlannerContext context_from(std::string_view& input) {
  devagent::agent::PlannerContext context;
  if (input.substr(0, 6) != "repos:") return context;
  std::size_t nl = input.find('\n');
  std::string_view names = input.substr(6, nl == std::string_view::npos ? std::string_view::npos : nl - 6);
  input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  while (!names.empty()) {
    std::size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    if (!name.empty()) context.workspace_repositories.emplace_back(name);
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view question(reinterpret_cast<const char*>(data), size);
  auto context = context_from(question);

  auto entities = devagent::agent::extract_entities(question, context);
  (void)entities;
  auto plan = devagent::agent::plan_builtin(question, context);

  std::set<std::string> earlier;
  for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
    const auto& task = plan.tasks[i];
    if (task.id != "t" + std::to_string(i + 1) || task.tool.empty()) std::abort();
    for (const auto& dep : task.depends_on) {
      if (!earlier.count(dep)) std::abort();
    }
    earlier.insert(task.id);
  }
  if (!devagent::agent::plan_from_json(devagent::agent::to_json(plan))) std::abort();
  return 0;
}
