// The Ollama provider against the fake upstream (which speaks Ollama's NDJSON
// format and plays faults), plus its decoder and base URL rules on their own.
#include "llm/ollama.h"

#include "http/client.h"
#include "support/coro.h"
#include "support/fake_upstream.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace devagent::llm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using testing::FakeUpstream;
using testing::Reply;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::run_coro;

ProviderSettings settings_for(const FakeUpstream& fake) {
  return ProviderSettings{.name = "ollama",
                          .type = "ollama",
                          .base_url = fake.base_url(),
                          .model = "llama-test",
                          .embedding_model = "embed-test"};
}

Message message(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

ChatRequest hello() {
  ChatRequest r;
  r.messages.push_back(message(Role::user, "Say hello."));
  return r;
}

// Every delta a call streamed.
struct Recorder {
  std::vector<Delta> deltas;
  DeltaSink sink = [this](const Delta& d) { deltas.push_back(d); };

  std::string text() const {
    std::string t;
    for (const auto& d : deltas) {
      if (d.kind == Delta::Kind::text) t += d.text;
    }
    return t;
  }
  std::vector<Delta> of(Delta::Kind kind) const {
    std::vector<Delta> out;
    for (const auto& d : deltas) {
      if (d.kind == kind) out.push_back(d);
    }
    return out;
  }
};

Outcome<ChatResponse> chat(OllamaProvider& provider, const ChatRequest& request, const DeltaSink& sink,
                           CancelToken cancel = {}) {
  return run_coro(provider.chat(request, sink, cancel));
}

json::object last_body(const FakeUpstream& fake) {
  auto requests = fake.requests();
  EXPECT_FALSE(requests.empty());
  if (requests.empty()) return {};
  return json::parse(requests.back().body).as_object();
}

// ------------------------------------------------------------------- chat

TEST(OllamaProvider, StreamsTextAndReportsUsage) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello there, friend!").chunks(4).usage(12, 5));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello there, friend!");
  EXPECT_EQ(rec.text(), "Hello there, friend!");
  EXPECT_EQ(rec.of(Delta::Kind::text).size(), 4u);
  EXPECT_EQ(r->finish, FinishReason::stop);
  EXPECT_EQ(r->model, "llama-test");
  EXPECT_EQ(r->usage.input_tokens, 12);
  EXPECT_EQ(r->usage.output_tokens, 5);
  EXPECT_FALSE(r->usage.estimated);
  ASSERT_EQ(rec.of(Delta::Kind::finish).size(), 1u);
  ASSERT_EQ(rec.of(Delta::Kind::usage).size(), 1u);

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/chat");
  EXPECT_EQ(requests[0].header("authorization"), "");
  auto expected =
      json::parse(R"({"model":"llama-test","messages":[{"role":"user","content":"Say hello."}],"stream":true})");
  EXPECT_EQ(json::value(last_body(fake)), expected);
}

TEST(OllamaProvider, SendsOptionsToolsAndKeyOnlyWhenSet) {
  FakeUpstream fake;
  auto settings = settings_for(fake);
  settings.api_key = "proxy-secret";
  http::Client client;
  OllamaProvider provider(settings, client);
  ChatRequest req = hello();
  req.model = "qwen3:8b";
  req.temperature = 0.25;
  req.max_tokens = 100;
  ToolSpec tool;
  tool.name = "searchCode";
  tool.description = "Search the code";
  tool.parameters = json::parse(R"({"type":"object","properties":{"query":{"type":"string"}}})").as_object();
  req.tools.push_back(tool);
  Recorder rec;

  auto r = chat(provider, req, rec.sink);

  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "qwen3:8b");
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("authorization"), "Bearer proxy-secret");
  auto body = last_body(fake);
  EXPECT_EQ(body.at("model"), "qwen3:8b");
  EXPECT_EQ(body.at("options"), json::parse(R"({"temperature":0.25,"num_predict":100})"));
  auto tools = json::parse(R"([{"type":"function","function":{"name":"searchCode","description":"Search the code",
      "parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}])");
  EXPECT_EQ(body.at("tools"), tools);
}

