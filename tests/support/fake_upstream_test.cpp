// The fake upstream on the wire: each vendor's format as bytes, each fault as
// the client sees it, and what the fake records and observes.
#include "support/fake_upstream.h"

#include "support/fake_formats.h"
#include "support/http_client.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <thread>

namespace devagent::testing {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kOpenAiStream = R"({"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi"}]})";
const std::string kOpenAiStreamUsage =
    R"({"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]})";
const std::string kAnthropicStream = R"({"model":"claude-test","stream":true,"max_tokens":100,"messages":[]})";
const std::string kOllamaStream = R"({"model":"llama-test","messages":[{"role":"user","content":"hi"}]})";

HttpResponse post(const FakeUpstream& fake, const std::string& path, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_request(fake.port(), verb::post, path, body, headers, 10s);
}

// A request as raw bytes, for RawConnection.
std::string raw_post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The events of a (de-chunked) SSE body, each without its blank line.
std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (std::size_t end; (end = body.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
    out.push_back(body.substr(pos, end - pos));
  }
  EXPECT_EQ(pos, body.size()) << "trailing bytes after the last event";
  return out;
}

std::vector<std::string> ndjson_lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (std::size_t end; (end = body.find('\n', pos)) != std::string::npos; pos = end + 1) {
    out.push_back(body.substr(pos, end - pos));
  }
  EXPECT_EQ(pos, body.size()) << "a line without its newline";
  return out;
}

// "event: x\ndata: {...}" -> "x"; "" when the event has no name.
std::string event_name(const std::string& event) {
  if (event.rfind("event: ", 0) != 0) return "";
  return event.substr(7, event.find('\n') - 7);
}

json::object event_data(const std::string& event) {
  std::size_t at = event.find("data: ");
  EXPECT_NE(at, std::string::npos) << event;
  return json::parse(event.substr(at + 6)).as_object();
}

std::string str(const json::value& v) {
  return std::string(v.as_string());
}

// -------------------------------------------------------------- OpenAI

TEST(FakeUpstreamOpenAi, StreamSendsRoleTextFinishThenDone) {
  FakeUpstream fake;
  fake.push(Reply::text("Hello, world!").chunks(3));
  HttpResponse res = post(fake, "/v1/chat/completions", kOpenAiStream);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "text/event-stream; charset=utf-8");
  auto events = sse_events(res.body);
  ASSERT_EQ(events.size(), 1u + 3 + 1 + 1);  // role, 3 texts, finish, [DONE]
  EXPECT_EQ(events.back(), "data: [DONE]");

  json::object first = event_data(events[0]);
  EXPECT_EQ(str(first["object"]), "chat.completion.chunk");
  EXPECT_EQ(str(first["model"]), "gpt-test");
  EXPECT_TRUE(first.contains("id") && first.contains("created") && first.contains("system_fingerprint"));
  EXPECT_FALSE(first.contains("usage"));  // only with stream_options.include_usage
  json::object choice = first["choices"].as_array()[0].as_object();
  EXPECT_EQ(str(choice["delta"].as_object()["role"]), "assistant");
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_TRUE(choice["finish_reason"].is_null());

  std::string text;
  for (std::size_t i = 1; i <= 3; ++i) {
    text += str(event_data(events[i])["choices"].as_array()[0].as_object()["delta"].as_object()["content"]);
  }
  EXPECT_EQ(text, "Hello, world!");
  json::object last = event_data(events[4])["choices"].as_array()[0].as_object();
  EXPECT_EQ(str(last["finish_reason"]), "stop");
  EXPECT_TRUE(last["delta"].as_object().empty());
}

