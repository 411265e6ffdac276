#include "cache/cache.h"

#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/text.h"
#include "index/ann.h"
#include "llm/hash_embedder.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace devagent::cache {

namespace {

constexpr const char* kVersionTable = "cache_migrations";
constexpr std::int64_t kSyncWindow = 64;  // ids re-checked on each sync (PostgreSQL commits can land out of order)
constexpr std::size_t kCandidates = 8;    // nearest stored questions the guard looks at
constexpr std::size_t kMaxQuestionBytes = 4000;

const std::vector<store::Migration>& migrations(store::Dialect d) {
  static const char* kTables = R"(
    CREATE TABLE cache_entries (
      id {id},
      kind TEXT NOT NULL,
      scope TEXT NOT NULL,
      normalised TEXT NOT NULL,
      question TEXT NOT NULL,
      embedding {blob} NOT NULL,
      payload TEXT NOT NULL,
      input_tokens BIGINT NOT NULL,
      output_tokens BIGINT NOT NULL,
      cost_nanos BIGINT NOT NULL,
      bytes BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      last_used BIGINT NOT NULL,
      hits BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX cache_entries_exact ON cache_entries (scope, normalised);
    CREATE INDEX cache_entries_expiry ON cache_entries (expires_at);
    CREATE INDEX cache_entries_lru ON cache_entries (last_used);
    CREATE TABLE cache_stats (
      kind TEXT PRIMARY KEY,
      exact_hits BIGINT NOT NULL,
      semantic_hits BIGINT NOT NULL,
      misses BIGINT NOT NULL,
      tokens_saved BIGINT NOT NULL,
      cost_saved_nanos BIGINT NOT NULL
    );
    INSERT INTO cache_stats VALUES ('decomposition', 0, 0, 0, 0, 0);
    INSERT INTO cache_stats VALUES ('response', 0, 0, 0, 0, 0);
    INSERT INTO cache_stats VALUES ('analysis', 0, 0, 0, 0, 0);)";
  auto with_id = [](const char* id) {
    std::string sql = kTables;
    sql.replace(sql.find("{id}"), 4, id);
    return sql;
  };
  static const std::string sqlite_sql = with_id("INTEGER PRIMARY KEY AUTOINCREMENT");
  static const std::string postgres_sql = with_id("BIGSERIAL PRIMARY KEY");
  static const std::vector<store::Migration> sqlite = {{1, "response cache", sqlite_sql.c_str()}};
  static const std::vector<store::Migration> postgres = {{1, "response cache", postgres_sql.c_str()}};
  return d == store::Dialect::postgres ? postgres : sqlite;
}

std::string hex64(std::uint64_t h) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[i] = digits[h & 15];
  return out;
}

// A question as it is stored and compared: at most kMaxQuestionBytes of
// valid UTF-8 (the store's text columns accept nothing else).
std::string stored_form(std::string_view text) {
  if (text.size() > kMaxQuestionBytes) {
    std::size_t end = kMaxQuestionBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text = text.substr(0, end);
  }
  return valid_utf8(text);
}

constexpr const char* kEntryColumns =
    "id, kind, scope, question, payload, input_tokens, output_tokens, cost_nanos, created_at, expires_at, last_used, "
    "hits, bytes";

Entry entry_of(const store::Row& r) {
  Entry e;
  e.id = r.integer(0);
  parse_kind(r.text(1), e.kind);
  e.scope = r.text(2);
  e.question = r.text(3);
  e.payload = r.text(4);
  e.input_tokens = r.integer(5);
  e.output_tokens = r.integer(6);
  e.cost_nanos = r.integer(7);
  e.created_at = r.integer(8);
  e.expires_at = r.integer(9);
  e.last_used = r.integer(10);
  e.hits = r.integer(11);
  e.bytes = r.integer(12);
  return e;
}

