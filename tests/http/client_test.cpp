// The upstream HTTP client against real loopback servers written here:
// streaming, keep-alive, timeouts, cancellation, TLS verification, proxies.
#include "http/client.h"

#include "support/coro.h"
#include "support/http_client.h"
#include "support/process.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <future>
#include <list>
#include <thread>

namespace devagent::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using testing::run_coro;

// A blocking loopback server: one thread per connection runs `handle`.
// With TLS files it speaks TLS.
class TestServer {
 public:
  using Handler = std::function<void(beast::tcp_stream& plain, ssl::stream<tcp::socket>* tls)>;

  explicit TestServer(Handler handle, std::string cert = {}, std::string key = {})
      : handle_(std::move(handle)), tls_ctx_(ssl::context::tls_server) {
    if (!cert.empty()) {
      tls_ = true;
      tls_ctx_.use_certificate_chain_file(cert);
      tls_ctx_.use_private_key_file(key, ssl::context::pem);
    }
    acceptor_.open(tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stopping_ = true;
    // A blocking accept() does not return when the acceptor is closed from
    // another thread; a last connection wakes it.
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
    acceptor_.close(ec);
    std::lock_guard lock(mutex_);
    for (auto& t : conns_) t.join();
  }
  unsigned short port() const { return port_; }
  std::string url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  int accepted() const { return accepted_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec || stopping_) return;
      ++accepted_;
      std::lock_guard lock(mutex_);
      conns_.emplace_back([this, sock = std::move(s)]() mutable { serve(std::move(sock)); });
    }
  }
  void serve(tcp::socket sock) {
    try {
      if (tls_) {
        ssl::stream<tcp::socket> stream(std::move(sock), tls_ctx_);
        boost::system::error_code ec;
        stream.handshake(ssl::stream_base::server, ec);
        if (ec) return;
        beast::tcp_stream unused(ioc_);
        handle_(unused, &stream);
      } else {
        beast::tcp_stream stream(std::move(sock));
        handle_(stream, nullptr);
      }
    } catch (...) {
    }
  }

  Handler handle_;
  bool tls_ = false;
  ssl::context tls_ctx_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::list<std::thread> conns_;
};

template <class Stream>
bool read_request(Stream& s, beast::flat_buffer& buf, bhttp::request<bhttp::string_body>& req) {
  boost::system::error_code ec;
  bhttp::read(s, buf, req, ec);
  return !ec;
}

template <class Stream>
void reply(Stream& s, const std::string& body, bool keep_alive = true) {
  bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/plain");
  res.set("X-Test", "yes");
  res.body() = body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  bhttp::write(s, res);
}

// A 200 response's head with a chunked body to follow.
void begin_chunked(beast::tcp_stream& s) {
  bhttp::response<bhttp::empty_body> res{bhttp::status::ok, 11};
  res.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> sr{res};
  bhttp::write_header(s, sr);
}

// Serves requests on a connection until the client closes it.
TestServer::Handler echo_server() {
  return [](beast::tcp_stream& plain, ssl::stream<tcp::socket>* tls) {
    beast::flat_buffer buf;
    for (;;) {
      bhttp::request<bhttp::string_body> req;
      if (tls) {
        if (!read_request(*tls, buf, req)) return;
        reply(*tls, "tls " + std::string(req.target()) + " " + req.body());
      } else {
        if (!read_request(plain, buf, req)) return;
        reply(plain, std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body());
      }
    }
  };
}

TEST(HttpClient, FetchesAWholeResponse) {
  TestServer server(echo_server());
  Client client;
  Request req{.method = "POST", .url = server.url("/v1/x?y=1"), .headers = {{"Content-Type", "text/plain"}}, .body = "hi"};
  auto res = run_coro(client.fetch(req));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->head.status, 200u);
  EXPECT_EQ(res->head.header("X-TEST"), "yes");
  EXPECT_EQ(res->body, "POST /v1/x?y=1 hi");
}

