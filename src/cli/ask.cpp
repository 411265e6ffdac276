// devagent ask: stream an answer to stdout as it arrives.
#include "cli/app.h"
#include "cli/common.h"
#include "core/log.h"
#include "http/client.h"
#include "llm/providers.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>

namespace devagent::cli {
namespace {

namespace asio = boost::asio;

struct AskFlags {
  std::string question;
  std::string provider;
  std::string model;
};

// Usage and budgets are per principal; on the command line that is the user.
std::string cli_principal() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user && *user ? user : "local");
}

constexpr const char* kSystemPrompt =
    "You are devagent, an assistant that answers developers' questions about code. "
    "Be precise and concise; say so when you do not know.";

int ask(const GlobalFlags& flags, const AskFlags& a) {
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code);
  if (!app) return exit_code;
  std::optional<llm::Candidate> direct;
  if (!a.provider.empty()) {
    llm::Provider* p = app->providers->find(a.provider);
    if (!p) {
      print_error("no provider named '" + a.provider + "' (see devagent providers)");
      return kExitUsage;
    }
    direct = llm::Candidate{p->name(), a.model.empty() ? p->default_model() : a.model};
  }

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
  llm::AttemptObserver observer = [](const llm::AttemptFailure& f) {
    if (f.next.empty()) return;
    std::cerr << "devagent: " << f.candidate.label() << " failed (" << llm::to_string(f.error.kind) << "), "
              << (f.next == "retry" ? "retrying" : "trying the next model") << "\n";
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
  if (direct) {
    asio::co_spawn(ioc, app->router->chat_with(*direct, request, sink, context, cancel.token()), done);
  } else {
    asio::co_spawn(ioc, app->router->chat("response", request, sink, context, cancel.token(), observer), done);
  }
  ioc.run();
  if (!ended_with_newline) std::cout << "\n";
  if (!result || !*result) {
    const auto& e = result->error();
    std::string who = direct ? direct->provider + ": " : "";
    print_error(who + std::string(llm::to_string(e.kind)) + ": " + e.message);
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
  auto* cmd = app.add_subcommand("ask", "Ask a question; the answer streams to stdout");
  cmd->add_option("question", a.question, "The question")->required();
  cmd->add_option("--provider", a.provider, "Provider name (see devagent providers); default: the first configured");
  cmd->add_option("--model", a.model, "Model; default: the provider's");
  cmd->callback([&flags, &exit_code] { exit_code = ask(flags, a); });
}

}  // namespace devagent::cli
