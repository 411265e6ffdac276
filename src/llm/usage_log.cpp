// The usage log: a queue in memory, a writer thread, and reports in SQL.
#include "llm/usage_log.h"

#include "core/config.h"
#include "core/log.h"
#include "llm/prices.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <utility>

namespace devagent::llm {
namespace {

constexpr std::size_t kBatchSize = 256;  // records per transaction

// The `by` values and the column each groups on.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kGroupColumns{{
    {"day", "day"},
    {"provider", "provider"},
    {"model", "model"},
    {"user", "principal"},
    {"task", "task"},
    {"outcome", "outcome"},
    {"variant", "variant"},
}};

Result<std::string_view> group_column(std::string_view by) {
  for (const auto& [name, column] : kGroupColumns) {
    if (name == by) return column;
  }
  return make_error(devagent::ErrorKind::invalid_argument,
                    "by: must be one of day, provider, model, user, task, outcome, "
                    "variant, got '" +
                        std::string(by) + "'");
}

constexpr std::string_view kColumns =
    "id, request_id, conversation_id, principal, task, provider, model, input_tokens, output_tokens, "
    "cached_tokens, estimated, cost_nanos, latency_ms, ttft_ms, outcome, error_kind, variant, day, created_at";

// Sums over the filtered rows, in the order UsageTotals is read back.
constexpr std::string_view kAggregates =
    "COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(estimated), SUM(cost_nanos), "
    "SUM(CASE WHEN outcome = 'error' OR outcome = 'cancelled' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN outcome = 'fallback' THEN 1 ELSE 0 END)";

std::string random_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

std::vector<store::Value> insert_params(const UsageRecord& r) {
  return {r.id,
          r.request_id,
          r.conversation_id,
          r.principal,
          r.task,
          r.provider,
          r.model,
          r.usage.input_tokens,
          r.usage.output_tokens,
          r.usage.cached_input_tokens,
          std::int64_t{r.usage.estimated ? 1 : 0},
          r.cost_nanos,
          r.latency_ms,
          r.ttft_ms,
          r.outcome,
          r.error_kind,
          r.variant,
          utc_day(r.created_at),
          r.created_at};
}

// " WHERE ..." and its parameters for a query's bounds and principal.
struct Filter {
  std::string where;
  std::vector<store::Value> params;
};

Filter filter_of(const UsageQuery& q) {
  Filter f;
  auto add = [&](std::string_view condition, store::Value value) {
    f.where += f.where.empty() ? " WHERE " : " AND ";
    f.where += condition;
    f.params.push_back(std::move(value));
  };
  if (q.since_ms) add("created_at >= ?", *q.since_ms);
  if (q.until_ms) add("created_at < ?", *q.until_ms);
  if (!q.principal.empty()) add("principal = ?", q.principal);
  return f;
}

UsageTotals totals_from(const store::Row& row, std::size_t first) {
  UsageTotals t;
  t.calls = row.integer(first);
  t.input_tokens = row.integer(first + 1);
  t.output_tokens = row.integer(first + 2);
  t.cached_tokens = row.integer(first + 3);
  t.estimated_calls = row.integer(first + 4);
  t.cost_nanos = row.integer(first + 5);
  t.errors = row.integer(first + 6);
  t.fallbacks = row.integer(first + 7);
  return t;
}

void add_to(UsageTotals& sum, const UsageTotals& t) {
  sum.calls += t.calls;
  sum.input_tokens += t.input_tokens;
  sum.output_tokens += t.output_tokens;
  sum.cached_tokens += t.cached_tokens;
  sum.estimated_calls += t.estimated_calls;
  sum.cost_nanos += t.cost_nanos;
  sum.errors += t.errors;
  sum.fallbacks += t.fallbacks;
}

boost::json::object totals_json(const UsageTotals& t, const std::string* key = nullptr) {
  std::string usd = format_dollars(t.cost_nanos);
  usd.erase(usd.find('$'), 1);
  boost::json::object o;
  if (key) o["key"] = *key;
  o["calls"] = t.calls;
  o["input_tokens"] = t.input_tokens;
  o["output_tokens"] = t.output_tokens;
  o["cached_tokens"] = t.cached_tokens;
  o["estimated_calls"] = t.estimated_calls;
  o["errors"] = t.errors;
  o["fallbacks"] = t.fallbacks;
  o["cost_nanos"] = t.cost_nanos;
  o["cost_usd"] = usd;
  return o;
}

