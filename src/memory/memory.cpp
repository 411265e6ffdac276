#include "memory/memory.h"

#include "core/config.h"
#include "core/log.h"
#include "core/parallel.h"
#include "index/ann.h"
#include "index/bm25.h"
#include "memory/entities.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <shared_mutex>
#include <span>
#include <thread>
#include <unordered_set>

namespace devagent::memory {
namespace json = boost::json;

namespace {

constexpr const char* kVersionTable = "memory_migrations";
constexpr std::int64_t kSyncWindow = 64;  // changes re-read on each sync (commits can land out of order)
constexpr std::size_t kMaxContentBytes = 4000;
constexpr std::size_t kAnswerBytes = 1200;
constexpr std::size_t kEntityFragmentsPerTurn = 8;
constexpr std::size_t kMaxEntityFanout = 500;  // fragments one entity key may point recall at
constexpr std::size_t kLoadBatch = 20000;      // fragments embedded and inserted at a time by load()

const std::vector<store::Migration>& migrations(store::Dialect d) {
  // The change log's sequence is the only dialect difference.
  static const std::vector<store::Migration> sqlite = {
      {1, "memory fragments",
       R"(CREATE TABLE memory_fragments (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            content TEXT NOT NULL,
            kind TEXT NOT NULL,
            importance {real} NOT NULL,
            entities TEXT NOT NULL,
            subject TEXT NOT NULL,
            superseded_by TEXT NOT NULL,
            embedding {blob} NOT NULL,
            covers_seq BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            last_accessed BIGINT NOT NULL
          );
          CREATE INDEX memory_fragments_conversation ON memory_fragments (conversation_id, kind);
          CREATE INDEX memory_fragments_subject ON memory_fragments (subject, kind);
          CREATE TABLE memory_changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            fragment_id TEXT NOT NULL,
            op TEXT NOT NULL,
            at BIGINT NOT NULL
          );)"},
  };
  static const std::vector<store::Migration> postgres = [] {
    static std::string sql = std::string(sqlite[0].sql);
    auto at = sql.find("seq INTEGER PRIMARY KEY AUTOINCREMENT");
    sql.replace(at, std::strlen("seq INTEGER PRIMARY KEY AUTOINCREMENT"), "seq BIGSERIAL PRIMARY KEY");
    return std::vector<store::Migration>{{1, "memory fragments", sql.c_str()}};
  }();
  return d == store::Dialect::postgres ? postgres : sqlite;
}

std::string random_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    auto bits = rng();
    for (int i = 0; i < 16; ++i) id[half * 16 + i] = hex[(bits >> (i * 4)) & 15];
  }
  return id;
}

std::string cut(std::string_view text, std::size_t bytes) {
  if (text.size() <= bytes) return std::string(text);
  std::size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 character
  return std::string(text.substr(0, end)) + "…";
}

std::string entities_json(const std::vector<std::string>& e) {
  json::array a;
  for (const auto& x : e) a.push_back(json::string(x));
  return json::serialize(a);
}

std::vector<std::string> entities_from(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& x : v.as_array()) {
    if (x.is_string()) out.emplace_back(x.as_string());
  }
  return out;
}

constexpr const char* kColumns =
    "id, conversation_id, user_id, content, kind, importance, entities, subject, superseded_by, covers_seq, "
    "created_at, last_accessed";

Fragment fragment_of(const store::Row& r) {
  Fragment f;
  f.id = r.text(0);
  f.conversation_id = r.text(1);
  f.user_id = r.text(2);
  f.content = r.text(3);
  f.kind = r.text(4);
  f.importance = r.real(5);
  f.entities = entities_from(r.text(6));
  f.subject = r.text(7);
  f.superseded_by = r.text(8);
  f.covers_seq = r.integer(9);
  f.created_at = r.integer(10);
  f.last_accessed = r.integer(11);
  return f;
}

double importance_of(const std::string& kind) {
  if (kind == "fact") return 0.8;
  if (kind == "summary") return 0.6;
  if (kind == "entity") return 0.4;
  return 0.3;
}

}  // namespace

std::size_t approx_tokens(std::string_view text) { return (text.size() + 3) / 4; }