TEST(FakeUpstreamOpenAi, IncludeUsageAddsNullUsageAndAFinalUsageChunk) {
  FakeUpstream fake;
  fake.push(Reply::text("abc").chunks(1).usage(100, 7, 40));
  auto events = sse_events(post(fake, "/v1/chat/completions", kOpenAiStreamUsage).body);
  ASSERT_EQ(events.size(), 5u);  // role, text, finish, usage, [DONE]
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(event_data(events[i])["usage"].is_null()) << events[i];
  json::object usage_chunk = event_data(events[3]);
  EXPECT_TRUE(usage_chunk["choices"].as_array().empty());
  json::object usage = usage_chunk["usage"].as_object();
  EXPECT_EQ(usage["prompt_tokens"].as_int64(), 100);
  EXPECT_EQ(usage["completion_tokens"].as_int64(), 7);
  EXPECT_EQ(usage["total_tokens"].as_int64(), 107);
  EXPECT_EQ(usage["prompt_tokens_details"].as_object()["cached_tokens"].as_int64(), 40);
  EXPECT_EQ(usage["completion_tokens_details"].as_object()["reasoning_tokens"].as_int64(), 0);
  EXPECT_EQ(events[4], "data: [DONE]");
}

TEST(FakeUpstreamOpenAi, ToolCallArgumentsInOneBytePiecesReassemble) {
  const std::string args = R"({"query":"x","n":2})";
  FakeUpstream fake;
  fake.push(Reply::tool_call("searchCode", args).piece_bytes(1));
  auto events = sse_events(post(fake, "/v1/chat/completions", kOpenAiStream).body);
  ASSERT_EQ(events.size(), 1 + args.size() + 2);  // header, one per byte, finish, [DONE]

  json::object header = event_data(events[0])["choices"].as_array()[0].as_object()["delta"].as_object();
  EXPECT_EQ(str(header["role"]), "assistant");
  json::object call = header["tool_calls"].as_array()[0].as_object();
  EXPECT_EQ(call["index"].as_int64(), 0);
  EXPECT_EQ(str(call["type"]), "function");
  EXPECT_FALSE(str(call["id"]).empty());
  EXPECT_EQ(str(call["function"].as_object()["name"]), "searchCode");
  EXPECT_EQ(str(call["function"].as_object()["arguments"]), "");

  std::string joined;
  for (std::size_t i = 1; i <= args.size(); ++i) {
    json::object piece = event_data(events[i])["choices"]
                             .as_array()[0]
                             .as_object()["delta"]
                             .as_object()["tool_calls"]
                             .as_array()[0]
                             .as_object();
    EXPECT_EQ(piece["index"].as_int64(), 0);
    EXPECT_FALSE(piece.contains("id"));
    joined += str(piece["function"].as_object()["arguments"]);
  }
  EXPECT_EQ(joined, args);
  EXPECT_EQ(str(event_data(events[args.size() + 1])["choices"].as_array()[0].as_object()["finish_reason"]),
            "tool_calls");
}

TEST(FakeUpstreamOpenAi, NonStreamingIsOneCompletion) {
  FakeUpstream fake;
  fake.push(Reply::tool_call("readFile", R"({"path":"a.cpp"})").usage(50, 10));
  HttpResponse res = post(fake, "/v1/chat/completions", R"({"model":"gpt-test","messages":[]})");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "application/json");
  json::object body = json::parse(res.body).as_object();
  EXPECT_EQ(str(body["object"]), "chat.completion");
  json::object choice = body["choices"].as_array()[0].as_object();
  EXPECT_EQ(str(choice["finish_reason"]), "tool_calls");
  json::object message = choice["message"].as_object();
  EXPECT_EQ(str(message["role"]), "assistant");
  EXPECT_TRUE(message["content"].is_null());
  json::object call = message["tool_calls"].as_array()[0].as_object();
  EXPECT_EQ(str(call["function"].as_object()["arguments"]), R"({"path":"a.cpp"})");
  EXPECT_EQ(body["usage"].as_object()["total_tokens"].as_int64(), 60);
}

TEST(FakeUpstreamOpenAi, MidStreamErrorIsADataEventAndTheStreamEnds) {
  FakeUpstream fake;
  fake.push(Reply::text("abcdef").chunks(3).error_after(2));
  auto events = sse_events(post(fake, "/v1/chat/completions", kOpenAiStream).body);
  ASSERT_EQ(events.size(), 3u);
  json::object error = event_data(events[2])["error"].as_object();
  EXPECT_EQ(str(error["type"]), "server_error");
  EXPECT_FALSE(str(error["message"]).empty());
}

