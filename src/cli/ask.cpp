// devagent ask: stream an answer to stdout as it arrives.
#include "cli/app.h"
#include "cli/common.h"
#include "core/features.h"
#include "core/log.h"
#include "http/client.h"
#include "llm/providers.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace devagent::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

struct AskFlags {
  std::string question;
  std::string provider;
  std::string model;
  bool offline = false;
  bool no_cache = false;
  bool json = false;
};

// Usage and budgets are per principal; on the command line that is the user.
std::string cli_principal() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user && *user ? user : "local");
}

constexpr const char* kSystemPrompt =
    "You are devagent, an assistant that answers developers' questions about code. "
    "Be precise and concise; say so when you do not know.";

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

std::string seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

// Progress on stderr, one compact line per step; the answer goes to stdout.
class ProgressPrinter {
 public:
  void operator()(const agent::Event& e) {
    const auto& d = e.data;
    switch (e.kind) {
      case agent::EventKind::plan: {
        const auto& tasks = d.at("tasks").as_array();
        if (tasks.empty()) break;
        std::cerr << "plan (" << str(d, "planner") << "): " << tasks.size() << (tasks.size() == 1 ? " task" : " tasks")
                  << "\n";
        for (const auto& t : tasks) {
          const auto& o = t.as_object();
          std::cerr << "  " << str(o, "id") << " " << str(o, "tool") << " " << json::serialize(o.at("arguments"));
          if (!o.at("depends_on").as_array().empty()) std::cerr << " after " << json::serialize(o.at("depends_on"));
          std::cerr << "\n";
        }
        break;
      }
      case agent::EventKind::task_progress: std::cerr << "  " << str(d, "id") << " … " << str(d, "message") << "\n"; break;
      case agent::EventKind::task_finished: {
        bool ok = str(d, "status") == "ok";
        std::cerr << "  " << (ok ? "done " : "FAILED ") << str(d, "id") << " " << str(d, "tool") << " in "
                  << seconds(d.at("duration_ms").to_number<std::int64_t>()) << ": "
                  << (ok ? str(d, "summary") : str(d, "status") + ": " + str(d, "error")) << "\n";
        break;
      }
      case agent::EventKind::token: {
        auto text = str(d, "text");
        std::cout << text << std::flush;
        if (!text.empty()) ended_with_newline = text.back() == '\n';
        break;
      }
      case agent::EventKind::notice: std::cerr << "devagent: " << str(d, "message") << "\n"; break;
      case agent::EventKind::answer_done: {
        if (!ended_with_newline) std::cout << "\n";
        ended_with_newline = true;
        std::cerr << "(" << str(d, "engine");
        if (d.contains("model")) std::cerr << ", " << str(d, "provider") << ":" << str(d, "model");
        const auto& u = d.at("usage").as_object();
        auto tokens = u.at("input_tokens").to_number<std::int64_t>() + u.at("output_tokens").to_number<std::int64_t>();
        if (tokens > 0) {
          char cost[32];
          std::snprintf(cost, sizeof cost, "$%.4f", d.at("cost_usd").to_number<double>());
          std::cerr << ", " << tokens << " tokens, " << cost;
        }
        if (const auto* c = d.if_contains("cached"); c && c->is_object()) {
          const auto& co = c->as_object();
          char saved[64];
          std::snprintf(saved, sizeof saved, "%lld tokens, $%.4f saved",
                        static_cast<long long>(co.at("tokens_saved").to_number<std::int64_t>()),
                        co.at("cost_saved_usd").to_number<double>());
          std::cerr << ", from the cache (" << str(co, "match") << "), " << saved;
        }
        std::cerr << ", " << seconds(d.at("duration_ms").to_number<std::int64_t>()) << ")\n";
        break;
      }
      case agent::EventKind::error:
        if (!ended_with_newline) std::cout << "\n";
        ended_with_newline = true;
        break;
      default: break;
    }
  }
  bool ended_with_newline = true;
};

json::object answer_json(const agent::Answer& a) {
  json::array results;
  for (const auto& r : a.results) {
    json::object o{{"id", r.id}, {"tool", r.tool}, {"arguments", r.arguments}, {"status", agent::to_string(r.status)},
                   {"duration_ms", r.duration_ms}};
    if (r.status == agent::TaskResult::Status::ok) o["result"] = r.result;
    else o["error"] = r.error;
    results.push_back(std::move(o));
  }
  json::object out{{"answer", a.text}, {"engine", a.engine}, {"plan", agent::to_json(a.plan)},
                   {"results", std::move(results)},
                   {"usage", json::object{{"input_tokens", a.usage.input_tokens}, {"output_tokens", a.usage.output_tokens}}},
                   {"cost_usd", static_cast<double>(a.cost_nanos) / 1e9}};
  if (a.answered_by) out["model"] = a.answered_by->label();
  if (a.error) out["error"] = *a.error;
  if (a.cached) out["cached"] = a.cached->to_json();
  if (!a.variant.empty()) out["variant"] = a.variant;
  return out;
}

