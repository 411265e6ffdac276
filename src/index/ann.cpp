#include "index/ann.h"

// Debian's hnswlib 0.6.2 prefetches the neighbour after the last one in
// searchBaseLayer, reading one int past a node's top link list (the value is
// only a prefetch hint, and malloc's rounding covers it). AddressSanitizer
// rightly reports that read, so sanitizer builds use hnswlib's portable code,
// which has no prefetch; release builds keep its SSE code.
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace devagent::index {

AnnIndex::AnnIndex(AnnOptions options) : options_(options) {
  if (options_.dimension == 0) options_.dimension = 1;
  space_ = std::make_unique<hnswlib::InnerProductSpace>(options_.dimension);
  graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), std::max<std::size_t>(16, options_.initial_capacity),
                                                             options_.m, options_.ef_construction);
  graph_->setEf(options_.ef_search);
}

AnnIndex::~AnnIndex() = default;

bool AnnIndex::add(std::uint64_t key, std::span<const float> vector) {
  if (vector.size() != options_.dimension) return false;
  std::unique_lock lock(mutex_);
  if (graph_->cur_element_count >= graph_->max_elements_) graph_->resizeIndex(graph_->max_elements_ * 2);
  auto node = next_node_++;
  graph_->addPoint(vector.data(), node);
  link_locked(key, node);
  return true;
}

bool AnnIndex::add_all(std::span<const std::uint64_t> keys, std::span<const float> vectors, std::size_t threads) {
  const std::size_t dim = options_.dimension;
  if (vectors.size() != keys.size() * dim) return false;
  if (keys.empty()) return true;
  std::unique_lock lock(mutex_);
  std::size_t needed = graph_->cur_element_count + keys.size();
  if (needed > graph_->max_elements_) graph_->resizeIndex(std::max(needed, graph_->max_elements_ * 2));
  const std::uint64_t first = next_node_;
  next_node_ += keys.size();
  std::atomic<std::size_t> next{0};
  auto insert = [&] {
    for (std::size_t i = next++; i < keys.size(); i = next++) graph_->addPoint(vectors.data() + i * dim, first + i);
  };
  threads = std::clamp<std::size_t>(threads, 1, keys.size() / 1000 + 1);  // a thread per 1,000 vectors at most
  std::vector<std::jthread> helpers;
  for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(insert);
  insert();
  helpers.clear();  // joins
  for (std::size_t i = 0; i < keys.size(); ++i) link_locked(keys[i], first + i);
  return true;
}

void AnnIndex::link_locked(std::uint64_t key, std::uint64_t node) {
  if (auto it = node_of_.find(key); it != node_of_.end()) {
    key_of_.erase(it->second);
    ++dead_;
  }
  node_of_[key] = node;
  key_of_[node] = key;
}

bool AnnIndex::remove(std::uint64_t key) {
  std::unique_lock lock(mutex_);
  auto it = node_of_.find(key);
  if (it == node_of_.end()) return false;
  key_of_.erase(it->second);
  node_of_.erase(it);
  ++dead_;
  return true;
}

std::vector<AnnHit> AnnIndex::search(std::span<const float> query, std::size_t k) const {
  std::vector<AnnHit> out;
  if (query.size() != options_.dimension || k == 0) return out;
  std::shared_lock lock(mutex_);
  std::size_t live = node_of_.size();
  if (live == 0) return out;
  k = std::min(k, live);
  std::size_t total = graph_->cur_element_count;
  // Dead nodes take places in the result: fetch more, and more again while short.
  std::size_t fetch = std::min(total, k + std::min(dead_, std::max<std::size_t>(4 * k, 64)));
  for (;;) {
    auto result = graph_->searchKnn(query.data(), fetch);
    std::vector<AnnHit> hits;
    hits.reserve(result.size());
    while (!result.empty()) {
      const auto& [distance, node] = result.top();
      if (auto it = key_of_.find(node); it != key_of_.end()) {
        hits.push_back(AnnHit{it->second, 1.0f - distance});  // InnerProductSpace distance is 1 - dot
      }
      result.pop();
    }
    std::reverse(hits.begin(), hits.end());  // the queue pops the farthest first
    if (hits.size() >= k || fetch >= total) {
      if (hits.size() > k) hits.resize(k);
      return hits;
    }
    fetch = std::min(total, fetch * 2);
  }
}

std::optional<float> AnnIndex::similarity(std::uint64_t key, std::span<const float> query) const {
  if (query.size() != options_.dimension) return std::nullopt;
  std::shared_lock lock(mutex_);
  return similarity_locked(key, query);
}

std::vector<std::optional<float>> AnnIndex::similarities(std::span<const std::uint64_t> keys,
                                                         std::span<const float> query) const {
  std::vector<std::optional<float>> out(keys.size());
  if (query.size() != options_.dimension) return out;
  std::shared_lock lock(mutex_);
  for (std::size_t i = 0; i < keys.size(); ++i) out[i] = similarity_locked(keys[i], query);
  return out;
}

std::optional<float> AnnIndex::similarity_locked(std::uint64_t key, std::span<const float> query) const {
  auto node = node_of_.find(key);
  if (node == node_of_.end()) return std::nullopt;
  auto it = graph_->label_lookup_.find(node->second);
  if (it == graph_->label_lookup_.end()) return std::nullopt;
  // hnswlib's own (SIMD) inner-product distance: 1 - dot.
  const void* data = graph_->getDataByInternalId(it->second);
  return 1.0f - space_->get_dist_func()(query.data(), data, space_->get_dist_func_param());
}

std::size_t AnnIndex::size() const {
  std::shared_lock lock(mutex_);
  return node_of_.size();
}

}  // namespace devagent::index
