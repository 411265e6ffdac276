// devagent ask: stream an answer to stdout as it arrives.
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

constexpr const char* kSystemPrompt =
    "You are devagent, an assistant that answers developers' questions about code. "
    "Be precise and concise; say so when you do not know.";

int ask(const GlobalFlags& flags, const AskFlags& a) {
  auto cfg = load_config(flags);
  if (!cfg) return kExitUsage;
  asio::io_context ioc;
  http::Client client(http::ClientOptions::from(*cfg));
  auto providers = llm::ProviderSet::from_config(*cfg, client);
  if (!providers) {
    print_error("configuration error: " + providers.error().message);
    return kExitUsage;
  }
  llm::Provider* provider = a.provider.empty() ? &providers->preferred() : providers->find(a.provider);
  if (!provider) {
    print_error("no provider named '" + a.provider + "' (see devagent providers)");
    return kExitUsage;
  }

  llm::ChatRequest request;
  request.model = a.model;
  request.messages = {{.role = llm::Role::system, .content = kSystemPrompt},
                      {.role = llm::Role::user, .content = a.question}};

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
  std::optional<llm::Outcome<llm::ChatResponse>> result;
  asio::co_spawn(ioc, provider->chat(request, sink, cancel.token()),
                 [&](std::exception_ptr ep, llm::Outcome<llm::ChatResponse> r) {
                   if (ep) {
                     result = llm::Error{.kind = llm::ErrorKind::server, .message = "internal error"};
                   } else {
                     result = std::move(r);
                   }
                   signals.cancel();
                 });
  ioc.run();
  if (!ended_with_newline) std::cout << "\n";
  if (!result || !*result) {
    const auto& e = result->error();
    print_error(provider->name() + ": " + std::string(llm::to_string(e.kind)) + ": " + e.message);
    return kExitRuntime;
  }
  const auto& u = (*result)->usage;
  log::debug("ask finished", "provider", provider->name(), "model", (*result)->model, "input_tokens", u.input_tokens,
             "output_tokens", u.output_tokens, "estimated", u.estimated);
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
