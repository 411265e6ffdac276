// The plain-HTTP listener of a TLS server (server.redirect_http_port): every
// request is answered 308 Permanent Redirect to the same target on https,
// then the connection closes (internal to the server module).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace devagent::server {

struct ServerOptions;

// The https URL for a request's Host header and target: the host without
// its port (the listen host when there is no usable Host), https_port unless
// it is 443, and the target unchanged.
std::string https_location(std::string_view host_header, std::string_view target, std::string_view listen_host,
                           std::uint16_t https_port);

// Reads one request (under the header timeout) and answers it.
boost::asio::awaitable<void> redirect_to_https(boost::asio::ip::tcp::socket socket, const ServerOptions& options,
                                               std::uint16_t https_port);

}  // namespace devagent::server
