#include "llm/builtin.h"

#include <algorithm>
#include <optional>
#include <span>
#include <utility>

namespace devagent::llm {
namespace {

constexpr std::string_view kGreetingReply =
    "Hello! I'm devagent's built-in offline engine, not a language model. I can analyse local repositories, find "
    "relationships in code and search it. Ask \"what can you do?\" to see more.";

constexpr std::string_view kThanksReply = "You're welcome!";

constexpr std::string_view kIdentityReply =
    "I'm devagent's built-in offline engine. I am not a language model and don't pretend to be one: without an LLM "
    "configured, devagent answers from the results of its own tools — analysing local repositories, finding "
    "relationships in code and searching code. To get answers to open-ended questions, configure an LLM: set "
    "OPENAI_API_KEY or ANTHROPIC_API_KEY, or OLLAMA_HOST for a local Ollama server.";

constexpr std::string_view kCapabilitiesReply =
    "Offline, without an LLM, devagent can:\n"
    "- analyse local repositories (languages, structure, dependencies)\n"
    "- find relationships in code (what calls, includes or depends on what)\n"
    "- search code\n"
    "\n"
    "These need an LLM configured: open-ended explanations, writing or changing code, summarising prose. To "
    "configure one, set OPENAI_API_KEY or ANTHROPIC_API_KEY, or OLLAMA_HOST for a local Ollama server, in the "
    "environment devagent starts in.";

constexpr std::string_view kNeedsLlmReply =
    "I can't answer that on my own: devagent is running without an LLM, so it can only answer from the results of "
    "its tools (repository analysis, code relationships, code search). For open-ended questions, configure an LLM: "
    "set OPENAI_API_KEY or ANTHROPIC_API_KEY, or OLLAMA_HOST for a local Ollama server, in the environment devagent "
    "starts in.";

constexpr std::string_view kToolResultsHeader =
    "Results from devagent's tools (no LLM is configured, so they are shown as they came):\n";

constexpr std::size_t kWordsPerDelta = 4;
constexpr std::size_t kToolResultChars = 300;  // each tool result is cut to about this many bytes

// ---------------------------------------------------------------------------
// What the last user message asks for.
// ---------------------------------------------------------------------------
enum class Intent { greeting, thanks, identity, capabilities, other };

// Lowercase ASCII words, apostrophes dropped ("what's" -> "whats").
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (c == '\'') continue;
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      current += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

bool contains_phrase(const std::string& joined, std::string_view phrase) {
  // joined is " w1 w2 ... wn "; a phrase matches whole words only.
  std::string needle = " ";
  needle += phrase;
  needle += ' ';
  return joined.find(needle) != std::string::npos;
}

bool is_in(std::string_view word, std::span<const std::string_view> vocabulary) {
  return std::find(vocabulary.begin(), vocabulary.end(), word) != vocabulary.end();
}

bool all_in(const std::vector<std::string>& words, std::span<const std::string_view> vocabulary) {
  return std::all_of(words.begin(), words.end(), [&](const std::string& w) { return is_in(w, vocabulary); });
}

bool any_in(const std::vector<std::string>& words, std::span<const std::string_view> vocabulary) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) { return is_in(w, vocabulary); });
}

bool contains_any_phrase(const std::string& joined, std::span<const std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(), [&](std::string_view p) { return contains_phrase(joined, p); });
}

constexpr std::string_view kIdentityPhrases[] = {
    "who are you",   "what are you",    "what is devagent", "whats devagent",     "who made you",    "your name",
    "are you an ai", "are you a bot",   "are you an llm",   "are you human",      "are you a human", "are you chatgpt",
    "are you gpt",   "are you a robot", "are you claude",   "introduce yourself",
};
constexpr std::string_view kCapabilityPhrases[] = {
    "what can you do",        "what do you do",    "how can you help",        "what can i ask",
    "what can devagent do",   "your capabilities", "what are you capable of", "what can you help",
    "what are your features", "how do i use you",
};
constexpr std::string_view kHelpMessages[] = {"help", "help me", "usage"};

