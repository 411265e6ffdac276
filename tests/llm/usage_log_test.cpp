// The usage log writes every record, and its reports equal the sums of the
// records exactly, whatever the grouping, bounds and concurrency.
#include "llm/usage_log.h"

#include "store/backend.h"
#include "store/store.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <thread>

namespace devagent::llm {
namespace {

using namespace std::chrono;

// Tests that store records run on SQLite and on PostgreSQL (see
// tests/store/backend.h); open_db() opens the test's own database.
class UsageLogStore : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && !store::testing::postgres_url()) GTEST_SKIP() << store::testing::kNoPostgres;
    backend_ = std::make_unique<store::testing::Backend>(GetParam());
  }

  std::unique_ptr<store::Database> open_db(bool migrated = true) {
    auto db = backend_->open(4);
    if (migrated) {
      auto v = store::migrate(*db);
      EXPECT_TRUE(v) << (v ? "" : v.error().message);
    }
    return db;
  }

  std::unique_ptr<store::testing::Backend> backend_;
};

std::int64_t ms_at(sys_days day, hours h = hours{0}, milliseconds extra = milliseconds{0}) {
  return duration_cast<milliseconds>((day + h + extra).time_since_epoch()).count();
}

const sys_days kDay25 = sys_days{year{2026} / 11 / 25};
const sys_days kDay26 = sys_days{year{2026} / 11 / 26};
const sys_days kDay27 = sys_days{year{2026} / 11 / 27};

UsageRecord rec(std::string provider, std::string model, std::string principal, std::string task, std::string outcome,
                std::int64_t in, std::int64_t out, std::int64_t cached, std::int64_t cost, std::int64_t at,
                std::string variant = "", bool estimated = false) {
  UsageRecord r;
  r.request_id = "req-" + std::to_string(at);
  r.principal = std::move(principal);
  r.task = std::move(task);
  r.provider = std::move(provider);
  r.model = std::move(model);
  r.usage = Usage{in, out, cached, estimated};
  r.cost_nanos = cost;
  r.latency_ms = 120;
  r.ttft_ms = 40;
  r.outcome = std::move(outcome);
  r.error_kind = r.outcome == "error" ? "server" : "";
  r.variant = std::move(variant);
  r.created_at = at;
  return r;
}

// Five calls over three days, written out so the sums below can be checked by hand.
std::vector<UsageRecord> sample() {
  return {
      rec("openai", "gpt-4o", "alice", "response", "ok", 1000, 500, 200, 7'250'000, ms_at(kDay25, hours{23})),
      rec("openai", "gpt-4o-mini", "bob", "decomposition", "fallback", 1234, 567, 234, 507'750, ms_at(kDay26, hours{0}),
          "b"),
      rec("anthropic", "claude-sonnet-4-5", "alice", "response", "error", 300, 0, 0, 900'000, ms_at(kDay26, hours{12}),
          "a"),
      rec("anthropic", "claude-sonnet-4-5", "alice", "summary", "cancelled", 50, 10, 0, 300'000,
          ms_at(kDay26, hours{23}, milliseconds{3'599'999}), "a", true),
      rec("builtin", "builtin", "bob", "response", "ok", 80, 40, 0, 0, ms_at(kDay27, hours{1}), "", true),
  };
}

void expect_totals(const UsageTotals& t, std::int64_t calls, std::int64_t in, std::int64_t out, std::int64_t cached,
                   std::int64_t estimated, std::int64_t cost, std::int64_t errors, std::int64_t fallbacks) {
  EXPECT_EQ(t.calls, calls);
  EXPECT_EQ(t.input_tokens, in);
  EXPECT_EQ(t.output_tokens, out);
  EXPECT_EQ(t.cached_tokens, cached);
  EXPECT_EQ(t.estimated_calls, estimated);
  EXPECT_EQ(t.cost_nanos, cost);
  EXPECT_EQ(t.errors, errors);
  EXPECT_EQ(t.fallbacks, fallbacks);
}

