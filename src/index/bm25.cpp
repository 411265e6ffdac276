#include "index/bm25.h"

#include <algorithm>
#include <atomic>
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

// Why search() may skip a document or block whose bound merely EQUALS the
// k-th score, with no rounding slack:
//
// 1. Ties. Equal scores go to the smaller document number (TopK::better),
//    and search() visits documents in increasing number, so once the top k
//    is full, every document still to come is numbered after all of those
//    held: with a score equal to the k-th it loses the tie. It gets in only
//    with a score strictly above the k-th one (TopK::excludes).
// 2. Bounds. A document's score is summed over the query's lists in one
//    fixed order (Cursor order), adding its term's part or nothing, and every
//    bound search() compares is summed in that same order from parts at
//    least as large: a list's bound, a block's bound, or the part already
//    scored. Rounding to nearest is monotone (a <= b implies fl(a + x) <=
//    fl(b + x)), so the computed score is <= the computed bound, exactly.
// 3. Parts. A block's bound is Cursor::score at the block's largest tf and
//    shortest length, so every posting's part is at most its block's bound,
//    which is at most its list's bound. Shorter length: a larger or equal
//    computed score, exactly (each step of the formula is monotone in it).
//    Larger tf: the real score idf (k1 + 1) tf / (tf + c), c >= k1 (1 - b)
//    = 0.3, grows by a factor of at least 1 + 0.3 / (tf (tf + 1.3)) per unit
//    of tf, and the computed one is within 6 roundings (each at most 2^-53
//    relative) of it; for tf < 2^23 that growth (> 4e-15) exceeds the two
//    values' rounding together (< 1.4e-15), so the computed score is
//    monotone too. Past that (a term 8 million times in one document) the
//    block bound keeps a relative slack of 1e-9 (Cursor::block_bound).
//
// The results equal search_exhaustive's to the last bit as long as the
// compiler evaluates Cursor::score the same way everywhere (no -ffast-math;
// an FMA contraction of its denominator would keep it monotone).
constexpr std::uint32_t kExactTf = 1u << 23;

// The k best documents seen so far; the worst of them on top. Equal scores
// go to the smaller document number, i.e. the document added (or last
// replaced) first.
//
// A query split into parts (ranges of documents searched apart, maybe on
// other threads) shares a floor: the largest k-th score any part has, which
// the k-th score of the whole query is at least. A document whose bound is
// strictly below it cannot get in. (Not when equal: the part holding that
// score may hold documents numbered after this one, which lose the tie.)
class TopK {
 public:
  TopK(std::size_t k, std::atomic<double>* floor) : k_(k), floor_(floor) { hits_.reserve(k + 1); }
  bool full() const { return hits_.size() >= k_; }
  double floor() const { return floor_ ? floor_->load(std::memory_order_relaxed) : 0; }
  // Whether some documents can be left out: the top k is full or a floor is set.
  bool limited() const { return full() || floor() > 0; }
  // At least the score a document needs to get in.
  double threshold() const { return std::max(full() ? hits_.front().score : 0, floor()); }
  // Whether a document scoring at most bound, numbered after every document
  // offered so far, cannot get in (it would at best tie the k-th and lose).
  bool excludes(double bound) const { return (full() && bound <= hits_.front().score) || bound < floor(); }
  void offer(double score, std::uint32_t doc) {
    Entry e{score, doc};
    if (full() && !better(e, hits_.front())) return;
    hits_.push_back(e);
    std::push_heap(hits_.begin(), hits_.end(), better);
    if (hits_.size() > k_) {
      std::pop_heap(hits_.begin(), hits_.end(), better);
      hits_.pop_back();
    }
    if (floor_ && full()) raise_floor(hits_.front().score);
  }
  struct Entry {
    double score;
    std::uint32_t doc;
  };
  static bool better(const Entry& a, const Entry& b) { return a.score != b.score ? a.score > b.score : a.doc < b.doc; }
  std::vector<Entry> take() && { return std::move(hits_); }