// Per-instance Prometheus series: lookups by outcome, what hits saved, and
// the entries and bytes this instance knows of.
struct CacheMetrics {
  metrics::Family<metrics::Counter>& lookups;
  metrics::Family<metrics::Counter>& tokens_saved;
  metrics::Family<metrics::Counter>& cost_saved;
  metrics::Family<metrics::Gauge>& entries;
  metrics::Family<metrics::Gauge>& bytes;
  static CacheMetrics& get() {
    auto& r = metrics::registry();
    static CacheMetrics m{
        r.counter("cache_lookups_total", "Response cache lookups by kind and result (exact, semantic, miss).",
                  {"kind", "result"}),
        r.counter("cache_tokens_saved_total", "Model tokens (input + output) cache hits saved, by kind.", {"kind"}),
        r.counter("cache_cost_saved_usd_total", "Model spend cache hits saved, by kind.", {"kind"}),
        r.gauge("cache_entries", "Response cache entries this instance knows of, by kind.", {"kind"}),
        r.gauge("cache_bytes", "Bytes of the response cache entries this instance knows of, by kind.", {"kind"}),
    };
    return m;
  }
};

}  // namespace

CacheOptions CacheOptions::from(const config::Config& c) {
  CacheOptions o;
  o.enabled = c.boolean("cache.enabled");
  for (Kind k : {Kind::decomposition, Kind::response, Kind::analysis}) {
    std::string prefix = "cache." + std::string(to_string(k));
    auto& kind = o.kinds[static_cast<std::size_t>(k)];
    kind.ttl = c.duration(prefix + ".ttl");
    kind.similarity = std::strtod(c.str(prefix + ".similarity").c_str(), nullptr);
  }
  o.max_bytes = c.size("cache.max_bytes");
  o.cleanup_interval = c.duration("cache.cleanup_interval");
  o.warm_recent = static_cast<std::size_t>(c.integer("cache.warm_recent"));
  o.warm_interval = c.duration("cache.warm_interval");
  return o;
}

std::string Scope::key() const {
  // Fields are length-prefixed so that no two different scopes share a key.
  std::uint64_t h = llm::fnv1a64(to_string(kind));
  for (const std::string* field : {&model, &tools, &prompt_version, &repository, &revision, &context}) {
    h = llm::fnv1a64(std::to_string(field->size()) + ":", h);
    h = llm::fnv1a64(*field, h);
  }
  return std::string(to_string(kind)) + ":" + hex64(h);
}

double KindStats::hit_rate() const {
  auto lookups = exact_hits + semantic_hits + misses;
  return lookups == 0 ? 0.0 : static_cast<double>(exact_hits + semantic_hits) / static_cast<double>(lookups);
}

KindStats Stats::total() const {
  KindStats t;
  for (const auto& k : kinds) {
    t.exact_hits += k.exact_hits;
    t.semantic_hits += k.semantic_hits;
    t.misses += k.misses;
    t.entries += k.entries;
    t.bytes += k.bytes;
    t.tokens_saved += k.tokens_saved;
    t.cost_saved_nanos += k.cost_saved_nanos;
  }
  return t;
}

namespace {
boost::json::object kind_json(const KindStats& k) {
  return boost::json::object{{"exact_hits", k.exact_hits},
                             {"semantic_hits", k.semantic_hits},
                             {"hits", k.exact_hits + k.semantic_hits},
                             {"misses", k.misses},
                             {"lookups", k.exact_hits + k.semantic_hits + k.misses},
                             {"hit_rate", k.hit_rate()},
                             {"entries", k.entries},
                             {"bytes", k.bytes},
                             {"tokens_saved", k.tokens_saved},
                             {"cost_saved_usd", static_cast<double>(k.cost_saved_nanos) / 1e9}};
}
}  // namespace

boost::json::object Stats::to_json() const {
  boost::json::object kinds_json;
  for (Kind k : {Kind::decomposition, Kind::response, Kind::analysis}) {
    kinds_json[to_string(k)] = kind_json(kinds[static_cast<std::size_t>(k)]);
  }
  return boost::json::object{{"kinds", std::move(kinds_json)}, {"total", kind_json(total())}};
}

