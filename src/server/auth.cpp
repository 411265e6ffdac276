#include "server/auth.h"

#include "core/text.h"
#include "server/runs.h"
#include "store/store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace devagent::server {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kKeyLength = 4 + 43;  // "dak_" + base64url of 32 bytes, unpadded
constexpr std::int64_t kTouchEveryMs = 60'000;
constexpr std::size_t kMaxNameBytes = 100;

constexpr std::string_view kColumns =
    "id, name, prefix, rpm, streams, daily_tokens, created_at, last_used_at, revoked_at";

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::int64_t> optional_integer(const store::Row& row, std::size_t i) {
  if (row.is_null(i)) return std::nullopt;
  return row.integer(i);
}

store::Value nullable(const std::optional<std::int64_t>& v) {
  if (!v) return std::monostate{};
  return *v;
}

ApiKey key_of(const store::Row& row) {
  ApiKey k;
  k.id = row.text(0);
  k.name = row.text(1);
  k.prefix = row.text(2);
  k.limits.rpm = optional_integer(row, 3);
  k.limits.streams = optional_integer(row, 4);
  k.limits.daily_tokens = optional_integer(row, 5);
  k.created_at = row.integer(6);
  k.last_used_at = optional_integer(row, 7);
  k.revoked_at = optional_integer(row, 8);
  return k;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string generate_key() {
  std::array<unsigned char, kKeyBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the system's random source failed; no key was made");
  }
  return std::string(kKeyScheme) + base64url(bytes.data(), bytes.size());
}

std::string key_hash(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), md.data(), &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

bool well_formed_key(std::string_view key) {
  if (key.size() != kKeyLength || !key.starts_with(kKeyScheme)) return false;
  for (unsigned char c : key.substr(kKeyScheme.size())) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

std::optional<std::string> presented_key(std::string_view authorization, std::string_view x_api_key) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  authorization = trim(authorization);
  constexpr std::string_view bearer = "bearer ";
  if (authorization.size() > bearer.size() && ascii_lower(authorization.substr(0, bearer.size())) == bearer) {
    return std::string(trim(authorization.substr(bearer.size())));
  }
  x_api_key = trim(x_api_key);
  if (!x_api_key.empty()) return std::string(x_api_key);
  // An Authorization header with another scheme presents a key we cannot read:
  // refuse it rather than treat the request as carrying none.
  if (!authorization.empty()) return std::string(authorization);
  return std::nullopt;
}

Result<KeyStore::Created> KeyStore::create(std::string_view name, const KeyLimits& limits) {
  if (!valid_name(name)) {
    return make_error(ErrorKind::invalid_argument, "a key's name must be 1 to 100 printable characters");
  }
  for (const auto& limit : {limits.rpm, limits.streams, limits.daily_tokens}) {
    if (limit && *limit < 0) return make_error(ErrorKind::invalid_argument, "a key's limits cannot be negative");
  }
  Created c;
  c.secret = generate_key();
  c.key.id = new_id().substr(0, 16);
  c.key.name = std::string(name);
  c.key.prefix = c.secret.substr(0, kPrefixLength);
  c.key.limits = limits;
  c.key.created_at = store::now_ms();
  auto inserted = db_.execute(
      "INSERT INTO api_keys (id, name, prefix, hash, rpm, streams, daily_tokens, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {c.key.id, c.key.name, c.key.prefix, key_hash(c.secret), nullable(limits.rpm), nullable(limits.streams),
       nullable(limits.daily_tokens), c.key.created_at});
  if (!inserted) return inserted.error();
  return c;
}

Result<std::vector<ApiKey>> KeyStore::list() {
  auto rows = db_.query("SELECT " + std::string(kColumns) + " FROM api_keys ORDER BY created_at, id");
  if (!rows) return rows.error();
  std::vector<ApiKey> out;
  for (const auto& row : rows->rows) out.push_back(key_of(row));
  return out;
}

Result<ApiKey> KeyStore::revoke(std::string_view id) {
  auto changed = db_.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                             {store::now_ms(), std::string(id)});
  if (!changed) return changed.error();
  auto rows = db_.query("SELECT " + std::string(kColumns) + " FROM api_keys WHERE id = ?", {std::string(id)});
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorKind::not_found, "no API key with id " + std::string(id));
  return key_of(rows->rows[0]);
}

Result<std::optional<ApiKey>> KeyStore::find(std::string_view secret) {
  if (!well_formed_key(secret)) return std::optional<ApiKey>{};
  // Looked up by the non-secret prefix; the hashes are then compared in
  // constant time, so response timing says nothing about the stored hash.
  auto rows = db_.query("SELECT " + std::string(kColumns) + ", hash FROM api_keys WHERE prefix = ?",
                        {std::string(secret.substr(0, kPrefixLength))});
  if (!rows) return rows.error();
  std::string presented = key_hash(secret);
  for (const auto& row : rows->rows) {
    std::string stored = row.text(9);
    if (stored.size() == presented.size() && CRYPTO_memcmp(stored.data(), presented.data(), stored.size()) == 0) {
      return std::optional<ApiKey>(key_of(row));
    }
  }
  return std::optional<ApiKey>{};
}

Result<bool> KeyStore::any_active() {
  auto rows = db_.query("SELECT id FROM api_keys WHERE revoked_at IS NULL LIMIT 1");
  if (!rows) return rows.error();
  return !rows->empty();
}

Result<> KeyStore::touch(const ApiKey& key, std::int64_t now_ms) {
  if (key.last_used_at && now_ms - *key.last_used_at < kTouchEveryMs) return {};
  auto changed = db_.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", {now_ms, key.id});
  if (!changed) return changed.error();
  return {};
}

}  // namespace devagent::server
