// Whether a cached answer stored for one question may serve another: the
// decision the response cache makes on every semantic lookup, and that
// `devagent cache match` prints.
//
// A question is first reduced to a Fingerprint: its normalised text (for the
// exact stage), its canonical terms (lower case, stop words and filler
// dropped, stemmed, developer synonyms folded: "make"/"create",
// "virtualenv"/"virtual environment", "int"/"integer"...), an embedding of
// those terms (the builtin hash embedder) and the aspects the guard compares:
// repositories, file paths, languages, libraries, versions and numbers,
// negation, and the direction of relations ("convert A to B", "files that
// import X" vs "files X imports").
//
// decide() is a hit only when the cosine of the two embeddings is at or
// above the kind's threshold AND the guard finds no difference in what the
// questions are about. Its reason names the first difference found (or
// "exact", or "paraphrase"). A wrong hit costs more than a miss: when in
// doubt, the guard says miss.
//
// Pure functions of their inputs; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace devagent::cache {

enum class Kind { decomposition, response, analysis };
std::string_view to_string(Kind kind);
// nullopt-like: false when name is not a kind.
bool parse_kind(std::string_view name, Kind& out);

struct Fingerprint {
  std::string normalised;          // lower case, punctuation dropped, spaces collapsed
  std::vector<std::string> terms;  // canonical content terms, in question order
  std::vector<float> embedding;    // unit vector of dimension kEmbeddingDimension (zero when no terms)
  // Aspects (canonical forms), each sorted and unique.
  std::vector<std::string> repositories, paths, languages, libraries, numbers;
  bool negated = false;
  // Ordered pairs for directional relations: (from, to) of "convert A to B",
  // (subject, "verb:object") of "X imports Y" ("?" for a missing side);
  // compared, never ignored.
  std::vector<std::pair<std::string, std::string>> directions;
  // Pairs that may be no direction at all: an infinitive ("libraries to
  // parse YAML") or a comparison ("X faster than Y"). The other question may
  // lack them but must not reverse them.
  std::vector<std::pair<std::string, std::string>> loose_directions;
};

constexpr std::size_t kEmbeddingDimension = 256;

Fingerprint fingerprint(std::string_view question);

struct Decision {
  double similarity = 0;  // cosine of the embeddings, in [-1, 1]
  bool hit = false;
  std::string reason;  // "exact", "paraphrase", or what differs ("languages differ: python vs javascript")
};

// Would an entry stored for `stored` be served for `fresh` at this threshold?
Decision decide(const Fingerprint& stored, const Fingerprint& fresh, double threshold);

}  // namespace devagent::cache