// ----------------------------------------------------------- Anthropic

TEST(FakeUpstreamAnthropic, StreamEventsComeInTheDocumentedOrder) {
  FakeUpstream fake;
  fake.push(Reply::text("Hi there").chunks(2).usage(30, 5, 10));
  HttpResponse res = post(fake, "/v1/messages", kAnthropicStream, {{"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(res.status, 200);
  auto events = sse_events(res.body);
  std::vector<std::string> names;
  for (const auto& e : events) {
    names.push_back(event_name(e));
    EXPECT_EQ(str(event_data(e)["type"]), names.back()) << "data.type matches the event line";
  }
  std::vector<std::string> expected{"message_start",       "content_block_start", "ping",
                                    "content_block_delta", "content_block_delta", "content_block_stop",
                                    "message_delta",       "message_stop"};
  EXPECT_EQ(names, expected);

  json::object message = event_data(events[0])["message"].as_object();
  EXPECT_EQ(str(message["type"]), "message");
  EXPECT_EQ(str(message["role"]), "assistant");
  EXPECT_EQ(str(message["model"]), "claude-test");
  EXPECT_TRUE(message["content"].as_array().empty());
  EXPECT_TRUE(message["stop_reason"].is_null());
  EXPECT_TRUE(message["stop_sequence"].is_null());
  json::object start_usage = message["usage"].as_object();
  EXPECT_EQ(start_usage["input_tokens"].as_int64(), 20);  // uncached part
  EXPECT_EQ(start_usage["cache_read_input_tokens"].as_int64(), 10);
  EXPECT_EQ(start_usage["cache_creation_input_tokens"].as_int64(), 0);

  json::object block = event_data(events[1])["content_block"].as_object();
  EXPECT_EQ(str(block["type"]), "text");
  EXPECT_EQ(str(block["text"]), "");
  std::string text;
  for (int i : {3, 4}) {
    json::object delta = event_data(events[i])["delta"].as_object();
    EXPECT_EQ(str(delta["type"]), "text_delta");
    text += str(delta["text"]);
  }
  EXPECT_EQ(text, "Hi there");

  json::object message_delta = event_data(events[6]);
  EXPECT_EQ(str(message_delta["delta"].as_object()["stop_reason"]), "end_turn");
  EXPECT_TRUE(message_delta["delta"].as_object()["stop_sequence"].is_null());
  EXPECT_EQ(message_delta["usage"].as_object()["output_tokens"].as_int64(), 5);
}

TEST(FakeUpstreamAnthropic, ToolUseStreamsInputJsonDeltas) {
  const std::string args = R"({"query":"fn main"})";
  FakeUpstream fake;
  fake.push(Reply::tool_call("searchCode", args).piece_bytes(4));
  auto events = sse_events(post(fake, "/v1/messages", kAnthropicStream).body);
  ASSERT_GE(events.size(), 6u);
  json::object block = event_data(events[1])["content_block"].as_object();
  EXPECT_EQ(str(block["type"]), "tool_use");
  EXPECT_EQ(str(block["id"]).rfind("toolu_", 0), 0u);
  EXPECT_EQ(str(block["name"]), "searchCode");
  EXPECT_TRUE(block["input"].as_object().empty());
  EXPECT_EQ(event_name(events[2]), "ping");

  std::string joined;
  std::size_t i = 3;
  for (; event_name(events[i]) == "content_block_delta"; ++i) {
    json::object delta = event_data(events[i])["delta"].as_object();
    EXPECT_EQ(str(delta["type"]), "input_json_delta");
    joined += str(delta["partial_json"]);
  }
  EXPECT_EQ(joined, args);
  EXPECT_EQ(i - 3, (args.size() + 3) / 4);
  EXPECT_EQ(event_name(events[i]), "content_block_stop");
  EXPECT_EQ(str(event_data(events[i + 1])["delta"].as_object()["stop_reason"]), "tool_use");
  EXPECT_EQ(event_name(events.back()), "message_stop");
}

TEST(FakeUpstreamAnthropic, NonStreamingIsOneMessage) {
  FakeUpstream fake;
  fake.push(Reply::text("Done.").and_tool_call("runTests", R"({"all":true})").usage(9, 4));
  HttpResponse res = post(fake, "/v1/messages", R"({"model":"claude-test","max_tokens":10,"messages":[]})");
  ASSERT_EQ(res.status, 200);
  json::object body = json::parse(res.body).as_object();
  EXPECT_EQ(str(body["type"]), "message");
  EXPECT_EQ(str(body["stop_reason"]), "tool_use");
  json::array content = body["content"].as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(str(content[0].as_object()["text"]), "Done.");
  EXPECT_EQ(content[1].as_object()["input"].as_object()["all"].as_bool(), true);
  EXPECT_EQ(body["usage"].as_object()["output_tokens"].as_int64(), 4);
}

TEST(FakeUpstreamAnthropic, MidStreamOverloadedErrorEvent) {
  FakeUpstream fake;
  fake.push(Reply::text("abc").error_after(3));
  auto events = sse_events(post(fake, "/v1/messages", kAnthropicStream).body);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(
      events[3],
      "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
}

// -------------------------------------------------------------- Ollama

TEST(FakeUpstreamOllama, StreamsNdjsonEndingWithCounts) {
  FakeUpstream fake;
  fake.push(Reply::text("one two three").chunks(3).usage(26, 3));
  HttpResponse res = post(fake, "/api/chat", kOllamaStream);  // streams by default
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "application/x-ndjson");
  auto lines = ndjson_lines(res.body);
  ASSERT_EQ(lines.size(), 4u);
  std::string text;
  for (std::size_t i = 0; i < 3; ++i) {
    json::object line = json::parse(lines[i]).as_object();
    EXPECT_EQ(str(line["model"]), "llama-test");
    EXPECT_FALSE(str(line["created_at"]).empty());
    EXPECT_FALSE(line["done"].as_bool());
    EXPECT_EQ(str(line["message"].as_object()["role"]), "assistant");
    text += str(line["message"].as_object()["content"]);
  }
  EXPECT_EQ(text, "one two three");
  json::object last = json::parse(lines[3]).as_object();
  EXPECT_TRUE(last["done"].as_bool());
  EXPECT_EQ(str(last["done_reason"]), "stop");
  EXPECT_EQ(str(last["message"].as_object()["content"]), "");
  EXPECT_EQ(last["prompt_eval_count"].as_int64(), 26);
  EXPECT_EQ(last["eval_count"].as_int64(), 3);
  for (const char* key : {"total_duration", "load_duration", "prompt_eval_duration", "eval_duration"}) {
    EXPECT_GT(last[key].as_int64(), 0) << key;
  }
}

TEST(FakeUpstreamOllama, ToolCallsCarryObjectArgumentsAndNoId) {
  FakeUpstream fake;
  fake.push(Reply::tool_call("searchCode", R"({"query":"x"})"));
  auto lines = ndjson_lines(post(fake, "/api/chat", kOllamaStream).body);
  ASSERT_EQ(lines.size(), 2u);
  json::object message = json::parse(lines[0]).as_object()["message"].as_object();
  json::object call = message["tool_calls"].as_array()[0].as_object();
  EXPECT_FALSE(call.contains("id"));
  EXPECT_EQ(str(call["function"].as_object()["name"]), "searchCode");
  EXPECT_EQ(str(call["function"].as_object()["arguments"].as_object()["query"]), "x");
  EXPECT_TRUE(json::parse(lines[1]).as_object()["done"].as_bool());
}

TEST(FakeUpstreamOllama, NonStreamingIsTheFinalObjectWithTheWholeMessage) {
  FakeUpstream fake;
  fake.push(Reply::text("whole answer"));
  HttpResponse res = post(fake, "/api/chat", R"({"model":"llama-test","messages":[],"stream":false})");
  json::object body = json::parse(res.body).as_object();
  EXPECT_TRUE(body["done"].as_bool());
  EXPECT_EQ(str(body["message"].as_object()["content"]), "whole answer");
}

TEST(FakeUpstreamOllama, MidStreamErrorIsAnErrorLine) {
  FakeUpstream fake;
  fake.push(Reply::text("abc").chunks(3).error_after(1).error("", "model crashed"));
  auto lines = ndjson_lines(post(fake, "/api/chat", kOllamaStream).body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], R"({"error":"model crashed"})");
}

// ---------------------------------------------------------- HTTP errors

TEST(FakeUpstreamErrors, RateLimitInEachVendorsShapeWithRetryAfter) {
  FakeUpstream fake;
  fake.push(Reply::http_error(429).retry_after(2));
  fake.push(Reply::http_error(429).retry_after(3));
  fake.push(Reply::http_error(429));

  HttpResponse openai = post(fake, "/v1/chat/completions", kOpenAiStream);
  EXPECT_EQ(openai.status, 429);
  EXPECT_EQ(openai.header("retry-after"), "2");
  json::object oe = json::parse(openai.body).as_object()["error"].as_object();
  EXPECT_EQ(str(oe["code"]), "rate_limit_exceeded");
  EXPECT_TRUE(oe["param"].is_null());
  EXPECT_FALSE(str(oe["message"]).empty());

  HttpResponse anthropic = post(fake, "/v1/messages", kAnthropicStream);
  EXPECT_EQ(anthropic.status, 429);
  EXPECT_EQ(anthropic.header("retry-after"), "3");
  json::object ab = json::parse(anthropic.body).as_object();
  EXPECT_EQ(str(ab["type"]), "error");
  EXPECT_EQ(str(ab["error"].as_object()["type"]), "rate_limit_error");

  HttpResponse ollama = post(fake, "/api/chat", kOllamaStream);
  EXPECT_EQ(ollama.status, 429);
  EXPECT_EQ(ollama.header("retry-after"), "");
  EXPECT_TRUE(json::parse(ollama.body).as_object()["error"].is_string());
}

TEST(FakeUpstreamErrors, AnthropicStatusesMapToTheirErrorTypes) {
  FakeUpstream fake;
  std::vector<std::pair<int, std::string>> cases{{401, "authentication_error"},
                                                 {403, "permission_error"},
                                                 {500, "api_error"},
                                                 {529, "overloaded_error"},
                                                 {400, "invalid_request_error"}};
  for (const auto& [status, type] : cases) fake.push(Reply::http_error(status));
  for (const auto& [status, type] : cases) {
    HttpResponse res = post(fake, "/v1/messages", kAnthropicStream);
    EXPECT_EQ(res.status, status);
    EXPECT_EQ(str(json::parse(res.body).as_object()["error"].as_object()["type"]), type) << status;
  }
}

TEST(FakeUpstreamErrors, ContextLengthExceeded) {
  FakeUpstream fake;
  fake.push(Reply::context_length_exceeded(250000, 200000));
  fake.push(Reply::context_length_exceeded(250000, 200000));
  json::object oe =
      json::parse(post(fake, "/v1/chat/completions", kOpenAiStream).body).as_object()["error"].as_object();
  EXPECT_EQ(str(oe["code"]), "context_length_exceeded");
  EXPECT_EQ(str(oe["type"]), "invalid_request_error");
  HttpResponse anthropic = post(fake, "/v1/messages", kAnthropicStream);
  EXPECT_EQ(anthropic.status, 400);
  EXPECT_EQ(str(json::parse(anthropic.body).as_object()["error"].as_object()["message"]),
            "prompt is too long: 250000 tokens > 200000 maximum");
}

TEST(FakeUpstreamErrors, InvalidJsonBodyIsA400) {
  FakeUpstream fake;
  EXPECT_EQ(post(fake, "/v1/chat/completions", "{nope").status, 400);
  EXPECT_EQ(fake.pending_replies(), 0u);
}

TEST(FakeUpstreamErrors, UnknownPathIs404) {
  FakeUpstream fake;
  HttpResponse res = http_get(fake.port(), "/v1/nothing");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(str(json::parse(res.body).as_object()["error"].as_object()["message"]), "Invalid URL (GET /v1/nothing)");
}

// --------------------------------------------------------------- faults

TEST(FakeUpstreamFaults, CutClosesMidStreamWithoutTheLastChunk) {
  FakeUpstream fake;
  fake.push(Reply::text("abcdef").chunks(6).cut_after(3));
  RawConnection conn(fake.port());
  conn.send(raw_post("/v1/chat/completions", kOpenAiStream));
  std::string raw = conn.read_until("\r\n0\r\n\r\n", 3s);  // the last chunk never comes: reads to EOF
  EXPECT_EQ(raw.find("\r\n0\r\n\r\n"), std::string::npos);
  std::size_t events = 0;
  for (std::size_t at = raw.find("data: "); at != std::string::npos; at = raw.find("data: ", at + 1)) ++events;
  EXPECT_EQ(events, 3u);
  EXPECT_TRUE(conn.closed_within(1s));
}

TEST(FakeUpstreamFaults, CutBeforeTheResponseOfANonStreamingRequest) {
  FakeUpstream fake;
  fake.push(Reply::text("x").cut_after(0));
  EXPECT_THROW(post(fake, "/v1/chat/completions", R"({"model":"m","messages":[]})"), std::exception);
}

TEST(FakeUpstreamFaults, StallKeepsTheConnectionAndTheDisconnectIsSeenWithin100ms) {
  FakeUpstream fake;
  fake.push(Reply::text("abcdef").chunks(3).stall_after(2));
  auto conn = std::make_unique<RawConnection>(fake.port());
  conn->send(raw_post("/v1/messages", kAnthropicStream));
  std::string raw = conn->read_until("event: content_block_start", 3s);
  ASSERT_NE(raw.find("event: content_block_start"), std::string::npos);
  EXPECT_FALSE(conn->closed_within(200ms)) << "a stall keeps the connection open";

  auto closed_at = Clock::now();
  conn.reset();
  auto seen = fake.wait_for_disconnect(2s);
  ASSERT_TRUE(seen.has_value());
  EXPECT_LT(*seen - closed_at, 100ms);
  EXPECT_GE(*seen, closed_at);
}

TEST(FakeUpstreamFaults, DisconnectDuringADelayIsSeenPromptly) {
  FakeUpstream fake;
  fake.push(Reply::text("abcdef").chunks(6).delay_ms(1000));
  auto conn = std::make_unique<RawConnection>(fake.port());
  conn->send(raw_post("/api/chat", kOllamaStream));
  ASSERT_NE(conn->read_until("\"done\":false", 3s).find("\"done\":false"), std::string::npos);
  auto closed_at = Clock::now();
  conn.reset();
  auto seen = fake.wait_for_disconnect(2s);
  ASSERT_TRUE(seen.has_value());
  EXPECT_LT(*seen - closed_at, 100ms);
  EXPECT_FALSE(fake.wait_for_disconnect(50ms).has_value()) << "each disconnect is reported once";
}

TEST(FakeUpstreamFaults, MalformedEventIsInvalidJsonAndTheStreamGoesOn) {
  FakeUpstream fake;
  fake.push(Reply::text("ab").chunks(2).malformed_after(1));
  auto events = sse_events(post(fake, "/v1/chat/completions", kOpenAiStream).body);
  ASSERT_EQ(events.size(), 6u);  // role, malformed, 2 texts, finish, [DONE]
  boost::system::error_code ec;
  json::parse(events[1].substr(6), ec);
  EXPECT_TRUE(ec) << events[1];
  EXPECT_EQ(events.back(), "data: [DONE]");
}

TEST(FakeUpstreamFaults, NoUsageLeavesTheClientToEstimate) {
  FakeUpstream fake;
  fake.push(Reply::text("ab").no_usage());
  fake.push(Reply::text("ab").no_usage());
  fake.push(Reply::text("ab").no_usage());
  auto openai = sse_events(post(fake, "/v1/chat/completions", kOpenAiStreamUsage).body);
  for (const auto& e : openai) {
    if (e == "data: [DONE]") continue;
    EXPECT_TRUE(event_data(e)["usage"].is_null()) << e;
  }
  for (const auto& e : sse_events(post(fake, "/v1/messages", kAnthropicStream).body)) {
    EXPECT_EQ(e.find("\"usage\""), std::string::npos) << e;
  }
  json::object last = json::parse(ndjson_lines(post(fake, "/api/chat", kOllamaStream).body).back()).as_object();
  EXPECT_TRUE(last["done"].as_bool());
  EXPECT_FALSE(last.contains("eval_count"));
}

// --------------------------------------------------- script, recording

TEST(FakeUpstreamScript, RepliesAreTakenInOrderAcrossVendorsThenTheDefault) {
  FakeUpstream fake;
  fake.push(Reply::text("first"));
  fake.push(Reply::text("second"));
  const std::string body = R"({"model":"m","messages":[],"stream":false})";
  EXPECT_EQ(str(json::parse(post(fake, "/api/chat", body).body).as_object()["message"].as_object()["content"]),
            "first");
  EXPECT_EQ(
      str(json::parse(post(fake, "/v1/messages", body).body).as_object()["content"].as_array()[0].as_object()["text"]),
      "second");
  json::object third = json::parse(post(fake, "/v1/chat/completions", body).body).as_object();
  EXPECT_EQ(str(third["choices"].as_array()[0].as_object()["message"].as_object()["content"]),
            "Hello from the fake upstream.");
}

TEST(FakeUpstreamScript, RecordsMethodTargetLowerCaseHeadersAndBody) {
  FakeUpstream fake;
  post(fake, "/v1/messages?beta=true", kAnthropicStream,
       {{"X-Api-Key", "secret"}, {"Anthropic-Version", "2023-06-01"}});
  ASSERT_TRUE(fake.wait_for_requests(1, 1s));
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/messages?beta=true");
  EXPECT_EQ(requests[0].headers.at("x-api-key"), "secret");
  EXPECT_EQ(requests[0].header("Anthropic-Version"), "2023-06-01");
  EXPECT_EQ(requests[0].body, kAnthropicStream);
  EXPECT_FALSE(fake.wait_for_requests(2, 20ms));
}

TEST(FakeUpstreamScript, KeepAliveServesSeveralRequestsOnOneConnection) {
  FakeUpstream fake;
  RawConnection conn(fake.port());
  for (int i = 0; i < 3; ++i) {
    conn.send(raw_post("/v1/chat/completions", kOpenAiStream));
    std::string raw = conn.read_until("\r\n0\r\n\r\n", 3s);
    EXPECT_NE(raw.find("data: [DONE]"), std::string::npos) << i;
  }
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST(FakeUpstreamScript, HoldsSixtyFourConcurrentStreams) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("abc").stall_after(1));
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < 64; ++i) {
    conns.push_back(std::make_unique<RawConnection>(fake.port()));
    conns.back()->send(raw_post("/v1/chat/completions", kOpenAiStream));
  }
  ASSERT_TRUE(fake.wait_for_requests(64, 5s));
  for (auto& c : conns) EXPECT_NE(c->read_until("data: ", 3s).find("data: "), std::string::npos);
  conns.clear();
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(fake.wait_for_disconnect(2s).has_value()) << i;
}

