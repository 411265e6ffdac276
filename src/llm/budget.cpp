#include "llm/budget.h"

#include "core/log.h"
#include "core/metrics.h"
#include "llm/prices.h"
#include "store/store.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace devagent::llm {
namespace {

using Clock = std::chrono::system_clock;
// Errors here are devagent::Error (core/error.h); llm/provider.h, included
// through prices.h, declares an llm::Error of its own for provider failures.

// Makes sure today's row exists. ON CONFLICT DO NOTHING (SQLite >= 3.24 and
// PostgreSQL) lets two instances race to create the row without either
// failing; on PostgreSQL a failed INSERT would abort the whole transaction.
constexpr std::string_view kEnsureRow =
    "INSERT INTO budget_usage (principal, day, tokens_used, tokens_reserved, cost_used_nanos, "
    "cost_reserved_nanos, updated_at) VALUES (?, ?, 0, 0, 0, 0, ?) ON CONFLICT (principal, day) DO NOTHING";

// Moves a reservation to used. The CASE keeps reserved from going negative
// (portable, unlike MAX/GREATEST); used takes the actual amounts, which pass
// the reservation only when the caller under-reserved.
constexpr std::string_view kSettle =
    "UPDATE budget_usage SET tokens_used = tokens_used + ?, "
    "tokens_reserved = CASE WHEN tokens_reserved > ? THEN tokens_reserved - ? ELSE 0 END, "
    "cost_used_nanos = cost_used_nanos + ?, "
    "cost_reserved_nanos = CASE WHEN cost_reserved_nanos > ? THEN cost_reserved_nanos - ? ELSE 0 END, "
    "updated_at = ? WHERE principal = ? AND day = ?";

constexpr std::string_view kStanding =
    "SELECT tokens_used, tokens_reserved, cost_used_nanos, cost_reserved_nanos FROM budget_usage "
    "WHERE principal = ? AND day = ?";

std::string iso_date(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::chrono::sys_days utc_day(Clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t);
}

// The conditional UPDATE that takes a reservation: it changes the row only
// when every configured limit still holds with the new amounts added, so
// "check and reserve" is one atomic statement on either backend.
std::string reserve_sql(const BudgetLimits& limits) {
  std::string sql =
      "UPDATE budget_usage SET tokens_reserved = tokens_reserved + ?, "
      "cost_reserved_nanos = cost_reserved_nanos + ?, updated_at = ? WHERE principal = ? AND day = ?";
  if (limits.daily_tokens > 0) sql += " AND tokens_used + tokens_reserved + ? <= ?";
  if (limits.daily_cost_nanos > 0) sql += " AND cost_used_nanos + cost_reserved_nanos + ? <= ?";
  return sql;
}

std::vector<store::Value> reserve_params(const BudgetLimits& limits, const std::string& principal,
                                         const std::string& day, std::int64_t tokens, std::int64_t cost) {
  std::vector<store::Value> p{tokens, cost, store::now_ms(), principal, day};
  if (limits.daily_tokens > 0) {
    p.emplace_back(tokens);
    p.emplace_back(limits.daily_tokens);
  }
  if (limits.daily_cost_nanos > 0) {
    p.emplace_back(cost);
    p.emplace_back(limits.daily_cost_nanos);
  }
  return p;
}

Result<BudgetGuard::Standing> read_standing(store::Database& db, const std::string& principal, const std::string& day) {
  auto rows = db.query(kStanding, {principal, day});
  if (!rows) return rows.error();
  BudgetGuard::Standing s;
  if (rows->empty()) return s;
  const auto& row = rows->rows[0];
  s.tokens_used = row.integer(0);
  s.tokens_reserved = row.integer(1);
  s.cost_used_nanos = row.integer(2);
  s.cost_reserved_nanos = row.integer(3);
  return s;
}

// "daily token limit of 1000 tokens would be exceeded: 900 used, 60 reserved
// by calls in progress, 40 left, 100 requested; it resets at 2026-11-27T00:00:00Z"
std::string refusal_message(std::string_view limit_name, std::int64_t limit, std::int64_t used, std::int64_t reserved,
                            std::int64_t requested, std::string (*amount)(std::int64_t), std::chrono::sys_days today) {
  std::int64_t left = std::max<std::int64_t>(0, limit - used - reserved);
  return "daily " + std::string(limit_name) + " of " + amount(limit) + " would be exceeded: " + amount(used) +
         " used, " + amount(reserved) + " reserved by calls in progress, " + amount(left) + " left, " +
         amount(requested) + " requested; it resets at " + iso_date(today + std::chrono::days{1}) + "T00:00:00Z";
}

std::string tokens_amount(std::int64_t n) {
  return std::to_string(n) + " tokens";
}

// Names the limit that refused the reservation, with the numbers behind it.
devagent::Error refusal(const BudgetLimits& limits, const BudgetGuard::Standing& s, std::int64_t tokens,
                        std::int64_t cost, std::chrono::sys_days today) {
  bool tokens_over = limits.daily_tokens > 0 && s.tokens_used + s.tokens_reserved + tokens > limits.daily_tokens;
  if (tokens_over || limits.daily_cost_nanos <= 0) {
    return make_error(devagent::ErrorKind::rate_limited,
                      refusal_message("token limit", limits.daily_tokens, s.tokens_used, s.tokens_reserved, tokens,
                                      tokens_amount, today));
  }
  return make_error(devagent::ErrorKind::rate_limited,
                    refusal_message("cost limit", limits.daily_cost_nanos, s.cost_used_nanos, s.cost_reserved_nanos,
                                    cost, format_dollars, today));
}

// Today's spend against the limits, per principal, for the "budget near its
// limit" alert: llm_budget_used_ratio{principal, limit} (limit: tokens or
// cost) is used / limit, published whenever a reservation settles or is
// refused. A collector zeroes the gauges when the UTC day changes, so
// yesterday's spend does not keep the alert firing.
class BudgetMetrics {
 public:
  static BudgetMetrics& get() {
    static BudgetMetrics m;
    return m;
  }

