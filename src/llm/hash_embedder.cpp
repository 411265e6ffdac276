#include "llm/hash_embedder.h"

#include "llm/lexicon.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

namespace devagent::llm {
namespace {

// ---------------------------------------------------------------------------
// Weights. A feature's weight plays the part of an IDF: how much seeing this
// feature in two texts says that they ask the same thing. There is no corpus
// to count document frequencies in, so the weights are priors by word class:
//
//   stop words ("the", "can", "i", "do", "please")        0.1
//   question words ("how", "what", "why")                  0.25
//   generic request words ("way", "best", "use", "explain") 0.5
//   ordinary words, by length of the word: 1 letter 0.3, 2 letters 0.6,
//     3: 0.85, 4: 0.95, 5: 1.0, 6: 1.05, 7: 1.1, 8-9: 1.15, 10+: 1.2
//     (longer words are rarer: Zipf)
//   numbers: one digit 1.0, more 1.2
//   technology names ("python", "rust", "c++", "docker")    1.5
//   a whole identifier (getUserName, get_user_name, utf8)  1.5, and each
//     piece (get, user, name) at 0.8 x its own weight
//   a whole path, repo slug, dotted name or version
//     (src/main.cpp, owner/name, os.path.join, 3.11)        1.7
//   a word bigram (content words in order, stop words skipped)
//                                                           0.5 x the smaller word weight
//   character 4-grams of an ordinary word whose stem has 5+ letters, together
//     0.4 x the word weight (each n-gram 0.4 w / sqrt(count))
//   "to"/"into" followed by a technology name ("... to Rust")  1.0
//
// Words are hashed by stem ("reversing", "reversed" -> "revers") and by a
// canonical spelling where the lexicon (llm/lexicon.h) has one ("py" -> "python",
// "delete" -> "remove"), so the weights above apply to the stem.
//
// Technology names weigh most among single words because in a programming
// question they are the subject that most often changes the answer
// ("reverse a list in Python" vs "... in Rust") while the wording around them
// varies freely.
// ---------------------------------------------------------------------------
constexpr float kStopWeight = 0.1f;
constexpr float kQuestionWeight = 0.25f;
constexpr float kGenericWeight = 0.5f;
constexpr float kTechnologyWeight = 1.5f;
constexpr float kDigitWeight = 1.0f;
constexpr float kNumberWeight = 1.2f;
constexpr float kIdentifierWeight = 1.5f;
constexpr float kPieceScale = 0.8f;
constexpr float kCompoundWeight = 1.7f;
constexpr float kBigramScale = 0.5f;
constexpr float kDirectionWeight = 1.0f;
constexpr float kNgramScale = 0.4f;
constexpr std::size_t kNgramMinStem = 5;
constexpr std::array<float, 11> kLengthWeight = {0.0f, 0.3f, 0.6f, 0.85f, 0.95f, 1.0f, 1.05f, 1.1f, 1.15f, 1.15f, 1.2f};

// Words longer than this are cut for hashing: keeps buffers on the stack.
constexpr std::size_t kMaxWord = 64;

// ---------------------------------------------------------------------------
// Hashing: FNV-1a 64 over a kind byte and the feature's bytes, then the
// MurmurHash3 64-bit finaliser so every bit is well mixed. The top 32 bits
// pick the dimension, the lowest bit the sign.
// ---------------------------------------------------------------------------
enum class FeatureKind : char { word = 'w', bigram = 'b', compound = 'p', ngram = 'n' };

constexpr std::uint64_t fmix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

std::uint64_t feature_hash(FeatureKind kind, std::string_view text) {
  const char k = static_cast<char>(kind);
  return fmix64(fnv1a64(text, fnv1a64(std::string_view(&k, 1))));
}

std::uint64_t bigram_hash(std::uint64_t first, std::uint64_t second) {
  const std::uint64_t rotated = (second << 23) | (second >> 41);
  return fmix64(first ^ (rotated * 0x9e3779b97f4a7c15ull) ^ static_cast<std::uint64_t>(FeatureKind::bigram));
}

// ---------------------------------------------------------------------------
// Characters. Bytes >= 0x80 (UTF-8) count as letters, except the General
// Punctuation block (U+2000..U+206F: curly quotes, dashes, ellipsis, special
// spaces) and U+00A0, which separate chunks like whitespace does.
// ---------------------------------------------------------------------------
bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower_or_other(char c) {
  return (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) {
  return is_ascii_alpha(c) || is_digit(c) || static_cast<unsigned char>(c) >= 0x80;
}
char to_lower(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

// Length in bytes of a separator starting at text[i], 0 if text[i] starts none.
std::size_t separator_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return 1;
  if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) return 2;
  if (c == 0xE2 && i + 2 < text.size()) {
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c1 == 0x80 || c1 == 0x81) return 3;
  }
  return 0;
}

float class_weight(WordClass cls, std::size_t length) {
  switch (cls) {
    case WordClass::stop:
      return kStopWeight;
    case WordClass::question:
      return kQuestionWeight;
    case WordClass::generic:
      return kGenericWeight;
    case WordClass::technology:
      return kTechnologyWeight;
    case WordClass::number:
      return length == 1 ? kDigitWeight : kNumberWeight;
    case WordClass::ordinary:
      break;
  }
  return kLengthWeight[std::min(length, kLengthWeight.size() - 1)];
}

// Splits one alphanumeric run at camelCase, PascalCase and letter/digit
// boundaries: "getUserName" -> get|User|Name, "HTTPServer" -> HTTP|Server,
// "utf8" -> utf|8. A plural s after capitals stays: "URLs".
constexpr std::size_t kMaxPieces = 16;
std::size_t split_pieces(std::string_view seg, std::array<std::string_view, kMaxPieces>& pieces) {
  std::size_t count = 0;
  std::size_t start = 0;
  for (std::size_t i = 1; i < seg.size() && count + 1 < kMaxPieces; ++i) {
    const char prev = seg[i - 1];
    const char cur = seg[i];
    const bool digit_change = is_digit(prev) != is_digit(cur);
    const bool lower_to_upper = is_lower_or_other(prev) && is_upper(cur);
    const bool acronym_end = is_upper(prev) && is_upper(cur) && i + 1 < seg.size() && is_lower_or_other(seg[i + 1]) &&
                             !(seg[i + 1] == 's' && i + 2 == seg.size());
    if (digit_change || lower_to_upper || acronym_end) {
      pieces[count++] = seg.substr(start, i - start);
      start = i;
    }
  }
  pieces[count++] = seg.substr(start);
  return count;
}

bool is_number(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), is_digit);
}
bool is_alpha_word(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Adds one text's features to a vector of floats.
class FeatureWriter {
 public:
  explicit FeatureWriter(std::span<float> out) : out_(out) {}

  void text(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      if (const auto sep = separator_length(text, i)) {
        i += sep;
        continue;
      }
      const std::size_t start = i;
      while (i < text.size() && separator_length(text, i) == 0) ++i;
      chunk(text.substr(start, i - start));
    }
  }

 private:
  struct WordFeature {
    WordClass cls = WordClass::ordinary;
    std::string_view feature;  // into the caller's buffer or the lexicon
    std::size_t length = 0;    // of the word as written
  };

  // One whitespace-separated chunk: "getUserName()", "owner/name", "c++?".
  void chunk(std::string_view c) {
    std::size_t b = 0;
    while (b < c.size() && !is_word_char(c[b])) ++b;
    std::size_t e = c.size();
    while (e > b && !is_word_char(c[e - 1])) --e;
    const std::string_view tail = c.substr(e);
    const bool ends_sentence = tail.find_first_of(".?!;") != std::string_view::npos;
    if (b < e) {
      // "c++", "c#", "f#": the suffix belongs to the word.
      std::size_t suffix = tail.starts_with("++") ? 2 : tail.starts_with("#") ? 1 : 0;
      words(c.substr(b, e - b), suffix);
    }
    if (ends_sentence) has_previous_ = after_to_ = false;
  }

  // core starts and ends with word characters; core.data()[core.size(), +suffix) is "++" or "#".
  void words(std::string_view core, std::size_t suffix) {
    if (core.size() <= kMaxWord && core.find('.') != std::string_view::npos) {  // "Node.js", "ASP.NET"
      char buf[kMaxWord];
      for (std::size_t i = 0; i < core.size(); ++i) buf[i] = to_lower(core[i]);
      if (const auto* entry = find_in_lexicon(std::string_view(buf, core.size()))) {
        const std::string_view feature = entry->feature.empty() ? std::string_view(buf, core.size()) : entry->feature;
        emit(WordFeature{entry->cls, feature, core.size()}, 1.0f, true);
        return;
      }
    }
    bool compound = false;
    bool substantial = false;  // some segment is more than one letter ("e.g" is no path)
    std::array<std::string_view, kMaxPieces> group;
    std::size_t group_size = 0;
    std::size_t i = 0;
    while (i < core.size()) {
      const std::size_t start = i;
      while (i < core.size() && is_word_char(core[i])) ++i;
      std::string_view seg = core.substr(start, i - start);
      if (seg.size() > 1 || is_digit(seg[0])) substantial = true;
      const std::size_t sep_start = i;
      while (i < core.size() && !is_word_char(core[i])) ++i;
      const std::string_view sep = core.substr(sep_start, i - sep_start);
      if (i == core.size() && suffix > 0) seg = std::string_view(seg.data(), seg.size() + suffix);
      if (group_size == group.size()) flush(group, group_size);
      group[group_size++] = seg;
      const bool joins_identifier = !sep.empty() && sep.find_first_not_of("_-") == std::string_view::npos;
      if (sep.find_first_of("/\\.:@") != std::string_view::npos) compound = true;
      if (!joins_identifier) flush(group, group_size);
    }
    flush(group, group_size);
    if (compound && substantial) add(fnv_lower(FeatureKind::compound, core), kCompoundWeight);
  }

  // A run of segments joined by '_' or '-' (or a single segment): an
  // identifier when it has several pieces.
  void flush(std::array<std::string_view, kMaxPieces>& group, std::size_t& size) {
    if (size == 0) return;
    std::array<std::string_view, kMaxPieces> pieces[kMaxPieces];
    std::size_t counts[kMaxPieces];
    std::size_t total = 0;
    for (std::size_t s = 0; s < size; ++s) total += counts[s] = split_pieces(group[s], pieces[s]);
    if (total == 1) {
      word(group[0], 1.0f, true);
      size = 0;
      return;
    }
    // The whole identifier, lowercased without separators: getUserName and
    // get_user_name meet at "getusername".
    char whole[kMaxWord];
    std::size_t n = 0;
    for (std::size_t s = 0; s < size; ++s) {
      for (char c : group[s]) {
        if (n < kMaxWord && is_word_char(c)) whole[n++] = to_lower(c);
      }
    }
    const std::string_view whole_view(whole, n);
    if (const auto* entry = find_in_lexicon(whole_view)) {  // "JavaScript", "python3"
      emit(WordFeature{entry->cls, entry->feature.empty() ? whole_view : entry->feature, n}, 1.0f, true);
      size = 0;
      return;
    }
    emit_whole_identifier(whole, n);
    for (std::size_t s = 0; s < size; ++s) {
      for (std::size_t p = 0; p < counts[s]; ++p) word(pieces[s][p], kPieceScale, true);
    }
    size = 0;
  }

  void emit_whole_identifier(char* buf, std::size_t n) {
    if (is_alpha_word(std::string_view(buf, n))) n = stem_in_place(buf, n);
    add(feature_hash(FeatureKind::word, std::string_view(buf, n)), kIdentifierWeight);
  }

  void word(std::string_view raw, float scale, bool chain) {
    char buf[kMaxWord];
    const std::size_t n = std::min(raw.size(), kMaxWord);
    for (std::size_t i = 0; i < n; ++i) buf[i] = to_lower(raw[i]);
    emit(classify(buf, n), scale, chain);
  }

  // buf holds the lowercased word; stemming may rewrite it.
  WordFeature classify(char* buf, std::size_t n) const {
    const std::string_view w(buf, n);
    if (is_number(w)) return {WordClass::number, w, n};
    if (const auto* entry = find_in_lexicon(w)) {
      if (!entry->feature.empty()) return {entry->cls, entry->feature, n};
      const bool stems = entry->cls == WordClass::ordinary || entry->cls == WordClass::generic;
      return {entry->cls, stems ? std::string_view(buf, stem_in_place(buf, n)) : w, n};
    }
    const std::string_view s(buf, stem_in_place(buf, n));
    if (const auto* entry = find_in_lexicon(s)) return {entry->cls, entry->feature.empty() ? s : entry->feature, n};
    return {WordClass::ordinary, s, n};
  }

  void emit(const WordFeature& f, float scale, bool chain) {
    const float weight = class_weight(f.cls, f.length) * scale;
    const std::uint64_t h = feature_hash(FeatureKind::word, f.feature);
    add(h, weight);
    const bool content = f.cls == WordClass::ordinary || f.cls == WordClass::technology || f.cls == WordClass::number;
    if (f.cls == WordClass::stop) {
      after_to_ = after_to_ || f.feature == "to" || f.feature == "into";
    } else if (content) {
      // "to Rust" / "into JSON": the target of a conversion, so that
      // "convert Python to Rust" is not "convert Rust to Python".
      if (after_to_ && f.cls == WordClass::technology) add(bigram_hash(kToHash, h), kDirectionWeight);
      after_to_ = false;
    }
    if (chain && content) {
      if (has_previous_) add(bigram_hash(previous_, h), kBigramScale * std::min(previous_weight_, weight));
      previous_ = h;
      previous_weight_ = weight;
      has_previous_ = true;
    }
    if (f.cls == WordClass::ordinary && f.feature.size() >= kNgramMinStem && is_alpha_word(f.feature)) {
      ngrams(f.feature, weight);
    }
  }

  // Character 4-grams of "^stem$": ties "serialize" to "serialization" and
  // survives a typo, at a fraction of the word's weight.
  void ngrams(std::string_view stem, float weight) {
    char padded[kMaxWord + 2];
    padded[0] = '^';
    std::copy(stem.begin(), stem.end(), padded + 1);
    padded[stem.size() + 1] = '$';
    const std::size_t count = stem.size() - 1;  // (size + 2) - 4 + 1
    const float each = weight * kNgramScale / std::sqrt(static_cast<float>(count));
    for (std::size_t i = 0; i < count; ++i) {
      add(feature_hash(FeatureKind::ngram, std::string_view(padded + i, 4)), each);
    }
  }

  static std::uint64_t fnv_lower(FeatureKind kind, std::string_view text) {
    std::uint64_t h = 14695981039346656037ull;
    h ^= static_cast<unsigned char>(kind);
    h *= 1099511628211ull;
    for (char c : text) {
      h ^= static_cast<unsigned char>(to_lower(c));
      h *= 1099511628211ull;
    }
    return fmix64(h);
  }

  static constexpr std::uint64_t kToHash = fmix64(fnv1a64("to"));

  void add(std::uint64_t hash, float weight) {
    const auto index = static_cast<std::size_t>(((hash >> 32) * out_.size()) >> 32);
    out_[index] += (hash & 1) ? weight : -weight;
  }

  std::span<float> out_;
  std::uint64_t previous_ = 0;  // the last content word, for bigrams
  float previous_weight_ = 0.0f;
  bool has_previous_ = false;
  bool after_to_ = false;  // "to" or "into" came since the last content word
};

}  // namespace

