// bench-load: an HTTP load generator that reads responses as they stream,
// for Server-Sent Events and OpenAI-style streamed completions: per request
// the time to the first event (or to a given marker) and to the end.
//
//   bench-load --url http://127.0.0.1:PORT/v1/chat/completions
//              [--body JSON | --body-file F] [--header "Name: value"]...
//              [--concurrency C] [--requests N | --duration S]
//              [--first TEXT] [--fail-on TEXT] [--json]
//
// C connections (kept alive) each send requests one after another until N
// requests have been sent in all, or S seconds have passed. "first" is the
// time from sending the request to the first body bytes, or with --first
// to the moment the body first contains TEXT; "total" is to the end of the
// response. A request fails on a connection error, a status other than 2xx,
// or a body containing --fail-on TEXT. Prints one summary line (and with
// --json a JSON document of the same numbers, in microseconds).
#include "bench_util.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using devagent::bench::Clock;
using devagent::bench::percentile;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "80";
  std::string target = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int concurrency = 1;
  long requests = 100;
  double duration_s = 0;
  std::string first;
  std::string fail_on;
  bool as_json = false;
};

struct Results {
  std::vector<double> first_us;
  std::vector<double> total_us;
  long errors = 0;
  std::string first_error;
};

bool parse_url(const std::string& url, Options& o) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  o.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  o.host = authority.substr(0, colon);
  o.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  return !o.host.empty();
}

class Worker {
 public:
  Worker(const Options& o, const tcp::resolver::results_type& endpoints, std::atomic<long>& left,
         Clock::time_point deadline, Results& results)
      : o_(o), endpoints_(endpoints), left_(left), deadline_(deadline), results_(results) {}

  asio::awaitable<void> run() {
    auto ex = co_await asio::this_coro::executor;
    std::optional<tcp::socket> socket;
    beast::flat_buffer buffer;
    while (more()) {
      if (!socket) {
        socket.emplace(ex);
        auto [ec, ep] = co_await asio::async_connect(*socket, endpoints_, asio::as_tuple(asio::use_awaitable));
        if (ec) {
          fail("connect: " + ec.message());
          socket.reset();
          continue;
        }
        socket->set_option(tcp::no_delay(true));
        buffer.clear();
      }
      bool keep = co_await one(*socket, buffer);
      if (!keep) socket.reset();
    }
  }

 private:
  bool more() {
    if (o_.duration_s > 0) return Clock::now() < deadline_;
    return left_.fetch_sub(1) > 0;
  }

  void fail(std::string why) {
    ++results_.errors;
    if (results_.first_error.empty()) results_.first_error = std::move(why);
  }

