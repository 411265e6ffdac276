#include "server/redirect.h"

#include "core/log.h"
#include "server/response_headers.h"
#include "server/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace devagent::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A host name or IP literal as it may appear in a URL authority.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (unsigned char c : host) {
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']')) return false;
  }
  return true;
}

}  // namespace

std::string https_location(std::string_view host_header, std::string_view target, std::string_view listen_host,
                           std::uint16_t https_port) {
  std::string_view host = host_header;
  // Drop the port: "[::1]:80" -> "[::1]", "example.com:80" -> "example.com".
  if (auto bracket = host.rfind(']'); bracket != std::string_view::npos) {
    host = host.substr(0, bracket + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string h;
  if (plausible_host(host)) {
    h = host;
  } else {
    h = listen_host;
    if (h.find(':') != std::string::npos) h = "[" + h + "]";
  }
  std::string location = "https://" + h;
  if (https_port != 443) location += ":" + std::to_string(https_port);
  if (target.empty() || target.front() != '/') target = "/";
  location += target;
  return location;
}

asio::awaitable<void> redirect_to_https(asio::ip::tcp::socket socket, const ServerOptions& options,
                                        std::uint16_t https_port) {
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  stream.expires_after(options.header_timeout);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
  if (ec) co_return;
  const auto& req = parser.get();
  http::response<http::string_body> res{http::status::permanent_redirect, req.version()};
  std::string location = https_location(req[http::field::host], req.target(), options.host, https_port);
  res.set(http::field::location, location);
  res.set(http::field::content_type, "text/plain");
  add_response_headers(res, options, {});
  res.erase(http::field::strict_transport_security);  // HSTS means nothing over plain HTTP (RFC 6797 7.2)
  res.keep_alive(false);
  res.body() = "This server speaks HTTPS: " + location + "\n";
  res.prepare_payload();
  stream.expires_after(options.write_timeout);
  auto [wec, wn] = co_await http::async_write(stream, res, tuple_awaitable);
  if (wec) log::debug("redirect write failed", "error", wec.message());
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace devagent::server
