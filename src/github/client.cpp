// The GitHub REST client (contract in client.h): one request path that
// checks the rate-limit state, sends a conditional GET, waits or fails on
// GitHub's limits and keeps the ETag cache; pagination and the normalised
// search documents on top of it.
#include "github/client.h"

#include "core/blocking.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/text.h"
#include "core/version.h"
#include "http/client.h"
#include "store/store.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace devagent::github {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using SystemClock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr std::string_view kAccept = "application/vnd.github+json";
constexpr std::string_view kApiVersion = "2022-11-28";
// GitHub: "If your request continues to fail due to a secondary rate limit,
// wait for an exponentially increasing amount of time between retries, and
// throw an error after a specific number of retries."
constexpr int kMaxRateLimitRetries = 3;
constexpr int kMaxRedirects = 3;
constexpr std::chrono::seconds kSecondaryWait{60};  // "wait for at least one minute"
constexpr std::chrono::hours kCacheKeepUnused{24 * 30};
constexpr std::size_t kMaxQueryChars = 1000;
constexpr int kMaxSearchResults = 1000;  // GitHub serves the first 1000 results of a search
constexpr std::size_t kMaxMessageChars = 300;
const std::string kSecondaryKey = "*secondary";

// ------------------------------------------------------------------ text

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// RFC 3986: everything but the unreserved characters is %XX, so a value can
// never add a parameter or a path segment.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
      continue;
    }
    auto b = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// User input quoted in an error message: bounded, control characters hidden.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 100)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  if (s.size() > 100) out += "...";
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

// "12:34:56 UTC"
std::string clock_time(SystemClock::time_point t) {
  std::time_t tt = SystemClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S UTC", &tm);
  return buf;
}

// "in 41 min"
std::string describe_wait(milliseconds d) {
  auto s = std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::seconds>(d).count());
  if (s < 60) return "in " + std::to_string(s) + " s";
  auto m = (s + 30) / 60;
  if (m < 60) return "in " + std::to_string(m) + " min";
  return "in " + std::to_string(m / 60) + " h " + std::to_string(m % 60) + " min";
}

// GitHub's error bodies are {"message": "...", "documentation_url": "..."}.
std::string github_message(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  auto* m = v.as_object().if_contains("message");
  if (!m || !m->is_string()) return "";
  std::string s(m->as_string());
  if (s.size() > kMaxMessageChars) s = s.substr(0, kMaxMessageChars) + "...";
  return printable(s);
}

// The path of a URL relative to the API base, without its query.
std::string path_of(std::string_view relative) {
  return std::string(relative.substr(0, relative.find('?')));
}

// The rate-limit resource a request counts against (x-ratelimit-resource).
std::string resource_of(std::string_view path) {
  if (path.starts_with("/search/code")) return "code_search";
  if (path.starts_with("/search/")) return "search";
  return "core";
}

// Checks an already-encoded path for get(): no dot segments, nothing that
// could leave the path.
bool safe_api_path(std::string_view p) {
  if (p.empty() || p.front() != '/' || p.starts_with("//")) return false;
  for (char c : p) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#' || c == '\\') return false;
  }
  std::string_view path = p.substr(0, p.find('?'));
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto seg = path.substr(start, end - start);
    if (seg == "." || seg == ".." || ascii_lower(seg) == "%2e" || ascii_lower(seg) == "%2e%2e") return false;
    start = end + 1;
  }
  return true;
}

// A path inside a repository, each segment percent-encoded.
Result<std::string> encode_repo_path(std::string_view path) {
  if (path.ends_with('/')) path.remove_suffix(1);
  if (path.empty()) return std::string();
  if (path.front() == '/') {
    return make_error(ErrorKind::invalid_argument, "path '" + printable(path) + "' must be relative to the repository");
  }
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto seg = path.substr(start, end - start);
    bool control = std::any_of(seg.begin(), seg.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (seg.empty() || seg == "." || seg == ".." || control || seg.find('\\') != std::string_view::npos) {
      return make_error(ErrorKind::invalid_argument,
                        "path '" + printable(path) + "' has an empty, '.', '..' or malformed segment");
    }
    if (!out.empty()) out += '/';
    out += percent_encode(seg);
    start = end + 1;
  }
  return out;
}

