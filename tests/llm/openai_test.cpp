// The OpenAI provider against the fake upstream speaking OpenAI's format.
#include "llm/openai.h"

#include "support/coro.h"
#include "support/fake_upstream.h"
#include "support/http_client.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace devagent::llm {
namespace {

using testing::FakeUpstream;
using testing::Reply;
using testing::run_coro;
using namespace std::chrono_literals;

struct Fixture {
  FakeUpstream fake;
  http::Client client;
  OpenAiProvider provider{ProviderSettings{.name = "openai",
                                           .type = "openai",
                                           .base_url = fake.base_url(),
                                           .api_key = "sk-test",
                                           .model = "gpt-test",
                                           .embedding_model = "embed-test"},
                          client};
  std::vector<Delta> deltas;
  DeltaSink sink = [this](const Delta& d) { deltas.push_back(d); };

  Outcome<ChatResponse> chat(const std::string& question, CancelToken cancel = {}) {
    ChatRequest req;
    req.messages = {{.role = Role::system, .content = "be brief"}, {.role = Role::user, .content = question}};
    return run_coro(provider.chat(req, sink, cancel));
  }
  std::string streamed_text() const {
    std::string s;
    for (const auto& d : deltas) if (d.kind == Delta::Kind::text) s += d.text;
    return s;
  }
};

TEST(OpenAi, StreamsTextWithUsageAndSendsTheDocumentedRequest) {
  Fixture f;
  f.fake.push(Reply::text("Hello there, developer.").chunks(5).usage(30, 6, 10));
  auto r = f.chat("hi");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello there, developer.");
  EXPECT_EQ(f.streamed_text(), r->text);
  EXPECT_GE(std::count_if(f.deltas.begin(), f.deltas.end(), [](const Delta& d) { return d.kind == Delta::Kind::text; }), 5);
  EXPECT_EQ(r->finish, FinishReason::stop);
  EXPECT_EQ(r->usage.input_tokens, 30);
  EXPECT_EQ(r->usage.output_tokens, 6);
  EXPECT_EQ(r->usage.cached_input_tokens, 10);
  EXPECT_FALSE(r->usage.estimated);

  auto reqs = f.fake.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/v1/chat/completions");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer sk-test");
  auto body = boost::json::parse(reqs[0].body).as_object();
  EXPECT_EQ(body.at("model").as_string(), "gpt-test");
  EXPECT_TRUE(body.at("stream").as_bool());
  EXPECT_TRUE(body.at("stream_options").at("include_usage").as_bool());
  EXPECT_EQ(body.at("messages").at(0).at("role").as_string(), "system");
  EXPECT_EQ(body.at("messages").at(1).at("content").as_string(), "hi");
}

TEST(OpenAi, ToolCallSplitIntoOneBytePiecesIsReassembled) {
  Fixture f;
  std::string args = R"({"query":"parse_config","regex":false,"limit":5})";
  f.fake.push(Reply::tool_call("searchCode", args).piece_bytes(1).and_tool_call("readFile", R"({"path":"a.cpp"})"));
  auto r = f.chat("find parse_config");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_EQ(r->tool_calls[0].name, "searchCode");
  EXPECT_EQ(r->tool_calls[0].arguments, args);
  EXPECT_FALSE(r->tool_calls[0].id.empty());
  EXPECT_EQ(r->tool_calls[1].name, "readFile");
  EXPECT_EQ(r->tool_calls[1].arguments, R"({"path":"a.cpp"})");
  EXPECT_EQ(r->finish, FinishReason::tool_calls);
  auto pieces = std::count_if(f.deltas.begin(), f.deltas.end(), [](const Delta& d) { return d.kind == Delta::Kind::tool_call; });
  EXPECT_GT(pieces, static_cast<long>(args.size()) / 2);
}

