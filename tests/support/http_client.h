// A small blocking HTTP/1.1 client for tests (Boost.Beast), on loopback.
#pragma once

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <map>
#include <string>
#include <string>
#include <vector>

namespace devagent::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

// One request on a new connection. Throws on connection errors.
HttpResponse http_request(unsigned short port, boost::beast::http::verb method, const std::string& target,
                          const std::string& body = {},
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

inline HttpResponse http_get(unsigned short port, const std::string& target) {
  return http_request(port, boost::beast::http::verb::get, target);
}

// A loopback port that refuses connections for as long as this object
// lives: bound but never listening, so no other test can take it meanwhile
// (a port merely closed could be reused by a parallel test).
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

// A raw TCP connection for tests that speak bytes (slow clients, pipelining).
class RawConnection {
 public:
  explicit RawConnection(unsigned short port);
  ~RawConnection();
  void send(const std::string& bytes);
  // Reads until `needle` appears, EOF, or timeout; returns everything read.
  std::string read_until(const std::string& needle, std::chrono::milliseconds timeout);
  // True if the peer closed the connection within timeout.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace devagent::testing
