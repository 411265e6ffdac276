#include "index/bm25.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <mutex>
#include <unordered_set>

namespace devagent::index {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

bool stop_word(std::string_view w) {
  static const std::unordered_set<std::string_view> words = {
      "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "did", "do", "does", "for", "from",
      "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on",
      "or", "our", "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to",
      "us", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "you",
      "your", "about", "again", "any", "all", "also", "been", "being", "just", "now", "some", "such",
      "than", "too", "very", "would", "should", "could", "s", "t"};
  return words.count(w) > 0;
}

bool word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }
bool joiner(unsigned char c) { return c == '.' || c == '/' || c == '-' || c == ':' || c == '#' || c == '@'; }

void add_pieces(std::string_view token, std::vector<std::string>& out) {
  // Identifier pieces: split at non-alphanumerics and lower→upper changes.
  std::string piece;
  auto flush = [&] {
    if (piece.size() > 0 && !stop_word(piece)) out.push_back(piece);
    piece.clear();
  };
  for (std::size_t i = 0; i < token.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    if (!std::isalnum(c) && c < 0x80) {
      flush();
      continue;
    }
    if (i > 0 && std::isupper(c) && std::islower(static_cast<unsigned char>(token[i - 1]))) flush();
    piece.push_back(static_cast<char>(std::tolower(c)));
  }
  flush();
}

}  // namespace

std::vector<std::string> bm25_terms(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_char(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    // A token runs over word characters and inner joiners ("db-staging-7", "a/b.cpp").
    while (i < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (word_char(c)) {
        ++i;
      } else if (joiner(c) && i + 1 < text.size() && word_char(static_cast<unsigned char>(text[i + 1]))) {
        ++i;
      } else {
        break;
      }
    }
    if (i == start) continue;
    std::string_view token = text.substr(start, i - start);
    std::string lower;
    lower.reserve(token.size());
    for (unsigned char c : token) lower.push_back(static_cast<char>(std::tolower(c)));
    std::size_t before = out.size();
    add_pieces(token, out);
    bool single_piece = out.size() == before + 1 && out.back() == lower;
    if (!single_piece && !stop_word(lower) && lower.size() > 1) out.push_back(lower);
  }
  return out;
}

namespace {

constexpr std::size_t kBlock = 64;  // postings per block-max entry
constexpr std::uint32_t kNoDoc = std::numeric_limits<std::uint32_t>::max();
// A bound counts as below a score only when it is below by more than
// rounding could explain (bounds are summed in another order than scores).
bool below(double bound, double score) { return bound * (1 + 1e-9) < score; }

// The k best hits seen so far; the worst of them on top.
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) { hits_.reserve(k + 1); }
  static bool better(const Bm25Hit& a, const Bm25Hit& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  }
  bool full() const { return hits_.size() >= k_; }
  // The score a document must at least reach to get in (0 until full).
  double threshold() const { return full() ? hits_.front().score : 0; }
  void offer(Bm25Hit h) {
    if (full() && !better(h, hits_.front())) return;
    hits_.push_back(h);
    std::push_heap(hits_.begin(), hits_.end(), better);
    if (hits_.size() > k_) {
      std::pop_heap(hits_.begin(), hits_.end(), better);
      hits_.pop_back();
    }
  }
  std::vector<Bm25Hit> sorted() && {
    std::sort(hits_.begin(), hits_.end(), better);
    return std::move(hits_);
  }

 private:
  std::size_t k_;
  std::vector<Bm25Hit> hits_;
};

}  // namespace

// One query term's postings, walked in document order.
struct Bm25Index::Cursor {
  const Postings* postings;
  double idf;
  double norm;   // k1 (1 - b)
  double slope;  // k1 b / average length
  double bound;  // the largest score any of its postings can give
  std::size_t pos = 0;

