#include "http/client.h"

#include "core/config.h"
#include "core/text.h"
#include "core/version.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sys/socket.h>

namespace devagent::http {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path_and_query;  // origin form
  std::string url;             // absolute form (for plain proxies)
};

Result<Target> parse_target(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return make_error(ErrorKind::invalid_argument, "invalid URL '" + std::string(url) + "'");
  Target t;
  auto scheme = ascii_lower(u->scheme());
  if (scheme != "http" && scheme != "https") {
    return make_error(ErrorKind::invalid_argument, "unsupported URL scheme '" + scheme + "' (http or https)");
  }
  t.tls = scheme == "https";
  t.host = std::string(u->host_address());
  if (t.host.empty()) return make_error(ErrorKind::invalid_argument, "URL has no host: '" + std::string(url) + "'");
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path_and_query = std::string(u->encoded_path());
  if (t.path_and_query.empty()) t.path_and_query = "/";
  if (u->has_query()) t.path_and_query += "?" + std::string(u->encoded_query());
  t.url = std::string(url);
  return t;
}

struct Proxy {
  std::string host;
  std::string port;
  std::string authorization;  // "Basic ..." or empty
};

std::string base64(std::string_view in) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<Proxy> parse_proxy(std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::string v(value);
  if (v.find("://") == std::string::npos) v = "http://" + v;
  auto u = boost::urls::parse_uri(v);
  if (!u || u->host_address().empty()) return std::nullopt;
  Proxy p;
  p.host = std::string(u->host_address());
  p.port = u->has_port() ? std::string(u->port()) : "80";
  if (u->has_userinfo()) p.authorization = "Basic " + base64(std::string(u->userinfo()));
  return p;
}

// One upstream connection: a TCP socket, with TLS layered on top when the
// upstream is https. Used by one call at a time. A plain connection holds no
// TLS stream at all: OpenSSL's per-connection state and asio's buffers for
// it are about 35 KiB, the largest part of a proxied stream's memory.
struct Connection {
  Connection(const asio::any_io_executor& ex, ssl::context& ctx, bool use_tls) {
    if (use_tls) {
      tls.emplace(ex, ctx);
    } else {
      plain.emplace(ex);
    }
  }
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;  // next_layer() is the socket
  beast::flat_buffer buffer;
  std::string key;
  std::chrono::steady_clock::time_point last_used;

