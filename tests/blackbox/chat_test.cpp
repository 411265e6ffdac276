// Black-box tests of the chat API: the real `devagent serve`, the offline
// engine, and the fake upstream where a model has to stall.
#include "support/fake_upstream.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/sse_events.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace devagent::testing {
namespace {

using boost::beast::http::verb;
using namespace std::chrono_literals;
namespace json = boost::json;

std::vector<std::string> kinds(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

void expect_error_shape(const HttpResponse& res, int status) {
  EXPECT_EQ(res.status, status) << res.body;
  auto v = json::parse(res.body).as_object();
  const auto& err = v.at("error").as_object();
  EXPECT_FALSE(err.at("type").as_string().empty());
  EXPECT_FALSE(err.at("message").as_string().empty());
  EXPECT_EQ(err.at("request_id").as_string(), res.header("x-request-id"));
}

const std::string kOfflineQuestion =
    R"({"message": "which files depend on src/engine.h?", "options": {"offline": true}})";

HttpResponse post_chat(unsigned short port, const std::string& body, const std::string& target = "/api/v1/chat") {
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  return http_request(port, verb::post, target, body, headers, 60s);
}

std::string raw_chat_request(const std::string& body) {
  return "POST /api/v1/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The run id from the first event, read from a raw (chunked) response.
std::string run_id_in(const std::string& raw) {
  auto at = raw.find("\"run_id\":\"");
  if (at == std::string::npos) return {};
  at += 10;
  return raw.substr(at, raw.find('"', at) - at);
}

class Chat : public SharedServer<Chat> {};

TEST_F(Chat, StreamsTheRunFirstThenThePlanAndEndsWithAnswerDone) {
  auto res = post_chat(port(), kOfflineQuestion);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("content-type"), "text/event-stream");
  auto events = parse_sse(res.body);
  ASSERT_GE(events.size(), 3u) << res.body;
  EXPECT_EQ(events.front().kind, "run");
  EXPECT_FALSE(events.front().data.at("run_id").as_string().empty());
  EXPECT_FALSE(events.front().data.at("conversation_id").as_string().empty());
  EXPECT_FALSE(events.front().data.at("message_id").as_string().empty());
  EXPECT_EQ(events[1].kind, "plan") << res.body;
  EXPECT_EQ(events.back().kind, "answer_done") << res.body;
  EXPECT_EQ(events.back().data.at("engine").as_string(), "builtin");
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].id, i + 1) << res.body;
}

TEST_F(Chat, StreamFalseAnswersOneDocument) {
  for (const std::string target : {"/api/v1/chat?stream=false", "/api/v1/chat"}) {
    std::string body =
        target == "/api/v1/chat"
            ? R"({"message": "which files depend on src/engine.h?", "stream": false, "options": {"offline": true}})"
            : kOfflineQuestion;
    auto res = post_chat(port(), body, target);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.header("content-type"), "application/json");
    auto v = json::parse(res.body).as_object();
    for (const char* key : {"run_id", "conversation_id", "message_id", "answer", "engine"}) {
      EXPECT_TRUE(v.at(key).is_string()) << key;
    }
    EXPECT_FALSE(v.at("answer").as_string().empty());
    EXPECT_EQ(v.at("engine").as_string(), "builtin");
    EXPECT_TRUE(v.at("plan").at("tasks").is_array());
    EXPECT_TRUE(v.at("results").is_array());
    EXPECT_TRUE(v.at("usage").at("input_tokens").is_int64());
    EXPECT_TRUE(v.at("cost_usd").is_number());
  }
}

TEST_F(Chat, ConversationIdIsKept) {
  auto res = post_chat(port(), R"({"message": "list the files", "conversation_id": "conv-1", "stream": false,
                                   "options": {"offline": true}})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body).at("conversation_id").as_string(), "conv-1");
}

TEST_F(Chat, InvalidRequestsAre400InTheErrorShape) {
  std::string too_long = R"({"message": ")" + std::string(33 * 1024, 'x') + R"("})";
  for (const std::string& body :
       {std::string("not json"), std::string("[]"), std::string("{}"), std::string(R"({"message": ""})"),
        std::string(R"({"message": "   "})"), std::string(R"({"message": 42})"), too_long,
        std::string(R"({"message": "q", "options": []})"),
        std::string(R"({"message": "q", "options": {"offline": "yes"}})"),
        std::string(R"({"message": "q", "stream": "no"})"),
        std::string(R"({"message": "q", "conversation_id": "has spaces"})")}) {
    auto res = post_chat(port(), body);
    expect_error_shape(res, 400);
  }
  expect_error_shape(post_chat(port(), kOfflineQuestion, "/api/v1/chat?stream=maybe"), 400);
}

