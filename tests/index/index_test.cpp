// The in-process indexes: hnswlib ANN against brute force, and BM25.
#include "core/parallel.h"
#include "index/ann.h"
#include "index/bm25.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace devagent::index {
namespace {

std::vector<float> unit(std::mt19937& rng, std::size_t dim) {
  std::normal_distribution<float> n(0, 1);
  std::vector<float> v(dim);
  float norm = 0;
  for (auto& x : v) {
    x = n(rng);
    norm += x * x;
  }
  for (auto& x : v) x /= std::sqrt(norm);
  return v;
}

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(Ann, FindsTheTrueNearestNeighboursAlmostAlways) {
  std::mt19937 rng(7);
  const std::size_t dim = 64, n = 3000, k = 10;
  AnnIndex ann({.dimension = dim, .initial_capacity = 16});  // grows as needed
  std::vector<std::vector<float>> data;
  for (std::size_t i = 0; i < n; ++i) {
    data.push_back(unit(rng, dim));
    ASSERT_TRUE(ann.add(i, data.back()));
  }
  EXPECT_EQ(ann.size(), n);
  std::size_t found = 0;
  for (int q = 0; q < 50; ++q) {
    auto query = unit(rng, dim);
    std::vector<std::pair<float, std::size_t>> exact;
    for (std::size_t i = 0; i < n; ++i) exact.emplace_back(-dot(query, data[i]), i);
    std::partial_sort(exact.begin(), exact.begin() + k, exact.end());
    auto hits = ann.search(query, k);
    ASSERT_EQ(hits.size(), k);
    EXPECT_GE(hits.front().similarity, hits.back().similarity);
    std::set<std::size_t> truth;
    for (std::size_t i = 0; i < k; ++i) truth.insert(exact[i].second);
    for (const auto& h : hits) found += truth.count(h.key);
    EXPECT_NEAR(hits.front().similarity, dot(query, data[hits.front().key]), 1e-4);
  }
  // Random 64-dimensional vectors are the hard case for a graph index.
  EXPECT_GE(static_cast<double>(found) / (50.0 * k), 0.93);
}

TEST(Ann, RemovedKeysAreNotReturnedAndCanComeBack) {
  std::mt19937 rng(1);
  AnnIndex ann({.dimension = 16});
  auto a = unit(rng, 16), b = unit(rng, 16);
  ann.add(1, a);
  ann.add(2, b);
  EXPECT_TRUE(ann.remove(1));
  EXPECT_FALSE(ann.remove(1));
  EXPECT_EQ(ann.size(), 1u);
  auto hits = ann.search(a, 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].key, 2u);
  EXPECT_FALSE(ann.similarity(1, a).has_value());
  ann.add(1, a);
  EXPECT_EQ(ann.search(a, 1).at(0).key, 1u);
  EXPECT_NEAR(*ann.similarity(1, a), 1.0f, 1e-5);
  EXPECT_FALSE(ann.add(3, std::vector<float>(5, 0.1f)));  // wrong dimension
  EXPECT_TRUE(ann.search(std::vector<float>(5, 0.1f), 3).empty());
}

TEST(Ann, ManyKeysInsertedFromSeveralThreadsAreFoundLikeOneByOne) {
  std::mt19937 rng(3);
  const std::size_t dim = 32, n = 4000;
  AnnIndex ann({.dimension = dim, .initial_capacity = 16});
  ann.add(7, unit(rng, dim));  // replaced by the batch below
  std::vector<std::uint64_t> keys;
  std::vector<float> flat;
  std::vector<std::vector<float>> data;
  for (std::size_t i = 0; i < n; ++i) {
    keys.push_back(i);
    data.push_back(unit(rng, dim));
    flat.insert(flat.end(), data.back().begin(), data.back().end());
  }
  EXPECT_FALSE(ann.add_all(keys, std::vector<float>(5), 4));  // wrong size: nothing added
  EXPECT_EQ(ann.size(), 1u);
  ASSERT_TRUE(ann.add_all(keys, flat, 4));
  EXPECT_EQ(ann.size(), n);
  std::size_t exact_top = 0;
  for (std::size_t i = 0; i < n; i += 40) {
    auto hits = ann.search(data[i], 1);
    ASSERT_EQ(hits.size(), 1u);
    exact_top += hits[0].key == i;
  }
  EXPECT_GE(exact_top, 97u);  // each vector finds itself (100 tries)
  std::vector<std::uint64_t> probe = {7, 123, 99999};
  auto sims = ann.similarities(probe, data[7]);
  ASSERT_EQ(sims.size(), 3u);
  EXPECT_NEAR(*sims[0], 1.0f, 1e-5);  // key 7 now holds data[7]
  EXPECT_NEAR(*sims[1], dot(data[7], data[123]), 1e-5);
  EXPECT_FALSE(sims[2].has_value());
}

