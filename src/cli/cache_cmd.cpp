// devagent cache match: whether a cached answer stored for one question would
// be served for another, and why (cache/match.h). Needs no store, server or
// model: only the configuration, for the kind's similarity threshold. The
// group's other subcommands are in cache_admin.cpp.
#include "cache/match.h"
#include "cli/cache_admin.h"
#include "cli/common.h"

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace devagent::cli {
namespace {

struct CacheFlags {
  bool as_json = false;
  std::string kind = "response";
  std::string stored;
  std::string fresh;
};

int match(const GlobalFlags& flags, const CacheFlags& f) {
  cache::Kind kind{};
  if (!cache::parse_kind(f.kind, kind)) {
    print_error("unknown cache kind '" + f.kind + "': expected decomposition, response or analysis");
    return kExitUsage;
  }
  auto cfg = load_config(flags);
  if (!cfg) return kExitUsage;
  const std::string key = "cache." + std::string(cache::to_string(kind)) + ".similarity";
  const double threshold = std::strtod(cfg->str(key).c_str(), nullptr);

  const auto decision = cache::decide(cache::fingerprint(f.stored), cache::fingerprint(f.fresh), threshold);
  if (f.as_json) {
    // Written by hand so the similarity reads 0.9123, not 9.123E-1.
    char similarity[32];
    std::snprintf(similarity, sizeof similarity, "%.4f", decision.similarity);
    std::cout << "{\"similarity\":" << similarity << ",\"hit\":" << (decision.hit ? "true" : "false")
              << ",\"reason\":" << boost::json::serialize(boost::json::value(decision.reason)) << "}\n";
    return kExitOk;
  }
  char similarity[32];
  std::snprintf(similarity, sizeof similarity, "%.3f", decision.similarity);
  std::cout << (decision.hit ? "hit" : "miss") << "  similarity " << similarity << " (threshold " << cfg->str(key)
            << ")  " << decision.reason << "\n";
  return kExitOk;
}

}  // namespace

void add_cache(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static CacheFlags f;
  auto* cmd = app.add_subcommand("cache", "The response cache: statistics, warming, clearing, how questions match");
  cmd->require_subcommand(1);
  add_cache_admin(*cmd, flags, exit_code);

  auto* m =
      cmd->add_subcommand("match", "Would an entry cached for STORED be served for NEW? (hit, similarity, reason)");
  m->add_option("stored", f.stored, "The question the entry was stored for")->required();
  m->add_option("new", f.fresh, "The question asked now")->required();
  m->add_option("--kind", f.kind, "decomposition, response or analysis (sets the threshold)");
  m->add_flag("--json", f.as_json, "Print JSON: {similarity, hit, reason}");
  m->callback([&flags, &exit_code] { exit_code = match(flags, f); });
}

}  // namespace devagent::cli
