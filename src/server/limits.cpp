#include "server/limits.h"

#include "core/log.h"
#include "server/runs.h"
#include "store/store.h"

#include <algorithm>

namespace devagent::server {

std::chrono::seconds retry_after(std::int64_t oldest_ms, std::int64_t now_ms) {
  std::int64_t wait_ms = oldest_ms + kRateWindowMs - now_ms;
  return std::chrono::seconds(std::max<std::int64_t>(1, (wait_ms + 999) / 1000));
}

Result<RateDecision> Limiter::hit(const std::string& bucket, std::int64_t limit, std::int64_t now_ms) {
  if (limit <= 0) return RateDecision{};
  if (!db_) return hit_local(bucket, limit, now_ms);
  sweep_shared(now_ms);
  return hit_shared(bucket, limit, now_ms);
}

RateDecision Limiter::hit_local(const std::string& bucket, std::int64_t limit, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // Buckets left empty by clients that went quiet are dropped once a minute.
  if (now_ms - last_sweep_ms_ >= kRateWindowMs) {
    last_sweep_ms_ = now_ms;
    std::erase_if(hits_, [&](const auto& kv) { return kv.second.empty() || kv.second.back() <= now_ms - kRateWindowMs; });
  }
  auto& times = hits_[bucket];
  while (!times.empty() && times.front() <= now_ms - kRateWindowMs) times.pop_front();
  RateDecision d;
  if (static_cast<std::int64_t>(times.size()) >= limit) {
    d.allowed = false;
    d.count = static_cast<std::int64_t>(times.size());
    d.retry_after = retry_after(times.front(), now_ms);
    return d;
  }
  times.push_back(now_ms);
  d.count = static_cast<std::int64_t>(times.size());
  return d;
}

Result<RateDecision> Limiter::hit_shared(const std::string& bucket, std::int64_t limit, std::int64_t now_ms) {
  RateDecision d;
  auto ran = db_->transaction([&](store::Database& tx) -> Result<> {
    d = RateDecision{};  // PostgreSQL may run this again after a serialization failure
    auto expired = tx.execute("DELETE FROM rate_hits WHERE bucket = ? AND at <= ?", {bucket, now_ms - kRateWindowMs});
    if (!expired) return expired.error();
    auto rows = tx.query("SELECT COUNT(*), MIN(at) FROM rate_hits WHERE bucket = ?", {bucket});
    if (!rows) return rows.error();
    std::int64_t count = rows->rows[0].integer(0);
    if (count >= limit) {
      d.allowed = false;
      d.count = count;
      d.retry_after = retry_after(rows->rows[0].integer(1), now_ms);
      return {};
    }
    auto inserted = tx.execute("INSERT INTO rate_hits (id, bucket, at) VALUES (?, ?, ?)", {new_id(), bucket, now_ms});
    if (!inserted) return inserted.error();
    d.count = count + 1;
    return {};
  });
  if (!ran) return ran.error();
  return d;
}

// Rows of buckets that were not hit again (addresses that went quiet) and
// leases of crashed instances are removed about once a minute per instance.
void Limiter::sweep_shared(std::int64_t now_ms) {
  {
    std::lock_guard lock(mutex_);
    if (now_ms - last_sweep_ms_ < kRateWindowMs) return;
    last_sweep_ms_ = now_ms;
  }
  auto hits = db_->execute("DELETE FROM rate_hits WHERE at <= ?", {now_ms - kRateWindowMs});
  auto leases = db_->execute("DELETE FROM stream_leases WHERE expires_at <= ?", {now_ms});
  if (!hits || !leases) {
    log::warn("limits: sweeping old counters failed", "error", !hits ? hits.error().message : leases.error().message);
  }
}

Result<std::optional<std::string>> Limiter::acquire_stream(const std::string& key_id, std::int64_t max,
                                                           std::chrono::milliseconds ttl, std::int64_t now_ms) {
  std::string lease = new_id();
  if (max <= 0) return std::optional<std::string>(lease);
  if (!db_) {
    std::lock_guard lock(mutex_);
    auto& open = streams_[key_id];
    if (open >= max) return std::optional<std::string>{};
    ++open;
    leases_[lease] = key_id;
    return std::optional<std::string>(lease);
  }
  bool taken = false;
  auto ran = db_->transaction([&](store::Database& tx) -> Result<> {
    taken = false;
    auto expired = tx.execute("DELETE FROM stream_leases WHERE key_id = ? AND expires_at <= ?", {key_id, now_ms});
    if (!expired) return expired.error();
    auto rows = tx.query("SELECT COUNT(*) FROM stream_leases WHERE key_id = ?", {key_id});
    if (!rows) return rows.error();
    if (rows->rows[0].integer(0) >= max) return {};
    auto inserted = tx.execute("INSERT INTO stream_leases (id, key_id, expires_at) VALUES (?, ?, ?)",
                               {lease, key_id, now_ms + ttl.count()});
    if (!inserted) return inserted.error();
    taken = true;
    return {};
  });
  if (!ran) return ran.error();
  if (!taken) return std::optional<std::string>{};
  return std::optional<std::string>(lease);
}

Result<> Limiter::renew_stream(const std::string& lease_id, std::chrono::milliseconds ttl, std::int64_t now_ms) {
  if (!db_) return {};
  auto changed = db_->execute("UPDATE stream_leases SET expires_at = ? WHERE id = ?", {now_ms + ttl.count(), lease_id});
  if (!changed) return changed.error();
  return {};
}

Result<> Limiter::release_stream(const std::string& lease_id) {
  if (!db_) {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(lease_id);
    if (it == leases_.end()) return {};  // unlimited, or released already
    auto open = streams_.find(it->second);
    if (open != streams_.end() && --open->second <= 0) streams_.erase(open);
    leases_.erase(it);
    return {};
  }
  auto removed = db_->execute("DELETE FROM stream_leases WHERE id = ?", {lease_id});
  if (!removed) return removed.error();
  return {};
}

}  // namespace devagent::server
