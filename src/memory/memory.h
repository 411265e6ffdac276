// Conversation memory: fragments of what was said — facts, summaries,
// entities, messages — kept in the store (tables memory_fragments and
// memory_changes, this module's own migrations) and recalled by a hybrid of
// vector similarity (hnswlib), BM25 keywords and entity match, weighted by
// importance and recency. docs/memory.md gives the formula.
//
// The indexes live in the process and are rebuilt from the store at load();
// every change is also written to memory_changes, and sync() (run before each
// search) applies the changes other instances made, so several devagent
// instances on one PostgreSQL see each other's memories.
//
// Every call is blocking store work: run it through run_blocking, never on an
// I/O thread. Thread-safe.
#pragma once

#include "core/error.h"
#include "llm/hash_embedder.h"
#include "memory/facts.h"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace devagent::config {
class Config;
}
namespace devagent::store {
class Database;
}
namespace devagent::index {
class AnnIndex;
class Bm25Index;
}  // namespace devagent::index

namespace devagent::memory {

struct Fragment {
  std::string id;
  std::string conversation_id;
  std::string user_id = "local";
  std::string content;
  std::string kind = "message";  // "fact", "summary", "entity", "message"
  double importance = 0.3;       // 0..1
  std::vector<std::string> entities;
  std::string subject;        // facts: the normalised subject; summaries: "summary"
  std::string superseded_by;  // id of the fragment that replaced this one; empty when current
  std::int64_t created_at = 0;     // ms since the epoch; 0: now
  std::int64_t last_accessed = 0;  // ms; set when recalled
  std::int64_t covers_seq = 0;     // summaries: the last message seq folded into it
};

struct MemoryHit {
  Fragment fragment;
  double score = 0;    // the fused score (docs/memory.md)
  double vector = 0;   // cosine similarity, clamped at 0
  double keyword = 0;  // BM25, divided by the best BM25 among the candidates
  double entity = 0;   // share of the question's known entities the fragment names
};

struct SearchOptions {
  std::size_t k = 5;
  std::string user_id;               // empty: every user's
  std::string exclude_conversation;  // leave out this conversation's fragments
  std::vector<std::string> kinds;    // empty: every kind
  double min_score = 0;
  bool touch = true;  // record last_accessed on the hits
};

struct ListOptions {
  std::string conversation_id;
  std::string kind;
  bool include_superseded = false;
  int limit = 100;
};

struct MemoryOptions {
  bool enabled = true;
  std::size_t dimension = 256;
  std::size_t recall_k = 5;
  double min_score = 0.35;  // what recall puts in an answer's context
  std::size_t recall_tokens = 1000;  // and at most this many tokens of it
  bool llm_extraction = true;        // with a model, facts and entities by the summary route (one call per turn)
  std::chrono::milliseconds recency_half_life{30LL * 24 * 3600 * 1000};
  std::size_t history_tokens = 3000;  // a conversation's turns beyond this fold into its summary
  std::size_t summary_tokens = 400;   // the running summary's budget
  // Fragments from which a search spreads over the cores (core/parallel.h;
  // docs/memory.md, "Search on several cores"). Not a configuration key.
  std::size_t parallel_from = 200'000;
  static MemoryOptions from(const config::Config& config);
};

// What a turn left in memory.
struct TurnRecord {
  std::vector<Fragment> facts;      // new facts (each may have superseded older ones)
  std::vector<std::string> superseded;  // ids of facts it superseded
  std::vector<std::string> entities;
};

// An LLM's reading of a turn (see extract.h); empty: use the rules.
struct Extraction {
  std::vector<Fact> facts;
  std::vector<std::string> entities;
  bool from_llm = false;
};

class MemoryStore {
 public:
  // db must outlive this object.
  MemoryStore(store::Database& db, MemoryOptions options = {});
  ~MemoryStore();
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // Applies this module's migrations and builds the indexes from the store.
  Result<> load();
  // Applies the changes other instances made since the last sync.
  Result<> sync();

  // Stores and indexes a fragment (id, created_at and embedding filled in).
  // A fact supersedes the current facts with the same subject and user.
  Result<Fragment> add(Fragment fragment);
  Result<std::vector<MemoryHit>> search(std::string_view query, const SearchOptions& options);
  Result<std::vector<Fragment>> list(const ListOptions& options);
  Result<std::optional<Fragment>> get(const std::string& id);
  // Removes a fragment from the store and the indexes; false when unknown.
  Result<bool> forget(const std::string& id);
  // Removes every fragment of a conversation (when it is deleted).
  Result<int> forget_conversation(const std::string& conversation_id);

  // Records a question when it is asked: a message fragment, the facts it
  // states (by rules, or `extraction` from an LLM) superseding older ones,
  // and fragments for entities first named in this conversation.
  Result<TurnRecord> remember_question(const std::string& conversation_id, const std::string& user_id,
                                       const std::string& question, const Extraction& extraction = {});
  // Records the answer (its beginning), indexed by the entities it names.
  Result<> remember_answer(const std::string& conversation_id, const std::string& user_id,
                           const std::string& answer);
  // Both, for a finished turn.
  Result<TurnRecord> remember_turn(const std::string& conversation_id, const std::string& user_id,
                                   const std::string& question, const std::string& answer,
                                   const Extraction& extraction = {});

  // The conversation's current running summary.
  Result<std::optional<Fragment>> summary(const std::string& conversation_id);
  // Replaces it.
  Result<Fragment> set_summary(const std::string& conversation_id, const std::string& user_id, const std::string& text,
                               std::int64_t covers_seq);

  const MemoryOptions& options() const { return options_; }
  std::size_t indexed() const;  // live fragments in the in-process index

 private:
  struct Indexes;
  Result<> index_row(const Fragment& f);
  void index_all(const std::vector<Fragment>& fragments);  // load()'s, on every core
  std::optional<std::uint64_t> add_meta(const Fragment& f);  // the new label; nullopt when indexed already
  void unindex(const std::string& id);
  Result<> log_change(store::Database& db, const std::string& id, const std::string& op);
  Result<> apply_change(const std::string& id, const std::string& op);
  Result<> remember_entities(const std::string& conversation_id, const std::string& user_id,
                             const std::vector<std::string>& entities, const std::string& question, TurnRecord& record);

  store::Database& db_;
  MemoryOptions options_;
  llm::HashEmbedder embedder_;
  std::unique_ptr<Indexes> ix_;
  std::mutex sync_mutex_;
  std::int64_t last_change_ = 0;
};

boost::json::object to_json(const Fragment& f);
boost::json::object to_json(const MemoryHit& h);

// Rough token count (bytes / 4, as the agent's context budget counts).
std::size_t approx_tokens(std::string_view text);

}  // namespace devagent::memory
