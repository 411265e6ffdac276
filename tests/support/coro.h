// Running coroutines to completion in tests.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace devagent::testing {

// One io_context for a test binary. It outlives every http::Client a test
// makes, since pooled connections belong to it.
inline boost::asio::io_context& test_context() {
  static boost::asio::io_context ioc;
  return ioc;
}

// Runs the coroutine on test_context() until it completes; rethrows its exception.
template <class T>
T run_coro(boost::asio::awaitable<T> coro) {
  auto& ioc = test_context();
  ioc.restart();
  auto fut = boost::asio::co_spawn(ioc, std::move(coro), boost::asio::use_future);
  ioc.run();
  return fut.get();
}

}  // namespace devagent::testing