TEST(OllamaProvider, ToolCallsGetIdsAndArgumentsAsJsonText) {
  FakeUpstream fake;
  fake.push(Reply::text("Let me look.")
                .and_tool_call("searchCode", R"({"query":"x","limit":5})")
                .and_tool_call("readFile", R"({"path":"src/a.cpp"})"));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Let me look.");
  EXPECT_EQ(r->finish, FinishReason::tool_calls);
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_EQ(r->tool_calls[0].id, "call_0");
  EXPECT_EQ(r->tool_calls[0].name, "searchCode");
  EXPECT_EQ(json::parse(r->tool_calls[0].arguments), json::parse(R"({"query":"x","limit":5})"));
  EXPECT_EQ(r->tool_calls[1].id, "call_1");
  EXPECT_EQ(r->tool_calls[1].name, "readFile");
  EXPECT_EQ(json::parse(r->tool_calls[1].arguments), json::parse(R"({"path":"src/a.cpp"})"));

  // Ollama sends each call whole: one delta per call, carrying everything.
  auto pieces = rec.of(Delta::Kind::tool_call);
  ASSERT_EQ(pieces.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(pieces[i].tool_index, i);
    EXPECT_EQ(pieces[i].tool_id, r->tool_calls[i].id);
    EXPECT_EQ(pieces[i].tool_name, r->tool_calls[i].name);
    EXPECT_EQ(pieces[i].tool_arguments, r->tool_calls[i].arguments);
  }
}

TEST(OllamaProvider, SendsAConversationWithToolResultsInOllamaShape) {
  FakeUpstream fake;
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  ChatRequest req;
  req.messages.push_back(message(Role::system, "You are terse."));
  req.messages.push_back(message(Role::user, "Find x."));
  Message assistant = message(Role::assistant, "");
  assistant.tool_calls.push_back({.id = "call_0", .name = "searchCode", .arguments = R"({"query":"x"})"});
  assistant.tool_calls.push_back({.id = "call_1", .name = "listFiles", .arguments = "not json"});
  req.messages.push_back(assistant);
  Message found = message(Role::tool, "found in a.cpp");
  found.tool_call_id = "call_0";
  found.tool_name = "searchCode";
  req.messages.push_back(found);
  Message listed = message(Role::tool, "a.cpp b.cpp");
  listed.tool_call_id = "call_1";  // no tool_name: taken from the call it answers
  req.messages.push_back(listed);
  Recorder rec;

  auto r = chat(provider, req, rec.sink);

  ASSERT_TRUE(r) << r.error().message;
  auto expected = json::parse(R"([
    {"role":"system","content":"You are terse."},
    {"role":"user","content":"Find x."},
    {"role":"assistant","content":"","tool_calls":[
      {"function":{"name":"searchCode","arguments":{"query":"x"}}},
      {"function":{"name":"listFiles","arguments":{}}}]},
    {"role":"tool","content":"found in a.cpp","tool_name":"searchCode"},
    {"role":"tool","content":"a.cpp b.cpp","tool_name":"listFiles"}])");
  EXPECT_EQ(last_body(fake).at("messages"), expected);
}

TEST(OllamaProvider, NoUsageFromTheServerIsEstimated) {
  FakeUpstream fake;
  fake.push(Reply::text("A reply with no counters at all.").no_usage());
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->finish, FinishReason::stop);
  EXPECT_TRUE(r->usage.estimated);
  EXPECT_GT(r->usage.input_tokens, 0);
  EXPECT_GT(r->usage.output_tokens, 0);
  auto usage = rec.of(Delta::Kind::usage);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_TRUE(usage[0].usage.estimated);
}

// ---------------------------------------------------------------- base URL

TEST(OllamaProvider, NormalisesHostsTheWayOllamaReadsThem) {
  struct Case {
    std::string in, out;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1:11434", "http://127.0.0.1:11434"},
      {"0.0.0.0:11434", "http://127.0.0.1:11434"},
      {"http://h:1/", "http://h:1"},
      {"", "http://127.0.0.1:11434"},
      {"0.0.0.0", "http://127.0.0.1:11434"},
      {"gpu-box", "http://gpu-box:11434"},
      {"  \"gpu-box:8000\"  ", "http://gpu-box:8000"},
      {"https://ollama.example.com", "https://ollama.example.com"},
      {"http://0.0.0.0:11434", "http://127.0.0.1:11434"},
      {"[::]:11434", "http://[::1]:11434"},
      {"[fe80::1]:9000", "http://[fe80::1]:9000"},
      {"http://proxy:8080/ollama/", "http://proxy:8080/ollama"},
  };
  for (const auto& c : cases) EXPECT_EQ(OllamaProvider::normalise_host(c.in), c.out) << "OLLAMA_HOST=" << c.in;
}

