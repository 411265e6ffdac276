// Server-Sent Events and NDJSON framing, both directions.
//
// encode_sse writes one event in the text/event-stream format. SseParser and
// NdjsonParser take bytes in arbitrary chunks (as they arrive from a socket)
// and call back once per complete event or line, following the WHATWG
// EventSource parsing rules: lines end in CRLF, LF or CR; ':' starts a
// comment; "data" lines join with '\n'; a blank line dispatches.
#pragma once

#include "core/error.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace devagent::http {

struct SseEvent {
  std::string event;  // empty means "message"
  std::string data;
  std::string id;
  std::optional<long> retry_ms;
};

// One event, ending with the blank line. Multi-line data becomes several
// "data:" lines; event and id must not contain newlines (they are dropped).
std::string encode_sse(const SseEvent& event);
// A comment line (": text\n\n"), used as a heartbeat.
std::string encode_sse_comment(std::string_view text);

class SseParser {
 public:
  using Callback = std::function<void(SseEvent&&)>;
  // max_event_bytes bounds memory: a longer event is a malformed stream.
  explicit SseParser(std::size_t max_event_bytes = 16 << 20) : max_bytes_(max_event_bytes) {}
  // Feeds bytes; calls fn for each complete event. Returns an error once the
  // stream is malformed (then the parser must not be fed again).
  Result<> feed(std::string_view bytes, const Callback& fn);
  // The id of the last event seen, for Last-Event-ID.
  const std::string& last_event_id() const { return last_id_; }

 private:
  void line(std::string_view l, const Callback& fn);
  std::size_t max_bytes_;
  std::string pending_;  // bytes of an unfinished line
  bool skip_lf_ = false;  // the previous chunk ended in CR
  bool started_ = false;  // BOM check done
  std::size_t bom_matched_ = 0;  // leading bytes that matched the BOM so far
  SseEvent current_;
  bool has_data_ = false;
  std::string last_id_;
};

class NdjsonParser {
 public:
  using Callback = std::function<void(std::string_view line)>;
  explicit NdjsonParser(std::size_t max_line_bytes = 16 << 20) : max_bytes_(max_line_bytes) {}
  // Calls fn for each non-empty line (without its newline).
  Result<> feed(std::string_view bytes, const Callback& fn);
  // Delivers a final line that had no newline.
  void finish(const Callback& fn);

 private:
  std::size_t max_bytes_;
  std::string pending_;
};

}  // namespace devagent::http
