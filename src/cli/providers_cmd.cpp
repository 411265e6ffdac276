// devagent providers: the configured providers and whether each answers.
#include "cli/common.h"
#include "http/client.h"
#include "llm/providers.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <iomanip>
#include <iostream>

namespace devagent::cli {
namespace {

namespace asio = boost::asio;

struct Health {
  bool ok = false;
  std::string detail;
  std::int64_t latency_ms = 0;
  std::size_t models = 0;
};

int providers_cmd(const GlobalFlags& flags, bool as_json) {
  auto cfg = load_config(flags);
  if (!cfg) return kExitUsage;
  asio::io_context ioc;
  auto options = http::ClientOptions::from(*cfg);
  // A health check should answer quickly even when an upstream hangs.
  options.first_byte_timeout = std::min(options.first_byte_timeout, std::chrono::milliseconds(5000));
  options.connect_timeout = std::min(options.connect_timeout, std::chrono::milliseconds(5000));
  http::Client client(options);
  auto set = llm::ProviderSet::from_config(*cfg, client);
  if (!set) {
    print_error("configuration error: " + set.error().message);
    return kExitUsage;
  }
  auto all = set->all();
  std::vector<Health> health(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto started = std::chrono::steady_clock::now();
    asio::co_spawn(ioc, all[i]->models({}),
                   [&, i, started](std::exception_ptr ep, llm::Outcome<std::vector<llm::ModelInfo>> r) {
                     auto& h = health[i];
                     h.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started)
                                        .count();
                     if (ep) {
                       h.detail = "internal error";
                     } else if (!r) {
                       h.detail = std::string(llm::to_string(r.error().kind)) + ": " + r.error().message;
                     } else {
                       h.ok = true;
                       h.models = r->size();
                       h.detail = std::to_string(r->size()) + " models";
                     }
                   });
  }
  ioc.run();

  if (as_json) {
    boost::json::array out;
    for (std::size_t i = 0; i < all.size(); ++i) {
      out.push_back(boost::json::object{{"name", all[i]->name()},
                                        {"type", all[i]->type()},
                                        {"model", all[i]->default_model()},
                                        {"healthy", health[i].ok},
                                        {"detail", health[i].detail},
                                        {"models", health[i].models},
                                        {"latency_ms", health[i].latency_ms}});
    }
    std::cout << boost::json::serialize(boost::json::object{{"providers", std::move(out)}}) << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(14) << "NAME" << std::setw(11) << "TYPE" << std::setw(24) << "MODEL"
            << std::setw(8) << "HEALTH" << "DETAIL\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::cout << std::left << std::setw(14) << all[i]->name() << std::setw(11) << all[i]->type() << std::setw(24)
              << all[i]->default_model() << std::setw(8) << (health[i].ok ? "ok" : "down") << health[i].detail
              << " (" << health[i].latency_ms << " ms)\n";
  }
  return kExitOk;
}

}  // namespace

void add_providers(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static bool as_json = false;
  auto* cmd = app.add_subcommand("providers", "List the configured LLM providers and check that each answers");
  cmd->add_flag("--json", as_json, "Print JSON");
  cmd->callback([&flags, &exit_code] { exit_code = providers_cmd(flags, as_json); });
}

}  // namespace devagent::cli