// ------------------------------------------------------ JSON normalising

using devagent::json::value_or_null;

// The SPDX id; GitHub says NOASSERTION for a license it cannot name, then
// its name ("Other") is the better answer.
json::value license_of(const json::object& repo) {
  auto* l = repo.if_contains("license");
  if (!l || !l->is_object()) return nullptr;
  std::string spdx = devagent::json::string_or(l->as_object(), "spdx_id");
  if (!spdx.empty() && spdx != "NOASSERTION") return json::value(spdx);
  std::string name = devagent::json::string_or(l->as_object(), "name");
  return name.empty() ? json::value(nullptr) : json::value(name);
}

json::object repository_item(const json::object& r) {
  json::object o;
  o["full_name"] = value_or_null(r, "full_name");
  o["description"] = value_or_null(r, "description");
  o["html_url"] = value_or_null(r, "html_url");
  o["language"] = value_or_null(r, "language");
  o["stars"] = devagent::json::int_or(r, "stargazers_count");
  o["forks"] = devagent::json::int_or(r, "forks_count");
  o["open_issues"] = devagent::json::int_or(r, "open_issues_count");
  o["updated_at"] = value_or_null(r, "updated_at");
  auto* topics = r.if_contains("topics");
  o["topics"] = topics && topics->is_array() ? *topics : json::value(json::array());
  o["license"] = license_of(r);
  return o;
}

json::object code_item(const json::object& c) {
  json::object o;
  json::value repo = nullptr;
  if (auto* r = c.if_contains("repository"); r && r->is_object()) repo = value_or_null(r->as_object(), "full_name");
  o["repository"] = repo;
  o["path"] = value_or_null(c, "path");
  o["html_url"] = value_or_null(c, "html_url");
  o["score"] = value_or_null(c, "score");
  return o;
}

Result<int> check_limit(int limit) {
  if (limit < 1) return make_error(ErrorKind::invalid_argument, "limit must be at least 1");
  return std::min(limit, kMaxSearchResults);
}

// Waits on a timer on the caller's executor; false when cancelled first.
asio::awaitable<bool> sleep_for(milliseconds d, CancelToken cancel) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, d);
  auto reg = cancel.on_cancel([timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !cancel.cancelled();
}

Error cancelled_error() {
  return make_error(ErrorKind::cancelled, "GitHub request cancelled");
}

// ------------------------------------------------------------ rate limits

// Until when a resource must not be asked; secondary limits apply to all.
struct Block {
  SystemClock::time_point until;
  std::string resource;
  bool secondary = false;
};

// What GitHub said about its limits, shared by every call of a client.
class RateLimits {
 public:
  std::optional<Block> blocked(const std::string& resource, SystemClock::time_point now) const {
    std::lock_guard lock(mu_);
    std::optional<Block> out;
    auto consider = [&](const std::string& key, bool secondary) {
      auto it = until_.find(key);
      if (it == until_.end() || it->second <= now) return;
      if (!out || it->second > out->until) out = Block{it->second, resource, secondary};
    };
    consider(resource, false);
    consider(kSecondaryKey, true);
    return out;
  }

  void block(const std::string& key, SystemClock::time_point until) {
    std::lock_guard lock(mu_);
    auto& u = until_[key];
    u = std::max(u, until);
  }

  // Secondary limits in a row (the wait doubles with each), and the end of a streak.
  int secondary_hit() {
    std::lock_guard lock(mu_);
    return ++secondary_streak_;
  }
  void answered() {
    std::lock_guard lock(mu_);
    secondary_streak_ = 0;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, SystemClock::time_point> until_;
  int secondary_streak_ = 0;
};

bool is_rate_limited(const http::Response& r) {
  unsigned s = r.head.status;
  if (s == 429) return true;
  if (s != 403) return false;
  if (!r.head.header("retry-after").empty()) return true;
  if (trim(r.head.header("x-ratelimit-remaining")) == "0") return true;
  return ascii_lower(github_message(r.body)).find("rate limit") != std::string::npos;
}

struct CacheEntry {
  std::string etag;
  std::string last_modified;
  std::string link;
  std::string body;
};

}  // namespace

// ------------------------------------------------------- free functions

GitHubOptions GitHubOptions::from(const config::Config& config) {
  GitHubOptions o;
  o.api_url = config.str("github.api_url");
  o.token = config.str("github.token");
  o.timeout = config.duration("github.timeout");
  o.max_wait = config.duration("github.max_wait");
  o.max_pages = static_cast<int>(config.integer("github.max_pages"));
  o.cache_max_body = config.size("github.cache_max_body");
  o.cache_max_entries = config.integer("github.cache_max_entries");
  return o;
}

Result<RepositoryName> parse_repository_name(std::string_view s) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::invalid_argument,
                      "'" + printable(s) + "' is not a GitHub repository name (owner/name): " + std::string(why));
  };
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return bad("no '/'");
  std::string_view owner = s.substr(0, slash);
  std::string_view name = s.substr(slash + 1);
  if (name.find('/') != std::string_view::npos) return bad("more than one '/'");
  if (owner.empty() || owner.size() > 100) return bad("the owner must have 1 to 100 characters");
  if (name.empty() || name.size() > 100) return bad("the name must have 1 to 100 characters");
  if (owner.front() == '-') return bad("the owner cannot start with '-'");
  for (char c : owner) {
    if (!is_alnum(c) && c != '-' && c != '_') return bad("the owner may hold only letters, digits, '-' and '_'");
  }
  for (char c : name) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
      return bad("the name may hold only letters, digits, '.', '-' and '_'");
    }
  }
  if (name == "." || name == "..") return bad("the name cannot be '.' or '..'");
  return RepositoryName{std::string(owner), std::string(name)};
}

