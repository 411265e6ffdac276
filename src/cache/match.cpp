// The semantic-cache decision (cache/match.h). docs/cache.md, "Matching",
// describes the stages, the guard's rules and the word policy.
//
// A question goes through three passes:
//   1. chunks: whitespace-separated pieces, trailing punctuation noted (it
//      ends a clause), paths / repository slugs / versions / dotted names kept
//      whole, other chunks split into words (hyphens split, snake_case and
//      camelCase identifiers kept whole);
//   2. phrases: word sequences the lexicon reads as one word
//      ("virtual environment" -> venv, "written in" -> use);
//   3. items: each word classified by the shared lexicon (llm/lexicon.h) into
//      a content term (with its aspect) or a dropped word (stop word, question
//      filler, request verb), keeping the markers the guard needs: negation,
//      "to"/"into" pivots, "by" after a relation verb, clause ends.
// The aspects and directions are read off the items; the embedding is the
// hash embedding of the sorted, unique terms.
#include "cache/match.h"

#include "core/text.h"
#include "llm/hash_embedder.h"
#include "llm/lexicon.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>

namespace devagent::cache {
namespace {

using llm::WordClass;

// ---------------------------------------------------------------------------
// The cache's word policy on top of the lexicon's classes. Words are given as
// written and compared by their canonical form (see canonical_set()).
// ---------------------------------------------------------------------------

// Generic words (lexicon class) that still say what the question is about:
// kept as content terms. Every other generic word ("best", "explain",
// "example", "help", "way") is dropped.
constexpr std::string_view kContentGeneric[] = {
    "code", "compare", "create", "efficient", "efficiently", "fastest", "implement", "issue", "problem", "right", "use",
};

// Stop words (lexicon class) whose difference changes the answer: quantity
// and degree ("all branches", "least popular"), particles of phrasal verbs
// ("log out", "sign up"). Kept as content terms.
constexpr std::string_view kContentStopWords[] = {
    // clang-format off
    "all", "another", "both", "each", "either", "every", "few", "least", "less", "many", "more", "most", "neither",
    "only", "other", "out", "same", "up",
    // clang-format on
};

// Verbs that only ask for something ("find", "list", "show me"): dropped when
// they are the first content word of the question, kept elsewhere ("reverse
// a list").
constexpr std::string_view kRequestVerbs[] = {
    // clang-format off
    "analyze", "describe", "display", "find", "get", "give", "list", "lookup", "retrieve", "search", "see", "show",
    "tell",
    // clang-format on
};

// Ordinary words that only frame a question ("the purpose of X"): dropped.
constexpr std::string_view kFiller[] = {"purpose"};

// Question words that change the answer ("why does X fail" is not "how").
constexpr std::string_view kKeptQuestionWords[] = {"when", "where", "why"};

// Stop words that negate. "n't" contractions become "not" while chunking.
constexpr std::string_view kNegations[] = {"cannot", "never", "no", "nor", "not", "without"};

// Verbs of directional relations: which side of the verb an entity is on
// matters ("files that import X" vs "files X imports").
constexpr std::string_view kRelationVerbs[] = {
    "call", "depend", "extend", "import", "include", "inherit", "reference", "require", "use",
};

// Soft words: present in one question and not the other, they do not make a
// miss by themselves (the threshold still applies). They frame rather than
// change the answer: "a Python script to ..." / "the git command to ...".
constexpr std::string_view kSoftWords[] = {
    "code", "command", "keyword", "language", "program", "project", "repository", "script", "snippet", "tool", "use",
};

// First path segments that make "a/b" a path, not an owner/name slug.
constexpr std::string_view kDirectoryNames[] = {
    "app",      "assets", "bin", "build",  "cmd",     "components", "config", "dist",  "doc",   "docs",  "include",
    "internal", "lib",    "pkg", "public", "scripts", "src",        "test",   "tests", "tools", "utils", "vendor",
};

// File name extensions: "router.cpp" is a path, "os.path" a dotted name.
constexpr std::string_view kExtensions[] = {
    "bat",    "c",   "cc",     "cfg",   "cjs",  "conf",  "cpp",  "cs",  "css",  "csv", "cxx",  "dart",  "env",  "go",
    "gradle", "h",   "hpp",    "htm",   "html", "ini",   "java", "js",  "json", "jsx", "kt",   "kts",   "lock", "lua",
    "md",     "mjs", "mod",    "php",   "pl",   "proto", "ps1",  "py",  "rb",   "rs",  "rst",  "scala", "scss", "sh",
    "sql",    "sum", "svelte", "swift", "toml", "ts",    "tsx",  "txt", "vue",  "xml", "yaml", "yml",   "zig",
};

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

// The canonical forms of a word list, for comparing with classified words.
template <std::size_t N>
std::set<std::string, std::less<>> canonical_set(const std::string_view (&list)[N]) {
  std::set<std::string, std::less<>> out;
  for (auto w : list) out.insert(llm::classify(w).canonical);
  return out;
}

struct Policy {
  std::set<std::string, std::less<>> content_generic = canonical_set(kContentGeneric);
  std::set<std::string, std::less<>> request_verbs = canonical_set(kRequestVerbs);
  std::set<std::string, std::less<>> relation_verbs = canonical_set(kRelationVerbs);
  std::set<std::string, std::less<>> soft = canonical_set(kSoftWords);
  std::set<std::string, std::less<>> filler = canonical_set(kFiller);

