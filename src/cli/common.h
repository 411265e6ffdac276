// What every subcommand shares: the global flags and loading configuration
// from them (internal to the cli module).
#pragma once

#include "core/config.h"
#include "store/store.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace devagent::cli {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct GlobalFlags {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> listen;
  std::optional<std::string> log_level;
  std::vector<std::string> set;  // key=value
};

// Who is running: the server logs at log.level; one-shot commands (ask,
// usage, ...) log warnings and errors only unless log.level is set
// explicitly, so their stderr stays readable.
enum class Role { server, command };

// Loads configuration with the flags applied last and configures logging.
// On failure prints the one error line and returns nullopt.
std::optional<config::Config> load_config(const GlobalFlags& flags, Role role = Role::command);

// Opens the configured store and brings its schema up to date. On failure
// prints the one error line, sets exit_code (usage for a configuration
// error, runtime otherwise) and returns nullptr.
std::unique_ptr<store::Database> open_store(const config::Config& cfg, int& exit_code);

// Prints "devagent: <message>" on stderr.
void print_error(std::string_view message);

// Subcommand registration; each returns the exit code through `exit_code`
// when its callback runs.
void add_serve(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_version(CLI::App& app, int& exit_code);
void add_config(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_ask(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_plan(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_providers(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_usage(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_memory(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_keys(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_cache(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void add_code_commands(CLI::App& app, const GlobalFlags& flags, int& exit_code);

}  // namespace devagent::cli
