// A deterministic local text embedder: no model files, no network.
//
// Text becomes a bag of weighted features — words (lightly stemmed), word
// bigrams, identifier pieces (camelCase, snake_case, kebab-case, digits),
// whole paths / repo slugs / versions, and character 4-grams of longer words —
// each hashed with a signed stable hash into a fixed number of dimensions, then
// L2-normalised. Words that appear in almost every question ("how", "the",
// "can", "i") weigh little; rare-looking tokens (identifiers, paths, versions,
// technology names) weigh more. docs/embeddings.md describes the features, the
// weights, how the space behaves and its limits.
//
// Good enough for a semantic response cache and for conversation-memory
// recall over programming questions; it knows no synonyms beyond a small
// built-in table, so paraphrases that share no content words score low.
//
// Determinism: the same text and dimension give bit-identical vectors in every
// run and on every platform (the hash is FNV-1a 64 over bytes with a fixed
// finaliser, and the float arithmetic is ordered and free of contractible
// multiply-adds).
//
// Thread-safety: all members are const and keep no mutable state; one
// embedder may be shared by any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace devagent::llm {

class HashEmbedder {
 public:
  static constexpr std::size_t kDefaultDimension = 512;

  // dimension must be at least 1 (0 is a programmer error and becomes 1).
  explicit HashEmbedder(std::size_t dimension = kDefaultDimension);

  // A unit-length vector of dimension() floats; the zero vector when the text
  // has no features (empty, whitespace or punctuation only).
  std::vector<float> embed(std::string_view text) const;

  // Cosine similarity in [-1, 1]. 0 when either vector is zero or the sizes
  // differ. Works for vectors that are not normalised too.
  static float cosine(std::span<const float> a, std::span<const float> b);

  std::size_t dimension() const { return dimension_; }

 private:
  std::size_t dimension_;
};

// 64-bit FNV-1a over the bytes of text: stable across runs and platforms.
// Exposed so tests can pin it to the published test vectors.
constexpr std::uint64_t fnv1a64(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace devagent::llm