// Two decimal digits at s[at], or -1.
int two_digits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size()) return -1;
  char a = s[at], b = s[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
  return (a - '0') * 10 + (b - '0');
}

// "2026-11-26" and "2026-11-26T10:00:00[.123][Z|+02:00]" as UTC ms; nullopt
// when the text is not shaped like either.
std::optional<std::int64_t> parse_iso_time(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    y = y * 10 + (s[i] - '0');
  }
  int mo = two_digits(s, 5), d = two_digits(s, 8);
  if (mo < 0 || d < 0) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  if (s.size() == 10) return ms;

  // Time of day: T, t or a space, then HH:MM[:SS[.fraction]].
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  int h = two_digits(s, 11), mi = (s.size() > 13 && s[13] == ':') ? two_digits(s, 14) : -1;
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return std::nullopt;
  std::size_t at = 16;
  int sec = 0;
  std::int64_t frac_ms = 0;
  if (at < s.size() && s[at] == ':') {
    sec = two_digits(s, at + 1);
    if (sec < 0 || sec > 59) return std::nullopt;
    at += 3;
    if (at < s.size() && s[at] == '.') {
      std::size_t start = ++at;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
        if (at - start < 3) frac_ms = frac_ms * 10 + (s[at] - '0');
        ++at;
      }
      if (at == start) return std::nullopt;
      for (std::size_t n = at - start; n < 3; ++n) frac_ms *= 10;
    }
  }
  ms += ((h * 60 + mi) * 60 + sec) * std::int64_t{1000} + frac_ms;

  // Zone: none or Z is UTC; otherwise +HH:MM or -HH:MM.
  auto zone = s.substr(at);
  if (zone.empty() || zone == "Z" || zone == "z") return ms;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
  int zh = two_digits(zone, 1), zm = two_digits(zone, 4);
  if (zh < 0 || zh > 23 || zm < 0 || zm > 59) return std::nullopt;
  std::int64_t offset = (zh * 60 + zm) * std::int64_t{60'000};
  return zone[0] == '+' ? ms - offset : ms + offset;
}

Result<std::int64_t> parse_time_bound(std::string_view name, std::string_view text, std::int64_t now_ms) {
  if (auto ms = parse_iso_time(text)) return *ms;
  // An age: a number with a unit ("24h", "7d"); a bare number is ambiguous.
  bool has_unit = !text.empty() && std::isalpha(static_cast<unsigned char>(text.back()));
  if (has_unit) {
    if (auto age = config::parse_duration(text)) return now_ms - age->count();
  }
  return make_error(devagent::ErrorKind::invalid_argument,
                    std::string(name) +
                        ": expected a date (2026-11-26), a time (2026-11-26T10:00:00Z) or an age "
                        "(24h, 7d), got '" +
                        std::string(text) + "'");
}

}  // namespace

UsageLog::UsageLog(store::Database& db) : db_(db), thread_([this] { writer(); }) {}

UsageLog::~UsageLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();  // the writer drains the queue before it returns
  if (last_error_) log::error("usage records were lost", "error", last_error_->message);
}

void UsageLog::record(UsageRecord r) {
  if (r.id.empty()) r.id = random_id();
  if (r.created_at == 0) r.created_at = store::now_ms();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(r));
  }
  wake_.notify_one();
}

Result<> UsageLog::flush() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [&] { return queue_.empty() && in_flight_ == 0; });
  auto error = std::exchange(last_error_, std::nullopt);
  if (error) return *error;
  return {};
}