constexpr std::string_view kGreetingWords[] = {
    "hi", "hello", "hey", "hiya", "howdy", "greetings", "yo", "morning", "hallo",
};
// Words a greeting may carry besides the greeting itself: "hey there", "good
// morning", "hi devagent, how are you?".
constexpr std::string_view kGreetingVocabulary[] = {
    "hi",        "hello",   "hey",   "hiya",  "howdy", "greetings", "yo",       "morning", "hallo",  "good",
    "afternoon", "evening", "day",   "there", "all",   "everyone",  "devagent", "how",     "are",    "you",
    "doing",     "today",   "whats", "up",    "sup",   "is",        "it",       "going",   "friend", "again",
};
constexpr std::string_view kThanksWords[] = {"thanks", "thank", "thx", "ty", "cheers", "appreciated"};
constexpr std::string_view kThanksVocabulary[] = {
    "thanks", "thank", "thx",     "ty",   "cheers", "appreciated", "you",     "so",   "very",
    "much",   "a",     "lot",     "many", "great",  "awesome",     "perfect", "ok",   "okay",
    "that",   "thats", "helpful", "was",  "it",     "works",       "nice",    "cool", "again",
};

Intent classify(std::string_view message) {
  const std::vector<std::string> words = words_of(message);
  if (words.empty()) return Intent::other;
  std::string joined = " ";
  for (const auto& w : words) joined += w + ' ';

  if (contains_any_phrase(joined, kIdentityPhrases)) return Intent::identity;
  const std::string_view trimmed = std::string_view(joined).substr(1, joined.size() - 2);
  if (is_in(trimmed, kHelpMessages) || contains_any_phrase(joined, kCapabilityPhrases)) return Intent::capabilities;
  const bool greets = any_in(words, kGreetingWords) || contains_phrase(joined, "good morning") ||
                      contains_phrase(joined, "good afternoon") || contains_phrase(joined, "good evening");
  if (greets && all_in(words, kGreetingVocabulary)) return Intent::greeting;
  if (any_in(words, kThanksWords) && all_in(words, kThanksVocabulary)) return Intent::thanks;
  return Intent::other;
}

// ---------------------------------------------------------------------------
// Tool results: listed back one line each.
// ---------------------------------------------------------------------------

// Whitespace runs become one space; cut at max bytes on a UTF-8 boundary.
std::string compact(std::string_view text, std::size_t max) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() <= max) return out;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  out += "…";
  return out;
}

// The tool's name: from the message, else from the assistant call it answers.
std::string tool_name_of(const std::vector<Message>& messages, std::size_t index) {
  const Message& m = messages[index];
  if (!m.tool_name.empty()) return m.tool_name;
  for (std::size_t i = index; i-- > 0;) {
    for (const auto& call : messages[i].tool_calls) {
      if (!m.tool_call_id.empty() && call.id == m.tool_call_id) return call.name;
    }
  }
  return "tool";
}

std::string list_tool_results(const std::vector<Message>& messages, std::size_t from) {
  std::string out(kToolResultsHeader);
  for (std::size_t i = from; i < messages.size(); ++i) {
    if (messages[i].role != Role::tool) continue;
    std::string content = compact(messages[i].content, kToolResultChars);
    if (content.empty()) content = "(no output)";
    out += "- ";
    out += tool_name_of(messages, i);
    out += ": ";
    out += content;
    out += '\n';
  }
  out.pop_back();  // the last newline
  return out;
}

// ---------------------------------------------------------------------------
// Streaming and usage.
// ---------------------------------------------------------------------------

// Pieces of about kWordsPerDelta words, each keeping the whitespace that
// follows it, so the pieces concatenate to the text.
std::vector<std::string_view> word_groups(std::string_view text) {
  std::vector<std::string_view> groups;
  std::size_t start = 0;
  std::size_t words = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool space = text[i] == ' ' || text[i] == '\n';
    const bool word_starts = !space && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n');
    if (word_starts && words++ == kWordsPerDelta) {
      groups.push_back(text.substr(start, i - start));
      start = i;
      words = 1;
    }
  }
  if (start < text.size()) groups.push_back(text.substr(start));
  return groups;
}

std::int64_t estimate_tokens(std::size_t chars) {
  return static_cast<std::int64_t>((chars + 3) / 4);
}

std::size_t prompt_chars(const std::vector<Message>& messages) {
  std::size_t chars = 0;
  for (const auto& m : messages) {
    chars += m.content.size();
    for (const auto& call : m.tool_calls) chars += call.arguments.size();
  }
  return chars;
}

