// A run's events as Server-Sent Events: `id: <seq>`, `event: <kind>`,
// `data: <json>`, a blank line; `: ping` comments while nothing else is sent.
#include "server/handlers.h"

#include <boost/json/serialize.hpp>

namespace devagent::server::handlers {
namespace {

std::string sse_frame(const RunEvent& e) {
  std::string frame = "id: " + std::to_string(e.seq) + "\nevent: " + e.kind + "\ndata: ";
  frame += boost::json::serialize(e.data);  // one line: serialize never writes a newline
  frame += "\n\n";
  return frame;
}

}  // namespace

awaitable<bool> stream_run_sse(Exchange& ex, Run& run, std::uint64_t after, std::chrono::milliseconds heartbeat) {
  std::uint64_t last = after;
  const std::string ping = ": ping\n\n";
  for (;;) {
    auto snapshot = run.since(last);
    std::string frames;
    for (const auto& e : snapshot.events) {
      frames += sse_frame(e);
      last = e.seq;
    }
    if (!frames.empty()) {
      bool ok = co_await ex.write(frames);
      if (!ok) co_return false;
    }
    if (snapshot.done) co_return true;
    bool woken = co_await run.wait(last, heartbeat);
    if (woken) continue;
    bool ok = co_await ex.write(ping);
    if (!ok) co_return false;
  }
}

}  // namespace devagent::server::handlers
