// Running blocking work (store queries, file reads) from a coroutine without
// stalling the I/O threads: the work runs on a small dedicated pool and the
// coroutine resumes on its own executor when it is done.
#pragma once

#include "core/log_context.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace devagent {

// The process-wide pool for blocking work: 4 threads, at a lower scheduling
// priority than the I/O threads (blocking.cpp says why).
boost::asio::thread_pool& blocking_pool();

// The pool for short blocking calls a client waits on before it hears
// anything (admission: the key and limit checks of every request): 2
// threads at normal priority, so they never queue behind the tools' work in
// blocking_pool().
boost::asio::thread_pool& admission_pool();

// co_await run_blocking([&] { return db.query(...); });
// References captured by the function stay valid: the caller is suspended
// until it returns. Exceptions propagate to the caller.
// The caller's log request id (core/log_context.h) is in scope while f runs.
// run_blocking_on takes the pool; run_blocking is blocking_pool()'s.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_blocking_on(boost::asio::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F&>;
  // Named before the co_await: GCC 12 destroys a lambda temporary with a
  // non-trivial capture twice when it is built inside the co_await expression.
  auto work = [fn = std::move(f), id = log::current_request_id()]() mutable -> boost::asio::awaitable<R> {
    log::RequestScope scope(std::move(id));
    co_return fn();
  };
  co_return co_await boost::asio::co_spawn(pool, std::move(work), boost::asio::use_awaitable);
}

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_blocking(F f) {
  co_return co_await run_blocking_on(blocking_pool(), std::move(f));
}

// run_blocking on admission_pool().
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_admission(F f) {
  co_return co_await run_blocking_on(admission_pool(), std::move(f));
}

}  // namespace devagent