HashEmbedder::HashEmbedder(std::size_t dimension) : dimension_(std::max<std::size_t>(dimension, 1)) {}

std::vector<float> HashEmbedder::embed(std::string_view text) const {
  std::vector<float> v(dimension_, 0.0f);
  FeatureWriter(v).text(text);
  // float * float is exact in double, so this sum is the same with or without
  // fused multiply-add: bit-identical results everywhere.
  double sum = 0.0;
  for (float x : v) sum += static_cast<double>(x) * static_cast<double>(x);
  if (sum == 0.0) {
    std::fill(v.begin(), v.end(), 0.0f);  // no features (or -0.0 left behind)
    return v;
  }
  const double inverse_norm = 1.0 / std::sqrt(sum);
  for (float& x : v) x = static_cast<float>(static_cast<double>(x) * inverse_norm);
  return v;
}

float HashEmbedder::cosine(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size() || a.empty()) return 0.0f;
  double dot = 0.0;
  double norm_a = 0.0;
  double norm_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * static_cast<double>(b[i]);
    norm_a += static_cast<double>(a[i]) * static_cast<double>(a[i]);
    norm_b += static_cast<double>(b[i]) * static_cast<double>(b[i]);
  }
  if (norm_a == 0.0 || norm_b == 0.0) return 0.0f;
  const double c = dot / std::sqrt(norm_a * norm_b);
  return static_cast<float>(std::clamp(c, -1.0, 1.0));
}

}  // namespace devagent::llm