Result<std::string> build_search_query(std::string_view query, std::string_view language) {
  std::string_view q = trim(query);
  if (q.empty()) return make_error(ErrorKind::invalid_argument, "the search query is empty");
  if (q.size() > kMaxQueryChars) {
    return make_error(ErrorKind::invalid_argument, "the search query has " + std::to_string(q.size()) +
                                                       " characters; at most " + std::to_string(kMaxQueryChars));
  }
  std::string out;
  for (char c : q) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  std::string_view lang = trim(language);
  if (lang.empty()) return out;
  for (char c : lang) {
    if (!is_alnum(c) && c != ' ' && c != '+' && c != '#' && c != '-' && c != '.' && c != '_') {
      return make_error(ErrorKind::invalid_argument,
                        "language '" + printable(lang) + "' may hold only letters, digits, spaces and + # - . _");
    }
  }
  out += " language:";
  out += lang.find(' ') == std::string_view::npos ? std::string(lang) : "\"" + std::string(lang) + "\"";
  return out;
}

std::string next_link(std::string_view header) {
  std::size_t pos = 0;
  while ((pos = header.find('<', pos)) != std::string_view::npos) {
    auto close = header.find('>', pos);
    if (close == std::string_view::npos) break;
    std::string_view url = header.substr(pos + 1, close - pos - 1);
    auto following = header.find('<', close);
    std::string_view params =
        header.substr(close + 1, following == std::string_view::npos ? std::string_view::npos : following - close - 1);
    // params: ; rel="next"; title="..."   (rel may hold several space-separated relations)
    std::size_t start = 0;
    while (start < params.size()) {
      auto semi = params.find_first_of(";,", start);
      if (semi == std::string_view::npos) semi = params.size();
      std::string param = ascii_lower(trim(params.substr(start, semi - start)));
      start = semi + 1;
      if (!param.starts_with("rel")) continue;
      auto eq = param.find('=');
      if (eq == std::string::npos || trim(std::string_view(param).substr(3, eq - 3)) != "") continue;
      std::string value(trim(std::string_view(param).substr(eq + 1)));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      std::size_t i = 0;
      while (i < value.size()) {
        auto sp = value.find(' ', i);
        if (sp == std::string::npos) sp = value.size();
        if (value.substr(i, sp - i) == "next") return std::string(trim(url));
        i = sp + 1;
      }
    }
    pos = close + 1;
  }
  return "";
}

// ------------------------------------------------------------------ Impl

struct GitHubClient::Impl {
  http::Client& http;
  store::Database* db;
  GitHubOptions options;
  std::string base;            // api_url without a trailing '/'
  std::string token_identity;  // a hash of the token: cache keys differ per token, the token is not stored
  std::string user_agent = std::string("devagent/") + kVersion;
  RateLimits limits;

