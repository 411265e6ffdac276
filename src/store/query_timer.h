// Internal to store/: times each call a caller makes on a pooled Database
// (waiting for a connection included) into the Prometheus histogram
//   store_query_duration_seconds{driver, op}
// with op one of query, execute, script, transaction. Statements inside a
// transaction are part of the transaction's time, not observed on their own.
#pragma once

#include "core/metrics.h"
#include "store/store.h"

#include <array>
#include <chrono>

namespace devagent::store {

enum class QueryOp { query, execute, script, transaction };

class QueryTimer {
 public:
  QueryTimer(Dialect dialect, QueryOp op) : histogram_(histogram(dialect, op)) {}
  ~QueryTimer() {
    histogram_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  }
  QueryTimer(const QueryTimer&) = delete;
  QueryTimer& operator=(const QueryTimer&) = delete;

 private:
  // The eight children are looked up once; observing is then lock-free.
  static metrics::Histogram& histogram(Dialect dialect, QueryOp op) {
    using Row = std::array<metrics::Histogram*, 4>;
    static const std::array<Row, 2> table = [] {
      auto& family = metrics::registry().histogram(
          "store_query_duration_seconds",
          "Duration of store calls, waiting for a pooled connection included, by driver and operation.",
          {"driver", "op"}, metrics::latency_buckets());
      std::array<Row, 2> t{};
      const char* drivers[] = {"sqlite", "postgres"};
      const char* ops[] = {"query", "execute", "script", "transaction"};
      for (int d = 0; d < 2; ++d) {
        for (int o = 0; o < 4; ++o) t[d][o] = &family.labels({drivers[d], ops[o]});
      }
      return t;
    }();
    return *table[dialect == Dialect::sqlite ? 0 : 1][static_cast<int>(op)];
  }

  metrics::Histogram& histogram_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace devagent::store
