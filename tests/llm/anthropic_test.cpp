// The Anthropic provider against the fake upstream speaking Anthropic's
// Messages format, and its stream decoder on recorded bytes.
#include "llm/anthropic.h"

#include "support/coro.h"
#include "support/fake_upstream.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace devagent::llm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using testing::FakeUpstream;
using testing::Reply;
using namespace std::chrono_literals;

using testing::run_coro;

struct Fixture {
  FakeUpstream fake;
  http::Client client;
  AnthropicProvider provider{ProviderSettings{.name = "anthropic",
                                              .type = "anthropic",
                                              .base_url = fake.base_url(),
                                              .api_key = "test-key",
                                              .model = "claude-test"},
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
    for (const auto& d : deltas)
      if (d.kind == Delta::Kind::text) s += d.text;
    return s;
  }
  std::vector<Delta> of_kind(Delta::Kind kind) const {
    std::vector<Delta> out;
    std::copy_if(deltas.begin(), deltas.end(), std::back_inserter(out), [&](const Delta& d) { return d.kind == kind; });
    return out;
  }
};

json::object sent_body(const FakeUpstream& fake, std::size_t i = 0) {
  return json::parse(fake.requests().at(i).body).as_object();
}

TEST(Anthropic, StreamsTextWithCacheUsageAndSendsTheDocumentedRequest) {
  Fixture f;
  // 120 prompt tokens of which 80 came from the prompt cache: the fake sends
  // input_tokens 40 and cache_read_input_tokens 80, as Anthropic does.
  f.fake.push(Reply::text("Hello from Claude, developer.").chunks(5).usage(120, 9, 80));
  auto r = f.chat("hi");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Hello from Claude, developer.");
  EXPECT_EQ(f.streamed_text(), r->text);
  EXPECT_EQ(f.of_kind(Delta::Kind::text).size(), 5u);
  EXPECT_EQ(r->finish, FinishReason::stop);
  ASSERT_EQ(f.of_kind(Delta::Kind::finish).size(), 1u);
  EXPECT_EQ(r->usage.input_tokens, 120);
  EXPECT_EQ(r->usage.cached_input_tokens, 80);
  EXPECT_EQ(r->usage.output_tokens, 9);
  EXPECT_FALSE(r->usage.estimated);

  // message_start's usage first (provisional), message_delta's totals last.
  auto usages = f.of_kind(Delta::Kind::usage);
  ASSERT_EQ(usages.size(), 2u);
  EXPECT_EQ(usages.front().usage.input_tokens, 120);
  EXPECT_TRUE(usages.front().usage.estimated);
  EXPECT_EQ(usages.back().usage.output_tokens, 9);
  EXPECT_FALSE(usages.back().usage.estimated);

  auto reqs = f.fake.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v1/messages");
  EXPECT_EQ(reqs[0].header("x-api-key"), "test-key");
  EXPECT_EQ(reqs[0].header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(reqs[0].header("content-type"), "application/json");
  EXPECT_EQ(reqs[0].header("authorization"), "");
  auto expected = json::parse(R"({
    "model": "claude-test",
    "max_tokens": 4096,
    "system": "be brief",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": true
  })");
  EXPECT_EQ(json::value(sent_body(f.fake)), expected) << reqs[0].body;
}

TEST(Anthropic, ToolCallsSplitIntoOneBytePiecesAreReassembled) {
  Fixture f;
  std::string args = R"({"query":"parse_config","regex":false,"limit":5})";
  f.fake.push(Reply::text("Let me look.")
                  .and_tool_call("searchCode", args)
                  .and_tool_call("readFile", R"({"path":"src/a.cpp"})")
                  .piece_bytes(1));
  auto r = f.chat("find parse_config");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "Let me look.");
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_TRUE(r->tool_calls[0].id.starts_with("toolu_")) << r->tool_calls[0].id;
  EXPECT_EQ(r->tool_calls[0].name, "searchCode");
  EXPECT_EQ(r->tool_calls[0].arguments, args);
  EXPECT_TRUE(r->tool_calls[1].id.starts_with("toolu_")) << r->tool_calls[1].id;
  EXPECT_NE(r->tool_calls[1].id, r->tool_calls[0].id);
  EXPECT_EQ(r->tool_calls[1].name, "readFile");
  EXPECT_EQ(r->tool_calls[1].arguments, R"({"path":"src/a.cpp"})");
  EXPECT_EQ(r->finish, FinishReason::tool_calls);

  // Tool indices count tool_use blocks (0, 1), not content blocks (1, 2);
  // the first piece of each carries the id and name.
  auto pieces = f.of_kind(Delta::Kind::tool_call);
  EXPECT_GT(pieces.size(), args.size());
  for (const auto& d : pieces) EXPECT_TRUE(d.tool_index == 0 || d.tool_index == 1) << d.tool_index;
  auto first_of = [&](int index) {
    return *std::find_if(pieces.begin(), pieces.end(), [&](const Delta& d) { return d.tool_index == index; });
  };
  EXPECT_EQ(first_of(0).tool_name, "searchCode");
  EXPECT_EQ(first_of(0).tool_id, r->tool_calls[0].id);
  EXPECT_EQ(first_of(1).tool_name, "readFile");
}

