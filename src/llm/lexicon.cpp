// The stemmer and the lexicon (llm/lexicon.h): the word tables the hash
// embedder and the response cache share.
#include "llm/lexicon.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace devagent::llm {
namespace {

// ---------------------------------------------------------------------------
// Stemming: conservative, rule-based, deterministic. It only has to map the
// forms of one word to one key ("reverse", "reversed", "reversing",
// "reverses" -> "revers"); keys need not be real words. Words shorter than 4
// letters or with anything but ASCII letters are left alone.
// ---------------------------------------------------------------------------
struct Irregular {
  std::string_view word;
  std::string_view stem;
};
// Sorted by word.
constexpr std::array kIrregular = {
    Irregular{"alias", "alias"},     Irregular{"aliases", "alias"},   Irregular{"bias", "bias"},
    Irregular{"biases", "bias"},     Irregular{"built", "build"},     Irregular{"canvas", "canvas"},
    Irregular{"canvases", "canvas"}, Irregular{"caught", "catch"},    Irregular{"children", "child"},
    Irregular{"did", "do"},          Irregular{"does", "do"},         Irregular{"doing", "do"},
    Irregular{"done", "do"},         Irregular{"embed", "embed"},     Irregular{"embeds", "embed"},
    Irregular{"found", "find"},      Irregular{"goes", "go"},         Irregular{"going", "go"},
    Irregular{"gone", "go"},         Irregular{"got", "get"},         Irregular{"gotten", "get"},
    Irregular{"indices", "index"},   Irregular{"knew", "know"},       Irregular{"known", "know"},
    Irregular{"made", "mak"},        Irregular{"matrices", "matrix"}, Irregular{"ran", "run"},
    Irregular{"sent", "send"},       Irregular{"shown", "show"},      Irregular{"taken", "tak"},
    Irregular{"threw", "throw"},     Irregular{"thrown", "throw"},    Irregular{"took", "tak"},
    Irregular{"tried", "try"},       Irregular{"tries", "try"},       Irregular{"trying", "try"},
    Irregular{"used", "use"},        Irregular{"uses", "use"},        Irregular{"using", "use"},
    Irregular{"vertices", "vertex"}, Irregular{"went", "go"},         Irregular{"written", "writ"},
    Irregular{"wrote", "writ"},
};

static_assert(std::is_sorted(kIrregular.begin(), kIrregular.end(),
                             [](const Irregular& a, const Irregular& b) { return a.word < b.word; }));

bool ends_with(std::string_view w, std::string_view suffix) {
  return w.ends_with(suffix);
}
bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}
bool has_vowel(std::string_view w) {
  return std::any_of(w.begin(), w.end(), is_vowel);
}

// After "-ing"/"-ed" went: "runn" -> "run", "mapp" -> "map"; not l, s, z ("call", "pass").
std::size_t undouble(const char* w, std::size_t n) {
  if (n < 4) return n;
  const char last = w[n - 1];
  if (last == w[n - 2] && !is_vowel(last) && last != 'l' && last != 's' && last != 'z') return n - 1;
  return n;
}

}  // namespace