TEST(Bm25, TermsKeepIdentifiersAndTheirPieces) {
  auto terms = bm25_terms("Our staging DB is db-staging-7; see parseConfig in src/core/config.cpp");
  auto has = [&](const std::string& t) { return std::find(terms.begin(), terms.end(), t) != terms.end(); };
  EXPECT_TRUE(has("staging"));
  EXPECT_TRUE(has("db-staging-7"));
  EXPECT_TRUE(has("parseconfig"));
  EXPECT_TRUE(has("parse"));
  EXPECT_TRUE(has("config"));
  EXPECT_TRUE(has("src/core/config.cpp"));
  EXPECT_FALSE(has("is"));
  EXPECT_FALSE(has("our"));
}

TEST(Bm25, RanksRareTermsAndShortDocumentsHigher) {
  Bm25Index ix;
  ix.add(1, "the build uses cmake and ninja");
  ix.add(2, "tokio runs the ingest workers");
  ix.add(3, "the ingest workers are written in rust and use many crates and a lot of other things too");
  ix.add(4, "cmake presets for the build");
  auto hits = ix.search("which runtime do the ingest workers use? tokio?", 10);
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].key, 2u);
  EXPECT_EQ(hits[1].key, 3u);
  EXPECT_TRUE(ix.search("kubernetes", 5).empty());
  EXPECT_TRUE(ix.remove(2));
  EXPECT_FALSE(ix.remove(2));
  EXPECT_EQ(ix.search("tokio", 5).size(), 0u);
  ix.add(3, "replaced text about tokio");  // replacing a document drops its old terms
  EXPECT_TRUE(ix.search("crates", 5).empty());
  EXPECT_EQ(ix.search("tokio", 5).at(0).key, 3u);
  EXPECT_EQ(ix.size(), 3u);
}

// A random corpus with a Zipf-like vocabulary: a few very common words (long
// postings lists, low idf) and a long tail, documents of 1 to 40 words.
std::string random_text(std::mt19937& rng, std::size_t max_words) {
  std::uniform_int_distribution<std::size_t> words(1, max_words);
  std::uniform_real_distribution<double> u(0, 1);
  std::string text;
  for (std::size_t i = 0, n = words(rng); i < n; ++i) {
    auto rank = static_cast<int>(std::pow(400.0, u(rng)));  // 1..400, small ranks far more often
    text += "w" + std::to_string(rank) + " ";
  }
  return text;
}

TEST(Bm25, MaxScoreFindsExactlyTheExhaustiveTopK) {
  std::mt19937 rng(42);
  Bm25Index ix(0);  // MaxScore for every query
  const std::uint64_t n = 6000;
  for (std::uint64_t key = 0; key < n; ++key) ix.add(key * 7 + 3, random_text(rng, 40));
  // Churn: removals and replacements leave holes and renumbered documents.
  std::uniform_int_distribution<std::uint64_t> any(0, n - 1);
  for (int i = 0; i < 800; ++i) ix.remove(any(rng) * 7 + 3);
  for (int i = 0; i < 800; ++i) ix.add(any(rng) * 7 + 3, random_text(rng, 40));
  std::size_t compared = 0;
  for (int q = 0; q < 300; ++q) {
    std::string query = random_text(rng, 8);
    for (std::size_t k : {1, 5, 50, 500}) {
      auto fast = ix.search(query, k);
      auto exact = ix.search_exhaustive(query, k);
      ASSERT_EQ(fast.size(), exact.size()) << query << " k=" << k;
      for (std::size_t i = 0; i < fast.size(); ++i) {
        ASSERT_EQ(fast[i].key, exact[i].key) << query << " k=" << k << " rank " << i;
        ASSERT_EQ(fast[i].score, exact[i].score) << query << " k=" << k << " rank " << i;
      }
      compared += fast.size();
    }
  }
  EXPECT_GT(compared, 100000u);
}