boost::json::object stats_document(const Stats* stats, const CacheOptions& o) {
  if (!stats) return boost::json::object{{"enabled", false}, {"kinds", boost::json::object{}}};
  boost::json::object kinds;
  for (Kind k : {Kind::decomposition, Kind::response, Kind::analysis}) {
    kinds[to_string(k)] = boost::json::object{{"ttl_seconds", o.of(k).ttl.count() / 1000},
                                              {"similarity", o.of(k).similarity}};
  }
  auto doc = stats->to_json();
  doc["enabled"] = true;
  doc["options"] = boost::json::object{{"kinds", std::move(kinds)}, {"max_bytes", o.max_bytes}};
  return doc;
}

ResponseCache::ResponseCache(store::Database& db, CacheOptions options) : db_(db), options_(options) {
  // Every series exists from the start, at zero.
  auto& m = CacheMetrics::get();
  for (Kind kind : {Kind::decomposition, Kind::response, Kind::analysis}) {
    const std::string k(to_string(kind));
    for (const char* result : {"exact", "semantic", "miss"}) m.lookups.labels({k, result});
    m.tokens_saved.labels({k});
    m.cost_saved.labels({k});
    m.entries.labels({k});
    m.bytes.labels({k});
  }
}

ResponseCache::~ResponseCache() {
  auto& m = CacheMetrics::get();
  for (const auto& [id, k] : known_) {
    m.entries.labels({std::string(to_string(k.kind))}).dec();
    m.bytes.labels({std::string(to_string(k.kind))}).dec(static_cast<double>(k.bytes));
  }
}

std::size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return known_.size();
}

Result<> ResponseCache::load() {
  if (auto m = store::migrate(db_, migrations(db_.dialect()), kVersionTable); !m) return m.error();
  return sync();
}

void ResponseCache::add_known(std::int64_t id, Known known, const std::vector<float>& embedding) {
  std::lock_guard lock(mutex_);
  if (known_.contains(id)) return;
  auto exact_key = known.scope + '\n' + known.normalised;
  if (auto old = exact_.find(exact_key); old != exact_.end() && old->second != id) {
    // The same question stored again in the scope: the newer entry wins.
    if (old->second > id) return;
    auto gone = known_.find(old->second);
    if (gone != known_.end()) {
      if (auto ann = ann_.find(gone->second.scope); ann != ann_.end()) {
        ann->second->remove(static_cast<std::uint64_t>(old->second));
      }
      known_bytes_ -= gone->second.bytes;
      CacheMetrics::get().entries.labels({std::string(to_string(gone->second.kind))}).dec();
      CacheMetrics::get().bytes.labels({std::string(to_string(gone->second.kind))}).dec(static_cast<double>(gone->second.bytes));
      known_.erase(gone);
    }
  }
  exact_[exact_key] = id;
  auto& ann = ann_[known.scope];
  if (!ann) {
    index::AnnOptions o;
    o.dimension = kEmbeddingDimension;
    o.initial_capacity = 64;
    o.ef_search = 64;
    o.ef_construction = 64;
    ann = std::make_unique<index::AnnIndex>(o);
  }
  ann->add(static_cast<std::uint64_t>(id), embedding);  // ignored when the size is wrong (a corrupt row)
  known_bytes_ += known.bytes;
  CacheMetrics::get().entries.labels({std::string(to_string(known.kind))}).inc();
  CacheMetrics::get().bytes.labels({std::string(to_string(known.kind))}).inc(static_cast<double>(known.bytes));
  known_.emplace(id, std::move(known));
}

void ResponseCache::forget_known(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto it = known_.find(id);
  if (it == known_.end()) return;
  auto exact_key = it->second.scope + '\n' + it->second.normalised;
  if (auto e = exact_.find(exact_key); e != exact_.end() && e->second == id) exact_.erase(e);
  if (auto ann = ann_.find(it->second.scope); ann != ann_.end()) {
    ann->second->remove(static_cast<std::uint64_t>(id));
    if (ann->second->size() == 0) ann_.erase(ann);
  }
  known_bytes_ -= it->second.bytes;
  CacheMetrics::get().entries.labels({std::string(to_string(it->second.kind))}).dec();
  CacheMetrics::get().bytes.labels({std::string(to_string(it->second.kind))}).dec(static_cast<double>(it->second.bytes));
  known_.erase(it);
}

