// A client connection as the server reads and writes it: plain TCP or TLS
// (internal to the server module). The session, Exchange and the WebSocket
// route see one type either way.
//
// It is an AsyncReadStream and AsyncWriteStream; each operation goes
// straight to the underlying beast::tcp_stream, or to the TLS stream over
// it, with no buffering or copy of its own (plain TCP costs one branch per
// operation). Timeouts are the tcp_stream's (expires_after, expires_never).
// beast::websocket::stream<ClientStream&> works through the teardown and
// beast_close_socket overloads below, found by argument-dependent lookup.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace devagent::server {

class ClientStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // Plain TCP.
  explicit ClientStream(boost::asio::ip::tcp::socket socket) : plain_(std::in_place, std::move(socket)) {
    tcp_ = &*plain_;
  }
  // TLS with the given server context, kept alive as long as the connection
  // (a reload gives new connections a new context; this one keeps its own).
  ClientStream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)), tls_(std::in_place, std::move(socket), *context_) {
    tcp_ = &boost::beast::get_lowest_layer(*tls_);
  }
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  executor_type get_executor() noexcept { return tcp_->get_executor(); }
  bool is_tls() const { return tls_.has_value(); }
  boost::beast::tcp_stream& tcp() { return *tcp_; }
  boost::asio::ip::tcp::socket& socket() { return tcp_->socket(); }
  // Only when is_tls().
  TlsStream& tls() { return *tls_; }

  void expires_after(std::chrono::steady_clock::duration d) { tcp_->expires_after(d); }
  void expires_never() { tcp_->expires_never(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) tls_->async_read_some(b, std::move(handler));
          else tcp_->async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) tls_->async_write_some(b, std::move(handler));
          else tcp_->async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

  // A read that no timeout ends, kept pending while a response is written
  // (Exchange::watch_client). Call only with no other read pending.
  template <class MutableBuffers, class Token>
  auto async_read_some_untimed(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            // The read goes through tcp_stream, whose read timer is armed
            // when the read starts: clear it first (a pending write keeps its
            // own); later expires_after calls leave a pending read alone.
            tcp_->expires_never();
            tls_->async_read_some(b, std::move(handler));
          } else {
            tcp_->socket().async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // The TLS handshake (server side); the caller sets the timeout.
  boost::asio::awaitable<boost::system::error_code> handshake();
  // Ends the sending direction: TLS sends close_notify first (waiting at
  // most `tls_timeout` for the peer's), then the TCP send side is shut.
  boost::asio::awaitable<void> close_write(std::chrono::milliseconds tls_timeout);

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<TlsStream> tls_;
  boost::beast::tcp_stream* tcp_ = nullptr;

  friend void teardown(boost::beast::role_type role, ClientStream& s, boost::system::error_code& ec);
  template <class TeardownHandler>
  friend void async_teardown(boost::beast::role_type role, ClientStream& s, TeardownHandler&& handler);
};

// How beast::close_socket closes the connection (WebSocket failures).
inline void beast_close_socket(ClientStream& s) {
  boost::system::error_code ignored;
  s.socket().close(ignored);
}

// WebSocket closing handshake's last step: the TLS or TCP shutdown.
void teardown(boost::beast::role_type role, ClientStream& s, boost::system::error_code& ec);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, ClientStream& s, TeardownHandler&& handler) {
  using boost::beast::async_teardown;
  using boost::beast::websocket::async_teardown;
  if (s.tls_) async_teardown(role, *s.tls_, std::forward<TeardownHandler>(handler));
  else async_teardown(role, *s.plain_, std::forward<TeardownHandler>(handler));
}

}  // namespace devagent::server