 private:
  void raise_floor(double score) {
    double now = floor_->load(std::memory_order_relaxed);
    while (now < score && !floor_->compare_exchange_weak(now, score, std::memory_order_relaxed)) {
    }
  }
  std::size_t k_;
  std::atomic<double>* floor_;
  std::vector<Entry> hits_;
};

// The best k of the parts' entries, as keys.
std::vector<Bm25Hit> best_of(std::vector<TopK::Entry> entries, std::size_t k,
                             const std::vector<std::uint64_t>& key_of_doc) {
  std::size_t n = std::min(k, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n), entries.end(), TopK::better);
  std::vector<Bm25Hit> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(Bm25Hit{key_of_doc[entries[i].doc], entries[i].score});
  return out;
}

}  // namespace

// One query term's postings, walked in document order: those in [pos, end),
// the documents of the query's part.
struct Bm25Index::Cursor {
  const Postings* postings;
  double idf;
  double norm;   // k1 (1 - b)
  double slope;  // k1 b / average length
  double bound;  // the largest score any of its postings can give
  std::size_t pos = 0;
  std::size_t end = 0;
  std::size_t bound_block = std::numeric_limits<std::size_t>::max();  // the block of bound_of_block
  double bound_of_block = 0;

  double score(std::uint32_t tf, std::uint32_t length) const {
    double t = tf;
    return idf * t * (kK1 + 1) / (t + norm + slope * length);
  }
  // At least the computed score of every posting in the block (see above).
  double block_bound(std::size_t block) const {
    const auto& b = postings->blocks[block];
    double s = score(b.tf, b.length);
    return b.tf < kExactTf ? s : s * (1 + 1e-9);
  }
  // The bound of the block the cursor is in, computed once per block.
  double current_block_bound() {
    if (pos / kBlock != bound_block) {
      bound_block = pos / kBlock;
      bound_of_block = block_bound(bound_block);
    }
    return bound_of_block;
  }
  std::uint32_t doc() const { return pos < end ? postings->list[pos].doc : kNoDoc; }
  // The last document of the block the cursor is in (within the part).
  std::uint32_t block_last() const { return postings->list[std::min(end, (pos / kBlock + 1) * kBlock) - 1].doc; }
  // The position of the first posting of a document >= target in [from, to).
  std::size_t find(std::uint32_t target, std::size_t from, std::size_t to) const {
    const auto& list = postings->list;
    return static_cast<std::size_t>(std::lower_bound(list.begin() + static_cast<std::ptrdiff_t>(from),
                                                     list.begin() + static_cast<std::ptrdiff_t>(to), target,
                                                     [](const Posting& p, std::uint32_t d) { return p.doc < d; }) -
                                    list.begin());
  }
  // Narrows the cursor to the documents numbered in [first, last).
  void restrict(std::uint32_t first, std::uint32_t last) {
    pos = find(first, 0, postings->list.size());
    end = find(last, pos, postings->list.size());
  }
  // Moves to the first posting of a document >= target (galloping, then binary search).
  void seek(std::uint32_t target) {
    const auto& list = postings->list;
    if (pos >= end || list[pos].doc >= target) return;
    std::size_t lo = pos, step = 1, hi = pos + 1;
    while (hi < end && list[hi].doc < target) {
      lo = hi;
      step *= 2;
      hi = pos + step;
    }
    pos = find(target, lo, std::min(hi + 1, end));
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
    c.end = p->second.list.size();
    for (std::size_t b = 0; b < p->second.blocks.size(); ++b) c.bound = std::max(c.bound, c.block_bound(b));
    out.push_back(c);
  }
  // Smallest bound first (ties in term order): the order scores are summed
  // in, by both searches, so that they agree to the last bit.
  std::stable_sort(out.begin(), out.end(), [](const Cursor& a, const Cursor& b) { return a.bound < b.bound; });
  return out;
}

