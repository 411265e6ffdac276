// An approximate-nearest-neighbour index over unit vectors (cosine
// similarity as inner product), on hnswlib (Debian libhnswlib-dev). Keys are
// the caller's 64-bit labels; removing a key marks it deleted in the graph,
// and adding it again revives the slot. The index grows as needed.
//
// Thread-safe: searches share a lock, changes take it exclusively.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <vector>

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
class InnerProductSpace;
}  // namespace hnswlib

namespace devagent::index {

struct AnnOptions {
  std::size_t dimension = 256;
  std::size_t m = 16;                  // graph degree
  std::size_t ef_construction = 100;   // build-time beam
  std::size_t ef_search = 100;         // query-time beam (raised to k when smaller)
  std::size_t initial_capacity = 1024;
};

struct AnnHit {
  std::uint64_t key = 0;
  float similarity = 0;  // cosine, in [-1, 1]
};

class AnnIndex {
 public:
  explicit AnnIndex(AnnOptions options = {});
  ~AnnIndex();
  AnnIndex(const AnnIndex&) = delete;
  AnnIndex& operator=(const AnnIndex&) = delete;

  // Adds or replaces the vector of key. vector.size() must be dimension();
  // other sizes are ignored (returns false).
  bool add(std::uint64_t key, std::span<const float> vector);
  // false when the key is not present.
  bool remove(std::uint64_t key);
  // The k most similar live keys, most similar first.
  std::vector<AnnHit> search(std::span<const float> query, std::size_t k) const;
  // Cosine similarity of query with the vector of key; nullopt when absent.
  std::optional<float> similarity(std::uint64_t key, std::span<const float> query) const;
  std::size_t size() const;  // live keys
  std::size_t dimension() const { return options_.dimension; }

 private:
  AnnOptions options_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
  std::size_t live_ = 0;
};

}  // namespace devagent::index
