#include "server/server.h"

#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "server/access.h"
#include "server/client_stream.h"
#include "server/exchange.h"
#include "server/redirect.h"
#include "server/response_headers.h"
#include "server/router.h"
#include "server/tls.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>

#include <array>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace devagent::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// How long closing a TLS connection waits for the peer's close_notify.
constexpr std::chrono::milliseconds kTlsCloseTimeout{1000};

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  }
  return true;
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  auto a = rng(), b = rng();
  for (std::size_t i = 0; i < 16; ++i) {
    id[i] = hex[(a >> (i * 4)) & 0xf];
    id[16 + i] = hex[(b >> (i * 4)) & 0xf];
  }
  return id;
}

std::string request_id_of(const http::request<http::string_body>& req) {
  auto id = req["X-Request-Id"];
  return valid_request_id(id) ? std::string(id) : new_request_id();
}

// An answer sent before a request reaches routing, after which the
// connection closes.
struct Refusal {
  http::status status;
  std::string type;
  std::string message;
  std::string request_id;
};

// What to answer when reading a request failed; nullopt means just close
// (timeouts, resets, a client that went away between requests).
std::optional<Refusal> refusal_for(const boost::system::error_code& ec, std::string request_id,
                                   const ServerOptions& options) {
  // Beast checks Content-Length against the body limit while parsing the
  // headers, so a declared oversized body is refused before it is read.
  if (ec == http::error::body_limit) {
    return Refusal{http::status::payload_too_large, "payload_too_large",
                   "request body exceeds the limit of " + std::to_string(options.body_limit) + " bytes",
                   std::move(request_id)};
  }
  if (ec == http::error::header_limit) {
    return Refusal{http::status::request_header_fields_too_large, "headers_too_large",
                   "request headers exceed " + std::to_string(options.header_limit) + " bytes",
                   std::move(request_id)};
  }
  bool parse_error = ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
                     ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (parse_error) {
    return Refusal{http::status::bad_request, "invalid_request", "malformed HTTP request: " + ec.message(),
                   std::move(request_id)};
  }
  return std::nullopt;
}

struct HttpMetrics {
  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Histogram>& duration;
  metrics::Gauge& in_flight;
  metrics::Gauge& connections;

  static HttpMetrics& get() {
    auto& r = metrics::registry();
    static HttpMetrics m{
        r.counter("http_requests_total", "HTTP requests answered, by route pattern, method and status.",
                  {"route", "method", "status"}),
        r.histogram("http_request_duration_seconds", "Time from a request's headers to the end of its response.",
                    {"route", "method"}, metrics::latency_buckets()),
        r.gauge("http_in_flight_requests", "Requests being handled now.").labels({}),
        r.gauge("http_open_connections", "Client connections open now.").labels({}),
    };
    return m;
  }
};

}  // namespace

ServerOptions ServerOptions::from(const config::Config& c) {
  ServerOptions o;
  auto listen = config::parse_listen(c.str("server.listen"));
  if (listen) {
    o.host = listen->first;
    o.port = listen->second;
  }
  o.threads = static_cast<int>(c.integer("server.threads"));
  o.body_limit = c.size("server.body_limit");
  o.header_limit = c.size("server.header_limit");
  o.header_timeout = c.duration("server.header_timeout");
  o.body_timeout = c.duration("server.body_timeout");
  o.idle_timeout = c.duration("server.idle_timeout");
  o.write_timeout = c.duration("server.write_timeout");
  o.shutdown_timeout = c.duration("server.shutdown_timeout");
  o.max_connections = static_cast<int>(c.integer("server.max_connections"));
  o.tls_cert = c.str("server.tls_cert");
  o.tls_key = c.str("server.tls_key");
  o.tls_min_version = c.str("server.tls_min_version");
  o.redirect_http_port = static_cast<int>(c.integer("server.redirect_http_port"));
  o.cors_origins = c.list("server.cors_origins");
  o.cors_credentials = c.boolean("server.cors_credentials");
  o.cors_max_age = std::chrono::duration_cast<std::chrono::seconds>(c.duration("server.cors_max_age"));
  return o;
}

