// The request a piece of work belongs to, as the log sees it.
//
// While a request id is in scope on a thread, every log line written there
// carries it as the field "request_id" (a line that names its own
// request_id keeps that one). Work for one request hops threads — coroutines
// resume on any of the server's threads, blocking work runs on a pool — so
// the scope travels with the work instead of sitting on a thread:
//
//   - log::RequestScope sets it on this thread for a block of plain code;
//   - log::with_request_id(executor, id) wraps an executor so that every
//     function it runs runs in the scope: every resumption of a coroutine
//     co_spawned on it, and of the coroutines that one co_spawns on its own
//     executor (co_await this_coro::executor), whatever thread it lands on;
//   - run_blocking (core/blocking.h) carries the caller's scope into the pool.
#pragma once

#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace devagent::log {

// The request id in scope on this thread; empty when there is none.
const std::string& current_request_id();

// Puts `id` in scope on this thread until destroyed (then the previous one).
class RequestScope {
 public:
  explicit RequestScope(std::string id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string previous_;
};

// An executor that runs everything of Inner's in a RequestScope. Properties
// (context, blocking, outstanding work, ...) are Inner's, so it goes wherever
// Inner goes, any_io_executor included.
template <class Inner>
class RequestExecutor {
 public:
  RequestExecutor(Inner inner, std::shared_ptr<const std::string> id) : inner_(std::move(inner)), id_(std::move(id)) {}

  template <class F>
  void execute(F&& f) const {
    inner_.execute([id = id_, f = std::forward<F>(f)]() mutable {
      RequestScope scope(*id);
      std::move(f)();
    });
  }

  template <class P>
  auto query(const P& p) const noexcept -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
    return boost::asio::query(inner_, p);
  }
  template <class P>
  auto require(const P& p) const
      -> RequestExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
    return {boost::asio::require(inner_, p), id_};
  }
  template <class P>
  auto prefer(const P& p) const
      -> RequestExecutor<std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
    return {boost::asio::prefer(inner_, p), id_};
  }

  friend bool operator==(const RequestExecutor& a, const RequestExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.id_ == b.id_;
  }
  friend bool operator!=(const RequestExecutor& a, const RequestExecutor& b) noexcept { return !(a == b); }

 private:
  Inner inner_;
  std::shared_ptr<const std::string> id_;
};

template <class Executor>
RequestExecutor<Executor> with_request_id(Executor executor, std::string request_id) {
  return {std::move(executor), std::make_shared<const std::string>(std::move(request_id))};
}

}  // namespace devagent::log