Result<> ResponseCache::sync() {
  std::lock_guard lock(sync_mutex_);
  auto ids = db_.query("SELECT id FROM cache_entries WHERE id > ? ORDER BY id",
                       {std::max<std::int64_t>(0, last_id_ - kSyncWindow)});
  if (!ids) return ids.error();
  std::vector<std::int64_t> fresh;
  {
    std::lock_guard known_lock(mutex_);
    for (const auto& r : ids->rows) {
      if (!known_.contains(r.integer(0))) fresh.push_back(r.integer(0));
    }
  }
  // In pages: a first load reads every entry.
  constexpr std::size_t kPage = 2000;
  for (std::size_t at = 0; at < fresh.size(); at += kPage) {
    auto last = std::min(fresh.size(), at + kPage) - 1;
    auto rows = db_.query(
        "SELECT id, kind, scope, normalised, question, expires_at, bytes, embedding FROM cache_entries "
        "WHERE id >= ? AND id <= ?",
        {fresh[at], fresh[last]});
    if (!rows) return rows.error();
    for (const auto& r : rows->rows) {
      Known k;
      if (!parse_kind(r.text(1), k.kind)) continue;
      k.scope = r.text(2);
      k.normalised = r.text(3);
      k.question = r.text(4);
      k.expires_at = r.integer(5);
      k.bytes = r.integer(6);
      add_known(r.integer(0), std::move(k), store::floats_of(r.blob(7)));
    }
  }
  for (const auto& r : ids->rows) last_id_ = std::max(last_id_, r.integer(0));
  return {};
}

Result<std::optional<Entry>> ResponseCache::read(std::int64_t id) {
  auto rows = db_.query(std::string("SELECT ") + kEntryColumns + " FROM cache_entries WHERE id = ?", {id});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Entry>{};
  return std::optional<Entry>{entry_of(rows->rows.front())};
}

Result<std::optional<Hit>> ResponseCache::lookup(const Scope& scope, std::string_view question) {
  if (!options_.enabled) return std::optional<Hit>{};
  if (auto s = sync(); !s) return s.error();
  const auto key = scope.key();
  const auto now = store::now_ms();
  auto fresh = fingerprint(stored_form(question));
  const double threshold = options_.of(scope.kind).similarity;

  // Candidates, best first: the exact entry, then the nearest stored questions.
  std::vector<std::pair<std::int64_t, std::string>> candidates;  // id, stored question
  std::optional<std::int64_t> exact_id;
  {
    std::lock_guard lock(mutex_);
    if (auto e = exact_.find(key + '\n' + fresh.normalised); e != exact_.end()) {
      auto k = known_.find(e->second);
      if (k != known_.end() && k->second.expires_at > now) exact_id = e->second;
    }
    if (!exact_id && scope.semantic) {
      if (auto ann = ann_.find(key); ann != ann_.end()) {
        for (const auto& hit : ann->second->search(fresh.embedding, kCandidates)) {
          if (hit.similarity < threshold) break;
          auto k = known_.find(static_cast<std::int64_t>(hit.key));
          if (k == known_.end() || k->second.expires_at <= now) continue;
          candidates.emplace_back(k->first, k->second.question);
        }
      }
    }
  }

  auto serve = [&](std::int64_t id, Decision decision, bool exact) -> Result<std::optional<Hit>> {
    auto entry = read(id);
    if (!entry) return entry.error();
    if (!*entry || (*entry)->expires_at <= now) {
      forget_known(id);  // deleted by another instance, or expired
      return std::optional<Hit>{};
    }
    return std::optional<Hit>{Hit{std::move(**entry), std::move(decision), exact}};
  };
  if (exact_id) return serve(*exact_id, Decision{1.0, true, "exact"}, true);
  for (const auto& [id, stored] : candidates) {
    auto decision = decide(fingerprint(stored), fresh, threshold);
    if (!decision.hit) continue;
    auto hit = serve(id, std::move(decision), false);
    if (!hit || *hit) return hit;
  }
  return std::optional<Hit>{};
}