  Impl(http::Client& h, store::Database* d, GitHubOptions o) : http(h), db(d), options(std::move(o)) {
    base = options.api_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    token_identity = options.token.empty() ? "anonymous" : sha256_hex("devagent github token\n" + options.token);
  }

  // The one request path: see client.h for the rules it follows. GitHub
  // answers a renamed or transferred repository with a redirect to
  // /repositories/<id>; those are followed while they stay on this API.
  asio::awaitable<Result<ApiResponse>> request(std::string url, std::string not_found, CancelToken cancel) {
    for (int hop = 0;; ++hop) {
      auto answer = co_await request_at(url, not_found, cancel);
      if (!answer) co_return answer.error();
      if (answer->redirect_to.empty()) co_return std::move(answer->response);
      std::string next = absolute(answer->redirect_to);
      if (hop >= kMaxRedirects || !next.starts_with(base + "/")) {
        co_return make_error(ErrorKind::unavailable, "GitHub redirected " + path_of(url.substr(base.size())) +
                                                         " to a location outside " + base + "; not followed");
      }
      url = std::move(next);
    }
  }

  // A response, or where GitHub redirected the request.
  struct Answer {
    ApiResponse response;
    std::string redirect_to;
  };

  // A Location header made absolute ("/repositories/1" on this API's origin).
  std::string absolute(const std::string& location) const {
    if (!location.starts_with("/") || location.starts_with("//")) return location;
    auto scheme_end = base.find("://");
    auto path_start = scheme_end == std::string::npos ? std::string::npos : base.find('/', scheme_end + 3);
    return (path_start == std::string::npos ? base : base.substr(0, path_start)) + location;
  }

  asio::awaitable<Result<Answer>> request_at(std::string url, std::string not_found, CancelToken cancel) {
    if (cancel.cancelled()) co_return cancelled_error();
    const std::string relative = url.substr(base.size());
    const std::string resource = resource_of(relative);
    const std::string key = cache_key(url);
    std::optional<CacheEntry> cached;
    if (db) cached = co_await run_blocking([&] { return cache_lookup(key); });

    for (int attempt = 0;; ++attempt) {
      auto ready = co_await wait_for_limits(resource, cancel);
      if (!ready) co_return ready.error();
      http::Request req = build_request(url, cached ? &*cached : nullptr);
      auto res = co_await http.fetch(req, cancel);
      if (!res) co_return transport_error(res.error());
      const auto now = SystemClock::now();
      log::debug("github response", "path", path_of(relative), "status", res->head.status);
      if (is_rate_limited(*res)) {
        Block b = record_limit(res->head, resource, now);
        std::string limit = b.secondary ? std::string("secondary") : resource;  // a named local: GCC 12 rule
        log::warn("github rate limited", "path", path_of(relative), "status", res->head.status, "limit", limit,
                  "retry_at", clock_time(b.until));
        if (attempt >= kMaxRateLimitRetries) co_return rate_limit_error(b, now);
        continue;
      }
      limits.answered();
      note_exhaustion(res->head, resource);
      unsigned status = res->head.status;
      Answer answer;
      if (status == 301 || status == 302 || status == 307 || status == 308) {
        answer.redirect_to = res->head.header("location");
        if (answer.redirect_to.empty()) co_return status_error(*res, relative, not_found);
        co_return answer;
      }
      if (status == 304 && cached) {
        co_await run_blocking([&] { cache_touch(key); });
        auto out = parsed(relative, cached->body, cached->link, true);
        if (!out) co_return out.error();
        answer.response = std::move(*out);
        co_return answer;
      }
      if (status < 200 || status >= 300) co_return status_error(*res, relative, not_found);
      auto out = parsed(relative, res->body, res->head.header("link"), false);
      if (!out) co_return out.error();
      if (db) {
        CacheEntry entry{res->head.header("etag"), res->head.header("last-modified"), res->head.header("link"),
                         std::move(res->body)};
        if ((!entry.etag.empty() || !entry.last_modified.empty()) && entry.body.size() <= options.cache_max_body) {
          co_await run_blocking([&] { cache_store(key, url, entry); });
        }
      }
      answer.response = std::move(*out);
      co_return answer;
    }
  }

