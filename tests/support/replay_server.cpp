// The replay server: an accept thread polling the listener and an eventfd
// (so the destructor wakes it at once), and one blocking Beast thread per
// connection.
#include "support/replay_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

namespace devagent::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::string_view kNotFound =
    R"({"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"})";

}  // namespace

std::string ReplayRequest::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

bool ReplayRequest::has_header(const std::string& name) const {
  return headers.count(lower(name)) > 0;
}

ReplayResponse ReplayResponse::json(unsigned status, std::string body) {
  ReplayResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("content-type", "application/json; charset=utf-8");
  return r;
}

ReplayResponse& ReplayResponse::header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

ReplayResponse& ReplayResponse::after(std::chrono::milliseconds d) {
  delay = d;
  return *this;
}

struct ReplayServer::Impl {
  struct Worker {
    std::thread thread;
    int fd = -1;
    std::atomic<bool> done{false};
  };

  asio::io_context ioc;  // never run: sockets are used synchronously
  tcp::acceptor acceptor{ioc};
  unsigned short port = 0;
  std::atomic<bool> stopping{false};
  int wake_fd = -1;
  std::thread accept_thread;

  mutable std::mutex mu;  // guards everything below
  std::map<std::string, std::deque<ReplayResponse>> scripts;
  std::map<std::string, Handler> routes;
  std::vector<ReplayRequest> recorded;
  std::list<Worker> workers;

  Impl() {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    acceptor.non_blocking(true);
    port = acceptor.local_endpoint().port();
    wake_fd = ::eventfd(0, EFD_CLOEXEC);
    accept_thread = std::thread([this] { accept_loop(); });
  }

  ~Impl() {
    stopping = true;
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
    accept_thread.join();
    ::close(wake_fd);
    {
      std::lock_guard lock(mu);
      for (Worker& w : workers) {
        if (w.fd >= 0) ::shutdown(w.fd, SHUT_RDWR);
      }
    }
    for (Worker& w : workers) w.thread.join();
  }

  void accept_loop() {
    while (!stopping) {
      pollfd pfds[2] = {{acceptor.native_handle(), POLLIN, 0}, {wake_fd, POLLIN, 0}};
      int ready = ::poll(pfds, 2, 100);
      if (ready <= 0 || !(pfds[0].revents & POLLIN)) continue;
      beast::error_code ec;
      tcp::socket socket(ioc);
      acceptor.accept(socket, ec);
      if (ec) continue;
      std::lock_guard lock(mu);
      Worker& w = workers.emplace_back();
      w.fd = socket.native_handle();
      w.thread = std::thread([this, &w, s = std::move(socket)]() mutable { serve(w, s); });
    }
  }

  ReplayResponse answer(const ReplayRequest& req) {
    Handler handler;
    {
      std::lock_guard lock(mu);
      recorded.push_back(req);
      auto& script = scripts[req.path];
      if (!script.empty()) {
        ReplayResponse r = std::move(script.front());
        script.pop_front();
        return r;
      }
      auto it = routes.find(req.path);
      if (it != routes.end()) handler = it->second;
    }
    if (handler) return handler(req);
    return ReplayResponse::json(404, std::string(kNotFound));
  }

  void serve(Worker& w, tcp::socket& socket) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    while (!stopping) {
      bhttp::request<bhttp::string_body> req;
      bhttp::read(socket, buffer, req, ec);
      if (ec) break;
      ReplayRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.path = r.target.substr(0, r.target.find('?'));
      for (const auto& field : req) r.headers[lower(field.name_string())] = std::string(field.value());
      r.received = std::chrono::steady_clock::now();
      ReplayResponse out = answer(r);
      if (out.delay.count() > 0) std::this_thread::sleep_for(out.delay);
      bhttp::response<bhttp::string_body> res;
      res.version(11);
      res.result(out.status);
      for (const auto& [name, value] : out.headers) res.set(name, value);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(out.body);
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    {
      std::lock_guard lock(mu);
      w.fd = -1;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    w.done = true;
  }
};

ReplayServer::ReplayServer() : impl_(std::make_unique<Impl>()) {}
ReplayServer::~ReplayServer() = default;

unsigned short ReplayServer::port() const {
  return impl_->port;
}
std::string ReplayServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void ReplayServer::push(const std::string& path, ReplayResponse response) {
  std::lock_guard lock(impl_->mu);
  impl_->scripts[path].push_back(std::move(response));
}

void ReplayServer::route(const std::string& path, Handler handler) {
  std::lock_guard lock(impl_->mu);
  impl_->routes[path] = std::move(handler);
}

std::vector<ReplayRequest> ReplayServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->recorded;
}

std::size_t ReplayServer::count(std::string_view path) const {
  std::lock_guard lock(impl_->mu);
  std::size_t n = 0;
  for (const auto& r : impl_->recorded) n += r.path == path ? 1 : 0;
  return n;
}

std::size_t ReplayServer::total() const {
  std::lock_guard lock(impl_->mu);
  return impl_->recorded.size();
}

}  // namespace devagent::testing
