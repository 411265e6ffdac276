#include "agent/orchestrator.h"

#include "core/log.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>

namespace devagent::agent {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::plan: return "plan";
    case EventKind::task_started: return "task_started";
    case EventKind::task_progress: return "task_progress";
    case EventKind::task_finished: return "task_finished";
    case EventKind::token: return "token";
    case EventKind::notice: return "notice";
    case EventKind::answer_done: return "answer_done";
    case EventKind::error: return "error";
  }
  return "error";
}

namespace {

json::value resolve(const json::value& v, const std::map<std::string, const TaskResult*>& by_id, Error& failure) {
  if (is_reference(v)) {
    const auto& ref = v.as_object();
    std::string from(ref.at("$from").as_string());
    std::string pointer;
    if (const auto* p = ref.if_contains("pointer"); p && p->is_string()) pointer = std::string(p->as_string());
    auto it = by_id.find(from);
    if (it == by_id.end() || it->second->status != TaskResult::Status::ok) {
      failure = make_error(ErrorKind::invalid_argument, "refers to " + from + ", which has no result");
      return nullptr;
    }
    boost::system::error_code ec;
    json::value whole(it->second->result);
    const json::value* found = whole.find_pointer(pointer, ec);
    if (!found) {
      failure = make_error(ErrorKind::not_found, from + "'s result has nothing at " + (pointer.empty() ? "/" : pointer));
      return nullptr;
    }
    return *found;
  }
  if (v.is_object()) {
    json::object out;
    for (const auto& kv : v.as_object()) out[kv.key()] = resolve(kv.value(), by_id, failure);
    return out;
  }
  if (v.is_array()) {
    json::array out;
    for (const auto& e : v.as_array()) out.push_back(resolve(e, by_id, failure));
    return out;
  }
  return v;
}

std::int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// The state of one run, shared with the task coroutines, which may outlive
// run() when they are abandoned (timed out or cancelled).
struct RunState {
  enum class Phase { pending, running, done };
  RunState(asio::any_io_executor ex, EventSink s) : wake(ex), sink(std::move(s)) {}

  asio::steady_timer wake;  // cancelled whenever something changed
  EventSink sink;
  bool finished = false;    // run() returned: no more events, results are discarded
  std::vector<Phase> phase;
  std::vector<TaskResult> results;
  std::vector<Clock::time_point> started;
  std::vector<std::unique_ptr<CancelSource>> cancel;
  std::vector<std::shared_ptr<asio::steady_timer>> deadline;  // per running task
  std::vector<CancelRegistration> cancel_links;

  void emit(EventKind kind, json::object data) {
    if (!finished && sink) sink(Event{kind, std::move(data)});
  }
  void poke() { wake.cancel(); }

  // Records the end of task i, unless it already ended (a timeout and the
  // tool's own completion race; the first one wins).
  void finish(std::size_t i, TaskResult::Status status, json::object result, std::string error) {
    if (phase[i] == Phase::done) return;
    phase[i] = Phase::done;
    if (deadline[i]) deadline[i]->cancel();
    auto& r = results[i];
    r.status = status;
    r.result = std::move(result);
    r.error = std::move(error);
    r.duration_ms = ms_since(started[i]);
    json::object data{{"id", r.id}, {"tool", r.tool}, {"status", to_string(status)}, {"duration_ms", r.duration_ms}};
    if (status == TaskResult::Status::ok) data["summary"] = describe_result(r.tool, r.result);
    else data["error"] = r.error;
    emit(EventKind::task_finished, std::move(data));
    poke();
  }
};

asio::awaitable<void> run_tool(std::shared_ptr<RunState> s, std::size_t i, tools::Tool* tool, json::object args,
                               tools::ToolContext ctx) {
  Result<json::object> r = make_error(ErrorKind::internal, "tool did not run");
  try {
    r = co_await tool->run(args, ctx);
  } catch (const std::exception& e) {
    r = make_error(ErrorKind::internal, std::string("tool failed: ") + e.what());
  }
  if (s->finished || s->phase[i] == RunState::Phase::done) co_return;
  if (r) {
    s->finish(i, TaskResult::Status::ok, std::move(*r), "");
  } else if (r.error().kind == ErrorKind::cancelled) {
    s->finish(i, TaskResult::Status::cancelled, {}, r.error().message);
  } else {
    s->finish(i, TaskResult::Status::failed, {}, r.error().message);
  }
}

asio::awaitable<void> watch_timeout(std::shared_ptr<RunState> s, std::size_t i, std::chrono::milliseconds timeout) {
  auto timer = s->deadline[i];
  timer->expires_after(timeout);
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  // Cancelled: the task ended (or the run did) first.
  if (ec || s->finished || s->phase[i] != RunState::Phase::running) co_return;
  s->cancel[i]->cancel("timed out");
  auto ms = timeout.count();
  auto shown = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  s->finish(i, TaskResult::Status::timed_out, {}, "timed out after " + shown);
}

}  // namespace