TEST(HttpClient, ReusesKeptAliveConnections) {
  TestServer server(echo_server());
  Client client;
  for (int i = 0; i < 3; ++i) {
    auto res = run_coro(client.fetch({.url = server.url("/n")}));
    ASSERT_TRUE(res) << res.error().message;
  }
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_EQ(client.stats().connections_reused, 2u);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, RecoversWhenTheUpstreamClosedAPooledConnection) {
  // The server answers one request per connection but claims keep-alive.
  TestServer server([](beast::tcp_stream& s, ssl::stream<tcp::socket>*) {
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    if (!read_request(s, buf, req)) return;
    reply(s, "once");
    s.socket().shutdown(tcp::socket::shutdown_both);
  });
  Client client;
  ASSERT_TRUE(run_coro(client.fetch({.url = server.url("/a")})));
  std::this_thread::sleep_for(50ms);
  auto second = run_coro(client.fetch({.url = server.url("/b")}));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "once");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClient, StreamsTheBodyAsItArrives) {
  std::atomic<bool> client_saw_first{false};
  TestServer server([&](beast::tcp_stream& s, ssl::stream<tcp::socket>*) {
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    if (!read_request(s, buf, req)) return;
    begin_chunked(s);
    asio::write(s, bhttp::make_chunk(asio::buffer(std::string("first;"))));
    // The rest is only sent once the client has seen the first piece: a
    // client that buffered the whole body would never get it.
    for (int i = 0; i < 200 && !client_saw_first; ++i) std::this_thread::sleep_for(10ms);
    asio::write(s, bhttp::make_chunk(asio::buffer(std::string(client_saw_first ? "second" : "late"))));
    asio::write(s, bhttp::make_chunk_last());
  });
  Client client;
  std::vector<std::string> pieces;
  unsigned status = 0;
  BodyHandler h{.on_head = [&](const ResponseHead& head) { status = head.status; },
                .on_data = [&](std::string_view d) {
                  pieces.emplace_back(d);
                  if (d.find("first") != std::string_view::npos) client_saw_first = true;
                  return true;
                }};
  auto res = run_coro(client.stream({.url = server.url("/s")}, h));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(status, 200u);
  std::string all;
  for (auto& p : pieces) all += p;
  EXPECT_EQ(all, "first;second");
  EXPECT_GE(pieces.size(), 2u);
}

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  testing::RefusingPort refusing;
  Client client;
  auto res = run_coro(client.fetch({.url = refusing.url() + "/"}));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::unavailable);
}

TestServer::Handler stall_server(std::atomic<bool>& closed, std::chrono::steady_clock::time_point& closed_at,
                                 bool send_head) {
  return [&, send_head](beast::tcp_stream& s, ssl::stream<tcp::socket>*) {
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    if (!read_request(s, buf, req)) return;
    if (send_head) {
      begin_chunked(s);
      asio::write(s, bhttp::make_chunk(asio::buffer(std::string("partial"))));
    }
    char c;
    boost::system::error_code ec;
    s.socket().read_some(asio::buffer(&c, 1), ec);  // blocks until the client closes
    closed_at = std::chrono::steady_clock::now();
    closed = true;
  };
}

TEST(HttpClient, FirstByteTimeout) {
  std::atomic<bool> closed{false};
  std::chrono::steady_clock::time_point closed_at;
  TestServer server(stall_server(closed, closed_at, false));
  Client client;
  auto res = run_coro(client.fetch({.url = server.url("/"), .first_byte_timeout = 200ms}));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::timeout);
}

TEST(HttpClient, IdleTimeoutWhileStreaming) {
  std::atomic<bool> closed{false};
  std::chrono::steady_clock::time_point closed_at;
  TestServer server(stall_server(closed, closed_at, true));
  Client client;
  std::string got;
  BodyHandler h{.on_data = [&](std::string_view d) {
    got += d;
    return true;
  }};
  auto res = run_coro(client.stream({.url = server.url("/"), .idle_timeout = 200ms}, h));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::timeout);
  EXPECT_EQ(got, "partial");
}

// A body that keeps arriving, each piece within the idle timeout, is read to
// its end however long it takes in all; once it stops, the timeout counts
// from the last piece.
TEST(HttpClient, IdleTimeoutCountsFromTheLastPiece) {
  TestServer server([](beast::tcp_stream& s, ssl::stream<tcp::socket>*) {
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    if (!read_request(s, buf, req)) return;
    begin_chunked(s);
    const bool stall = req.target() == "/stall";
    for (int i = 0; i < 10; ++i) {
      std::this_thread::sleep_for(60ms);
      asio::write(s, bhttp::make_chunk(asio::buffer(std::to_string(i))));
    }
    if (stall) {
      char c;
      boost::system::error_code ec;
      s.socket().read_some(asio::buffer(&c, 1), ec);  // until the client closes
      return;
    }
    asio::write(s, bhttp::make_chunk_last());
  });
  Client client;
  std::string got;
  BodyHandler h{.on_data = [&](std::string_view d) {
    got += d;
    return true;
  }};
  auto started = std::chrono::steady_clock::now();
  auto whole = run_coro(client.stream({.url = server.url("/drip"), .idle_timeout = 200ms}, h));
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(got, "0123456789");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 600ms) << "longer in all than the idle timeout";

  got.clear();
  auto stalled = run_coro(client.stream({.url = server.url("/stall"), .idle_timeout = 200ms}, h));
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().kind, ErrorKind::timeout);
  EXPECT_EQ(got, "0123456789") << "every piece before the stall arrived";
}