  bool use_tls() const { return tls.has_value(); }
  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  void close() {
    boost::system::error_code ec;
    socket().close(ec);
  }
  // A pooled connection the server has closed reads as EOF without blocking.
  bool still_open() {
    if (!socket().is_open()) return false;
    char c;
    ssize_t n = ::recv(socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

// Per-call state shared with timer and cancellation handlers, which may run
// after the call's frame is gone.
struct CallState {
  std::shared_ptr<Connection> conn;
  bool timed_out = false;
  bool cancelled = false;
};

// The call's timeout: arm(d) gives the call d from now; when it passes
// without another arm() or disarm(), the connection is closed. arm() runs
// for every piece of a streamed body, so it only moves a deadline forward;
// the timer, once waiting, is reset only when the new deadline is earlier
// than its expiry, and on firing early it waits again for the moved deadline.
// (Resetting it on every piece cost 9 % of a proxied completion's CPU.)
// All on the call's executor, like the timer's handler.
class Watchdog {
 public:
  Watchdog(const asio::any_io_executor& ex, std::shared_ptr<CallState> state)
      : shared_(std::make_shared<Shared>(ex, std::move(state))) {}
  ~Watchdog() { disarm(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(std::chrono::milliseconds d) {
    auto& s = *shared_;
    s.deadline = std::chrono::steady_clock::now() + d;
    s.armed = true;
    if (!s.waiting || s.deadline < s.timer.expiry()) wait(shared_);
  }
  void disarm() {
    auto& s = *shared_;
    s.armed = false;
    if (s.waiting) {
      ++s.generation;
      s.waiting = false;
      s.timer.cancel();  // the handler runs now and lets go of the call's state
    }
  }

 private:
  struct Shared {
    Shared(const asio::any_io_executor& ex, std::shared_ptr<CallState> st) : timer(ex), state(std::move(st)) {}
    asio::steady_timer timer;
    std::shared_ptr<CallState> state;
    std::chrono::steady_clock::time_point deadline{};
    bool armed = false;
    bool waiting = false;
    std::uint64_t generation = 0;  // of the wait in progress
  };

  static void wait(const std::shared_ptr<Shared>& shared) {
    auto& s = *shared;
    auto gen = ++s.generation;  // a wait this one replaces ends quietly
    s.waiting = true;
    s.timer.expires_at(s.deadline);
    s.timer.async_wait([shared, gen](const boost::system::error_code& ec) {
      auto& s = *shared;
      if (gen != s.generation) return;
      s.waiting = false;
      if (ec || !s.armed) return;
      if (std::chrono::steady_clock::now() < s.deadline) {
        wait(shared);  // armed again since: wait for the moved deadline
        return;
      }
      s.state->timed_out = true;
      if (s.state->conn) s.state->conn->close();
    });
  }

  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::string ResponseHead::header(std::string_view name) const {
  auto want = ascii_lower(name);
  for (const auto& [k, v] : headers) {
    if (k == want) return v;
  }
  return {};
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host) {
  std::string h = ascii_lower(host);
  if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  size_t start = 0;
  while (start <= no_proxy.size()) {
    size_t comma = no_proxy.find(',', start);
    if (comma == std::string_view::npos) comma = no_proxy.size();
    std::string entry = ascii_lower(no_proxy.substr(start, comma - start));
    start = comma + 1;
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '[') {
      auto close = entry.find(']');
      entry = close == std::string::npos ? entry.substr(1) : entry.substr(1, close - 1);
    } else {
      auto colon = entry.rfind(':');
      if (colon != std::string::npos && entry.find(':') == colon) entry = entry.substr(0, colon);
    }
    if (entry.front() == '.') entry.erase(0, 1);
    if (h == entry) return true;
    if (h.size() > entry.size() && h.compare(h.size() - entry.size(), entry.size(), entry) == 0 &&
        h[h.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

ClientOptions ClientOptions::from(const config::Config& c) {
  ClientOptions o;
  o.connect_timeout = c.duration("http.connect_timeout");
  o.first_byte_timeout = c.duration("http.first_byte_timeout");
  o.idle_timeout = c.duration("http.idle_timeout");
  o.keep_alive = c.duration("http.keep_alive");
  o.max_idle_per_host = static_cast<std::size_t>(c.integer("http.max_idle_per_host"));
  o.ca_file = c.str("http.ca_file");
  o.https_proxy = c.str("http.https_proxy");
  o.http_proxy = c.str("http.http_proxy");
  o.no_proxy = c.str("http.no_proxy");
  return o;
}

struct Client::Impl {
  ClientOptions options;
  ssl::context tls{ssl::context::tls_client};
  std::string tls_setup_error;
  std::mutex mutex;
  std::map<std::string, std::vector<std::shared_ptr<Connection>>> idle;
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    boost::system::error_code ec;
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    tls.set_default_verify_paths(ec);
    if (!options.ca_file.empty()) {
      tls.load_verify_file(options.ca_file, ec);
      if (ec) tls_setup_error = "cannot load http.ca_file " + options.ca_file + ": " + ec.message();
    }
    tls.set_verify_mode(ssl::verify_peer);
  }

  std::optional<Proxy> proxy_for(const Target& t) const {
    const auto& value = t.tls ? options.https_proxy : options.http_proxy;
    if (value.empty() || no_proxy_matches(options.no_proxy, t.host)) return std::nullopt;
    return parse_proxy(value);
  }

  std::shared_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    auto now = std::chrono::steady_clock::now();
    while (!list.empty()) {
      auto c = list.back();
      list.pop_back();
      if (now - c->last_used <= options.keep_alive && c->still_open()) return c;
      c->close();
    }
    return nullptr;
  }

  void give_back(std::shared_ptr<Connection> c) {
    c->last_used = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    auto& list = idle[c->key];
    if (list.size() >= options.max_idle_per_host) {
      c->close();
      return;
    }
    list.push_back(std::move(c));
  }

  asio::awaitable<Result<std::shared_ptr<Connection>>> connect(const Target& t, const std::optional<Proxy>& proxy,
                                                               std::shared_ptr<CallState> state, Watchdog& dog);
  asio::awaitable<Result<ResponseHead>> exchange(const Request& request, const BodyHandler& handler,
                                                 CancelToken cancel, bool allow_retry);
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

void Client::drop_idle_connections() {
  std::lock_guard lock(impl_->mutex);
  for (auto& [key, list] : impl_->idle) {
    for (auto& c : list) c->close();
  }
  impl_->idle.clear();
}

ClientStats Client::stats() const { return {impl_->opened.load(), impl_->reused.load()}; }
const ClientOptions& Client::options() const { return impl_->options; }

namespace {

Error classify(const CallState& s, const boost::system::error_code& ec, std::string_view what, bool connecting) {
  if (s.cancelled) return make_error(ErrorKind::cancelled, "request cancelled");
  if (s.timed_out) return make_error(ErrorKind::timeout, std::string(what) + " timed out");
  return make_error(connecting ? ErrorKind::unavailable : ErrorKind::io, std::string(what) + ": " + ec.message());
}

template <class Stream>
asio::awaitable<Result<ResponseHead>> run_exchange(Stream& stream, Connection& conn, const bhttp::request<bhttp::string_body>& req,
                                                   const BodyHandler& handler, std::shared_ptr<CallState> state,
                                                   Watchdog& dog, std::chrono::milliseconds first_byte,
                                                   std::chrono::milliseconds idle, bool& keep, bool& got_bytes) {
  keep = false;
  got_bytes = false;
  dog.arm(first_byte);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, tuple_awaitable);
  if (wec) co_return classify(*state, wec, "sending the request", false);

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  parser.header_limit(64 * 1024);
  auto [hec, hn] = co_await bhttp::async_read_header(stream, conn.buffer, parser, tuple_awaitable);
  if (hec) co_return classify(*state, hec, "reading the response headers", false);
  got_bytes = true;

  ResponseHead head;
  const auto& msg = parser.get();
  head.status = msg.result_int();
  for (const auto& f : msg) head.headers.emplace_back(ascii_lower(f.name_string()), std::string(f.value()));
  if (handler.on_head) handler.on_head(head);

  std::array<char, 16384> buf;
  bool stopped = false;
  while (!parser.is_done()) {
    parser.get().body().data = buf.data();
    parser.get().body().size = buf.size();
    dog.arm(idle);
    // read_some returns as soon as any body bytes are parsed, so each piece
    // reaches the handler when it arrives, not when the buffer fills.
    auto [rec, rn] = co_await bhttp::async_read_some(stream, conn.buffer, parser, tuple_awaitable);
    if (rec == bhttp::error::need_buffer) rec = {};
    if (rec) co_return classify(*state, rec, "reading the response body", false);
    std::size_t got = buf.size() - parser.get().body().size;
    if (got > 0 && handler.on_data && !handler.on_data(std::string_view(buf.data(), got))) {
      stopped = true;
      break;
    }
  }
  dog.disarm();
  keep = !stopped && parser.is_done() && parser.keep_alive();
  co_return head;
}

}  // namespace

asio::awaitable<Result<std::shared_ptr<Connection>>> Client::Impl::connect(const Target& t,
                                                                           const std::optional<Proxy>& proxy,
                                                                           std::shared_ptr<CallState> state,
                                                                           Watchdog& dog) {
  auto ex = co_await asio::this_coro::executor;
  auto conn = std::make_shared<Connection>(ex, tls, t.tls);
  state->conn = conn;
  dog.arm(options.connect_timeout);

  const std::string& host = proxy ? proxy->host : t.host;
  const std::string& port = proxy ? proxy->port : t.port;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, port, tuple_awaitable);
  if (state->cancelled || state->timed_out) co_return classify(*state, rec, "connecting to " + host, true);
  if (rec) co_return make_error(ErrorKind::unavailable, "cannot resolve " + host + ": " + rec.message());
  auto [cec, ep] = co_await asio::async_connect(conn->socket(), endpoints, tuple_awaitable);
  if (cec) co_return classify(*state, cec, "connecting to " + host + ":" + port, true);
  conn->socket().set_option(tcp::no_delay(true));
  ++opened;

  if (proxy && t.tls) {
    // Tunnel through the proxy, then speak TLS end to end.
    bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, t.host + ":" + t.port, 11};
    req.set(bhttp::field::host, t.host + ":" + t.port);
    if (!proxy->authorization.empty()) req.set(bhttp::field::proxy_authorization, proxy->authorization);
    auto [wec, wn] = co_await bhttp::async_write(conn->socket(), req, tuple_awaitable);
    if (wec) co_return classify(*state, wec, "talking to the proxy", true);
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);
    auto [pec, pn] = co_await bhttp::async_read(conn->socket(), conn->buffer, parser, tuple_awaitable);
    if (pec) co_return classify(*state, pec, "talking to the proxy", true);
    if (parser.get().result_int() != 200) {
      co_return make_error(ErrorKind::unavailable,
                           "proxy refused the tunnel to " + t.host + ": HTTP " + std::to_string(parser.get().result_int()));
    }
  }

  if (t.tls) {
    if (!tls_setup_error.empty()) co_return make_error(ErrorKind::unavailable, tls_setup_error);
    if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), t.host.c_str())) {
      co_return make_error(ErrorKind::unavailable, "cannot set TLS server name " + t.host);
    }
    conn->tls->set_verify_callback(ssl::host_name_verification(t.host));
    auto [tec] = co_await conn->tls->async_handshake(ssl::stream_base::client, tuple_awaitable);
    if (tec) co_return classify(*state, tec, "TLS handshake with " + t.host, true);
  }
  dog.disarm();
  co_return conn;
}

asio::awaitable<Result<ResponseHead>> Client::Impl::exchange(const Request& request, const BodyHandler& handler,
                                                             CancelToken cancel, bool allow_retry) {
  auto target = parse_target(request.url);
  if (!target) co_return target.error();
  auto proxy = proxy_for(*target);
  std::string key = (target->tls ? "https://" : "http://") + target->host + ":" + target->port;
  if (proxy) key += " via " + proxy->host + ":" + proxy->port;

  auto ex = co_await asio::this_coro::executor;
  auto state = std::make_shared<CallState>();
  Watchdog dog(ex, state);
  if (cancel.cancelled()) co_return make_error(ErrorKind::cancelled, "request cancelled");
  auto registration = cancel.on_cancel([state, ex] {
    asio::post(ex, [state] {
      state->cancelled = true;
      if (state->conn) state->conn->close();
    });
  });

  bool reused = false;
  std::shared_ptr<Connection> conn = take_idle(key);
  if (conn) {
    reused = true;
    ++this->reused;
    state->conn = conn;
  } else {
    auto made = co_await connect(*target, proxy, state, dog);
    if (!made) co_return made.error();
    conn = *made;
    conn->key = key;
  }

  bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) co_return make_error(ErrorKind::invalid_argument, "unknown method " + request.method);
  bool absolute_form = proxy && !target->tls;
  bhttp::request<bhttp::string_body> req{verb, absolute_form ? target->url : target->path_and_query, 11};
  req.set(bhttp::field::host, target->port == (target->tls ? "443" : "80") ? target->host
                                                                           : target->host + ":" + target->port);
  req.set(bhttp::field::user_agent, std::string("devagent/") + kVersion);
  if (absolute_form && !proxy->authorization.empty()) req.set(bhttp::field::proxy_authorization, proxy->authorization);
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  req.keep_alive(true);
  req.prepare_payload();

