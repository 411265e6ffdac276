#include "memory/facts.h"

#include "core/text.h"

#include <re2/re2.h>

#include <cctype>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace devagent::memory {
namespace {

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && (std::isspace(static_cast<unsigned char>(s[a])) || s[a] == ',' || s[a] == '-')) ++a;
  while (b > a && (std::isspace(static_cast<unsigned char>(s[b - 1])) || s[b - 1] == '.' || s[b - 1] == ',' ||
                   s[b - 1] == ';' || s[b - 1] == '!'))
    --b;
  return std::string(s.substr(a, b - a));
}

const std::unordered_set<std::string>& question_openers() {
  static const std::unordered_set<std::string> set = {
      "what", "which", "where", "who", "whom", "whose", "when", "why", "how", "is", "are", "was", "were",
      "do", "does", "did", "can", "could", "should", "would", "will", "shall", "may", "might", "have", "has",
      "show", "list", "find", "explain", "tell", "give", "describe", "summarize", "summarise", "compare",
      "search", "analyze", "analyse", "look", "help", "please", "get", "fetch", "count", "check", "open",
      "read", "write", "generate", "create", "make", "fix", "refactor", "review", "draw", "plot", "map"};
  return set;
}

// Subjects that say nothing on their own.
const std::unordered_set<std::string>& empty_subjects() {
  static const std::unordered_set<std::string> set = {
      "it", "this", "that", "there", "here", "he", "she", "they", "which", "what", "who", "everything",
      "nothing", "something", "anything", "one", "i", "you", "we", "this one", "that one", "answer", "the answer"};
  return set;
}

std::string first_word(std::string_view s) {
  std::size_t a = 0;
  while (a < s.size() && !std::isalnum(static_cast<unsigned char>(s[a]))) ++a;
  std::size_t b = a;
  while (b < s.size() && (std::isalnum(static_cast<unsigned char>(s[b])) || s[b] == '\'')) ++b;
  return ascii_lower(s.substr(a, b - a));
}

// Splits at sentence ends: ". " "! " "? " ";" and newlines; a dot inside a
// token ("db-staging-7.internal", "v1.2") does not end a sentence.
std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool end = c == '\n' || c == ';' ||
               ((c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))));
    if (c == '?') cur.push_back(c);
    if (end) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '?') {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

// Leading phrases that mark a statement to remember, removed before matching.
std::string strip_markers(std::string s) {
  static const RE2 markers(
      R"((?i)^\s*(?:please\s+)?(?:remember|note|keep in mind|fyi|for the record|just so you know|btw|by the way|heads up|for reference)\s*(?:that|:|,)?\s*)");
  RE2::Replace(&s, markers, "");
  return s;
}

}  // namespace

