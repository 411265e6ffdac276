// NdjsonParser: arbitrary bytes in arbitrary chunks must never crash, and
// the lines must not depend on where the chunks were cut.
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

struct Outcome {
  std::vector<std::string> lines;
  bool failed = false;
};

Outcome parse_in_chunks(std::string_view stream, std::size_t chunk, std::size_t limit) {
  devagent::http::NdjsonParser parser(limit);
  Outcome out;
  auto collect = [&out](std::string_view line) { out.lines.emplace_back(line); };
  out.failed = !devagent::fuzz::feed_in_chunks(stream, chunk,
                                               [&](std::string_view piece) { return parser.feed(piece, collect); });
  if (!out.failed) parser.finish(collect);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = devagent::fuzz::chunked_input(data, size);
  if (!input) return 0;
  auto [chunk, stream] = *input;

  auto whole = parse_in_chunks(stream, stream.size() + 1, 1 << 20);
  auto pieces = parse_in_chunks(stream, chunk, 1 << 20);
  if (!whole.failed && !pieces.failed && whole.lines != pieces.lines) std::abort();
  for (const auto& l : whole.lines) {
    if (l.empty() || l.find('\n') != std::string::npos) std::abort();
  }

  auto limited = parse_in_chunks(stream, chunk, 32);
  (void)limited;
  return 0;
}
