// API keys: who may call the server (docs/security.md, "API keys and limits").
//
// A key is "dak_" followed by 43 base64url characters (32 random bytes from
// OpenSSL's RAND_bytes). The store keeps only its SHA-256 and its first
// kPrefixLength characters (for display and lookup), so the key itself is
// shown once, when it is created. Lookups compare hashes in constant time.
#pragma once

#include "core/error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::store {
class Database;
}

namespace devagent::server {

constexpr std::string_view kKeyScheme = "dak_";
constexpr std::size_t kPrefixLength = 12;  // "dak_" and 8 characters of the key

// A key's own limits; unset ones take the configured defaults ([auth] and
// budgets.daily_tokens). 0 means no limit.
struct KeyLimits {
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> streams;
  std::optional<std::int64_t> daily_tokens;
};

struct ApiKey {
  std::string id;
  std::string name;
  std::string prefix;  // the key's first characters, "dak_AbCd1234"
  KeyLimits limits;
  std::int64_t created_at = 0;                // ms since the epoch
  std::optional<std::int64_t> last_used_at;   // throttled: updated at most once a minute
  std::optional<std::int64_t> revoked_at;
  bool revoked() const { return revoked_at.has_value(); }
};

// A new random key ("dak_..."); throws std::runtime_error if the system's
// random source fails (a start-up-class failure, not an expected one).
std::string generate_key();
// Lower-case hex SHA-256 of the key, as stored.
std::string key_hash(std::string_view key);
// Whether the text has the shape of a key (scheme and length); anything
// else is refused without touching the store.
bool well_formed_key(std::string_view key);
// The key a request presents: "Authorization: Bearer <key>" (scheme
// case-insensitive) or "X-Api-Key: <key>"; nullopt when neither is there.
std::optional<std::string> presented_key(std::string_view authorization, std::string_view x_api_key);

// The api_keys table. Thread-safe as the Database is; every call is one
// short store round trip (blocking: call from the blocking pool).
class KeyStore {
 public:
  explicit KeyStore(store::Database& db) : db_(db) {}

  struct Created {
    ApiKey key;
    std::string secret;  // the key itself: shown once, never stored
  };
  // The name must be 1 to 100 printable characters and limits non-negative (invalid_argument).
  Result<Created> create(std::string_view name, const KeyLimits& limits);
  // Every key, revoked ones included, oldest first.
  Result<std::vector<ApiKey>> list();
  // Marks the key revoked (requests with it get 401 from then on); not_found
  // when no key has the id. Revoking twice keeps the first time.
  Result<ApiKey> revoke(std::string_view id);
  // The key a secret belongs to, revoked or not; nullopt when none does.
  Result<std::optional<ApiKey>> find(std::string_view secret);
  // Whether any key is not revoked: with none, the server runs open.
  Result<bool> any_active();
  // Records a use, unless the last recorded one is under a minute old.
  Result<> touch(const ApiKey& key, std::int64_t now_ms);

 private:
  store::Database& db_;
};

}  // namespace devagent::server
