// GET / and GET /assets/*: the web UI, embedded in the binary
// (web_assets.h). Answers with a strong ETag per representation (If-None-Match
// gives 304), the gzip copy when the client accepts gzip, and, on the HTML
// page, a Content-Security-Policy that allows no inline or foreign script.
// Files under /assets/ have content-hashed names and are cached for a year;
// the page itself is revalidated every time.
#include "server/handlers.h"
#include "server/web_assets.h"

#include <boost/algorithm/string/predicate.hpp>

#include <string>
#include <string_view>
#include <unordered_map>

namespace devagent::server::handlers {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const WebAsset* find_asset(std::string_view path) {
  static const auto* index = [] {
    auto* map = new std::unordered_map<std::string_view, const WebAsset*>();
    for (const auto& asset : web_assets()) map->emplace(asset.path, &asset);
    return map;
  }();
  auto it = index->find(path);
  return it == index->end() ? nullptr : it->second;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(item) for each comma-separated item of a header value.
template <typename F>
void for_each_item(std::string_view value, F f) {
  while (!value.empty()) {
    auto comma = value.find(',');
    f(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// Whether Accept-Encoding allows gzip: "gzip" or "*" with a q-value above 0.
bool accepts_gzip(std::string_view accept_encoding) {
  bool gzip = false;
  for_each_item(accept_encoding, [&](std::string_view item) {
    auto semicolon = item.find(';');
    auto coding = trim(item.substr(0, semicolon));
    if (!boost::iequals(coding, "gzip") && coding != "*") return;
    bool refused = false;
    if (semicolon != std::string_view::npos) {
      auto q = trim(item.substr(semicolon + 1));
      if (boost::istarts_with(q, "q=")) {
        q.remove_prefix(2);
        refused = q.find_first_not_of("0.") == std::string_view::npos;
      }
    }
    if (boost::iequals(coding, "gzip") || !refused) gzip = !refused;
  });
  return gzip;
}

// If-None-Match: "*" or any listed tag (weak comparison) equal to ours.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  bool match = false;
  for_each_item(if_none_match, [&](std::string_view item) {
    if (item == "*") match = true;
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) match = true;
  });
  return match;
}

}  // namespace

awaitable<void> web_asset(Exchange& ex) {
  std::string path = ex.path() == "/" ? std::string("index.html") : "assets/" + ex.param("rest");
  const WebAsset* asset = find_asset(path);
  if (!asset) {
    co_await ex.reply_error(404, "not_found", "no such file in the web UI");
    co_return;
  }
  bool gzip = !asset->gzip.empty() && accepts_gzip(ex.header("Accept-Encoding"));
  std::string etag = "\"" + std::string(asset->etag) + (gzip ? "-gzip\"" : "\"");
  bool html = path == "index.html";

  Headers headers = {
      {"ETag", etag},
      {"Cache-Control", html ? "no-cache" : "public, max-age=31536000, immutable"},
  };
  if (!asset->gzip.empty()) headers.emplace_back("Vary", "Accept-Encoding");
  // The other security headers (nosniff, Referrer-Policy, X-Frame-Options,
  // HSTS) are added to every response by response_headers.cpp; the page
  // replaces the API's "default-src 'none'" with its own policy.
  if (html) headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  if (etag_matches(ex.header("If-None-Match"), etag)) {
    co_await ex.reply(304, std::string(), asset->content_type, headers);
    co_return;
  }
  if (gzip) headers.emplace_back("Content-Encoding", "gzip");
  std::string body(gzip ? asset->gzip : asset->bytes);
  co_await ex.reply(200, std::move(body), asset->content_type, headers);
}

}  // namespace devagent::server::handlers
