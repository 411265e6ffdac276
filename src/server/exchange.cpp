#include "server/exchange.h"

#include "core/json.h"
#include "core/metrics.h"
#include "server/response_headers.h"
#include "server/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include <array>

namespace devagent::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string decode(std::string_view s) {
  auto pct = boost::urls::make_pct_string_view(s);
  if (!pct) return std::string(s);
  std::string out;
  for (char c : pct->decode()) out += c;
  return out;
}

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

metrics::Gauge& open_sse_streams() {
  static metrics::Gauge& g =
      metrics::registry().gauge("sse_connections", "Server-Sent Event streams open now.").labels({});
  return g;
}

}  // namespace

boost::json::value error_body(std::string_view type, std::string_view message, std::string_view request_id) {
  return {{"error", {{"type", type}, {"message", message}, {"request_id", request_id}}}};
}

Exchange::Exchange(Request& request, ClientStream& stream, const ServerOptions& options, std::string request_id,
                   Match match, CancelToken shutdown, bool closing)
    : request_(request), stream_(stream), options_(options), request_id_(std::move(request_id)),
      match_(std::move(match)), shutdown_(std::move(shutdown)) {
  route_ = match_.route ? match_.route->pattern : "unmatched";
  std::string_view target = request_.target();
  auto q = target.find('?');
  path_ = std::string(target.substr(0, q));
  if (q != std::string_view::npos) query_ = std::string(target.substr(q + 1));
  keep_alive_ = request_.keep_alive() && !closing;
}

// The read kept pending by watch_client, shared with its coroutine.
struct Exchange::ClientWatch {
  explicit ClientWatch(const asio::any_io_executor& executor)
      : finished_timer(executor, asio::steady_timer::time_point::max()) {}
  CancelSource gone;
  std::array<char, 512> scratch{};
  bool stopping = false;  // stop_watching asked; a read error then is ours, not the peer's
  bool finished = false;  // the coroutine has returned
  asio::steady_timer finished_timer;
};

Exchange::~Exchange() {
  if (sse_open_) open_sse_streams().dec();
  // A handler that threw before stop_watching: end the read; its coroutine
  // touches only the shared state afterwards.
  if (watch_ && !watch_->finished) {
    watch_->stopping = true;
    boost::system::error_code ec;
    stream_.socket().cancel(ec);
  }
}

CancelToken Exchange::watch_client() {
  if (watch_) return watch_->gone.token();
  watch_ = std::make_shared<ClientWatch>(stream_.get_executor());
  keep_alive_ = false;  // bytes read while watching are not a next request
  auto watch = watch_;
  auto& stream = stream_;
  auto watcher = [watch, &stream]() -> asio::awaitable<void> {
    for (;;) {
      auto [ec, n] = co_await stream.async_read_some_untimed(asio::buffer(watch->scratch), tuple_awaitable);
      if (watch->stopping) break;
      if (ec) {
        watch->gone.cancel("client disconnected");
        break;
      }
    }
    watch->finished = true;
    watch->finished_timer.cancel();
  };
  asio::co_spawn(stream_.get_executor(), std::move(watcher), asio::detached);
  return watch_->gone.token();
}

asio::awaitable<void> Exchange::stop_watching() {
  if (!watch_ || watch_->finished) co_return;
  watch_->stopping = true;
  boost::system::error_code ec;
  stream_.socket().cancel(ec);
  auto watch = watch_;
  if (!watch->finished) co_await watch->finished_timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::string Exchange::param(std::string_view name) const {
  auto it = match_.params.find(name);
  return it == match_.params.end() ? std::string() : decode(it->second);
}

std::optional<std::string> Exchange::query(std::string_view name) const {
  std::string_view rest = query_;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = part.find('=');
    std::string key = part.substr(0, eq) == std::string_view{} ? "" : decode(part.substr(0, eq));
    for (auto& c : key) if (c == '+') c = ' ';
    if (key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    std::string value(part.substr(eq + 1));
    for (auto& c : value) if (c == '+') c = ' ';
    return decode(value);
  }
  return std::nullopt;
}

std::string_view Exchange::header(std::string_view name) const {
  auto it = request_.find(name);
  if (it == request_.end()) return {};
  auto v = it->value();
  return std::string_view(v.data(), v.size());
}

Result<boost::json::value> Exchange::json_body() const {
  const auto& body = request_.body();
  if (body.empty()) return make_error(ErrorKind::invalid_argument, "request body is empty; expected a JSON document");
  auto ct = header("Content-Type");
  if (!ct.empty() && ct.find("json") == std::string_view::npos) {
    return make_error(ErrorKind::invalid_argument, "Content-Type must be application/json, got '" + std::string(ct) + "'");
  }
  return json::parse(body);
}

asio::awaitable<void> Exchange::reply(unsigned status, std::string body, std::string_view content_type,
                                      const Headers& headers) {
  if (responded()) co_return;
  status_ = status;
  http::response<http::string_body> res{static_cast<http::status>(status), request_.version()};
  res.set(http::field::content_type, content_type);
  res.set("X-Request-Id", request_id_);
  for (const auto& [k, v] : headers) res.set(k, v);
  add_response_headers(res, options_, header("Origin"));
  res.keep_alive(keep_alive_);
  if (request_.method() == http::verb::head) {
    res.content_length(body.size());
  } else {
    res.body() = std::move(body);
    res.prepare_payload();
  }
  stream_.expires_after(options_.write_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, tuple_awaitable);
  if (ec) broken_ = true;
}

asio::awaitable<void> Exchange::reply_json(unsigned status, const boost::json::value& body, const Headers& headers) {
  std::string text = boost::json::serialize(body);
  co_await reply(status, std::move(text), "application/json", headers);
}

asio::awaitable<void> Exchange::reply_error(const Error& error, const Headers& headers) {
  auto status = static_cast<unsigned>(http_status(error.kind));
  co_await reply_error(status, to_string(error.kind), error.message, headers);
}

asio::awaitable<void> Exchange::reply_error(unsigned status, std::string_view type, std::string_view message,
                                            const Headers& headers) {
  boost::json::value body = error_body(type, message, request_id_);
  co_await reply_json(status, body, headers);
}

asio::awaitable<bool> Exchange::begin_stream(unsigned status, std::string_view content_type, const Headers& headers) {
  if (responded()) co_return false;
  status_ = status;
  http::response<http::empty_body> res{static_cast<http::status>(status), request_.version()};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Request-Id", request_id_);
  for (const auto& [k, v] : headers) res.set(k, v);
  add_response_headers(res, options_, header("Origin"));
  res.keep_alive(keep_alive_);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  stream_.expires_after(options_.write_timeout);
  auto [ec, n] = co_await http::async_write_header(stream_, sr, tuple_awaitable);
  if (ec) broken_ = true;
  if (!broken_ && content_type.starts_with("text/event-stream")) {
    sse_open_ = true;
    open_sse_streams().inc();
  }
  co_return !broken_;
}

asio::awaitable<bool> Exchange::write(std::string_view data) {
  if (broken_ || data.empty()) co_return !broken_;
  stream_.expires_after(options_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::const_buffer(data.data(), data.size())),
                                            tuple_awaitable);
  if (ec) broken_ = true;
  co_return !broken_;
}

asio::awaitable<bool> Exchange::end_stream() {
  if (broken_) co_return false;
  stream_.expires_after(options_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), tuple_awaitable);
  if (ec) broken_ = true;
  co_return !broken_;
}

}  // namespace devagent::server
