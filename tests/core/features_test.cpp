// Feature flags: the roll-out syntax, and percentages that are stable per
// key and only grow as the percentage rises.
#include "core/config.h"
#include "core/features.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace devagent::features {
namespace {

TEST(FeatureFlags, RolloutSyntax) {
  EXPECT_EQ(parse_rollout("on"), 100);
  EXPECT_EQ(parse_rollout("off"), 0);
  EXPECT_EQ(parse_rollout("0%"), 0);
  EXPECT_EQ(parse_rollout("25%"), 25);
  EXPECT_EQ(parse_rollout("100%"), 100);
  for (const char* bad : {"", "%", "101%", "-1%", "25", "25 %", " 25%", "1e1%", "yes", "ON", "2.5%"}) {
    EXPECT_FALSE(parse_rollout(bad)) << bad;
  }
}

TEST(FeatureFlags, EverythingIsOnByDefaultAndOffMeansOff) {
  FeatureFlags flags;
  for (Feature f : kAll) EXPECT_TRUE(flags.enabled(f, "any-key")) << name(f);
  flags.set(Feature::memory, 0);
  EXPECT_FALSE(flags.enabled(Feature::memory, "any-key"));
  EXPECT_FALSE(flags.resolve("any-key").memory);
  EXPECT_TRUE(flags.resolve("any-key").caching);
}

TEST(FeatureFlags, APercentageIsStablePerKeyAndOnlyGrows) {
  FeatureFlags quarter, half;
  quarter.set(Feature::streaming, 25);
  half.set(Feature::streaming, 50);
  int in_quarter = 0, in_half = 0;
  constexpr int kKeys = 10'000;
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "key-" + std::to_string(i);
    bool q = quarter.enabled(Feature::streaming, key);
    bool h = half.enabled(Feature::streaming, key);
    EXPECT_EQ(q, FeatureFlags(quarter).enabled(Feature::streaming, key));  // the same answer every time
    if (q) {
      EXPECT_TRUE(h) << key << " left the roll-out when it grew";
    }
    in_quarter += q;
    in_half += h;
  }
  // SHA-256 buckets are uniform: 10,000 keys land within a few points of the share.
  EXPECT_NEAR(in_quarter, kKeys / 4, kKeys / 50);
  EXPECT_NEAR(in_half, kKeys / 2, kKeys / 50);
}

TEST(FeatureFlags, EachFeatureSplitsKeysIndependently) {
  // Salted by the feature's name: the 10% that get one feature are not the
  // 10% that get another.
  int both = 0, memory = 0;
  for (int i = 0; i < 10'000; ++i) {
    std::string key = "key-" + std::to_string(i);
    bool m = bucket("memory", key) < 10;
    bool c = bucket("caching", key) < 10;
    memory += m;
    both += m && c;
  }
  EXPECT_GT(memory, 800);
  EXPECT_LT(both, 200);  // about 1% if independent, 10% if the same keys
}

TEST(FeatureFlags, FromConfigAndDescribed) {
  auto config = config::Config::defaults();
  ASSERT_TRUE(config.set("features.caching", "off", config::Source::file));
  ASSERT_TRUE(config.set("features.memory", "30%", config::Source::file));
  auto flags = FeatureFlags::from(config);
  EXPECT_EQ(flags.percent(Feature::caching), 0);
  EXPECT_EQ(flags.percent(Feature::memory), 30);
  EXPECT_EQ(flags.percent(Feature::streaming), 100);
  EXPECT_EQ(boost::json::value(flags.describe()),
            boost::json::parse(R"({"streaming":"on","function_calling":"on","memory":"30%","routing":"on","caching":"off"})"));
}

TEST(FeatureFlags, ConfigRefusesAnythingElse) {
  auto config = config::Config::defaults();
  auto r = config.set("features.streaming", "sometimes", config::Source::file);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("on, off or a percentage"), std::string::npos) << r.error().message;
  EXPECT_FALSE(config.set("features.memory", "150%", config::Source::file));
}

}  // namespace
}  // namespace devagent::features