struct Server::Impl {
  // A live connection, as shutdown sees it. Touched only on its strand;
  // stream is null once the connection's coroutine has finished.
  struct Connection {
    // Set once before the connection is shared, so any thread may read it.
    asio::any_io_executor executor;
    ClientStream* stream = nullptr;  // only on the connection's strand
    bool idle = true;
  };

  ServerOptions options;
  Services services;
  Router router;
  // API keys and limits (access.h); null without a store (tests). Declared
  // before ioc so that it outlives the coroutines ioc still holds.
  std::unique_ptr<AccessGate> gate;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  // TLS (null: plain HTTP); SIGHUP reloads the certificate. The redirect
  // listener answers plain HTTP with 308 to https.
  std::unique_ptr<TlsContexts> tls;
  asio::signal_set reload_signals{ioc};
  tcp::acceptor redirect_acceptor{ioc};
  std::uint16_t port = 0;
  CancelSource shutdown;
  std::atomic<bool> stopping{false};
  std::atomic<int> open_connections{0};
  std::mutex connections_mutex;
  std::set<std::shared_ptr<Connection>> connections;
  asio::steady_timer shutdown_timer{ioc};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  HttpMetrics& metrics = HttpMetrics::get();

  Impl(ServerOptions o, Services s, std::vector<Route> table)
      : options(std::move(o)), services(s), router(std::move(table)) {
    if (services.db && services.config) {
      gate = std::make_unique<AccessGate>(*services.db, AccessOptions::from(*services.config), options.host);
    }
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<void> answer_and_close(ClientStream& stream, const Refusal& refusal);
  asio::awaitable<void> redirect_loop();
  void wait_for_reload();
  Result<std::uint16_t> listen_redirect(const asio::ip::address& address);
  asio::awaitable<void> dispatch(Exchange& ex, const Match& match);
  void begin_shutdown();
  void maybe_finish();
};

Server::Server(ServerOptions options, Services services)
    : impl_(std::make_unique<Impl>(std::move(options), services, std::vector<Route>{})) {
  impl_->router = Router(routes(impl_->services));
}

Server::Server(ServerOptions options, Services services, std::vector<Route> table)
    : impl_(std::make_unique<Impl>(std::move(options), services, std::move(table))) {}

Server::~Server() = default;

CancelToken Server::shutdown_token() const { return impl_->shutdown.token(); }
boost::asio::any_io_executor Server::executor() const { return impl_->ioc.get_executor(); }
std::uint16_t Server::redirect_port() const {
  boost::system::error_code ec;
  if (!impl_->redirect_acceptor.is_open()) return 0;
  auto ep = impl_->redirect_acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

namespace {

// Every connection is a descriptor, and a proxied one two (the client's and
// the upstream's): the soft limit on open files (often 1024) would refuse
// connections long before server.max_connections. It is raised to the hard
// limit, as nginx's worker_rlimit_nofile or Go's runtime do, with a warning
// when even that is short.
void raise_open_files_limit(int max_connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  const auto wanted = static_cast<rlim_t>(max_connections) * 2 + 256;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
    log::warn(
        "the open files limit is under what server.max_connections needs (two per proxied connection); "
        "raise it (ulimit -n, LimitNOFILE=) or lower server.max_connections",
        "limit", static_cast<std::int64_t>(lim.rlim_cur), "max_connections", max_connections);
  }
}

}  // namespace

Result<std::uint16_t> Server::listen() {
  raise_open_files_limit(impl_->options.max_connections);
  if (impl_->gate) {
    if (auto open = impl_->gate->check_listen(); !open) return open.error();
  }
  if (auto valid = validate_security_options(impl_->options); !valid) return valid.error();
  if (impl_->options.tls()) {
    impl_->tls = std::make_unique<TlsContexts>(
        TlsFiles{impl_->options.tls_cert, impl_->options.tls_key, impl_->options.tls_min_version});
    if (auto loaded = impl_->tls->load(); !loaded) return loaded.error();
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host == "localhost" ? "127.0.0.1" : impl_->options.host, ec);
  if (ec) return make_error(ErrorKind::config, "server.listen: '" + impl_->options.host + "' is not an IP address");
  tcp::endpoint ep{address, impl_->options.port};
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorKind::unavailable,
                      "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) + ": " +
                          ec.message());
  }
  impl_->port = acc.local_endpoint().port();
  if (impl_->options.redirect_http_port >= 0) {
    if (auto r = impl_->listen_redirect(address); !r) return r.error();
  }
  return impl_->port;
}

