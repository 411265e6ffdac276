// A queue from a synchronous sink to the coroutine that writes a stream
// (internal to the server module).
//
// A producer coroutine (a router call, an agent run) pushes items from its
// sink as they happen and closes the pipe when it ends; the handler's
// coroutine awaits them in batches and writes them to the client. Both run
// on the connection's strand, so there is no lock: push and close only wake
// the waiting consumer.
//
// The pipe must outlive the producer: a handler that stops writing (the
// client went away) cancels the producer and keeps awaiting until closed.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <utility>

namespace devagent::server {

template <class T>
class ItemPipe {
 public:
  explicit ItemPipe(boost::asio::any_io_executor executor) : wake_(std::move(executor)) {}

  void push(T item) {
    items_.push_back(std::move(item));
    wake_.cancel();
  }
  void close() {
    closed_ = true;
    wake_.cancel();
  }
  bool closed() const { return closed_; }

  // Everything queued so far, waiting until there is something or the pipe
  // is closed. Empty only once the pipe is closed and drained.
  boost::asio::awaitable<std::deque<T>> next_batch() {
    while (items_.empty() && !closed_) {
      wake_.expires_at(boost::asio::steady_timer::time_point::max());
      auto [ec] = co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      (void)ec;  // cancelled by push or close: look again
    }
    std::deque<T> batch;
    batch.swap(items_);
    co_return batch;
  }

 private:
  boost::asio::steady_timer wake_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace devagent::server
