// bench-load: an HTTP load generator that reads responses as they stream,
// for Server-Sent Events and OpenAI-style streamed completions: per request
// the time to the first event (or to a given marker) and to the end.
//
//   bench-load --url http://127.0.0.1:PORT/v1/chat/completions
//              [--body JSON | --body-file F] [--header "Name: value"]...
//              [--mix FILE] [--concurrency C] [--requests N | --duration S]
//              [--first TEXT] [--fail-on TEXT] [--json]
//
// C connections (kept alive) each send requests one after another until N
// requests have been sent in all, or S seconds have passed. "first" is the
// time from sending the request to the first body bytes, or with --first
// to the moment the body first contains TEXT; "total" is to the end of the
// response. A request fails on a connection error, a status other than 2xx,
// or a body containing --fail-on TEXT. Prints one summary line (and with
// --json a JSON document of the same numbers, in microseconds).
//
// --mix FILE: a scripted mix instead of one request. Each line of FILE is a
// JSON object {"name", "method"?, "path", "body"? (object or string),
// "headers"? {..}, "weight"? (1), "first"?, "fail_on"?}; requests go to
// --url's host and port, and take the lines in turn, each as often as its
// weight says. "{n}" in a path or body becomes the request's number, so
// that questions or conversations can differ. The summary has a line per
// name as well. "open" is the most responses in progress at once (headers
// received, end not yet), which a capacity run reads.
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

struct Results {
  std::vector<double> first_us;
  std::vector<double> total_us;
  long errors = 0;
  std::string first_error;
};

// One kind of request: the whole load without --mix, a line of the mix with it.
struct Kind {
  std::string name = "request";
  http::verb method = http::verb::get;
  std::string target = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string first;
  std::string fail_on;
  int weight = 1;
  Results results;
};

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "80";
  Kind request;  // --url's path, --body, --header, --first, --fail-on
  std::string mix_file;
  int concurrency = 1;
  long requests = 100;
  double duration_s = 0;
  bool as_json = false;
};

// The whole run's shared state (one thread: no locks).
struct Load {
  std::vector<Kind> kinds;
  std::vector<std::size_t> schedule;  // kind indices, each repeated by its weight
  long sent = 0;
  long open = 0;
  long peak_open = 0;
  Results all;
};

std::string with_number(const std::string& text, long n) {
  std::string out = text;
  const std::string mark = "{n}";
  const std::string value = std::to_string(n);
  for (auto at = out.find(mark); at != std::string::npos; at = out.find(mark, at + value.size())) {
    out.replace(at, mark.size(), value);
  }
  return out;
}

// Reads --mix FILE; an empty optional (after a message) when a line is wrong.
std::optional<std::vector<Kind>> read_mix(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "bench-load: cannot read " << file << "\n";
    return std::nullopt;
  }
  std::vector<Kind> kinds;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    const auto* o = ec ? nullptr : v.if_object();
    const auto* path = o ? o->if_contains("path") : nullptr;
    if (!path || !path->is_string()) {
      std::cerr << "bench-load: " << file << ":" << number << ": not a JSON object with a \"path\"\n";
      return std::nullopt;
    }
    Kind k;
    k.target = std::string(path->as_string());
    if (const auto* n = o->if_contains("name"); n && n->is_string()) k.name = std::string(n->as_string());
    if (const auto* b = o->if_contains("body"))
      k.body = b->is_string() ? std::string(b->as_string()) : json::serialize(*b);
    k.method = k.body.empty() ? http::verb::get : http::verb::post;
    if (const auto* m = o->if_contains("method"); m && m->is_string()) {
      k.method = http::string_to_verb(std::string(m->as_string()));
      if (k.method == http::verb::unknown) {
        std::cerr << "bench-load: " << file << ":" << number << ": unknown method\n";
        return std::nullopt;
      }
    }
    if (const auto* h = o->if_contains("headers"); h && h->is_object()) {
      for (const auto& [name, value] : h->as_object()) {
        if (value.is_string()) k.headers.emplace_back(std::string(name), std::string(value.as_string()));
      }
    }
    if (const auto* w = o->if_contains("weight"); w && w->is_int64())
      k.weight = static_cast<int>(std::clamp<std::int64_t>(w->as_int64(), 1, 1000));
    if (const auto* f = o->if_contains("first"); f && f->is_string()) k.first = std::string(f->as_string());
    if (const auto* f = o->if_contains("fail_on"); f && f->is_string()) k.fail_on = std::string(f->as_string());
    kinds.push_back(std::move(k));
  }
  if (kinds.empty()) {
    std::cerr << "bench-load: " << file << " has no requests\n";
    return std::nullopt;
  }
  return kinds;
}