struct Bm25Index::Query::State {
  const Bm25Index* index = nullptr;
  std::shared_lock<std::shared_mutex> lock;
  std::vector<Cursor> lists;
  std::size_t k = 0;
  bool score_all = false;
  std::vector<std::uint32_t> bounds;              // part i: the documents numbered in [bounds[i], bounds[i + 1])
  std::vector<std::vector<TopK::Entry>> results;  // each part's top k
  std::atomic<double> floor{0};

  void score_every_posting(const std::vector<Cursor>& parts_lists, TopK& top) const;
  void max_score(std::vector<Cursor>& parts_lists, TopK& top) const;
};

Bm25Index::Query::Query() = default;
Bm25Index::Query::Query(Query&&) noexcept = default;
Bm25Index::Query& Bm25Index::Query::operator=(Query&&) noexcept = default;
Bm25Index::Query::~Query() = default;

std::size_t Bm25Index::Query::parts() const {
  return s_ ? s_->results.size() : 0;
}

void Bm25Index::Query::run(std::size_t part) {
  auto& s = *s_;
  auto lists = s.lists;
  for (auto& c : lists) c.restrict(s.bounds[part], s.bounds[part + 1]);
  TopK top(s.k, s.results.size() > 1 ? &s.floor : nullptr);
  if (s.score_all) {
    s.score_every_posting(lists, top);
  } else {
    s.max_score(lists, top);
  }
  s.results[part] = std::move(top).take();
}

std::vector<Bm25Hit> Bm25Index::Query::result() && {
  auto s = std::move(s_);  // and the lock with it, once merged
  if (!s) return {};
  std::vector<TopK::Entry> all;
  for (auto& r : s->results) all.insert(all.end(), r.begin(), r.end());
  return best_of(std::move(all), s->k, s->index->key_of_doc_);
}

Bm25Index::Query Bm25Index::prepare(std::string_view query, std::size_t k, std::size_t max_parts) const {
  return prepare(query, k, max_parts, false);
}

Bm25Index::Query Bm25Index::prepare(std::string_view query, std::size_t k, std::size_t max_parts,
                                    bool exhaustive) const {
  Query q;
  auto s = std::make_unique<Query::State>();
  s->index = this;
  s->lock = std::shared_lock(mutex_);
  s->lists = cursors(query);
  if (s->lists.empty() || k == 0) return q;
  s->k = k;
  std::size_t postings = 0;
  for (const auto& c : s->lists) postings += c.postings->list.size();
  s->score_all = exhaustive || postings <= score_all_up_to_;
  std::size_t parts = postings >= split_from_ ? std::max<std::size_t>(1, max_parts) : 1;
  const std::uint64_t docs = key_of_doc_.size();
  for (std::size_t i = 0; i <= parts; ++i) s->bounds.push_back(static_cast<std::uint32_t>(docs * i / parts));
  s->results.resize(parts);
  q.s_ = std::move(s);
  return q;
}

namespace {

// Every part of a query, one after the other, on this thread.
std::vector<Bm25Hit> run_in_turn(Bm25Index::Query q) {
  for (std::size_t i = 0; i < q.parts(); ++i) q.run(i);
  return std::move(q).result();
}

}  // namespace

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, std::size_t k) const {
  return run_in_turn(prepare(query, k, 1));
}

std::vector<Bm25Hit> Bm25Index::search_exhaustive(std::string_view query, std::size_t k) const {
  return run_in_turn(prepare(query, k, 1, true));
}

// Term at a time into a dense accumulator, one per thread and reused: a
// fresh one per query (8 bytes a document ever added) costs more in page
// faults and zeroing than the scoring itself. Each document's parts are
// added in list order, as max_score() sums them.
void Bm25Index::Query::State::score_every_posting(const std::vector<Cursor>& parts_lists, TopK& top) const {
  thread_local std::vector<double> score;
  thread_local std::vector<std::uint32_t> touched;
  if (score.size() < index->key_of_doc_.size()) score.resize(index->key_of_doc_.size(), 0.0);
  touched.clear();
  for (const auto& c : parts_lists) {
    const auto& list = c.postings->list;
    for (std::size_t i = c.pos; i < c.end; ++i) {
      const auto& p = list[i];
      double& s = score[p.doc];
      if (s == 0) touched.push_back(p.doc);
      s += c.score(p.tf, p.length);
    }
  }
  for (auto doc : touched) {
    top.offer(score[doc], doc);
    score[doc] = 0;
  }
}