Result<std::uint16_t> Server::Impl::listen_redirect(const asio::ip::address& address) {
  boost::system::error_code ec;
  tcp::endpoint ep{address, static_cast<std::uint16_t>(options.redirect_http_port)};
  redirect_acceptor.open(ep.protocol(), ec);
  if (!ec) redirect_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) redirect_acceptor.bind(ep, ec);
  if (!ec) redirect_acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorKind::unavailable, "cannot listen on " + options.host + ":" +
                                                  std::to_string(options.redirect_http_port) +
                                                  " (server.redirect_http_port): " + ec.message());
  }
  return redirect_acceptor.local_endpoint().port();
}

// SIGHUP: new connections get the certificate and key read again; a bad
// replacement is refused and the current one stays.
void Server::Impl::wait_for_reload() {
  reload_signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (auto loaded = tls->load(); !loaded) {
      log::error("TLS reload failed; keeping the current certificate", "error", loaded.error().message);
    }
    wait_for_reload();
  });
}

asio::awaitable<void> Server::Impl::redirect_loop() {
  for (;;) {
    auto [ec, socket] = co_await redirect_acceptor.async_accept(asio::make_strand(ioc), tuple_awaitable);
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      log::warn("accept failed (redirect listener)", "error", ec.message());
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, redirect_to_https(std::move(socket), options, port), asio::detached);
  }
}

void Server::run() {
  auto& im = *impl_;
  im.work.emplace(im.ioc.get_executor());
  im.signals.async_wait([&im](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("signal received, shutting down", "signal", sig);
    im.begin_shutdown();
  });
  asio::co_spawn(im.ioc, im.accept_loop(), asio::detached);
  if (im.tls) {
    im.reload_signals.add(SIGHUP);
    im.wait_for_reload();
  }
  if (im.redirect_acceptor.is_open()) asio::co_spawn(im.ioc, im.redirect_loop(), asio::detached);

  int n = im.options.threads > 0 ? im.options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back([&im] { im.ioc.run(); });
  im.ioc.run();
  for (auto& t : pool) t.join();
}

void Server::stop() {
  asio::post(impl_->ioc, [im = impl_.get()] { im->begin_shutdown(); });
}

void Server::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  boost::system::error_code ec;
  acceptor.close(ec);
  redirect_acceptor.close(ec);
  signals.cancel(ec);
  reload_signals.cancel(ec);
  shutdown.cancel("server shutting down");
  // Idle keep-alive connections are closed now; busy ones close after their response.
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(connections_mutex);
    conns.assign(connections.begin(), connections.end());
  }
  for (auto& c : conns) {
    asio::post(c->executor, [c] {
      if (c->stream && c->idle) c->stream->socket().close();
    });
  }
  shutdown_timer.expires_after(options.shutdown_timeout);
  shutdown_timer.async_wait([this](const boost::system::error_code& e) {
    if (e) return;
    if (open_connections.load() > 0) {
      log::warn("shutdown timeout reached, closing remaining connections", "connections", open_connections.load());
    }
    ioc.stop();
  });
  work.reset();
  maybe_finish();
}

void Server::Impl::maybe_finish() {
  if (stopping.load() && open_connections.load() == 0) {
    asio::post(ioc, [this] {
      boost::system::error_code ec;
      shutdown_timer.cancel();
      (void)ec;
    });
  }
}