// The agent: plan, tools, answer.
int ask_agent(App& app, const AskFlags& a) {
  auto& ioc = app.io;
  CancelSource cancel;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) cancel.cancel("interrupted");
  });
  ProgressPrinter printer;
  agent::EventSink sink;
  if (!a.json) sink = [&printer](const agent::Event& e) { printer(e); };
  agent::Question q{.text = a.question, .context = {.request_id = "cli", .principal = cli_principal()},
                    .offline = a.offline};
  q.features = features::FeatureFlags::from(app.config).resolve(q.context.principal);
  if (a.no_cache) q.cache.read = false;
  std::optional<agent::Answer> answer;
  asio::co_spawn(ioc, app.agent->ask(std::move(q), sink, cancel.token()),
                 [&](std::exception_ptr ep, agent::Answer r) {
                   if (ep) {
                     r.error = "internal error";
                   }
                   answer = std::move(r);
                   signals.cancel();
                 });
  ioc.run();
  if (!answer) return kExitRuntime;
  if (a.json) std::cout << json::serialize(answer_json(*answer)) << "\n";
  if (answer->error) {
    print_error(*answer->error);
    return kExitRuntime;
  }
  return kExitOk;
}

int ask(const GlobalFlags& flags, const AskFlags& a) {
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code);
  if (!app) return exit_code;
  if (a.provider.empty()) {
    if (!app->open_agent(exit_code)) return exit_code;
    return ask_agent(*app, a);
  }
  llm::Provider* p = app->providers->find(a.provider);
  if (!p) {
    print_error("no provider named '" + a.provider + "' (see devagent providers)");
    return kExitUsage;
  }
  llm::Candidate direct{p->name(), a.model.empty() ? p->default_model() : a.model};

  llm::ChatRequest request;
  request.model = a.model;
  request.messages = {{.role = llm::Role::system, .content = kSystemPrompt},
                      {.role = llm::Role::user, .content = a.question}};

  auto& ioc = app->io;
  // Ctrl-C stops the answer and closes the upstream request.
  CancelSource cancel;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) cancel.cancel("interrupted");
  });

  bool ended_with_newline = true;
  llm::DeltaSink sink = [&](const llm::Delta& d) {
    if (d.kind != llm::Delta::Kind::text) return;
    std::cout << d.text << std::flush;
    ended_with_newline = !d.text.empty() && d.text.back() == '\n';
  };
  llm::CallContext context{.request_id = "cli", .principal = cli_principal()};
  std::optional<llm::Outcome<llm::RoutedReply>> result;
  auto done = [&](std::exception_ptr ep, llm::Outcome<llm::RoutedReply> r) {
    if (ep) {
      result = llm::Error{.kind = llm::ErrorKind::server, .message = "internal error"};
    } else {
      result = std::move(r);
    }
    signals.cancel();
  };
  asio::co_spawn(ioc, app->router->chat_with(direct, request, sink, context, cancel.token()), done);
  ioc.run();
  if (!ended_with_newline) std::cout << "\n";
  if (!result || !*result) {
    const auto& e = result->error();
    print_error(direct.provider + ": " + std::string(llm::to_string(e.kind)) + ": " + e.message);
    return kExitRuntime;
  }
  const auto& reply = **result;
  log::debug("ask finished", "candidate", reply.candidate.label(), "attempts", reply.attempts, "input_tokens",
             reply.response.usage.input_tokens, "output_tokens", reply.response.usage.output_tokens);
  return kExitOk;
}

}  // namespace

void add_ask(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static AskFlags a;
  auto* cmd = app.add_subcommand(
      "ask", "Ask the agent a question: it plans, runs tools, and streams the answer to stdout (progress on stderr)");
  cmd->add_option("question", a.question, "The question")->required();
  cmd->add_flag("--offline", a.offline, "Use the builtin planner and composer even when an LLM is configured");
  cmd->add_flag("--json", a.json, "Print the answer, plan and tool results as one JSON document at the end");
  cmd->add_flag("--no-cache", a.no_cache, "Answer afresh rather than from the response cache (the answer is kept)");
  cmd->add_option("--provider", a.provider,
                  "Ask this provider directly, without the agent's tools (see devagent providers)");
  cmd->add_option("--model", a.model, "With --provider: the model; default: the provider's");
  cmd->callback([&flags, &exit_code] { exit_code = ask(flags, a); });
}

}  // namespace devagent::cli