  double score(std::uint32_t tf, std::uint32_t length) const {
    double t = tf;
    return idf * t * (kK1 + 1) / (t + norm + slope * length);
  }
  double block_bound(std::size_t block) const {
    const auto& b = postings->blocks[block];
    return score(b.tf, b.length);
  }
  std::uint32_t doc() const { return pos < postings->list.size() ? postings->list[pos].doc : kNoDoc; }
  // The last document of the block the cursor is in.
  std::uint32_t block_last() const {
    return postings->list[std::min(postings->list.size(), (pos / kBlock + 1) * kBlock) - 1].doc;
  }
  // Moves to the first posting of a document >= target (galloping, then binary search).
  void seek(std::uint32_t target) {
    const auto& list = postings->list;
    if (pos >= list.size() || list[pos].doc >= target) return;
    std::size_t lo = pos, step = 1, hi = pos + 1;
    while (hi < list.size() && list[hi].doc < target) {
      lo = hi;
      step *= 2;
      hi = pos + step;
    }
    hi = std::min(hi + 1, list.size());
    pos = static_cast<std::size_t>(
        std::lower_bound(list.begin() + static_cast<std::ptrdiff_t>(lo), list.begin() + static_cast<std::ptrdiff_t>(hi),
                         target, [](const Posting& p, std::uint32_t d) { return p.doc < d; }) -
        list.begin());
  }
};

void Bm25Index::add(std::uint64_t key, std::string_view text) {
  auto terms = bm25_terms(text);
  std::unordered_map<std::string, std::uint32_t> tf;
  for (auto& t : terms) ++tf[t];
  std::unique_lock lock(mutex_);
  remove_locked(key);
  auto doc = static_cast<std::uint32_t>(key_of_doc_.size());
  key_of_doc_.push_back(key);
  auto length = static_cast<std::uint32_t>(terms.size());
  Document d{doc, length, {}};
  d.terms.reserve(tf.size());
  for (auto& [term, count] : tf) {
    auto& p = postings_[term];
    if (p.list.size() % kBlock == 0) {
      p.blocks.push_back(BlockMax{count, length});
    } else {
      p.blocks.back().tf = std::max(p.blocks.back().tf, count);
      p.blocks.back().length = std::min(p.blocks.back().length, length);
    }
    p.list.push_back(Posting{doc, count, length});
    d.terms.push_back(term);
  }
  documents_[key] = std::move(d);
  total_length_ += length;
}

void Bm25Index::remove_locked(std::uint64_t key) {
  auto it = documents_.find(key);
  if (it == documents_.end()) return;
  std::uint32_t doc = it->second.doc;
  for (const auto& term : it->second.terms) {
    auto p = postings_.find(term);
    if (p == postings_.end()) continue;
    auto& list = p->second.list;
    auto at = std::lower_bound(list.begin(), list.end(), doc, [](const Posting& x, std::uint32_t d) { return x.doc < d; });
    if (at != list.end() && at->doc == doc) list.erase(at);
    if (list.empty()) {
      postings_.erase(p);
      continue;
    }
    // The blocks after the removed posting shift by one: recompute them all.
    auto& blocks = p->second.blocks;
    blocks.assign((list.size() + kBlock - 1) / kBlock, BlockMax{0, std::numeric_limits<std::uint32_t>::max()});
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto& b = blocks[i / kBlock];
      b.tf = std::max(b.tf, list[i].tf);
      b.length = std::min(b.length, list[i].length);
    }
  }
  total_length_ -= it->second.length;
  documents_.erase(it);
}

bool Bm25Index::remove(std::uint64_t key) {
  std::unique_lock lock(mutex_);
  if (!documents_.count(key)) return false;
  remove_locked(key);
  return true;
}

