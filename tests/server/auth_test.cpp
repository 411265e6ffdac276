// API keys: their format and hashing, reading them from request headers,
// and the key store on both backends.
#include "server/auth.h"

#include "store/backend.h"
#include "store/store.h"

#include <gtest/gtest.h>

#include <set>

namespace devagent::server {
namespace {

TEST(ApiKeyFormat, KeysAreDakAnd43Base64UrlCharactersAndNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string key = generate_key();
    EXPECT_EQ(key.size(), 47u) << key;
    EXPECT_TRUE(key.starts_with("dak_")) << key;
    EXPECT_TRUE(well_formed_key(key)) << key;
    EXPECT_EQ(key.find_first_of("+/="), std::string::npos) << key;
    EXPECT_TRUE(seen.insert(key).second);
  }
}

TEST(ApiKeyFormat, MalformedKeysAreRecognised) {
  std::string key = generate_key();
  EXPECT_FALSE(well_formed_key(""));
  EXPECT_FALSE(well_formed_key(key.substr(0, 46)));
  EXPECT_FALSE(well_formed_key(key + "x"));
  EXPECT_FALSE(well_formed_key("sk_" + key.substr(3)));
  std::string bad = key;
  bad[10] = '*';
  EXPECT_FALSE(well_formed_key(bad));
}

TEST(ApiKeyFormat, HashIsHexSha256) {
  // printf 'abc' | sha256sum
  EXPECT_EQ(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(key_hash("dak_x").size(), 64u);
}

struct PresentedCase {
  std::string authorization, x_api_key;
  std::optional<std::string> expected;
};

TEST(ApiKeyFormat, PresentedKeyComesFromBearerOrXApiKey) {
  const std::vector<PresentedCase> cases = {
      {"", "", std::nullopt},
      {"Bearer dak_abc", "", "dak_abc"},
      {"bearer   dak_abc  ", "", "dak_abc"},
      {"BEARER dak_abc", "other", "dak_abc"},
      {"", "dak_xyz", "dak_xyz"},
      {"", "  dak_xyz ", "dak_xyz"},
      // Another scheme is presented as is, so it is refused rather than ignored.
      {"Basic dXNlcjpwYXNz", "", "Basic dXNlcjpwYXNz"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(presented_key(c.authorization, c.x_api_key), c.expected) << c.authorization << " | " << c.x_api_key;
  }
}

class KeyStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && !store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
    backend_ = std::make_unique<store::testing::Backend>(GetParam());
    db_ = backend_->open(4);
    auto v = store::migrate(*db_);
    ASSERT_TRUE(v) << v.error().message;
  }
  std::unique_ptr<store::testing::Backend> backend_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(KeyStoreTest, CreatedKeyIsFoundByItsSecretAndStoredOnlyAsAHash) {
  KeyStore keys(*db_);
  EXPECT_FALSE(*keys.any_active());
  auto c = keys.create("ci bot", KeyLimits{.rpm = 10, .streams = std::nullopt, .daily_tokens = 5000});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(well_formed_key(c->secret));
  EXPECT_EQ(c->key.prefix, c->secret.substr(0, 12));
  EXPECT_TRUE(*keys.any_active());

  auto rows = db_->query("SELECT hash, prefix FROM api_keys");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0].text(0), key_hash(c->secret));
  EXPECT_EQ(rows->rows[0].text(1).size(), 12u);

  auto found = keys.find(c->secret);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, c->key.id);
  EXPECT_EQ((*found)->name, "ci bot");
  EXPECT_EQ((*found)->limits.rpm, 10);
  EXPECT_FALSE((*found)->limits.streams);
  EXPECT_EQ((*found)->limits.daily_tokens, 5000);

  // Same prefix, another key: not found (the hash decides).
  std::string other = c->secret;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys.find(other)->has_value());
  EXPECT_FALSE(keys.find("not a key")->has_value());
}

TEST_P(KeyStoreTest, RevokedKeysAreStillFoundAndMarked) {
  KeyStore keys(*db_);
  auto a = keys.create("a", {});
  auto b = keys.create("b", {});
  ASSERT_TRUE(a && b);
  auto revoked = keys.revoke(a->key.id);
  ASSERT_TRUE(revoked) << revoked.error().message;
  EXPECT_TRUE(revoked->revoked());
  EXPECT_TRUE((*keys.find(a->secret))->revoked());
  EXPECT_TRUE(*keys.any_active());  // b
  ASSERT_TRUE(keys.revoke(b->key.id));
  EXPECT_FALSE(*keys.any_active());
  auto missing = keys.revoke("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  auto all = keys.list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  // Both are listed, revoked (by creation time; two keys made in the same
  // millisecond come in id order, so their order here is not fixed).
  std::set<std::string> names;
  for (const auto& k : *all) {
    names.insert(k.name);
    EXPECT_TRUE(k.revoked()) << k.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"a", "b"}));
}

TEST_P(KeyStoreTest, BadNamesAndNegativeLimitsAreRefused) {
  KeyStore keys(*db_);
  EXPECT_EQ(keys.create("", {}).error().kind, ErrorKind::invalid_argument);
  EXPECT_EQ(keys.create("line\nbreak", {}).error().kind, ErrorKind::invalid_argument);
  EXPECT_EQ(keys.create("x", KeyLimits{.rpm = -1, .streams = {}, .daily_tokens = {}}).error().kind,
            ErrorKind::invalid_argument);
}

TEST_P(KeyStoreTest, LastUseIsRecordedAtMostOnceAMinute) {
  KeyStore keys(*db_);
  auto c = keys.create("a", {});
  ASSERT_TRUE(c);
  ASSERT_TRUE(keys.touch(c->key, 1'000'000));
  auto k = **keys.find(c->secret);
  EXPECT_EQ(k.last_used_at, 1'000'000);
  ASSERT_TRUE(keys.touch(k, 1'030'000));
  EXPECT_EQ((*keys.find(c->secret))->last_used_at, 1'000'000);
  ASSERT_TRUE(keys.touch(k, 1'061'000));
  EXPECT_EQ((*keys.find(c->secret))->last_used_at, 1'061'000);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devagent::server
