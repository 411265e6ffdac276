#include "cli/common.h"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace devagent::cli {

void add_config(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* cmd = app.add_subcommand("config", "Inspect configuration");
  cmd->require_subcommand(1);
  auto* show = cmd->add_subcommand("show", "Print the effective configuration (secrets as ***) and where each value came from");
  static bool as_json = false;
  show->add_flag("--json", as_json, "Print JSON: {key: {value, source}}");
  show->callback([&flags, &exit_code] {
    auto cfg = load_config(flags);
    if (!cfg) {
      exit_code = kExitUsage;
      return;
    }
    if (as_json) {
      std::cout << boost::json::serialize(cfg->to_json()) << "\n";
    } else {
      std::cout << cfg->to_text();
    }
    exit_code = kExitOk;
  });
}

}  // namespace devagent::cli
