// Black-box tests of TLS termination: the real `devagent serve` with a
// throwaway CA and certificates made by the openssl CLI, probed with
// `openssl s_client`, curl and a Beast TLS WebSocket client, all on loopback.
#include "support/http_client.h"
#include "support/process.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace devagent::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

RunResult sh(const std::string& script, const fs::path& cwd) {
  ProcessOptions o;
  o.args = {"-c", script};
  o.cwd = cwd;
  return run("sh", o, 60s);
}

// A CA and server certificates signed by it, for 127.0.0.1 and localhost.
class Pki {
 public:
  Pki() {
    auto r = sh(
        "set -e\n"
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "  -subj /CN=devagent-test-ca 2>/dev/null\n"
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.cnf\n",
        dir_.path());
    if (r.exit_code != 0) throw std::runtime_error("openssl (CA) failed: " + r.err);
  }
  // Writes a key and a certificate with the given serial to the given names.
  void issue(const std::string& serial, const std::string& cert = "server.pem",
             const std::string& key = "server.key") const {
    auto r = sh("set -e\n"
                "openssl req -newkey rsa:2048 -nodes -keyout new.key -out new.csr -subj /CN=127.0.0.1 2>/dev/null\n"
                "openssl x509 -req -in new.csr -CA ca.pem -CAkey ca.key -set_serial " +
                    serial + " -days 2 -extfile san.cnf -out new.pem 2>/dev/null\n" +
                    // Renamed into place, as a certificate manager would.
                    "mv new.key " + key + "\nmv new.pem " + cert + "\n",
                dir_.path());
    if (r.exit_code != 0) throw std::runtime_error("openssl (certificate) failed: " + r.err);
  }
  fs::path path(const std::string& name) const { return dir_.path() / name; }
  const fs::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

std::vector<std::string> tls_args(const Pki& pki, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--set", "server.tls_cert=" + pki.path("server.pem").string(),  //
                                   "--set", "server.tls_key=" + pki.path("server.key").string()};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// `openssl s_client` against the server with extra flags; stdin is empty, so
// it closes right after the handshake.
RunResult s_client(const Pki& pki, unsigned short port, const std::string& flags) {
  return sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -CAfile ca.pem " + flags +
                " </dev/null 2>&1",
            pki.dir());
}

// The serial number of the certificate the server presents now.
std::string served_serial(const Pki& pki, unsigned short port) {
  auto r = sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                  " </dev/null 2>/dev/null | openssl x509 -noout -serial",
              pki.dir());
  auto out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

RunResult curl(const Pki& pki, const std::string& args) {
  return sh("curl -sS --max-time 60 --cacert ca.pem " + args, pki.dir());
}

// Waits until the server's log (stderr) holds `needle` `count` times.
bool log_shows(ServerProcess& server, const std::string& needle, int count) {
  for (int i = 0; i < 400; ++i) {
    auto text = server.process().stderr_text();
    int seen = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++seen;
    if (seen >= count) return true;
    std::this_thread::sleep_for(25ms);
  }
  return false;
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new Pki();
    pki_->issue("1001");
    server_ = new ServerProcess(tls_args(*pki_));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete pki_;
  }
  static unsigned short port() { return server_->port(); }
  static std::string url(const std::string& path) { return "https://127.0.0.1:" + std::to_string(port()) + path; }
  static Pki* pki_;
  static ServerProcess* server_;
};
Pki* Tls::pki_ = nullptr;
ServerProcess* Tls::server_ = nullptr;

