// The HTTP server: Boost.Beast on C++20 coroutines, a fixed pool of threads
// running one io_context (never a thread per connection), one flat route
// table (routes.cpp), one JSON error shape for every failure:
//   {"error": {"type": "...", "message": "...", "request_id": "..."}}
//
// Limits are enforced before work is done: the body limit is checked against
// Content-Length before the body is read (413), header and idle timeouts close
// slow clients, and a connection cap answers 503.
#pragma once

#include "core/cancel.h"

#include <boost/asio/any_io_executor.hpp>

#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace devagent::config {
class Config;
}
namespace devagent::store {
class Database;
}
namespace devagent::llm {
class ProviderSet;
class Router;
class UsageLog;
}  // namespace devagent::llm

namespace devagent::tools {
class ToolRegistry;
}
namespace devagent::agent {
class Agent;
}
namespace devagent::memory {
class MemoryStore;
}
namespace devagent::cache {
class ResponseCache;
}
namespace devagent::features {
class FeatureFlags;
}

namespace devagent::server {

struct Route;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 0;  // 0: one per core
  std::uint64_t body_limit = 1 << 20;
  std::uint64_t header_limit = 16 << 10;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds shutdown_timeout{5'000};
  int max_connections = 20'000;
  // TLS (docs/security.md): PEM files; both empty means plain HTTP.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_min_version = "1.2";  // "1.2" or "1.3"
  // A plain-HTTP listener on the same host answering 308 to https; -1: none.
  int redirect_http_port = -1;
  // CORS: allowed origins ("https://app.example.com", or "*" for any).
  std::vector<std::string> cors_origins;
  bool cors_credentials = false;
  std::chrono::seconds cors_max_age{600};

  bool tls() const { return !tls_cert.empty(); }

  static ServerOptions from(const config::Config& config);
};

// What route handlers may use. Owned by the caller of Server; must outlive it.
struct Services {
  const config::Config* config = nullptr;
  store::Database* db = nullptr;
  llm::ProviderSet* providers = nullptr;
  llm::Router* router = nullptr;
  llm::UsageLog* usage = nullptr;
  const tools::ToolRegistry* tools = nullptr;
  agent::Agent* agent = nullptr;
  memory::MemoryStore* memory = nullptr;  // nullptr: memory off
  cache::ResponseCache* cache = nullptr;  // nullptr: response cache off
  const features::FeatureFlags* features = nullptr;  // nullptr: every feature on
};

class Server {
 public:
  // Serves the standard route table (routes.cpp).
  Server(ServerOptions options, Services services);
  // Serves the given table instead (tests).
  Server(ServerOptions options, Services services, std::vector<Route> routes);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port (useful with port 0).
  Result<std::uint16_t> listen();
  // Serves until stop() or SIGINT/SIGTERM, then shuts down gracefully:
  // stops accepting, closes idle connections, lets in-flight requests finish
  // and tells open streams to end (shutdown_token), and returns within
  // shutdown_timeout. Blocks the calling thread, which joins the pool.
  void run();
  // Thread-safe and idempotent; starts the graceful shutdown.
  void stop();
  // Cancelled when shutdown begins: long-running handlers end their streams
  // with a final event when they see it.
  CancelToken shutdown_token() const;
  // The executor of the server's threads, for background work (cache
  // maintenance) that should end with the server: watch shutdown_token().
  boost::asio::any_io_executor executor() const;
  // The redirect listener's port (server.redirect_http_port) once listen()
  // succeeded; 0 when there is none.
  std::uint16_t redirect_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devagent::server
