#include "memory/extract.h"

#include "core/log.h"
#include "memory/entities.h"
#include "memory/facts.h"

#include <boost/json.hpp>

namespace devagent::memory {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxFacts = 10;
constexpr std::size_t kMaxEntities = 30;
const std::vector<std::string> kEntityTypes = {"repo", "file", "symbol", "language", "package", "person", "url"};

const char* kExtractPrompt =
    "You keep the memory of a developer assistant. Read the user's message and call record_memory once with "
    "(1) facts: durable statements about their project or environment worth remembering in later conversations "
    "(names of hosts, databases, services, conventions, decisions, owners), each with a short normalised subject "
    "(\"staging database\") and the statement as said; questions and requests state no facts; and (2) entities "
    "named: repositories (owner/name), files and paths, symbols, languages, packages, people, URLs.";

const char* kSummaryPrompt =
    "Summarise the earlier part of a conversation between a developer and a code assistant for the assistant's "
    "own context: what was asked, what was found (files, repositories, numbers), and every fact the developer "
    "stated. Plain text lines starting with \"- \", oldest first, at most the given number of words. Keep the "
    "previous summary's facts unless the new turns contradict them.";

}  // namespace

const json::object& record_memory_schema() {
  static const json::object schema = json::parse(R"({
    "type": "object",
    "properties": {
      "facts": {"type": "array", "maxItems": 10, "items": {
        "type": "object",
        "properties": {"subject": {"type": "string", "minLength": 1, "maxLength": 80},
                       "statement": {"type": "string", "minLength": 1, "maxLength": 300}},
        "required": ["subject", "statement"], "additionalProperties": false}},
      "entities": {"type": "array", "maxItems": 30, "items": {
        "type": "object",
        "properties": {"type": {"enum": ["repo", "file", "symbol", "language", "package", "person", "url"]},
                       "value": {"type": "string", "minLength": 1, "maxLength": 200}},
        "required": ["type", "value"], "additionalProperties": false}}
    },
    "required": ["facts", "entities"], "additionalProperties": false
  })").as_object();
  return schema;
}

std::optional<Extraction> parse_record_memory(std::string_view arguments) {
  boost::system::error_code ec;
  auto v = json::parse(arguments, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* facts = o.if_contains("facts");
  const auto* entities = o.if_contains("entities");
  if (!facts || !facts->is_array() || !entities || !entities->is_array()) return std::nullopt;
  Extraction out;
  out.from_llm = true;
  for (const auto& f : facts->as_array()) {
    if (!f.is_object()) return std::nullopt;
    const auto* subject = f.as_object().if_contains("subject");
    const auto* statement = f.as_object().if_contains("statement");
    if (!subject || !subject->is_string() || !statement || !statement->is_string()) return std::nullopt;
    if (subject->as_string().empty() || subject->as_string().size() > 80 || statement->as_string().empty() ||
        statement->as_string().size() > 300) {
      return std::nullopt;
    }
    if (out.facts.size() >= kMaxFacts) break;
    auto key = normalise_subject(subject->as_string());
    if (key.empty()) continue;
    out.facts.push_back(Fact{key, "", std::string(statement->as_string())});
  }
  for (const auto& e : entities->as_array()) {
    if (!e.is_object()) return std::nullopt;
    const auto* type = e.as_object().if_contains("type");
    const auto* value = e.as_object().if_contains("value");
    if (!type || !type->is_string() || !value || !value->is_string()) return std::nullopt;
    std::string t(type->as_string());
    if (std::find(kEntityTypes.begin(), kEntityTypes.end(), t) == kEntityTypes.end()) return std::nullopt;
    if (value->as_string().empty() || value->as_string().size() > 200) return std::nullopt;
    if (out.entities.size() >= kMaxEntities) break;
    std::string v(value->as_string());
    if (t == "repo" || t == "language" || t == "package" || t == "person") {
      for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.entities.push_back(t + ":" + v);
  }
  return out;
}

asio::awaitable<std::optional<Extraction>> extract_with_llm(llm::Router& router, std::string text,
                                                            llm::CallContext context, CancelToken cancel) {
  llm::ChatRequest request;
  request.messages.push_back(llm::Message{.role = llm::Role::system, .content = kExtractPrompt});
  request.messages.push_back(llm::Message{.role = llm::Role::user, .content = std::move(text)});
  request.tools.push_back(llm::ToolSpec{"record_memory", "Records the facts and entities of the message.",
                                        record_memory_schema()});
  request.max_tokens = 800;
  context.skip_builtin = true;
  llm::DeltaSink ignore = [](const llm::Delta&) {};
  auto reply = co_await router.chat("summary", std::move(request), ignore, context, cancel);
  if (!reply) {
    log::info("memory: the summary route could not extract facts; using the rules", "error", reply.error().message);
    co_return std::nullopt;
  }
  for (const auto& call : reply->response.tool_calls) {
    if (call.name != "record_memory") continue;
    auto parsed = parse_record_memory(call.arguments);
    if (parsed) co_return parsed;
    log::info("memory: record_memory arguments did not fit the schema; using the rules");
  }
  co_return std::nullopt;
}

asio::awaitable<std::optional<std::string>> summarize_with_llm(llm::Router& router, std::string previous,
                                                               std::vector<StoredMessage> fold,
                                                               std::size_t budget_tokens, llm::CallContext context,
                                                               CancelToken cancel) {
  std::string user = "Previous summary:\n" + (previous.empty() ? std::string("(none)") : previous) +
                     "\n\nTurns to add (oldest first):\n";
  for (const auto& m : fold) user += (m.role == "user" ? "Developer: " : "Assistant: ") + m.content.substr(0, 4000) + "\n";
  user += "\nAt most " + std::to_string(budget_tokens * 3 / 4) + " words.";
  llm::ChatRequest request;
  request.messages.push_back(llm::Message{.role = llm::Role::system, .content = kSummaryPrompt});
  request.messages.push_back(llm::Message{.role = llm::Role::user, .content = std::move(user)});
  request.max_tokens = static_cast<int>(budget_tokens * 2);
  context.skip_builtin = true;
  llm::DeltaSink ignore = [](const llm::Delta&) {};
  auto reply = co_await router.chat("summary", std::move(request), ignore, context, cancel);
  if (!reply || reply->response.text.empty()) co_return std::nullopt;
  std::string text = reply->response.text;
  // The budget is the summary's, whatever the model wrote.
  if (approx_tokens(text) > budget_tokens) text = text.substr(0, budget_tokens * 4);
  co_return text;
}

}  // namespace devagent::memory