TEST(OllamaProvider, ReachesAHostGivenWithoutScheme) {
  FakeUpstream fake;
  auto settings = settings_for(fake);
  settings.base_url = "0.0.0.0:" + std::to_string(fake.port());
  http::Client client;
  OllamaProvider provider(settings, client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello from the fake upstream.");
}

// ------------------------------------------------------------------ errors

struct HttpErrorCase {
  const char* name;
  Reply reply;
  ErrorKind kind;
  int status;
};

TEST(OllamaProvider, HttpErrorsBecomeErrorKinds) {
  const std::vector<HttpErrorCase> cases = {
      {"model not found", Reply::http_error(404), ErrorKind::bad_request, 404},
      {"server error", Reply::http_error(500), ErrorKind::server, 500},
      {"context too long", Reply::context_length_exceeded(9000, 8192), ErrorKind::context_length, 400},
      {"unauthorized proxy", Reply::http_error(401), ErrorKind::auth, 401},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeUpstream fake;
    fake.push(c.reply);
    http::Client client;
    OllamaProvider provider(settings_for(fake), client);
    Recorder rec;

    auto r = chat(provider, hello(), rec.sink);

    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, c.kind) << r.error().message;
    EXPECT_EQ(r.error().status, c.status);
    EXPECT_FALSE(r.error().output_started);
    EXPECT_TRUE(rec.deltas.empty());
  }
}

TEST(OllamaProvider, ModelNotFoundCarriesOllamasMessage) {
  FakeUpstream fake;
  fake.push(Reply::http_error(404));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::bad_request);
  EXPECT_NE(r.error().message.find("model \"llama-test\" not found"), std::string::npos) << r.error().message;
}

TEST(OllamaProvider, RateLimitedCarriesRetryAfter) {
  FakeUpstream fake;
  fake.push(Reply::http_error(429).retry_after(2));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::rate_limited);
  ASSERT_TRUE(r.error().retry_after);
  EXPECT_EQ(*r.error().retry_after, 2000ms);
}

TEST(OllamaProvider, ErrorLineMidStreamIsAServerError) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello there, friend!").chunks(4).error_after(2));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server);
  EXPECT_NE(r.error().message.find("an error was encountered while running the model"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_TRUE(r.error().usage->estimated);
  EXPECT_EQ(rec.text(), "Hello ther");
}

TEST(OllamaProvider, ContextErrorLineMidStreamIsContextLength) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello").error_after(0).error(
      "", "the input length (9000 tokens) exceeds the context length (8192 tokens)"));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::context_length) << r.error().message;
  EXPECT_FALSE(r.error().output_started);
}

TEST(OllamaProvider, CutMidStreamIsAConnectionErrorWithEstimatedUsage) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello there, friend!").chunks(4).cut_after(2));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::connection) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_TRUE(r.error().usage->estimated);
  EXPECT_GT(r.error().usage->input_tokens, 0);
  EXPECT_EQ(r.error().usage->output_tokens, estimate_tokens("Hello ther"));
}

TEST(OllamaProvider, LineThatIsNotJsonIsMalformed) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello there, friend!").chunks(4).malformed_after(1));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  Recorder rec;

  auto r = chat(provider, hello(), rec.sink);

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::malformed) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
}

TEST(OllamaProvider, CancellingAStalledStreamClosesTheConnectionAtOnce) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello there, friend!").chunks(4).stall_after(2));
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  CancelSource source;
  std::promise<void> first_output;
  std::atomic<bool> signalled{false};
  DeltaSink sink = [&](const Delta&) {
    if (!signalled.exchange(true)) first_output.set_value();
  };
  std::atomic<Clock::rep> cancelled_at{0};
  std::thread canceller([&, output = first_output.get_future()] {
    output.wait_for(5s);
    std::this_thread::sleep_for(50ms);  // let the stall begin
    cancelled_at = Clock::now().time_since_epoch().count();
    source.cancel("test");
  });

  auto r = chat(provider, hello(), sink, source.token());
  auto returned = Clock::now();
  canceller.join();

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_TRUE(r.error().usage->estimated);
  Clock::time_point cancel_time{Clock::duration(cancelled_at.load())};
  EXPECT_LT(returned - cancel_time, 100ms);
  auto gone = fake.wait_for_disconnect(100ms);
  ASSERT_TRUE(gone) << "the fake upstream never saw the connection close";
  EXPECT_LT(*gone - cancel_time, 100ms);
}

