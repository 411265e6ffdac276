// The response cache: answers (and plans) kept in the store and served again
// for the same question — exactly (normalised text) or semantically (cosine
// over the builtin embeddings via an ANN index, at or above the kind's
// threshold, and only when the guard in match.h finds no difference in what
// the two questions are about).
//
// An entry lives in a Scope: everything besides the question that changes
// the answer (kind, route and model, tool set, prompt version, repository and
// revision, conversation context). A lookup only ever sees entries of its own
// scope. Entries expire after their kind's TTL (cleanup() deletes them) and
// the least recently used go when the cache is over its size limit (evict()).
//
// Storage: tables cache_entries and cache_stats (this module's migrations,
// version table cache_migrations), SQLite or PostgreSQL. The exact map and
// the ANN indexes live in the process, built from the store at load();
// sync() (run by every lookup) adds what other instances stored, so an answer
// cached by one instance is a hit on another sharing the PostgreSQL store. A
// hit is always read back from the store, so an entry another instance
// deleted or that expired is never served.
//
// Every call is blocking store work: run it through run_blocking, never on an
// I/O thread. Thread-safe.
#pragma once

#include "cache/match.h"
#include "core/error.h"

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace devagent::config {
class Config;
}
namespace devagent::store {
class Database;
}
namespace devagent::index {
class AnnIndex;
}

namespace devagent::cache {

struct KindOptions {
  std::chrono::milliseconds ttl{24LL * 3600 * 1000};
  double similarity = 0.85;
};

struct CacheOptions {
  bool enabled = true;
  std::array<KindOptions, 3> kinds{KindOptions{std::chrono::hours(7 * 24), 0.90},   // decomposition
                                   KindOptions{std::chrono::hours(24), 0.85},       // response
                                   KindOptions{std::chrono::hours(3 * 24), 0.95}};  // analysis
  std::uint64_t max_bytes = 256ull << 20;  // over it, the least recently used entries go
  std::chrono::milliseconds cleanup_interval{10 * 60 * 1000};
  std::size_t warm_recent = 20;  // questions re-answered by periodic warming (0: none)
  std::chrono::milliseconds warm_interval{60 * 60 * 1000};  // 0: no periodic warming
  const KindOptions& of(Kind k) const { return kinds[static_cast<std::size_t>(k)]; }
  static CacheOptions from(const config::Config& config);
};

// What besides the question changes the answer. Two questions are only ever
// compared within one scope.
struct Scope {
  Kind kind = Kind::response;
  std::string model;           // "route:provider/model" of the call being cached
  std::string tools;           // the tool set (names and schemas), as a digest
  std::string prompt_version;  // digest of the prompts that write the answer
  std::string repository;      // the repository the answer depends on ("" when none)
  std::string revision;        // its indexed revision (a new commit is another scope)
  std::string context;         // digest of conversation context the answer leans on ("" when none)
  bool semantic = true;        // false: exact matches only (follow-up turns)
  // The stored form: a digest of every field but `semantic`.
  std::string key() const;
};

struct Entry {
  std::int64_t id = 0;
  Kind kind = Kind::response;
  std::string scope;  // Scope::key()
  std::string question;
  std::string payload;  // what is replayed (JSON, the caller's format)
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cost_nanos = 0;
  std::int64_t created_at = 0;  // ms since the epoch
  std::int64_t expires_at = 0;
  std::int64_t last_used = 0;
  std::int64_t hits = 0;
  std::int64_t bytes = 0;
};

struct Hit {
  Entry entry;
  Decision decision;  // reason "exact" for an exact hit
  bool exact = false;
};

struct KindStats {
  std::int64_t exact_hits = 0;
  std::int64_t semantic_hits = 0;
  std::int64_t misses = 0;
  std::int64_t entries = 0;  // live (not expired)
  std::int64_t bytes = 0;
  std::int64_t tokens_saved = 0;
  std::int64_t cost_saved_nanos = 0;
  double hit_rate() const;
};

struct Stats {
  std::array<KindStats, 3> kinds{};
  KindStats total() const;
  // {"kinds": {"decomposition": {...}, "response": {...}, "analysis": {...}},
  //  "total": {...}}, each {"exact_hits", "semantic_hits", "hits", "misses",
  //  "lookups", "hit_rate", "entries", "bytes", "tokens_saved", "cost_saved_usd"}.
  boost::json::object to_json() const;
};

// The statistics document of GET /api/v1/cache/stats and `devagent cache
// stats --json`: {"enabled": true, "options": {"kinds": {kind: {"ttl_seconds",
// "similarity"}}, "max_bytes"}} plus Stats::to_json(); with the cache off
// (stats nullptr): {"enabled": false, "kinds": {}}.
boost::json::object stats_document(const Stats* stats, const CacheOptions& options);

enum class Outcome { exact_hit, semantic_hit, miss };

class ResponseCache {
 public:
  // db must outlive this object.
  ResponseCache(store::Database& db, CacheOptions options = {});
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // Applies this module's migrations and builds the in-process indexes.
  Result<> load();
  // Adds the entries other instances stored since the last sync.
  Result<> sync();

  // The entry to serve for question in scope, or nullopt (a miss). Touches
  // nothing: record() counts the outcome, touch() marks the entry used.
  Result<std::optional<Hit>> lookup(const Scope& scope, std::string_view question);
  // Stores an answer; an entry with the same scope and normalised question
  // is replaced. Evicts least recently used entries when over max_bytes. An
  // entry over max_bytes / 16 is refused (invalid_argument).
  Result<Entry> put(const Scope& scope, std::string_view question, std::string payload, std::int64_t input_tokens,
                    std::int64_t output_tokens, std::int64_t cost_nanos);
  // Counts a lookup's outcome (and, on a hit, what it saved) in the shared stats.
  Result<> record(Kind kind, Outcome outcome, std::int64_t tokens_saved = 0, std::int64_t cost_saved_nanos = 0);
  // Marks an entry used now (LRU).
  Result<> touch(std::int64_t id);

  Result<Stats> stats();
  // Deletes expired entries; returns how many.
  Result<std::int64_t> cleanup();
  // Deletes least recently used entries until the cache is within max_bytes;
  // returns how many.
  Result<std::int64_t> evict();
  // Deletes every entry (of one kind when given); returns how many.
  Result<std::int64_t> clear(std::optional<Kind> kind = std::nullopt);

  const CacheOptions& options() const { return options_; }
  std::size_t size() const;  // entries known to this process

 private:
  struct Known {
    Kind kind;
    std::string scope;
    std::string normalised;
    std::string question;
    std::int64_t expires_at;
    std::int64_t bytes;
  };
  void add_known(std::int64_t id, Known known, const std::vector<float>& embedding);
  void forget_known(std::int64_t id);
  Result<std::optional<Entry>> read(std::int64_t id);

  store::Database& db_;
  CacheOptions options_;
  mutable std::mutex mutex_;  // guards what follows; never held across store calls
  std::unordered_map<std::int64_t, Known> known_;
  std::unordered_map<std::string, std::int64_t> exact_;  // scope + '\n' + normalised -> id
  std::unordered_map<std::string, std::unique_ptr<index::AnnIndex>> ann_;  // per scope
  std::int64_t known_bytes_ = 0;  // of the entries in known_: put() only evicts when this is over the limit
  std::int64_t last_id_ = 0;
  std::mutex sync_mutex_;
};

}  // namespace devagent::cache
