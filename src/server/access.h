// The access gate in front of every route: who the caller is (an API key,
// auth.h) and whether its limits let the request through (limits.h).
// docs/security.md, "API keys and limits", states the policy:
//
// - With at least one key that is not revoked, every route but the open
//   ones ([auth] open_routes) needs a key: "Authorization: Bearer <key>" or
//   "X-Api-Key: <key>" (on the WebSocket route also ?access_token=<key>,
//   since browsers cannot set headers there). No key, an unknown key or a
//   revoked one: 401. Open routes are limited per client address instead.
// - With no key, the server runs open, and only on a loopback address: it
//   refuses to start on any other, and refuses requests if it finds itself
//   there (every key revoked while it runs).
// - A key's requests per minute and concurrent streams are checked here
//   (429 with Retry-After); its daily token budget is checked by the LLM
//   router's budget guard, through the Caller set on the Exchange.
#pragma once

#include "server/auth.h"
#include "server/limits.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::server {

class Exchange;

struct AccessOptions {
  std::int64_t rpm = 600;     // requests per minute per key; 0: no limit
  std::int64_t streams = 8;   // concurrent streams per key; 0: no limit
  std::int64_t ip_rpm = 600;  // requests per minute per address on open routes; 0: no limit
  std::vector<std::string> open_routes{"/", "/assets/{*rest}", "/healthz", "/readyz"};  // route patterns
  std::chrono::milliseconds stream_lease{60'000};  // a stream's lease, renewed at a third of it
  bool shared_limits = false;                      // counters in the store (PostgreSQL: several instances)

  static AccessOptions from(const config::Config& config);
};

// Whether the server's listen host is a loopback address (127.0.0.0/8, ::1, localhost).
bool loopback_host(std::string_view host);

// Counts a request refused by a limit, by reason (rpm, streams, ip_rpm, daily_tokens).
void count_limited(std::string_view reason);

class AccessGate {
 public:
  // db must outlive the gate; listen_host is the address the server binds.
  AccessGate(store::Database& db, AccessOptions options, std::string listen_host);
  ~AccessGate();

  // At start-up (blocking): a config error when the server would run open
  // on an address other than loopback.
  Result<> check_listen();

  // What an admitted request holds until it ends: a stream slot, when it streams.
  struct Pass {
    std::string lease;
    std::shared_ptr<struct LeaseRenewal> renewal;
  };
  // Admits the request (setting ex's Caller) or answers it (401, 429, 503)
  // and returns nullopt. Runs the store work on the blocking pool.
  boost::asio::awaitable<std::optional<Pass>> admit(Exchange& ex);
  // Gives back the stream slot of an admitted request.
  boost::asio::awaitable<void> release(Pass pass);

 private:
  struct Verdict;
  Verdict decide(const Exchange& ex, const std::optional<std::string>& key, bool streams, std::int64_t now);

  KeyStore keys_;
  AccessOptions options_;
  std::string host_;
  bool loopback_;
  Limiter limiter_;
};

}  // namespace devagent::server
