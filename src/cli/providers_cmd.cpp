// devagent providers: the configured providers and whether each answers.
#include "cli/app.h"
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

int providers_cmd(GlobalFlags flags, bool as_json) {
  // A health check should answer quickly even when an upstream hangs.
  flags.set.push_back("http.first_byte_timeout=5s");
  flags.set.push_back("http.connect_timeout=5s");
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code);
  if (!app) return exit_code;
  auto& ioc = app->io;
  auto all = app->providers->all();
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

  auto routes = app->router->routes();
  auto status = app->router->status();
  auto circuit_of = [&](const std::string& task, const llm::Candidate& c) {
    for (const auto& s : status) {
      if (s.task == task && s.candidate.provider == c.provider && s.candidate.model == c.model) {
        return std::string(llm::to_string(s.circuit));
      }
    }
    return std::string("closed");
  };

  if (as_json) {
    boost::json::array route_list;
    for (const auto& r : routes) {
      boost::json::array candidates;
      for (const auto& c : r.candidates) {
        candidates.push_back(
            boost::json::object{{"provider", c.provider}, {"model", c.model}, {"circuit", circuit_of(r.task, c)}});
      }
      route_list.push_back(
          boost::json::object{{"task", r.task}, {"derived", r.derived}, {"candidates", std::move(candidates)}});
    }
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
    std::cout << boost::json::serialize(boost::json::object{{"providers", std::move(out)},
                                                            {"routes", std::move(route_list)}})
              << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(14) << "NAME" << std::setw(11) << "TYPE" << std::setw(24) << "MODEL"
            << std::setw(8) << "HEALTH" << "DETAIL\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::cout << std::left << std::setw(14) << all[i]->name() << std::setw(11) << all[i]->type() << std::setw(24)
              << all[i]->default_model() << std::setw(8) << (health[i].ok ? "ok" : "down") << health[i].detail
              << " (" << health[i].latency_ms << " ms)\n";
  }
  std::cout << "\nROUTES (first answers; builtin is the last resort)\n";
  for (const auto& r : routes) {
    std::cout << "  " << std::left << std::setw(14) << r.task;
    for (std::size_t i = 0; i < r.candidates.size(); ++i) {
      const auto& c = r.candidates[i];
      auto circuit = circuit_of(r.task, c);
      std::cout << (i ? " -> " : "") << c.label() << (circuit == "closed" ? "" : " [" + circuit + "]");
    }
    std::cout << (r.derived ? "   (derived)" : "") << "\n";
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