  static const Policy& instance() {
    static const Policy policy;
    return policy;
  }
};

// ---------------------------------------------------------------------------
// Characters.
// ---------------------------------------------------------------------------
bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Characters that join the parts of one token: paths, slugs, versions,
// identifiers. Anything else inside a chunk separates words.
bool is_connector(char c) {
  return c == '/' || c == '\\' || c == '.' || c == '_' || c == '-' || c == '@' || c == ':';
}

std::vector<std::string_view> chunks_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// A chunk without its surrounding punctuation; "c++", "c#" keep their suffix.
struct Trimmed {
  std::string_view core;
  bool ends_clause = false;  // ".", "?", "!", ";", ":" or "," followed
};
Trimmed trim(std::string_view chunk) {
  std::size_t b = 0;
  while (b < chunk.size() && !is_word_char(chunk[b])) ++b;
  std::size_t e = chunk.size();
  while (e > b && !is_word_char(chunk[e - 1])) --e;
  std::string_view tail = chunk.substr(e);
  if (e > b && (tail.starts_with("++") || tail.starts_with("#"))) {
    const std::size_t suffix = tail.starts_with("++") ? 2 : 1;
    e += suffix;
    tail.remove_prefix(suffix);
  }
  return {chunk.substr(b, e - b), tail.find_first_of(".?!;:,") != std::string_view::npos};
}

// ---------------------------------------------------------------------------
// Pass 1: tokens.
// ---------------------------------------------------------------------------
enum class TokenKind { word, number, path, repository, dotted };

struct Token {
  TokenKind kind = TokenKind::word;
  std::string text;          // lower case; for identifiers without '_' ("getusername")
  bool capitalised = false;  // written with a capital first letter ("Go")
  bool identifier = false;   // camelCase or snake_case: not stemmed
  bool ends_clause = false;
  bool first = false;  // the first token of the question
};

bool is_version(std::string_view s) {
  if (s.starts_with('v') && s.size() > 1 && is_digit(s[1])) s.remove_prefix(1);
  if (s.ends_with(".x")) s.remove_suffix(2);
  if (s.empty() || !is_digit(s.front()) || !is_digit(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == '.'; });
}
std::string version_text(std::string_view s) {
  if (s.starts_with('v')) s.remove_prefix(1);
  if (s.ends_with(".x")) s.remove_suffix(2);
  return std::string(s);
}

bool has_extension(std::string_view s) {
  const auto dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  return contains(kExtensions, s.substr(dot + 1));
}

// A word of letters then digits ("python3", "utf8", "v18", "int32"): the
// letters and the number, unless the lexicon knows the whole ("k8s").
void push_word(std::vector<Token>& out, std::string_view raw, const Token& base) {
  if (raw.empty()) return;
  Token t = base;
  t.capitalised = raw[0] >= 'A' && raw[0] <= 'Z';
  // camelCase: a lower-case letter before an upper-case one ("getUserName";
  // not "CLIs", "HTTP").
  bool camel = false;
  for (std::size_t i = 1; i < raw.size(); ++i) {
    camel = camel || (raw[i - 1] >= 'a' && raw[i - 1] <= 'z' && raw[i] >= 'A' && raw[i] <= 'Z');
  }
  t.text = ascii_lower(raw);
  std::erase(t.text, '_');
  t.identifier = raw.find('_') != std::string_view::npos || camel;
  if (all_digits(t.text)) {
    t.kind = TokenKind::number;
    out.push_back(std::move(t));
    return;
  }
  std::size_t letters = 0;
  while (letters < t.text.size() && !is_digit(t.text[letters])) ++letters;
  const bool letters_then_digits = letters > 0 && letters < t.text.size() && all_digits(t.text.substr(letters));
  if (!letters_then_digits || t.identifier) {
    out.push_back(std::move(t));
    return;
  }
  const std::string digits = t.text.substr(letters);
  std::string head = t.text.substr(0, letters);
  if (const auto* whole = llm::find_in_lexicon(t.text); whole && whole->feature.find(digits) != std::string::npos) {
    out.push_back(std::move(t));  // a name with a number in it
    return;
  }
  t.ends_clause = false;
  if (head != "v") {
    Token word = t;
    word.text = std::move(head);
    out.push_back(std::move(word));
  }
  Token number = base;
  number.kind = TokenKind::number;
  number.text = digits;
  number.first = false;
  out.push_back(std::move(number));
}

// A chunk with '/', '\\' or an inner '.': a path, a repository slug, a
// version, a dotted name, or a technology written with a dot ("node.js").
bool push_compound(std::vector<Token>& out, std::string_view core, const Token& base) {
  const bool slash = core.find_first_of("/\\") != std::string_view::npos;
  const bool dot = core.find('.') != std::string_view::npos;
  if (!slash && !dot) return false;
  const std::string text = ascii_lower(core);
  Token t = base;
  if (is_version(text)) {
    t.kind = TokenKind::number;
    t.text = version_text(text);
  } else if (llm::find_in_lexicon(text) != nullptr) {
    t.text = text;  // "node.js", "vue.js"
  } else if (slash) {
    const auto first_slash = text.find_first_of("/\\");
    const std::string_view head = std::string_view(text).substr(0, first_slash);
    const std::string_view rest = std::string_view(text).substr(first_slash + 1);
    const bool one_slash = rest.find_first_of("/\\") == std::string_view::npos && text[first_slash] == '/';
    if (one_slash && (head.size() <= 2 || rest.size() <= 2)) {
      // "i/o", "tcp/ip", "http/2": words, not a path.
      push_word(out, core.substr(0, first_slash), base);
      push_word(out, core.substr(first_slash + 1), base);
      return true;
    }
    // "vercel/next.js" is a repository too: a single slash after a name that
    // is not a usual directory.
    const bool repository = one_slash && !contains(kDirectoryNames, head) && !head.empty() && !rest.empty();
    t.kind = repository ? TokenKind::repository : TokenKind::path;
    t.text = text;
  } else {
    t.kind = has_extension(text) ? TokenKind::path : TokenKind::dotted;
    t.text = text;
  }
  out.push_back(std::move(t));
  return true;
}

// Splits a trimmed chunk into words at anything but letters, digits and '_'.
// "don't" -> don, not; "rust's" -> rust; "multi-threaded" -> multi, threaded.
void push_words(std::vector<Token>& out, std::string_view core, const Token& base) {
  std::string cleaned;
  cleaned.reserve(core.size());
  for (std::size_t i = 0; i < core.size(); ++i) {
    const char c = core[i];
    const bool apostrophe =
        c == '\'' || (static_cast<unsigned char>(c) == 0xE2 && core.substr(i).starts_with("\xE2\x80\x99"));
    if (apostrophe) {
      const std::size_t len = c == '\'' ? 1 : 3;
      const std::string_view after = core.substr(i + len);
      if (after == "t" || after == "T") {
        cleaned += " not";  // "doesn't" -> "doesn not"
        break;
      }
      if (after == "s" || after == "S" || after.empty()) break;  // "rust's", "users'"
      i += len - 1;                                              // "what're": drop the apostrophe
      continue;
    }
    cleaned += (is_word_char(c) || c == '_' || c == '+' || c == '#') ? c : ' ';
  }
  const auto words = chunks_of(cleaned);
  for (std::size_t i = 0; i < words.size(); ++i) {
    Token b = base;
    b.ends_clause = base.ends_clause && i + 1 == words.size();
    b.first = base.first && i == 0;
    push_word(out, words[i], b);
  }
}

// A chunk that is an operator ("==", "===", "&&", "->", "+="), without
// trailing sentence punctuation; empty if it is none. A lone "-" or "--" is
// a dash, not an operator.
std::string_view operator_of(std::string_view chunk) {
  while (chunk.size() > 1 && std::string_view(",.;?!").find(chunk.back()) != std::string_view::npos) {
    chunk.remove_suffix(1);
  }
  if (chunk.empty() || chunk.find_first_not_of("=<>!&|+-*/%^~:") != std::string_view::npos) return {};
  if (chunk.find_first_not_of('-') == std::string_view::npos) return {};
  if (chunk.size() == 1 && std::string_view("=<>%^~&|*").find(chunk[0]) == std::string_view::npos) return {};
  return chunk;
}

std::vector<Token> tokens_of(std::string_view question) {
  std::vector<Token> out;
  for (const auto chunk : chunks_of(question)) {
    const Trimmed t = trim(chunk);
    Token base;
    base.ends_clause = t.ends_clause;
    base.first = out.empty();
    if (const auto op = operator_of(chunk); !op.empty()) {
      base.kind = TokenKind::dotted;  // kept as written, never stemmed
      base.text = std::string(op);
      out.push_back(std::move(base));
      continue;
    }
    if (t.core.empty()) {
      if (t.ends_clause && !out.empty()) out.back().ends_clause = true;
      continue;
    }
    if (!push_compound(out, t.core, base)) push_words(out, t.core, base);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pass 2: phrases.
// ---------------------------------------------------------------------------
void fold_phrases(std::vector<Token>& tokens) {
  std::vector<Token> out;
  out.reserve(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    bool folded = false;
    for (const auto& phrase : llm::phrases()) {
      const auto words = chunks_of(phrase.words);
      if (i + words.size() > tokens.size()) continue;
      bool match = true;
      for (std::size_t k = 0; k < words.size() && match; ++k) {
        const Token& t = tokens[i + k];
        match = t.kind == TokenKind::word && t.text == words[k] && (k + 1 == words.size() || !t.ends_clause);
      }
      if (!match) continue;
      Token t = tokens[i];
      t.text = std::string(phrase.canonical);
      t.ends_clause = tokens[i + words.size() - 1].ends_clause;
      out.push_back(std::move(t));
      i += words.size() - 1;
      folded = true;
      break;
    }
    if (!folded) out.push_back(std::move(tokens[i]));
  }
  tokens = std::move(out);
}

// ---------------------------------------------------------------------------
// Pass 3: items.
// ---------------------------------------------------------------------------
enum class Aspect { none, repository, path, language, library, number };

struct Item {
  bool content = false;  // a term; otherwise a dropped word
  std::string term;      // the canonical form (content items)
  Aspect aspect = Aspect::none;
  bool soft = false;
  bool relation = false;    // a relation verb
  bool participle = false;  // ... written as a past participle ("imported", "used")
  bool pivot = false;       // "to" / "into"
  bool by = false;          // "by" (passive after a relation verb)
  bool in = false;          // "in" ("used in X" is passive too)
  bool of = false;          // "of" ("the imports of X": what X imports)
  bool than = false;        // "than", "over", "instead" (a comparison: which side is which matters)
  bool question = false;    // a question word kept as a term ("why")
  bool negation = false;
  bool stop = false;  // a stop word (dropped, but keeps a "to" chain)
  bool ends_clause = false;
};

// Nouns that make a preceding "go" the language ("go modules"), canonical.
constexpr std::string_view kGoNouns[] = {
    "app",     "channel", "cod",    "compil", "framework", "generic", "interfac", "librari", "modul", "packag",
    "program", "project", "routin", "runtim", "server",    "slic",    "struct",   "test",    "web",
};

// "Go" is a language when written "Go" after the first word or at the start
// before a content word ("Go: read a file", not "Go to definition"); "go" is
// when a noun of kGoNouns follows ("go modules") or "in", "with", "using" or
// "for" comes before.
bool is_go_language(const std::vector<Token>& tokens, std::size_t i) {
  const Token& t = tokens[i];
  if (t.text != "go" || t.kind != TokenKind::word) return false;
  if (t.capitalised && (!t.first || t.ends_clause)) return true;
  if (i + 1 < tokens.size() && contains(kGoNouns, llm::classify(tokens[i + 1].text).canonical)) return true;
  if (i == 0) {
    // "Go trim whitespace" but not "Go to definition", "Go back".
    if (!t.capitalised || i + 1 >= tokens.size()) return false;
    const std::string& next = tokens[1].text;
    return llm::classify(next).cls != WordClass::stop && next != "back" && next != "ahead" && next != "away";
  }
  const std::string& prev = tokens[i - 1].text;
  return prev == "in" || prev == "with" || prev == "using" || prev == "for";
}

Item classify_token(const std::vector<Token>& tokens, std::size_t i, bool seen_content) {
  const Policy& policy = Policy::instance();
  const Token& t = tokens[i];
  Item item;
  item.ends_clause = t.ends_clause;
  switch (t.kind) {
    case TokenKind::number:
      return {.content = true, .term = t.text, .aspect = Aspect::number, .ends_clause = t.ends_clause};
    case TokenKind::path:
      return {.content = true, .term = t.text, .aspect = Aspect::path, .ends_clause = t.ends_clause};
    case TokenKind::repository:
      return {.content = true, .term = t.text, .aspect = Aspect::repository, .ends_clause = t.ends_clause};
    case TokenKind::dotted:
      return {.content = true, .term = t.text, .ends_clause = t.ends_clause};
    case TokenKind::word:
      break;
  }
  if (is_go_language(tokens, i)) {
    return {.content = true, .term = "go", .aspect = Aspect::language, .ends_clause = t.ends_clause};
  }
  if (t.text == "over" || t.text == "instead") {  // "Rust over Go", "X instead of Y"
    item.stop = true;
    item.than = true;
    return item;
  }
  if (t.identifier && llm::find_in_lexicon(t.text) == nullptr) {
    return {.content = true, .term = t.text, .ends_clause = t.ends_clause};
  }
  const llm::Term word = llm::classify(t.text);
  switch (word.cls) {
    case WordClass::stop:
      if (contains(kContentStopWords, t.text)) {
        item.content = true;
        item.term = t.text;
        return item;
      }
      item.stop = true;
      item.negation = contains(kNegations, t.text);
      item.pivot = t.text == "to" || t.text == "into";
      item.by = t.text == "by";
      item.in = t.text == "in";
      item.of = t.text == "of";
      item.than = t.text == "than";
      return item;
    case WordClass::question:
      if (!contains(kKeptQuestionWords, t.text)) return item;
      item.question = true;
      break;
    case WordClass::generic:
      if (!policy.content_generic.contains(word.canonical)) return item;
      break;
    case WordClass::technology:
      item.content = true;
      item.term = word.canonical;
      item.aspect = llm::is_programming_language(word.canonical) ? Aspect::language : Aspect::library;
      return item;
    case WordClass::number:
      item.aspect = Aspect::number;
      break;
    case WordClass::ordinary:
      if (!seen_content && policy.request_verbs.contains(word.canonical)) return item;
      if (policy.filler.contains(word.canonical)) return item;
      break;
  }
  item.content = true;
  item.term = word.canonical;
  item.soft = policy.soft.contains(item.term);
  item.relation = policy.relation_verbs.contains(item.term);
  item.participle = item.relation && t.text.ends_with("ed");
  return item;
}

std::vector<Item> items_of(const std::vector<Token>& tokens) {
  std::vector<Item> items;
  items.reserve(tokens.size());
  bool seen_content = false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    items.push_back(classify_token(tokens, i, seen_content));
    seen_content = seen_content || items.back().content;
  }
  return items;
}

// ---------------------------------------------------------------------------
// Directions.
// ---------------------------------------------------------------------------
constexpr std::string_view kNobody = "?";
using Directions = std::vector<std::pair<std::string, std::string>>;

// "convert A to B": the content word just before a "to"/"into" (stop words
// between allowed; "how to", "want to" are no pivots) and the first content
// word after it. Soft words are no ends. A clause end breaks the chain.
// A pair whose end is an ordinary word right after "to" may be an infinitive
// ("libraries to parse YAML"): it goes to `loose`, not `strict`.
void add_pivots(const std::vector<Item>& items, Directions& strict, Directions& loose) {
  const Item* previous = nullptr;  // the last item that was not a stop word
  const Item* from = nullptr;      // set after a pivot that followed a content word
  bool adjacent = false;           // nothing between the pivot and this item
  for (const Item& item : items) {
    if (item.pivot) {
      from = previous != nullptr && previous->content && !previous->soft ? previous : nullptr;
      adjacent = true;
      continue;
    }
    if (item.content) {
      if (from != nullptr && !item.soft && from->term != item.term) {
        (adjacent && item.aspect == Aspect::none ? loose : strict).emplace_back(from->term, item.term);
      }
      from = nullptr;
      previous = &item;
    } else if (!item.stop) {
      previous = &item;
    }
    adjacent = false;
    if (item.ends_clause) previous = from = nullptr;
  }
}

// "Is Python faster than Java?", "composition over inheritance", "X instead
// of Y": loose pairs (only a reversal is a difference) from the first content
// word of the clause and from the nearest one before the marker, to the first
// after it.
void add_comparisons(const std::vector<Item>& items, Directions& loose) {
  auto is_side = [](const Item& item) { return item.content && !item.soft && !item.question; };
  std::size_t clause_start = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].than) {
      const Item* second = nullptr;
      for (std::size_t j = i + 1; j < items.size() && second == nullptr; ++j) {
        if (is_side(items[j])) second = &items[j];
        if (items[j].ends_clause) break;
      }
      const Item* first = nullptr;
      const Item* nearest = nullptr;
      for (std::size_t j = clause_start; j < i; ++j) {
        if (!is_side(items[j])) continue;
        if (first == nullptr) first = &items[j];
        nearest = &items[j];
      }
      for (const Item* from : {first, nearest}) {
        if (from != nullptr && second != nullptr && from->term != second->term) {
          loose.emplace_back(from->term, second->term);
        }
      }
    }
    if (items[i].ends_clause) clause_start = i + 1;
  }
}