// The default index scores a query with few postings exhaustively and the
// others by MaxScore; either way the result is the exhaustive one.
TEST(Bm25, QueriesWithFewAndManyPostingsAgreeWithTheExhaustiveTopK) {
  std::mt19937 rng(7);
  Bm25Index ix(2000);
  for (std::uint64_t key = 0; key < 4000; ++key) ix.add(key, random_text(rng, 30));
  for (int q = 0; q < 200; ++q) {
    std::string query = random_text(rng, 1 + q % 8);
    auto fast = ix.search(query, 20);
    auto exact = ix.search_exhaustive(query, 20);
    ASSERT_EQ(fast.size(), exact.size()) << query;
    for (std::size_t i = 0; i < fast.size(); ++i) {
      ASSERT_EQ(fast[i].key, exact[i].key) << query << " rank " << i;
      ASSERT_EQ(fast[i].score, exact[i].score) << query << " rank " << i;
    }
  }
}

TEST(Bm25, EqualScoresGoToTheDocumentAddedFirstWhateverTheKeys) {
  Bm25Index ix(0);                                                                // MaxScore for every query
  for (std::uint64_t key = 1000; key > 0; --key) ix.add(key, "same words here");  // added largest key first
  ix.add(5000, "other text");
  for (auto hits : {ix.search("words", 3), ix.search_exhaustive("words", 3)}) {
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_EQ(hits[0].key, 1000u);
    EXPECT_EQ(hits[1].key, 999u);
    EXPECT_EQ(hits[2].key, 998u);
    EXPECT_EQ(hits[0].score, hits[2].score);
  }
  // A replaced document counts as added when it was replaced; a removed one
  // leaves no gap in the order of the others.
  ix.add(1000, "same words here");
  ix.remove(998);
  auto hits = ix.search("words", 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].key, 999u);
  EXPECT_EQ(hits[1].key, 997u);
  EXPECT_EQ(hits[2].key, 996u);
  EXPECT_EQ(ix.search("words", 1000).back().key, 1000u);
}

// Many documents with the very same text, hence the very same score: the
// case where a block's or a list's bound equals the k-th score.
TEST(Bm25, MaxScoreFindsExactlyTheExhaustiveTopKAmongManyTies) {
  std::mt19937 rng(11);
  std::vector<std::string> templates;
  for (int t = 0; t < 12; ++t) templates.push_back(random_text(rng, 12));
  templates.push_back("w1 w2 w3");  // short: the best score of common words
  templates.push_back("w1 w2 w3 w1 w2 w3");
  Bm25Index ix(0);  // MaxScore for every query
  std::uniform_int_distribution<std::size_t> pick(0, templates.size() - 1);
  std::uniform_real_distribution<double> u(0, 1);
  const std::uint64_t n = 20000;
  std::vector<std::size_t> template_of(n);  // SIZE_MAX: a random text
  std::vector<std::uint64_t> added_at(n);   // the order of the last add
  std::uint64_t clock = 0;
  auto add = [&](std::uint64_t key) {
    bool random = u(rng) < 0.05;
    template_of[key] = random ? SIZE_MAX : pick(rng);
    ix.add(key, random ? random_text(rng, 20) : templates[template_of[key]]);
    added_at[key] = clock++;
  };
  // Keys in an order unrelated to the order of adding, as after churn.
  std::vector<std::uint64_t> keys(n);
  for (std::uint64_t i = 0; i < n; ++i) keys[i] = i;
  std::shuffle(keys.begin(), keys.end(), rng);
  for (auto key : keys) add(key);
  std::uniform_int_distribution<std::uint64_t> any(0, n - 1);
  std::set<std::uint64_t> removed;
  for (int i = 0; i < 1500; ++i) {
    auto key = any(rng);
    if (ix.remove(key)) removed.insert(key);
  }
  for (int i = 0; i < 1500; ++i) {
    auto key = any(rng);
    add(key);
    removed.erase(key);
  }

  std::size_t compared = 0, tied_left_out = 0;
  for (int q = 0; q < 150; ++q) {
    std::string query = q % 3 == 0 ? "w1 w2 w3" : random_text(rng, 5);
    for (std::size_t k : {1, 7, 50, 300, 1000, 4000}) {
      auto fast = ix.search(query, k);
      auto exact = ix.search_exhaustive(query, k);
      ASSERT_EQ(fast.size(), exact.size()) << query << " k=" << k;
      for (std::size_t i = 0; i < fast.size(); ++i) {
        ASSERT_EQ(fast[i].key, exact[i].key) << query << " k=" << k << " rank " << i;
        ASSERT_EQ(fast[i].score, exact[i].score) << query << " k=" << k << " rank " << i;
        ASSERT_FALSE(removed.count(fast[i].key));
        if (i > 0 && fast[i].score == fast[i - 1].score) {
          ASSERT_LT(added_at[fast[i - 1].key], added_at[fast[i].key]) << query << " k=" << k << " rank " << i;
        }
      }
      compared += fast.size();
      // At a cut-off inside a group of identical texts, the group's
      // documents added first are the ones returned.
      if (fast.size() < k || fast.empty() || template_of[fast.back().key] == SIZE_MAX) continue;
      std::size_t group = template_of[fast.back().key];
      std::set<std::uint64_t> returned;
      for (const auto& h : fast) returned.insert(h.key);
      for (std::uint64_t key = 0; key < n; ++key) {
        if (template_of[key] != group || removed.count(key) || returned.count(key)) continue;
        ASSERT_GT(added_at[key], added_at[fast.back().key]) << query << " k=" << k;
        ++tied_left_out;
      }
    }
  }
  EXPECT_GT(compared, 300000u);
  EXPECT_GT(tied_left_out, 10000u);  // the cut-off fell inside a tie group often
}

