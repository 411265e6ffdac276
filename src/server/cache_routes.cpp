// GET /api/v1/cache/stats and DELETE /api/v1/cache: the response cache's
// statistics (the same JSON as `devagent cache stats --json`) and clearing it.
#include "cache/cache.h"
#include "core/blocking.h"
#include "server/handlers.h"

#include <boost/json.hpp>

namespace devagent::server::handlers {

awaitable<void> cache_stats(Services& services, Exchange& ex) {
  if (!services.cache) {
    boost::json::value off = cache::stats_document(nullptr, {});
    co_await ex.reply_json(200, off);
    co_return;
  }
  auto& c = *services.cache;
  auto stats = co_await run_blocking([&] { return c.stats(); });
  if (!stats) {
    Error error = stats.error();
    co_await ex.reply_error(error);
    co_return;
  }
  boost::json::value body = cache::stats_document(&*stats, c.options());
  co_await ex.reply_json(200, body);
}

// ?kind= clears one kind only.
awaitable<void> cache_clear(Services& services, Exchange& ex) {
  if (!services.cache) {
    co_await ex.reply_error(503, "unavailable", "the response cache is off (cache.enabled = false)");
    co_return;
  }
  std::optional<cache::Kind> kind;
  if (auto k = ex.query("kind")) {
    cache::Kind parsed;
    if (!cache::parse_kind(*k, parsed)) {
      co_await ex.reply_error(400, "invalid_request", "kind must be decomposition, response or analysis");
      co_return;
    }
    kind = parsed;
  }
  auto& c = *services.cache;
  auto removed = co_await run_blocking([&] { return c.clear(kind); });
  if (!removed) {
    Error error = removed.error();
    co_await ex.reply_error(error);
    co_return;
  }
  boost::json::value body = boost::json::object{{"removed", *removed}};
  co_await ex.reply_json(200, body);
}

}  // namespace devagent::server::handlers
