// devagent serve: open the store, apply migrations, serve HTTP until SIGTERM.
#include "agent/warm.h"
#include "cli/app.h"
#include "cli/common.h"
#include "core/blocking.h"
#include "core/features.h"
#include "core/log.h"
#include "memory/conversations.h"
#include "core/metrics.h"
#include "core/version.h"
#include "server/server.h"
#include "store/store.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

namespace devagent::cli {
namespace {

namespace asio = boost::asio;
constexpr std::chrono::hours kWarmWindow{7 * 24};  // "recent" for warming: questions of the last week
constexpr int kWarmMinCount = 2;                    // asked at least twice

// The response cache's upkeep while the server runs: every
// cache.cleanup_interval expired entries go (and the least recently used,
// over the size limit); every cache.warm_interval the most frequent recent
// questions that the cache does not serve are answered ahead of time. Ends
// at shutdown.
asio::awaitable<void> maintain_cache(App& app, CancelToken stop) {
  auto& cache = *app.cache;
  const auto& o = cache.options();
  // Shared: the cancel posted at shutdown may run after this coroutine ended.
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  auto on_stop = stop.on_cancel([timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); });
  using Clock = std::chrono::steady_clock;
  auto next_cleanup = Clock::now() + o.cleanup_interval;
  const bool warming = o.warm_recent > 0 && o.warm_interval.count() > 0;
  auto next_warm = Clock::now() + (warming ? o.warm_interval : std::chrono::milliseconds(std::chrono::hours(24 * 365)));
  while (!stop.cancelled()) {
    timer->expires_at(std::min(next_cleanup, next_warm));
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (stop.cancelled()) break;
    if (Clock::now() >= next_cleanup) {
      next_cleanup = Clock::now() + o.cleanup_interval;
      auto removed = co_await run_blocking([&]() -> Result<std::int64_t> {
        auto expired = cache.cleanup();
        if (!expired) return expired;
        auto evicted = cache.evict();
        if (!evicted) return evicted;
        return *expired + *evicted;
      });
      if (!removed) log::warn("cache clean-up failed", "error", removed.error().message);
      else if (*removed > 0) log::info("cache clean-up", "removed", *removed);
    }
    if (warming && Clock::now() >= next_warm) {
      next_warm = Clock::now() + o.warm_interval;
      memory::Conversations conversations(*app.db);
      auto since = store::now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(kWarmWindow).count();
      auto questions = co_await run_blocking(
          [&] { return conversations.frequent_questions(since, kWarmMinCount, static_cast<int>(o.warm_recent)); });
      if (!questions) {
        log::warn("cache warming: no recent questions", "error", questions.error().message);
        continue;
      }
      auto report = co_await agent::warm_cache(*app.agent, *questions, false, stop);
      log::info("cache warmed from recent questions", "questions", questions->size(), "answered", report.answered,
                "already_cached", report.already_cached, "not_kept", report.not_kept, "failed", report.failed);
    }
  }
}

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
                            .memory = app->memory.get(),
                            .cache = app->cache.get()};
  const auto flags_config = features::FeatureFlags::from(cfg);
  services.features = &flags_config;
  log::info("feature flags", "flags", boost::json::serialize(flags_config.describe()));
  server::Server srv(server::ServerOptions::from(cfg), services);
  auto port = srv.listen();
  if (!port) {
    print_error(port.error().message);
    return port.error().kind == ErrorKind::config ? kExitUsage : kExitRuntime;
  }
  auto opts = server::ServerOptions::from(cfg);
  std::string host = opts.host.find(':') != std::string::npos ? "[" + opts.host + "]" : opts.host;
  std::string url = (opts.tls() ? "https://" : "http://") + host + ":" + std::to_string(*port);
  log::info("devagent listening", "url", url, "version", kVersion, "schema_version", version ? *version : 0,
            "store", cfg.str("store.driver"));
  std::cout << "devagent " << kVersion << " listening on " << url << std::endl;
  if (auto redirect = srv.redirect_port()) {
    std::cout << "devagent redirecting http://" << host << ":" << redirect << " to " << url << std::endl;
  }
  if (app->cache) {
    asio::co_spawn(asio::make_strand(srv.executor()), maintain_cache(*app, srv.shutdown_token()), asio::detached);
  }
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
