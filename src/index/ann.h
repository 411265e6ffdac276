// An approximate-nearest-neighbour index over unit vectors (cosine
// similarity as inner product), on hnswlib (Debian libhnswlib-dev). Keys are
// the caller's 64-bit labels. hnswlib is used insert-only: a removed key's
// node stays in the graph, dead, and is filtered out of results (searches
// fetch a little more to make up for them); adding a key again inserts a new
// node. (hnswlib 0.6.2's in-place update and delete paths are avoided; the
// graph only ever grows.) The index grows as needed; a restart rebuilds it
// without the dead.
//
// Thread-safe: searches share a lock, changes take it exclusively.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <unordered_map>
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
  // Adds or replaces many keys at once: vectors holds keys.size() vectors of
  // dimension() floats, back to back (false, and nothing added, when it does
  // not). The graph is built from `threads` threads (hnswlib inserts
  // concurrently), so building a large index at start-up scales with cores.
  bool add_all(std::span<const std::uint64_t> keys, std::span<const float> vectors, std::size_t threads);
  // false when the key is not present.
  bool remove(std::uint64_t key);
  // The k most similar live keys, most similar first.
  std::vector<AnnHit> search(std::span<const float> query, std::size_t k) const;
  // Cosine similarity of query with the vector of key; nullopt when absent.
  std::optional<float> similarity(std::uint64_t key, std::span<const float> query) const;
  // The same for many keys under one lock: out[i] is keys[i]'s.
  std::vector<std::optional<float>> similarities(std::span<const std::uint64_t> keys,
                                                 std::span<const float> query) const;
  std::size_t size() const;  // live keys
  std::size_t dimension() const { return options_.dimension; }

 private:
  AnnOptions options_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
  std::unordered_map<std::uint64_t, std::uint64_t> node_of_;  // live key -> graph label
  std::unordered_map<std::uint64_t, std::uint64_t> key_of_;   // live graph label -> key
  std::uint64_t next_node_ = 0;
  std::size_t dead_ = 0;  // nodes of removed or replaced keys
  void link_locked(std::uint64_t key, std::uint64_t node);
  std::optional<float> similarity_locked(std::uint64_t key, std::span<const float> query) const;
};

}  // namespace devagent::index
