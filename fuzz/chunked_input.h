// What the stream-parser fuzz targets share: the input's first byte picks a
// chunk size, the rest is the stream, fed to the parser in pieces of that
// size (a socket cuts a stream anywhere).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace devagent::fuzz {

struct ChunkedInput {
  std::size_t chunk;  // 1..16
  std::string_view stream;
};

inline std::optional<ChunkedInput> chunked_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return std::nullopt;
  return ChunkedInput{1 + data[0] % 16u, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

// Calls feed(piece) for consecutive pieces of at most `chunk` bytes; stops
// and returns false at the first piece feed refuses.
template <class Feed>
bool feed_in_chunks(std::string_view stream, std::size_t chunk, Feed&& feed) {
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    if (!feed(stream.substr(at, chunk))) return false;
  }
  return true;
}

}  // namespace devagent::fuzz
