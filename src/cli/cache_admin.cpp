// devagent cache stats|warm|clear: what the response cache holds and saved,
// answering common questions ahead of time, and emptying it.
#include "agent/warm.h"
#include "cli/app.h"
#include "cli/cache_admin.h"
#include "cli/common.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

namespace devagent::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::size_t kMaxWarmQuestions = 10'000;
constexpr std::size_t kMaxQuestionBytes = 16 * 1024;

struct AdminFlags {
  bool as_json = false;
  std::string file;
  bool force = false;
  bool offline = false;
  std::string kind;
};

int stats(const GlobalFlags& flags, const AdminFlags& f) {
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code);
  if (!app) return exit_code;
  if (!app->open_cache(exit_code)) return exit_code;
  if (!app->cache) {
    if (f.as_json) {
      std::cout << json::serialize(cache::stats_document(nullptr, {})) << "\n";
    } else {
      std::cout << "the response cache is off (cache.enabled = false)\n";
    }
    return kExitOk;
  }
  auto s = app->cache->stats();
  if (!s) {
    print_error(s.error().message);
    return kExitRuntime;
  }
  if (f.as_json) {
    std::cout << json::serialize(cache::stats_document(&*s, app->cache->options())) << "\n";
    return kExitOk;
  }
  std::printf("%-14s %8s %9s %8s %9s %8s %10s %12s %12s\n", "kind", "exact", "semantic", "misses", "hit rate",
              "entries", "bytes", "tokens saved", "cost saved");
  auto row = [](const char* name, const cache::KindStats& k) {
    std::printf("%-14s %8lld %9lld %8lld %8.1f%% %8lld %10lld %12lld %12s\n", name,
                static_cast<long long>(k.exact_hits), static_cast<long long>(k.semantic_hits),
                static_cast<long long>(k.misses), 100.0 * k.hit_rate(), static_cast<long long>(k.entries),
                static_cast<long long>(k.bytes), static_cast<long long>(k.tokens_saved),
                ("$" + std::to_string(static_cast<double>(k.cost_saved_nanos) / 1e9).substr(0, 8)).c_str());
  };
  for (cache::Kind k : {cache::Kind::decomposition, cache::Kind::response, cache::Kind::analysis}) {
    row(std::string(cache::to_string(k)).c_str(), s->kinds[static_cast<std::size_t>(k)]);
  }
  row("total", s->total());
  return kExitOk;
}

// One question per line; blank lines and lines starting with '#' are
// skipped. A line may also be a JSON object {"question": "..."}.
Result<std::vector<std::string>> read_questions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::invalid_argument, "cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.front() == '{') {
      boost::system::error_code ec;
      auto v = json::parse(line, ec);
      const json::value* q = !ec && v.is_object() ? v.as_object().if_contains("question") : nullptr;
      if (!q || !q->is_string()) {
        return make_error(ErrorKind::invalid_argument,
                          path + ":" + std::to_string(number) + ": a JSON line needs a \"question\" string");
      }
      line = std::string(q->as_string());
    }
    if (line.size() > kMaxQuestionBytes) {
      return make_error(ErrorKind::invalid_argument, path + ":" + std::to_string(number) + ": the question is longer than " +
                                                         std::to_string(kMaxQuestionBytes) + " bytes");
    }
    out.push_back(std::move(line));
    if (out.size() > kMaxWarmQuestions) {
      return make_error(ErrorKind::invalid_argument,
                        path + ": more than " + std::to_string(kMaxWarmQuestions) + " questions");
    }
  }
  return out;
}

int warm(const GlobalFlags& flags, const AdminFlags& f) {
  auto questions = read_questions(f.file);
  if (!questions) {
    print_error(questions.error().message);
    return kExitUsage;
  }
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code);
  if (!app) return exit_code;
  if (!app->open_agent(exit_code)) return exit_code;
  if (!app->cache) {
    print_error("the response cache is off (cache.enabled = false): nothing to warm");
    return kExitUsage;
  }
  CancelSource cancel;
  asio::signal_set signals(app->io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) cancel.cancel("interrupted");
  });
  std::optional<agent::WarmReport> report;
  asio::co_spawn(app->io, agent::warm_cache(*app->agent, *questions, f.force, cancel.token()),
                 [&](std::exception_ptr ep, agent::WarmReport r) {
                   if (!ep) report = std::move(r);
                   signals.cancel();
                 });
  app->io.run();
  if (!report) {
    print_error("cache warming stopped by an internal error");
    return kExitRuntime;
  }
  if (f.as_json) {
    json::array errors;
    for (const auto& e : report->errors) errors.push_back(json::string(e));
    std::cout << json::serialize(json::object{{"questions", questions->size()},
                                              {"answered", report->answered},
                                              {"already_cached", report->already_cached},
                                              {"not_kept", report->not_kept},
                                              {"failed", report->failed},
                                              {"errors", std::move(errors)}})
              << "\n";
  } else {
    std::cout << questions->size() << " questions: " << report->answered << " answered and cached, "
              << report->already_cached << " already cached, " << report->not_kept << " not cacheable, "
              << report->failed << " failed\n";
    for (const auto& e : report->errors) std::cerr << "devagent: " << e << "\n";
  }
  return report->failed > 0 ? kExitRuntime : kExitOk;
}

int clear(const GlobalFlags& flags, const AdminFlags& f) {
  std::optional<cache::Kind> kind;
  if (!f.kind.empty()) {
    cache::Kind k;
    if (!cache::parse_kind(f.kind, k)) {
      print_error("--kind must be decomposition, response or analysis");
      return kExitUsage;
    }
    kind = k;
  }
  int exit_code = kExitOk;
  auto app = App::open(flags, exit_code);
  if (!app) return exit_code;
  if (!app->open_cache(exit_code)) return exit_code;
  if (!app->cache) {
    std::cout << "the response cache is off (cache.enabled = false)\n";
    return kExitOk;
  }
  auto removed = app->cache->clear(kind);
  if (!removed) {
    print_error(removed.error().message);
    return kExitRuntime;
  }
  std::cout << "removed " << *removed << " cache entries\n";
  return kExitOk;
}

}  // namespace

void add_cache_admin(CLI::App& cache_cmd, const GlobalFlags& flags, int& exit_code) {
  static AdminFlags f;
  auto* s = cache_cmd.add_subcommand("stats", "Hits (exact, semantic), misses, entries, bytes, tokens and cost saved");
  s->add_flag("--json", f.as_json, "Print JSON (the shape of GET /api/v1/cache/stats)");
  s->callback([&flags, &exit_code] { exit_code = stats(flags, f); });

  auto* w = cache_cmd.add_subcommand(
      "warm", "Answer the questions in FILE (one per line, # comments) and keep the answers in the cache");
  w->add_option("file", f.file, "The questions")->required();
  w->add_flag("--force", f.force, "Answer even the questions the cache serves already");
  w->add_flag("--json", f.as_json, "Print the report as JSON");
  w->callback([&flags, &exit_code] { exit_code = warm(flags, f); });

  auto* c = cache_cmd.add_subcommand("clear", "Delete every cache entry (statistics are kept)");
  c->add_option("--kind", f.kind, "Only this kind: decomposition, response or analysis");
  c->callback([&flags, &exit_code] { exit_code = clear(flags, f); });
}

}  // namespace devagent::cli