TEST(FakeUpstreamScript, StopsWhileAClientIsStalled) {
  auto fake = std::make_unique<FakeUpstream>();
  fake->push(Reply::text("abc").stall_after(0));
  RawConnection conn(fake->port());
  conn.send(raw_post("/v1/chat/completions", kOpenAiStream));
  ASSERT_TRUE(fake->wait_for_requests(1, 2s));
  auto start = Clock::now();
  fake.reset();
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_TRUE(conn.closed_within(1s));
}

// ------------------------------------------------ embeddings and models

TEST(FakeUpstreamEmbeddings, OpenAiVectorsAreDeterministicUnitVectors) {
  FakeUpstream fake;
  const std::string body = R"({"model":"text-embedding-test","input":["alpha","beta"]})";
  json::object first = json::parse(post(fake, "/v1/embeddings", body).body).as_object();
  json::object again = json::parse(post(fake, "/v1/embeddings", body).body).as_object();
  EXPECT_EQ(first, again);
  EXPECT_EQ(str(first["object"]), "list");
  EXPECT_EQ(str(first["model"]), "text-embedding-test");
  json::array data = first["data"].as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(str(data[1].as_object()["object"]), "embedding");
  EXPECT_EQ(data[1].as_object()["index"].as_int64(), 1);
  json::array v = data[0].as_object()["embedding"].as_array();
  ASSERT_EQ(v.size(), 8u);
  double norm = 0;
  for (const auto& x : v) norm += x.as_double() * x.as_double();
  EXPECT_NEAR(norm, 1.0, 1e-9);
  EXPECT_NE(data[0].as_object()["embedding"], data[1].as_object()["embedding"]);
  EXPECT_TRUE(first["usage"].as_object().contains("prompt_tokens"));
}

