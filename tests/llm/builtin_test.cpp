#include "llm/builtin.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace devagent::llm {
namespace {

namespace asio = boost::asio;

// Runs a provider coroutine to completion on its own io_context.
template <class T>
T run(asio::awaitable<T> coroutine) {
  asio::io_context io;
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(coroutine), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result.emplace(std::move(value));
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

Message user(std::string text) {
  Message m;
  m.role = Role::user;
  m.content = std::move(text);
  return m;
}

struct Streamed {
  Outcome<ChatResponse> outcome;
  std::vector<Delta> deltas;

  std::string text() const {
    std::string out;
    for (const auto& d : deltas) {
      if (d.kind == Delta::Kind::text) out += d.text;
    }
    return out;
  }
};

Streamed chat(BuiltinProvider& provider, const ChatRequest& request, CancelToken cancel = {}) {
  std::vector<Delta> deltas;
  const DeltaSink sink = [&](const Delta& d) { deltas.push_back(d); };
  auto outcome = run(provider.chat(request, sink, cancel));
  return Streamed{std::move(outcome), std::move(deltas)};
}

Streamed ask(std::string question) {
  BuiltinProvider provider;
  ChatRequest request;
  request.messages.push_back(user(std::move(question)));
  return chat(provider, request);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(Builtin, DescribesItself) {
  BuiltinProvider provider;
  EXPECT_EQ(provider.name(), "builtin");
  EXPECT_EQ(provider.type(), "builtin");
  EXPECT_EQ(provider.default_model(), "builtin");
  EXPECT_EQ(BuiltinProvider("offline").name(), "offline");

  auto models = run(provider.models({}));
  ASSERT_TRUE(models.has_value());
  ASSERT_EQ(models->size(), 1u);
  EXPECT_EQ((*models)[0].id, "builtin");
  EXPECT_EQ((*models)[0].owned_by, "devagent");
}

struct IntentCase {
  std::string question;
  std::string expected_part;  // a phrase only that reply has
};

TEST(Builtin, AnswersSmallTalkBrieflyAndHonestly) {
  const IntentCase cases[] = {
      {"hi", "Hello!"},
      {"Hello there!", "Hello!"},
      {"hey devagent, how are you?", "Hello!"},
      {"Good morning", "Hello!"},
      {"thanks!", "You're welcome"},
      {"Thank you so much, that was helpful", "You're welcome"},
      {"Who are you?", "not a language model"},
      {"hi, what are you?", "not a language model"},
      {"Are you an LLM?", "not a language model"},
      {"What can you do?", "Offline, without an LLM, devagent can:"},
      {"help", "Offline, without an LLM, devagent can:"},
  };
  for (const auto& c : cases) {
    const auto s = ask(c.question);
    ASSERT_TRUE(s.outcome.has_value()) << c.question;
    EXPECT_TRUE(contains(s.outcome->text, c.expected_part)) << c.question << " -> " << s.outcome->text;
    EXPECT_FALSE(contains(s.outcome->text, "I can't answer that")) << c.question;
  }
  const auto capabilities = ask("What can you do?").outcome->text;
  for (std::string_view part : {"analyse local repositories", "relationships", "search code", "writing", "summarising",
                                "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OLLAMA_HOST"}) {
    EXPECT_TRUE(contains(capabilities, part)) << part;
  }
}

TEST(Builtin, AnythingElseGetsTheNeedsAnLlmAnswer) {
  const std::string questions[] = {
      "How do I reverse a list in Python?",
      "hi, can you explain closures in JavaScript?",
      "thanks, now write me a web server",
      "",
      "   ",
  };
  for (const auto& q : questions) {
    const auto s = ask(q);
    ASSERT_TRUE(s.outcome.has_value()) << q;
    const std::string& text = s.outcome->text;
    EXPECT_TRUE(contains(text, "without an LLM")) << q << " -> " << text;
    EXPECT_TRUE(contains(text, "tools")) << text;
    EXPECT_TRUE(contains(text, "OPENAI_API_KEY")) << text;
    EXPECT_TRUE(contains(text, "ANTHROPIC_API_KEY")) << text;
    EXPECT_TRUE(contains(text, "OLLAMA_HOST")) << text;
  }
}

TEST(Builtin, StreamsWordGroupsThenFinishThenUsage) {
  BuiltinProvider provider;
  ChatRequest request;
  request.messages.push_back(user("How do I reverse a list in Python?"));
  const auto s = chat(provider, request);
  ASSERT_TRUE(s.outcome.has_value());
  const ChatResponse& r = *s.outcome;

  ASSERT_GE(s.deltas.size(), 5u);
  const std::size_t texts = s.deltas.size() - 2;
  for (std::size_t i = 0; i < texts; ++i) {
    EXPECT_EQ(s.deltas[i].kind, Delta::Kind::text);
    EXPECT_FALSE(s.deltas[i].text.empty());
  }
  EXPECT_GE(texts, 3u);
  EXPECT_EQ(s.text(), r.text);
  EXPECT_EQ(s.deltas[texts].kind, Delta::Kind::finish);
  EXPECT_EQ(s.deltas[texts].finish, FinishReason::stop);
  EXPECT_EQ(s.deltas[texts + 1].kind, Delta::Kind::usage);

  EXPECT_EQ(r.model, "builtin");
  EXPECT_EQ(r.finish, FinishReason::stop);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_TRUE(r.usage.estimated);
  const std::int64_t prompt_chars = std::string("How do I reverse a list in Python?").size();  // 34
  EXPECT_EQ(r.usage.input_tokens, (prompt_chars + 3) / 4);
  EXPECT_EQ(r.usage.output_tokens, static_cast<std::int64_t>((r.text.size() + 3) / 4));
  EXPECT_EQ(r.usage.cached_input_tokens, 0);
  const Usage& streamed = s.deltas[texts + 1].usage;
  EXPECT_EQ(streamed.input_tokens, r.usage.input_tokens);
  EXPECT_EQ(streamed.output_tokens, r.usage.output_tokens);
  EXPECT_TRUE(streamed.estimated);
}

TEST(Builtin, WorksWithoutASink) {
  BuiltinProvider provider;
  ChatRequest request;
  request.messages.push_back(user("hello"));
  const auto outcome = run(provider.chat(request, DeltaSink{}, {}));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(contains(outcome->text, "Hello!"));
}

TEST(Builtin, AnAlreadyCancelledCallReturnsCancelledWithoutOutput) {
  BuiltinProvider provider;
  ChatRequest request;
  request.messages.push_back(user("hello"));
  CancelSource source;
  source.cancel("client went away");
  const auto s = chat(provider, request, source.token());
  ASSERT_FALSE(s.outcome.has_value());
  EXPECT_EQ(s.outcome.error().kind, ErrorKind::cancelled);
  EXPECT_FALSE(s.outcome.error().output_started);
  EXPECT_TRUE(s.deltas.empty());
  ASSERT_TRUE(s.outcome.error().usage.has_value());
  EXPECT_TRUE(s.outcome.error().usage->estimated);

  auto embedded = run(provider.embed("", {"x"}, source.token()));
  ASSERT_FALSE(embedded.has_value());
  EXPECT_EQ(embedded.error().kind, ErrorKind::cancelled);
  auto models = run(provider.models(source.token()));
  ASSERT_FALSE(models.has_value());
  EXPECT_EQ(models.error().kind, ErrorKind::cancelled);
}

TEST(Builtin, CancellingMidStreamStopsAtTheNextDelta) {
  BuiltinProvider provider;
  ChatRequest request;
  request.messages.push_back(user("What can you do?"));
  CancelSource source;
  std::vector<Delta> deltas;
  const DeltaSink sink = [&](const Delta& d) {
    deltas.push_back(d);
    source.cancel();  // the client goes away after the first piece
  };
  const auto outcome = run(provider.chat(request, sink, source.token()));
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().kind, ErrorKind::cancelled);
  EXPECT_TRUE(outcome.error().output_started);
  ASSERT_EQ(deltas.size(), 1u);
  ASSERT_TRUE(outcome.error().usage.has_value());
  EXPECT_EQ(outcome.error().usage->output_tokens, static_cast<std::int64_t>((deltas[0].text.size() + 3) / 4));
}

TEST(Builtin, ListsToolResultsAnsweringTheLastQuestion) {
  BuiltinProvider provider;
  ChatRequest request;
  request.messages.push_back(user("What did we talk about before?"));
  Message old_result;
  old_result.role = Role::tool;
  old_result.tool_name = "old_tool";
  old_result.content = "stale";
  request.messages.push_back(old_result);
  request.messages.push_back(user("Where is parse_config defined?"));

  Message call;
  call.role = Role::assistant;
  call.tool_calls.push_back(ToolCall{"call_1", "search_code", R"({"query":"parse_config"})"});
  call.tool_calls.push_back(ToolCall{"call_2", "repo_summary", "{}"});
  request.messages.push_back(call);

  Message found;
  found.role = Role::tool;
  found.tool_call_id = "call_1";  // no tool_name: taken from the call
  found.content = "src/core/config.cpp:42: Config parse_config(\n    std::string_view text)";
  request.messages.push_back(found);

  Message summary;
  summary.role = Role::tool;
  summary.tool_call_id = "call_2";
  summary.tool_name = "repo_summary";
  summary.content = std::string(2000, 'x');
  request.messages.push_back(summary);

  Message empty;
  empty.role = Role::tool;
  empty.tool_name = "list_files";
  request.messages.push_back(empty);

  const auto s = chat(provider, request);
  ASSERT_TRUE(s.outcome.has_value());
  const std::string& text = s.outcome->text;
  EXPECT_TRUE(contains(text, "- search_code: src/core/config.cpp:42: Config parse_config( std::string_view text)"))
      << text;
  EXPECT_TRUE(contains(text, "- repo_summary: xxx")) << text;
  EXPECT_TRUE(contains(text, "…")) << text;  // the long result is cut
  EXPECT_LT(text.size(), 1000u);
  EXPECT_TRUE(contains(text, "- list_files: (no output)")) << text;
  EXPECT_FALSE(contains(text, "old_tool")) << text;  // answered an earlier question
  EXPECT_FALSE(contains(text, "I can't answer that")) << text;
  EXPECT_EQ(s.text(), text);

  const std::int64_t prompt_chars = std::string("What did we talk about before?").size() + 5 +
                                    std::string("Where is parse_config defined?").size() +
                                    std::string(R"({"query":"parse_config"})").size() + 2 + found.content.size() + 2000;
  EXPECT_EQ(s.outcome->usage.input_tokens, (prompt_chars + 3) / 4);
}

TEST(Builtin, EmbeddingsAreDeterministicNormalisedAndInInputOrder) {
  BuiltinProvider provider;
  const std::vector<std::string> inputs = {"How do I reverse a list in Python?", "how can I reverse a Python list",
                                           "What is the capital of France?", ""};
  auto first = run(provider.embed("builtin", inputs, {}));
  auto second = run(provider.embed("", inputs, {}));
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->model, "builtin");
  ASSERT_EQ(first->vectors.size(), inputs.size());
  EXPECT_EQ(first->vectors, second->vectors);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(first->vectors[i].size(), HashEmbedder::kDefaultDimension);
    double sum = 0;
    for (float x : first->vectors[i]) sum += static_cast<double>(x) * x;
    EXPECT_NEAR(std::sqrt(sum), 1.0, 1e-5);
  }
  EXPECT_GT(HashEmbedder::cosine(first->vectors[0], first->vectors[1]), 0.8f);
  EXPECT_LT(HashEmbedder::cosine(first->vectors[0], first->vectors[2]), 0.3f);
  EXPECT_EQ(first->vectors[3], std::vector<float>(HashEmbedder::kDefaultDimension, 0.0f));
  EXPECT_TRUE(first->usage.estimated);
  std::size_t chars = 0;
  for (const auto& in : inputs) chars += in.size();
  EXPECT_EQ(first->usage.input_tokens, static_cast<std::int64_t>((chars + 3) / 4));
  EXPECT_EQ(first->usage.output_tokens, 0);