Result<Entry> ResponseCache::put(const Scope& scope, std::string_view question, std::string payload,
                                 std::int64_t input_tokens, std::int64_t output_tokens, std::int64_t cost_nanos) {
  Entry e;
  e.kind = scope.kind;
  e.scope = scope.key();
  e.question = stored_form(question);
  e.payload = std::move(payload);
  e.input_tokens = input_tokens;
  e.output_tokens = output_tokens;
  e.cost_nanos = cost_nanos;
  e.created_at = store::now_ms();
  e.expires_at = e.created_at + options_.of(scope.kind).ttl.count();
  e.last_used = e.created_at;
  e.bytes = static_cast<std::int64_t>(e.payload.size() + e.question.size());
  // One entry may take at most a sixteenth of the cache: a huge answer would
  // otherwise push out everything else.
  if (static_cast<std::uint64_t>(e.bytes) > options_.max_bytes / 16) {
    return make_error(ErrorKind::invalid_argument, "an answer of " + std::to_string(e.bytes) +
                                                       " bytes is too large to cache (cache.max_bytes / 16)");
  }
  auto print = fingerprint(e.question);
  auto tx = db_.transaction([&](store::Database& db) -> Result<> {
    // Replacing keeps one entry per (scope, question): delete, then insert.
    if (auto del = db.execute("DELETE FROM cache_entries WHERE scope = ? AND normalised = ?", {e.scope, print.normalised});
        !del) {
      return del.error();
    }
    auto ins = db.execute(
        "INSERT INTO cache_entries (kind, scope, normalised, question, embedding, payload, input_tokens, output_tokens, "
        "cost_nanos, bytes, created_at, expires_at, last_used, hits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        {std::string(to_string(e.kind)), e.scope, print.normalised, e.question, store::float_blob(print.embedding), e.payload,
         e.input_tokens, e.output_tokens, e.cost_nanos, e.bytes, e.created_at, e.expires_at, e.last_used});
    if (!ins) return ins.error();
    auto id = db.query("SELECT id FROM cache_entries WHERE scope = ? AND normalised = ?", {e.scope, print.normalised});
    if (!id) return id.error();
    if (id->empty()) return Error{ErrorKind::internal, "cache entry vanished after insert"};
    e.id = id->rows.front().integer(0);
    return {};
  });
  if (!tx) return tx.error();
  add_known(e.id, Known{e.kind, e.scope, print.normalised, e.question, e.expires_at, e.bytes}, print.embedding);
  bool over = false;
  {
    std::lock_guard lock(mutex_);
    over = known_bytes_ > static_cast<std::int64_t>(options_.max_bytes);
  }
  if (over) {
    if (auto ev = evict(); !ev) log::warn("cache eviction failed", "error", ev.error().message);
  }
  return e;
}

Result<> ResponseCache::record(Kind kind, Outcome outcome, std::int64_t tokens_saved, std::int64_t cost_saved_nanos) {
  const char* column = outcome == Outcome::exact_hit      ? "exact_hits"
                       : outcome == Outcome::semantic_hit ? "semantic_hits"
                                                          : "misses";
  auto& m = CacheMetrics::get();
  const std::string k(to_string(kind));
  m.lookups.labels({k, outcome == Outcome::exact_hit ? "exact" : outcome == Outcome::semantic_hit ? "semantic" : "miss"}).inc();
  if (tokens_saved > 0) m.tokens_saved.labels({k}).inc(static_cast<double>(tokens_saved));
  if (cost_saved_nanos > 0) m.cost_saved.labels({k}).inc(static_cast<double>(cost_saved_nanos) / 1e9);
  auto up = db_.execute(std::string("UPDATE cache_stats SET ") + column + " = " + column +
                            " + 1, tokens_saved = tokens_saved + ?, cost_saved_nanos = cost_saved_nanos + ? WHERE kind = ?",
                        {tokens_saved, cost_saved_nanos, std::string(to_string(kind))});
  if (!up) return up.error();
  return {};
}