TEST_F(Chat, ResumeReplaysTheEventsAfterTheLastSeen) {
  auto res = post_chat(port(), kOfflineQuestion);
  ASSERT_EQ(res.status, 200);
  auto all = parse_sse(res.body);
  ASSERT_GE(all.size(), 3u);
  std::string run_id(all.front().data.at("run_id").as_string());

  std::vector<std::pair<std::string, std::string>> headers = {{"Last-Event-ID", "2"}};
  auto resumed = http_request(port(), verb::get, "/api/v1/runs/" + run_id + "/events", {}, headers);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  auto events = parse_sse(resumed.body);
  ASSERT_EQ(events.size(), all.size() - 2) << resumed.body;
  EXPECT_EQ(events.front().id, 3u);
  EXPECT_EQ(kinds(events), kinds(std::vector<SseEvent>(all.begin() + 2, all.end())));

  auto after = http_get(port(), "/api/v1/runs/" + run_id + "/events?after=" + std::to_string(all.size() - 1));
  auto last = parse_sse(after.body);
  ASSERT_EQ(last.size(), 1u) << after.body;
  EXPECT_EQ(last[0].kind, "answer_done");

  auto everything = http_get(port(), "/api/v1/runs/" + run_id + "/events");
  EXPECT_EQ(parse_sse(everything.body).size(), all.size());

  expect_error_shape(http_get(port(), "/api/v1/runs/no-such-run/events"), 404);
  expect_error_shape(http_get(port(), "/api/v1/runs/" + run_id + "/events?after=x"), 400);
}

TEST_F(Chat, CancellingAFinishedOrUnknownRun) {
  auto res = post_chat(port(), kOfflineQuestion);
  std::string run_id(parse_sse(res.body).front().data.at("run_id").as_string());
  auto again = http_request(port(), verb::post, "/api/v1/runs/" + run_id + "/cancel");
  ASSERT_EQ(again.status, 200) << again.body;
  auto v = json::parse(again.body).as_object();
  EXPECT_FALSE(v.at("cancelled").as_bool());
  EXPECT_EQ(v.at("reason").as_string(), "already finished");
  expect_error_shape(http_request(port(), verb::post, "/api/v1/runs/unknown/cancel"), 404);
}

TEST_F(Chat, ConversationsAreStoredListedAndDeleted) {
  auto first =
      post_chat(port(), R"({"message": "  which files depend on src/engine.h?  ", "conversation_id": "conv-store",
                                     "stream": false, "options": {"offline": true}})");
  ASSERT_EQ(first.status, 200) << first.body;
  auto answer = json::parse(first.body).as_object();
  auto second = post_chat(port(), R"({"message": "and src/api.h?", "conversation_id": "conv-store",
                                      "stream": false, "options": {"offline": true}})");
  ASSERT_EQ(second.status, 200) << second.body;

  auto list = http_get(port(), "/api/v1/conversations");
  ASSERT_EQ(list.status, 200) << list.body;
  auto list_doc = json::parse(list.body);
  const auto& items = list_doc.at("conversations").as_array();
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].at("id").as_string(), "conv-store") << list.body;  // newest first
  EXPECT_EQ(items[0].at("title").as_string(), "which files depend on src/engine.h?");

  auto got = http_get(port(), "/api/v1/conversations/conv-store");
  ASSERT_EQ(got.status, 200) << got.body;
  auto got_doc = json::parse(got.body);
  const auto& messages = got_doc.at("messages").as_array();
  ASSERT_EQ(messages.size(), 4u) << got.body;
  EXPECT_EQ(messages[0].at("role").as_string(), "user");
  EXPECT_EQ(messages[1].at("role").as_string(), "assistant");
  EXPECT_EQ(messages[1].at("id").as_string(), answer.at("message_id").as_string());
  EXPECT_EQ(messages[1].at("content").as_string(), answer.at("answer").as_string());
  EXPECT_EQ(messages[1].at("status").as_string(), "complete");
  EXPECT_EQ(messages[1].at("run_id").as_string(), answer.at("run_id").as_string());
  EXPECT_EQ(messages[2].at("content").as_string(), "and src/api.h?");

  auto del = http_request(port(), verb::delete_, "/api/v1/conversations/conv-store");
  EXPECT_EQ(del.status, 204) << del.body;
  expect_error_shape(http_get(port(), "/api/v1/conversations/conv-store"), 404);
  expect_error_shape(http_request(port(), verb::delete_, "/api/v1/conversations/conv-store"), 404);
}