  // The limits a principal's last reservation ran under (an API key may
  // have its own); settling publishes against them.
  void remember(const std::string& principal, const BudgetLimits& limits) {
    std::lock_guard lock(mutex_);
    limits_[principal] = limits;
  }

  // Publishes s against the remembered limits, or `fallback` when there are none.
  void publish(const std::string& principal, const std::string& day, const BudgetLimits& fallback,
               const BudgetGuard::Standing& s) {
    std::lock_guard lock(mutex_);
    if (day != day_) forget_day(day);
    principals_.insert(principal);
    auto known = limits_.find(principal);
    const BudgetLimits& limits = known == limits_.end() ? fallback : known->second;
    if (limits.daily_tokens > 0) {
      ratio_.labels({principal, "tokens"})
          .set(static_cast<double>(s.tokens_used) / static_cast<double>(limits.daily_tokens));
    }
    if (limits.daily_cost_nanos > 0) {
      ratio_.labels({principal, "cost"})
          .set(static_cast<double>(s.cost_used_nanos) / static_cast<double>(limits.daily_cost_nanos));
    }
  }

  void refused() { refusals_.inc(); }

 private:
  BudgetMetrics()
      : ratio_(metrics::registry().gauge("llm_budget_used_ratio",
                                         "Today's (UTC) use of the daily budget per principal and limit (tokens, "
                                         "cost), from 0 to 1.",
                                         {"principal", "limit"})),
        refusals_(metrics::registry()
                      .counter("llm_budget_refusals_total", "Model calls refused because a daily budget was spent.")
                      .labels({})) {
    metrics::registry().add_collector([this] {
      std::lock_guard lock(mutex_);
      auto today = iso_date(utc_day(Clock::now()));
      if (today != day_) forget_day(today);
    });
  }

  // Zeroes every principal's gauges; mutex_ held.
  void forget_day(const std::string& today) {
    for (const auto& p : principals_) {
      ratio_.labels({p, "tokens"}).set(0);
      ratio_.labels({p, "cost"}).set(0);
    }
    principals_.clear();
    day_ = today;
  }

  metrics::Family<metrics::Gauge>& ratio_;
  metrics::Counter& refusals_;
  std::mutex mutex_;
  std::string day_;
  std::set<std::string> principals_;
  std::map<std::string, BudgetLimits> limits_;
};

}  // namespace

Reservation::Reservation(Reservation&& o) noexcept
    : guard_(std::exchange(o.guard_, nullptr)),
      principal(std::move(o.principal)),
      day(std::move(o.day)),
      tokens(o.tokens),
      cost_nanos(o.cost_nanos) {}

