#include "agent/tool_loop.h"

#include "agent/context.h"
#include "core/json.h"

#include <boost/json/serialize.hpp>

namespace devagent::agent {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

void add_usage(llm::Usage& total, const llm::Usage& u) {
  total.input_tokens += u.input_tokens;
  total.output_tokens += u.output_tokens;
  total.cached_input_tokens += u.cached_input_tokens;
  total.estimated |= u.estimated;
}

}  // namespace

json::object attempt_notice(const llm::AttemptFailure& f) {
  std::string next = f.next == "retry" ? ", retrying" : f.next == "fallback" ? ", trying the next model" : "";
  return json::object{{"message", f.candidate.label() + " failed (" + std::string(llm::to_string(f.error.kind)) + ")" +
                                      next + ": " + f.error.message},
                      {"candidate", f.candidate.label()},
                      {"kind", llm::to_string(f.error.kind)},
                      {"next", f.next}};
}

asio::awaitable<llm::Outcome<LoopResult>> run_tool_loop(llm::Router& router, const tools::ToolRegistry& tools,
                                                        const Orchestrator& orchestrator,
                                                        std::vector<llm::Message> conversation, EventSink sink,
                                                        llm::CallContext context, CancelToken cancel,
                                                        LoopOptions options) {
  LoopResult out;
  auto specs = tools.specs();
  llm::AttemptObserver observer = [sink](const llm::AttemptFailure& f) {
    if (sink) sink(Event{EventKind::notice, attempt_notice(f)});
  };
  int next_id = 1;
  for (int step = 0; step < options.max_steps; ++step) {
    llm::ChatRequest request;
    request.messages = conversation;
    request.tools = specs;
    // What the model says in its first round streams to the client as it
    // comes: the answer, when it calls no tool, or a preamble to its calls
    // ("Let me look at the build files.") shown before the answer. Text of
    // later rounds is not the answer (the response route writes that from
    // the results) and is not forwarded.
    std::string* streamed = &out.streamed_text;
    llm::DeltaSink forward = [sink, streamed, first = step == 0](const llm::Delta& d) {
      if (!first || d.kind != llm::Delta::Kind::text || d.text.empty()) return;
      *streamed += d.text;
      if (sink) sink(Event{EventKind::token, json::object{{"text", d.text}}});
    };
    auto reply = co_await router.chat("decomposition", std::move(request), forward, context, cancel, observer);
    ++out.steps;
    if (!reply) co_return reply.error();
    add_usage(out.usage, reply->response.usage);
    out.cost_nanos += reply->cost_nanos;
    out.candidate = reply->candidate;
    auto& calls = reply->response.tool_calls;
    if (calls.empty()) {
      out.final_text = reply->response.text;
      break;
    }

    // This round's calls become tasks; malformed JSON never reaches a tool.
    Plan round;
    std::vector<TaskResult> malformed;
    std::vector<std::string> ids;
    for (const auto& call : calls) {
      Task task{.id = "t" + std::to_string(next_id++), .tool = call.name};
      ids.push_back(task.id);
      std::string_view text = call.arguments;
      if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) text = "{}";
      auto args = devagent::json::parse(text);
      if (!args || !args->is_object()) {
        std::string why = args ? "arguments must be a JSON object" : "arguments are not valid JSON: " + args.error().message;
        malformed.push_back(TaskResult{.id = task.id, .tool = call.name, .status = TaskResult::Status::failed, .error = why});
      } else {
        task.arguments = args->as_object();
      }
      round.tasks.push_back(std::move(task));
    }
    if (sink) {
      auto data = to_json(round);
      data["step"] = step + 1;
      data["planner"] = "llm";
      sink(Event{EventKind::plan, std::move(data)});
    }
    Plan runnable;
    for (const auto& t : round.tasks) {
      bool bad = std::any_of(malformed.begin(), malformed.end(), [&](const TaskResult& m) { return m.id == t.id; });
      if (!bad) runnable.tasks.push_back(t);
    }
    auto ran = co_await orchestrator.run(runnable, sink, cancel);
    if (cancel.cancelled()) co_return llm::Error{.kind = llm::ErrorKind::cancelled, .message = "cancelled"};

    // The assistant turn with its calls, then one tool message per call, in call order.
    llm::Message assistant{.role = llm::Role::assistant, .content = reply->response.text};
    for (std::size_t i = 0; i < calls.size(); ++i) {
      assistant.tool_calls.push_back(calls[i]);
    }
    conversation.push_back(std::move(assistant));
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const TaskResult* r = nullptr;
      for (const auto& x : ran) r = x.id == ids[i] ? &x : r;
      for (const auto& x : malformed) r = x.id == ids[i] ? &x : r;
      TaskResult copy = *r;
      if (copy.status != TaskResult::Status::ok && sink && !r->error.empty() &&
          std::any_of(malformed.begin(), malformed.end(), [&](const TaskResult& m) { return m.id == copy.id; })) {
        sink(Event{EventKind::task_finished, json::object{{"id", copy.id}, {"tool", copy.tool}, {"status", "failed"},
                                                          {"duration_ms", 0}, {"error", copy.error}}});
      }
      conversation.push_back(llm::Message{.role = llm::Role::tool,
                                          .content = result_for_model(copy, options.result_bytes),
                                          .tool_call_id = calls[i].id,
                                          .tool_name = calls[i].name});
      out.results.push_back(std::move(copy));
    }
    for (auto& t : round.tasks) out.plan.tasks.push_back(std::move(t));
  }
  co_return out;
}

}  // namespace devagent::agent