MemoryOptions MemoryOptions::from(const config::Config& c) {
  MemoryOptions o;
  o.enabled = c.boolean("memory.enabled");
  o.dimension = static_cast<std::size_t>(c.integer("memory.dimension"));
  o.recall_k = static_cast<std::size_t>(c.integer("memory.recall_k"));
  o.recall_tokens = static_cast<std::size_t>(c.integer("memory.recall_tokens"));
  o.llm_extraction = c.boolean("memory.llm_extraction");
  o.min_score = std::strtod(c.str("memory.min_score").c_str(), nullptr);
  o.recency_half_life = c.duration("memory.recency_half_life");
  o.history_tokens = static_cast<std::size_t>(c.integer("memory.history_tokens"));
  o.summary_tokens = static_cast<std::size_t>(c.integer("memory.summary_tokens"));
  return o;
}

// What the in-process indexes know of each fragment, by label.
struct MemoryStore::Indexes {
  explicit Indexes(std::size_t dimension) : ann(index::AnnOptions{.dimension = dimension}) {}
  struct Meta {
    std::string id;
    std::string conversation_id;
    std::string user_id;
    std::string kind;
    double importance = 0;
    std::int64_t created_at = 0;
    std::vector<std::string> keys;  // entity keys
  };
  index::AnnIndex ann;
  index::Bm25Index bm25;
  mutable std::shared_mutex mutex;  // guards the maps below
  std::unordered_map<std::string, std::uint64_t> label_of;
  std::unordered_map<std::uint64_t, Meta> meta;
  std::unordered_map<std::string, std::unordered_set<std::uint64_t>> by_entity;
  std::uint64_t next_label = 1;
};

MemoryStore::MemoryStore(store::Database& db, MemoryOptions options)
    : db_(db), options_(options), embedder_(options.dimension), ix_(std::make_unique<Indexes>(options.dimension)) {}

MemoryStore::~MemoryStore() = default;

std::size_t MemoryStore::indexed() const { return ix_->ann.size(); }

Result<> MemoryStore::index_row(const Fragment& f) {
  // The embedding is recomputed from the content: deterministic, and the
  // store's copy is there for backends with a vector index (pgvector).
  auto vec = embedder_.embed(f.content + (f.subject.empty() ? "" : " " + f.subject));
  auto label = add_meta(f);
  if (!label) return {};  // already indexed
  ix_->ann.add(*label, vec);
  ix_->bm25.add(*label, f.content);
  return {};
}

std::optional<std::uint64_t> MemoryStore::add_meta(const Fragment& f) {
  std::unique_lock lock(ix_->mutex);
  auto it = ix_->label_of.find(f.id);
  if (it != ix_->label_of.end()) return std::nullopt;
  auto label = ix_->next_label++;
  ix_->label_of[f.id] = label;
  Indexes::Meta m{f.id, f.conversation_id, f.user_id, f.kind, f.importance, f.created_at, {}};
  for (const auto& e : f.entities) {
    for (auto& k : entity_keys(e)) m.keys.push_back(std::move(k));
  }
  for (const auto& k : m.keys) ix_->by_entity[k].insert(label);
  ix_->meta.emplace(label, std::move(m));
  return label;
}

void MemoryStore::index_all(const std::vector<Fragment>& fragments) {
  // Embedding and the graph insertions, the bulk of the work, run on every
  // core; the maps and BM25 postings are filled in order.
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t dim = options_.dimension;
  std::vector<float> vectors(fragments.size() * dim);
  {
    std::atomic<std::size_t> next{0};
    auto embed = [&] {
      for (std::size_t i = next++; i < fragments.size(); i = next++) {
        const auto& f = fragments[i];
        auto v = embedder_.embed(f.content + (f.subject.empty() ? "" : " " + f.subject));
        std::copy(v.begin(), v.end(), vectors.begin() + static_cast<std::ptrdiff_t>(i * dim));
      }
    };
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < std::min(threads, fragments.size()); ++t) helpers.emplace_back(embed);
    embed();
  }
  std::vector<std::uint64_t> labels;
  std::vector<float> fresh;  // the vectors of the fragments not indexed yet
  labels.reserve(fragments.size());
  fresh.reserve(vectors.size());
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    auto label = add_meta(fragments[i]);
    if (!label) continue;
    labels.push_back(*label);
    fresh.insert(fresh.end(), vectors.begin() + static_cast<std::ptrdiff_t>(i * dim),
                 vectors.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
    ix_->bm25.add(*label, fragments[i].content);
  }
  ix_->ann.add_all(labels, fresh, threads);
}