Error cancelled_error(const CancelToken& cancel, bool output_started, std::optional<Usage> usage) {
  Error e;
  e.kind = ErrorKind::cancelled;
  e.message = cancel.reason().empty() ? "cancelled" : cancel.reason();
  e.output_started = output_started;
  e.usage = usage;
  return e;
}

void send(const DeltaSink& sink, const Delta& delta) {
  if (sink) sink(delta);
}

}  // namespace

BuiltinProvider::BuiltinProvider(std::string name, std::size_t embedding_dimension)
    : name_(std::move(name)), embedder_(embedding_dimension) {}

std::string BuiltinProvider::reply(const std::vector<Message>& messages) {
  std::size_t last_user = messages.size();
  for (std::size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == Role::user) {
      last_user = i;
      break;
    }
  }
  const std::size_t answers_from = last_user == messages.size() ? 0 : last_user + 1;
  const bool has_tool_results = std::any_of(messages.begin() + static_cast<std::ptrdiff_t>(answers_from),
                                            messages.end(), [](const Message& m) { return m.role == Role::tool; });
  if (has_tool_results) return list_tool_results(messages, answers_from);

  std::string_view question;
  if (last_user < messages.size()) question = messages[last_user].content;
  switch (classify(question)) {
    case Intent::greeting:
      return std::string(kGreetingReply);
    case Intent::thanks:
      return std::string(kThanksReply);
    case Intent::identity:
      return std::string(kIdentityReply);
    case Intent::capabilities:
      return std::string(kCapabilitiesReply);
    case Intent::other:
      break;
  }
  return std::string(kNeedsLlmReply);
}

boost::asio::awaitable<Outcome<ChatResponse>> BuiltinProvider::chat(const ChatRequest& request, const DeltaSink& sink,
                                                                    CancelToken cancel) {
  Usage usage;
  usage.input_tokens = estimate_tokens(prompt_chars(request.messages));
  usage.estimated = true;
  if (cancel.cancelled()) {
    Error error = cancelled_error(cancel, false, usage);
    co_return error;
  }

  ChatResponse response;
  response.model = model_;
  response.text = reply(request.messages);

  std::size_t sent = 0;
  for (std::string_view piece : word_groups(response.text)) {
    if (cancel.cancelled()) {
      usage.output_tokens = estimate_tokens(sent);
      Error error = cancelled_error(cancel, sent > 0, usage);
      co_return error;
    }
    Delta delta;
    delta.kind = Delta::Kind::text;
    delta.text = std::string(piece);
    send(sink, delta);
    sent += piece.size();
  }

  usage.output_tokens = estimate_tokens(response.text.size());
  response.finish = FinishReason::stop;
  response.usage = usage;

  Delta finish;
  finish.kind = Delta::Kind::finish;
  finish.finish = FinishReason::stop;
  send(sink, finish);
  Delta usage_delta;
  usage_delta.kind = Delta::Kind::usage;
  usage_delta.usage = usage;
  send(sink, usage_delta);
  co_return response;
}

boost::asio::awaitable<Outcome<Embeddings>> BuiltinProvider::embed(const std::string& /*model*/,
                                                                   const std::vector<std::string>& inputs,
                                                                   CancelToken cancel) {
  Usage usage;
  usage.estimated = true;
  std::size_t chars = 0;
  for (const auto& input : inputs) chars += input.size();
  usage.input_tokens = estimate_tokens(chars);
  if (cancel.cancelled()) {
    Error error = cancelled_error(cancel, false, usage);
    co_return error;
  }

  Embeddings result;
  result.model = model_;
  result.vectors.reserve(inputs.size());
  for (const auto& input : inputs) result.vectors.push_back(embedder_.embed(input));
  result.usage = usage;
  co_return result;
}

boost::asio::awaitable<Outcome<std::vector<ModelInfo>>> BuiltinProvider::models(CancelToken cancel) {
  if (cancel.cancelled()) {
    Error error = cancelled_error(cancel, false, std::nullopt);
    co_return error;
  }
  ModelInfo info;
  info.id = model_;
  info.owned_by = "devagent";
  std::vector<ModelInfo> list;
  list.push_back(std::move(info));
  co_return list;
}

}  // namespace devagent::llm
