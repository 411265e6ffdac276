#include "index/ann.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <mutex>

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
  bool existed = graph_->label_lookup_.count(key) > 0;
  bool was_deleted = false;
  if (existed) {
    auto internal = graph_->label_lookup_.at(key);
    was_deleted = graph_->isMarkedDeleted(internal);
  }
  if (!existed && graph_->cur_element_count >= graph_->max_elements_) {
    graph_->resizeIndex(graph_->max_elements_ * 2);
  }
  // hnswlib updates the vector of an existing label in place, reviving it.
  graph_->addPoint(vector.data(), key);
  if (!existed || was_deleted) ++live_;
  return true;
}

bool AnnIndex::remove(std::uint64_t key) {
  std::unique_lock lock(mutex_);
  auto it = graph_->label_lookup_.find(key);
  if (it == graph_->label_lookup_.end() || graph_->isMarkedDeleted(it->second)) return false;
  graph_->markDelete(key);
  --live_;
  return true;
}

std::vector<AnnHit> AnnIndex::search(std::span<const float> query, std::size_t k) const {
  std::vector<AnnHit> out;
  if (query.size() != options_.dimension || k == 0) return out;
  std::shared_lock lock(mutex_);
  if (live_ == 0) return out;
  k = std::min(k, live_);
  // setEf is not synchronised in hnswlib: the beam is fixed at construction
  // and k beyond it is served by searching with a beam of k (searchKnn uses
  // max(ef, k)).
  auto result = graph_->searchKnn(query.data(), k);
  out.resize(result.size());
  for (std::size_t i = result.size(); i-- > 0;) {
    const auto& [distance, label] = result.top();
    out[i] = AnnHit{label, 1.0f - distance};  // InnerProductSpace distance is 1 - dot
    result.pop();
  }
  return out;
}

std::optional<float> AnnIndex::similarity(std::uint64_t key, std::span<const float> query) const {
  if (query.size() != options_.dimension) return std::nullopt;
  std::shared_lock lock(mutex_);
  auto it = graph_->label_lookup_.find(key);
  if (it == graph_->label_lookup_.end() || graph_->isMarkedDeleted(it->second)) return std::nullopt;
  const auto* data = reinterpret_cast<const float*>(graph_->getDataByInternalId(it->second));
  float dot = 0;
  for (std::size_t i = 0; i < query.size(); ++i) dot += data[i] * query[i];
  return dot;
}

std::size_t AnnIndex::size() const {
  std::shared_lock lock(mutex_);
  return live_;
}

}  // namespace devagent::index
