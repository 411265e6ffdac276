#include "agent/plan.h"

#include <map>
#include <set>

namespace devagent::agent {

namespace json = boost::json;

std::string_view to_string(TaskResult::Status s) {
  switch (s) {
    case TaskResult::Status::ok: return "ok";
    case TaskResult::Status::failed: return "failed";
    case TaskResult::Status::timed_out: return "timed_out";
    case TaskResult::Status::cancelled: return "cancelled";
    case TaskResult::Status::skipped: return "skipped";
  }
  return "failed";
}

json::object to_json(const Plan& plan) {
  json::array tasks;
  for (const auto& t : plan.tasks) {
    json::array deps;
    for (const auto& d : t.depends_on) deps.emplace_back(d);
    tasks.push_back(json::object{{"id", t.id}, {"tool", t.tool}, {"arguments", t.arguments}, {"depends_on", deps}});
  }
  return json::object{{"tasks", std::move(tasks)}};
}

namespace {

Error bad(std::string message) { return make_error(ErrorKind::invalid_argument, "plan: " + std::move(message)); }

// Every reference inside v names a task in `known`.
Result<> check_references(const json::value& v, const std::set<std::string>& deps, const std::string& task) {
  if (is_reference(v)) {
    std::string from(v.as_object().at("$from").as_string());
    if (!deps.count(from)) return bad("task " + task + " refers to " + from + " without depending on it");
    return {};
  }
  if (v.is_object()) {
    for (const auto& kv : v.as_object())
      if (auto r = check_references(kv.value(), deps, task); !r) return r;
  } else if (v.is_array()) {
    for (const auto& e : v.as_array())
      if (auto r = check_references(e, deps, task); !r) return r;
  }
  return {};
}

}  // namespace

Result<Plan> plan_from_json(const json::value& doc) {
  if (!doc.is_object()) return bad("must be an object");
  const auto* tasks = doc.as_object().if_contains("tasks");
  if (!tasks || !tasks->is_array()) return bad("\"tasks\" must be an array");
  if (tasks->as_array().size() > 64) return bad("at most 64 tasks");
  Plan plan;
  std::set<std::string> seen;
  for (const auto& tv : tasks->as_array()) {
    if (!tv.is_object()) return bad("each task must be an object");
    const auto& o = tv.as_object();
    Task t;
    const auto* id = o.if_contains("id");
    const auto* tool = o.if_contains("tool");
    if (!id || !id->is_string() || id->as_string().empty()) return bad("each task needs a string \"id\"");
    if (!tool || !tool->is_string() || tool->as_string().empty()) return bad("each task needs a string \"tool\"");
    t.id = std::string(id->as_string());
    t.tool = std::string(tool->as_string());
    if (seen.count(t.id)) return bad("duplicate task id " + t.id);
    if (const auto* args = o.if_contains("arguments")) {
      if (!args->is_object()) return bad("task " + t.id + ": \"arguments\" must be an object");
      t.arguments = args->as_object();
    }
    if (const auto* deps = o.if_contains("depends_on")) {
      if (!deps->is_array()) return bad("task " + t.id + ": \"depends_on\" must be an array");
      for (const auto& d : deps->as_array()) {
        if (!d.is_string()) return bad("task " + t.id + ": \"depends_on\" holds task ids");
        std::string dep(d.as_string());
        // Tasks may only wait for tasks listed before them: no cycles by construction.
        if (!seen.count(dep)) return bad("task " + t.id + " depends on " + dep + ", which is not an earlier task");
        t.depends_on.push_back(std::move(dep));
      }
    }
    std::set<std::string> deps(t.depends_on.begin(), t.depends_on.end());
    if (auto r = check_references(t.arguments, deps, t.id); !r) return r.error();
    seen.insert(t.id);
    plan.tasks.push_back(std::move(t));
  }
  return plan;
}

bool is_reference(const json::value& v) {
  if (!v.is_object()) return false;
  const auto& o = v.as_object();
  const auto* from = o.if_contains("$from");
  return from && from->is_string() && o.size() <= 2 && (o.size() == 1 || o.contains("pointer"));
}

json::object make_reference(const std::string& task_id, const std::string& pointer) {
  return json::object{{"$from", task_id}, {"pointer", pointer}};
}

}  // namespace devagent::agent
