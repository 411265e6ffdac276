// The English word knowledge devagent's text features share: one stemmer and
// one lexicon of word classes, canonical spellings and phrases. The hash
// embedder (llm/hash_embedder.h) weighs words by it; the response cache
// (cache/match.h) reduces questions to canonical terms with it. There is one
// of each in the project: extend these tables rather than keeping another.
//
// All functions take lower-case ASCII words (bytes >= 0x80 pass through
// untouched), are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace devagent::llm {

enum class WordClass : std::uint8_t {
  ordinary,    // content words: "reverse", "branch", "mutex"
  stop,        // function words: "the", "can", "i", "not"
  question,    // "how", "what", "why"
  generic,     // words that frame a request: "best", "explain", "example"
  technology,  // languages, tools, formats, platforms: "python", "docker"
  number,      // all digits
};

// Conservative rule-based stemming: maps the forms of one word to one key
// ("reverse", "reversed", "reversing", "reverses" -> "revers"). Keys need not
// be real words. Words shorter than 4 letters or with anything but a-z are
// left alone (irregular forms aside: "wrote" -> "writ"). "dependencies" and
// "dependents" keep different keys.
std::string stem(std::string_view word);
// The same in place over buf[0, n); returns the new length (never longer).
std::size_t stem_in_place(char* buf, std::size_t n);

struct LexiconEntry {
  WordClass cls = WordClass::ordinary;
  std::string feature;  // the canonical form ("py" -> "python"); empty: the word's own stem
};

// The entry for `word` exactly as given (a word or a stem); nullptr if the
// lexicon does not know it. The returned entry lives as long as the program.
const LexiconEntry* find_in_lexicon(std::string_view word);

struct Term {
  WordClass cls = WordClass::ordinary;
  std::string canonical;  // stemmed and folded: "deleting" -> "remov", "py" -> "python"
};

// A word's class and canonical form: numbers stay as written, known words
// take their lexicon entry, others are stemmed (and a stem the lexicon knows
// takes its entry). Technology names are not stemmed.
Term classify(std::string_view word);

// Whether a canonical technology name is a programming language ("python",
// "c++", "go") rather than a library, tool, format or platform.
bool is_programming_language(std::string_view canonical);

// Word sequences that read as one word, longest first within a first word:
// "virtual environment" -> "venv", "status code" -> "status". The canonical
// side is itself a word that classify() understands.
struct Phrase {
  std::string_view words;  // space-separated lower-case words as written
  std::string_view canonical;
};
std::span<const Phrase> phrases();

}  // namespace devagent::llm
