#include "memory/conversations.h"

#include "store/store.h"

#include <algorithm>

namespace devagent::memory {
namespace {

constexpr std::size_t kTitleBytes = 80;

std::string title_of(std::string_view text) {
  auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  text.remove_prefix(start);
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.size() <= kTitleBytes) return std::string(text);
  std::size_t cut = kTitleBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return std::string(text.substr(0, cut)) + "…";
}

StoredMessage message_from(const store::Row& r) {
  StoredMessage m;
  m.id = r.text(0);
  m.conversation_id = r.text(1);
  m.role = r.text(2);
  m.content = r.text(3);
  m.run_id = r.text(4);
  m.status = r.text(5);
  m.model = r.text(6);
  m.input_tokens = r.integer(7);
  m.output_tokens = r.integer(8);
  m.cost_nanos = r.integer(9);
  m.feedback = static_cast<int>(r.integer(10));
  m.created_at = r.integer(11);
  m.variant = r.text(12);
  return m;
}

constexpr const char* kMessageColumns =
    "id, conversation_id, role, content, run_id, status, model, input_tokens, output_tokens, cost_nanos, feedback, "
    "created_at, variant";

}  // namespace

Result<> Conversations::append(StoredMessage m) {
  if (m.created_at == 0) m.created_at = store::now_ms();
  return db_.transaction([&](store::Database& tx) -> Result<> {
    auto found = tx.query("SELECT id FROM conversations WHERE id = ?", {m.conversation_id});
    if (!found) return found.error();
    if (found->empty()) {
      auto r = tx.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
                          {m.conversation_id, title_of(m.content), m.created_at, m.created_at});
      if (!r) return r.error();
    } else {
      auto r = tx.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", {m.created_at, m.conversation_id});
      if (!r) return r.error();
    }
    auto r = tx.execute(std::string("INSERT INTO messages (") + kMessageColumns +
                            ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?))",
                        {m.id, m.conversation_id, m.role, m.content, m.run_id, m.status, m.model, m.input_tokens,
                         m.output_tokens, m.cost_nanos, std::int64_t{m.feedback}, m.created_at, m.variant,
                         m.conversation_id});
    if (!r) return r.error();
    return {};
  });
}

Result<std::vector<ConversationSummary>> Conversations::list(int limit) {
  auto rows = db_.query(
      "SELECT id, title, created_at, updated_at FROM conversations "
      "ORDER BY updated_at DESC, id DESC LIMIT ?",
      {std::int64_t{limit}});
  if (!rows) return rows.error();
  std::vector<ConversationSummary> out;
  for (const auto& r : rows->rows) out.push_back({r.text(0), r.text(1), r.integer(2), r.integer(3)});
  return out;
}

Result<std::optional<Conversation>> Conversations::get(const std::string& id) {
  auto head = db_.query("SELECT id, title, created_at, updated_at FROM conversations WHERE id = ?", {id});
  if (!head) return head.error();
  if (head->empty()) return std::optional<Conversation>();
  Conversation c;
  const auto& r = head->rows.front();
  c.summary = {r.text(0), r.text(1), r.integer(2), r.integer(3)};
  auto rows = db_.query(
      std::string("SELECT ") + kMessageColumns + " FROM messages WHERE conversation_id = ? ORDER BY seq", {id});
  if (!rows) return rows.error();
  for (const auto& m : rows->rows) c.messages.push_back(message_from(m));
  return std::optional<Conversation>(std::move(c));
}

Result<bool> Conversations::remove(const std::string& id) {
  bool removed = false;
  auto done = db_.transaction([&](store::Database& tx) -> Result<> {
    auto m = tx.execute("DELETE FROM messages WHERE conversation_id = ?", {id});
    if (!m) return m.error();
    auto c = tx.execute("DELETE FROM conversations WHERE id = ?", {id});
    if (!c) return c.error();
    removed = *c > 0;
    return {};
  });
  if (!done) return done.error();
  return removed;
}

Result<std::vector<VariantFeedback>> Conversations::feedback_by_variant(std::int64_t since_ms, std::int64_t until_ms) {
  auto rows = db_.query(
      "SELECT variant, COUNT(*), SUM(CASE WHEN feedback > 0 THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN feedback < 0 THEN 1 ELSE 0 END) FROM messages "
      "WHERE role = 'assistant' AND created_at >= ? AND created_at < ? GROUP BY variant ORDER BY variant",
      {since_ms, until_ms});
  if (!rows) return rows.error();
  std::vector<VariantFeedback> out;
  for (const auto& r : rows->rows) {
    out.push_back(VariantFeedback{.variant = r.text(0), .answers = r.integer(1), .up = r.integer(2), .down = r.integer(3)});
  }
  return out;
}