TEST(OpenAi, ToolDefinitionsAndResultsGoOutInOpenAisShape) {
  Fixture f;
  ChatRequest req;
  req.messages = {{.role = Role::user, .content = "q"},
                  {.role = Role::assistant, .tool_calls = {{.id = "call_1", .name = "searchCode", .arguments = "{\"query\":\"x\"}"}}},
                  {.role = Role::tool, .content = "3 matches", .tool_call_id = "call_1", .tool_name = "searchCode"}};
  req.tools = {{.name = "searchCode", .description = "Search code", .parameters = {{"type", "object"}}}};
  auto r = run_coro(f.provider.chat(req, f.sink, {}));
  ASSERT_TRUE(r) << r.error().message;
  auto body = boost::json::parse(f.fake.requests().at(0).body).as_object();
  const auto& msgs = body.at("messages").as_array();
  EXPECT_TRUE(msgs.at(1).at("content").is_null());
  EXPECT_EQ(msgs.at(1).at("tool_calls").at(0).at("function").at("name").as_string(), "searchCode");
  EXPECT_EQ(msgs.at(1).at("tool_calls").at(0).at("type").as_string(), "function");
  EXPECT_EQ(msgs.at(2).at("role").as_string(), "tool");
  EXPECT_EQ(msgs.at(2).at("tool_call_id").as_string(), "call_1");
  EXPECT_EQ(body.at("tools").at(0).at("function").at("parameters").at("type").as_string(), "object");
}

TEST(OpenAi, HttpErrorsBecomeKindsTheRouterCanActOn) {
  struct Case {
    Reply reply;
    ErrorKind kind;
  };
  std::vector<Case> cases = {{Reply::http_error(401), ErrorKind::auth},
                             {Reply::http_error(429).retry_after(3), ErrorKind::rate_limited},
                             {Reply::http_error(500), ErrorKind::server},
                             {Reply::http_error(503), ErrorKind::server},
                             {Reply::http_error(400), ErrorKind::bad_request},
                             {Reply::context_length_exceeded(), ErrorKind::context_length}};
  for (auto& c : cases) {
    Fixture f;
    int status = c.reply.status;
    f.fake.push(c.reply);
    auto r = f.chat("q");
    ASSERT_FALSE(r) << status;
    EXPECT_EQ(r.error().kind, c.kind) << status << ": " << r.error().message;
    EXPECT_EQ(r.error().status, status);
    EXPECT_FALSE(r.error().output_started);
    if (c.kind == ErrorKind::rate_limited) {
      ASSERT_TRUE(r.error().retry_after);
      EXPECT_EQ(*r.error().retry_after, 3s);
    }
  }
}

TEST(OpenAi, StreamCutMidwayIsAConnectionErrorAfterOutput) {
  Fixture f;
  f.fake.push(Reply::text("one two three four five six").chunks(6).cut_after(3));
  auto r = f.chat("q");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::connection) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_TRUE(r.error().usage->estimated);
  EXPECT_GT(r.error().usage->input_tokens, 0);
  EXPECT_FALSE(f.streamed_text().empty());
}

TEST(OpenAi, ErrorInsideTheStreamIsReported) {
  Fixture f;
  f.fake.push(Reply::text("partial answer here").chunks(3).error_after(2));
  auto r = f.chat("q");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server);
  EXPECT_TRUE(r.error().output_started);
}

TEST(OpenAi, MalformedChunkIsMalformed) {
  Fixture f;
  f.fake.push(Reply::text("a b c").chunks(3).malformed_after(2));
  auto r = f.chat("q");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::malformed);
}

TEST(OpenAi, MissingUsageIsEstimated) {
  Fixture f;
  f.fake.push(Reply::text("twelve chars").no_usage());
  auto r = f.chat("a question of some length");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->usage.estimated);
  EXPECT_EQ(r->usage.output_tokens, 3);
  EXPECT_GT(r->usage.input_tokens, 0);
  ASSERT_FALSE(f.deltas.empty());
  EXPECT_EQ(f.deltas.back().kind, Delta::Kind::usage);
}

