// TLS termination for the server (internal to the server module): the
// server context built from a certificate chain and a key in PEM files, and
// the holder that swaps it on reload (SIGHUP).
//
// Policy: TLS 1.2 or 1.3 as the minimum (server.tls_min_version); for TLS 1.2
// only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 (Mozilla's
// "intermediate" list without DHE), OpenSSL's defaults for TLS 1.3; no
// compression, no renegotiation, the server's cipher order.
#pragma once

#include "core/error.h"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace devagent::server {

struct TlsFiles {
  std::string cert;  // PEM: the certificate, then any intermediates
  std::string key;   // PEM: the private key matching the certificate
  std::string min_version = "1.2";  // "1.2" or "1.3"
};

// A server context, or a config error naming the file and what is wrong
// with it (unreadable, not PEM, key does not match the certificate).
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(const TlsFiles& files);

// The context that new connections get. Thread-safe.
class TlsContexts {
 public:
  explicit TlsContexts(TlsFiles files) : files_(std::move(files)) {}
  // Reads the files again; on success new connections use the new context
  // (open ones keep theirs), on failure the current context stays.
  Result<> load();
  // Null before the first successful load().
  std::shared_ptr<boost::asio::ssl::context> current() const;

 private:
  TlsFiles files_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace devagent::server