  // One request on the connection; whether it can be used again.
  asio::awaitable<bool> one(tcp::socket& socket, beast::flat_buffer& buffer) {
    http::request<http::string_body> req{o_.body.empty() ? http::verb::get : http::verb::post, o_.target, 11};
    req.set(http::field::host, o_.host);
    if (!o_.body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : o_.headers) req.set(k, v);
    req.body() = o_.body;
    req.keep_alive(true);
    req.prepare_payload();

    auto t0 = Clock::now();
    auto [wec, wn] = co_await http::async_write(socket, req, asio::as_tuple(asio::use_awaitable));
    if (wec) {
      fail("write: " + wec.message());
      co_return false;
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await http::async_read_header(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (hec) {
      fail("read: " + hec.message());
      co_return false;
    }
    const int status = static_cast<int>(parser.get().result_int());
    std::optional<double> first;
    std::string window;  // the body's last bytes, to find markers cut between reads
    bool failed_marker = false;
    char data[16384];
    while (!parser.is_done()) {
      parser.get().body().data = data;
      parser.get().body().size = sizeof data;
      auto [ec, n] = co_await http::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        fail("read: " + ec.message());
        co_return false;
      }
      std::size_t got = sizeof data - parser.get().body().size;
      if (got == 0) continue;
      window.append(data, got);
      if (!first && (o_.first.empty() || window.find(o_.first) != std::string::npos)) {
        first = devagent::bench::micros_since(t0);
      }
      if (!o_.fail_on.empty() && window.find(o_.fail_on) != std::string::npos) failed_marker = true;
      std::size_t keep = std::max(o_.first.size(), o_.fail_on.size());
      if (window.size() > keep) window.erase(0, window.size() - keep);
    }
    double total = devagent::bench::micros_since(t0);
    if (status < 200 || status > 299) {
      fail("status " + std::to_string(status));
    } else if (failed_marker) {
      fail("body contains " + o_.fail_on);
    } else {
      results_.first_us.push_back(first.value_or(total));
      results_.total_us.push_back(total);
    }
    co_return parser.get().keep_alive();
  }

  const Options& o_;
  const tcp::resolver::results_type& endpoints_;
  std::atomic<long>& left_;
  Clock::time_point deadline_;
  Results& results_;
};

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (k == "--json") {
      o.as_json = true;
      continue;
    }
    auto v = value();
    if (!v) return std::nullopt;
    if (k == "--url") {
      if (!parse_url(*v, o)) return std::nullopt;
      have_url = true;
    } else if (k == "--body") {
      o.body = *v;
    } else if (k == "--body-file") {
      std::ifstream in(*v);
      std::stringstream s;
      s << in.rdbuf();
      o.body = s.str();
    } else if (k == "--header") {
      auto colon = v->find(':');
      if (colon == std::string::npos) return std::nullopt;
      auto value_at = v->find_first_not_of(' ', colon + 1);
      o.headers.emplace_back(v->substr(0, colon), value_at == std::string::npos ? "" : v->substr(value_at));
    } else if (k == "--concurrency") {
      o.concurrency = std::max(1, std::atoi(v->c_str()));
    } else if (k == "--requests") {
      o.requests = std::max(1L, std::atol(v->c_str()));
    } else if (k == "--duration") {
      o.duration_s = std::atof(v->c_str());
    } else if (k == "--first") {
      o.first = *v;
    } else if (k == "--fail-on") {
      o.fail_on = *v;
    } else {
      return std::nullopt;
    }
  }
  if (!have_url) return std::nullopt;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  if (!o) {
    std::cerr << "usage: bench-load --url http://HOST:PORT/PATH [--body JSON | --body-file F] [--header 'N: V']...\n"
                 "                  [--concurrency C] [--requests N | --duration S] [--first TEXT]\n"
                 "                  [--fail-on TEXT] [--json]\n";
    return 2;
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  asio::io_context ioc(1);
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(o->host, o->port);
  std::atomic<long> left(o->requests);
  Results results;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o->duration_s));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < o->concurrency; ++i) {
    workers.push_back(std::make_unique<Worker>(*o, endpoints, left, deadline, results));
    asio::co_spawn(ioc, workers.back()->run(), asio::detached);
  }
  ioc.run();
  double elapsed = devagent::bench::seconds_since(start);

  auto ms = [](double us) { return us / 1000.0; };
  const auto& f = results.first_us;
  const auto& t = results.total_us;
  double rps = elapsed > 0 ? static_cast<double>(t.size()) / elapsed : 0;
  std::printf(
      "load %s%s c=%d: %zu ok, %ld errors, %.0f req/s; first p50 %.3f ms p99 %.3f ms; total p50 %.3f ms p99 %.3f "
      "ms%s%s\n",
      o->host.c_str(), o->target.c_str(), o->concurrency, t.size(), results.errors, rps, ms(percentile(f, 0.5)),
      ms(percentile(f, 0.99)), ms(percentile(t, 0.5)), ms(percentile(t, 0.99)),
      results.first_error.empty() ? "" : "; first error: ", results.first_error.c_str());
  if (o->as_json) {
    json::object j{
        {"target", o->target},
        {"concurrency", o->concurrency},
        {"ok", t.size()},
        {"errors", results.errors},
        {"seconds", elapsed},
        {"requests_per_s", rps},
        {"first_us", {{"p50", percentile(f, 0.5)}, {"p95", percentile(f, 0.95)}, {"p99", percentile(f, 0.99)}}},
        {"total_us", {{"p50", percentile(t, 0.5)}, {"p95", percentile(t, 0.95)}, {"p99", percentile(t, 0.99)}}}};
    std::printf("%s\n", json::serialize(j).c_str());
  }
  return results.errors == 0 ? 0 : 1;
}