void UsageLog::writer() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written

    std::vector<UsageRecord> batch;
    while (!queue_.empty() && batch.size() < kBatchSize) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    in_flight_ = batch.size();
    lock.unlock();

    auto written = db_.transaction([&](store::Database& tx) -> Result<> {
      static const std::string insert = [] {
        std::string s = "INSERT INTO usage_records (" + std::string(kColumns) + ") VALUES (?";
        for (int i = 1; i < 19; ++i) s += ", ?";
        return s + ")";
      }();
      for (const auto& r : batch) {
        auto params = insert_params(r);
        if (auto n = tx.execute(insert, params); !n) return n.error();
      }
      return {};
    });
    if (!written) {
      log::error("usage records not written", "count", batch.size(), "error", written.error().message);
    }

    lock.lock();
    in_flight_ = 0;
    if (!written && !last_error_) last_error_ = written.error();
    drained_.notify_all();
  }
}

Result<UsageReport> UsageLog::report(const UsageQuery& q) {
  auto filter = filter_of(q);
  UsageReport report;
  if (q.by.empty()) {
    std::string sql = "SELECT " + std::string(kAggregates) + " FROM usage_records" + filter.where;
    auto rows = db_.query(sql, filter.params);
    if (!rows) return rows.error();
    if (!rows->rows.empty()) report.totals = totals_from(rows->rows[0], 0);
    return report;
  }
  auto column = group_column(q.by);
  if (!column) return column.error();
  std::string col(*column);
  std::string sql = "SELECT " + col + ", " + std::string(kAggregates) + " FROM usage_records" + filter.where +
                    " GROUP BY " + col + " ORDER BY " + col;
  auto rows = db_.query(sql, filter.params);
  if (!rows) return rows.error();
  // Totals are the sum of the groups: the same rows, read in one statement.
  for (const auto& row : rows->rows) {
    UsageGroup g{row.text(0), totals_from(row, 1)};
    add_to(report.totals, g.totals);
    report.groups.push_back(std::move(g));
  }
  return report;
}

Result<std::vector<UsageRecord>> UsageLog::records(const UsageQuery& q, std::size_t limit) {
  auto filter = filter_of(q);
  std::string sql = "SELECT " + std::string(kColumns) + " FROM usage_records" + filter.where +
                    " ORDER BY created_at DESC, id DESC LIMIT ?";
  filter.params.emplace_back(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  auto rows = db_.query(sql, filter.params);
  if (!rows) return rows.error();
  std::vector<UsageRecord> out;
  out.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    UsageRecord r;
    r.id = row.text(0);
    r.request_id = row.text(1);
    r.conversation_id = row.text(2);
    r.principal = row.text(3);
    r.task = row.text(4);
    r.provider = row.text(5);
    r.model = row.text(6);
    r.usage.input_tokens = row.integer(7);
    r.usage.output_tokens = row.integer(8);
    r.usage.cached_input_tokens = row.integer(9);
    r.usage.estimated = row.integer(10) != 0;
    r.cost_nanos = row.integer(11);
    r.latency_ms = row.integer(12);
    r.ttft_ms = row.integer(13);
    r.outcome = row.text(14);
    r.error_kind = row.text(15);
    r.variant = row.text(16);
    // column 17 is the day, derived from created_at
    r.created_at = row.integer(18);
    out.push_back(std::move(r));
  }
  return out;
}

std::string utc_day(std::int64_t ms) {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(sys_time<milliseconds>(milliseconds(ms)))};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<UsageQuery> parse_usage_query(const UsageQueryText& text, std::int64_t now_ms) {
  UsageQuery q;
  // An empty parameter (a blank form field) is the same as an absent one.
  if (text.since && !text.since->empty()) {
    auto v = parse_time_bound("since", *text.since, now_ms);
    if (!v) return v.error();
    q.since_ms = *v;
  }
  if (text.until && !text.until->empty()) {
    auto v = parse_time_bound("until", *text.until, now_ms);
    if (!v) return v.error();
    q.until_ms = *v;
  }
  if (text.by && !text.by->empty()) {
    if (auto column = group_column(*text.by); !column) return column.error();
    q.by = *text.by;
  }
  if (text.user) q.principal = *text.user;
  return q;
}

boost::json::object to_json(const UsageReport& report) {
  boost::json::array groups;
  for (const auto& g : report.groups) {
    groups.push_back(totals_json(g.totals, &g.key));
  }
  boost::json::object out;
  out["totals"] = totals_json(report.totals);
  out["groups"] = std::move(groups);
  return out;
}

}  // namespace devagent::llm