void MemoryStore::unindex(const std::string& id) {
  std::uint64_t label;
  {
    std::unique_lock lock(ix_->mutex);
    auto it = ix_->label_of.find(id);
    if (it == ix_->label_of.end()) return;
    label = it->second;
    ix_->label_of.erase(it);
    auto m = ix_->meta.find(label);
    if (m != ix_->meta.end()) {
      for (const auto& k : m->second.keys) {
        auto e = ix_->by_entity.find(k);
        if (e == ix_->by_entity.end()) continue;
        e->second.erase(label);
        if (e->second.empty()) ix_->by_entity.erase(e);
      }
      ix_->meta.erase(m);
    }
  }
  ix_->ann.remove(label);
  ix_->bm25.remove(label);
}

Result<> MemoryStore::load() {
  if (auto m = store::migrate(db_, migrations(db_.dialect()), kVersionTable); !m) return m.error();
  auto last = db_.query("SELECT MAX(seq) FROM memory_changes");
  if (!last) return last.error();
  auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM memory_fragments WHERE superseded_by = ''");
  if (!rows) return rows.error();
  std::vector<Fragment> batch;
  for (std::size_t i = 0; i < rows->rows.size(); ++i) {
    batch.push_back(fragment_of(rows->rows[i]));
    if (batch.size() == kLoadBatch || i + 1 == rows->rows.size()) {
      index_all(batch);
      batch.clear();
    }
  }
  std::lock_guard lock(sync_mutex_);
  last_change_ = last->empty() ? 0 : last->rows[0].integer(0);
  return {};
}

Result<> MemoryStore::log_change(store::Database& db, const std::string& id, const std::string& op) {
  auto r = db.execute("INSERT INTO memory_changes (fragment_id, op, at) VALUES (?, ?, ?)", {id, op, store::now_ms()});
  if (!r) return r.error();
  return {};
}

Result<> MemoryStore::apply_change(const std::string& id, const std::string& op) {
  if (op == "add") {
    {
      std::shared_lock lock(ix_->mutex);
      if (ix_->label_of.count(id)) return {};
    }
    auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM memory_fragments WHERE id = ? AND superseded_by = ''", {id});
    if (!rows) return rows.error();
    if (!rows->empty()) return index_row(fragment_of(rows->rows[0]));
    return {};
  }
  unindex(id);  // "supersede" and "forget"
  return {};
}

Result<> MemoryStore::sync() {
  std::lock_guard lock(sync_mutex_);
  auto rows = db_.query("SELECT seq, fragment_id, op FROM memory_changes WHERE seq > ? ORDER BY seq",
                        {std::max<std::int64_t>(0, last_change_ - kSyncWindow)});
  if (!rows) return rows.error();
  for (const auto& r : rows->rows) {
    std::int64_t seq = r.integer(0);
    // Changes within the window were applied already unless an "add" lost
    // the race with a later change; re-applying is harmless (idempotent).
    if (auto ok = apply_change(r.text(1), r.text(2)); !ok) return ok.error();
    last_change_ = std::max(last_change_, seq);
  }
  return {};
}

Result<Fragment> MemoryStore::add(Fragment f) {
  if (f.id.empty()) f.id = random_id();
  if (f.created_at == 0) f.created_at = store::now_ms();
  if (f.last_accessed == 0) f.last_accessed = f.created_at;
  f.content = cut(f.content, kMaxContentBytes);
  f.importance = std::clamp(f.importance, 0.0, 1.0);
  f.superseded_by.clear();
  auto vec = embedder_.embed(f.content + (f.subject.empty() ? "" : " " + f.subject));
  std::vector<std::string> replaced;
  auto tx = db_.transaction([&](store::Database& db) -> Result<> {
    auto ins = db.execute(std::string("INSERT INTO memory_fragments (") + kColumns +
                              ", embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          {f.id, f.conversation_id, f.user_id, f.content, f.kind, f.importance, entities_json(f.entities),
                           f.subject, std::string(), f.covers_seq, f.created_at, f.last_accessed, store::float_blob(vec)});
    if (!ins) return ins.error();
    if (!f.subject.empty() && (f.kind == "fact" || f.kind == "summary")) {
      auto older = db.query(
          "SELECT id FROM memory_fragments WHERE kind = ? AND subject = ? AND user_id = ? AND superseded_by = '' AND id <> ?",
          {f.kind, f.subject, f.user_id, f.id});
      if (!older) return older.error();
      for (const auto& r : older->rows) replaced.push_back(r.text(0));
      for (const auto& id : replaced) {
        auto up = db.execute("UPDATE memory_fragments SET superseded_by = ? WHERE id = ?", {f.id, id});
        if (!up) return up.error();
        if (auto l = log_change(db, id, "supersede"); !l) return l.error();
      }
    }
    return log_change(db, f.id, "add");
  });
  if (!tx) return tx.error();
  for (const auto& id : replaced) unindex(id);
  if (auto ok = index_row(f); !ok) return ok.error();
  return f;
}

