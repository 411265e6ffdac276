// The record of every LLM call, written to the store, and its aggregates.
//
// record() never blocks the caller: records queue in memory and a background
// thread writes them in batches, one transaction per batch. flush() waits
// until everything recorded so far is in the store. Reports are computed in
// SQL over the same rows, so totals equal the sum of the records exactly
// (costs and tokens are integers).
#pragma once

#include "core/error.h"
#include "llm/provider.h"

#include <boost/json/fwd.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace devagent::store {
class Database;
}

namespace devagent::llm {

struct UsageRecord {
  std::string id;  // made by record() when empty
  std::string request_id;
  std::string conversation_id;
  std::string principal;  // API key id or user
  std::string task;       // route name: response, decomposition, ...
  std::string provider;
  std::string model;
  Usage usage;
  std::int64_t cost_nanos = 0;
  std::int64_t latency_ms = 0;
  std::int64_t ttft_ms = -1;  // -1: no output
  std::string outcome;        // ok, fallback, error, cancelled
  std::string error_kind;     // empty when ok
  std::string variant;        // prompt A/B variant, when any
  std::int64_t created_at = 0;  // ms since the epoch; now when 0
};

struct UsageQuery {
  std::optional<std::int64_t> since_ms;  // inclusive
  std::optional<std::int64_t> until_ms;  // exclusive
  std::string by;                        // "", "day", "provider", "model", "user", "task", "outcome", "variant"
  std::string principal;                 // only this principal, when set
};

struct UsageTotals {
  std::int64_t calls = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cached_tokens = 0;
  std::int64_t estimated_calls = 0;
  std::int64_t cost_nanos = 0;
  std::int64_t errors = 0;     // outcome error or cancelled
  std::int64_t fallbacks = 0;  // outcome fallback
};

struct UsageGroup {
  std::string key;  // the day, provider, model, ... this group is for
  UsageTotals totals;
};

struct UsageReport {
  UsageTotals totals;
  std::vector<UsageGroup> groups;  // empty when by is ""
};

class UsageLog {
 public:
  explicit UsageLog(store::Database& db);
  ~UsageLog();  // flushes
  UsageLog(const UsageLog&) = delete;
  UsageLog& operator=(const UsageLog&) = delete;

  void record(UsageRecord r);
  // Waits until every record so far is written; returns the first write error since the last flush.
  Result<> flush();
  Result<UsageReport> report(const UsageQuery& q);
  // The records themselves, newest first (at most limit).
  Result<std::vector<UsageRecord>> records(const UsageQuery& q, std::size_t limit = 1000);

 private:
  void writer();
  store::Database& db_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<UsageRecord> queue_;
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  std::optional<devagent::Error> last_error_;  // llm::Error is the providers' error type
  std::thread thread_;
};

// "2026-11-26" for a time in ms since the epoch (UTC).
std::string utc_day(std::int64_t ms);

// A report's parameters as a person types them (CLI flags, HTTP query
// parameters); unset means "no bound" / "no grouping" / "everyone".
struct UsageQueryText {
  std::optional<std::string> since;
  std::optional<std::string> until;
  std::optional<std::string> by;
  std::optional<std::string> user;
};

// Reads since/until as a UTC date ("2026-11-26": its midnight), a timestamp
// ("2026-11-26T10:00:00Z", "2026-11-26T12:00:00+02:00") or an age before
// now_ms ("24h", "7d"), and checks `by`. Errors are invalid_argument and
// their message starts with the parameter's name ("since: ...").
Result<UsageQuery> parse_usage_query(const UsageQueryText& text, std::int64_t now_ms);

// The report as JSON, the one shape of `devagent usage --json` and
// GET /api/v1/usage: {"totals": {...}, "groups": [{"key", ...}]}, every
// totals object with calls, tokens, errors, fallbacks, cost_nanos and
// cost_usd ("0.001235", a string so it stays exact).
boost::json::object to_json(const UsageReport& report);

}  // namespace devagent::llm