  // Waits out a known block when it is short; fails fast when it is not.
  asio::awaitable<Result<>> wait_for_limits(const std::string& resource, CancelToken cancel) {
    for (;;) {
      const auto now = SystemClock::now();
      auto block = limits.blocked(resource, now);
      if (!block) break;
      auto wait = std::chrono::ceil<milliseconds>(block->until - now);
      if (wait > options.max_wait) co_return rate_limit_error(*block, now);
      log::info("waiting for the GitHub rate limit", "resource", resource, "wait_ms", wait.count());
      bool slept = co_await sleep_for(wait, cancel);
      if (!slept) co_return cancelled_error();
    }
    if (cancel.cancelled()) co_return cancelled_error();
    Result<> ok;
    co_return ok;
  }

  // A rate-limited answer: until when to wait, as GitHub documents it.
  Block record_limit(const http::ResponseHead& head, const std::string& resource, SystemClock::time_point now) {
    auto retry_after = parse_int(head.header("retry-after"));
    auto reset = parse_int(head.header("x-ratelimit-reset"));
    bool exhausted = trim(head.header("x-ratelimit-remaining")) == "0";
    Block b;
    b.resource = resource;
    if (retry_after && *retry_after >= 0) {
      b.secondary = true;
      b.until = now + std::chrono::seconds(*retry_after);
      // With both headers, neither may be ignored: wait for the later.
      if (exhausted && reset) b.until = std::max(b.until, SystemClock::from_time_t(static_cast<std::time_t>(*reset)));
    } else if (exhausted && reset) {
      b.until = SystemClock::from_time_t(static_cast<std::time_t>(*reset));
      if (b.until <= now) b.until = now + std::chrono::seconds(1);  // our clock is ahead of GitHub's
    } else {
      b.secondary = true;
      int streak = limits.secondary_hit();
      b.until = now + kSecondaryWait * (1 << std::min(streak - 1, 4));
    }
    limits.block(b.secondary ? kSecondaryKey : resource, b.until);
    return b;
  }

  // A successful answer that used the last request of the window: later
  // calls must not be sent before the reset.
  void note_exhaustion(const http::ResponseHead& head, const std::string& resource) {
    if (trim(head.header("x-ratelimit-remaining")) != "0") return;
    auto reset = parse_int(head.header("x-ratelimit-reset"));
    if (reset) limits.block(resource, SystemClock::from_time_t(static_cast<std::time_t>(*reset)));
  }

  Error rate_limit_error(const Block& b, SystemClock::time_point now) const {
    auto wait = std::chrono::ceil<milliseconds>(b.until - now);
    if (b.secondary) {
      return make_error(ErrorKind::rate_limited, "GitHub secondary rate limit hit; retry after " + clock_time(b.until) +
                                                     " (" + describe_wait(wait) + ")");
    }
    std::string what = b.resource == "search"        ? "GitHub search"
                       : b.resource == "code_search" ? "GitHub code search"
                                                     : "GitHub";
    std::string msg =
        what + " rate limit exhausted; resets at " + clock_time(b.until) + " (" + describe_wait(wait) + ")";
    if (options.token.empty() && b.resource == "core") msg += "; set GITHUB_TOKEN for 5,000 requests/hour";
    if (options.token.empty() && b.resource == "search") msg += "; set GITHUB_TOKEN for 30 searches/minute";
    return make_error(ErrorKind::rate_limited, msg);
  }

  Error transport_error(const Error& e) const {
    switch (e.kind) {
      case ErrorKind::unavailable:
      case ErrorKind::io:
        return make_error(ErrorKind::unavailable, "GitHub cannot be reached at " + base + ": " + e.message);
      case ErrorKind::timeout:
        return make_error(ErrorKind::timeout, "GitHub at " + base + " did not answer in time: " + e.message);
      case ErrorKind::cancelled:
        return cancelled_error();
      default:
        return make_error(e.kind, "GitHub request to " + base + " failed: " + e.message);
    }
  }

