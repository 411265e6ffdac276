// The fake upstream server: a listener thread, one thread per connection
// (blocking Beast reads and writes), and the shared state they use — the
// script, the recorded requests and the observed disconnects.
//
// Blocking threads keep the fault logic plain: a stall is a loop, a cut is a
// return. While it waits (delays, stalls) a connection polls its socket, so a
// client that hangs up is noticed within a few milliseconds, not on the next
// write.
#include "support/fake_upstream.h"

#include "support/fake_formats.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

namespace devagent::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using fake::Vendor;

// ----------------------------------------------------------------- Reply

Reply Reply::text(std::string content) {
  Reply r;
  r.content = std::move(content);
  return r;
}

Reply Reply::tool_call(std::string name, std::string arguments_json) {
  Reply r;
  r.tool_calls.push_back(ToolCall{std::move(name), std::move(arguments_json), ""});
  return r;
}

Reply Reply::http_error(int status) {
  Reply r;
  r.status = status;
  return r;
}

Reply Reply::context_length_exceeded(int prompt_tokens, int max_tokens) {
  Reply r = http_error(400);
  r.context_prompt_tokens = prompt_tokens;
  r.context_max_tokens = max_tokens;
  return r;
}

Reply& Reply::chunks(int count) {
  chunk_count = count;
  chunk_size = 0;
  return *this;
}

Reply& Reply::chunk_bytes(std::size_t bytes) {
  chunk_size = bytes;
  return *this;
}

Reply& Reply::and_tool_call(std::string name, std::string arguments_json) {
  tool_calls.push_back(ToolCall{std::move(name), std::move(arguments_json), ""});
  return *this;
}

Reply& Reply::piece_bytes(std::size_t bytes) {
  piece_size = bytes;
  return *this;
}

Reply& Reply::finish(FinishReason reason) {
  finish_reason = reason;
  return *this;
}

Reply& Reply::usage(int input, int output, int cached) {
  input_tokens = input;
  output_tokens = output;
  cached_tokens = cached;
  return *this;
}

Reply& Reply::no_usage() {
  include_usage = false;
  return *this;
}

Reply& Reply::delay_ms(int ms) {
  event_delay = std::chrono::milliseconds(ms);
  return *this;
}

Reply& Reply::error(std::string type, std::string message) {
  error_type = std::move(type);
  error_message = std::move(message);
  return *this;
}

Reply& Reply::retry_after(int seconds) {
  retry_after_seconds = seconds;
  return *this;
}

Reply& Reply::cut_after(int events) {
  cut_after_events = events;
  return *this;
}

Reply& Reply::stall_after(int events) {
  stall_after_events = events;
  return *this;
}

Reply& Reply::malformed_after(int events) {
  malformed_after_events = events;
  return *this;
}