TEST_P(UsageLogStore, ReportTotalsEqualTheHandSums) {
  auto db = open_db();
  UsageLog log(*db);
  for (auto& r : sample()) log.record(r);
  ASSERT_TRUE(log.flush());

  auto report = log.report({});
  ASSERT_TRUE(report) << report.error().message;
  // calls 5; input 1000+1234+300+50+80; output 500+567+0+10+40; cached 200+234;
  // cost 7250000+507750+900000+300000+0; errors: error + cancelled; one fallback.
  expect_totals(report->totals, 5, 2664, 1117, 434, 2, 8'957'750, 2, 1);
  EXPECT_TRUE(report->groups.empty());
}

TEST_P(UsageLogStore, GroupsByEveryKeyAndTheGroupsAddUpToTheTotals) {
  auto db = open_db();
  UsageLog log(*db);
  auto records = sample();
  for (auto& r : records) log.record(r);
  ASSERT_TRUE(log.flush());

  auto key_of = [](const std::string& by, const UsageRecord& r) -> std::string {
    if (by == "day") return utc_day(r.created_at);
    if (by == "provider") return r.provider;
    if (by == "model") return r.model;
    if (by == "user") return r.principal;
    if (by == "task") return r.task;
    if (by == "outcome") return r.outcome;
    return r.variant;
  };
  for (std::string by : {"day", "provider", "model", "user", "task", "outcome", "variant"}) {
    std::map<std::string, UsageTotals> expected;  // ordered by key, like the report
    for (const auto& r : records) {
      auto& t = expected[key_of(by, r)];
      t.calls += 1;
      t.input_tokens += r.usage.input_tokens;
      t.output_tokens += r.usage.output_tokens;
      t.cached_tokens += r.usage.cached_input_tokens;
      t.estimated_calls += r.usage.estimated ? 1 : 0;
      t.cost_nanos += r.cost_nanos;
      t.errors += (r.outcome == "error" || r.outcome == "cancelled") ? 1 : 0;
      t.fallbacks += r.outcome == "fallback" ? 1 : 0;
    }
    UsageQuery q;
    q.by = by;
    auto report = log.report(q);
    ASSERT_TRUE(report) << by << ": " << report.error().message;
    ASSERT_EQ(report->groups.size(), expected.size()) << by;
    std::size_t i = 0;
    for (const auto& [key, t] : expected) {
      const auto& g = report->groups[i++];
      EXPECT_EQ(g.key, key) << by;
      expect_totals(g.totals, t.calls, t.input_tokens, t.output_tokens, t.cached_tokens, t.estimated_calls,
                    t.cost_nanos, t.errors, t.fallbacks);
    }
    expect_totals(report->totals, 5, 2664, 1117, 434, 2, 8'957'750, 2, 1);
  }

  // Two spot checks written out by hand.
  UsageQuery by_provider;
  by_provider.by = "provider";
  auto p = log.report(by_provider);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->groups.size(), 3u);
  EXPECT_EQ(p->groups[0].key, "anthropic");
  expect_totals(p->groups[0].totals, 2, 350, 10, 0, 1, 1'200'000, 2, 0);
  EXPECT_EQ(p->groups[2].key, "openai");
  expect_totals(p->groups[2].totals, 2, 2234, 1067, 434, 0, 7'757'750, 0, 1);
  UsageQuery by_day;
  by_day.by = "day";
  auto d = log.report(by_day);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->groups.size(), 3u);
  EXPECT_EQ(d->groups[0].key, "2026-11-25");
  EXPECT_EQ(d->groups[1].key, "2026-11-26");
  EXPECT_EQ(d->groups[1].totals.calls, 3);  // 00:00:00.000 and 23:59:59.999 are both the 26th
  EXPECT_EQ(d->groups[2].key, "2026-11-27");
}

