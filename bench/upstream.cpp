// bench-upstream: a fake OpenAI-compatible upstream for the load benchmarks,
// built to never be the bottleneck: one coroutine per connection on a few
// threads, keep-alive, no allocation per token beyond the chunk it writes.
//
//   bench-upstream [--port N] [--tokens N] [--delay-us N] [--threads N]
//
// POST /v1/chat/completions answers with --tokens tokens ("tok0 tok1 ..."):
// streamed as OpenAI's chat.completion.chunk events (first delta with the
// role, then one per token, then finish_reason "stop", a usage chunk when
// stream_options.include_usage is set, and "data: [DONE]"), --delay-us
// apart; or, without "stream": true, as one chat.completion document after
// tokens × delay. GET /v1/models lists "bench-model". Prints
// "bench-upstream listening on http://127.0.0.1:PORT" and serves until
// SIGINT or SIGTERM.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

struct Options {
  unsigned short port = 0;
  int tokens = 20;
  long delay_us = 0;
  int threads = 1;
};

std::string chunk_event(const std::string& id, const std::string& model, const json::value& delta, const char* finish) {
  json::object choice{{"index", 0}, {"delta", delta}, {"finish_reason", finish ? json::value(finish) : nullptr}};
  json::object o{{"id", id},
                 {"object", "chat.completion.chunk"},
                 {"created", 1700000000},
                 {"model", model},
                 {"choices", json::array{choice}}};
  return "data: " + json::serialize(o) + "\n\n";
}

// One HTTP/1.1 chunk of the response body.
std::string http_chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

asio::awaitable<void> pause(const Options& o) {
  if (o.delay_us <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::microseconds(o.delay_us));
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> stream_completion(tcp::socket& socket, const Options& o, const std::string& model, bool usage,
                                        bool keep_alive) {
  const std::string id = "chatcmpl-bench";
  // Every token's event is the same text around its content: built once.
  const std::string before =
      "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":" +
      json::serialize(json::value(model)) + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
  const std::string after = "\"},\"finish_reason\":null}]}\n\n";
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += http_chunk(chunk_event(id, model, json::object{{"role", "assistant"}, {"content", ""}}, nullptr));
  for (int i = 0; i < o.tokens; ++i) {
    if (o.delay_us > 0) {
      // Each token is written when it is due; without a delay, all at once.
      co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
      out.clear();
      co_await pause(o);
    }
    out += http_chunk(before + "tok" + std::to_string(i) + (i + 1 < o.tokens ? " " : "") + after);
  }
  out += http_chunk(chunk_event(id, model, json::object{}, "stop"));
  if (usage) {
    json::object u{
        {"id", id},
        {"object", "chat.completion.chunk"},
        {"created", 1700000000},
        {"model", model},
        {"choices", json::array{}},
        {"usage", {{"prompt_tokens", 10}, {"completion_tokens", o.tokens}, {"total_tokens", 10 + o.tokens}}}};
    out += http_chunk("data: " + json::serialize(u) + "\n\n");
  }
  out += http_chunk("data: [DONE]\n\n");
  out += "0\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
}

// The chat.completion document of a non-streamed answer.
std::string whole_completion(const std::string& model, const Options& o) {
  std::string text;
  for (int i = 0; i < o.tokens; ++i) text += "tok" + std::to_string(i) + (i + 1 < o.tokens ? " " : "");
  json::object msg{{"role", "assistant"}, {"content", text}};
  json::object doc{
      {"id", "chatcmpl-bench"},
      {"object", "chat.completion"},
      {"created", 1700000000},
      {"model", model},
      {"choices", json::array{json::object{{"index", 0}, {"message", msg}, {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", 10}, {"completion_tokens", o.tokens}, {"total_tokens", 10 + o.tokens}}}};
  return json::serialize(doc);
}

asio::awaitable<void> send_json(tcp::socket& socket, http::status status, unsigned version, bool keep_alive,
                                std::string body) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  co_await http::async_write(socket, res, asio::use_awaitable);
}

asio::awaitable<void> serve(tcp::socket socket, const Options& o) {
  beast::flat_buffer buffer;
  socket.set_option(tcp::no_delay(true));
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto& req = parser.get();
    const bool keep_alive = req.keep_alive();
    if (req.method() == http::verb::post && req.target().ends_with("/chat/completions")) {
      json::error_code jec;
      auto body = json::parse(req.body(), jec);
      if (jec || !body.is_object()) {
        co_await send_json(socket, http::status::bad_request, req.version(), keep_alive,
                           R"({"error":{"message":"bad json"}})");
      } else {
        const auto& obj = body.as_object();
        std::string model = obj.contains("model") && obj.at("model").is_string()
                                ? std::string(obj.at("model").as_string())
                                : "bench-model";
        bool stream = obj.contains("stream") && obj.at("stream").is_bool() && obj.at("stream").as_bool();
        bool usage = false;
        if (auto so = obj.if_contains("stream_options"); so && so->is_object()) {
          auto iu = so->as_object().if_contains("include_usage");
          usage = iu && iu->is_bool() && iu->as_bool();
        }
        if (stream) {
          co_await stream_completion(socket, o, model, usage, keep_alive);
        } else {
          for (int i = 0; i < o.tokens; ++i) co_await pause(o);
          co_await send_json(socket, http::status::ok, req.version(), keep_alive, whole_completion(model, o));
        }
      }
    } else if (req.method() == http::verb::get && req.target().ends_with("/models")) {
      co_await send_json(socket, http::status::ok, req.version(), keep_alive,
                         R"({"object":"list","data":[{"id":"bench-model","object":"model","owned_by":"bench"}]})");
    } else {
      co_await send_json(socket, http::status::not_found, req.version(), keep_alive,
                         R"({"error":{"message":"not found"}})");
    }
    if (!keep_alive) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> serve_until_gone(tcp::socket socket, const Options& o) {
  try {
    co_await serve(std::move(socket), o);
  } catch (const std::exception&) {
    // a peer that went away mid-answer
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Options& o) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;  // out of descriptors for a moment: keep serving the others
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, serve_until_gone(std::move(socket), o), asio::detached);
  }
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    long v = std::strtol(argv[i + 1], nullptr, 10);
    if (k == "--port")
      o.port = static_cast<unsigned short>(v);
    else if (k == "--tokens")
      o.tokens = static_cast<int>(v);
    else if (k == "--delay-us")
      o.delay_us = v;
    else if (k == "--threads")
      o.threads = static_cast<int>(std::max(1L, v));
    else
      return false;
  }
  return argc % 2 == 1 && o.tokens >= 0 && o.delay_us >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: bench-upstream [--port N] [--tokens N] [--delay-us N] [--threads N]\n";
    return 2;
  }
  // Thousands of streams need as many descriptors.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  asio::io_context ioc(o.threads);
  tcp::acceptor acceptor(ioc);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), o.port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  std::printf("bench-upstream listening on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, auto) { ioc.stop(); });
  asio::co_spawn(ioc, accept_loop(acceptor, o), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < o.threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