TEST_F(Chat, FeedbackIsStoredOnTheAnswer) {
  auto res = post_chat(port(), R"({"message": "list the files", "conversation_id": "conv-feedback", "stream": false,
                                   "options": {"offline": true}})");
  ASSERT_EQ(res.status, 200) << res.body;
  std::string message_id(json::parse(res.body).at("message_id").as_string());
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  auto up =
      http_request(port(), verb::post, "/api/v1/messages/" + message_id + "/feedback", R"({"rating": -1})", headers);
  ASSERT_EQ(up.status, 200) << up.body;
  auto got = http_get(port(), "/api/v1/conversations/conv-feedback");
  EXPECT_EQ(json::parse(got.body).at("messages").at(1).at("feedback").as_int64(), -1) << got.body;
  expect_error_shape(
      http_request(port(), verb::post, "/api/v1/messages/" + message_id + "/feedback", R"({"rating": 5})", headers),
      400);
  expect_error_shape(http_request(port(), verb::post, "/api/v1/messages/unknown/feedback", R"({"rating": 1})", headers),
                     404);
}

TEST(ChatHistory, EarlierTurnsReachTheModel) {
  FakeUpstream fake;
  fake.push(Reply::text("The engine is in src/engine.cpp."));
  fake.push(Reply::text("It has 64 functions."));
  ServerProcess server({}, {{"OPENAI_BASE_URL", fake.base_url()},
                            {"OPENAI_API_KEY", "k"},
                            {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"}});
  auto first =
      post_chat(server.port(), R"({"message": "where is the engine?", "conversation_id": "c1", "stream": false})");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body).at("engine").as_string(), "llm") << first.body;
  auto second = post_chat(server.port(), R"({"message": "how big is it?", "conversation_id": "c1", "stream": false})");
  ASSERT_EQ(second.status, 200) << second.body;
  auto sent = fake.requests();
  ASSERT_GE(sent.size(), 2u);
  // The agent's call for the second question (memory's record_memory calls
  // on the summary route come after each answer).
  std::string last;
  for (const auto& r : sent) {
    if (r.body.find("record_memory") == std::string::npos) last = r.body;
  }
  EXPECT_NE(last.find("where is the engine?"), std::string::npos) << last;
  EXPECT_NE(last.find("The engine is in src/engine.cpp."), std::string::npos) << last;
  EXPECT_NE(last.find("how big is it?"), std::string::npos) << last;
}

// A server whose model is the fake upstream, stalling mid-answer.
struct StallingModel {
  FakeUpstream fake;
  std::unique_ptr<ServerProcess> server;
  StallingModel() {
    fake.set_default_reply(Reply::text("partial answer\nnever finished").chunks(2).stall_after(2));
    server = std::make_unique<ServerProcess>(
        std::vector<std::string>{},
        std::map<std::string, std::string>{{"OPENAI_BASE_URL", fake.base_url()},
                                           {"OPENAI_API_KEY", "k"},
                                           {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                                           {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
                                           {"DEVAGENT_SERVER_SSE_HEARTBEAT", "200ms"}});
  }
};

TEST(ChatCancel, TheCancelEndpointStopsTheRunAndTheUpstreamRequest) {
  StallingModel m;
  RawConnection conn(m.server->port());
  conn.send(raw_chat_request(R"({"message": "explain the build"})"));
  std::string seen = conn.read_until("message_id", 20s);
  std::string run_id = run_id_in(seen);
  ASSERT_FALSE(run_id.empty()) << seen;
  ASSERT_TRUE(m.fake.wait_for_requests(1, 20s));
  // Heartbeats keep the stream alive while the model stalls.
  if (seen.find(": ping") == std::string::npos) seen += conn.read_until(": ping", 20s);
  EXPECT_NE(seen.find(": ping"), std::string::npos) << seen;

  auto res = http_request(m.server->port(), verb::post, "/api/v1/runs/" + run_id + "/cancel");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(json::parse(res.body).at("cancelled").as_bool());

  seen += conn.read_until("0\r\n\r\n", 20s);
  auto error_at = seen.find("event: error");
  ASSERT_NE(error_at, std::string::npos) << seen;
  EXPECT_NE(seen.find("\"kind\":\"cancelled\"", error_at), std::string::npos) << seen;
  EXPECT_TRUE(m.fake.wait_for_disconnect(20s).has_value());

  // The question and the cancelled answer are stored, the answer marked partial.
  auto at = seen.find("\"conversation_id\":\"") + 19;
  std::string conversation_id = seen.substr(at, seen.find('"', at) - at);
  auto got = http_get(m.server->port(), "/api/v1/conversations/" + conversation_id);
  ASSERT_EQ(got.status, 200) << got.body;
  auto doc = json::parse(got.body);
  const auto& messages = doc.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u) << got.body;
  EXPECT_EQ(messages[0].at("content").as_string(), "explain the build");
  EXPECT_EQ(messages[1].at("status").as_string(), "partial") << got.body;
}

TEST(ChatCancel, AClientThatHangsUpCancelsItsRun) {
  StallingModel m;
  std::string run_id;
  {
    RawConnection conn(m.server->port());
    conn.send(raw_chat_request(R"({"message": "explain the build"})"));
    auto head = conn.read_until("message_id", 20s);
    run_id = run_id_in(head);
    ASSERT_FALSE(run_id.empty()) << head;
    ASSERT_TRUE(m.fake.wait_for_requests(1, 20s));
  }  // the connection closes here, while the model stalls
  EXPECT_TRUE(m.fake.wait_for_disconnect(20s).has_value());
  // The run ended with the cancellation; its events are still there to read.
  auto replay = http_get(m.server->port(), "/api/v1/runs/" + run_id + "/events");
  ASSERT_EQ(replay.status, 200) << replay.body;
  auto events = parse_sse(replay.body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "error") << replay.body;
  EXPECT_EQ(events.back().data.at("kind").as_string(), "cancelled") << replay.body;
}

// Every line the server logs for a chat carries the chat's request id: the
// server's own, the model router's (failed attempts) and memory's (its
// summary route is down), whichever thread of the server or the blocking
// pool wrote it (core/log_context.h).
TEST(ChatLogs, EveryLineOfAChatCarriesItsRequestId) {
  FakeUpstream fake;
  fake.set_default_reply(Reply::text("The engine is in src/engine.cpp."));
  RefusingPort down;
  ServerProcess server({}, {{"OPENAI_BASE_URL", fake.base_url()},
                            {"OPENAI_API_KEY", "k"},
                            {"ANTHROPIC_BASE_URL", down.url()},
                            {"ANTHROPIC_API_KEY", "k"},
                            {"DEVAGENT_ROUTES_DECOMPOSITION", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_RESPONSE", "openai:gpt-4o"},
                            {"DEVAGENT_ROUTES_SUMMARY", "anthropic:claude-3-5-haiku-latest"}});
  auto before = server.process().stderr_text().size();
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"},
                                                              {"X-Request-Id", "chat-log-1"}};
  auto res =
      http_request(server.port(), verb::post, "/api/v1/chat", R"({"message": "where is the engine?"})", headers, 60s);
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_EQ(parse_sse(res.body).back().kind, "answer_done") << res.body;

  // The run remembers the turn after the stream has ended, and the request
  // line is written once the response has been sent, on another thread:
  // wait for both, in whichever order they come.
  std::string log;
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    log = server.process().stderr_text().substr(before);
    if (log.find("\"msg\":\"memory: ") != std::string::npos && log.find("\"msg\":\"request\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  std::set<std::string> messages;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto v = json::parse(line).as_object();
    messages.insert(std::string(v.at("msg").as_string()));
    ASSERT_TRUE(v.contains("request_id")) << line;
    EXPECT_EQ(v.at("request_id").as_string(), "chat-log-1") << line;
  }
  EXPECT_TRUE(messages.count("request")) << log;
  EXPECT_TRUE(messages.count("llm attempt failed")) << log;
  bool from_memory = false;
  for (const auto& m : messages) from_memory = from_memory || m.rfind("memory: ", 0) == 0;
  EXPECT_TRUE(from_memory) << log;
}

}  // namespace
}  // namespace devagent::testing
