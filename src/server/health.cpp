// Liveness, readiness, metrics and version.
#include "core/blocking.h"
#include "core/metrics.h"
#include "core/version.h"
#include "server/handlers.h"
#include "store/store.h"

namespace devagent::server::handlers {

awaitable<void> healthz(Exchange& ex) {
  boost::json::value body = {{"status", "ok"}};
  co_await ex.reply_json(200, body);
}

// Ready when the store answers and its schema is at this build's version.
awaitable<void> readyz(Services& services, Exchange& ex) {
  if (!services.db) {
    co_await ex.reply_error(503, "unavailable", "store is not open");
    co_return;
  }
  auto& db = *services.db;
  auto version = co_await run_blocking([&] { return store::schema_version(db); });
  if (!version) {
    std::string message = "store is not answering: " + version.error().message;
    co_await ex.reply_error(503, "unavailable", message);
    co_return;
  }
  if (*version < store::latest_schema_version()) {
    std::string message = "store schema is at version " + std::to_string(*version) + ", expected " +
                          std::to_string(store::latest_schema_version());
    co_await ex.reply_error(503, "unavailable", message);
    co_return;
  }
  boost::json::value body = {{"status", "ready"}, {"schema_version", *version}};
  co_await ex.reply_json(200, body);
}

awaitable<void> metrics(Exchange& ex) {
  std::string text = metrics::registry().expose();
  co_await ex.reply(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
}

awaitable<void> version(Exchange& ex) {
  boost::json::value body = {{"version", kVersion}, {"commit", kCommit}};
  co_await ex.reply_json(200, body);
}

}  // namespace devagent::server::handlers