  auto first_byte = request.first_byte_timeout.value_or(options.first_byte_timeout);
  auto idle_for = request.idle_timeout.value_or(options.idle_timeout);
  bool keep = false;
  bool got_bytes = false;
  Result<ResponseHead> result = make_error(ErrorKind::internal, "no exchange");
  if (conn->use_tls()) {
    result = co_await run_exchange(*conn->tls, *conn, req, handler, state, dog, first_byte, idle_for, keep, got_bytes);
  } else {
    result = co_await run_exchange(conn->socket(), *conn, req, handler, state, dog, first_byte, idle_for, keep, got_bytes);
  }
  dog.disarm();
  registration.reset();

  if (!result && reused && !got_bytes && allow_retry && !state->cancelled && !state->timed_out) {
    // The upstream closed a kept-alive connection as we reused it: the request
    // was never processed, so it is safe to send once more on a fresh one.
    conn->close();
    co_return co_await exchange(request, handler, cancel, false);
  }
  if (result && keep) {
    give_back(std::move(conn));
  } else {
    conn->close();
  }
  co_return result;
}

asio::awaitable<Result<ResponseHead>> Client::stream(const Request& request, const BodyHandler& handler,
                                                     CancelToken cancel) {
  co_return co_await impl_->exchange(request, handler, std::move(cancel), true);
}

asio::awaitable<Result<Response>> Client::fetch(const Request& request, CancelToken cancel) {
  Response response;
  bool too_large = false;
  std::size_t limit = impl_->options.max_body_bytes;
  BodyHandler handler;
  handler.on_data = [&](std::string_view chunk) {
    if (response.body.size() + chunk.size() > limit) {
      too_large = true;
      return false;
    }
    response.body.append(chunk);
    return true;
  };
  auto head = co_await impl_->exchange(request, handler, std::move(cancel), true);
  if (!head) co_return head.error();
  if (too_large) {
    co_return make_error(ErrorKind::too_large, "response body larger than " + std::to_string(limit) + " bytes");
  }
  response.head = std::move(*head);
  co_return response;
}

}  // namespace devagent::http
