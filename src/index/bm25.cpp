#include "index/bm25.h"

#include <algorithm>
#include <cctype>
#include <cmath>
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

void Bm25Index::add(std::uint64_t key, std::string_view text) {
  auto terms = bm25_terms(text);
  std::unordered_map<std::string, std::uint32_t> tf;
  for (auto& t : terms) ++tf[t];
  std::unique_lock lock(mutex_);
  remove_locked(key);
  std::vector<std::string> distinct;
  distinct.reserve(tf.size());
  auto length = static_cast<std::uint32_t>(terms.size());
  for (auto& [term, count] : tf) {
    postings_[term].push_back(Posting{key, count, length});
    distinct.push_back(term);
  }
  doc_terms_[key] = std::move(distinct);
  doc_length_[key] = static_cast<std::uint32_t>(terms.size());
  total_length_ += terms.size();
}

void Bm25Index::remove_locked(std::uint64_t key) {
  auto it = doc_terms_.find(key);
  if (it == doc_terms_.end()) return;
  for (const auto& term : it->second) {
    auto p = postings_.find(term);
    if (p == postings_.end()) continue;
    auto& list = p->second;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const Posting& x) { return x.key == key; }), list.end());
    if (list.empty()) postings_.erase(p);
  }
  total_length_ -= doc_length_[key];
  doc_length_.erase(key);
  doc_terms_.erase(it);
}

bool Bm25Index::remove(std::uint64_t key) {
  std::unique_lock lock(mutex_);
  if (!doc_terms_.count(key)) return false;
  remove_locked(key);
  return true;
}

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, std::size_t k) const {
  auto terms = bm25_terms(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::shared_lock lock(mutex_);
  std::vector<Bm25Hit> out;
  double n = static_cast<double>(doc_length_.size());
  if (n == 0 || k == 0) return out;
  double avg = static_cast<double>(total_length_) / n;
  // The postings lists of the query's terms, rarest first; common ones are
  // dropped while a rarer term is there.
  std::vector<const std::vector<Posting>*> lists;
  for (const auto& term : terms) {
    auto p = postings_.find(term);
    if (p != postings_.end()) lists.push_back(&p->second);
  }
  std::sort(lists.begin(), lists.end(), [](const auto* a, const auto* b) { return a->size() < b->size(); });
  std::size_t common = std::max<std::size_t>(1000, static_cast<std::size_t>(n / 20));
  while (lists.size() > 1 && lists.back()->size() > common) lists.pop_back();
  std::unordered_map<std::uint64_t, double> scores;
  for (const auto* list : lists) {
    double df = static_cast<double>(list->size());
    double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    double norm = kK1 * (1 - kB) , slope = kK1 * kB / std::max(avg, 1.0);
    for (const auto& posting : *list) {
      double tf = posting.tf;
      scores[posting.key] += idf * tf * (kK1 + 1) / (tf + norm + slope * posting.length);
    }
  }
  out.reserve(scores.size());
  for (auto& [key, score] : scores) out.push_back(Bm25Hit{key, score});
  auto better = [](const Bm25Hit& a, const Bm25Hit& b) { return a.score != b.score ? a.score > b.score : a.key < b.key; };
  if (out.size() > k) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), better);
    out.resize(k);
  } else {
    std::sort(out.begin(), out.end(), better);
  }
  return out;
}

std::size_t Bm25Index::size() const {
  std::shared_lock lock(mutex_);
  return doc_length_.size();
}

}  // namespace devagent::index