Reservation& Reservation::operator=(Reservation&& o) noexcept {
  if (this == &o) return *this;
  settle(0, 0);  // an active reservation being replaced is released
  guard_ = std::exchange(o.guard_, nullptr);
  principal = std::move(o.principal);
  day = std::move(o.day);
  tokens = o.tokens;
  cost_nanos = o.cost_nanos;
  return *this;
}

Reservation::~Reservation() {
  settle(0, 0);
}

void Reservation::settle(std::int64_t tokens_used, std::int64_t cost_nanos_used) noexcept {
  BudgetGuard* guard = std::exchange(guard_, nullptr);
  if (!guard) return;
  try {
    guard->finish(*this, tokens_used, cost_nanos_used);
  } catch (const std::exception& e) {
    log::error("budget: settling a reservation failed", "error", e.what());
  } catch (...) {
    log::error("budget: settling a reservation failed");
  }
}

BudgetGuard::BudgetGuard(store::Database& db, BudgetLimits limits) : db_(db), limits_(limits) {}

Result<Reservation> BudgetGuard::reserve(const std::string& principal, std::int64_t tokens, std::int64_t cost_nanos,
                                         std::optional<std::int64_t> daily_tokens) {
  BudgetLimits limits = limits_;
  if (daily_tokens) limits.daily_tokens = *daily_tokens;
  if (limits.daily_tokens <= 0 && limits.daily_cost_nanos <= 0) return Reservation{};
  if (principal.empty()) {
    return make_error(devagent::ErrorKind::invalid_argument, "budget: a reservation needs a principal");
  }
  if (tokens < 0 || cost_nanos < 0) {
    return make_error(devagent::ErrorKind::invalid_argument, "budget: a reservation cannot be negative");
  }
  auto today = utc_day(Clock::now());
  std::string day = iso_date(today);
  std::string sql = reserve_sql(limits);
  std::optional<devagent::Error> refused;
  auto ran = db_.transaction([&](store::Database& tx) -> Result<> {
    refused.reset();  // a backend may run this again after a serialization failure
    auto ensured = tx.execute(kEnsureRow, {principal, day, store::now_ms()});
    if (!ensured) return ensured.error();
    auto changed = tx.execute(sql, reserve_params(limits, principal, day, tokens, cost_nanos));
    if (!changed) return changed.error();
    if (*changed == 1) return {};
    auto standing = read_standing(tx, principal, day);
    if (!standing) return standing.error();
    refused = refusal(limits, *standing, tokens, cost_nanos, today);
    return {};
  });
  if (!ran) return ran.error();
  if (refused) {
    BudgetMetrics::get().refused();
    BudgetMetrics::get().remember(principal, limits);
    if (auto now = read_standing(db_, principal, day)) BudgetMetrics::get().publish(principal, day, limits, *now);
    return *refused;
  }
  BudgetMetrics::get().remember(principal, limits);

  Reservation r;
  r.guard_ = this;
  r.principal = principal;
  r.day = std::move(day);
  r.tokens = tokens;
  r.cost_nanos = cost_nanos;
  return r;
}

Result<BudgetGuard::Standing> BudgetGuard::standing(const std::string& principal) {
  return read_standing(db_, principal, iso_date(utc_day(Clock::now())));
}

std::chrono::seconds BudgetGuard::until_reset() {
  auto now = Clock::now();
  auto next_midnight = utc_day(now) + std::chrono::days{1};
  return std::chrono::ceil<std::chrono::seconds>(next_midnight - now);
}

void BudgetGuard::finish(Reservation& r, std::int64_t tokens_used, std::int64_t cost_used) {
  tokens_used = std::max<std::int64_t>(0, tokens_used);
  cost_used = std::max<std::int64_t>(0, cost_used);
  auto changed = db_.execute(kSettle, {tokens_used, r.tokens, r.tokens, cost_used, r.cost_nanos, r.cost_nanos,
                                       store::now_ms(), r.principal, r.day});
  if (changed && *changed == 1) {
    auto now = read_standing(db_, r.principal, r.day);
    if (now) BudgetMetrics::get().publish(r.principal, r.day, limits_, *now);
    return;
  }
  // The reservation stays counted until the day ends: the budget errs on the
  // side of refusing, never of overspending.
  std::string why = changed ? "no budget row for the day" : changed.error().message;
  log::error("budget: settling a reservation failed", "principal", r.principal, "day", r.day, "reserved_tokens",
             r.tokens, "used_tokens", tokens_used, "error", why);
}

}  // namespace devagent::llm