  Error status_error(const http::Response& r, const std::string& relative, const std::string& not_found) const {
    unsigned status = r.head.status;
    std::string msg = github_message(r.body);
    std::string path = path_of(relative);
    auto with_message = [&](std::string s) { return msg.empty() ? s : s + ": " + msg; };
    switch (status) {
      case 401:
        if (options.token.empty()) {
          return make_error(ErrorKind::unauthorized,
                            "GitHub requires authentication for " + path + "; set GITHUB_TOKEN");
        }
        return make_error(ErrorKind::unauthorized,
                          with_message("GitHub refused the token (401)") + "; check GITHUB_TOKEN");
      case 403:
        return make_error(ErrorKind::forbidden, with_message("GitHub refused " + path + " (403)"));
      case 404:
      case 410:
        return make_error(ErrorKind::not_found, not_found);
      case 422:
        return make_error(ErrorKind::invalid_argument, with_message("GitHub could not process " + path + " (422)"));
      default:
        return make_error(ErrorKind::unavailable,
                          with_message("GitHub answered " + std::to_string(status) + " for " + path));
    }
  }

  // The body as JSON, and the next page when Link names one on this API.
  Result<ApiResponse> parsed(const std::string& relative, std::string_view body, std::string_view link,
                             bool from_cache) const {
    auto v = devagent::json::parse(body);
    if (!v) {
      return make_error(ErrorKind::unavailable, "GitHub sent a body that is not valid JSON for " + path_of(relative) +
                                                    ": " + v.error().message);
    }
    ApiResponse out;
    out.body = std::move(*v);
    out.from_cache = from_cache;
    std::string next = next_link(link);
    if (!next.empty() && next.starts_with(base + "/")) {
      out.next_url = std::move(next);
    } else if (!next.empty()) {
      log::warn("github Link rel=next ignored: not on the API's origin", "path", path_of(relative));
    }
    return out;
  }

  http::Request build_request(const std::string& url, const CacheEntry* cached) const {
    http::Request req;
    req.method = "GET";
    req.url = url;
    req.headers.emplace_back("Accept", std::string(kAccept));
    req.headers.emplace_back("X-GitHub-Api-Version", std::string(kApiVersion));
    req.headers.emplace_back("User-Agent", user_agent);
    if (!options.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + options.token);
    if (cached && !cached->etag.empty()) req.headers.emplace_back("If-None-Match", cached->etag);
    if (cached && !cached->last_modified.empty()) req.headers.emplace_back("If-Modified-Since", cached->last_modified);
    req.first_byte_timeout = options.timeout;
    req.idle_timeout = options.timeout;
    return req;
  }

  // ---- the ETag cache (blocking: called through run_blocking)

  std::string cache_key(const std::string& url) const { return sha256_hex("GET " + url + "\n" + token_identity); }

  std::optional<CacheEntry> cache_lookup(const std::string& key) const {
    auto rows = db->query("SELECT etag, last_modified, link, body FROM github_cache WHERE cache_key = ?", {key});
    if (!rows) {
      log::warn("github cache not read", "error", rows.error().message);
      return std::nullopt;
    }
    if (rows->rows.empty()) return std::nullopt;
    const auto& r = rows->rows[0];
    return CacheEntry{r.text(0), r.text(1), r.text(2), r.blob(3)};
  }

  void cache_touch(const std::string& key) const {
    auto r = db->execute("UPDATE github_cache SET used_at = ? WHERE cache_key = ?", {store::now_ms(), key});
    if (!r) log::warn("github cache not updated", "error", r.error().message);
  }

  void cache_store(const std::string& key, const std::string& url, const CacheEntry& e) const {
    const std::int64_t now = store::now_ms();
    auto w = db->execute(
        "INSERT INTO github_cache (cache_key, url, etag, last_modified, link, body, stored_at, used_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (cache_key) DO UPDATE SET url = excluded.url, etag = excluded.etag, "
        "last_modified = excluded.last_modified, link = excluded.link, body = excluded.body, "
        "stored_at = excluded.stored_at, used_at = excluded.used_at",
        {key, url, e.etag, e.last_modified, e.link, store::Blob{e.body}, now, now});
    if (!w) {
      log::warn("github cache not written", "error", w.error().message);
      return;
    }
    const std::int64_t cutoff = now - std::chrono::duration_cast<milliseconds>(kCacheKeepUnused).count();
    auto old = db->execute("DELETE FROM github_cache WHERE used_at < ?", {cutoff});
    auto extra = db->execute(
        "DELETE FROM github_cache WHERE cache_key NOT IN "
        "(SELECT cache_key FROM github_cache ORDER BY used_at DESC, cache_key DESC LIMIT ?)",
        {std::max<std::int64_t>(options.cache_max_entries, 1)});
    if (!old || !extra) log::warn("github cache not pruned", "error", (!old ? old : extra).error().message);
  }