std::string normalise_subject(std::string_view subject) {
  static const std::unordered_map<std::string, std::string> synonyms = {
      {"db", "database"}, {"dbs", "database"}, {"databases", "database"}, {"repo", "repository"},
      {"repos", "repository"}, {"env", "environment"}, {"k8s", "kubernetes"}, {"prod", "production"},
      {"stage", "staging"}, {"pg", "postgres"}, {"postgresql", "postgres"}, {"ci", "ci"}, {"url", "url"},
      {"addr", "address"}, {"host", "host"}, {"hostname", "host"}, {"server", "server"}, {"svc", "service"},
      {"config", "configuration"}, {"cfg", "configuration"}, {"docs", "documentation"}, {"doc", "documentation"},
      {"on-call", "on call"}, {"oncall", "on call"},
      // One form per verb, so "reads from" and "read from" are one subject.
      {"reads", "read"}, {"writes", "write"}, {"publishes", "publish"}, {"sends", "send"}, {"connects", "connect"},
      {"talks", "talk"}, {"points", "point"}, {"takes", "take"}, {"lasts", "last"}, {"costs", "cost"},
      {"consumes", "consume"}, {"depends", "depend"}, {"listens", "listen"}, {"uses", "use"}};
  static const std::unordered_set<std::string> drop = {"our", "my", "the", "your", "their", "team's", "teams",
                                                       "a", "an", "current", "currently", "now", "new", "main"};
  std::string text = ascii_lower(subject);
  // When it holds is not what it is about.
  static const RE2 time_phrases(R"(\b(?:this week|this month|these days|right now|at the moment|for now|today|currently|now)\b)");
  RE2::GlobalReplace(&text, time_phrases, " ");
  std::istringstream in(text);
  std::string word;
  std::string out;
  while (in >> word) {
    while (!word.empty() && !std::isalnum(static_cast<unsigned char>(word.back()))) word.pop_back();
    while (!word.empty() && !std::isalnum(static_cast<unsigned char>(word.front()))) word.erase(word.begin());
    if (word.empty() || drop.count(word)) continue;
    if (word.size() > 2 && word.ends_with("'s")) word.resize(word.size() - 2);
    if (auto it = synonyms.find(word); it != synonyms.end()) word = it->second;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

bool is_question(std::string_view text) {
  std::string t = trim(text);
  if (t.empty()) return false;
  if (t.find('?') != std::string::npos) return true;
  return question_openers().count(first_word(strip_markers(t))) > 0;
}

std::vector<Fact> extract_facts(std::string_view text) {
  // Subject and value, in the order the patterns name them.
  struct Pattern {
    RE2 re;
    bool value_first;  // "we use X for Y": the subject is Y
    bool ownership = false;
    const char* subject_prefix = "";
  };
  // Built once, by value (RE2 objects are neither copied nor moved).
  static const Pattern patterns[] = {
      {RE2(R"((?i)^(.{2,60}?)\s+(?:has\s+|have\s+)?(?:moved|migrated|switched|changed)\s+(?:from\s+\S+\s+)?to\s+(.{1,160})$)"), false},
      {RE2(R"((?i)^(.{2,60}?)\s+(?:was|were|got|has been|have been|is)\s+renamed\s+(?:to\s+)?(.{1,160})$)"), false},
      {RE2(R"((?i)^(.{2,60}?)\s+(?:lives|runs|is hosted|are hosted|is deployed|are deployed|sits)\s+(?:in|on|at)\s+(.{1,160})$)"), false},
      {RE2(R"((?i)^we\s+(?:now\s+|currently\s+)?(?:use|run|rely on|deploy with|build with)\s+(.{1,80}?)\s+(?:for|as)\s+(.{2,80})$)"), true},
      // On call: "Bob is on call for the search cluster" — the subject is the rota.
      {RE2(R"((?i)^(.{2,40}?)\s+(?:is|are)\s+(?:now\s+)?on[ -]call\s+for\s+(.{2,120})$)"), true, false, "on call for "},
      // Data flow and duration: "the workers read from topic X", "builds take 40 minutes";
      // the verb is part of the subject ("ingest workers read from").
      {RE2(R"((?i)^(.{2,60}?\s+(?:now\s+)?(?:reads?|writes?|publish(?:es)?|sends?|connects?|talks?|points?|pushes|pulls)\s+(?:from|to|into))\s+(.{1,160})$)"), false},
      {RE2(R"((?i)^(.{2,60}?\s+(?:now\s+)?(?:takes?|lasts?|costs?|consumes?|depends on|listens on|uses))\s+(.{1,160})$)"), false},
      // Ownership: "Alice owns the billing service" — the subject is who owns it.
      {RE2(R"((?i)^(.{2,40}?)\s+(?:owns|maintains|leads|manages|is responsible for|are responsible for|is in charge of|is the owner of|is the maintainer of)\s+(.{2,120})$)"), true, true},
      {RE2(R"((?i)^(.{2,60}?)\s+(?:is|are)\s+(?:now\s+|currently\s+|still\s+|always\s+)?(?:called\s+|named\s+|at\s+|on\s+)?(.{1,160})$)"), false},
      {RE2(R"((?i)^([A-Za-z][A-Za-z0-9 _'-]{1,40}?)\s*(?::|=)\s+(.{1,160})$)"), false},
  };
  std::vector<Fact> out;
  for (const auto& raw : sentences(text)) {
    std::string s = trim(raw);
    if (s.size() < 6 || s.size() > 300) continue;
    if (s.find('?') != std::string::npos) continue;
    std::string marked = trim(strip_markers(s));
    bool remembered = marked.size() != s.size();
    if (!remembered && question_openers().count(first_word(marked))) continue;
    if (marked.find("```") != std::string::npos) continue;
    for (const auto& pattern : patterns) {
      const auto* p = &pattern;
      std::string a, b;
      if (!RE2::FullMatch(marked, p->re, &a, &b)) continue;
      std::string subject = p->value_first ? b : a;
      if (p->ownership) subject = "owner of " + subject;
      subject = p->subject_prefix + subject;
      std::string value = trim(p->value_first ? a : b);
      std::string key = normalise_subject(subject);
      if (key.empty() || empty_subjects().count(key) || value.empty()) break;
      // A subject of more than six words is a clause, not a topic.
      if (std::count(key.begin(), key.end(), ' ') > 5) break;
      // "X is not ..."/"X is a bit slow" — opinions and negations are kept
      // only when the user asked to remember them.
      std::string v = ascii_lower(value);
      if (!remembered && (v.starts_with("not ") || v.starts_with("very ") || v.starts_with("really ") ||
                          v.starts_with("so ") || v.starts_with("too ") || v == "good" || v == "bad" ||
                          v == "great" || v == "fine" || v == "ok" || v == "okay")) {
        break;
      }
      out.push_back(Fact{key, value, marked});
      break;
    }
  }
  return out;
}

}  // namespace devagent::memory
