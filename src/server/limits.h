// Request limits: requests per minute (per API key, or per client address on
// routes that need no key) and concurrent streams per key.
//
// Requests per minute is a sliding window: a request is admitted when fewer
// than `limit` requests of the same bucket were admitted in the last 60
// seconds; refused requests are not counted. Streams are leases: one per open
// stream, released when it ends, and expiring unless renewed, so an instance
// that crashes does not hold its streams forever.
//
// Shared mode keeps both in the store (rate_hits, stream_leases), so every
// instance on one PostgreSQL database sees the same counts; local mode keeps
// them in this process (the SQLite fast path: one server per database file).
// Thread-safe. Shared-mode calls block on the store: call them from the
// blocking pool.
#pragma once

#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace devagent::store {
class Database;
}

namespace devagent::server {

constexpr std::int64_t kRateWindowMs = 60'000;

struct RateDecision {
  bool allowed = true;
  std::int64_t count = 0;               // admitted requests in the window, this one included when allowed
  std::chrono::seconds retry_after{0};  // when refused: until the oldest counted request leaves the window
};

class Limiter {
 public:
  // db: shared mode, counters in the store; nullptr: local mode.
  explicit Limiter(store::Database* db) : db_(db) {}

  // Counts one request against `bucket` ("key:<id>", "ip:<address>") when
  // fewer than `limit` were admitted in the minute before now_ms. A limit of
  // 0 or less admits everything without counting.
  Result<RateDecision> hit(const std::string& bucket, std::int64_t limit, std::int64_t now_ms);

  // Takes one of `max` stream slots of a key, valid until now_ms + ttl
  // unless renewed; the lease id, or nullopt when every slot is taken. A max
  // of 0 or less means no limit (a lease is still returned, never counted).
  Result<std::optional<std::string>> acquire_stream(const std::string& key_id, std::int64_t max,
                                                    std::chrono::milliseconds ttl, std::int64_t now_ms);
  Result<> renew_stream(const std::string& lease_id, std::chrono::milliseconds ttl, std::int64_t now_ms);
  Result<> release_stream(const std::string& lease_id);

  bool shared() const { return db_ != nullptr; }

 private:
  Result<RateDecision> hit_shared(const std::string& bucket, std::int64_t limit, std::int64_t now_ms);
  RateDecision hit_local(const std::string& bucket, std::int64_t limit, std::int64_t now_ms);
  void sweep_shared(std::int64_t now_ms);

  store::Database* db_;
  std::mutex mutex_;
  std::map<std::string, std::deque<std::int64_t>, std::less<>> hits_;  // local: admitted times per bucket
  std::map<std::string, std::string, std::less<>> leases_;             // local: lease id -> key id
  std::map<std::string, std::int64_t, std::less<>> streams_;           // local: open streams per key
  std::int64_t last_sweep_ms_ = 0;
};

// Seconds until a refused request may succeed: the oldest counted request's
// time plus the window, rounded up, at least 1.
std::chrono::seconds retry_after(std::int64_t oldest_ms, std::int64_t now_ms);

}  // namespace devagent::server