TEST(OpenAi, CancellationClosesTheUpstreamWithin100ms) {
  Fixture f;
  f.fake.push(Reply::text("streaming forever").chunks(4).stall_after(2));
  CancelSource source;
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller;
  f.sink = [&](const Delta& d) {
    f.deltas.push_back(d);
    if (!canceller.joinable()) {
      canceller = std::thread([&] {
        std::this_thread::sleep_for(30ms);
        cancelled_at = std::chrono::steady_clock::now();
        source.cancel("user pressed stop");
      });
    }
  };
  auto r = f.chat("q", source.token());
  auto returned = std::chrono::steady_clock::now();
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled);
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_GT(r.error().usage->output_tokens, 0);
  EXPECT_LT(returned - cancelled_at, 100ms);
  auto seen = f.fake.wait_for_disconnect(2s);
  ASSERT_TRUE(seen);
  EXPECT_LT(*seen - cancelled_at, 100ms);
}

TEST(OpenAi, StallIsAnIdleTimeout) {
  FakeUpstream fake;
  http::Client client(http::ClientOptions{.idle_timeout = 200ms});
  OpenAiProvider p({.name = "openai", .base_url = fake.base_url(), .model = "m"}, client);
  fake.push(Reply::text("a b c d").stall_after(2));
  ChatRequest req;
  req.messages = {{.role = Role::user, .content = "q"}};
  auto r = run_coro(p.chat(req, [](const Delta&) {}, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
}

TEST(OpenAi, RefusedConnectionIsAConnectionError) {
  testing::RefusingPort refusing;
  http::Client client;
  OpenAiProvider p({.name = "openai", .base_url = refusing.url(), .model = "m"}, client);
  ChatRequest req;
  req.messages = {{.role = Role::user, .content = "q"}};
  auto r = run_coro(p.chat(req, [](const Delta&) {}, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::connection);
  EXPECT_FALSE(r.error().output_started);
}

TEST(OpenAi, EmbeddingsAndModels) {
  Fixture f;
  f.fake.set_models({"gpt-test", "embed-test"});
  auto e = run_coro(f.provider.embed("", {"first", "second"}, {}));
  ASSERT_TRUE(e) << e.error().message;
  ASSERT_EQ(e->vectors.size(), 2u);
  EXPECT_FALSE(e->vectors[0].empty());
  EXPECT_NE(e->vectors[0], e->vectors[1]);
  auto body = boost::json::parse(f.fake.requests().back().body).as_object();
  EXPECT_EQ(body.at("model").as_string(), "embed-test");
  auto m = run_coro(f.provider.models({}));
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].id, "gpt-test");
}

TEST(OpenAi, DecoderHandlesAStreamFedOneByteAtATime) {
  std::string stream =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
      "\"content\":\"H\\u00e9\"},\"finish_reason\":null}],\"usage\":null}\r\n\r\n"
      "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n"
      "data: [DONE]\n\n";
  OpenAiDecoder dec;
  std::vector<Delta> seen;
  DeltaSink sink = [&](const Delta& d) { seen.push_back(d); };
  ReplyAssembler out(sink);
  for (char c : stream) ASSERT_TRUE(dec.feed(std::string_view(&c, 1), out));
  EXPECT_TRUE(dec.complete());
  auto r = out.response("m");
  EXPECT_EQ(r.text, "H\xc3\xa9llo");
  EXPECT_EQ(r.finish, FinishReason::stop);
  EXPECT_EQ(r.usage.input_tokens, 5);
  EXPECT_EQ(r.usage.output_tokens, 2);
}

TEST(OpenAi, BaseUrlsWithOrWithoutV1) {
  EXPECT_EQ(join_url("http://h:1", "/v1/chat/completions"), "http://h:1/v1/chat/completions");
  EXPECT_EQ(join_url("http://h:1/", "/v1/models"), "http://h:1/v1/models");
  EXPECT_EQ(join_url("http://h:1/v1", "/v1/models"), "http://h:1/v1/models");
  EXPECT_EQ(join_url("http://h:1/openai/v1/", "/v1/embeddings"), "http://h:1/openai/v1/embeddings");
  EXPECT_EQ(join_url("http://h:1/proxy", "/v1/models"), "http://h:1/proxy/v1/models");
}

}  // namespace
}  // namespace devagent::llm
