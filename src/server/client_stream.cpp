#include "server/client_stream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace devagent::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

asio::awaitable<boost::system::error_code> ClientStream::handshake() {
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

asio::awaitable<void> ClientStream::close_write(std::chrono::milliseconds tls_timeout) {
  if (tls_) {
    tcp_->expires_after(tls_timeout);
    auto [ec] = co_await tls_->async_shutdown(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // the peer may close without its close_notify; nothing to do about it
  }
  boost::system::error_code ec;
  tcp_->socket().shutdown(tcp::socket::shutdown_send, ec);
}

void teardown(beast::role_type role, ClientStream& s, boost::system::error_code& ec) {
  using beast::websocket::teardown;
  if (s.tls_) teardown(role, *s.tls_, ec);
  else teardown(role, *s.plain_, ec);
}

}  // namespace devagent::server