TEST(Anthropic, ConversationWithToolResultsGoesOutAsAlternatingTurns) {
  Fixture f;
  ChatRequest req;
  req.messages = {
      {.role = Role::system, .content = "You are a code assistant."},
      {.role = Role::user, .content = "Where is parse_config?"},
      {.role = Role::assistant,
       .content = "Searching.",
       .tool_calls = {{.id = "toolu_1", .name = "searchCode", .arguments = R"({"query":"parse_config"})"},
                      {.id = "toolu_2", .name = "readFile", .arguments = "{not json"}}},
      {.role = Role::tool, .content = "src/config.cpp:12", .tool_call_id = "toolu_1", .tool_name = "searchCode"},
      {.role = Role::tool, .content = "int parse_config();", .tool_call_id = "toolu_2", .tool_name = "readFile"},
      {.role = Role::user, .content = "Also explain it."},
      {.role = Role::system, .content = "Answer in English."},
  };
  req.tools = {{.name = "searchCode",
                .description = "Search the code",
                .parameters = {{"type", "object"}, {"properties", {{"query", {{"type", "string"}}}}}}},
               {.name = "listFiles", .description = "List files"}};
  req.temperature = 0.25;
  req.max_tokens = 512;
  auto r = run_coro(f.provider.chat(req, f.sink, {}));
  ASSERT_TRUE(r) << r.error().message;

  auto expected = json::parse(R"({
    "model": "claude-test",
    "max_tokens": 512,
    "system": "You are a code assistant.\n\nAnswer in English.",
    "messages": [
      {"role": "user", "content": "Where is parse_config?"},
      {"role": "assistant", "content": [
        {"type": "text", "text": "Searching."},
        {"type": "tool_use", "id": "toolu_1", "name": "searchCode", "input": {"query": "parse_config"}},
        {"type": "tool_use", "id": "toolu_2", "name": "readFile", "input": {}}
      ]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "src/config.cpp:12"},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "int parse_config();"},
        {"type": "text", "text": "Also explain it."}
      ]}
    ],
    "tools": [
      {"name": "searchCode", "description": "Search the code",
       "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
      {"name": "listFiles", "description": "List files",
       "input_schema": {"type": "object", "properties": {}}}
    ],
    "temperature": 0.25,
    "stream": true
  })");
  auto body = sent_body(f.fake);
  EXPECT_EQ(json::value(body), expected) << json::serialize(body);
  const auto& turns = body.at("messages").as_array();
  for (std::size_t i = 1; i < turns.size(); ++i) EXPECT_NE(turns[i].at("role"), turns[i - 1].at("role")) << i;
}

TEST(Anthropic, ToolResultsAfterUserTextStayFirstInTheTurn) {
  ChatRequest req;
  req.messages = {{.role = Role::user, .content = "q"},
                  {.role = Role::assistant, .tool_calls = {{.id = "t1", .name = "a", .arguments = "{}"}}},
                  {.role = Role::user, .content = "hurry"},
                  {.role = Role::tool, .content = "done", .tool_call_id = "t1"}};
  auto body = AnthropicProvider::request_body(req, "m", 100);
  const auto& content = body.at("messages").at(2).at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].at("type"), "tool_result");
  EXPECT_EQ(content[1].at("type"), "text");
  EXPECT_EQ(body.at("messages").at(1).at("content").at(0).at("type"), "tool_use");  // no empty text block
  EXPECT_EQ(body.at("max_tokens"), 100);
  EXPECT_FALSE(body.contains("system"));
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_FALSE(body.contains("temperature"));
}

