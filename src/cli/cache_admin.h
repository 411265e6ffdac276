// The cache command's administrative subcommands (cache_admin.cpp): stats,
// warm, clear. `cache match` lives in cache_cmd.cpp.
#pragma once

#include "cli/common.h"

namespace devagent::cli {

void add_cache_admin(CLI::App& cache_cmd, const GlobalFlags& flags, int& exit_code);

}  // namespace devagent::cli
