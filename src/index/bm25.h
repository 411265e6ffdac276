// An in-memory BM25 keyword index (Okapi BM25, k1 = 1.2, b = 0.75) over
// short documents, keyed by the caller's 64-bit labels. Terms are lower-case
// words, identifiers split at case and punctuation changes ("parseConfig" →
// "parseconfig", "parse", "config"), whole dotted/slashed tokens
// ("db-staging-7", "src/main.cpp") and their pieces, with a small English
// stop list removed.
//
// Thread-safe: searches share a lock, changes take it exclusively.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace devagent::index {

struct Bm25Hit {
  std::uint64_t key = 0;
  double score = 0;
};

// The terms of a text, as the index sees them (in order, with repeats).
std::vector<std::string> bm25_terms(std::string_view text);

class Bm25Index {
 public:
  // A query whose lists hold at most this many postings in all is scored
  // posting by posting, the others by block-max MaxScore. By default every
  // query is scored posting by posting: on the benchmark's questions that
  // is faster at the median and twice as fast at the tail, where many common
  // terms leave MaxScore little to skip, and its cost is bounded by the
  // postings (docs/memory.md, "BM25 top-k").
  static constexpr std::size_t kScoreAllUpTo = std::numeric_limits<std::size_t>::max();
  // A query whose lists hold at least this many postings in all may be split
  // into parts (prepare()): below it, handing a part to another thread costs
  // more than it saves.
  static constexpr std::size_t kSplitFrom = 50'000;
  // score_all_up_to = 0: block-max MaxScore for every query; split_from = 0:
  // every query split (the tests).
  explicit Bm25Index(std::size_t score_all_up_to = kScoreAllUpTo, std::size_t split_from = kSplitFrom)
      : score_all_up_to_(score_all_up_to), split_from_(split_from) {}

  // A search split into parts, ranges of documents by number, each searched
  // on its own (on any thread, all at once or one after the other) for its
  // top k; result() merges them into exactly search()'s result. Parts
  // searched at once share the best k-th score found so far, so each skips
  // what another part's top k already beats. Holds the index's shared lock
  // (changes wait) until destroyed.
  class Query {
   public:
    Query();
    Query(Query&&) noexcept;
    Query& operator=(Query&&) noexcept;
    ~Query();
    std::size_t parts() const;   // 0: nothing to search
    void run(std::size_t part);  // every part exactly once, before result()
    std::vector<Bm25Hit> result() &&;

   private:
    friend class Bm25Index;
    struct State;
    std::unique_ptr<State> s_;
  };

  // Adds or replaces the document of key.
  void add(std::uint64_t key, std::string_view text);
  bool remove(std::uint64_t key);
  // The k best-scoring documents over every term of the query, best first;
  // equal scores go to the document added first (a replaced document counts
  // as added when it was replaced), whatever the keys. Documents sharing no
  // term are not returned. Exactly the result of search_exhaustive: by
  // scoring every posting, or, for a query with more than score_all_up_to
  // postings, by block-max MaxScore (postings are ordered by document and
  // every block of 64 knows its largest term frequency and shortest
  // document, so documents and blocks that cannot beat the k-th best so far
  // are skipped unscored).
  std::vector<Bm25Hit> search(std::string_view query, std::size_t k) const;
  // search() in up to max_parts parts (one for a query with few postings).
  Query prepare(std::string_view query, std::size_t k, std::size_t max_parts) const;
  // The same, scoring every posting of every query term: the reference that
  // search() is tested against.
  std::vector<Bm25Hit> search_exhaustive(std::string_view query, std::size_t k) const;
  std::size_t size() const;

 private:
  // Documents are numbered in the order they are added (a replaced document
  // gets a new number), so appending keeps every postings list sorted; the
  // number also orders equal scores, which lets search() skip ties.
  struct Posting {
    std::uint32_t doc;
    std::uint32_t tf;
    std::uint32_t length;  // the document's, kept here so scoring touches one array
  };
  struct BlockMax {
    std::uint32_t tf;      // the largest term frequency in the block
    std::uint32_t length;  // the shortest document in the block
  };
  struct Postings {
    std::vector<Posting> list;
    std::vector<BlockMax> blocks;  // one per 64 postings
  };
  struct Document {
    std::uint32_t doc = 0;
    std::uint32_t length = 0;
    std::vector<std::string> terms;  // distinct, for removal
  };
  struct Cursor;
  std::vector<Cursor> cursors(std::string_view query) const;  // the query's lists; lock held
  Query prepare(std::string_view query, std::size_t k, std::size_t max_parts, bool exhaustive) const;
  void remove_locked(std::uint64_t key);

  const std::size_t score_all_up_to_;
  const std::size_t split_from_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Postings> postings_;
  std::unordered_map<std::uint64_t, Document> documents_;
  std::vector<std::uint64_t> key_of_doc_;  // every number ever given out
  std::uint64_t total_length_ = 0;
};

}  // namespace devagent::index
