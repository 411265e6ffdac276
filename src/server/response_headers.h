// The headers every response carries, set in one place (internal to the
// server module): security headers, and CORS for the origins in
// server.cors_origins. Exchange applies them to every reply and stream, the
// server to its refusals, the WebSocket route to its handshake, the
// redirect listener to its 308s.
//
//   Content-Security-Policy   "default-src 'none'; frame-ancestors 'none'"
//                             unless the handler set its own (the web page)
//   X-Content-Type-Options    nosniff
//   Referrer-Policy           no-referrer
//   X-Frame-Options           DENY
//   Strict-Transport-Security max-age=31536000; includeSubDomains (TLS only)
//
// CORS: an Origin equal (case-insensitively) to an allowed one is echoed in
// Access-Control-Allow-Origin with Vary: Origin, plus
// Access-Control-Allow-Credentials when server.cors_credentials is on; "*"
// in the list lets any other origin in as "*", never with credentials (the
// configuration refuses the pair). Other origins get no CORS headers.
#pragma once

#include "core/error.h"
#include "server/exchange.h"

#include <boost/beast/http/fields.hpp>

#include <string_view>

namespace devagent::server {

struct ServerOptions;

// Adds the headers above to a response; `origin` is the request's Origin
// header (empty: none, or no request).
void add_response_headers(boost::beast::http::fields& response, const ServerOptions& options,
                          std::string_view origin);

// A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const Request& request);

// Answers a preflight: 204 with the allowed methods, headers and max age for
// an allowed origin; 403 for any other.
boost::asio::awaitable<void> answer_preflight(Exchange& ex);

// Checks the CORS and TLS keys together (config errors).
Result<> validate_security_options(const ServerOptions& options);

}  // namespace devagent::server
