#include "agent/warm.h"

namespace devagent::agent {

boost::asio::awaitable<WarmReport> warm_cache(Agent& agent, const std::vector<std::string>& questions, bool force,
                                              CancelToken cancel) {
  WarmReport report;
  EventSink ignore = [](const Event&) {};
  for (const auto& text : questions) {
    if (cancel.cancelled()) break;
    Question q;
    q.text = text;
    if (!force && co_await agent.cached(q)) {
      ++report.already_cached;
      continue;
    }
    q.cache.read = false;  // answer afresh; the answer is kept as usual
    auto answer = co_await agent.ask(q, ignore, cancel);
    if (answer.error) {
      ++report.failed;
      report.errors.push_back(text + ": " + *answer.error);
      continue;
    }
    Question check;
    check.text = text;
    if (co_await agent.cached(check)) {
      ++report.answered;
    } else {
      ++report.not_kept;
    }
  }
  co_return report;
}

}  // namespace devagent::agent
