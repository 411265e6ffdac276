// devagent usage: tokens and cost from the usage log, totals and groups.
#include "cli/common.h"
#include "llm/prices.h"
#include "llm/usage_log.h"
#include "memory/conversations.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

namespace devagent::cli {
namespace {

struct UsageFlags {
  bool as_json = false;
  llm::UsageQueryText query;
};

std::string utc_time(std::int64_t ms) {
  using namespace std::chrono;
  auto t = sys_time<milliseconds>(milliseconds(ms));
  auto day = floor<days>(t);
  hh_mm_ss<seconds> tod{floor<seconds>(t - day)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", llm::utc_day(ms).c_str(), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()));
  return buf;
}

void print_table(const llm::UsageQuery& q, const llm::UsageReport& report,
                 const std::vector<memory::VariantFeedback>* feedback) {
  std::string range = "all time";
  if (q.since_ms || q.until_ms) {
    range = "from " + (q.since_ms ? utc_time(*q.since_ms) : std::string("the start")) + " to " +
            (q.until_ms ? utc_time(*q.until_ms) : std::string("now"));
  }
  std::cout << "Usage " << range << (q.principal.empty() ? "" : " for " + q.principal)
            << (q.by.empty() ? "" : ", by " + q.by) << "\n\n";

  using Row = std::vector<std::string>;
  auto cells = [](std::string key, const llm::UsageTotals& t) {
    return Row{std::move(key),
               std::to_string(t.calls),
               std::to_string(t.input_tokens),
               std::to_string(t.cached_tokens),
               std::to_string(t.output_tokens),
               std::to_string(t.errors),
               std::to_string(t.fallbacks),
               llm::format_dollars(t.cost_nanos)};
  };
  std::string key_header = q.by.empty() ? "" : q.by;
  for (auto& c : key_header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::vector<Row> rows{{key_header, "CALLS", "INPUT", "CACHED", "OUTPUT", "ERRORS", "FALLBACKS", "COST"}};
  if (feedback) rows[0].insert(rows[0].end(), {"ANSWERS", "UP", "DOWN"});
  for (const auto& g : report.groups) {
    rows.push_back(cells(g.key.empty() ? "(none)" : g.key, g.totals));
    if (feedback) {
      auto f = memory::feedback_of(*feedback, g.key);
      rows.back().insert(rows.back().end(), {std::to_string(f.answers), std::to_string(f.up), std::to_string(f.down)});
    }
  }
  rows.push_back(cells("TOTAL", report.totals));
  if (feedback) {
    memory::VariantFeedback all;
    for (const auto& f : *feedback) all.answers += f.answers, all.up += f.up, all.down += f.down;
    rows.back().insert(rows.back().end(), {std::to_string(all.answers), std::to_string(all.up), std::to_string(all.down)});
  }

  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::string pad(width[i] - r[i].size(), ' ');
      line += i == 0 ? r[i] + pad : "  " + pad + r[i];  // key left, numbers right
    }
    std::cout << line << "\n";
  }
}

int usage_cmd(const GlobalFlags& flags, const UsageFlags& usage) {
  auto cfg = load_config(flags);
  if (!cfg) return kExitUsage;
  auto query = llm::parse_usage_query(usage.query, store::now_ms());
  if (!query) {
    print_error("--" + query.error().message);
    return kExitUsage;
  }

  int exit_code = kExitOk;
  auto db = open_store(*cfg, exit_code);
  if (!db) return exit_code;
  llm::UsageLog log(*db);
  auto report = log.report(*query);
  if (!report) {
    print_error("cannot read usage: " + report.error().message);
    return report.error().kind == ErrorKind::invalid_argument ? kExitUsage : kExitRuntime;
  }

  // By variant: each prompt variant's answers and ratings beside its tokens and cost.
  std::optional<std::vector<memory::VariantFeedback>> feedback;
  if (query->by == "variant") {
    memory::Conversations conversations(*db);
    auto found = conversations.feedback_by_variant(query->since_ms.value_or(0), query->until_ms.value_or(INT64_MAX));
    if (!found) {
      print_error("cannot read feedback: " + found.error().message);
      return kExitRuntime;
    }
    feedback = std::move(*found);
    memory::add_variants(*report, *feedback);
  }
  if (usage.as_json) {
    auto doc = feedback ? memory::to_json(*report, *feedback) : llm::to_json(*report);
    std::cout << boost::json::serialize(doc) << "\n";
  } else {
    print_table(*query, *report, feedback ? &*feedback : nullptr);
  }
  return kExitOk;
}

}  // namespace

void add_usage(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static UsageFlags usage;
  auto* cmd = app.add_subcommand("usage", "Tokens and cost of LLM calls, from the usage log");
  cmd->add_flag("--json", usage.as_json, "Print JSON");
  cmd->add_option("--since", usage.query.since,
                  "Start, inclusive: a UTC date (2026-11-26), a time (2026-11-26T10:00:00Z) or an age (24h, 7d)");
  cmd->add_option("--until", usage.query.until, "End, exclusive; same forms as --since");
  cmd->add_option("--by", usage.query.by, "Group by day, provider, model, user, task, outcome or variant (with answers and feedback per variant)");
  cmd->add_option("--user", usage.query.user, "Only this principal (API key id or user)");
  cmd->callback([&flags, &exit_code] { exit_code = usage_cmd(flags, usage); });
}

}  // namespace devagent::cli