TEST(FakeUpstreamEmbeddings, OllamaEmbedTakesAStringOrAList) {
  FakeUpstream fake;
  json::object one = json::parse(post(fake, "/api/embed", R"({"model":"nomic","input":"alpha"})").body).as_object();
  json::object two =
      json::parse(post(fake, "/api/embed", R"({"model":"nomic","input":["alpha","b"]})").body).as_object();
  ASSERT_EQ(one["embeddings"].as_array().size(), 1u);
  ASSERT_EQ(two["embeddings"].as_array().size(), 2u);
  EXPECT_EQ(one["embeddings"].as_array()[0], two["embeddings"].as_array()[0]);
  EXPECT_TRUE(one.contains("total_duration") && one.contains("load_duration") && one.contains("prompt_eval_count"));
}

TEST(FakeUpstreamModels, EachVendorListsTheModelsInItsShape) {
  FakeUpstream fake;
  fake.set_models({"m1", "m2"});
  json::object openai = json::parse(http_get(fake.port(), "/v1/models").body).as_object();
  EXPECT_EQ(str(openai["object"]), "list");
  EXPECT_EQ(str(openai["data"].as_array()[1].as_object()["id"]), "m2");
  EXPECT_EQ(str(openai["data"].as_array()[0].as_object()["object"]), "model");

  HttpResponse res = http_request(fake.port(), verb::get, "/v1/models", "", {{"anthropic-version", "2023-06-01"}});
  json::object anthropic = json::parse(res.body).as_object();
  EXPECT_EQ(str(anthropic["data"].as_array()[0].as_object()["type"]), "model");
  EXPECT_FALSE(anthropic["has_more"].as_bool());
  EXPECT_EQ(str(anthropic["first_id"]), "m1");
  EXPECT_EQ(str(anthropic["last_id"]), "m2");

  json::object ollama = json::parse(http_get(fake.port(), "/api/tags").body).as_object();
  json::object model = ollama["models"].as_array()[0].as_object();
  EXPECT_EQ(str(model["name"]), "m1");
  EXPECT_EQ(str(model["model"]), "m1");
  EXPECT_EQ(str(model["digest"]).size(), 64u);
  EXPECT_TRUE(model["details"].as_object().contains("family"));
}

// -------------------------------------------------------------- pieces

TEST(FakeFormats, SplitNeverBreaksAUtf8Character) {
  auto pieces = fake::split_utf8("aé€b", 1);  // 1 + 2 + 3 + 1 bytes
  std::vector<std::string> expected{"a", "é", "€", "b"};
  EXPECT_EQ(pieces, expected);
  EXPECT_EQ(fake::split_utf8("abcde", 2), (std::vector<std::string>{"ab", "cd", "e"}));
  EXPECT_TRUE(fake::split_utf8("", 3).empty());
}

}  // namespace
}  // namespace devagent::testing