Result<std::vector<MemoryHit>> MemoryStore::search(std::string_view query, const SearchOptions& o) {
  std::vector<MemoryHit> out;
  if (auto s = sync(); !s) return s.error();
  if (o.k == 0) return out;
  auto qv = embedder_.embed(query);
  std::size_t pool = std::max<std::size_t>(50, o.k * 10);

  // The question's entity keys: its words and the keys of the entities it names.
  std::vector<std::string> keys = index::bm25_terms(query);
  for (const auto& e : extract_entities(query)) {
    for (auto& k : entity_keys(e)) keys.push_back(std::move(k));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  // The fragments that have them, and how many of them each has.
  std::unordered_map<std::uint64_t, int> named;
  std::size_t known_keys = 0;
  {
    std::shared_lock lock(ix_->mutex);
    for (const auto& k : keys) {
      auto it = ix_->by_entity.find(k);
      if (it == ix_->by_entity.end()) continue;
      ++known_keys;
      // A key on very many fragments (a common word) tells them apart from
      // nothing; it counts as known but adds no candidates.
      if (it->second.size() > kMaxEntityFanout) continue;
      for (auto label : it->second) named[label] += 1;
    }
  }
  std::vector<std::uint64_t> named_labels;
  std::vector<int> named_keys;  // named_labels[i] has named_keys[i] of the keys
  named_labels.reserve(named.size());
  named_keys.reserve(named.size());
  for (const auto& [label, count] : named) {
    named_labels.push_back(label);
    named_keys.push_back(count);
  }

  // Side by side on the cores (core/parallel.h): the vector search, the
  // keyword search's parts (split only when its lists are long enough to be
  // worth it), and the cosines of the fragments the question's entities
  // point at, in batches (each one reads a vector from anywhere in memory;
  // a question naming a few specific entities has hundreds of them).
  // Helpers only for a large store: below options_.parallel_from fragments
  // a search takes well under a millisecond, and a helper took about a
  // fifth more CPU to save a few percent of it (docs/memory.md).
  constexpr std::size_t kCosineBatch = 64;
  const std::size_t helpers = ix_->ann.size() >= options_.parallel_from ? helper_threads() : 0;
  auto keyword_search = ix_->bm25.prepare(query, pool, helpers ? 2 * (helpers + 1) : 1);
  std::vector<index::AnnHit> ann;
  std::vector<std::optional<float>> named_sims(named_labels.size());
  std::vector<std::function<void()>> tasks{[&] { ann = ix_->ann.search(qv, pool); }};
  for (std::size_t i = 0; i < keyword_search.parts(); ++i) tasks.emplace_back([&, i] { keyword_search.run(i); });
  for (std::size_t at = 0; at < named_labels.size(); at += kCosineBatch) {
    tasks.emplace_back([&, at] {
      auto batch = std::span(named_labels).subspan(at, std::min(kCosineBatch, named_labels.size() - at));
      auto sims = ix_->ann.similarities(batch, qv);
      std::move(sims.begin(), sims.end(), named_sims.begin() + static_cast<std::ptrdiff_t>(at));
    });
  }
  run_shared(tasks, helper_pool(), helpers);
  auto kw = std::move(keyword_search).result();

  struct Candidate {
    double vector = -1;  // unknown yet
    double keyword = 0;
    int entities = 0;
  };
  std::unordered_map<std::uint64_t, Candidate> cands;
  for (const auto& h : ann) cands[h.key].vector = std::max(0.0f, h.similarity);
  double best_kw = 0;
  for (const auto& h : kw) {
    cands[h.key].keyword = h.score;
    best_kw = std::max(best_kw, h.score);
  }
  for (std::size_t i = 0; i < named_labels.size(); ++i) {
    auto& c = cands[named_labels[i]];
    c.entities = named_keys[i];
    if (c.vector < 0) c.vector = std::max(0.0f, named_sims[i].value_or(0.0f));
  }
  auto now = store::now_ms();
  double half_life = std::max<double>(1.0, static_cast<double>(options_.recency_half_life.count()));
  struct Scored {
    std::string id;
    MemoryHit hit;
  };
  std::vector<Scored> scored;  // the best k, best first
  {
    // One shared lock for every candidate's metadata (unindex erases
    // metadata only under the exclusive lock; a fragment forgotten since
    // the look-ups above has none and is left out).
    std::shared_lock lock(ix_->mutex);
    std::vector<std::pair<std::uint64_t, Candidate>> kept;
    std::vector<const Indexes::Meta*> metas;
    kept.reserve(cands.size());
    metas.reserve(cands.size());
    for (const auto& [label, c] : cands) {
      auto it = ix_->meta.find(label);
      if (it == ix_->meta.end()) continue;
      const auto& meta = it->second;
      if (!o.user_id.empty() && meta.user_id != o.user_id) continue;
      if (!o.exclude_conversation.empty() && meta.conversation_id == o.exclude_conversation) continue;
      if (!o.kinds.empty() && std::find(o.kinds.begin(), o.kinds.end(), meta.kind) == o.kinds.end()) continue;
      kept.emplace_back(label, c);
      metas.push_back(&meta);
    }
    // The cosine of the keyword candidates nothing above brought, in one batch.
    std::vector<std::uint64_t> unknown;
    for (const auto& [label, c] : kept) {
      if (c.vector < 0) unknown.push_back(label);
    }
    auto sims = ix_->ann.similarities(unknown, qv);
    struct Ranked {
      double score;
      const std::string* id;  // the metadata's, valid while the lock is held
      MemoryHit hit;
    };
    std::vector<Ranked> ranked;
    ranked.reserve(kept.size());
    std::size_t next_sim = 0;
    for (std::size_t i = 0; i < kept.size(); ++i) {
      auto& c = kept[i].second;
      if (c.vector < 0) c.vector = std::max(0.0f, sims[next_sim++].value_or(0.0f));
      MemoryHit h;
      h.vector = c.vector;
      h.keyword = best_kw > 0 ? c.keyword / best_kw : 0;
      h.entity = known_keys > 0 ? static_cast<double>(c.entities) / static_cast<double>(known_keys) : 0;
      double base = known_keys > 0 ? 0.55 * h.vector + 0.30 * h.keyword + 0.15 * h.entity
                                   : 0.65 * h.vector + 0.35 * h.keyword;
      double age = static_cast<double>(std::max<std::int64_t>(0, now - metas[i]->created_at));
      double recency = std::exp2(-age / half_life);
      h.score = base * (0.75 + 0.25 * metas[i]->importance) * (0.8 + 0.2 * recency);
      if (base <= 0 || h.score < o.min_score) continue;  // nothing in common, or too little
      ranked.push_back(Ranked{h.score, &metas[i]->id, std::move(h)});
    }
    auto better = [](const Ranked& a, const Ranked& b) { return a.score != b.score ? a.score > b.score : *a.id < *b.id; };
    std::size_t top = std::min(o.k, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top), ranked.end(), better);
    for (std::size_t i = 0; i < top; ++i) scored.push_back(Scored{*ranked[i].id, std::move(ranked[i].hit)});
  }
  if (scored.empty()) return out;

  // The hits' rows, in one query.
  std::string sql = std::string("SELECT ") + kColumns + " FROM memory_fragments WHERE id IN (";
  std::vector<store::Value> params;
  for (std::size_t i = 0; i < scored.size(); ++i) {
    sql += i ? ", ?" : "?";
    params.emplace_back(scored[i].id);
  }
  sql += ")";
  auto rows = db_.query(sql, params);
  if (!rows) return rows.error();
  std::unordered_map<std::string, Fragment> by_id;
  for (const auto& r : rows->rows) {
    auto f = fragment_of(r);
    by_id.emplace(f.id, std::move(f));
  }
  for (auto& s : scored) {
    auto it = by_id.find(s.id);
    if (it == by_id.end()) continue;  // forgotten meanwhile
    s.hit.fragment = std::move(it->second);
    out.push_back(std::move(s.hit));
  }
  if (o.touch && !out.empty()) {
    std::string touch = "UPDATE memory_fragments SET last_accessed = ? WHERE id IN (";
    std::vector<store::Value> tp{now};
    for (std::size_t i = 0; i < out.size(); ++i) {
      touch += i ? ", ?" : "?";
      tp.emplace_back(out[i].fragment.id);
      out[i].fragment.last_accessed = now;
    }
    touch += ")";
    if (auto t = db_.execute(touch, tp); !t) log::warn("memory: recording access failed", "error", t.error().message);
  }
  return out;
}