Reply& Reply::error_after(int events) {
  error_after_events = events;
  return *this;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string RecordedRequest::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

namespace {

// --------------------------------------------------------- shared state

// What the connections share. Every member is guarded by mu.
struct State {
  mutable std::mutex mu;
  mutable std::condition_variable changed;
  std::deque<Reply> script;
  Reply default_reply = Reply::text("Hello from the fake upstream.");
  std::vector<std::string> models{"fake-chat", "fake-embed"};
  std::vector<RecordedRequest> recorded;
  std::deque<Clock::time_point> disconnects;
  int serial = 0;

  Reply next_reply() {
    std::lock_guard lock(mu);
    if (script.empty()) return default_reply;
    Reply r = std::move(script.front());
    script.pop_front();
    return r;
  }

  int next_serial() {
    std::lock_guard lock(mu);
    return ++serial;
  }

  std::vector<std::string> model_ids() const {
    std::lock_guard lock(mu);
    return models;
  }

  void record(RecordedRequest request) {
    std::lock_guard lock(mu);
    recorded.push_back(std::move(request));
    changed.notify_all();
  }

  void record_disconnect(Clock::time_point when) {
    std::lock_guard lock(mu);
    disconnects.push_back(when);
    changed.notify_all();
  }
};

using Request = http::request<http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

RecordedRequest recorded_from(const Request& req) {
  RecordedRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name = lower(field.name_string());
    std::string& value = r.headers[name];
    value += value.empty() ? std::string(field.value()) : ", " + std::string(field.value());
  }
  r.body = req.body();
  r.received = Clock::now();
  return r;
}

// ------------------------------------------------------------ a session

// One client connection: reads requests and answers them until the client
// leaves, a fault ends the connection, or the server stops.
class Session {
 public:
  Session(tcp::socket& socket, State& state, const std::atomic<bool>& stopping)
      : socket_(socket), state_(state), stopping_(stopping) {}

  void run() {
    while (open_ && !stopping_) {
      Request req;
      if (!read_request(req)) return;
      keep_alive_ = req.keep_alive();
      state_.record(recorded_from(req));
      route(req);
      if (!keep_alive_) return;
    }
  }

 private:
  bool read_request(Request& out) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    beast::error_code ec;
    http::read_header(socket_, buffer_, parser, ec);
    if (ec) return false;
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::write(socket_, asio::buffer(kContinue.data(), kContinue.size()), ec);
    }
    http::read(socket_, buffer_, parser, ec);
    if (ec) return false;
    out = parser.release();
    return true;
  }

  // The route table.
  void route(const Request& req) {
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    bool post = req.method() == http::verb::post;
    bool get = req.method() == http::verb::get;
    if (post && path == "/v1/chat/completions") return chat(Vendor::openai, req);
    if (post && path == "/v1/messages") return chat(Vendor::anthropic, req);
    if (post && path == "/api/chat") return chat(Vendor::ollama, req);
    if (post && path == "/v1/embeddings") return embeddings(Vendor::openai, req);
    if (post && path == "/api/embed") return embeddings(Vendor::ollama, req);
    if (get && path == "/v1/models") return models(req.count("anthropic-version") ? Vendor::anthropic : Vendor::openai);
    if (get && path == "/api/tags") return models(Vendor::ollama);
    fake::ErrorResponse e = fake::unknown_route(req.method_string(), path);
    send(e.status, e.body, path.starts_with("/api/") ? "text/plain; charset=utf-8" : "application/json");
  }

  // ---- handlers

  void chat(Vendor vendor, const Request& req) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(req.body(), ec);
    if (ec || !body.is_object()) return bad_json(vendor);
    Reply reply = state_.next_reply();
    fake::ChatCall call =
        fake::make_chat_call(vendor, body.as_object(), req.body().size(), reply, state_.next_serial());
    if (reply.status != 200) return http_error(call, reply);
    if (call.stream) return stream(call, reply);
    whole(call, reply);
  }

  void embeddings(Vendor vendor, const Request& req) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(req.body(), ec);
    if (ec || !body.is_object()) return bad_json(vendor);
    send(200, fake::embeddings_reply(vendor, body.as_object()), fake::json_content_type(vendor));
  }

  void models(Vendor vendor) {
    send(200, fake::model_list(vendor, state_.model_ids()), fake::json_content_type(vendor));
  }

  void bad_json(Vendor vendor) {
    fake::ErrorResponse e = fake::request_error(vendor, 400, "The request body is not valid JSON.");
    send(e.status, e.body, fake::json_content_type(vendor));
  }

  void http_error(const fake::ChatCall& call, const Reply& reply) {
    if (!pause(reply.event_delay)) return;
    fake::ErrorResponse e = fake::reply_error(call.vendor, reply, call.model);
    Headers headers = vendor_headers(call);
    if (reply.retry_after_seconds) headers.emplace_back("retry-after", std::to_string(*reply.retry_after_seconds));
    send(e.status, e.body, fake::json_content_type(call.vendor), headers);
  }

  // "stream": false. Cut and stall happen before any response; a malformed
  // reply is a body of invalid JSON.
  void whole(const fake::ChatCall& call, const Reply& reply) {
    if (!pause(reply.event_delay)) return;
    if (reply.cut_after_events) return cut();
    if (reply.stall_after_events) return stall();
    std::string body = reply.malformed_after_events ? R"({"id":"truncated",)" : fake::whole_reply(call, reply);
    send(200, body, fake::json_content_type(call.vendor), vendor_headers(call));
  }

  void stream(const fake::ChatCall& call, const Reply& reply) {
    std::vector<std::string> events = fake::stream_events(call, reply);
    if (!begin_stream(call)) return;
    for (std::size_t i = 0;; ++i) {
      int sent = static_cast<int>(i);
      if (reply.cut_after_events == sent) return cut();
      if (reply.stall_after_events == sent) return stall();
      if (reply.error_after_events == sent) {
        if (send_chunk(fake::stream_error_event(call.vendor, reply))) end_stream();
        return;
      }
      if (reply.malformed_after_events == sent && !send_chunk(fake::malformed_event(call.vendor))) return;
      if (i == events.size()) break;
      if (i > 0 && !pause(reply.event_delay)) return;
      if (!send_chunk(events[i])) return;
    }
    end_stream();
  }

  // ---- writing

  static Headers vendor_headers(const fake::ChatCall& call) {
    if (call.vendor == Vendor::openai) return {{"x-request-id", "req_" + call.id}};
    if (call.vendor == Vendor::anthropic) return {{"request-id", "req_" + call.id}};
    return {};
  }

  void send(int status, std::string body, std::string_view content_type, const Headers& headers = {}) {
    http::response<http::string_body> res;
    res.version(11);
    res.result(static_cast<unsigned>(status));
    if (status == 529) res.reason("Overloaded");  // Beast knows no reason phrase for 529
    res.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) res.set(name, value);
    res.keep_alive(keep_alive_);
    res.body() = std::move(body);
    res.prepare_payload();
    beast::error_code ec;
    http::write(socket_, res, ec);
    if (ec) open_ = false;
  }

  bool begin_stream(const fake::ChatCall& call) {
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::content_type, fake::stream_content_type(call.vendor));
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [name, value] : vendor_headers(call)) res.set(name, value);
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> serializer{res};
    beast::error_code ec;
    http::write_header(socket_, serializer, ec);
    return ec ? client_gone() : true;
  }

  // One event per HTTP chunk, so a client sees events arrive one by one.
  bool send_chunk(const std::string& event) {
    beast::error_code ec;
    asio::write(socket_, http::make_chunk(asio::buffer(event)), ec);
    return ec ? client_gone() : true;
  }

  void end_stream() {
    beast::error_code ec;
    asio::write(socket_, http::make_chunk_last(), ec);
    if (ec) client_gone();
  }

  // ---- faults and waiting

  // Ends the connection here; the owner closes the socket at once (FIN,
  // after whatever was already written), with no final chunk.
  void cut() { open_ = false; }

  // Sends nothing more and waits until the client leaves or the server stops.
  void stall() {
    wait_while_connected(Clock::time_point::max());
    open_ = false;
  }

  bool pause(std::chrono::milliseconds d) {
    if (d.count() <= 0) return true;
    return wait_while_connected(Clock::now() + d);
  }

  // Waits until deadline while watching the socket. False (and the
  // connection is over) if the client hung up or the server is stopping.
  bool wait_while_connected(Clock::time_point deadline) {
    const int fd = socket_.native_handle();
    for (;;) {
      if (stopping_) {
        open_ = false;
        return false;
      }
      auto now = Clock::now();
      if (now >= deadline) return true;
      auto slice = std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(20));
      int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count());
      pollfd pfd{fd, POLLIN | POLLRDHUP, 0};
      int ready = ::poll(&pfd, 1, std::max(1, ms));
      if (ready <= 0) continue;
      if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) return client_gone();
      char byte;
      ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return client_gone();
      // The client sent more bytes (a pipelined request): they wait for later.
      std::this_thread::sleep_for(slice);
    }
  }

  // Records the disconnect (unless the server is the one closing) and ends
  // the connection. Always false, for `return client_gone();`.
  bool client_gone() {
    if (!stopping_) state_.record_disconnect(Clock::now());
    open_ = false;
    return false;
  }

  tcp::socket& socket_;
  State& state_;
  const std::atomic<bool>& stopping_;
  beast::flat_buffer buffer_;
  bool open_ = true;
  bool keep_alive_ = true;
};

}  // namespace

