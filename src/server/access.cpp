#include "server/access.h"

#include "core/blocking.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "server/exchange.h"
#include "store/store.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>

namespace devagent::server {
namespace asio = boost::asio;

namespace {

constexpr std::string_view kWebSocketRoute = "/api/v1/ws";

struct AccessMetrics {
  metrics::Family<metrics::Counter>& limited;
  metrics::Family<metrics::Counter>& unauthorized;

  static AccessMetrics& get() {
    auto& r = metrics::registry();
    static AccessMetrics m{
        r.counter("http_limited_requests_total", "Requests refused with 429 by a limit, by reason.", {"reason"}),
        r.counter("http_unauthorized_requests_total", "Requests refused with 401, by reason.", {"reason"}),
    };
    return m;
  }
};

// Whether the request holds a stream open for as long as it runs: the
// WebSocket, resuming a run's events, and the chat APIs when they stream
// (POST /api/v1/chat unless "stream": false or ?stream=false; the OpenAI
// API only with "stream": true).
bool holds_stream(const Exchange& ex) {
  const std::string& route = ex.route();
  if (route == kWebSocketRoute || route == "/api/v1/runs/{id}/events") return true;
  bool chat = route == "/api/v1/chat";
  if (!chat && route != "/v1/chat/completions") return false;
  if (chat) {
    auto q = ex.query("stream");
    if (q && (*q == "false" || *q == "0")) return false;
  }
  boost::system::error_code ec;
  auto body = boost::json::parse(ex.request().body(), ec);
  const boost::json::value* stream = (!ec && body.is_object()) ? body.as_object().if_contains("stream") : nullptr;
  if (!stream || !stream->is_bool()) return chat;
  return stream->as_bool();
}

std::string shown(std::string_view presented) {
  return std::string(presented.substr(0, std::min(presented.size(), kPrefixLength)));
}

}  // namespace

AccessOptions AccessOptions::from(const config::Config& c) {
  AccessOptions o;
  o.rpm = c.integer("auth.rpm");
  o.streams = c.integer("auth.streams");
  o.ip_rpm = c.integer("auth.ip_rpm");
  o.open_routes = c.list("auth.open_routes");
  o.stream_lease = c.duration("auth.stream_lease");
  o.shared_limits = c.str("store.driver") == "postgres";
  return o;
}

bool loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

void count_limited(std::string_view reason) { AccessMetrics::get().limited.labels({std::string(reason)}).inc(); }

// Keeps a shared-mode stream lease alive while the stream runs.
struct LeaseRenewal {
  explicit LeaseRenewal(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  bool done = false;
};

struct AccessGate::Verdict {
  unsigned status = 200;  // 200: admitted
  std::string type;
  std::string message;
  std::string reason;  // the metrics label of a refusal
  std::chrono::seconds retry_after{0};
  Caller caller;
  std::string lease;
};

AccessGate::AccessGate(store::Database& db, AccessOptions options, std::string listen_host)
    : keys_(db),
      options_(std::move(options)),
      host_(std::move(listen_host)),
      loopback_(loopback_host(host_)),
      limiter_(options_.shared_limits ? &db : nullptr) {
  AccessMetrics::get();  // the series exist from the start
}

AccessGate::~AccessGate() = default;

Result<> AccessGate::check_listen() {
  if (loopback_) return {};
  auto active = keys_.any_active();
  if (!active) return active.error();
  if (*active) return {};
  return make_error(ErrorKind::config,
                    "refusing to serve on " + host_ +
                        " without API keys: anyone who can reach it could use it and spend its budgets. Create "
                        "a key with `devagent keys create --name NAME`, or listen on 127.0.0.1");
}

AccessGate::Verdict AccessGate::decide(const Exchange& ex, const std::optional<std::string>& presented, bool streams,
                                       std::int64_t now) {
  Verdict v;
  auto fail = [&v](unsigned status, std::string type, std::string reason, std::string message) {
    v.status = status;
    v.type = std::move(type);
    v.reason = std::move(reason);
    v.message = std::move(message);
    return v;
  };
  auto store_failed = [&](const Error& e) {
    log::error("access: the store failed", "request_id", ex.request_id(), "error", e.message);
    return fail(503, "unavailable", "store", "cannot check the request's API key now; try again");
  };

  auto active = keys_.any_active();
  if (!active) return store_failed(active.error());
  bool open_route = std::find(options_.open_routes.begin(), options_.open_routes.end(), ex.route()) !=
                    options_.open_routes.end();
  if (open_route) {
    if (!*active) return v;  // open mode: nothing to limit per address
    auto hit = limiter_.hit("ip:" + ex.peer(), options_.ip_rpm, now);
    if (!hit) return store_failed(hit.error());
    if (!hit->allowed) {
      v = fail(429, "rate_limited", "ip_rpm",
               "rate limit of " + std::to_string(options_.ip_rpm) + " requests per minute from " + ex.peer() +
                   " reached; retry in " + std::to_string(hit->retry_after.count()) + " s");
      v.retry_after = hit->retry_after;
    }
    return v;
  }
  if (!*active) {
    // Open mode on loopback: no key, no limits. A key sent anyway is ignored:
    // clients such as the OpenAI SDK always send one ("unused", a placeholder).
    if (loopback_) return v;
    return fail(401, "unauthorized", "open_mode",
                "this server has no API key and is not on a loopback address, so it serves no one; create "
                "a key with `devagent keys create`");
  }

  if (!presented) {
    return fail(401, "unauthorized", "missing_key",
                "an API key is required: send \"Authorization: Bearer <key>\" or \"X-Api-Key: <key>\"");
  }
  auto found = keys_.find(*presented);
  if (!found) return store_failed(found.error());
  if (!*found) return fail(401, "unauthorized", "unknown_key", "the API key " + shown(*presented) + "... is not valid");
  const ApiKey& key = **found;
  if (key.revoked()) {
    return fail(401, "unauthorized", "revoked_key",
                "the API key " + key.prefix + "... (" + key.name + ") was revoked; ask for a new one");
  }

  std::int64_t rpm = key.limits.rpm.value_or(options_.rpm);
  auto hit = limiter_.hit("key:" + key.id, rpm, now);
  if (!hit) return store_failed(hit.error());
  if (!hit->allowed) {
    v = fail(429, "rate_limited", "rpm",
             "rate limit of " + std::to_string(rpm) + " requests per minute reached for the API key " + key.prefix +
                 "...; retry in " + std::to_string(hit->retry_after.count()) + " s");
    v.retry_after = hit->retry_after;
    return v;
  }
  if (streams) {
    std::int64_t max = key.limits.streams.value_or(options_.streams);
    auto lease = limiter_.acquire_stream(key.id, max, options_.stream_lease, now);
    if (!lease) return store_failed(lease.error());
    if (!*lease) {
      v = fail(429, "rate_limited", "streams",
               "the API key " + key.prefix + "... already has " + std::to_string(max) +
                   " streams open, its limit; close one and retry");
      v.retry_after = std::chrono::seconds(1);
      return v;
    }
    v.lease = **lease;
  }
  if (auto touched = keys_.touch(key, now); !touched) {
    log::warn("access: recording a key's use failed", "key_id", key.id, "error", touched.error().message);
  }
  v.caller.principal = key.id;
  v.caller.daily_tokens = key.limits.daily_tokens;
  return v;
}

asio::awaitable<std::optional<AccessGate::Pass>> AccessGate::admit(Exchange& ex) {
  auto presented = presented_key(ex.header("Authorization"), ex.header("X-Api-Key"));
  if (!presented && ex.route() == kWebSocketRoute) {
    if (auto token = ex.query("access_token"); token && !token->empty()) presented = std::move(*token);
  }
  bool streams = holds_stream(ex);
  std::int64_t now = store::now_ms();
  // Filled in place: GCC 12 can destroy an aggregate returned through
  // co_await twice (docs/architecture.md, "Coroutine rules").
  Verdict verdict;
  co_await run_admission([&] {
    verdict = decide(ex, presented, streams, now);
    return true;
  });

  if (verdict.status != 200) {
    auto& m = AccessMetrics::get();
    if (verdict.status == 429) m.limited.labels({verdict.reason}).inc();
    if (verdict.status == 401) m.unauthorized.labels({verdict.reason}).inc();
    Headers headers;
    if (verdict.retry_after.count() > 0) headers.emplace_back("Retry-After", std::to_string(verdict.retry_after.count()));
    if (verdict.status == 401) headers.emplace_back("WWW-Authenticate", "Bearer realm=\"devagent\"");
    co_await ex.reply_error(verdict.status, verdict.type, verdict.message, headers);
    co_return std::nullopt;
  }
  ex.set_caller(verdict.caller);
  Pass pass;
  pass.lease = verdict.lease;
  if (pass.lease.empty() || !limiter_.shared()) co_return pass;

  // Renews the lease at a third of its life until the stream ends.
  auto renewal = std::make_shared<LeaseRenewal>(co_await asio::this_coro::executor);
  pass.renewal = renewal;
  auto renew = [this, renewal, lease = pass.lease]() -> asio::awaitable<void> {
    while (!renewal->done) {
      renewal->timer.expires_after(options_.stream_lease / 3);
      co_await renewal->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (renewal->done) break;
      std::int64_t at = store::now_ms();
      auto renewed = co_await run_admission([&] { return limiter_.renew_stream(lease, options_.stream_lease, at); });
      if (!renewed) log::warn("access: renewing a stream lease failed", "error", renewed.error().message);
    }
  };
  asio::co_spawn(renewal->timer.get_executor(), std::move(renew), asio::detached);
  co_return pass;
}

asio::awaitable<void> AccessGate::release(Pass pass) {
  if (pass.renewal) {
    pass.renewal->done = true;
    pass.renewal->timer.cancel();
  }
  if (pass.lease.empty()) co_return;
  auto released = co_await run_admission([&] { return limiter_.release_stream(pass.lease); });
  if (!released) log::warn("access: releasing a stream lease failed", "error", released.error().message);
}

}  // namespace devagent::server
