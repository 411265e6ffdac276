#include "memory/history.h"

#include "memory/facts.h"
#include "memory/memory.h"

#include <sstream>

namespace devagent::memory {
namespace {

std::string first_sentence(std::string_view text, std::size_t max_bytes) {
  // Skip Markdown headings and blank lines; stop at the first sentence end.
  std::string out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::size_t a = line.find_first_not_of(" \t>*-|`");
    if (a == std::string::npos || line[a] == '#') continue;  // blank, or a heading
    out = line.substr(a);
    break;
  }
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if ((out[i] == '.' || out[i] == '!' || out[i] == '?') && out[i + 1] == ' ') {
      out.resize(i + 1);
      break;
    }
  }
  if (out.size() > max_bytes) {
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out = out.substr(0, end) + "…";
  }
  return out;
}

std::size_t tokens_of(const std::vector<StoredMessage>& turns) {
  std::size_t n = 0;
  for (const auto& m : turns) n += approx_tokens(m.content) + 4;
  return n;
}

}  // namespace

Result<HistoryPlan> plan_history(Conversations& conversations, MemoryStore& memory, const std::string& conversation_id) {
  HistoryPlan plan;
  auto conversation = conversations.get(conversation_id);
  if (!conversation) return conversation.error();
  if (!*conversation) return plan;
  auto summary = memory.summary(conversation_id);
  if (!summary) return summary.error();
  if (*summary) {
    plan.summary = (*summary)->content;
    plan.covers = (*summary)->covers_seq;
  }
  const auto& all = (*conversation)->messages;
  std::size_t start = std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(0, plan.covers)), all.size());
  std::vector<StoredMessage> rest;
  for (std::size_t i = start; i < all.size(); ++i) rest.push_back(all[i]);
  // Fold whole turns from the front while the rest is over budget; the
  // newest turn always stays.
  std::size_t budget = memory.options().history_tokens;
  std::size_t cut = 0;
  auto remaining = [&] { return tokens_of(std::vector<StoredMessage>(rest.begin() + static_cast<std::ptrdiff_t>(cut), rest.end())); };
  while (remaining() > budget) {
    std::size_t next = cut;
    if (next < rest.size() && rest[next].role == "user") ++next;
    while (next < rest.size() && rest[next].role != "user") ++next;  // the answer(s) of that question
    if (next >= rest.size()) break;                                 // only the newest turn is left
    cut = next;
  }
  plan.fold.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(cut));
  plan.recent.assign(rest.begin() + static_cast<std::ptrdiff_t>(cut), rest.end());
  return plan;
}

std::string extractive_summary(const std::string& previous, const std::vector<StoredMessage>& fold,
                               std::size_t budget_tokens) {
  std::vector<std::string> lines;
  {
    std::istringstream in(previous);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  for (std::size_t i = 0; i < fold.size(); ++i) {
    const auto& m = fold[i];
    if (m.role != "user") continue;
    std::string line = "- Asked: " + first_sentence(m.content, 200);
    if (i + 1 < fold.size() && fold[i + 1].role == "assistant" && !fold[i + 1].content.empty()) {
      line += " — answer: " + first_sentence(fold[i + 1].content, 240);
    }
    lines.push_back(line);
    for (const auto& f : extract_facts(m.content)) lines.push_back("- Fact: " + f.statement);
  }
  // Over budget: drop the oldest lines that are not facts, then the oldest facts.
  auto total = [&] {
    std::size_t n = 0;
    for (const auto& l : lines) n += approx_tokens(l) + 1;
    return n;
  };
  for (bool facts_too : {false, true}) {
    for (std::size_t i = 0; i < lines.size() && total() > budget_tokens;) {
      if (!facts_too && lines[i].starts_with("- Fact: ")) {
        ++i;
        continue;
      }
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

std::vector<llm::Message> as_messages(const std::vector<StoredMessage>& turns) {
  std::vector<llm::Message> out;
  for (const auto& m : turns) {
    if (m.content.empty()) continue;
    out.push_back(llm::Message{.role = m.role == "user" ? llm::Role::user : llm::Role::assistant, .content = m.content});
  }
  return out;
}

}  // namespace devagent::memory