TEST_P(UsageLogStore, SinceIsInclusiveUntilExclusiveAndUserFilters) {
  auto db = open_db();
  UsageLog log(*db);
  for (auto& r : sample()) log.record(r);
  ASSERT_TRUE(log.flush());

  UsageQuery day26;
  day26.since_ms = ms_at(kDay26);
  day26.until_ms = ms_at(kDay27);
  auto r = log.report(day26);
  ASSERT_TRUE(r);
  expect_totals(r->totals, 3, 1584, 577, 234, 1, 1'707'750, 2, 1);

  UsageQuery one_ms;  // exactly the record at midnight of the 26th
  one_ms.since_ms = ms_at(kDay26);
  one_ms.until_ms = ms_at(kDay26) + 1;
  r = log.report(one_ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->totals.calls, 1);
  EXPECT_EQ(r->totals.cost_nanos, 507'750);

  UsageQuery alice;
  alice.principal = "alice";
  alice.by = "task";
  r = log.report(alice);
  ASSERT_TRUE(r);
  expect_totals(r->totals, 3, 1350, 510, 200, 1, 8'450'000, 2, 0);
  ASSERT_EQ(r->groups.size(), 2u);
  EXPECT_EQ(r->groups[0].key, "response");
  EXPECT_EQ(r->groups[1].key, "summary");

  UsageQuery nobody;
  nobody.principal = "carol";
  r = log.report(nobody);
  ASSERT_TRUE(r);
  expect_totals(r->totals, 0, 0, 0, 0, 0, 0, 0, 0);
}

TEST_P(UsageLogStore, RecordsComeBackNewestFirstAndWhole) {
  auto db = open_db();
  UsageLog log(*db);
  auto records = sample();
  for (auto& r : records) log.record(r);
  ASSERT_TRUE(log.flush());

  auto all = log.records({}, 1000);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 1; i < all->size(); ++i) EXPECT_GE((*all)[i - 1].created_at, (*all)[i].created_at);
  const auto& newest = (*all)[0];
  const auto& original = records[4];
  EXPECT_EQ(newest.id.size(), 32u);  // 16 random bytes in hex
  EXPECT_EQ(newest.request_id, original.request_id);
  EXPECT_EQ(newest.principal, "bob");
  EXPECT_EQ(newest.provider, "builtin");
  EXPECT_EQ(newest.usage.input_tokens, 80);
  EXPECT_TRUE(newest.usage.estimated);
  EXPECT_EQ(newest.latency_ms, 120);
  EXPECT_EQ(newest.ttft_ms, 40);
  EXPECT_EQ(newest.created_at, original.created_at);
  EXPECT_EQ((*all)[2].error_kind, "server");
  EXPECT_EQ((*all)[2].variant, "a");

  auto two = log.records({}, 2);
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].provider, "anthropic");
  EXPECT_NE((*two)[0].id, (*two)[1].id);

  UsageQuery bob;
  bob.principal = "bob";
  auto bobs = log.records(bob);
  ASSERT_TRUE(bobs);
  EXPECT_EQ(bobs->size(), 2u);
}