// -------------------------------------------------------- embed and models

TEST(OllamaProvider, EmbedsInInputOrder) {
  FakeUpstream fake;
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);
  std::vector<std::string> both = {"alpha", "beta"};
  std::vector<std::string> second = {"beta"};

  auto r = run_coro(provider.embed("", both, {}));
  auto again = run_coro(provider.embed("", second, {}));

  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(r->model, "embed-test");
  ASSERT_EQ(r->vectors.size(), 2u);
  EXPECT_FALSE(r->vectors[0].empty());
  EXPECT_EQ(r->vectors[0].size(), r->vectors[1].size());
  EXPECT_NE(r->vectors[0], r->vectors[1]);
  ASSERT_EQ(again->vectors.size(), 1u);
  EXPECT_EQ(again->vectors[0], r->vectors[1]);
  EXPECT_GT(r->usage.input_tokens, 0);
  EXPECT_FALSE(r->usage.estimated);

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/api/embed");
  EXPECT_EQ(json::parse(requests[0].body), json::parse(R"({"model":"embed-test","input":["alpha","beta"]})"));
}

TEST(OllamaProvider, EmbedWithoutAModelNamesTheSetting) {
  FakeUpstream fake;
  auto settings = settings_for(fake);
  settings.embedding_model.clear();
  http::Client client;
  OllamaProvider provider(settings, client);
  std::vector<std::string> inputs = {"alpha"};

  auto r = run_coro(provider.embed("", inputs, {}));

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::bad_request);
  EXPECT_NE(r.error().message.find("providers.ollama.embedding_model"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fake.requests().empty());
}

TEST(OllamaProvider, ListsModels) {
  FakeUpstream fake;
  fake.set_models({"llama3.2:latest", "qwen3:8b"});
  http::Client client;
  OllamaProvider provider(settings_for(fake), client);

  auto r = run_coro(provider.models({}));

  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "llama3.2:latest");
  EXPECT_EQ((*r)[1].id, "qwen3:8b");
  EXPECT_EQ((*r)[0].owned_by, "ollama");
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/api/tags");
}

// ----------------------------------------------------------------- decoder

// A stream as Ollama writes it: text, two calls on one line, a third call
// and the last text on the final line.
const char* const kRecordedStream =
    R"({"model":"qwen3","created_at":"2025-06-01T10:00:00.1Z","message":{"role":"assistant","content":"Checking "},"done":false})"
    "\n"
    R"({"model":"qwen3","created_at":"2025-06-01T10:00:00.2Z","message":{"role":"assistant","content":"both\u2014"},"done":false})"
    "\n"
    R"({"model":"qwen3","created_at":"2025-06-01T10:00:00.3Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_temperature","arguments":{"city":"New York"}}},{"function":{"index":1,"name":"get_conditions","arguments":{"city":"New York"}}}]},"done":false})"
    "\r\n"
    R"({"model":"qwen3","created_at":"2025-06-01T10:00:00.4Z","message":{"role":"assistant","content":" ok.","tool_calls":[{"function":{"name":"get_temperature","arguments":{"city":"London"}}}]},"done_reason":"stop","done":true,"total_duration":885095291,"load_duration":3753500,"prompt_eval_count":122,"prompt_eval_duration":328493000,"eval_count":33,"eval_duration":552222000})"
    "\n";

struct Decoded {
  std::vector<Delta> deltas;
  DeltaSink sink = [this](const Delta& d) { deltas.push_back(d); };
  ReplyAssembler out{sink};
  OllamaDecoder decoder;

  Outcome<void> feed(std::string_view bytes) { return decoder.feed(bytes, out); }
};