  // ---- pagination

  struct Collected {
    json::object first;  // the first page without its items
    json::array items;
    std::string stopped;  // why a later page could not be had; "" when none
  };

  // Follows Link rel="next" from path until limit items, max_pages pages or
  // the last page. Pages are objects with an "items" array (search results).
  asio::awaitable<Result<Collected>> collect(std::string path, std::size_t limit, CancelToken cancel) {
    Collected out;
    std::string url = base + path;
    std::string not_found = "GitHub has no " + path_of(path);
    for (int page = 0; page < options.max_pages && out.items.size() < limit; ++page) {
      auto r = co_await request(url, not_found, cancel);
      if (!r) {
        if (page == 0 || r.error().kind == ErrorKind::cancelled) co_return r.error();
        out.stopped = "page " + std::to_string(page + 1) + " could not be read: " + r.error().message;
        break;
      }
      auto* obj = r->body.if_object();
      auto* items = obj ? obj->if_contains("items") : nullptr;
      if (!items || !items->is_array()) {
        co_return make_error(ErrorKind::unavailable,
                             "GitHub sent " + path_of(path) + " without the documented \"items\" array");
      }
      for (auto& item : items->as_array()) {
        if (out.items.size() >= limit) break;
        out.items.push_back(std::move(item));
      }
      if (page == 0) {
        obj->erase("items");
        out.first = std::move(*obj);
      }
      if (r->next_url.empty()) break;
      url = r->next_url;
    }
    co_return out;
  }

  asio::awaitable<Result<json::value>> get_value(std::string path, std::string not_found, CancelToken cancel) {
    std::string url = base + path;
    auto r = co_await request(url, not_found, cancel);
    if (!r) co_return r.error();
    co_return std::move(r->body);
  }

  asio::awaitable<Result<json::object>> get_object(std::string path, std::string not_found, CancelToken cancel) {
    auto v = co_await get_value(path, not_found, cancel);
    if (!v) co_return v.error();
    if (!v->is_object()) {
      co_return make_error(ErrorKind::unavailable, "GitHub sent " + path + " as something other than a JSON object");
    }
    co_return std::move(v->as_object());
  }

  std::string repo_not_found(const RepositoryName& name) const {
    std::string s = "repository " + name.full() + " not found on GitHub";
    if (options.token.empty()) s += " (a private repository needs GITHUB_TOKEN)";
    return s;
  }

  json::object search_document(std::string_view type, const std::string& q, Collected& got, bool code) const {
    json::object out;
    out["source"] = "github";
    out["type"] = type;
    out["query"] = q;
    out["total_count"] = devagent::json::int_or(got.first, "total_count");
    auto* incomplete = got.first.if_contains("incomplete_results");
    out["incomplete_results"] = (incomplete && incomplete->is_bool() && incomplete->as_bool()) || !got.stopped.empty();
    json::array items;
    for (const auto& v : got.items) {
      if (!v.is_object()) continue;
      items.push_back(code ? code_item(v.as_object()) : repository_item(v.as_object()));
    }
    out["items"] = std::move(items);
    if (!got.stopped.empty()) out["unavailable"] = json::object{{"items", got.stopped}};
    return out;
  }
};

// ------------------------------------------------------------ GitHubClient

GitHubClient::GitHubClient(http::Client& http, store::Database* cache, GitHubOptions options)
    : impl_(std::make_unique<Impl>(http, cache, std::move(options))) {}

GitHubClient::~GitHubClient() = default;

const GitHubOptions& GitHubClient::options() const {
  return impl_->options;
}

