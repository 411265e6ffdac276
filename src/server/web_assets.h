// The web UI's files, compiled into the binary at build time
// (cmake/embed_web.mjs from web/dist; internal to the server module).
#pragma once

#include <string_view>
#include <vector>

namespace devagent::server {

struct WebAsset {
  std::string_view path;          // relative to web/dist: "index.html", "assets/app-XXXX.js"
  std::string_view content_type;
  std::string_view etag;          // hex of the content's SHA-256 (first 128 bits), without quotes
  std::string_view bytes;
  std::string_view gzip;          // a gzip copy of bytes, or empty when compression does not pay
};

// Every embedded file, sorted by path.
const std::vector<WebAsset>& web_assets();

}  // namespace devagent::server