bool parse_url(const std::string& url, Options& o) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  o.request.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  o.host = authority.substr(0, colon);
  o.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  return !o.host.empty();
}

class Worker {
 public:
  Worker(const Options& o, const tcp::resolver::results_type& endpoints, std::atomic<long>& left,
         Clock::time_point deadline, Load& load)
      : o_(o), endpoints_(endpoints), left_(left), deadline_(deadline), load_(load) {}

  asio::awaitable<void> run() {
    auto ex = co_await asio::this_coro::executor;
    std::optional<tcp::socket> socket;
    beast::flat_buffer buffer;
    while (more()) {
      if (!socket) {
        socket.emplace(ex);
        auto [ec, ep] = co_await asio::async_connect(*socket, endpoints_, asio::as_tuple(asio::use_awaitable));
        if (ec) {
          fail(load_.all, "connect: " + ec.message());
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

  static void fail(Results& r, std::string why) {
    ++r.errors;
    if (r.first_error.empty()) r.first_error = std::move(why);
  }

  void fail(Kind& kind, const std::string& why) {
    fail(kind.results, why);
    if (load_.kinds.size() > 1) {
      fail(load_.all, kind.name + ": " + why);
    } else {
      fail(load_.all, why);
    }
  }

  // Counts a response in progress while it lives.
  struct Open {
    explicit Open(Load& l) : load(l) { load.peak_open = std::max(load.peak_open, ++load.open); }
    ~Open() { --load.open; }
    Open(const Open&) = delete;
    Open& operator=(const Open&) = delete;
    Load& load;
  };

  // One request on the connection; whether it can be used again.
  asio::awaitable<bool> one(tcp::socket& socket, beast::flat_buffer& buffer) {
    const long number = load_.sent++;
    Kind& kind = load_.kinds[load_.schedule[static_cast<std::size_t>(number) % load_.schedule.size()]];
    http::request<http::string_body> req{kind.method, with_number(kind.target, number), 11};
    req.set(http::field::host, o_.host);
    if (!kind.body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : kind.headers) req.set(k, v);
    req.body() = with_number(kind.body, number);
    req.keep_alive(true);
    req.prepare_payload();

    auto t0 = Clock::now();
    auto [wec, wn] = co_await http::async_write(socket, req, asio::as_tuple(asio::use_awaitable));
    if (wec) {
      fail(kind, "write: " + wec.message());
      co_return false;
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await http::async_read_header(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (hec) {
      fail(kind, "read: " + hec.message());
      co_return false;
    }
    Open open(load_);
    const int status = static_cast<int>(parser.get().result_int());
    std::optional<double> first;
    std::string window;  // the body's last bytes, to find markers cut between reads
    bool failed_marker = false;
    char data[16384];
    while (!parser.is_done()) {
      parser.get().body().data = data;
      parser.get().body().size = sizeof data;
      auto [ec, n] = co_await http::async_read_some(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        fail(kind, "read: " + ec.message());
        co_return false;
      }
      std::size_t got = sizeof data - parser.get().body().size;
      if (got == 0) continue;
      window.append(data, got);
      if (!first && (kind.first.empty() || window.find(kind.first) != std::string::npos)) {
        first = devagent::bench::micros_since(t0);
      }
      if (!kind.fail_on.empty() && window.find(kind.fail_on) != std::string::npos) failed_marker = true;
      std::size_t keep = std::max(kind.first.size(), kind.fail_on.size());
      if (window.size() > keep) window.erase(0, window.size() - keep);
    }
    double total = devagent::bench::micros_since(t0);
    if (status < 200 || status > 299) {
      fail(kind, "status " + std::to_string(status));
    } else if (failed_marker) {
      fail(kind, "body contains " + kind.fail_on);
    } else {
      for (Results* r : {&kind.results, &load_.all}) {
        r->first_us.push_back(first.value_or(total));
        r->total_us.push_back(total);
      }
    }
    co_return parser.get().keep_alive();
  }

  const Options& o_;
  const tcp::resolver::results_type& endpoints_;
  std::atomic<long>& left_;
  Clock::time_point deadline_;
  Load& load_;
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
      o.request.body = *v;
    } else if (k == "--body-file") {
      std::ifstream in(*v);
      std::stringstream s;
      s << in.rdbuf();
      o.request.body = s.str();
    } else if (k == "--mix") {
      o.mix_file = *v;
    } else if (k == "--header") {
      auto colon = v->find(':');
      if (colon == std::string::npos) return std::nullopt;
      auto value_at = v->find_first_not_of(' ', colon + 1);
      o.request.headers.emplace_back(v->substr(0, colon), value_at == std::string::npos ? "" : v->substr(value_at));
    } else if (k == "--concurrency") {
      o.concurrency = std::max(1, std::atoi(v->c_str()));
    } else if (k == "--requests") {
      o.requests = std::max(1L, std::atol(v->c_str()));
    } else if (k == "--duration") {
      o.duration_s = std::atof(v->c_str());
    } else if (k == "--first") {
      o.request.first = *v;
    } else if (k == "--fail-on") {
      o.request.fail_on = *v;
    } else {
      return std::nullopt;
    }
  }
  if (!have_url) return std::nullopt;
  return o;
}

json::object numbers(const Results& r, double elapsed) {
  const auto& f = r.first_us;
  const auto& t = r.total_us;
  return json::object{
      {"ok", t.size()},
      {"errors", r.errors},
      {"requests_per_s", elapsed > 0 ? static_cast<double>(t.size()) / elapsed : 0},
      {"first_us", {{"p50", percentile(f, 0.5)}, {"p95", percentile(f, 0.95)}, {"p99", percentile(f, 0.99)}}},
      {"total_us", {{"p50", percentile(t, 0.5)}, {"p95", percentile(t, 0.95)}, {"p99", percentile(t, 0.99)}}}};
}

void print_line(const std::string& label, const Results& r, double elapsed) {
  auto ms = [](double us) { return us / 1000.0; };
  const auto& f = r.first_us;
  const auto& t = r.total_us;
  double rps = elapsed > 0 ? static_cast<double>(t.size()) / elapsed : 0;
  std::printf(
      "%s: %zu ok, %ld errors, %.0f req/s; first p50 %.3f ms p95 %.3f ms p99 %.3f ms; total p50 %.3f ms p99 %.3f "
      "ms%s%s\n",
      label.c_str(), t.size(), r.errors, rps, ms(percentile(f, 0.5)), ms(percentile(f, 0.95)), ms(percentile(f, 0.99)),
      ms(percentile(t, 0.5)), ms(percentile(t, 0.99)),
      r.first_error.empty() ? "" : "; first error: ", r.first_error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  if (!o) {
    std::cerr << "usage: bench-load --url http://HOST:PORT/PATH [--body JSON | --body-file F] [--header 'N: V']...\n"
                 "                  [--mix FILE] [--concurrency C] [--requests N | --duration S] [--first TEXT]\n"
                 "                  [--fail-on TEXT] [--json]\n";
    return 2;
  }
  Load load;
  if (o->mix_file.empty()) {
    o->request.method = o->request.body.empty() ? http::verb::get : http::verb::post;
    load.kinds.push_back(o->request);
  } else {
    auto kinds = read_mix(o->mix_file);
    if (!kinds) return 2;
    load.kinds = std::move(*kinds);
    for (auto& k : load.kinds) {  // --header applies to every line too
      k.headers.insert(k.headers.begin(), o->request.headers.begin(), o->request.headers.end());
    }
  }
  for (std::size_t i = 0; i < load.kinds.size(); ++i) {
    for (int w = 0; w < load.kinds[i].weight; ++w) load.schedule.push_back(i);
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
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o->duration_s));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < o->concurrency; ++i) {
    workers.push_back(std::make_unique<Worker>(*o, endpoints, left, deadline, load));
    asio::co_spawn(ioc, workers.back()->run(), asio::detached);
  }
  ioc.run();
  double elapsed = devagent::bench::seconds_since(start);

  const std::string target = o->mix_file.empty() ? o->request.target : "mix";
  const std::string where = o->host + (o->mix_file.empty() ? target : " mix");
  print_line("load " + where + " c=" + std::to_string(o->concurrency) + " open " + std::to_string(load.peak_open),
             load.all, elapsed);
  if (load.kinds.size() > 1) {
    for (const auto& k : load.kinds) print_line("  " + k.name, k.results, elapsed);
  }
  if (o->as_json) {
    json::object j = numbers(load.all, elapsed);
    j["target"] = target;
    j["concurrency"] = o->concurrency;
    j["seconds"] = elapsed;
    j["peak_open"] = load.peak_open;
    if (load.kinds.size() > 1) {
      json::array kinds;
      for (const auto& k : load.kinds) {
        auto one = numbers(k.results, elapsed);
        one["name"] = k.name;
        kinds.push_back(std::move(one));
      }
      j["kinds"] = std::move(kinds);
    }
    std::printf("%s\n", json::serialize(j).c_str());
  }
  return load.all.errors == 0 ? 0 : 1;
}