asio::awaitable<Result<json::object>> GitHubClient::search_repositories(std::string_view query,
                                                                        std::string_view language,
                                                                        std::string_view sort, int limit,
                                                                        CancelToken cancel) {
  auto q = build_search_query(query, language);
  if (!q) co_return q.error();
  std::string sort_param;
  if (sort == "stars" || sort == "forks" || sort == "updated") {
    sort_param = "&sort=" + std::string(sort) + "&order=desc";
  } else if (!sort.empty() && sort != "best-match") {
    co_return make_error(ErrorKind::invalid_argument,
                         "sort must be best-match, stars, forks or updated, not '" + printable(sort) + "'");
  }
  auto n = check_limit(limit);
  if (!n) co_return n.error();
  std::string path =
      "/search/repositories?q=" + percent_encode(*q) + sort_param + "&per_page=" + std::to_string(std::min(*n, 100));
  auto got = co_await impl_->collect(path, static_cast<std::size_t>(*n), cancel);
  if (!got) co_return got.error();
  co_return impl_->search_document("repositories", *q, *got, false);
}

asio::awaitable<Result<json::object>> GitHubClient::search_code(std::string_view query, std::string_view language,
                                                                int limit, CancelToken cancel) {
  auto q = build_search_query(query, language);
  if (!q) co_return q.error();
  auto n = check_limit(limit);
  if (!n) co_return n.error();
  std::string path = "/search/code?q=" + percent_encode(*q) + "&per_page=" + std::to_string(std::min(*n, 100));
  auto got = co_await impl_->collect(path, static_cast<std::size_t>(*n), cancel);
  if (!got) co_return got.error();
  co_return impl_->search_document("code", *q, *got, true);
}

asio::awaitable<Result<json::object>> GitHubClient::repository(std::string_view owner_name, CancelToken cancel) {
  auto name = parse_repository_name(owner_name);
  if (!name) co_return name.error();
  std::string path = "/repos/" + name->full();
  std::string not_found = impl_->repo_not_found(*name);
  co_return co_await impl_->get_object(path, not_found, cancel);
}

asio::awaitable<Result<json::object>> GitHubClient::languages(std::string_view owner_name, CancelToken cancel) {
  auto name = parse_repository_name(owner_name);
  if (!name) co_return name.error();
  std::string path = "/repos/" + name->full() + "/languages";
  std::string not_found = impl_->repo_not_found(*name);
  co_return co_await impl_->get_object(path, not_found, cancel);
}

asio::awaitable<Result<json::value>> GitHubClient::contents(std::string_view owner_name, std::string_view path,
                                                            CancelToken cancel) {
  auto name = parse_repository_name(owner_name);
  if (!name) co_return name.error();
  auto encoded = encode_repo_path(path);
  if (!encoded) co_return encoded.error();
  std::string api_path = "/repos/" + name->full() + "/contents/" + *encoded;
  std::string not_found = name->full() + " has no files on GitHub (it is empty or not found)";
  if (!encoded->empty()) not_found = name->full() + " has no path '" + printable(path) + "' on GitHub";
  co_return co_await impl_->get_value(api_path, not_found, cancel);
}

asio::awaitable<Result<json::object>> GitHubClient::readme(std::string_view owner_name, CancelToken cancel) {
  auto name = parse_repository_name(owner_name);
  if (!name) co_return name.error();
  std::string path = "/repos/" + name->full() + "/readme";
  std::string not_found = name->full() + " has no README on GitHub";
  co_return co_await impl_->get_object(path, not_found, cancel);
}

asio::awaitable<Result<json::object>> GitHubClient::sbom(std::string_view owner_name, CancelToken cancel) {
  auto name = parse_repository_name(owner_name);
  if (!name) co_return name.error();
  std::string path = "/repos/" + name->full() + "/dependency-graph/sbom";
  std::string not_found = name->full() + " has no dependency graph on GitHub (it may be disabled for the repository)";
  co_return co_await impl_->get_object(path, not_found, cancel);
}

asio::awaitable<Result<ApiResponse>> GitHubClient::get(std::string_view path_and_query, CancelToken cancel) {
  if (!safe_api_path(path_and_query)) {
    co_return make_error(ErrorKind::invalid_argument,
                         "'" + printable(path_and_query) + "' is not a GitHub API path (\"/...\", percent-encoded)");
  }
  std::string url = impl_->base + std::string(path_and_query);
  std::string not_found = "GitHub has no " + path_of(path_and_query);
  co_return co_await impl_->request(url, not_found, cancel);
}

}  // namespace devagent::github