Result<std::vector<Fragment>> MemoryStore::list(const ListOptions& o) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM memory_fragments WHERE 1 = 1";
  std::vector<store::Value> params;
  if (!o.include_superseded) sql += " AND superseded_by = ''";
  if (!o.conversation_id.empty()) {
    sql += " AND conversation_id = ?";
    params.emplace_back(o.conversation_id);
  }
  if (!o.kind.empty()) {
    sql += " AND kind = ?";
    params.emplace_back(o.kind);
  }
  sql += " ORDER BY created_at DESC, id LIMIT ?";
  params.emplace_back(std::int64_t{std::clamp(o.limit, 1, 1000)});
  auto rows = db_.query(sql, params);
  if (!rows) return rows.error();
  std::vector<Fragment> out;
  for (const auto& r : rows->rows) out.push_back(fragment_of(r));
  return out;
}

Result<std::optional<Fragment>> MemoryStore::get(const std::string& id) {
  auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM memory_fragments WHERE id = ?", {id});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Fragment>{};
  return std::optional<Fragment>{fragment_of(rows->rows[0])};
}

Result<bool> MemoryStore::forget(const std::string& id) {
  bool found = false;
  auto tx = db_.transaction([&](store::Database& db) -> Result<> {
    auto del = db.execute("DELETE FROM memory_fragments WHERE id = ?", {id});
    if (!del) return del.error();
    found = *del > 0;
    if (!found) return {};
    return log_change(db, id, "forget");
  });
  if (!tx) return tx.error();
  unindex(id);
  return found;
}

