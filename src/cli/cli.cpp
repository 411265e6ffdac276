#include "cli/cli.h"

#include "cli/common.h"
#include "core/log.h"
#include "core/version.h"

#include <iostream>

namespace devagent::cli {

void print_error(std::string_view message) { std::cerr << "devagent: " << message << std::endl; }

std::unique_ptr<store::Database> open_store(const config::Config& cfg, int& exit_code) {
  auto db = store::open(store::options_from(cfg));
  if (!db) {
    print_error("cannot open the store: " + db.error().message);
    exit_code = db.error().kind == ErrorKind::config ? kExitUsage : kExitRuntime;
    return nullptr;
  }
  if (auto version = store::migrate(**db); !version) {
    print_error("cannot migrate the store: " + version.error().message);
    exit_code = kExitRuntime;
    return nullptr;
  }
  return std::move(*db);
}

std::optional<config::Config> load_config(const GlobalFlags& flags, Role role) {
  config::LoadOptions opts;
  opts.file = flags.config_file;
  if (flags.data_dir) opts.overrides.emplace_back("store.data_dir", *flags.data_dir);
  if (flags.listen) opts.overrides.emplace_back("server.listen", *flags.listen);
  if (flags.log_level) opts.overrides.emplace_back("log.level", *flags.log_level);
  for (const auto& kv : flags.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      print_error("--set expects key=value, got '" + kv + "'");
      return std::nullopt;
    }
    opts.overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  auto cfg = config::Config::load(opts);
  if (!cfg) {
    print_error("configuration error: " + cfg.error().message);
    return std::nullopt;
  }
  const auto& fmt = cfg->str("log.format");
  log::Format format = fmt == "json" ? log::Format::json : fmt == "text" ? log::Format::text : log::auto_format();
  auto level = log::parse_level(cfg->str("log.level"));
  if (role == Role::command && cfg->source("log.level") == config::Source::default_value) level = log::Level::warn;
  log::configure(level, format);
  return std::move(*cfg);
}

int run(int argc, char** argv) {
  CLI::App app{"devagent: answers developers' questions about code", "devagent"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("devagent ") + kVersion + " (" + kCommit + ")");
  app.footer("Exit codes: 0 ok, 1 runtime error, 2 usage or configuration error.\n"
             "Configuration: defaults < config file < DEVAGENT_<SECTION>_<KEY> < flags.");

  GlobalFlags flags;
  app.add_option("--config", flags.config_file, "Configuration file (TOML, or JSON by extension); or DEVAGENT_CONFIG");
  app.add_option("--data-dir", flags.data_dir, "Directory for local state (store.data_dir; DEVAGENT_DATA_DIR)");
  app.add_option("--listen", flags.listen, "host:port to serve on (server.listen; DEVAGENT_LISTEN)");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error or off (log.level)");
  app.add_option("--set", flags.set, "Set any configuration key: --set section.key=value (repeatable)")
      ->allow_extra_args(false);

  int exit_code = kExitOk;
  add_serve(app, flags, exit_code);
  add_version(app, exit_code);
  add_config(app, flags, exit_code);
  add_ask(app, flags, exit_code);
  add_plan(app, flags, exit_code);
  add_providers(app, flags, exit_code);
  add_usage(app, flags, exit_code);
  add_memory(app, flags, exit_code);
  add_keys(app, flags, exit_code);
  add_cache(app, flags, exit_code);
  add_code_commands(app, flags, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(std::string(e.what()) + " (see devagent --help)");
    return kExitUsage;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitRuntime;
  }
  return exit_code;
}

}  // namespace devagent::cli
