// GET /api/v1/usage: the usage report, the same JSON as `devagent usage --json`
// (by=variant adds each prompt variant's answers and feedback).
#include "core/blocking.h"
#include "llm/usage_log.h"
#include "memory/conversations.h"
#include "server/handlers.h"
#include "store/store.h"

#include <boost/json.hpp>

namespace devagent::server::handlers {

// ?since=&until= (a UTC date, a time or an age such as 24h), &by=, &user=.
// The report is a few aggregate statements on the store, run on the
// blocking pool so the I/O threads keep serving.
awaitable<void> usage(Services& services, Exchange& ex) {
  if (!services.usage) {
    co_await ex.reply_error(503, "unavailable", "the usage log is not available");
    co_return;
  }
  llm::UsageQueryText text;
  text.since = ex.query("since");
  text.until = ex.query("until");
  text.by = ex.query("by");
  text.user = ex.query("user");
  auto query = llm::parse_usage_query(text, store::now_ms());
  if (!query) {
    Error error = query.error();
    co_await ex.reply_error(error);
    co_return;
  }
  auto& log = *services.usage;
  auto report = co_await run_blocking([&] { return log.report(*query); });
  if (!report) {
    Error error = report.error();
    co_await ex.reply_error(error);
    co_return;
  }
  if (query->by == "variant" && services.db) {
    // Beside each prompt variant's tokens and cost: its answers and ratings.
    memory::Conversations conversations(*services.db);
    std::int64_t since = query->since_ms.value_or(0), until = query->until_ms.value_or(INT64_MAX);
    auto feedback = co_await run_blocking([&] { return conversations.feedback_by_variant(since, until); });
    if (!feedback) {
      Error error = feedback.error();
      co_await ex.reply_error(error);
      co_return;
    }
    memory::add_variants(*report, *feedback);
    boost::json::value body = memory::to_json(*report, *feedback);
    co_await ex.reply_json(200, body);
    co_return;
  }
  boost::json::value body = llm::to_json(*report);
  co_await ex.reply_json(200, body);
}

}  // namespace devagent::server::handlers
