#include "cli/common.h"
#include "core/version.h"

#include <iostream>

namespace devagent::cli {

void add_version(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the version and build commit");
  cmd->callback([&exit_code] {
    std::cout << "devagent " << kVersion << " (" << kCommit << ")\n";
    exit_code = kExitOk;
  });
}

}  // namespace devagent::cli