std::vector<Bm25Index::Cursor> Bm25Index::cursors(std::string_view query) const {
  auto terms = bm25_terms(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::vector<Cursor> out;
  double n = static_cast<double>(documents_.size());
  if (n == 0) return out;
  double avg = std::max(1.0, static_cast<double>(total_length_) / n);
  for (const auto& term : terms) {
    auto p = postings_.find(term);
    if (p == postings_.end()) continue;
    double df = static_cast<double>(p->second.list.size());
    Cursor c{&p->second, std::log(1.0 + (n - df + 0.5) / (df + 0.5)), kK1 * (1 - kB), kK1 * kB / avg, 0};
    for (std::size_t b = 0; b < p->second.blocks.size(); ++b) c.bound = std::max(c.bound, c.block_bound(b));
    out.push_back(c);
  }
  // Smallest bound first (ties in term order): the order scores are summed
  // in, by both searches, so that they agree to the last bit.
  std::stable_sort(out.begin(), out.end(), [](const Cursor& a, const Cursor& b) { return a.bound < b.bound; });
  return out;
}

std::vector<Bm25Hit> Bm25Index::search_exhaustive(std::string_view query, std::size_t k) const {
  std::shared_lock lock(mutex_);
  auto lists = cursors(query);
  if (lists.empty() || k == 0) return {};
  std::vector<double> score(key_of_doc_.size(), 0.0);
  std::vector<std::uint32_t> touched;
  for (const auto& c : lists) {
    for (const auto& p : c.postings->list) {
      if (score[p.doc] == 0) touched.push_back(p.doc);
      score[p.doc] += c.score(p.tf, p.length);
    }
  }
  TopK top(k);
  for (auto doc : touched) top.offer(Bm25Hit{key_of_doc_[doc], score[doc]});
  return std::move(top).sorted();
}

// Block-max MaxScore (Turtle & Flood 1995; block maxima as in Ding & Suel
// 2011). Lists are ordered by their score bound, smallest first. While the
// top k is full, the lists whose bounds sum below the k-th score are
// "non-essential": a document in none of the others cannot get in, so only
// documents of the essential lists are visited, and the non-essential lists
// are probed for them (and not at all once the score so far plus their
// bounds falls short). Before a document is scored, the essential lists'
// current blocks bound every document up to the first block end; when that
// bound falls short, the lists jump past it.
std::vector<Bm25Hit> Bm25Index::search(std::string_view query, std::size_t k) const {
  std::shared_lock lock(mutex_);
  auto lists = cursors(query);
  if (lists.empty() || k == 0) return {};
  const std::size_t m = lists.size();
  std::vector<double> prefix(m);  // prefix[i]: the bounds of lists 0..i, summed
  for (std::size_t i = 0; i < m; ++i) prefix[i] = (i ? prefix[i - 1] : 0) + lists[i].bound;
  std::vector<double> part(m);
  TopK top(k);
  std::size_t essential = 0;  // lists [essential, m) are essential
  for (;;) {
    while (essential < m && top.full() && below(prefix[essential], top.threshold())) ++essential;
    if (essential == m) break;
    std::uint32_t doc = kNoDoc;
    for (std::size_t i = essential; i < m; ++i) doc = std::min(doc, lists[i].doc());
    if (doc == kNoDoc) break;
    double rest = essential ? prefix[essential - 1] : 0;  // what the non-essential lists can add

    if (top.full()) {
      double bound = rest;
      std::uint32_t until = kNoDoc;
      for (std::size_t i = essential; i < m; ++i) {
        if (lists[i].doc() == kNoDoc) continue;
        bound += lists[i].block_bound(lists[i].pos / kBlock);
        until = std::min(until, lists[i].block_last());
      }
      if (below(bound, top.threshold())) {
        for (std::size_t i = essential; i < m; ++i) lists[i].seek(until + 1);
        continue;
      }
    }

    double sum = 0;  // the essential lists' part of the score
    for (std::size_t i = 0; i < m; ++i) part[i] = 0;
    for (std::size_t i = essential; i < m; ++i) {
      auto& c = lists[i];
      if (c.doc() != doc) continue;
      const auto& p = c.postings->list[c.pos];
      part[i] = c.score(p.tf, p.length);
      sum += part[i];
      ++c.pos;
    }
    bool out = false;
    for (std::size_t i = essential; i-- > 0;) {
      if (below(sum + prefix[i], top.threshold())) {
        out = true;
        break;
      }
      auto& c = lists[i];
      c.seek(doc);
      if (c.doc() != doc) continue;
      const auto& p = c.postings->list[c.pos];
      part[i] = c.score(p.tf, p.length);
      sum += part[i];
    }
    if (out) continue;
    double score = 0;
    for (std::size_t i = 0; i < m; ++i) score += part[i];  // in list order, as search_exhaustive sums
    top.offer(Bm25Hit{key_of_doc_[doc], score});
  }
  return std::move(top).sorted();
}

std::size_t Bm25Index::size() const {
  std::shared_lock lock(mutex_);
  return documents_.size();
}

}  // namespace devagent::index
