// The in-process indexes: hnswlib ANN against brute force, and BM25.
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

}  // namespace
}  // namespace devagent::index