Result<bool> Conversations::set_feedback(const std::string& message_id, int rating) {
  auto n = db_.execute("UPDATE messages SET feedback = ? WHERE id = ?", {std::int64_t{rating}, message_id});
  if (!n) return n.error();
  return *n > 0;
}

Result<std::vector<llm::Message>> Conversations::history(const std::string& conversation_id, int max_messages) {
  auto rows = db_.query(
      "SELECT role, content FROM messages WHERE conversation_id = ? AND status = 'complete' "
      "AND content <> '' ORDER BY seq DESC LIMIT ?",
      {conversation_id, std::int64_t{max_messages}});
  if (!rows) return rows.error();
  std::vector<llm::Message> out;
  for (const auto& r : rows->rows) {
    llm::Message m;
    m.role = r.text(0) == "assistant" ? llm::Role::assistant : llm::Role::user;
    m.content = r.text(1);
    out.push_back(std::move(m));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

boost::json::object to_json(const ConversationSummary& c) {
  boost::json::object o;
  o["id"] = c.id;
  o["title"] = c.title;
  o["created_at"] = c.created_at;
  o["updated_at"] = c.updated_at;
  return o;
}

boost::json::object to_json(const StoredMessage& m) {
  boost::json::object o;
  o["id"] = m.id;
  o["role"] = m.role;
  o["content"] = m.content;
  o["created_at"] = m.created_at;
  o["run_id"] = m.run_id;
  o["status"] = m.status;
  if (m.role == "assistant") {
    if (!m.model.empty()) o["model"] = m.model;
    boost::json::object usage;
    usage["input_tokens"] = m.input_tokens;
    usage["output_tokens"] = m.output_tokens;
    o["usage"] = std::move(usage);
    o["cost_usd"] = static_cast<double>(m.cost_nanos) / 1e9;
    o["feedback"] = m.feedback;
  if (!m.variant.empty()) o["variant"] = m.variant;
  }
  return o;
}

Result<std::vector<std::string>> Conversations::frequent_questions(std::int64_t since_ms, int min_count, int limit) {
  auto rows = db_.query(
      "SELECT MIN(content), COUNT(*) AS n FROM messages WHERE role = 'user' AND seq = 1 AND created_at >= ? "
      "GROUP BY LOWER(TRIM(content)) HAVING COUNT(*) >= ? ORDER BY n DESC, MIN(content) LIMIT ?",
      {since_ms, static_cast<std::int64_t>(min_count), static_cast<std::int64_t>(limit)});
  if (!rows) return rows.error();
  std::vector<std::string> out;
  for (const auto& r : rows->rows) out.push_back(r.text(0));
  return out;
}

VariantFeedback feedback_of(const std::vector<VariantFeedback>& feedback, const std::string& variant) {
  for (const auto& f : feedback) {
    if (f.variant == variant) return f;
  }
  return VariantFeedback{.variant = variant};
}

void add_variants(llm::UsageReport& report, const std::vector<VariantFeedback>& feedback) {
  for (const auto& f : feedback) {
    bool known = std::any_of(report.groups.begin(), report.groups.end(),
                             [&](const llm::UsageGroup& g) { return g.key == f.variant; });
    if (!known) report.groups.push_back(llm::UsageGroup{.key = f.variant, .totals = {}});
  }
  std::sort(report.groups.begin(), report.groups.end(),
            [](const llm::UsageGroup& a, const llm::UsageGroup& b) { return a.key < b.key; });
}

boost::json::object to_json(const llm::UsageReport& report, const std::vector<VariantFeedback>& feedback) {
  boost::json::object out = llm::to_json(report);
  auto& groups = out["groups"].as_array();
  for (std::size_t i = 0; i < groups.size() && i < report.groups.size(); ++i) {
    auto f = feedback_of(feedback, report.groups[i].key);
    groups[i].as_object()["feedback"] = boost::json::object{{"answers", f.answers}, {"up", f.up}, {"down", f.down}};
  }
  return out;
}

}  // namespace devagent::memory
