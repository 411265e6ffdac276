// devagent keys create|list|revoke: the API keys the server accepts
// (docs/security.md). A key is printed once, when it is created; the store
// keeps only its hash.
#include "cli/common.h"
#include "server/auth.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <ctime>
#include <iostream>

namespace devagent::cli {
namespace {

struct KeysFlags {
  bool as_json = false;
  std::string name;
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> streams;
  std::optional<std::int64_t> daily_tokens;
  std::string id;
};

// Loads configuration, then opens the store; prints the error and returns nullptr on failure.
std::unique_ptr<store::Database> open_configured_store(const GlobalFlags& flags, int& exit_code) {
  auto cfg = load_config(flags);
  if (!cfg) {
    exit_code = kExitUsage;
    return nullptr;
  }
  return cli::open_store(*cfg, exit_code);
}

std::string timestamp(std::optional<std::int64_t> ms) {
  if (!ms) return "-";
  std::time_t t = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

boost::json::value limit_json(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;  // the configured default
  return *v;
}

boost::json::object to_json(const server::ApiKey& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"created_at", timestamp(k.created_at)},
          {"last_used_at", k.last_used_at ? boost::json::value(timestamp(k.last_used_at)) : nullptr},
          {"revoked_at", k.revoked_at ? boost::json::value(timestamp(k.revoked_at)) : nullptr},
          {"limits",
           {{"rpm", limit_json(k.limits.rpm)},
            {"streams", limit_json(k.limits.streams)},
            {"daily_tokens", limit_json(k.limits.daily_tokens)}}}};
}

std::string limit_text(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "default"; }

int create(const GlobalFlags& flags, const KeysFlags& f) {
  int exit_code = kExitOk;
  auto db = open_configured_store(flags, exit_code);
  if (!db) return exit_code;
  server::KeyStore keys(*db);
  auto created = keys.create(f.name, server::KeyLimits{f.rpm, f.streams, f.daily_tokens});
  if (!created) {
    print_error(created.error().message);
    return created.error().kind == ErrorKind::invalid_argument ? kExitUsage : kExitRuntime;
  }
  if (f.as_json) {
    auto doc = to_json(created->key);
    doc["key"] = created->secret;
    std::cout << boost::json::serialize(doc) << "\n";
    return kExitOk;
  }
  std::cout << created->secret << "\n";
  std::cerr << "created API key " << created->key.id << " (" << created->key.name
            << "); this is the only time it is shown: store it now\n";
  return kExitOk;
}

int list(const GlobalFlags& flags, const KeysFlags& f) {
  int exit_code = kExitOk;
  auto db = open_configured_store(flags, exit_code);
  if (!db) return exit_code;
  server::KeyStore keys(*db);
  auto all = keys.list();
  if (!all) {
    print_error(all.error().message);
    return kExitRuntime;
  }
  if (f.as_json) {
    boost::json::array a;
    for (const auto& k : *all) a.push_back(to_json(k));
    std::cout << boost::json::serialize(boost::json::object{{"keys", std::move(a)}}) << "\n";
    return kExitOk;
  }
  if (all->empty()) {
    std::cout << "no API keys: the server runs open, on loopback addresses only\n";
    return kExitOk;
  }
  for (const auto& k : *all) {
    std::cout << k.id << "  " << k.prefix << "...  " << k.name << "  created " << timestamp(k.created_at)
              << "  last used " << timestamp(k.last_used_at) << "  rpm " << limit_text(k.limits.rpm) << "  streams "
              << limit_text(k.limits.streams) << "  daily tokens " << limit_text(k.limits.daily_tokens)
              << (k.revoked() ? "  revoked " + timestamp(k.revoked_at) : std::string()) << "\n";
  }
  return kExitOk;
}

int revoke(const GlobalFlags& flags, const KeysFlags& f) {
  int exit_code = kExitOk;
  auto db = open_configured_store(flags, exit_code);
  if (!db) return exit_code;
  server::KeyStore keys(*db);
  auto revoked = keys.revoke(f.id);
  if (!revoked) {
    print_error(revoked.error().message);
    return kExitRuntime;
  }
  std::cout << "revoked " << revoked->id << " (" << revoked->name << ")\n";
  return kExitOk;
}

}  // namespace

void add_keys(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static KeysFlags f;
  auto* cmd = app.add_subcommand("keys", "API keys the server accepts: create, list, revoke");
  cmd->require_subcommand(1);
  auto non_negative = CLI::Range(std::int64_t{0}, std::int64_t{1'000'000'000'000});

  auto* c = cmd->add_subcommand("create", "Make a key; it is printed once, and only its hash is stored");
  c->add_option("--name", f.name, "Who or what the key is for")->required();
  c->add_option("--rpm", f.rpm, "Requests per minute (default: auth.rpm; 0: no limit)")->check(non_negative);
  c->add_option("--streams", f.streams, "Concurrent streams (default: auth.streams; 0: no limit)")
      ->check(non_negative);
  c->add_option("--daily-tokens", f.daily_tokens, "LLM tokens per UTC day (default: budgets.daily_tokens; 0: none)")
      ->check(non_negative);
  c->add_flag("--json", f.as_json, "Print JSON (with the key in \"key\")");
  c->callback([&flags, &exit_code] { exit_code = create(flags, f); });

  auto* l = cmd->add_subcommand("list", "List keys: id, name, prefix, created, last used, limits, revoked");
  l->add_flag("--json", f.as_json, "Print JSON");
  l->callback([&flags, &exit_code] { exit_code = list(flags, f); });

  auto* r = cmd->add_subcommand("revoke", "Refuse a key from now on (401)");
  r->add_option("id", f.id, "The key's id (from keys list)")->required();
  r->callback([&flags, &exit_code] { exit_code = revoke(flags, f); });
}

}  // namespace devagent::cli