TEST(Anthropic, HttpErrorsBecomeKindsTheRouterCanActOn) {
  struct Case {
    Reply reply;
    ErrorKind kind;
    int status;
    std::string vendor_type;
  };
  std::vector<Case> cases = {
      {Reply::http_error(401), ErrorKind::auth, 401, "authentication_error"},
      {Reply::http_error(403), ErrorKind::auth, 403, "permission_error"},
      {Reply::http_error(429).retry_after(2), ErrorKind::rate_limited, 429, "rate_limit_error"},
      {Reply::http_error(529), ErrorKind::overloaded, 529, "overloaded_error"},
      {Reply::http_error(500), ErrorKind::server, 500, "api_error"},
      {Reply::http_error(400), ErrorKind::bad_request, 400, "invalid_request_error"},
      {Reply::context_length_exceeded(), ErrorKind::context_length, 400, "invalid_request_error"},
  };
  for (auto& c : cases) {
    Fixture f;
    f.fake.push(c.reply);
    auto r = f.chat("q");
    ASSERT_FALSE(r) << c.status;
    EXPECT_EQ(r.error().kind, c.kind) << c.status << ": " << r.error().message;
    EXPECT_EQ(r.error().status, c.status);
    EXPECT_NE(r.error().message.find(c.vendor_type), std::string::npos) << r.error().message;
    EXPECT_FALSE(r.error().output_started);
    if (c.kind == ErrorKind::rate_limited) {
      ASSERT_TRUE(r.error().retry_after);
      EXPECT_EQ(*r.error().retry_after, 2s);
    } else {
      EXPECT_FALSE(r.error().retry_after);
    }
  }
}

TEST(Anthropic, ErrorEventsInsideTheStreamKeepTheirKind) {
  struct Case {
    std::string type;
    ErrorKind kind;
  };
  std::vector<Case> cases = {{"", ErrorKind::overloaded},  // the fake's default: overloaded_error
                             {"api_error", ErrorKind::server},
                             {"rate_limit_error", ErrorKind::rate_limited},
                             {"invalid_request_error", ErrorKind::bad_request},
                             {"some_future_error", ErrorKind::server}};
  for (const auto& c : cases) {
    Fixture f;
    Reply reply = Reply::text("partial answer here").chunks(3).error_after(4);
    if (!c.type.empty()) reply.error(c.type, "went wrong");
    f.fake.push(reply);
    auto r = f.chat("q");
    ASSERT_FALSE(r) << c.type;
    EXPECT_EQ(r.error().kind, c.kind) << c.type << ": " << r.error().message;
    EXPECT_TRUE(r.error().output_started);
    EXPECT_EQ(r.error().status, 0);
    EXPECT_FALSE(f.streamed_text().empty());
  }
}

TEST(Anthropic, StreamCutMidwayIsAConnectionErrorWithTheInputCountKept) {
  Fixture f;
  f.fake.push(Reply::text("one two three four five six").chunks(6).usage(100, 20).cut_after(5));
  auto r = f.chat("q");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::connection) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_TRUE(r.error().usage->estimated);
  EXPECT_EQ(r.error().usage->input_tokens, 100);  // from message_start
  EXPECT_FALSE(f.streamed_text().empty());
  EXPECT_TRUE(f.of_kind(Delta::Kind::finish).empty());
}

TEST(Anthropic, MalformedEventIsMalformed) {
  Fixture f;
  f.fake.push(Reply::text("a b c").chunks(3).malformed_after(4));
  auto r = f.chat("q");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::malformed) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
}

TEST(Anthropic, MissingUsageIsEstimated) {
  Fixture f;
  f.fake.push(Reply::text("twelve chars").no_usage());
  auto r = f.chat("a question of some length");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->usage.estimated);
  EXPECT_EQ(r->usage.output_tokens, 3);
  EXPECT_GT(r->usage.input_tokens, 0);
  auto usages = f.of_kind(Delta::Kind::usage);
  ASSERT_EQ(usages.size(), 1u);
  EXPECT_EQ(f.deltas.back().kind, Delta::Kind::usage);
}