Result<json::object> resolve_references(const json::object& arguments, const std::vector<TaskResult>& done) {
  std::map<std::string, const TaskResult*> by_id;
  for (const auto& r : done) by_id[r.id] = &r;
  Error failure;
  json::value out = resolve(arguments, by_id, failure);
  if (!failure.message.empty()) return failure;
  return out.as_object();
}

std::string describe_result(const std::string& tool, const json::object& result) {
  auto count = [&](std::string_view key) -> std::int64_t {
    const auto* v = result.if_contains(key);
    return v && v->is_array() ? static_cast<std::int64_t>(v->as_array().size()) : -1;
  };
  auto number = [&](std::string_view key) -> std::int64_t {
    const auto* v = result.if_contains(key);
    return v && v->is_number() ? v->to_number<std::int64_t>() : -1;
  };
  auto plural = [](std::int64_t n, std::string what) {
    if (n != 1) what = what.back() == 'y' ? what.substr(0, what.size() - 1) + "ies" : what + "s";
    return std::to_string(n) + " " + what;
  };
  if (tool == "searchGitHub" && number("total_count") >= 0) return plural(number("total_count"), "result");
  if (tool == "searchCode" && number("total") >= 0) return plural(number("total"), "matching line");
  if (tool == "readFile" && number("end_line") >= 0)
    return "lines " + std::to_string(number("start_line")) + "-" + std::to_string(number("end_line"));
  if (tool == "analyzeRepository") {
    std::vector<std::string> parts;
    if (auto n = count("languages"); n >= 0) parts.push_back(plural(n, "language"));
    if (auto n = count("dependencies"); n >= 0) parts.push_back(plural(n, "dependency"));
    if (const auto* h = result.if_contains("history"); h && h->is_object()) {
      const auto* c = h->as_object().if_contains("commits");
      if (c && c->is_number()) parts.push_back(plural(c->to_number<std::int64_t>(), "commit"));
    }
    if (const auto* sy = result.if_contains("symbols"); sy && sy->is_object()) {
      const auto* t = sy->as_object().if_contains("total");
      if (t && t->is_number()) parts.push_back(plural(t->to_number<std::int64_t>(), "symbol"));
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    if (!out.empty()) return out;
  }
  for (auto [key, what] : {std::pair{"dependents", "dependent"}, {"cochange", "coupled file"},
                           {"shared", "shared dependency"}, {"dependencies", "dependency"}, {"languages", "language"},
                           {"edges", "edge"}, {"items", "item"}}) {
    if (auto n = count(key); n >= 0) return plural(n, what);
  }
  return "done";
}

asio::awaitable<std::vector<TaskResult>> Orchestrator::run(const Plan& plan, EventSink sink, CancelToken cancel) const {
  auto ex = co_await asio::this_coro::executor;
  auto s = std::make_shared<RunState>(ex, std::move(sink));
  s->wake.expires_at(Clock::time_point::max());
  const std::size_t n = plan.tasks.size();
  s->phase.assign(n, RunState::Phase::pending);
  s->started.assign(n, Clock::now());
  for (const auto& t : plan.tasks) s->results.push_back(TaskResult{.id = t.id, .tool = t.tool, .arguments = t.arguments});
  for (std::size_t i = 0; i < n; ++i) {
    auto [child, link] = CancelSource::child_of(cancel);
    s->cancel.push_back(std::make_unique<CancelSource>(std::move(child)));
    s->cancel_links.push_back(std::move(link));
  }
  s->deadline.resize(n);
  // cancel() may come from any thread: hop to our executor to wake the loop.
  auto on_cancel = cancel.on_cancel([s, ex] { asio::post(ex, [s] { s->poke(); }); });

  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index[plan.tasks[i].id] = i;

  auto start = [&](std::size_t i) {
    const Task& task = plan.tasks[i];
    s->started[i] = Clock::now();
    s->phase[i] = RunState::Phase::running;
    s->deadline[i] = std::make_shared<asio::steady_timer>(ex);
    auto args = resolve_references(task.arguments, s->results);
    if (!args) return s->finish(i, TaskResult::Status::failed, {}, args.error().message);
    auto valid = tools_.validate(task.tool, *args);
    if (!valid) return s->finish(i, TaskResult::Status::failed, {}, valid.error().message());
    s->results[i].arguments = *valid;
    s->emit(EventKind::task_started, json::object{{"id", task.id}, {"tool", task.tool}, {"arguments", *valid}});
    tools::ToolContext ctx;
    ctx.cancel = s->cancel[i]->token();
    ctx.progress = [s, ex, id = task.id](const std::string& message) {
      asio::post(ex, [s, id, message] { s->emit(EventKind::task_progress, json::object{{"id", id}, {"message", message}}); });
    };
    asio::co_spawn(ex, run_tool(s, i, tools_.find(task.tool), std::move(*valid), std::move(ctx)), asio::detached);
    asio::co_spawn(ex, watch_timeout(s, i, options_.task_timeout), asio::detached);
  };

  // Starts every task whose dependencies are done and skips those whose
  // dependencies failed; true when some task ended here (which may unblock
  // or skip others, so the caller schedules again).
  auto schedule = [&]() {
    bool ended = false;
    std::size_t running = 0;
    for (auto p : s->phase) running += p == RunState::Phase::running;
    for (std::size_t i = 0; i < n && running < options_.max_parallel; ++i) {
      if (s->phase[i] != RunState::Phase::pending) continue;
      bool ready = true;
      std::string failed_dependency;
      for (const auto& d : plan.tasks[i].depends_on) {
        auto it = index.find(d);
        if (it == index.end()) continue;
        if (s->phase[it->second] != RunState::Phase::done) ready = false;
        else if (s->results[it->second].status != TaskResult::Status::ok) failed_dependency = d;
      }
      if (!failed_dependency.empty()) {
        s->started[i] = Clock::now();
        s->finish(i, TaskResult::Status::skipped, {}, "skipped: " + failed_dependency + " did not succeed");
        ended = true;
      } else if (ready) {
        start(i);
        if (s->phase[i] == RunState::Phase::done) ended = true;
        else ++running;
      }
    }
    return ended;
  };

  for (;;) {
    if (cancel.cancelled()) {
      for (std::size_t i = 0; i < n; ++i) {
        if (s->phase[i] == RunState::Phase::done) continue;
        if (s->phase[i] == RunState::Phase::pending) s->started[i] = Clock::now();
        s->cancel[i]->cancel("cancelled");
        s->finish(i, TaskResult::Status::cancelled, {}, "cancelled");
      }
      break;
    }
    while (schedule()) {
    }
    bool all_done = std::all_of(s->phase.begin(), s->phase.end(), [](auto p) { return p == RunState::Phase::done; });
    if (all_done) break;
    s->wake.expires_at(Clock::time_point::max());
    co_await s->wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  s->finished = true;
  for (auto& t : s->deadline)
    if (t) t->cancel();
  co_return s->results;
}

}  // namespace devagent::agent
