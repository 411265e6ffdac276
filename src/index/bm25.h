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
  // posting by posting: below it, skipping costs more than it saves
  // (docs/memory.md, "BM25 top-k").
  static constexpr std::size_t kScoreAllUpTo = 100'000;
  // score_all_up_to = 0: block-max MaxScore for every query (the tests).
  explicit Bm25Index(std::size_t score_all_up_to = kScoreAllUpTo) : score_all_up_to_(score_all_up_to) {}

  // Adds or replaces the document of key.
  void add(std::uint64_t key, std::string_view text);
  bool remove(std::uint64_t key);
  // The k best-scoring documents over every term of the query, best first;
  // equal scores go to the document added first (a replaced document counts
  // as added when it was replaced), whatever the keys. Documents sharing no
  // term are not returned. Exactly the result of search_exhaustive, found by
  // block-max MaxScore: postings are ordered by document and every block of
  // 64 knows its largest term frequency and shortest document, so documents
  // and blocks that cannot beat the k-th best so far are skipped unscored
  // (or, for a query with few postings, by scoring them all).
  std::vector<Bm25Hit> search(std::string_view query, std::size_t k) const;
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
  std::vector<Bm25Hit> score_every_posting(const std::vector<Cursor>& lists, std::size_t k) const;  // lock held
  void remove_locked(std::uint64_t key);

  const std::size_t score_all_up_to_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Postings> postings_;
  std::unordered_map<std::uint64_t, Document> documents_;
  std::vector<std::uint64_t> key_of_doc_;  // every number ever given out
  std::uint64_t total_length_ = 0;
};

}  // namespace devagent::index