TEST(HttpClient, CancellationClosesTheUpstreamConnectionAtOnce) {
  std::atomic<bool> closed{false};
  std::chrono::steady_clock::time_point closed_at;
  TestServer server(stall_server(closed, closed_at, true));
  Client client;
  CancelSource source;
  std::chrono::steady_clock::time_point cancelled_at;
  BodyHandler h{.on_data = [&](std::string_view) {
    // Cancel from another thread once data flows, as a disconnecting client would.
    std::thread([&] {
      std::this_thread::sleep_for(50ms);
      cancelled_at = std::chrono::steady_clock::now();
      source.cancel("client went away");
    }).detach();
    return true;
  }};
  auto res = run_coro(client.stream({.url = server.url("/")}, h, source.token()));
  auto returned_at = std::chrono::steady_clock::now();
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::cancelled);
  for (int i = 0; i < 100 && !closed; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(closed);
  EXPECT_LT(closed_at - cancelled_at, 100ms);
  EXPECT_LT(returned_at - cancelled_at, 100ms);
}

TEST(HttpClient, AlreadyCancelledTokenSendsNothing) {
  TestServer server(echo_server());
  Client client;
  CancelSource source;
  source.cancel();
  auto res = run_coro(client.fetch({.url = server.url("/")}, source.token()));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::cancelled);
  EXPECT_EQ(server.accepted(), 0);
}

TEST(HttpClient, FetchRefusesBodiesOverTheLimit) {
  TestServer server([](beast::tcp_stream& s, ssl::stream<tcp::socket>*) {
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req;
    if (!read_request(s, buf, req)) return;
    reply(s, std::string(5000, 'x'));
  });
  Client client(ClientOptions{.max_body_bytes = 1000});
  auto res = run_coro(client.fetch({.url = server.url("/")}));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::too_large);
}

TEST(HttpClient, BadUrlsAreInvalidArguments) {
  Client client;
  for (std::string url : {"not a url", "ftp://example.com/", "http:///nohost"}) {
    auto res = run_coro(client.fetch({.url = url}));
    ASSERT_FALSE(res) << url;
    EXPECT_EQ(res.error().kind, ErrorKind::invalid_argument) << url;
  }
}

// A CA and a server certificate made with the openssl command for each run.
struct Certificates {
  testing::TempDir dir;
  std::string ca, cert, key;
  explicit Certificates(const std::string& san) {
    auto d = dir.path().string();
    ca = d + "/ca.pem";
    cert = d + "/server.pem";
    key = d + "/server.key";
    std::ofstream(d + "/ext.cnf") << "subjectAltName=" << san << "\n";
    std::string script = "set -e; cd " + d +
                         "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
                         "-subj /CN=devagent-test-ca 2>/dev/null;"
                         "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=test "
                         "2>/dev/null;"
                         "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
                         "-days 2 -extfile ext.cnf 2>/dev/null";
    testing::ProcessOptions o;
    o.args = {"-c", script};
    auto r = testing::run("/bin/sh", o);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST(HttpClient, TlsVerifiesTheChainAgainstTrustedCas) {
  Certificates certs("IP:127.0.0.1,DNS:localhost");
  TestServer server(echo_server(), certs.cert, certs.key);
  Client trusting(ClientOptions{.ca_file = certs.ca});
  auto ok = run_coro(trusting.fetch({.url = server.url("/secure")}));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body, "tls /secure ");

  Client system_only;
  auto refused = run_coro(system_only.fetch({.url = server.url("/secure")}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::unavailable);
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos) << refused.error().message;
}

TEST(HttpClient, TlsRefusesACertificateForAnotherHost) {
  Certificates certs("DNS:other.example");
  TestServer server(echo_server(), certs.cert, certs.key);
  Client client(ClientOptions{.ca_file = certs.ca});
  auto res = run_coro(client.fetch({.url = server.url("/")}));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().kind, ErrorKind::unavailable);
}