TEST_P(UsageLogStore, RecordFillsIdAndTimeAndKeepsGivenOnes) {
  auto db = open_db();
  UsageLog log(*db);
  auto before = store::now_ms();
  UsageRecord fresh;
  fresh.outcome = "ok";
  log.record(fresh);
  UsageRecord given;
  given.id = "my-id";
  given.created_at = 1234;
  log.record(given);
  ASSERT_TRUE(log.flush());
  auto all = log.records({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_GE((*all)[0].created_at, before);
  EXPECT_EQ((*all)[1].id, "my-id");
  EXPECT_EQ((*all)[1].created_at, 1234);
  auto day = db->query("SELECT day FROM usage_records WHERE id = ?", {std::string("my-id")});
  ASSERT_TRUE(day);
  EXPECT_EQ(day->rows[0].text(0), "1970-01-01");
}

TEST_P(UsageLogStore, ConcurrentRecordersLoseNothing) {
  auto db = open_db();
  UsageLog log(*db);
  constexpr int kThreads = 8, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = rec("p" + std::to_string(t), "m", "u", "response", i % 10 == 0 ? "error" : "ok", i, 2 * i, i / 2,
                     1'000'003 * i + t, 1'800'000'000'000 + i);
        log.record(std::move(r));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(log.flush());

  auto count = db->query("SELECT COUNT(*) FROM usage_records");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->rows[0].integer(0), kThreads * kEach);

  // Sums over i = 0..499: Σi = 124750, Σ⌊i/2⌋ = 62250, errors at i % 10 == 0: 50 per thread.
  std::int64_t sum_i = 124'750, cost = 0;
  for (int t = 0; t < kThreads; ++t) cost += 1'000'003 * sum_i + std::int64_t{t} * kEach;
  UsageQuery q;
  q.by = "provider";
  auto report = log.report(q);
  ASSERT_TRUE(report);
  expect_totals(report->totals, 4000, 8 * sum_i, 8 * 2 * sum_i, 8 * 62'250, 0, cost, 8 * 50, 0);
  ASSERT_EQ(report->groups.size(), 8u);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(report->groups[t].key, "p" + std::to_string(t));
    EXPECT_EQ(report->groups[t].totals.calls, kEach);
    EXPECT_EQ(report->groups[t].totals.cost_nanos, 1'000'003 * sum_i + std::int64_t{t} * kEach);
  }
}

TEST_P(UsageLogStore, FlushReportsAWriteErrorOnce) {
  auto db = open_db(/*migrated=*/false);  // no usage_records table
  UsageLog log(*db);
  log.record(rec("openai", "gpt-4o", "u", "response", "ok", 1, 1, 0, 1, 1));
  auto r = log.flush();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("usage_records"), std::string::npos) << r.error().message;
  EXPECT_TRUE(log.flush());  // nothing new since the error was reported
  auto report = log.report({});
  EXPECT_FALSE(report);
}

TEST_P(UsageLogStore, DestructorWritesWhatIsQueued) {
  auto db = open_db();
  {
    UsageLog log(*db);
    for (int i = 0; i < 1000; ++i) log.record(rec("openai", "gpt-4o", "u", "response", "ok", 1, 1, 0, 3, i + 1));
  }
  auto count = db->query("SELECT COUNT(*), SUM(cost_nanos) FROM usage_records");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->rows[0].integer(0), 1000);
  EXPECT_EQ(count->rows[0].integer(1), 3000);
}

TEST_P(UsageLogStore, UnknownGroupingIsInvalidAndNamesTheChoices) {
  auto db = open_db();
  UsageLog log(*db);
  UsageQuery q;
  q.by = "colour";
  auto r = log.report(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, devagent::ErrorKind::invalid_argument);
  EXPECT_NE(r.error().message.find("day, provider, model, user, task, outcome, variant"), std::string::npos);
  EXPECT_NE(r.error().message.find("colour"), std::string::npos);
  q.by = "provider; DROP TABLE usage_records";
  EXPECT_FALSE(log.report(q));
}

TEST(UsageLog, UtcDay) {
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(-1), "1969-12-31");
  EXPECT_EQ(utc_day(ms_at(kDay26)), "2026-11-26");
  EXPECT_EQ(utc_day(ms_at(kDay27) - 1), "2026-11-26");
  EXPECT_EQ(utc_day(ms_at(sys_days{year{2028} / 2 / 29}, hours{12})), "2028-02-29");
}

