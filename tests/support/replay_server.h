// A scripted HTTP/1.1 server on 127.0.0.1 for client tests: it answers each
// request from a per-path script of canned responses (GitHub's documented
// bodies and headers), records every request, and keeps connections alive.
//
//   ReplayServer gh;
//   gh.push("/repos/octocat/hello", ReplayResponse::json(200, body).header("etag", "\"abc\""));
//   gh.route("/search/repositories", [](const ReplayRequest& r) { ... });
//   ... point the client at gh.base_url() ...
//   EXPECT_EQ(gh.count("/repos/octocat/hello"), 1);
//
// A request takes the next scripted response for its path (the target
// without the query); when the script is empty, the path's route answers;
// otherwise GitHub's 404 body.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devagent::testing {

struct ReplayRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::string path;                            // without the query
  std::map<std::string, std::string> headers;  // lower-case names
  std::chrono::steady_clock::time_point received;

  std::string header(const std::string& name) const;  // "" when absent; any case
  bool has_header(const std::string& name) const;
};

struct ReplayResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering

  // Content-Type: application/json; charset=utf-8
  static ReplayResponse json(unsigned status, std::string body);
  ReplayResponse& header(std::string name, std::string value);
  ReplayResponse& after(std::chrono::milliseconds d);
};

class ReplayServer {
 public:
  using Handler = std::function<ReplayResponse(const ReplayRequest&)>;

  // Listens on 127.0.0.1 on a free port; one thread per connection.
  ReplayServer();
  // Closes every connection and joins the threads.
  ~ReplayServer();
  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  unsigned short port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"

  void push(const std::string& path, ReplayResponse response);
  void route(const std::string& path, Handler handler);

  std::vector<ReplayRequest> requests() const;  // a copy, in arrival order
  std::size_t count(std::string_view path) const;
  std::size_t total() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devagent::testing
