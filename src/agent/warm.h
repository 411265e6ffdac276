// Cache warming: answering questions ahead of time so the response cache
// serves them when they are asked — from a file of common questions
// (`devagent cache warm FILE`) or from the questions asked most often lately
// (the server, every cache.warm_interval).
#pragma once

#include "agent/agent.h"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace devagent::agent {

struct WarmReport {
  int answered = 0;        // asked and kept in the cache
  int already_cached = 0;  // a live entry serves it already: not asked again
  int not_kept = 0;        // answered, but the answer was not cacheable (a failed tool, an uncacheable scope)
  int failed = 0;          // the run ended with an error
  std::vector<std::string> errors;  // one line per failure
};

// Asks each question in turn (fresh, without history) unless the cache
// already serves it (force: ask anyway). Runs on the caller's executor.
boost::asio::awaitable<WarmReport> warm_cache(Agent& agent, const std::vector<std::string>& questions, bool force,
                                              CancelToken cancel);

}  // namespace devagent::agent