  EXPECT_EQ(run(BuiltinProvider("b", 64).embed("", {"x"}, {}))->vectors[0].size(), 64u);
}

TEST(Provider, NamesMatchTheEnumerators) {
  EXPECT_EQ(to_string(Role::system), "system");
  EXPECT_EQ(to_string(Role::user), "user");
  EXPECT_EQ(to_string(Role::assistant), "assistant");
  EXPECT_EQ(to_string(Role::tool), "tool");
  EXPECT_EQ(to_string(FinishReason::stop), "stop");
  EXPECT_EQ(to_string(FinishReason::length), "length");
  EXPECT_EQ(to_string(FinishReason::tool_calls), "tool_calls");
  EXPECT_EQ(to_string(FinishReason::content_filter), "content_filter");
  EXPECT_EQ(to_string(FinishReason::cancelled), "cancelled");
  EXPECT_EQ(to_string(FinishReason::error), "error");
  EXPECT_EQ(to_string(FinishReason::unknown), "unknown");
  EXPECT_EQ(to_string(ErrorKind::auth), "auth");
  EXPECT_EQ(to_string(ErrorKind::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(ErrorKind::overloaded), "overloaded");
  EXPECT_EQ(to_string(ErrorKind::bad_request), "bad_request");
  EXPECT_EQ(to_string(ErrorKind::context_length), "context_length");
  EXPECT_EQ(to_string(ErrorKind::server), "server");
  EXPECT_EQ(to_string(ErrorKind::timeout), "timeout");
  EXPECT_EQ(to_string(ErrorKind::connection), "connection");
  EXPECT_EQ(to_string(ErrorKind::cancelled), "cancelled");
  EXPECT_EQ(to_string(ErrorKind::malformed), "malformed");
  EXPECT_EQ(to_string(ErrorKind::unsupported), "unsupported");
}

TEST(Provider, ValueOfAnErrorThrowsWithTheMessage) {
  Error e;
  e.kind = ErrorKind::auth;
  e.message = "bad key";
  Outcome<int> outcome = e;
  try {
    (void)outcome.value();
    FAIL() << "value() did not throw";
  } catch (const std::runtime_error& ex) {
    EXPECT_STREQ(ex.what(), "bad key");
  }
}

}  // namespace
}  // namespace devagent::llm
