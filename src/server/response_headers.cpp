#include "server/response_headers.h"

#include "server/server.h"

#include <boost/beast/core/string.hpp>

#include <string>

namespace devagent::server {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::string_view kApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
constexpr std::string_view kHsts = "max-age=31536000; includeSubDomains";
constexpr std::string_view kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
constexpr std::string_view kAllowHeaders = "Authorization, X-Api-Key, Content-Type, Last-Event-ID, X-Request-Id";
constexpr std::string_view kExposeHeaders = "X-Request-Id, Retry-After";

bool any_origin(const ServerOptions& o) {
  for (const auto& a : o.cors_origins) {
    if (a == "*") return true;
  }
  return false;
}

bool listed_origin(const ServerOptions& o, std::string_view origin) {
  for (const auto& a : o.cors_origins) {
    if (a != "*" && beast::iequals(a, origin)) return true;
  }
  return false;
}

// Whether responses depend on the Origin header (caches must key on it).
bool varies_by_origin(const ServerOptions& o) {
  for (const auto& a : o.cors_origins) {
    if (a != "*") return true;
  }
  return false;
}

void add_vary(http::fields& res, std::string_view token) {
  auto it = res.find(http::field::vary);
  if (it == res.end()) {
    res.set(http::field::vary, token);
    return;
  }
  std::string value(it->value());
  res.set(http::field::vary, value + ", " + std::string(token));
}

// "scheme://host[:port]" with an http(s) scheme and nothing after.
bool valid_origin(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos) return false;
  auto scheme = origin.substr(0, sep);
  if (!beast::iequals(scheme, "http") && !beast::iequals(scheme, "https")) return false;
  auto rest = origin.substr(sep + 3);
  return !rest.empty() && rest.find_first_of("/?#@ ") == std::string_view::npos;
}

}  // namespace

void add_response_headers(http::fields& res, const ServerOptions& o, std::string_view origin) {
  if (res.find("Content-Security-Policy") == res.end()) res.set("Content-Security-Policy", kApiContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(http::field::x_frame_options, "DENY");
  if (o.tls()) res.set(http::field::strict_transport_security, kHsts);

  if (o.cors_origins.empty()) return;
  if (varies_by_origin(o)) add_vary(res, "Origin");
  if (origin.empty()) return;
  if (listed_origin(o, origin)) {
    res.set(http::field::access_control_allow_origin, origin);
    if (o.cors_credentials) res.set(http::field::access_control_allow_credentials, "true");
  } else if (any_origin(o)) {
    res.set(http::field::access_control_allow_origin, "*");
  } else {
    return;
  }
  res.set(http::field::access_control_expose_headers, kExposeHeaders);
}

bool is_preflight(const Request& req) {
  return req.method() == http::verb::options && req.find(http::field::origin) != req.end() &&
         req.find(http::field::access_control_request_method) != req.end();
}

boost::asio::awaitable<void> answer_preflight(Exchange& ex) {
  const auto& o = ex.options();
  std::string origin(ex.header("Origin"));
  if (!listed_origin(o, origin) && !any_origin(o)) {
    std::string message = "origin '" + origin.substr(0, 200) + "' is not allowed (server.cors_origins)";
    co_await ex.reply_error(403, "forbidden", message);
    co_return;
  }
  Headers headers = {
      {"Access-Control-Allow-Methods", std::string(kAllowMethods)},
      {"Access-Control-Allow-Headers", std::string(kAllowHeaders)},
      {"Access-Control-Max-Age", std::to_string(o.cors_max_age.count())},
  };
  co_await ex.reply(204, std::string(), "text/plain", headers);
}

Result<> validate_security_options(const ServerOptions& o) {
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return make_error(ErrorKind::config, "server.tls_cert and server.tls_key go together: set both or neither");
  }
  if (o.redirect_http_port >= 0 && !o.tls()) {
    return make_error(ErrorKind::config, "server.redirect_http_port needs TLS (server.tls_cert and server.tls_key)");
  }
  for (const auto& origin : o.cors_origins) {
    if (origin == "*") {
      if (o.cors_credentials) {
        return make_error(ErrorKind::config,
                          "server.cors_origins: \"*\" cannot be combined with server.cors_credentials = true; "
                          "list the origins that may send credentials");
      }
      continue;
    }
    if (!valid_origin(origin)) {
      return make_error(ErrorKind::config, "server.cors_origins: '" + origin +
                                               "' is not an origin like \"https://app.example.com\" "
                                               "(scheme, host and optional port; no path)");
    }
  }
  return {};
}

}  // namespace devagent::server