Result<int> MemoryStore::forget_conversation(const std::string& conversation_id) {
  auto rows = db_.query("SELECT id FROM memory_fragments WHERE conversation_id = ?", {conversation_id});
  if (!rows) return rows.error();
  int n = 0;
  for (const auto& r : rows->rows) {
    auto f = forget(r.text(0));
    if (!f) return f.error();
    n += *f ? 1 : 0;
  }
  return n;
}

Result<TurnRecord> MemoryStore::remember_question(const std::string& conversation_id, const std::string& user_id,
                                                  const std::string& question, const Extraction& extraction) {
  TurnRecord record;
  auto entities = extraction.from_llm ? extraction.entities : extract_entities(question);
  auto facts = extraction.from_llm ? extraction.facts : extract_facts(question);
  // A message that only states facts is remembered as those facts: kept as
  // a message too, it would go on saying what a newer fact has replaced.
  if (facts.empty() || is_question(question)) {
    Fragment q{.conversation_id = conversation_id, .user_id = user_id, .content = cut(question, kMaxContentBytes),
               .kind = "message", .importance = 0.35, .entities = entities};
    if (auto a = add(std::move(q)); !a) return a.error();
  }
  for (const auto& fact : facts) {
    Fragment f{.conversation_id = conversation_id, .user_id = user_id, .content = fact.statement, .kind = "fact",
               .importance = importance_of("fact"), .entities = extract_entities(fact.statement), .subject = fact.subject};
    auto added = add(std::move(f));
    if (!added) return added.error();
    auto superseded = db_.query("SELECT id FROM memory_fragments WHERE superseded_by = ?", {added->id});
    if (!superseded) return superseded.error();
    for (const auto& r : superseded->rows) record.superseded.push_back(r.text(0));
    record.facts.push_back(*added);
  }
  if (auto e = remember_entities(conversation_id, user_id, entities, question, record); !e) return e.error();
  return record;
}

