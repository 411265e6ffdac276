// One request and its response, as a route handler sees it (internal to the
// server module). A handler replies exactly once: a whole response (reply*),
// or a stream (begin_stream, write..., end_stream). If it returns without
// replying, the server answers 500.
#pragma once

#include "core/cancel.h"
#include "core/error.h"
#include "server/client_stream.h"
#include "server/router.h"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace devagent::server {

struct ServerOptions;

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Who a request comes from, as the access gate (access.h) found it.
struct Caller {
  std::string principal = "local";           // an API key's id; "local" when the server runs open
  std::optional<std::int64_t> daily_tokens;  // the key's own daily token limit, when it has one
};

class Exchange {
 public:
  Exchange(Request& request, ClientStream& stream, const ServerOptions& options,
           std::string request_id, Match match, CancelToken shutdown, bool closing);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const { return request_; }
  std::string_view path() const { return path_; }
  // A path parameter ("{id}" in the route pattern), percent-decoded.
  std::string param(std::string_view name) const;
  // A query-string parameter, percent-decoded; nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  std::string_view header(std::string_view name) const;
  const std::string& request_id() const { return request_id_; }
  // The matched route pattern, or "unmatched": the metrics label.
  const std::string& route() const { return route_; }
  CancelToken shutdown_token() const { return shutdown_; }
  const ServerOptions& options() const { return options_; }
  // The client's IP address (set by the session) and who it is (set by the access gate).
  const std::string& peer() const { return peer_; }
  void set_peer(std::string address) { peer_ = std::move(address); }
  const Caller& caller() const { return caller_; }
  void set_caller(Caller caller) { caller_ = std::move(caller); }

  // The body parsed as JSON. Errors say what is wrong (invalid_argument);
  // a body that is not application/json-compatible JSON is refused.
  Result<boost::json::value> json_body() const;

  boost::asio::awaitable<void> reply(unsigned status, std::string body, std::string_view content_type,
                                     const Headers& headers = {});
  boost::asio::awaitable<void> reply_json(unsigned status, const boost::json::value& body,
                                          const Headers& headers = {});
  // The one error shape; the status follows the error's kind.
  boost::asio::awaitable<void> reply_error(const Error& error, const Headers& headers = {});
  boost::asio::awaitable<void> reply_error(unsigned status, std::string_view type, std::string_view message,
                                           const Headers& headers = {});

  // Streaming (chunked transfer encoding). Each returns false once the
  // client is gone or too slow (write_timeout); the handler should then stop.
  boost::asio::awaitable<bool> begin_stream(unsigned status, std::string_view content_type,
                                            const Headers& headers = {});
  boost::asio::awaitable<bool> write(std::string_view data);
  boost::asio::awaitable<bool> end_stream();

  // While a long response is being produced: keeps a read pending on the
  // connection and cancels the returned token as soon as the peer closes it
  // (not only at the next write). The connection is closed after this
  // response. Call stop_watching() before the handler returns.
  CancelToken watch_client();
  boost::asio::awaitable<void> stop_watching();

  // A WebSocket upgrade: the handler takes the connection and speaks the
  // WebSocket protocol on it until it returns (the handshake's 101 is its
  // response); the server closes the connection afterwards.
  ClientStream& take_connection() {
    status_ = 101;
    keep_alive_ = false;
    return stream_;
  }

  bool responded() const { return status_ != 0; }
  unsigned status() const { return status_; }
  // Whether the connection can serve another request after this one.
  bool keep_alive() const { return keep_alive_ && !broken_; }

 private:
  Request& request_;
  ClientStream& stream_;
  const ServerOptions& options_;
  std::string request_id_;
  std::string route_;
  std::string path_;
  std::string query_;
  Match match_;
  CancelToken shutdown_;
  std::string peer_;
  Caller caller_;
  unsigned status_ = 0;
  bool keep_alive_ = true;
  bool broken_ = false;
  bool sse_open_ = false;  // counted in the sse_connections gauge until destroyed
  struct ClientWatch;
  std::shared_ptr<ClientWatch> watch_;
};

// Builds the JSON error document.
boost::json::value error_body(std::string_view type, std::string_view message, std::string_view request_id);

}  // namespace devagent::server