// "X imports Y" -> (X, import:Y); "Y is imported by X" -> the same. Either
// side may be missing ("?"): "files that import X" is (file, import:x),
// "what does X import" is (x, import:?).
void add_relations(const std::vector<Item>& items, Directions& out) {
  auto is_entity = [](const Item& item) { return item.content && !item.soft && !item.relation; };
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].relation) continue;
    std::string subject(kNobody), object(kNobody);
    for (std::size_t j = i; j-- > 0;) {
      if (items[j].ends_clause) break;
      if (is_entity(items[j])) {
        subject = items[j].term;
        break;
      }
    }
    bool passive = false;
    // "the imports of X" (the noun, then "of"): X is the one that imports.
    bool of_noun = i + 1 < items.size() && items[i + 1].of && !items[i].participle;
    for (std::size_t j = i + 1; j < items.size() && !items[j - 1].ends_clause; ++j) {
      if (items[j].by || (items[j].in && items[i].participle)) passive = true;
      if (is_entity(items[j])) {
        object = items[j].term;
        break;
      }
    }
    if (passive) std::swap(subject, object);
    if (of_noun) {
      subject = object;
      object = std::string(kNobody);
    }
    out.emplace_back(subject, items[i].term + ":" + object);
  }
}

// ---------------------------------------------------------------------------
// Text helpers.
// ---------------------------------------------------------------------------
std::string normalise(std::string_view question) {
  std::string out;
  for (const auto chunk : chunks_of(question)) {
    const Trimmed t = trim(chunk);
    std::string word(operator_of(chunk));
    for (std::size_t i = 0; i < t.core.size(); ++i) {
      const char c = t.core[i];
      if (is_word_char(c) || c == '+' || c == '#') {
        word += to_lower(c);
      } else if (is_connector(c) && i + 1 < t.core.size() && is_word_char(t.core[i + 1]) && !word.empty() &&
                 is_word_char(word.back())) {
        word += c;
      } else if (c != '\'') {
        word += ' ';
      }
    }
    for (const auto w : chunks_of(word)) {
      if (!out.empty()) out += ' ';
      out += w;
    }
  }
  return out;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string join(const std::vector<std::string>& v, std::string_view separator = ", ") {
  if (v.empty()) return "none";
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

std::string describe(const Directions& directions) {
  std::vector<std::string> parts;
  for (const auto& [from, to] : directions) parts.push_back(from + "->" + to);
  return join(parts);
}

std::optional<std::string> compare_aspect(std::string_view name, const std::vector<std::string>& a,
                                          const std::vector<std::string>& b) {
  if (a == b) return std::nullopt;
  return std::string(name) + " differ: " + join(a) + " vs " + join(b);
}

// Terms in one question only, soft words aside: "commit vs push".
std::optional<std::string> compare_terms(const Fingerprint& a, const Fingerprint& b) {
  const Policy& policy = Policy::instance();
  auto only = [&policy](const Fingerprint& x, const Fingerprint& y) {
    std::vector<std::string> out;
    for (const auto& term : x.terms) {
      if (policy.soft.contains(term)) continue;
      if (std::find(y.terms.begin(), y.terms.end(), term) == y.terms.end()) out.push_back(term);
    }
    return out;
  };
  const auto a_only = only(a, b);
  const auto b_only = only(b, a);
  if (a_only.empty() && b_only.empty()) return std::nullopt;
  return "terms differ: " + join(a_only, " ") + " vs " + join(b_only, " ");
}

// "the repository facebook/react", "the file src/main.cpp", "the Python
// language": the noun says nothing the slug, path or name does not.
void drop_redundant_nouns(Fingerprint& f) {
  static const std::string repository = llm::classify("repository").canonical;
  static const std::string file = llm::classify("file").canonical;
  static const std::string directory = llm::classify("directory").canonical;
  static const std::string language = llm::classify("language").canonical;
  std::erase_if(f.terms, [&f](const std::string& term) {
    return (term == repository && !f.repositories.empty()) ||
           ((term == file || term == directory) && !f.paths.empty()) || (term == language && !f.languages.empty());
  });
}

// Two directions say the same: equal, or a relation with one side unknown
// ("?") and the other side equal: "what imports X" (?, import:x) is "files
// that import X" (fil, import:x), but "what does X import" (x, import:?) is
// not "what imports X".
bool same_direction(const std::pair<std::string, std::string>& a, const std::pair<std::string, std::string>& b) {
  if (a == b) return true;
  const auto colon_a = a.second.find(':');
  const auto colon_b = b.second.find(':');
  if (colon_a == std::string::npos || colon_b == std::string::npos) return false;
  if (a.second.substr(0, colon_a) != b.second.substr(0, colon_b)) return false;  // another verb
  const std::string object_a = a.second.substr(colon_a + 1), object_b = b.second.substr(colon_b + 1);
  const bool subjects_agree = a.first == b.first && a.first != kNobody;
  const bool objects_agree = object_a == object_b && object_a != kNobody;
  return (subjects_agree && (object_a == kNobody || object_b == kNobody)) ||
         (objects_agree && (a.first == kNobody || b.first == kNobody));
}

bool has_pair(const Fingerprint& f, const std::pair<std::string, std::string>& pair) {
  auto same = [&pair](const auto& other) { return same_direction(pair, other); };
  return std::any_of(f.directions.begin(), f.directions.end(), same) ||
         std::any_of(f.loose_directions.begin(), f.loose_directions.end(), same);
}

// Every strict direction of one question is in the other (strict or loose),
// and no loose direction is reversed there: "convert string to integer" vs
// "... integer to string".
bool directions_agree(const Fingerprint& a, const Fingerprint& b) {
  for (const auto& pair : a.directions) {
    if (!has_pair(b, pair)) return false;
  }
  for (const auto& [from, to] : a.loose_directions) {
    if (has_pair(b, {to, from})) return false;
  }
  // A pivot's end on the other side of the other question's pivot ("unix
  // timestamp to date" vs "date to unix timestamp": date is the target in one,
  // the source in the other) is a reversal even when the other end differs.
  auto pivots = [](const Fingerprint& f) {
    std::vector<std::pair<std::string, std::string>> all;
    for (const auto* list : {&f.directions, &f.loose_directions}) {
      for (const auto& p : *list) {
        if (p.second.find(':') == std::string::npos) all.push_back(p);  // relations are "verb:object"
      }
    }
    return all;
  };
  for (const auto& p : pivots(a)) {
    for (const auto& q : pivots(b)) {
      if (p != q && (p.first == q.second || p.second == q.first)) return false;
    }
  }
  return true;
}

const llm::HashEmbedder& embedder() {
  static const llm::HashEmbedder instance(kEmbeddingDimension);
  return instance;
}

}  // namespace

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::decomposition:
      return "decomposition";
    case Kind::response:
      return "response";
    case Kind::analysis:
      return "analysis";
  }
  return "response";
}

