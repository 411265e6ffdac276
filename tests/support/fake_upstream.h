// A fake LLM upstream for tests and benchmarks: a real HTTP/1.1 server on
// 127.0.0.1 that speaks the OpenAI, Anthropic and Ollama wire formats, replies
// from a script, records every request, and notices clients that hang up.
//
//   FakeUpstream fake;
//   fake.push(Reply::text("hi there").chunks(2));
//   fake.push(Reply::tool_call("searchCode", R"({"query":"x"})").piece_bytes(1));
//   fake.push(Reply::http_error(429).retry_after(2));
//   ... point a provider at fake.base_url() ...
//   auto sent = fake.requests();
//
// Endpoints (the vendor follows from the path):
//   POST /v1/chat/completions   OpenAI chat (SSE when "stream": true)
//   POST /v1/messages           Anthropic messages (SSE when "stream": true)
//   POST /api/chat              Ollama chat (NDJSON unless "stream": false)
//   POST /v1/embeddings         OpenAI embeddings
//   POST /api/embed             Ollama embeddings
//   GET  /v1/models             OpenAI model list; the Anthropic one when the
//                               request carries an anthropic-version header
//   GET  /api/tags              Ollama model list
//
// Each chat request (any vendor) takes the next scripted Reply; when the
// script is empty it gets the default reply. Embeddings and model lists are
// not scripted.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace devagent::testing {

// Why the model stopped. Each vendor spells it its own way:
// stop = "stop" / "end_turn" / "stop"; tool_calls = "tool_calls" / "tool_use"
// / "stop"; length = "length" / "max_tokens" / "length".
enum class FinishReason { stop, tool_calls, length };

struct ToolCall {
  std::string name;
  std::string arguments;  // JSON text; Ollama sends it as an object
  std::string id;         // empty: one is made up (Ollama sends none)
};

// One scripted reply: what the model says, how it is cut into events, and
// which fault, if any, the upstream plays instead of a clean answer.
//
// An "event" is one SSE event (OpenAI, Anthropic) or one NDJSON line
// (Ollama); OpenAI's final "data: [DONE]" counts as one. Each event goes out
// as one HTTP chunk. The `*_after(n)` faults happen after the first n events
// have been sent. For "stream": false the faults act on the whole response:
// cut closes without answering, stall never answers, malformed sends a body
// of invalid JSON, error_after does nothing.
struct Reply {
  static Reply text(std::string content);
  static Reply tool_call(std::string name, std::string arguments_json);
  // An HTTP error with the vendor's error body; type and message follow from
  // the status unless set with error().
  static Reply http_error(int status);
  // The vendor's "context too long" error (400): OpenAI code
  // context_length_exceeded, Anthropic "prompt is too long: N tokens > M maximum".
  static Reply context_length_exceeded(int prompt_tokens = 250000, int max_tokens = 200000);

  // Shaping.
  Reply& chunks(int count);               // text in this many chunks (default 4)
  Reply& chunk_bytes(std::size_t bytes);  // or in chunks of this many bytes
  Reply& and_tool_call(std::string name, std::string arguments_json);
  // Tool arguments in pieces of this many bytes (OpenAI, Anthropic; Ollama
  // sends each call whole). 1 is fine: pieces never split a UTF-8 character.
  Reply& piece_bytes(std::size_t bytes);
  Reply& finish(FinishReason reason);
  // input counts every prompt token, cached ones included (OpenAI's
  // prompt_tokens); Anthropic gets input - cached as input_tokens and cached
  // as cache_read_input_tokens; Ollama has no cached count.
  Reply& usage(int input, int output, int cached = 0);
  Reply& no_usage();        // omit usage: the client must estimate
  Reply& delay_ms(int ms);  // pause before each event after the first

  // Faults.
  Reply& error(std::string type, std::string message);  // overrides the vendor defaults
  Reply& retry_after(int seconds);                      // adds a retry-after header
  Reply& cut_after(int events);                         // close the connection, no final event
  Reply& stall_after(int events);                       // send nothing more, keep the connection open
  Reply& malformed_after(int events);                   // insert one event of invalid JSON, then go on
  Reply& error_after(int events);                       // send the vendor's in-stream error event and end

  // The fields the builders set; read by the server.
  std::string content;
  std::vector<ToolCall> tool_calls;
  int chunk_count = 4;
  std::size_t chunk_size = 0;                 // when > 0, wins over chunk_count
  std::size_t piece_size = 0;                 // 0: the arguments in one piece
  std::optional<FinishReason> finish_reason;  // default: tool_calls if any, else stop
  std::optional<int> input_tokens;            // default: request body bytes / 4
  std::optional<int> output_tokens;           // default: reply bytes / 4
  int cached_tokens = 0;
  bool include_usage = true;
  std::chrono::milliseconds event_delay{0};

  int status = 200;
  std::string error_type;     // empty: the vendor's type for the status
  std::string error_message;  // empty: a message for the status
  std::optional<int> retry_after_seconds;
  std::optional<int> cut_after_events;
  std::optional<int> stall_after_events;
  std::optional<int> malformed_after_events;
  std::optional<int> error_after_events;
  std::optional<int> context_prompt_tokens;  // set by context_length_exceeded
  int context_max_tokens = 0;
};

struct RecordedRequest {
  std::string method;                          // "POST"
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::chrono::steady_clock::time_point received;

  // The header's value, or "" (name in any case).
  std::string header(const std::string& name) const;
};

class FakeUpstream {
 public:
  // Starts serving on 127.0.0.1:port (0: a free port) on its own threads, one
  // per connection. Throws if the port cannot be bound.
  explicit FakeUpstream(unsigned short port = 0);
  // Stops accepting, closes every connection (stalled ones too) and joins
  // the threads.
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  unsigned short port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"

  // Appends a reply to the script (FIFO, one per chat request).
  void push(Reply reply);
  // The reply for chat requests when the script is empty. Initially the text
  // "Hello from the fake upstream." in 4 chunks.
  void set_default_reply(Reply reply);
  // Model ids listed by /v1/models and /api/tags.
  void set_models(std::vector<std::string> ids);
  std::size_t pending_replies() const;

  // Every request received so far, in arrival order (a copy).
  std::vector<RecordedRequest> requests() const;
  // Waits until at least n requests have arrived; false on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;

  // When a client closed its connection while a reply was being sent (also
  // during a stall or a delay): the time the server noticed, oldest first;
  // each call takes one. nullopt if none within timeout.
  std::optional<std::chrono::steady_clock::time_point> wait_for_disconnect(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devagent::testing