// -------------------------------------------------------------- listener

struct FakeUpstream::Impl {
  // A connection's thread. fd is the socket while it is open (-1 after), so
  // the destructor can shut it down to wake a blocked read or write.
  struct Worker {
    std::thread thread;
    int fd = -1;
    std::atomic<bool> done{false};
  };

  asio::io_context ioc;  // never run: the sockets are used synchronously
  tcp::acceptor acceptor{ioc};
  unsigned short port = 0;
  std::atomic<bool> stopping{false};
  int wake_fd = -1;  // an eventfd the destructor writes to, to end accept_loop's poll
  State state;
  std::mutex workers_mu;
  std::list<Worker> workers;
  std::thread accept_thread;

  explicit Impl(unsigned short requested_port) {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), requested_port);
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
      std::lock_guard lock(workers_mu);
      for (Worker& w : workers) {
        if (w.fd >= 0) ::shutdown(w.fd, SHUT_RDWR);
      }
    }
    // Unlocked: a finishing worker takes workers_mu, and with accept_loop
    // gone nothing else changes the list.
    for (Worker& w : workers) w.thread.join();
  }

  // Polls the acceptor and wake_fd, so that it stops at once and reaps
  // finished connections now and then.
  void accept_loop() {
    while (!stopping) {
      pollfd pfds[2] = {{acceptor.native_handle(), POLLIN, 0}, {wake_fd, POLLIN, 0}};
      int ready = ::poll(pfds, 2, 100);
      reap_finished();
      if (ready <= 0 || !(pfds[0].revents & POLLIN)) continue;
      beast::error_code ec;
      tcp::socket socket(ioc);
      acceptor.accept(socket, ec);
      if (!ec) start_worker(std::move(socket));
    }
  }

  void start_worker(tcp::socket socket) {
    std::lock_guard lock(workers_mu);
    Worker& w = workers.emplace_back();
    w.fd = socket.native_handle();
    w.thread = std::thread([this, &w, s = std::move(socket)]() mutable { serve(w, s); });
  }

  void serve(Worker& w, tcp::socket& socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // events leave at once, not after Nagle's delay
    Session(socket, state, stopping).run();
    {
      std::lock_guard lock(workers_mu);
      w.fd = -1;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    w.done = true;
  }

  void reap_finished() {
    std::lock_guard lock(workers_mu);
    for (auto it = workers.begin(); it != workers.end();) {
      if (!it->done) {
        ++it;
        continue;
      }
      it->thread.join();
      it = workers.erase(it);
    }
  }
};

// ---------------------------------------------------------- FakeUpstream

FakeUpstream::FakeUpstream(unsigned short port) : impl_(std::make_unique<Impl>(port)) {}

FakeUpstream::~FakeUpstream() = default;

unsigned short FakeUpstream::port() const {
  return impl_->port;
}

std::string FakeUpstream::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void FakeUpstream::push(Reply reply) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.script.push_back(std::move(reply));
}

void FakeUpstream::set_default_reply(Reply reply) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.default_reply = std::move(reply);
}

void FakeUpstream::set_models(std::vector<std::string> ids) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.models = std::move(ids);
}

std::size_t FakeUpstream::pending_replies() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.script.size();
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.recorded;
}

bool FakeUpstream::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->state.mu);
  return impl_->state.changed.wait_for(lock, timeout, [&] { return impl_->state.recorded.size() >= n; });
}

std::optional<Clock::time_point> FakeUpstream::wait_for_disconnect(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->state.mu);
  if (!impl_->state.changed.wait_for(lock, timeout, [&] { return !impl_->state.disconnects.empty(); })) {
    return std::nullopt;
  }
  Clock::time_point when = impl_->state.disconnects.front();
  impl_->state.disconnects.pop_front();
  return when;
}

}  // namespace devagent::testing
