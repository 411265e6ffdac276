// The LLM's part of memory, through the router's summary route: facts and
// entities of a turn by a JSON-schema tool call (record_memory), and the
// running summary of folded turns. Each returns nothing (nullopt) when no
// model could do it, and the caller falls back to the rules
// (facts.h, entities.h, history.h).
#pragma once

#include "core/cancel.h"
#include "llm/router.h"
#include "memory/conversations.h"
#include "memory/memory.h"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

namespace devagent::memory {

// The record_memory tool's schema.
const boost::json::object& record_memory_schema();

// Parses a record_memory call's arguments (validated against the schema);
// nullopt when they do not fit.
std::optional<Extraction> parse_record_memory(std::string_view arguments);

boost::asio::awaitable<std::optional<Extraction>> extract_with_llm(llm::Router& router, std::string text,
                                                                   llm::CallContext context, CancelToken cancel);

boost::asio::awaitable<std::optional<std::string>> summarize_with_llm(llm::Router& router, std::string previous,
                                                                      std::vector<StoredMessage> fold,
                                                                      std::size_t budget_tokens,
                                                                      llm::CallContext context, CancelToken cancel);

}  // namespace devagent::memory