bool parse_kind(std::string_view name, Kind& out) {
  for (const Kind k : {Kind::decomposition, Kind::response, Kind::analysis}) {
    if (to_string(k) == name) {
      out = k;
      return true;
    }
  }
  return false;
}

Fingerprint fingerprint(std::string_view question) {
  Fingerprint f;
  f.normalised = normalise(question);
  auto tokens = tokens_of(question);
  fold_phrases(tokens);
  const auto items = items_of(tokens);

  for (const Item& item : items) {
    f.negated = f.negated || item.negation;
    if (!item.content) continue;
    if (std::find(f.terms.begin(), f.terms.end(), item.term) == f.terms.end()) f.terms.push_back(item.term);
    switch (item.aspect) {
      case Aspect::repository:
        f.repositories.push_back(item.term);
        break;
      case Aspect::path:
        f.paths.push_back(item.term);
        break;
      case Aspect::language:
        f.languages.push_back(item.term);
        break;
      case Aspect::library:
        f.libraries.push_back(item.term);
        break;
      case Aspect::number:
        f.numbers.push_back(item.term);
        break;
      case Aspect::none:
        break;
    }
  }
  for (auto* aspect : {&f.repositories, &f.paths, &f.languages, &f.libraries, &f.numbers}) sort_unique(*aspect);
  add_pivots(items, f.directions, f.loose_directions);
  add_relations(items, f.directions);
  add_comparisons(items, f.loose_directions);
  sort_unique(f.directions);
  sort_unique(f.loose_directions);
  drop_redundant_nouns(f);

  std::vector<std::string> sorted = f.terms;
  std::sort(sorted.begin(), sorted.end());
  f.embedding = embedder().embed(sorted.empty() ? std::string() : join(sorted, " "));
  return f;
}