std::size_t stem_in_place(char* buf, std::size_t n) {
  std::string_view w(buf, n);
  const auto irregular = std::lower_bound(kIrregular.begin(), kIrregular.end(), w,
                                          [](const Irregular& e, std::string_view key) { return e.word < key; });
  if (irregular != kIrregular.end() && irregular->word == w) {
    std::copy(irregular->stem.begin(), irregular->stem.end(), buf);
    return irregular->stem.size();
  }
  if (n < 4 || !std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return n;

  // Plurals and third person.
  if (ends_with(w, "ies") && n >= 5) {
    n -= 2;  // "queries" -> "queri"; "query" -> "queri" below
  } else if (ends_with(w, "sses") || ends_with(w, "ches") || ends_with(w, "shes") || ends_with(w, "xes")) {
    n -= 2;
  } else if (ends_with(w, "s") && !ends_with(w, "ss") && !ends_with(w, "us") && !ends_with(w, "is")) {
    n -= 1;
  }
  w = std::string_view(buf, n);

  // Past tense and progressive.
  if (ends_with(w, "ied") && n >= 5) {
    n -= 2;  // "copied" -> "copi"
  } else if (ends_with(w, "ing") && n >= 6 && has_vowel(w.substr(0, n - 3))) {
    n = undouble(buf, n - 3);
  } else if (ends_with(w, "ed") && !ends_with(w, "eed") && n >= 5 && has_vowel(w.substr(0, n - 2))) {
    n = undouble(buf, n - 2);
  }

  // A silent final e and a final y: "reverse" -> "revers", "query" -> "queri".
  if (n >= 4 && buf[n - 1] == 'e') --n;
  if (n >= 4 && buf[n - 1] == 'y') buf[n - 1] = 'i';
  return n;
}

std::string stem(std::string_view word) {
  std::string s(word);
  s.resize(stem_in_place(s.data(), s.size()));
  return s;
}

namespace {

// ---------------------------------------------------------------------------
// The lexicon: word classes and a few canonical spellings. An entry may carry
// "word=canonical": py=python, delete=remove.
// ---------------------------------------------------------------------------

// clang-format off
// Function words, pronouns, auxiliaries, contraction pieces ("don't" -> don, t).
constexpr std::string_view kStopWords[] = {
    "a", "about", "actually", "although", "again", "all", "already", "also", "am", "an", "and", "another", "any",
    "are", "aren", "as", "at", "basically", "be", "because", "been", "being", "both", "but", "by", "can", "cannot",
    "cant", "could", "couldn", "d", "didn", "do", "doesn", "doesnt", "don", "dont", "e", "each", "eg", "either",
    "else", "etc", "even", "ever", "every", "few", "for", "from", "g", "had", "has", "hasn", "have", "haven",
    "having", "he", "her", "here", "him", "his", "i", "ie", "if", "im", "in", "instead", "into", "is", "isn", "isnt",
    "it", "its", "itself", "just", "kind", "least", "less", "let", "lets", "ll", "lot", "lots", "m", "many", "may",
    "maybe", "me", "might", "mine", "more", "most", "much", "must", "my", "myself", "neither", "no", "nor", "not",
    "now", "of", "oh", "ok", "okay", "on", "one", "only", "onto", "or", "other", "our", "ours", "out", "own", "per",
    "perhaps", "please", "probably", "quite", "rather", "re", "really", "s", "same", "shall", "she", "should",
    "shouldn", "simply", "so", "some", "still", "such", "t", "than", "that", "the", "their", "theirs", "them",
    "then", "there", "these", "they", "this", "those", "though", "to", "too", "u", "up", "us", "ve", "very", "via",
    "was", "wasn", "we", "were", "weren", "whether", "will", "with", "within", "without", "won", "wont", "would",
    "wouldn", "yet", "you", "your", "yours",
};
// They set the kind of question, a little: "why" vs "how".
constexpr std::string_view kQuestionWords[] = {
    "how", "hows", "what", "whats", "when", "where", "which", "who", "whom", "whose", "why",
};
// Words that frame a request without saying what it is about.
constexpr std::string_view kGenericWords[] = {
    "able", "anyone", "anything", "best", "better", "between", "cleanest", "code", "compare", "comparison=compare", "correct", "correctly",
    "create", "difference=compare", "different=compare", "easiest", "easy", "efficient", "efficiently", "example", "explain",
    "fastest", "give", "good", "hello", "help", "hey", "hi", "idea", "idiomatic", "implement", "issue", "know",
    "like", "make=create", "mean", "need", "possible", "problem", "proper", "properly", "question", "quick", "quickest",
    "quickly", "recommended", "right", "show", "simple", "simplest", "someone", "something", "std", "tell", "thank",
    "thanks", "thing", "try", "use", "versus=compare", "vs=compare", "want", "way", "work",
};
// Languages, tools, formats and platforms: the usual subject of a question.
constexpr std::string_view kTechnology[] = {
    "android", "angular", "ansible", "aws", "azure", "bash", "boost", "c", "c#", "c++", "cargo", "clang", "clojure",
    "cmake", "cobol", "cpp=c++", "csharp=c#", "css", "csv", "cuda", "cxx=c++", "dart", "deno", "django", "docker",
    "elixir", "emacs", "erlang", "express", "f#", "fastapi", "flask", "fortran", "gcc", "gcp", "git", "github",
    "gitlab", "golang=go", "gradle", "graphql", "grpc", "haskell", "html", "http", "https", "ios", "java", "javascript",
    "jenkins", "jquery", "js=javascript", "json", "julia", "k8s=kubernetes", "kafka", "kotlin", "kubernetes",
    "laravel", "linux", "llvm", "lua", "macos", "matlab", "maven", "mongodb", "mysql", "next.js=nextjs", "nextjs",
    "nginx", "nim", "node", "node.js=node", "nodejs=node", "npm", "numpy", "ocaml", "pandas", "perl", "php", "pip",
    "postgres", "postgresql=postgres", "powershell", "py=python", "python", "python3=python", "pytorch", "qt", "r",
    "rails", "react", "react.js=react", "redis", "ruby", "rust", "rustc", "scala", "sql", "sqlite", "svelte",
    "swift", "tcp", "tensorflow", "terraform", "toml", "ts=typescript", "typescript", "udp", "unity", "venv", "vim",
    "virtualenv=venv", "vscode", "vue", "vue.js=vue", "wasm", "webassembly=wasm", "windows", "xml", "yaml", "zig", "zsh",
};
// Abbreviations and synonyms of ordinary words: the left side reads as the right.
constexpr std::string_view kSynonyms[] = {
    "analyse=analyze", "analysis=analyze", "app=application", "arg=argument", "args=argument", "arr=array", "avoid=prevent", "char=character", "compilation=compile", "concat=concatenate", "conf=configuration",
    "config=configuration", "configure=configuration", "connection=connect", "creation=create", "conversion=convert", "db=database", "dep=dependency", "deps=dependency", "delete=remove", "deletion=remove", "dict=dictionary", "dir=directory", "doc=documentation",
    "docs=documentation", "env=environment", "erase=remove", "err=error", "fn=function", "folder=directory",
    "func=function", "generation=generate", "insertion=insert", "installation=install", "iteration=iterate", "int=integer", "latest=last", "len=length", "lib=library", "msg=message", "num=number", "obj=object",
    "param=parameter", "params=parameter", "pkg=package", "quit=exit", "regexp=regex", "repo=repository", "str=string", "validation=validate",
    "var=variable",
};
// clang-format on

class Lexicon {
 public:
  static const Lexicon& instance() {
    static const Lexicon lexicon;
    return lexicon;
  }

  const LexiconEntry* find(std::string_view word) const {
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), word,
                                     [](const auto& e, std::string_view key) { return e.first < key; });
    return it != entries_.end() && it->first == word ? &it->second : nullptr;
  }

 private:
  Lexicon() {
    std::vector<std::pair<std::string, LexiconEntry>> stems;
    for (auto w : kStopWords) add(w, WordClass::stop, stems);
    for (auto w : kQuestionWords) add(w, WordClass::question, stems);
    for (auto w : kGenericWords) add(w, WordClass::generic, stems);
    for (auto w : kTechnology) add(w, WordClass::technology, stems);
    for (auto w : kSynonyms) add(w, WordClass::ordinary, stems);
    // Stems go after every exact word, and the sort is stable, so an exact
    // word always wins over another word's stem.
    entries_.insert(entries_.end(), stems.begin(), stems.end());
    std::stable_sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    entries_.erase(
        std::unique(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
        entries_.end());
  }

  // Adds the word as written and, for ordinary and generic words, its stem
  // too, so that "examples" and "deleting" find their entries.
  void add(std::string_view spec, WordClass cls, std::vector<std::pair<std::string, LexiconEntry>>& stems) {
    const auto eq = spec.find('=');
    const std::string_view word = spec.substr(0, eq);
    LexiconEntry entry{cls, {}};
    if (eq != std::string_view::npos) {
      const std::string_view canonical = spec.substr(eq + 1);
      entry.feature = cls == WordClass::technology ? std::string(canonical) : stem(canonical);
    }
    entries_.emplace_back(std::string(word), entry);
    if (cls != WordClass::ordinary && cls != WordClass::generic) return;
    std::string s = stem(word);
    if (s != word) stems.emplace_back(std::move(s), std::move(entry));
  }

  std::vector<std::pair<std::string, LexiconEntry>> entries_;  // sorted by word
};

// clang-format off
// Programming languages among the technology names (canonical forms).
constexpr std::string_view kLanguages[] = {
    "bash", "c", "c#", "c++", "clojure", "cobol", "dart", "elixir", "erlang", "f#", "fortran", "go", "haskell",
    "java", "javascript", "julia", "kotlin", "lua", "matlab", "nim", "ocaml", "perl", "php", "powershell", "python",
    "r", "ruby", "rust", "scala", "sql", "swift", "typescript", "zig", "zsh",
};
// Sorted by first word, longest first within it (the first that matches wins).
constexpr Phrase kPhrases[] = {
    {"built with", "use"},
    {"check out", "checkout"},
    {"clean up", "cleanup"},
    {"coded in", "use"},
    {"command line", "cli"},
    {"how many", "count"},
    {"how much", "count"},
    {"file name", "filename"},
    {"hash map", "hashmap"},
    {"hash table", "hashtable"},
    {"implemented in", "use"},
    {"iterate over", "iterate"},
    {"iterate through", "iterate"},
    {"loop over", "iterate"},
    {"loop through", "iterate"},
    {"most recent", "last"},
    {"number of", "count"},
    {"programming languages", "language"},
    {"programming language", "language"},
    {"pull requests", "pr"},
    {"pull request", "pr"},
    {"roll back", "rollback"},
    {"set up", "setup"},
    {"status codes", "status"},
    {"status code", "status"},
    {"time stamp", "timestamp"},
    {"user name", "username"},
    {"virtual environments", "venv"},
    {"virtual environment", "venv"},
    {"virtual env", "venv"},
    {"web site", "website"},
    {"written in", "use"},
};
// clang-format on

}  // namespace

const LexiconEntry* find_in_lexicon(std::string_view word) {
  return Lexicon::instance().find(word);
}

Term classify(std::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {WordClass::number, std::string(word)};
  }
  std::string buf(word);
  if (const auto* entry = find_in_lexicon(buf)) {
    if (!entry->feature.empty()) return {entry->cls, entry->feature};
    if (entry->cls == WordClass::ordinary || entry->cls == WordClass::generic) {
      buf.resize(stem_in_place(buf.data(), buf.size()));
    }
    return {entry->cls, std::move(buf)};
  }
  buf.resize(stem_in_place(buf.data(), buf.size()));
  if (const auto* entry = find_in_lexicon(buf)) {
    return {entry->cls, entry->feature.empty() ? std::move(buf) : entry->feature};
  }
  return {WordClass::ordinary, std::move(buf)};
}

bool is_programming_language(std::string_view canonical) {
  return std::find(std::begin(kLanguages), std::end(kLanguages), canonical) != std::end(kLanguages);
}

std::span<const Phrase> phrases() {
  return kPhrases;
}

}  // namespace devagent::llm