TEST(Anthropic, CancellationClosesTheUpstreamWithin100ms) {
  Fixture f;
  f.fake.push(Reply::text("streaming until someone stops it").chunks(4).stall_after(4));
  CancelSource source;
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller;
  f.sink = [&](const Delta& d) {
    f.deltas.push_back(d);
    if (d.kind == Delta::Kind::text && !canceller.joinable()) {
      canceller = std::thread([&] {
        std::this_thread::sleep_for(30ms);
        cancelled_at = std::chrono::steady_clock::now();
        source.cancel("user pressed stop");
      });
    }
  };
  auto r = f.chat("q", source.token());
  auto returned = std::chrono::steady_clock::now();
  ASSERT_TRUE(canceller.joinable());
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::cancelled) << r.error().message;
  EXPECT_TRUE(r.error().output_started);
  ASSERT_TRUE(r.error().usage);
  EXPECT_LT(returned - cancelled_at, 100ms);
  auto seen = f.fake.wait_for_disconnect(2s);
  ASSERT_TRUE(seen);
  EXPECT_LT(*seen - cancelled_at, 100ms);
}

TEST(Anthropic, EmbeddingsAreUnsupported) {
  Fixture f;
  auto e = run_coro(f.provider.embed("", {"text"}, {}));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, ErrorKind::unsupported);
  EXPECT_EQ(e.error().message, "Anthropic has no embeddings API; configure an embedding route to another provider");
  EXPECT_TRUE(f.fake.requests().empty());
}

TEST(Anthropic, ModelsAreListedWithTheSameHeaders) {
  Fixture f;
  f.fake.set_models({"claude-test", "claude-other"});
  auto m = run_coro(f.provider.models({}));
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].id, "claude-test");
  EXPECT_EQ((*m)[1].id, "claude-other");
  EXPECT_EQ((*m)[0].owned_by, "anthropic");
  auto req = f.fake.requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/v1/models");
  EXPECT_EQ(req.header("x-api-key"), "test-key");
  EXPECT_EQ(req.header("anthropic-version"), "2023-06-01");
}

// A loopback server answering each request with the next scripted JSON body,
// one request per connection; it records the request targets.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> bodies) : bodies_(std::move(bodies)) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    boost::system::error_code ec;
    asio::ip::tcp::socket wake(ioc_);  // a blocking accept() wakes only for a connection
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }

 private:
  void serve() {
    namespace bhttp = boost::beast::http;
    for (std::size_t next = 0; next < bodies_.size() && !stopping_;) {
      boost::system::error_code ec;
      asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      boost::beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(socket, buffer, req, ec);
      if (ec) continue;
      {
        std::lock_guard lock(mutex_);
        targets_.emplace_back(req.target());
      }
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.set(bhttp::field::content_type, "application/json");
      res.keep_alive(false);
      res.body() = bodies_[next++];
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  std::vector<std::string> bodies_;
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_{ioc_};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> targets_;
  std::thread thread_;
};

TEST(Anthropic, ModelPagesAreFollowed) {
  ScriptedServer server({
      R"({"data":[{"type":"model","id":"claude-a","display_name":"A","created_at":"2025-01-01T00:00:00Z"},
                  {"type":"model","id":"claude-b","display_name":"B","created_at":"2025-01-01T00:00:00Z"}],
          "has_more":true,"first_id":"claude-a","last_id":"claude-b"})",
      R"({"data":[{"type":"model","id":"claude-c","display_name":"C","created_at":"2025-01-01T00:00:00Z"}],
          "has_more":false,"first_id":"claude-c","last_id":"claude-c"})",
  });
  http::Client client;
  AnthropicProvider p({.name = "anthropic", .type = "anthropic", .base_url = server.base_url(), .api_key = "k"},
                      client);
  auto m = run_coro(p.models({}));
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].id, "claude-a");
  EXPECT_EQ((*m)[2].id, "claude-c");
  EXPECT_EQ(server.targets(), (std::vector<std::string>{"/v1/models", "/v1/models?after_id=claude-b"}));
}

