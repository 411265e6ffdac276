// A conversation's history as the agent gets it: the running summary of
// the oldest turns, then the recent turns verbatim, within
// memory.history_tokens. When the turns outgrow the budget, the oldest
// complete turns (a question and its answer, never half of one) fold into
// the summary, which stays at the front of the context.
#pragma once

#include "core/error.h"
#include "llm/provider.h"
#include "memory/conversations.h"

#include <string>
#include <vector>

namespace devagent::memory {

class MemoryStore;

struct HistoryPlan {
  std::string summary;                // the current running summary ("" when none)
  std::int64_t covers = 0;            // messages it already covers, from the start
  std::vector<StoredMessage> fold;    // turns to fold into it now (oldest first); empty: nothing to do
  std::vector<StoredMessage> recent;  // the turns kept verbatim, oldest first
};

// Blocking store work.
Result<HistoryPlan> plan_history(Conversations& conversations, MemoryStore& memory, const std::string& conversation_id);

// The builtin summariser: the previous summary, then one line per folded
// turn (the question, the answer's first sentence, the facts it stated),
// oldest lines dropped first beyond budget_tokens.
std::string extractive_summary(const std::string& previous, const std::vector<StoredMessage>& fold,
                               std::size_t budget_tokens);

// The recent turns as the agent's history messages.
std::vector<llm::Message> as_messages(const std::vector<StoredMessage>& turns);

}  // namespace devagent::memory
