// Server-sent events as the black-box tests read them: a whole SSE body
// (already de-chunked) parsed into events; ": ping" comments are skipped.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace devagent::testing {

struct SseEvent {
  std::uint64_t id = 0;
  std::string kind;
  boost::json::object data;
};

inline std::vector<SseEvent> parse_sse(const std::string& body) {
  std::vector<SseEvent> events;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    std::string block = body.substr(pos, end - pos);
    pos = end + 2;
    SseEvent e;
    bool any = false;
    std::size_t line_start = 0;
    while (line_start <= block.size()) {
      auto nl = block.find('\n', line_start);
      std::string line = block.substr(line_start, nl == std::string::npos ? std::string::npos : nl - line_start);
      line_start = nl == std::string::npos ? block.size() + 1 : nl + 1;
      if (line.rfind("id: ", 0) == 0) e.id = std::stoull(line.substr(4));
      if (line.rfind("event: ", 0) == 0) e.kind = line.substr(7);
      if (line.rfind("data: ", 0) == 0) {
        e.data = boost::json::parse(line.substr(6)).as_object();
        any = true;
      }
    }
    if (any) events.push_back(std::move(e));
  }
  return events;
}

}  // namespace devagent::testing