TEST(Anthropic, ConfiguredVersionIsSentAndNoKeyMeansNoKeyHeader) {
  FakeUpstream fake;
  http::Client client;
  AnthropicProvider p({.name = "local",
                       .type = "anthropic",
                       .base_url = fake.base_url() + "/v1",
                       .model = "m",
                       .api_version = "2024-01-01",
                       .max_tokens = 77},
                      client);
  ChatRequest req;
  req.messages = {{.role = Role::user, .content = "q"}};
  auto r = run_coro(p.chat(req, [](const Delta&) {}, {}));
  ASSERT_TRUE(r) << r.error().message;
  auto sent = fake.requests().at(0);
  EXPECT_EQ(sent.target, "/v1/messages");
  EXPECT_EQ(sent.header("anthropic-version"), "2024-01-01");
  EXPECT_FALSE(sent.headers.contains("x-api-key"));
  EXPECT_EQ(json::parse(sent.body).at("max_tokens"), 77);
}

// ------------------------------------------------------------ the decoder alone

struct Decoded {
  std::vector<Delta> deltas;
  ChatResponse response;
  bool complete = false;
  Outcome<void> status;
};

// Feeds the stream in pieces of `step` bytes.
Decoded decode(std::string_view stream, std::size_t step = 1) {
  Decoded d;
  DeltaSink sink = [&](const Delta& delta) { d.deltas.push_back(delta); };
  ReplyAssembler out(sink);
  AnthropicDecoder dec;
  for (std::size_t i = 0; i < stream.size() && d.status; i += step) d.status = dec.feed(stream.substr(i, step), out);
  d.response = out.response(dec.model());
  d.complete = dec.complete();
  return d;
}

// A stream as the API sends it: text, two tool_use blocks (one without
// arguments), pings, an event type this code does not know, and CRLF lines.
constexpr std::string_view kRecorded =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
    "{\"input_tokens\":10,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":20,\"output_tokens\":1}}}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\r\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"H\\u00e9\"}}\r\n\r\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"llo "
    "\xe2\x9c\x93\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: something_new\n"
    "data: {\"type\":\"something_new\",\"whatever\":[1,2,3]}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01A\","
    "\"name\":\"get_weather\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: "
    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"{\\\"location\\\": \\\"San Fra\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"ncisco\\\"}\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01B\","
    "\"name\":\"get_time\",\"input\":{}}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":"
    "{\"input_tokens\":10,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":20,\"output_tokens\":42}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

TEST(AnthropicDecoder, RecordedStreamFedOneByteAtATime) {
  auto d = decode(kRecorded);
  ASSERT_TRUE(d.status) << d.status.error().message;
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.response.model, "claude-sonnet-4-5");
  EXPECT_EQ(d.response.text, "H\xc3\xa9llo \xe2\x9c\x93");
  ASSERT_EQ(d.response.tool_calls.size(), 2u);
  EXPECT_EQ(d.response.tool_calls[0].id, "toolu_01A");
  EXPECT_EQ(d.response.tool_calls[0].name, "get_weather");
  EXPECT_EQ(d.response.tool_calls[0].arguments, R"({"location": "San Francisco"})");
  EXPECT_EQ(d.response.tool_calls[1].id, "toolu_01B");
  EXPECT_EQ(d.response.tool_calls[1].name, "get_time");
  EXPECT_EQ(d.response.tool_calls[1].arguments, "{}");
  EXPECT_EQ(d.response.finish, FinishReason::tool_calls);
  // Cumulative usage: 42 output tokens, not 1 + 42; input counts the cache.
  EXPECT_EQ(d.response.usage.input_tokens, 35);
  EXPECT_EQ(d.response.usage.cached_input_tokens, 20);
  EXPECT_EQ(d.response.usage.output_tokens, 42);
  EXPECT_FALSE(d.response.usage.estimated);
  auto finishes =
      std::count_if(d.deltas.begin(), d.deltas.end(), [](const Delta& x) { return x.kind == Delta::Kind::finish; });
  EXPECT_EQ(finishes, 1);
  for (const auto& x : d.deltas) {
    if (x.kind != Delta::Kind::tool_call) continue;
    EXPECT_TRUE(x.tool_index == 0 || x.tool_index == 1) << x.tool_index;
  }
  // The same bytes in one piece decode the same way.
  auto whole = decode(kRecorded, kRecorded.size());
  ASSERT_TRUE(whole.status);
  EXPECT_EQ(whole.response.text, d.response.text);
  EXPECT_EQ(whole.deltas.size(), d.deltas.size());
}

