// Hard daily budgets per principal (API key or user): tokens, and optionally
// cost. A call reserves its worst case before it goes upstream and settles to
// what it actually used afterwards, so concurrent calls — on one instance or
// several sharing a PostgreSQL store — can never spend past the limit
// together. Days are UTC; a limit resets at UTC midnight.
#pragma once

#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace devagent::store {
class Database;
}

namespace devagent::llm {

struct BudgetLimits {
  std::int64_t daily_tokens = 0;      // 0: no token limit
  std::int64_t daily_cost_nanos = 0;  // 0: no cost limit
};

class BudgetGuard;

// One call's reservation. Settle it with what was used; if it is destroyed
// unsettled (or moved over), the reservation is released as if nothing was
// used. It refers to its BudgetGuard, which must outlive it. Settling takes
// the store; a store failure is logged and leaves the amount reserved until
// the day ends (the budget errs towards refusing, never towards overspending).
class Reservation {
 public:
  Reservation() = default;
  Reservation(Reservation&& o) noexcept;
  Reservation& operator=(Reservation&& o) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation();

  // Moves the reservation to used with the actual amounts (negative ones count
  // as 0). Used may pass the reservation only if the caller under-reserved.
  // Settling twice, or an inactive reservation, does nothing.
  void settle(std::int64_t tokens_used, std::int64_t cost_nanos_used) noexcept;
  bool active() const { return guard_ != nullptr; }

 private:
  friend class BudgetGuard;
  BudgetGuard* guard_ = nullptr;
  std::string principal;
  std::string day;
  std::int64_t tokens = 0;
  std::int64_t cost_nanos = 0;
};

// Thread-safe; keeps no state of its own beyond the limits, so any number of
// guards (in one process or several) may share one store.
class BudgetGuard {
 public:
  BudgetGuard(store::Database& db, BudgetLimits limits);

  bool enabled() const { return limits_.daily_tokens > 0 || limits_.daily_cost_nanos > 0; }
  const BudgetLimits& limits() const { return limits_; }

  // Reserves up to `tokens` and `cost_nanos` for today. When the reservation
  // would pass a limit: ErrorKind::rate_limited, with a message naming the
  // limit, what is used, reserved and left and when it resets ("... resets at
  // 2026-11-27T00:00:00Z"). Negative amounts or an empty principal:
  // invalid_argument; a store failure: its error (unavailable, ...), and
  // nothing is reserved. When no limit is set, returns an inactive reservation
  // without touching the store. daily_tokens, when set, is this principal's
  // own token limit (an API key's), in place of limits().daily_tokens.
  Result<Reservation> reserve(const std::string& principal, std::int64_t tokens, std::int64_t cost_nanos,
                              std::optional<std::int64_t> daily_tokens = std::nullopt);

  // Used and reserved amounts for a principal today (for reports and tests).
  struct Standing {
    std::int64_t tokens_used = 0, tokens_reserved = 0, cost_used_nanos = 0, cost_reserved_nanos = 0;
  };
  Result<Standing> standing(const std::string& principal);

  // Seconds until the next UTC midnight (the Retry-After of a refusal).
  static std::chrono::seconds until_reset();

 private:
  friend class Reservation;
  void finish(Reservation& r, std::int64_t tokens_used, std::int64_t cost_used);
  store::Database& db_;
  BudgetLimits limits_;
};

}  // namespace devagent::llm