TEST(UsageLog, ParsesQueryText) {
  const std::int64_t now = ms_at(kDay26, hours{12});
  auto q =
      parse_usage_query({.since = "2026-11-25", .until = "2026-11-26T10:30:00Z", .by = "model", .user = "bob"}, now);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->since_ms, ms_at(kDay25));
  EXPECT_EQ(q->until_ms, ms_at(kDay26, hours{10}, minutes{30}));
  EXPECT_EQ(q->by, "model");
  EXPECT_EQ(q->principal, "bob");

  const std::pair<const char*, std::int64_t> times[] = {
      {"24h", now - 86'400'000},
      {"7d", now - 7 * 86'400'000LL},
      {"90m", now - 90 * 60'000LL},
      {"2026-11-26t10:00:00z", ms_at(kDay26, hours{10})},
      {"2026-11-26 10:00", ms_at(kDay26, hours{10})},
      {"2026-11-26T10:00:00.25Z", ms_at(kDay26, hours{10}, milliseconds{250})},
      {"2026-11-26T10:00:00.123456Z", ms_at(kDay26, hours{10}, milliseconds{123})},
      {"2026-11-26T12:00:00+02:00", ms_at(kDay26, hours{10})},
      {"2026-11-26T08:00:00-02:00", ms_at(kDay26, hours{10})},
      {"2026-11-26T10:00:00", ms_at(kDay26, hours{10})},  // no zone: UTC
  };
  for (const auto& [text, ms] : times) {
    auto t = parse_usage_query({.since = text}, now);
    ASSERT_TRUE(t) << text << ": " << t.error().message;
    EXPECT_EQ(t->since_ms, ms) << text;
  }

  auto empty = parse_usage_query({.since = "", .until = "", .by = "", .user = ""}, now);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->since_ms);
  EXPECT_FALSE(empty->until_ms);
  EXPECT_EQ(empty->by, "");

  for (const char* bad : {"yesterday", "3600", "2026-13-01", "2026-02-30", "2026-11-26T25:00:00Z", "2026-11-26T10",
                          "2026-11-26T10:00:00+2", "26/11/2026", "-7d", "7x"}) {
    auto s = parse_usage_query({.since = bad}, now);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().kind, devagent::ErrorKind::invalid_argument);
    EXPECT_EQ(s.error().message.rfind("since: ", 0), 0u) << s.error().message;
    auto u = parse_usage_query({.until = bad}, now);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().message.rfind("until: ", 0), 0u) << u.error().message;
  }
  auto by = parse_usage_query({.by = "colour"}, now);
  ASSERT_FALSE(by);
  EXPECT_EQ(by.error().message.rfind("by: ", 0), 0u) << by.error().message;
}

TEST(UsageLog, JsonShape) {
  UsageReport report;
  report.totals = UsageTotals{3, 100, 50, 10, 1, 1'234'567'500, 1, 1};
  report.groups.push_back(UsageGroup{"openai", UsageTotals{3, 100, 50, 10, 1, 1'234'567'500, 1, 1}});
  auto json = to_json(report);
  const auto& totals = json.at("totals").as_object();
  EXPECT_EQ(totals.at("calls").as_int64(), 3);
  EXPECT_EQ(totals.at("input_tokens").as_int64(), 100);
  EXPECT_EQ(totals.at("output_tokens").as_int64(), 50);
  EXPECT_EQ(totals.at("cached_tokens").as_int64(), 10);
  EXPECT_EQ(totals.at("estimated_calls").as_int64(), 1);
  EXPECT_EQ(totals.at("errors").as_int64(), 1);
  EXPECT_EQ(totals.at("fallbacks").as_int64(), 1);
  EXPECT_EQ(totals.at("cost_nanos").as_int64(), 1'234'567'500);
  EXPECT_EQ(totals.at("cost_usd").as_string(), "1.234568");
  const auto& groups = json.at("groups").as_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].at("key").as_string(), "openai");
  EXPECT_EQ(groups[0].at("cost_usd").as_string(), "1.234568");
  EXPECT_EQ(boost::json::serialize(groups[0]).rfind("{\"key\":", 0), 0u);  // key first, for people reading it
}

INSTANTIATE_TEST_SUITE_P(Backends, UsageLogStore, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace devagent::llm
