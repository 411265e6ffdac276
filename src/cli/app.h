// The composition root: everything a command needs, built once from
// configuration in dependency order (store, HTTP client, providers, prices,
// usage log, budgets, router). Internal to the cli module.
#pragma once

#include "cli/common.h"

#include <boost/asio/io_context.hpp>
#include "agent/agent.h"
#include "cache/cache.h"
#include "code/code.h"
#include "github/client.h"
#include "http/client.h"
#include "tools/tool.h"
#include "llm/budget.h"
#include "llm/providers.h"
#include "llm/router.h"
#include "llm/usage_log.h"
#include "memory/memory.h"
#include "store/store.h"

#include <memory>
#include <optional>

namespace devagent::cli {

struct App {
  // The event loop of one-shot commands. Declared first so it outlives the
  // HTTP client, whose pooled connections belong to it.
  boost::asio::io_context io;
  config::Config config;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<http::Client> http;
  std::unique_ptr<llm::ProviderSet> providers;
  std::unique_ptr<llm::UsageLog> usage;
  std::unique_ptr<llm::BudgetGuard> budget;
  std::unique_ptr<llm::Router> router;
  // The agent's stack, made by open_agent(): the code index, GitHub, tools.
  std::unique_ptr<code::CodeIntel> code;
  std::unique_ptr<github::GitHubClient> github;
  std::unique_ptr<tools::ToolRegistry> tools;
  std::unique_ptr<agent::Agent> agent;
  // The response cache in front of the agent's model calls (nullptr when cache.enabled is false).
  std::unique_ptr<cache::ResponseCache> cache;
  // Conversation memory, made by open_memory() (nullptr when memory.enabled is false).
  std::unique_ptr<memory::MemoryStore> memory;

  // Builds the whole stack. On failure prints the one error line, sets
  // exit_code (2 for configuration, 1 otherwise) and returns nullptr.
  static std::unique_ptr<App> open(const GlobalFlags& flags, int& exit_code, Role role = Role::command);
  // Adds the agent's stack to an opened App, with the response cache in
  // front of it unless use_cache is false. On failure prints the error, sets
  // exit_code and returns false.
  bool open_agent(int& exit_code, bool use_cache = true);
  // Opens the response cache alone (cache commands). Same failure contract.
  bool open_cache(int& exit_code);
  // Opens conversation memory and builds its indexes from the store. On
  // failure prints the error, sets exit_code and returns false.
  bool open_memory(int& exit_code);
  App() = default;
  ~App();  // flushes the usage log before the store closes
};

}  // namespace devagent::cli
