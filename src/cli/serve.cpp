// devagent serve: open the store, apply migrations, serve HTTP until SIGTERM.
#include "cli/app.h"
#include "cli/common.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/version.h"
#include "server/server.h"
#include "store/store.h"

#include <iostream>

namespace devagent::cli {
namespace {

int serve(const GlobalFlags& flags) {
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code, Role::server);
  if (!app) return exit_code;
  if (!app->open_agent(exit_code)) return exit_code;
  if (!app->open_memory(exit_code)) return exit_code;
  const auto& cfg = app->config;
  auto version = store::schema_version(*app->db);
  metrics::register_process_metrics(metrics::registry(), kVersion, kCommit);

  server::Services services{.config = &cfg,
                            .db = app->db.get(),
                            .providers = app->providers.get(),
                            .router = app->router.get(),
                            .usage = app->usage.get(),
                            .tools = app->tools.get(),
                            .agent = app->agent.get(),
                            .memory = app->memory.get()};
  server::Server srv(server::ServerOptions::from(cfg), services);
  auto port = srv.listen();
  if (!port) {
    print_error(port.error().message);
    return kExitRuntime;
  }
  auto opts = server::ServerOptions::from(cfg);
  std::string host = opts.host.find(':') != std::string::npos ? "[" + opts.host + "]" : opts.host;
  std::string url = "http://" + host + ":" + std::to_string(*port);
  log::info("devagent listening", "url", url, "version", kVersion, "schema_version", version ? *version : 0,
            "store", cfg.str("store.driver"));
  std::cout << "devagent " << kVersion << " listening on " << url << std::endl;
  srv.run();
  // Pooled upstream connections belong to the server's event loop, which
  // goes with srv: close them first.
  app->http->drop_idle_connections();
  log::info("devagent stopped");
  return kExitOk;
}

}  // namespace

void add_serve(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Start the HTTP server (API, streaming, web UI)");
  cmd->callback([&flags, &exit_code] { exit_code = serve(flags); });
}

}  // namespace devagent::cli
