// An asynchronous HTTP/1.1 client for upstream APIs (LLM vendors, GitHub).
//
// Calls are coroutines on the caller's executor, which must be a strand or a
// single-threaded io_context: the connection, its timers and its
// cancellation all run there, so nothing races on a socket. No thread is
// started per request, and connections are kept alive and reused per
// upstream (scheme, host, port, proxy).
//
// TLS is verified against the system CA store (plus ClientOptions::ca_file):
// certificate chain and host name, SNI sent, TLS 1.2 or newer. HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY are honoured (CONNECT tunnels for https).
//
// Timeouts: connect (TCP + TLS + proxy), first byte (request sent → response
// headers), idle (between body reads). Cancellation closes the connection at
// once; the call then returns ErrorKind::cancelled.
//
// Errors: ErrorKind::unavailable — could not connect (refused, DNS, TLS,
// proxy); timeout; cancelled; io — the connection failed mid-response;
// too_large — a buffered body over the limit; invalid_argument — a bad URL.
// Header values (API keys) are never logged or put in error messages.
#pragma once

#include "core/cancel.h"
#include "core/error.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds first_byte_timeout{120'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds keep_alive{30'000};  // an unused pooled connection is dropped after this
  std::size_t max_idle_per_host = 32;
  std::size_t max_body_bytes = 64u << 20;  // fetch() refuses larger bodies
  std::string ca_file;                      // extra trusted CAs (PEM), on top of the system store
  std::string https_proxy;                  // "http://[user:pass@]host:port"; empty: none
  std::string http_proxy;
  std::string no_proxy;                     // "localhost,.internal,10.0.0.1" or "*"

  // From the [http] config section and the proxy environment variables.
  static ClientOptions from(const config::Config& config);
};

struct Request {
  std::string method = "GET";
  std::string url;  // absolute http:// or https:// URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::chrono::milliseconds> first_byte_timeout;  // overrides ClientOptions
  std::optional<std::chrono::milliseconds> idle_timeout;
};

struct ResponseHead {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  // The first header with this name (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
};

struct Response {
  ResponseHead head;
  std::string body;
};

// Receives a streamed response: on_head once, then on_data for each piece of
// the (de-chunked) body as it arrives. Returning false from on_data stops
// reading and closes the connection; the call then succeeds with the head.
struct BodyHandler {
  std::function<void(const ResponseHead&)> on_head;
  std::function<bool(std::string_view)> on_data;
};

struct ClientStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
};

// Destroy a Client before the io_contexts its calls ran on: pooled
// connections belong to them.
class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and streams the response body to handler.
  boost::asio::awaitable<Result<ResponseHead>> stream(const Request& request, const BodyHandler& handler,
                                                      CancelToken cancel = {});
  // Sends the request and returns the whole response (up to max_body_bytes).
  boost::asio::awaitable<Result<Response>> fetch(const Request& request, CancelToken cancel = {});

  // Closes and forgets every pooled idle connection. Call it before the
  // io_context the calls ran on is destroyed, if that happens first.
  void drop_idle_connections();

  ClientStats stats() const;
  const ClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether a host bypasses the proxy under a NO_PROXY value.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host);

}  // namespace devagent::http