Result<> ResponseCache::touch(std::int64_t id) {
  auto up = db_.execute("UPDATE cache_entries SET last_used = ?, hits = hits + 1 WHERE id = ?", {store::now_ms(), id});
  if (!up) return up.error();
  return {};
}

Result<Stats> ResponseCache::stats() {
  Stats s;
  auto counters = db_.query("SELECT kind, exact_hits, semantic_hits, misses, tokens_saved, cost_saved_nanos FROM cache_stats");
  if (!counters) return counters.error();
  for (const auto& r : counters->rows) {
    Kind k;
    if (!parse_kind(r.text(0), k)) continue;
    auto& ks = s.kinds[static_cast<std::size_t>(k)];
    ks.exact_hits = r.integer(1);
    ks.semantic_hits = r.integer(2);
    ks.misses = r.integer(3);
    ks.tokens_saved = r.integer(4);
    ks.cost_saved_nanos = r.integer(5);
  }
  auto sizes = db_.query("SELECT kind, COUNT(*), SUM(bytes) FROM cache_entries WHERE expires_at > ? GROUP BY kind",
                         {store::now_ms()});
  if (!sizes) return sizes.error();
  for (const auto& r : sizes->rows) {
    Kind k;
    if (!parse_kind(r.text(0), k)) continue;
    s.kinds[static_cast<std::size_t>(k)].entries = r.integer(1);
    s.kinds[static_cast<std::size_t>(k)].bytes = r.integer(2);
  }
  return s;
}

Result<std::int64_t> ResponseCache::cleanup() {
  auto now = store::now_ms();
  auto gone = db_.query("SELECT id FROM cache_entries WHERE expires_at <= ?", {now});
  if (!gone) return gone.error();
  auto del = db_.execute("DELETE FROM cache_entries WHERE expires_at <= ?", {now});
  if (!del) return del.error();
  for (const auto& r : gone->rows) forget_known(r.integer(0));
  return *del;
}

Result<std::int64_t> ResponseCache::evict() {
  auto total = db_.query("SELECT COALESCE(SUM(bytes), 0) FROM cache_entries");
  if (!total) return total.error();
  auto bytes = total->rows.front().integer(0);
  const auto limit = static_cast<std::int64_t>(options_.max_bytes);
  std::int64_t evicted = 0;
  while (bytes > limit) {
    auto oldest = db_.query("SELECT id, bytes FROM cache_entries ORDER BY last_used, id LIMIT 256");
    if (!oldest) return oldest.error();
    if (oldest->empty()) break;
    for (const auto& r : oldest->rows) {
      if (bytes <= limit) break;
      auto del = db_.execute("DELETE FROM cache_entries WHERE id = ?", {r.integer(0)});
      if (!del) return del.error();
      if (*del > 0) {
        bytes -= r.integer(1);
        ++evicted;
      }
      forget_known(r.integer(0));
    }
  }
  return evicted;
}

Result<std::int64_t> ResponseCache::clear(std::optional<Kind> kind) {
  auto ids = kind ? db_.query("SELECT id FROM cache_entries WHERE kind = ?", {std::string(to_string(*kind))})
                  : db_.query("SELECT id FROM cache_entries");
  if (!ids) return ids.error();
  auto del = kind ? db_.execute("DELETE FROM cache_entries WHERE kind = ?", {std::string(to_string(*kind))})
                  : db_.execute("DELETE FROM cache_entries");
  if (!del) return del.error();
  for (const auto& r : ids->rows) forget_known(r.integer(0));
  return *del;
}

}  // namespace devagent::cache
