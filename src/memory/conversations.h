// Stored conversations: the chat API's turns, question and answer, in the
// store (tables conversations and messages, migration 5). Every call is
// blocking store work: run it through run_blocking, never on an I/O thread.
#pragma once

#include "core/error.h"
#include "llm/usage_log.h"
#include "llm/provider.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devagent::store {
class Database;
}

namespace devagent::memory {

struct StoredMessage {
  std::string id;
  std::string conversation_id;
  std::string role;  // "user" or "assistant"
  std::string content;
  std::string run_id;
  std::string status = "complete";  // assistant answers: "complete", "partial" (cancelled), "failed"
  std::string model;                // "provider:model", empty for the builtin engine
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cost_nanos = 0;
  int feedback = 0;             // -1, 0, 1
  std::int64_t created_at = 0;  // ms since the epoch; 0: now
  std::string variant;          // assistant answers: the prompt A/B variant ("" without a split)
};

// Answers and their ratings for one prompt variant.
struct VariantFeedback {
  std::string variant;
  std::int64_t answers = 0;
  std::int64_t up = 0;
  std::int64_t down = 0;
};

struct ConversationSummary {
  std::string id;
  std::string title;  // the first message, trimmed
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct Conversation {
  ConversationSummary summary;
  std::vector<StoredMessage> messages;  // oldest first
};

class Conversations {
 public:
  // db must outlive this object.
  explicit Conversations(store::Database& db) : db_(db) {}

  // Adds a message; the conversation is created with it when new.
  Result<> append(StoredMessage message);
  // Newest first (by last activity), at most limit.
  Result<std::vector<ConversationSummary>> list(int limit);
  // nullopt when unknown.
  Result<std::optional<Conversation>> get(const std::string& id);
  // false when unknown.
  Result<bool> remove(const std::string& id);
  // rating is -1, 0 or 1; false when the message is unknown.
  Result<bool> set_feedback(const std::string& message_id, int rating);
  // Assistant answers created in [since_ms, until_ms) and their feedback,
  // per prompt variant, in variant order.
  Result<std::vector<VariantFeedback>> feedback_by_variant(std::int64_t since_ms, std::int64_t until_ms);
  // The last max_messages complete turns, oldest first, as the agent's history.
  Result<std::vector<llm::Message>> history(const std::string& conversation_id, int max_messages);
  // The questions that opened the most conversations since since_ms (ms
  // since the epoch), asked at least min_count times (same text, ignoring
  // case and surrounding space), most frequent first: what cache warming
  // answers ahead of time. Follow-up questions are left out (they need their
  // conversation).
  Result<std::vector<std::string>> frequent_questions(std::int64_t since_ms, int min_count, int limit);

 private:
  store::Database& db_;
};

// A usage report grouped by variant, with each variant's answers and their
// ratings beside its tokens and cost: groups are added for variants whose
// answers made no model call (the builtin engine, cache hits).
void add_variants(llm::UsageReport& report, const std::vector<VariantFeedback>& feedback);
// The report's JSON (llm::to_json) with "feedback": {answers, up, down} on each group.
boost::json::object to_json(const llm::UsageReport& report, const std::vector<VariantFeedback>& feedback);
// The feedback of a variant ({} when it has none).
VariantFeedback feedback_of(const std::vector<VariantFeedback>& feedback, const std::string& variant);

boost::json::object to_json(const ConversationSummary& c);
boost::json::object to_json(const StoredMessage& m);

}  // namespace devagent::memory
