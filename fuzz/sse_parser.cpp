// SseParser: arbitrary bytes in arbitrary chunks must never crash, and the
// events must not depend on where the chunks were cut (a socket cuts a
// stream anywhere).
//
// Input: byte 0 picks the chunk size, the rest is the stream.
#include "chunked_input.h"
#include "http/sse.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using devagent::http::SseEvent;
using devagent::http::SseParser;

struct Outcome {
  std::vector<SseEvent> events;
  std::string last_id;
  bool failed = false;
};

Outcome parse_in_chunks(std::string_view stream, std::size_t chunk, std::size_t limit) {
  SseParser parser(limit);
  Outcome out;
  auto collect = [&out](SseEvent&& e) { out.events.push_back(std::move(e)); };
  out.failed = !devagent::fuzz::feed_in_chunks(stream, chunk,
                                               [&](std::string_view piece) { return parser.feed(piece, collect); });
  out.last_id = parser.last_event_id();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.events.size() != b.events.size() || a.last_id != b.last_id) return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const auto& x = a.events[i];
    const auto& y = b.events[i];
    if (x.event != y.event || x.data != y.data || x.id != y.id || x.retry_ms != y.retry_ms) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = devagent::fuzz::chunked_input(data, size);
  if (!input) return 0;
  auto [chunk, stream] = *input;

  // No limit reached: one piece and small chunks must agree.
  auto whole = parse_in_chunks(stream, stream.size() + 1, 1 << 20);
  auto pieces = parse_in_chunks(stream, chunk, 1 << 20);
  if (!whole.failed && !pieces.failed && !same(whole, pieces)) std::abort();

  // A small limit: the error path, which must leave no event over the limit.
  auto limited = parse_in_chunks(stream, chunk, 64);
  for (const auto& e : limited.events) {
    if (e.data.size() > 64) std::abort();
  }

  // What encode_sse writes, the parser reads back.
  if (!whole.events.empty()) {
    SseEvent e = whole.events.front();
    std::string encoded = devagent::http::encode_sse(e);
    auto back = parse_in_chunks(encoded, chunk, 1 << 20);
    bool plain = e.data.find('\r') == std::string::npos && e.event.find_first_of("\r\n") == std::string::npos;
    if (plain && (back.events.size() != 1 || back.events[0].data != e.data ||
                  back.events[0].event != e.event)) {
      std::abort();
    }
  }
  return 0;
}