Decision decide(const Fingerprint& stored, const Fingerprint& fresh, double threshold) {
  Decision d;
  d.similarity = llm::HashEmbedder::cosine(stored.embedding, fresh.embedding);
  if (!stored.normalised.empty() && stored.normalised == fresh.normalised) {
    d.similarity = 1.0;
    d.hit = true;
    d.reason = "exact";
    return d;
  }
  std::optional<std::string> difference;
  if (!difference) difference = compare_aspect("repositories", stored.repositories, fresh.repositories);
  if (!difference) difference = compare_aspect("paths", stored.paths, fresh.paths);
  if (!difference) difference = compare_aspect("languages", stored.languages, fresh.languages);
  if (!difference) difference = compare_aspect("libraries", stored.libraries, fresh.libraries);
  if (!difference) difference = compare_aspect("numbers", stored.numbers, fresh.numbers);
  if (!difference && stored.negated != fresh.negated) {
    difference = std::string("negation differs: ") + (stored.negated ? "negated" : "none") + " vs " +
                 (fresh.negated ? "negated" : "none");
  }
  if (!difference && (!directions_agree(stored, fresh) || !directions_agree(fresh, stored))) {
    Directions a = stored.directions, b = fresh.directions;
    a.insert(a.end(), stored.loose_directions.begin(), stored.loose_directions.end());
    b.insert(b.end(), fresh.loose_directions.begin(), fresh.loose_directions.end());
    difference = "direction differs: " + describe(a) + " vs " + describe(b);
  }
  if (!difference) difference = compare_terms(stored, fresh);
  if (!difference && d.similarity < threshold) {
    char text[64];
    std::snprintf(text, sizeof text, "below threshold %.2f (%.2f)", threshold, d.similarity);
    difference = text;
  }
  if (difference) {
    d.reason = std::move(*difference);
    return d;
  }
  d.hit = true;
  d.reason = "paraphrase";
  return d;
}

}  // namespace devagent::cache
