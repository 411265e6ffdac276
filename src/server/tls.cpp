#include "server/tls.h"

#include "core/log.h"

#include <boost/asio/ssl/error.hpp>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>

namespace devagent::server {
namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 suites, ECDHE only: forward secrecy and
// AEAD ciphers, nothing with CBC, RSA key exchange or SHA-1.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Error file_error(std::string_view key, const std::string& path, const std::string& why) {
  return make_error(ErrorKind::config, "server." + std::string(key) + ": '" + path + "': " + why);
}

// "subject, serial" of the context's certificate, for the log.
std::pair<std::string, std::string> describe(ssl::context& ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx.native_handle());
  if (!cert) return {};
  std::string subject;
  if (char* s = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0)) {
    subject = s;
    OPENSSL_free(s);
  }
  std::string serial;
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  return {subject, serial};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_tls_context(const TlsFiles& files) {
  for (auto [key, path] : {std::pair{"tls_cert", &files.cert}, std::pair{"tls_key", &files.key}}) {
    std::error_code fec;
    if (!std::filesystem::is_regular_file(*path, fec)) return file_error(key, *path, "no such file");
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  int min_version = files.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(native, min_version);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return make_error(ErrorKind::internal, "OpenSSL refused the TLS 1.2 cipher list");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.cert, ec);
  if (ec) return file_error("tls_cert", files.cert, "not a PEM certificate chain (" + ec.message() + ")");
  ctx->use_private_key_file(files.key, ssl::context::pem, ec);
  // OpenSSL compares the key with the certificate while loading it.
  bool mismatch = ec && ec.category() == boost::asio::error::get_ssl_category() &&
                  ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  if (mismatch) return file_error("tls_key", files.key, "does not match the certificate in '" + files.cert + "'");
  if (ec) return file_error("tls_key", files.key, "not a PEM private key (" + ec.message() + ")");
  if (SSL_CTX_check_private_key(native) != 1) {
    return file_error("tls_key", files.key, "does not match the certificate in '" + files.cert + "'");
  }
  return ctx;
}

Result<> TlsContexts::load() {
  auto ctx = make_server_tls_context(files_);
  if (!ctx) return ctx.error();
  auto [subject, serial] = describe(**ctx);
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(*ctx);
  }
  log::info("TLS certificate loaded", "subject", subject, "serial", serial, "file", files_.cert);
  return {};
}

std::shared_ptr<ssl::context> TlsContexts::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace devagent::server