asio::awaitable<void> Server::Impl::accept_loop() {
  std::chrono::steady_clock::time_point last_warning{};
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), tuple_awaitable);
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or memory: the connection stays queued, so an
      // immediate retry fails the same way, in a loop. Wait a little (a
      // connection that closes meanwhile frees a descriptor) and say so at
      // most every 10 s.
      const bool exhausted = ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                             ec == asio::error::no_memory || ec.value() == ENFILE;
      auto now = std::chrono::steady_clock::now();
      if (!exhausted || now - last_warning > std::chrono::seconds(10)) {
        log::warn("accept failed", "error", ec.message());
        last_warning = now;
      }
      if (exhausted) {
        asio::steady_timer pause(ioc, std::chrono::milliseconds(50));
        co_await pause.async_wait(tuple_awaitable);
      }
      continue;
    }
    // Events are written as they happen, each a small write: with Nagle's
    // algorithm on, one waits for the client's delayed ACK of the one before
    // (40 ms on Linux), which put 40 ms before the first token of every
    // stream (bench/run-all found it).
    boost::system::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::answer_and_close(ClientStream& stream, const Refusal& refusal) {
  http::response<http::string_body> res{refusal.status, 11};
  res.set(http::field::content_type, "application/json");
  res.set("X-Request-Id", refusal.request_id);
  add_response_headers(res, options, {});
  res.keep_alive(false);
  res.body() = boost::json::serialize(error_body(refusal.type, refusal.message, refusal.request_id));
  res.prepare_payload();
  stream.expires_after(options.write_timeout);
  auto [wec, wn] = co_await http::async_write(stream, res, tuple_awaitable);
  metrics.requests.labels({"unmatched", "-", std::to_string(static_cast<unsigned>(refusal.status))}).inc();
  if (wec) co_return;
  // Lingering close: the client may still be sending (a body we refused);
  // closing with unread data would reset the connection before it reads our
  // answer. Drain for a short while, then close.
  co_await stream.close_write(kTlsCloseTimeout);
  if (stream.is_tls()) co_return;  // the TLS close already read until the peer's close_notify
  stream.expires_after(std::chrono::seconds(1));
  std::array<char, 16384> scratch;
  std::size_t drained = 0;
  while (drained < (8u << 20)) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), tuple_awaitable);
    if (rec) break;
    drained += n;
  }
}