Result<> MemoryStore::remember_answer(const std::string& conversation_id, const std::string& user_id,
                                      const std::string& answer) {
  if (answer.empty()) return {};
  auto entities = extract_entities(cut(answer, 8000));
  if (entities.size() > 20) entities.resize(20);
  Fragment a{.conversation_id = conversation_id, .user_id = user_id, .content = cut(answer, kAnswerBytes),
             .kind = "message", .importance = 0.25, .entities = entities};
  // The answer's entities index its fragment; entity fragments of their
  // own come from what the user named (an answer names many things in passing).
  if (auto r = add(std::move(a)); !r) return r.error();
  return {};
}

Result<TurnRecord> MemoryStore::remember_turn(const std::string& conversation_id, const std::string& user_id,
                                              const std::string& question, const std::string& answer,
                                              const Extraction& extraction) {
  auto record = remember_question(conversation_id, user_id, question, extraction);
  if (!record) return record.error();
  if (auto a = remember_answer(conversation_id, user_id, answer); !a) return a.error();
  return record;
}

// Entities first named in this conversation get a fragment of their own,
// linking the conversation to them.
Result<> MemoryStore::remember_entities(const std::string& conversation_id, const std::string& user_id,
                                        const std::vector<std::string>& entities, const std::string& question,
                                        TurnRecord& record) {
  auto known = db_.query("SELECT subject FROM memory_fragments WHERE conversation_id = ? AND kind = 'entity'",
                         {conversation_id});
  if (!known) return known.error();
  std::unordered_set<std::string> seen;
  for (const auto& r : known->rows) seen.insert(r.text(0));
  std::size_t made = 0;
  for (const auto& e : entities) {
    record.entities.push_back(e);
    if (seen.count(e) || made >= kEntityFragmentsPerTurn) continue;
    seen.insert(e);
    auto colon = e.find(':');
    std::string content = e.substr(0, colon) + " " + e.substr(colon + 1) + " — discussed: " + cut(question, 200);
    Fragment f{.conversation_id = conversation_id, .user_id = user_id, .content = content, .kind = "entity",
               .importance = importance_of("entity"), .entities = {e}, .subject = e};
    if (auto r = add(std::move(f)); !r) return r.error();
    ++made;
  }
  return {};
}

Result<std::optional<Fragment>> MemoryStore::summary(const std::string& conversation_id) {
  auto rows = db_.query(std::string("SELECT ") + kColumns +
                            " FROM memory_fragments WHERE kind = 'summary' AND subject = ? AND superseded_by = '' "
                            "ORDER BY created_at DESC LIMIT 1",
                        {"summary:" + conversation_id});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Fragment>{};
  return std::optional<Fragment>{fragment_of(rows->rows[0])};
}

Result<Fragment> MemoryStore::set_summary(const std::string& conversation_id, const std::string& user_id,
                                          const std::string& text, std::int64_t covers_seq) {
  Fragment f{.conversation_id = conversation_id, .user_id = user_id, .content = text, .kind = "summary",
             .importance = importance_of("summary"), .entities = extract_entities(text),
             .subject = "summary:" + conversation_id, .covers_seq = covers_seq};
  return add(std::move(f));
}

json::object to_json(const Fragment& f) {
  json::object o;
  o["id"] = f.id;
  o["conversation_id"] = f.conversation_id;
  o["user_id"] = f.user_id;
  o["kind"] = f.kind;
  o["content"] = f.content;
  o["importance"] = f.importance;
  json::array e;
  for (const auto& x : f.entities) e.push_back(json::string(x));
  o["entities"] = std::move(e);
  if (!f.subject.empty() && f.kind == "fact") o["subject"] = f.subject;
  if (!f.superseded_by.empty()) o["superseded_by"] = f.superseded_by;
  o["created_at"] = f.created_at;
  o["last_accessed"] = f.last_accessed;
  return o;
}

json::object to_json(const MemoryHit& h) {
  json::object o = to_json(h.fragment);
  o["score"] = h.score;
  o["scores"] = json::object{{"vector", h.vector}, {"keyword", h.keyword}, {"entity", h.entity}};
  return o;
}

}  // namespace devagent::memory