// A query split into parts finds exactly the unsplit top k, by either
// method, whether its parts run one after the other (in any order) or at
// once on several threads sharing their best k-th score. Many identical
// texts: a part that runs later must not drop a document that merely ties
// the k-th score another part found (it may be numbered before that part's).
TEST(Bm25, SplitQueriesFindExactlyTheUnsplitTopK) {
  std::mt19937 rng(5);
  std::vector<std::string> templates;
  for (int t = 0; t < 6; ++t) templates.push_back(random_text(rng, 10));
  templates.push_back("w1 w2 w3");
  boost::asio::thread_pool pool(3);
  for (std::size_t score_all_up_to : {std::size_t{0}, Bm25Index::kScoreAllUpTo}) {
    Bm25Index ix(score_all_up_to, 0);  // every query split
    std::uniform_int_distribution<std::size_t> pick(0, templates.size() - 1);
    for (std::uint64_t key = 0; key < 8000; ++key) ix.add(key, key % 10 ? templates[pick(rng)] : random_text(rng, 20));
    for (int i = 0; i < 500; ++i) ix.remove(std::uniform_int_distribution<std::uint64_t>(0, 7999)(rng));
    std::size_t compared = 0;
    for (int q = 0; q < 60; ++q) {
      std::string query = q % 3 == 0 ? "w1 w2 w3" : random_text(rng, 6);
      for (std::size_t k : {1, 10, 50, 700}) {
        auto exact = ix.search_exhaustive(query, k);
        for (std::size_t parts : {2, 3, 7}) {
          for (int how = 0; how < 3; ++how) {
            auto split = ix.prepare(query, k, parts);
            ASSERT_EQ(split.parts(), parts);
            std::vector<std::function<void()>> tasks;
            for (std::size_t p = 0; p < parts; ++p) tasks.emplace_back([&, p] { split.run(p); });
            if (how == 0) {
              for (auto& t : tasks) t();
            } else if (how == 1) {
              for (auto t = tasks.rbegin(); t != tasks.rend(); ++t) (*t)();  // the last documents first
            } else {
              run_shared(tasks, pool, 3);
            }
            auto hits = std::move(split).result();
            ASSERT_EQ(hits.size(), exact.size()) << query << " k=" << k << " parts=" << parts << " how=" << how;
            for (std::size_t i = 0; i < hits.size(); ++i) {
              ASSERT_EQ(hits[i].key, exact[i].key) << query << " k=" << k << " parts=" << parts << " how=" << how;
              ASSERT_EQ(hits[i].score, exact[i].score) << query << " k=" << k << " parts=" << parts;
            }
            compared += hits.size();
          }
        }
      }
    }
    EXPECT_GT(compared, 100000u);
  }
  pool.join();
}

TEST(Bm25, RareTermsAreFoundAmongManyCommonOnes) {
  // A query mixing a word in every document with one in a single document:
  // the rare one decides, and the common list is skipped, not missed.
  Bm25Index ix(0);  // MaxScore
  for (std::uint64_t key = 0; key < 5000; ++key) ix.add(key, "service log line " + std::to_string(key));
  ix.add(9999, "service billing owner is alice");
  auto hits = ix.search("billing service", 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].key, 9999u);
  EXPECT_EQ(ix.search("billing service", 2)[1].key, ix.search_exhaustive("billing service", 2)[1].key);
}

}  // namespace
}  // namespace devagent::index