// A forward proxy: CONNECT tunnels, and absolute-form plain requests.
struct ProxyLog {
  std::mutex m;
  std::vector<std::string> lines;
  void add(std::string l) {
    std::lock_guard lock(m);
    lines.push_back(std::move(l));
  }
};

TestServer::Handler proxy_server(ProxyLog& log) {
  return [&log](beast::tcp_stream& s, ssl::stream<tcp::socket>*) {
    beast::flat_buffer buf;
    bhttp::request_parser<bhttp::empty_body> p;
    boost::system::error_code ec;
    bhttp::read_header(s, buf, p, ec);
    if (ec) return;
    auto& req = p.get();
    log.add(std::string(req.method_string()) + " " + std::string(req.target()));
    if (req.method() != bhttp::verb::connect) {
      reply(s, "proxied " + std::string(req.target()), false);
      return;
    }
    std::string target(req.target());
    auto colon = target.rfind(':');
    asio::io_context ioc;
    tcp::socket upstream(ioc);
    upstream.connect({asio::ip::make_address(target.substr(0, colon)),
                      static_cast<unsigned short>(std::stoi(target.substr(colon + 1)))});
    std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    asio::write(s.socket(), asio::buffer(ok));
    auto& down = s.socket();
    std::thread up([&] {
      char b[8192];
      boost::system::error_code e;
      for (;;) {
        auto n = upstream.read_some(asio::buffer(b), e);
        if (e) break;
        asio::write(down, asio::buffer(b, n), e);
        if (e) break;
      }
      down.shutdown(tcp::socket::shutdown_send, e);
    });
    char b[8192];
    for (;;) {
      auto n = down.read_some(asio::buffer(b), ec);
      if (ec) break;
      asio::write(upstream, asio::buffer(b, n), ec);
      if (ec) break;
    }
    upstream.shutdown(tcp::socket::shutdown_send, ec);
    up.join();
  };
}

TEST(HttpClient, HttpsGoesThroughTheProxyTunnel) {
  Certificates certs("IP:127.0.0.1");
  TestServer origin(echo_server(), certs.cert, certs.key);
  ProxyLog log;
  TestServer proxy(proxy_server(log));
  Client client(ClientOptions{.ca_file = certs.ca, .https_proxy = "http://127.0.0.1:" + std::to_string(proxy.port())});
  auto res = run_coro(client.fetch({.url = origin.url("/through")}));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "tls /through ");
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_EQ(log.lines[0], "CONNECT 127.0.0.1:" + std::to_string(origin.port()));
}

TEST(HttpClient, PlainHttpUsesAbsoluteFormThroughTheProxyUnlessNoProxy) {
  ProxyLog log;
  TestServer proxy(proxy_server(log));
  TestServer origin(echo_server());
  std::string proxy_url = "127.0.0.1:" + std::to_string(proxy.port());
  Client via(ClientOptions{.http_proxy = proxy_url});
  auto res = run_coro(via.fetch({.url = origin.url("/p?q=1")}));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "proxied " + origin.url("/p?q=1"));

  Client bypass(ClientOptions{.http_proxy = proxy_url, .no_proxy = "example.com, 127.0.0.1"});
  auto direct = run_coro(bypass.fetch({.url = origin.url("/d")}));
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->body, "GET /d ");
  EXPECT_EQ(log.lines.size(), 1u);
}

TEST(HttpClient, NoProxyMatching) {
  struct Case {
    std::string no_proxy, host;
    bool match;
  };
  for (const auto& c : std::vector<Case>{{"*", "anything.com", true},
                                         {"example.com", "example.com", true},
                                         {"example.com", "api.example.com", true},
                                         {".example.com", "api.example.com", true},
                                         {"example.com", "badexample.com", false},
                                         {"localhost:8080, 10.0.0.1", "localhost", true},
                                         {"10.0.0.1", "10.0.0.2", false},
                                         {"", "example.com", false},
                                         {"[::1]", "::1", true}}) {
    EXPECT_EQ(no_proxy_matches(c.no_proxy, c.host), c.match) << c.no_proxy << " / " << c.host;
  }
}

}  // namespace
}  // namespace devagent::http
