// devagent serve: open the store, apply migrations, serve HTTP until SIGTERM.
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
  auto cfg = load_config(flags);
  if (!cfg) return kExitUsage;

  auto db = store::open(store::options_from(*cfg));
  if (!db) {
    print_error("cannot open the store: " + db.error().message);
    return kExitRuntime;
  }
  auto version = store::migrate(**db);
  if (!version) {
    print_error("cannot migrate the store: " + version.error().message);
    return kExitRuntime;
  }
  metrics::register_process_metrics(metrics::registry(), kVersion, kCommit);

  server::Services services{.config = &*cfg, .db = db->get()};
  server::Server srv(server::ServerOptions::from(*cfg), services);
  auto port = srv.listen();
  if (!port) {
    print_error(port.error().message);
    return kExitRuntime;
  }
  auto opts = server::ServerOptions::from(*cfg);
  std::string host = opts.host.find(':') != std::string::npos ? "[" + opts.host + "]" : opts.host;
  std::string url = "http://" + host + ":" + std::to_string(*port);
  log::info("devagent listening", "url", url, "version", kVersion, "schema_version", *version, "store",
            cfg->str("store.driver"));
  std::cout << "devagent " << kVersion << " listening on " << url << std::endl;
  srv.run();
  log::info("devagent stopped");
  return kExitOk;
}

}  // namespace

void add_serve(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Start the HTTP server (API, streaming, web UI)");
  cmd->callback([&flags, &exit_code] { exit_code = serve(flags); });
}

}  // namespace devagent::cli