TEST(OllamaDecoder, DecodesARecordedStreamFedOneByteAtATime) {
  Decoded d;
  std::string_view stream = kRecordedStream;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    EXPECT_FALSE(d.decoder.complete()) << "at byte " << i;
    auto r = d.feed(stream.substr(i, 1));
    ASSERT_TRUE(r) << "at byte " << i << ": " << r.error().message;
  }
  EXPECT_TRUE(d.decoder.complete());

  auto reply = d.out.response("qwen3");
  EXPECT_EQ(reply.text, "Checking both\u2014 ok.");
  EXPECT_EQ(reply.finish, FinishReason::tool_calls);
  EXPECT_EQ(reply.usage.input_tokens, 122);
  EXPECT_EQ(reply.usage.output_tokens, 33);
  EXPECT_FALSE(reply.usage.estimated);
  ASSERT_EQ(reply.tool_calls.size(), 3u);
  const char* names[] = {"get_temperature", "get_conditions", "get_temperature"};
  const char* args[] = {R"({"city":"New York"})", R"({"city":"New York"})", R"({"city":"London"})"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reply.tool_calls[i].id, "call_" + std::to_string(i));
    EXPECT_EQ(reply.tool_calls[i].name, names[i]);
    EXPECT_EQ(json::parse(reply.tool_calls[i].arguments), json::parse(args[i]));
  }
  int pieces = 0;
  for (const auto& delta : d.deltas) pieces += delta.kind == Delta::Kind::tool_call;
  EXPECT_EQ(pieces, 3);
}

TEST(OllamaDecoder, FinishFollowsDoneReason) {
  struct Case {
    std::string done_fields;
    bool with_call;
    FinishReason expected;
  };
  const std::vector<Case> cases = {
      {R"("done_reason":"stop")", false, FinishReason::stop},
      {R"("done_reason":"stop")", true, FinishReason::tool_calls},
      {R"("done_reason":"length")", false, FinishReason::length},
      {R"("done_reason":"length")", true, FinishReason::length},
      {R"("done_reason":"load")", false, FinishReason::unknown},
      {"", false, FinishReason::stop},  // servers before done_reason existed
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.done_fields + (c.with_call ? " with a call" : ""));
    Decoded d;
    std::string calls = c.with_call ? R"(,"tool_calls":[{"function":{"name":"f","arguments":{}}}])" : "";
    std::string fields = c.done_fields.empty() ? "" : c.done_fields + ",";
    std::string line = R"({"model":"m","message":{"role":"assistant","content":"x")" + calls + "}," + fields +
                       R"("done":true})" + "\n";
    ASSERT_TRUE(d.feed(line));
    EXPECT_TRUE(d.decoder.complete());
    EXPECT_EQ(d.out.response("m").finish, c.expected);
    EXPECT_FALSE(d.out.has_usage());  // no counters: left to the shared flow
  }
}

TEST(OllamaDecoder, KeepsAnIdTheServerSends) {
  Decoded d;
  ASSERT_TRUE(d.feed(
      R"({"message":{"role":"assistant","content":"","tool_calls":[{"id":"abc","function":{"name":"f","arguments":{"a":1}}}]},"done":false})"
      "\n"));
  auto reply = d.out.response("m");
  ASSERT_EQ(reply.tool_calls.size(), 1u);
  EXPECT_EQ(reply.tool_calls[0].id, "abc");
  EXPECT_EQ(reply.tool_calls[0].arguments, R"({"a":1})");
}

TEST(OllamaDecoder, ErrorLinesAndGarbageStopDecoding) {
  struct Case {
    std::string line;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {R"({"error":"an error was encountered while running the model"})", ErrorKind::server},
      {R"j({"error":"the input length (9000 tokens) exceeds the context length (8192 tokens)"})j",
       ErrorKind::context_length},
      {R"({"model":"m","message":{"role":"assistant","content":)", ErrorKind::malformed},
      {"404 page not found", ErrorKind::malformed},
      {R"(["not","an","object"])", ErrorKind::malformed},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    Decoded d;
    ASSERT_TRUE(d.feed(R"({"message":{"role":"assistant","content":"Hi"},"done":false})"
                       "\n"));
    auto r = d.feed(c.line + "\n");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, c.kind) << r.error().message;
    EXPECT_FALSE(d.decoder.complete());
  }
}

}  // namespace
}  // namespace devagent::llm