// A short text reply; the message_delta's stop_reason (empty: null) and
// usage (empty: none), and message_start's usage, vary.
std::string stream_with(std::string_view stop_reason, std::string_view delta_usage,
                        std::string_view start_usage = R"({"input_tokens":50,"output_tokens":1})") {
  std::string s = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":";
  s += start_usage;
  s += "}}\n\n"
       "event: content_block_start\n"
       "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
       "event: content_block_delta\n"
       "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"sixteen "
       "chars!!!\"}}\n\n"
       "event: content_block_stop\n"
       "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  s += "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":";
  s += stop_reason.empty() ? std::string("null") : "\"" + std::string(stop_reason) + "\"";
  s += "}";
  if (!delta_usage.empty()) s += ",\"usage\":" + std::string(delta_usage);
  s += "}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  return s;
}

TEST(AnthropicDecoder, StopReasonsMapToFinishReasons) {
  struct Case {
    std::string stop_reason;
    FinishReason finish;
  };
  std::vector<Case> cases = {{"end_turn", FinishReason::stop},
                             {"stop_sequence", FinishReason::stop},
                             {"tool_use", FinishReason::tool_calls},
                             {"max_tokens", FinishReason::length},
                             {"model_context_window_exceeded", FinishReason::length},
                             {"refusal", FinishReason::content_filter},
                             {"pause_turn", FinishReason::unknown},
                             {"", FinishReason::stop}};  // none before message_stop
  for (const auto& c : cases) {
    auto d = decode(stream_with(c.stop_reason, R"({"output_tokens":7})"), 7);
    ASSERT_TRUE(d.status) << c.stop_reason;
    EXPECT_EQ(d.response.finish, c.finish) << c.stop_reason;
    auto finishes =
        std::count_if(d.deltas.begin(), d.deltas.end(), [](const Delta& x) { return x.kind == Delta::Kind::finish; });
    EXPECT_EQ(finishes, 1) << c.stop_reason;
  }
}

TEST(AnthropicDecoder, UsageFieldsAbsentFromMessageDeltaKeepMessageStartValues) {
  // Older API versions send only output_tokens in message_delta.
  auto d = decode(stream_with("end_turn", R"({"output_tokens":15})"));
  ASSERT_TRUE(d.status);
  EXPECT_EQ(d.response.usage.input_tokens, 50);
  EXPECT_EQ(d.response.usage.output_tokens, 15);
  EXPECT_FALSE(d.response.usage.estimated);
}

TEST(AnthropicDecoder, NoUsageInMessageDeltaEstimatesTheOutput) {
  auto d = decode(stream_with("end_turn", ""));
  ASSERT_TRUE(d.status);
  EXPECT_EQ(d.response.usage.input_tokens, 50);
  EXPECT_EQ(d.response.usage.output_tokens, 4);  // 16 bytes of text
  EXPECT_TRUE(d.response.usage.estimated);
}

TEST(AnthropicDecoder, ZeroUsageAtMessageStartIsNotReported) {
  // Some compatible servers send zeros in message_start and nothing later:
  // no usage then, so the provider estimates all of it.
  auto d = decode(stream_with("end_turn", "", R"({"input_tokens":0,"output_tokens":0})"));
  ASSERT_TRUE(d.status);
  EXPECT_TRUE(
      std::none_of(d.deltas.begin(), d.deltas.end(), [](const Delta& x) { return x.kind == Delta::Kind::usage; }));
  EXPECT_EQ(d.response.finish, FinishReason::stop);
}

TEST(AnthropicDecoder, ErrorEventStopsDecoding) {
  std::string stream =
      "event: message_start\n"
      "data: "
      "{\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"
      "\n\n"
      "event: error\n"
      "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
  auto d = decode(stream);
  ASSERT_FALSE(d.status);
  EXPECT_EQ(d.status.error().kind, ErrorKind::overloaded);
  EXPECT_EQ(d.status.error().message, "anthropic stream error: overloaded_error: Overloaded");
  EXPECT_FALSE(d.complete);
}

}  // namespace
}  // namespace devagent::llm
