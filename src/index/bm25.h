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
  // Adds or replaces the document of key.
  void add(std::uint64_t key, std::string_view text);
  bool remove(std::uint64_t key);
  // The k best-scoring documents, best first; documents sharing no term are
  // not returned. Terms in more than 5% of the documents (and at least 1,000)
  // say little and would cost a pass over a long postings list: they are
  // skipped while the query has a rarer term.
  std::vector<Bm25Hit> search(std::string_view query, std::size_t k) const;
  std::size_t size() const;

 private:
  struct Posting {
    std::uint64_t key;
    std::uint32_t tf;
    std::uint32_t length;  // the document's, kept here so scoring touches one array
  };
  void remove_locked(std::uint64_t key);

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<Posting>> postings_;
  std::unordered_map<std::uint64_t, std::vector<std::string>> doc_terms_;  // distinct terms, for removal
  std::unordered_map<std::uint64_t, std::uint32_t> doc_length_;
  std::uint64_t total_length_ = 0;
};

}  // namespace devagent::index