// Block-max MaxScore (Turtle & Flood 1995; block maxima as in Ding & Suel
// 2011). Lists are ordered by their score bound, smallest first. While the
// top k is full (or the parts' floor is set), the lists whose bounds sum to
// at most the k-th score are "non-essential": a document in none of the
// others cannot get in (at best it ties the k-th, and loses: see the comment
// at the top), so only documents of the essential lists are visited, in
// increasing number, and the non-essential lists are probed for them (and
// not at all once the score so far plus their bounds falls short). Before a
// document is scored, the essential lists' current blocks bound every
// document up to the first block end; when that bound falls short, the lists
// jump past it.
void Bm25Index::Query::State::max_score(std::vector<Cursor>& lists, TopK& top) const {
  const std::size_t m = lists.size();
  std::vector<double> prefix(m);  // prefix[i]: the bounds of lists 0..i, summed
  for (std::size_t i = 0; i < m; ++i) prefix[i] = (i ? prefix[i - 1] : 0) + lists[i].bound;
  std::vector<double> part(m);
  std::size_t essential = 0;  // lists [essential, m) are essential
  for (;;) {
    while (essential < m && top.excludes(prefix[essential])) ++essential;
    if (essential == m) break;
    std::uint32_t doc = kNoDoc;
    for (std::size_t i = essential; i < m; ++i) doc = std::min(doc, lists[i].doc());
    if (doc == kNoDoc) break;

    if (top.limited()) {
      // What the non-essential lists can add, then the essential lists'
      // current blocks: in list order, as scores are summed.
      double bound = essential ? prefix[essential - 1] : 0;
      std::uint32_t until = kNoDoc;
      for (std::size_t i = essential; i < m; ++i) {
        if (lists[i].doc() == kNoDoc) continue;
        bound += lists[i].current_block_bound();
        until = std::min(until, lists[i].block_last());
      }
      if (top.excludes(bound)) {
        for (std::size_t i = essential; i < m; ++i) lists[i].seek(until + 1);
        continue;
      }
    }

    double sum = 0;  // the parts known so far, in the order found
    for (std::size_t i = 0; i < m; ++i) part[i] = 0;
    for (std::size_t i = essential; i < m; ++i) {
      auto& c = lists[i];
      if (c.doc() != doc) continue;
      const auto& p = c.postings->list[c.pos];
      part[i] = c.score(p.tf, p.length);
      sum += part[i];
      ++c.pos;
    }
    // Whether the document cannot get in though the lists 0..i (not probed
    // yet) add their bounds. The exact test sums those bounds and the known
    // parts in list order (see the top), in O(m); it is needed only when
    // the sum in the order found, which is within rounding (far less than
    // 1e-9 relative) of it, comes near the k-th score.
    auto excluded = [&](std::size_t i) {
      if (!top.limited() || sum + prefix[i] > top.threshold() * (1 + 1e-9)) return false;
      double bound = prefix[i];
      for (std::size_t j = i + 1; j < m; ++j) bound += part[j];
      return top.excludes(bound);
    };
    bool out = false;
    for (std::size_t i = essential; i-- > 0;) {
      if (excluded(i)) {
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
    for (std::size_t i = 0; i < m; ++i) score += part[i];  // in list order, as score_every_posting sums
    top.offer(score, doc);
  }
}

std::size_t Bm25Index::size() const {
  std::shared_lock lock(mutex_);
  return documents_.size();
}

}  // namespace devagent::index