TEST_F(Tls, Tls12HandshakeSucceedsAndVerifies) {
  auto r = s_client(*pki_, port(), "-tls1_2 -verify_return_error");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Verify return code: 0 (ok)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Protocol  : TLSv1.2"), std::string::npos) << r.out;
  // An AEAD suite with forward secrecy.
  EXPECT_NE(r.out.find("Cipher    : ECDHE-RSA-"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GCM"), std::string::npos) << r.out;
}

TEST_F(Tls, Tls13HandshakeSucceeds) {
  auto r = s_client(*pki_, port(), "-tls1_3 -verify_return_error");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("TLSv1.3"), std::string::npos) << r.out;
}

TEST_F(Tls, Tls11IsRefused) {
  // SECLEVEL=0 lets this client offer TLS 1.1, so the refusal is the server's.
  auto r = s_client(*pki_, port(), "-tls1_1 -cipher DEFAULT@SECLEVEL=0");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("alert protocol version"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cipher is (NONE)"), std::string::npos) << r.out;
}

TEST_F(Tls, WeakTls12CiphersAreRefused) {
  for (const char* cipher : {"AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "DHE-RSA-AES128-GCM-SHA256"}) {
    auto r = s_client(*pki_, port(), std::string("-tls1_2 -cipher ") + cipher + "@SECLEVEL=0");
    EXPECT_NE(r.exit_code, 0) << cipher << "\n" << r.out;
    EXPECT_NE(r.out.find("alert handshake failure"), std::string::npos) << cipher << "\n" << r.out;
    EXPECT_NE(r.out.find("Cipher is (NONE)"), std::string::npos) << cipher << "\n" << r.out;
  }
}

TEST_F(Tls, CurlGetsHealthzWithHsts) {
  auto r = curl(*pki_, "-D - " + url("/healthz"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Strict-Transport-Security: max-age=31536000; includeSubDomains"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"({"status":"ok"})"), std::string::npos) << r.out;
}

TEST_F(Tls, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto r = curl(*pki_, "-o /dev/null -o /dev/null -w '%{num_connects} ' " + url("/healthz") + " " + url("/readyz"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1 0 ") << "the second request should reuse the connection";
}

TEST_F(Tls, SseChatStreamsOverTls) {
  auto r = curl(*pki_, "-N -H 'Content-Type: application/json' "
                       "-d '{\"message\": \"which files depend on src/engine.h?\", \"options\": {\"offline\": true}}' " +
                           url("/api/v1/chat"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("id: 1\nevent: run\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("event: answer_done"), std::string::npos) << r.out;
}

TEST_F(Tls, PlainHttpOnTheTlsPortGetsNoAnswer) {
  RawConnection c(port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto got = c.read_until("HTTP/1.1 200", 5s);
  EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;
}

// A TLS WebSocket client: the whole conversation runs as one coroutine on
// its own io_context with a deadline, so a misbehaving server fails the
// test instead of hanging it.
TEST_F(Tls, WebSocketChatWorksOverTls) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(pki_->path("ca.pem").string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  std::vector<std::string> types;
  std::string failure = "did not finish";
  auto conversation = [&]() -> asio::awaitable<void> {
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    auto tuple = asio::as_tuple(asio::use_awaitable);
    auto [cec] = co_await beast::get_lowest_layer(ws).async_connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()), tuple);
    if (cec) { failure = "connect: " + cec.message(); co_return; }
    auto [hec] = co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, tuple);
    if (hec) { failure = "TLS handshake: " + hec.message(); co_return; }
    auto [wec] = co_await ws.async_handshake("127.0.0.1", "/api/v1/ws", tuple);
    if (wec) { failure = "WebSocket handshake: " + wec.message(); co_return; }
    std::string chat = R"({"type": "chat", "message": "which files depend on src/engine.h?", "options": {"offline": true}})";
    auto [sec, sn] = co_await ws.async_write(asio::buffer(chat), tuple);
    if (sec) { failure = "write: " + sec.message(); co_return; }
    for (;;) {
      beast::flat_buffer buffer;
      auto [rec, rn] = co_await ws.async_read(buffer, tuple);
      if (rec) { failure = "read: " + rec.message(); co_return; }
      auto frame = boost::json::parse(beast::buffers_to_string(buffer.data())).as_object();
      types.emplace_back(frame.at("type").as_string());
      if (types.back() == "answer_done" || types.back() == "error") break;
    }
    auto [clec] = co_await ws.async_close(websocket::close_code::normal, tuple);
    failure = clec ? "close: " + clec.message() : "";
  };
  asio::co_spawn(ioc, conversation, asio::detached);
  ioc.run_for(60s);
  EXPECT_EQ(failure, "");
  ASSERT_GE(types.size(), 3u);
  EXPECT_EQ(types.front(), "run");
  EXPECT_EQ(types.back(), "answer_done");
}

TEST(TlsReload, SighupLoadsANewCertificateAndRefusesABrokenOne) {
  Pki pki;
  pki.issue("1001");
  ServerProcess server(tls_args(pki));
  ASSERT_TRUE(log_shows(server, "TLS certificate loaded", 1));
  EXPECT_EQ(served_serial(pki, server.port()), "serial=03E9");  // 1001

  // A renewed certificate: connections made after SIGHUP see it.
  pki.issue("2002");
  server.process().signal(SIGHUP);
  ASSERT_TRUE(log_shows(server, "TLS certificate loaded", 2)) << server.process().stderr_text();
  EXPECT_EQ(served_serial(pki, server.port()), "serial=07D2");  // 2002

  // A broken replacement is refused; the server keeps the last good one.
  { std::ofstream(pki.path("server.pem")) << "-----BEGIN CERTIFICATE-----\nnot a certificate\n"; }
  server.process().signal(SIGHUP);
  ASSERT_TRUE(log_shows(server, "TLS reload failed", 1)) << server.process().stderr_text();
  EXPECT_EQ(served_serial(pki, server.port()), "serial=07D2");
  // A certificate whose key is not the one in tls_key is refused too.
  pki.issue("5005", "server.pem", "other.key");
  server.process().signal(SIGHUP);
  ASSERT_TRUE(log_shows(server, "TLS reload failed", 2)) << server.process().stderr_text();
  EXPECT_EQ(served_serial(pki, server.port()), "serial=07D2");

  // Still serving, and still shutting down cleanly.
  auto r = curl(pki, "https://127.0.0.1:" + std::to_string(server.port()) + "/healthz");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  server.process().signal(SIGTERM);
  EXPECT_EQ(server.process().wait(10s), 0);
}

TEST(TlsRedirect, PlainHttpListenerAnswers308ToHttps) {
  Pki pki;
  pki.issue("1001");
  ServerProcess server(tls_args(pki, {"--set", "server.redirect_http_port=0"}));
  auto line = server.process().wait_for_line("redirecting http://", 10s);
  ASSERT_TRUE(line) << server.process().stderr_text();
  auto colon = line->find(':', line->find("http://") + 7);
  auto redirect_port = static_cast<unsigned short>(std::stoi(line->substr(colon + 1)));

  auto res = http_request(redirect_port, boost::beast::http::verb::get, "/api/v1/tools?limit=2", "",
                          {{"Host", "localhost:" + std::to_string(redirect_port)}});
  EXPECT_EQ(res.status, 308);
  EXPECT_EQ(res.header("location"), "https://localhost:" + std::to_string(server.port()) + "/api/v1/tools?limit=2");
  EXPECT_EQ(res.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(res.header("strict-transport-security"), "");  // HSTS is sent only over TLS

  // curl follows it to the TLS port.
  auto r = curl(pki, "-L -o /dev/null -w '%{http_code} %{url_effective}' http://127.0.0.1:" +
                         std::to_string(redirect_port) + "/healthz");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "200 https://127.0.0.1:" + std::to_string(server.port()) + "/healthz");
}

TEST(TlsConfig, MinimumVersion13RefusesTls12) {
  Pki pki;
  pki.issue("1001");
  ServerProcess server(tls_args(pki, {"--set", "server.tls_min_version=1.3"}));
  EXPECT_NE(s_client(pki, server.port(), "-tls1_2").exit_code, 0);
  EXPECT_EQ(s_client(pki, server.port(), "-tls1_3").exit_code, 0);
}

TEST(TlsConfig, MissingOrMismatchedFilesStopStartUp) {
  Pki pki;
  pki.issue("1001");
  pki.issue("2002", "other.pem", "other.key");
  TempDir data;
  auto start = [&](std::vector<std::string> extra) {
    ProcessOptions o;
    o.args = {"serve", "--listen", "127.0.0.1:0", "--data-dir", (data.path() / "d").string()};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    return run(devagent_binary(), o, 30s);
  };
  auto missing = start({"--set", "server.tls_cert=" + pki.path("nope.pem").string(), "--set",
                        "server.tls_key=" + pki.path("server.key").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("server.tls_cert"), std::string::npos) << missing.err;
  auto mismatched = start({"--set", "server.tls_cert=" + pki.path("server.pem").string(), "--set",
                           "server.tls_key=" + pki.path("other.key").string()});
  EXPECT_EQ(mismatched.exit_code, 2) << mismatched.err;
  EXPECT_NE(mismatched.err.find("does not match"), std::string::npos) << mismatched.err;
  auto half = start({"--set", "server.tls_cert=" + pki.path("server.pem").string()});
  EXPECT_EQ(half.exit_code, 2) << half.err;
}

}  // namespace
}  // namespace devagent::testing