asio::awaitable<void> Server::Impl::session(tcp::socket socket) {
  boost::system::error_code peer_ec;
  std::string peer = socket.remote_endpoint(peer_ec).address().to_string();
  auto tls_context = tls ? tls->current() : nullptr;
  std::optional<ClientStream> plain_or_tls;
  if (tls_context) plain_or_tls.emplace(std::move(socket), std::move(tls_context));
  else plain_or_tls.emplace(std::move(socket));
  ClientStream& stream = *plain_or_tls;
  beast::flat_buffer buffer;
  auto conn = std::make_shared<Connection>();
  conn->executor = stream.get_executor();
  conn->stream = &stream;
  int count = ++open_connections;
  metrics.connections.inc();
  {
    std::lock_guard lock(connections_mutex);
    connections.insert(conn);
  }
  struct Cleanup {
    Impl& im;
    std::shared_ptr<Connection> conn;
    ~Cleanup() {
      // Runs on the connection's strand, like the shutdown callback that
      // reads conn->stream, so clearing it here cannot race with that read.
      conn->stream = nullptr;
      {
        std::lock_guard lock(im.connections_mutex);
        im.connections.erase(conn);
      }
      im.metrics.connections.dec();
      --im.open_connections;
      im.maybe_finish();
    }
  } cleanup{*this, conn};

  // The TLS handshake counts as part of the first request's headers.
  if (stream.is_tls()) {
    stream.expires_after(options.header_timeout);
    auto handshake_error = co_await stream.handshake();
    if (handshake_error) {
      log::debug("TLS handshake failed", "peer", peer, "error", handshake_error.message());
      co_return;
    }
  }

  if (count > options.max_connections || stopping.load()) {
    Refusal busy{http::status::service_unavailable, "unavailable", "server is at its connection limit",
                 new_request_id()};
    co_await answer_and_close(stream, busy);
    co_return;
  }

  bool first = true;
  for (;;) {
    // Wait for the first byte of the next request: the idle timeout applies.
    conn->idle = true;
    if (stopping.load()) co_return;
    if (buffer.size() == 0) {
      stream.expires_after(first ? options.header_timeout : options.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), tuple_awaitable);
      if (ec) co_return;
      buffer.commit(n);
    }
    conn->idle = false;
    first = false;

    // Headers, within the header timeout (slow-loris clients are dropped).
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.body_limit(options.body_limit);
    stream.expires_after(options.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
    if (hec) {
      auto refusal = refusal_for(hec, request_id_of(parser.get()), options);
      if (refusal) co_await answer_and_close(stream, *refusal);
      co_return;
    }

    auto& req = parser.get();
    std::string request_id = request_id_of(req);
    if (!parser.is_done()) {
      if (beast::iequals(req[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        stream.expires_after(options.write_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, tuple_awaitable);
        if (cec) co_return;
      }
      stream.expires_after(options.body_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
      if (bec) {
        auto refusal = refusal_for(bec, request_id, options);
        if (refusal) co_await answer_and_close(stream, *refusal);
        co_return;
      }
    }

    auto started = std::chrono::steady_clock::now();
    metrics.in_flight.inc();
    std::string_view target = req.target();
    auto match = router.match(req.method(), target.substr(0, target.find('?')));
    Exchange ex(req, stream, options, request_id, match, shutdown.token(), stopping.load());
    ex.set_peer(peer);
    co_await dispatch(ex, match);
    metrics.in_flight.dec();

    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string method(req.method_string());
    metrics.requests.labels({ex.route(), method, std::to_string(ex.status())}).inc();
    metrics.duration.labels({ex.route(), method}).observe(secs);
    log::info("request", "request_id", request_id, "method", method, "path", ex.path(), "route", ex.route(),
              "status", ex.status(), "duration_us", static_cast<std::int64_t>(secs * 1e6));

    if (!ex.keep_alive() || stopping.load()) {
      co_await stream.close_write(kTlsCloseTimeout);
      co_return;
    }
  }
}

asio::awaitable<void> Server::Impl::dispatch(Exchange& ex, const Match& match) {
  // CORS preflights carry no credentials: answered before routing and access checks.
  if (is_preflight(ex.request())) {
    co_await answer_preflight(ex);
    co_return;
  }
  if (!match.route) {
    if (match.path_matched) {
      std::string allow;
      for (const auto& m : match.allow) allow += (allow.empty() ? "" : ", ") + m;
      Headers headers;
      headers.emplace_back("Allow", allow);
      std::string message = "method " + std::string(ex.request().method_string()) + " is not allowed on " +
                            std::string(ex.path());
      co_await ex.reply_error(405, "method_not_allowed", message, headers);
    } else {
      std::string message = "no route for " + std::string(ex.path());
      co_await ex.reply_error(404, "not_found", message);
    }
    co_return;
  }
  std::optional<AccessGate::Pass> pass;
  if (gate) {
    pass = co_await gate->admit(ex);
    if (!pass) co_return;  // answered: 401, 429 or 503
  }
  std::string failure;
  try {
    co_await match.route->handler(ex);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (pass) co_await gate->release(std::move(*pass));
  if (!failure.empty()) {
    log::error("handler failed", "request_id", ex.request_id(), "route", ex.route(), "error", failure);
    std::string message = "internal error; see the server log for request " + ex.request_id();
    co_await ex.reply_error(500, "internal_error", message);
    co_return;
  }
  if (!ex.responded()) {
    log::error("handler returned without a response", "request_id", ex.request_id(), "route", ex.route());
    co_await ex.reply_error(500, "internal_error", "the handler produced no response");
  }
}

}  // namespace devagent::server
