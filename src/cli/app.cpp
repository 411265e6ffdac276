#include "cli/app.h"


#include "tools/default_tools.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace devagent::cli {

App::~App() {
  if (http) http->drop_idle_connections();
  agent.reset();
  tools.reset();
  github.reset();
  code.reset();
  // Members are destroyed in reverse order; the router goes first, then the
  // usage log flushes while the store is still open.
  router.reset();
  if (usage) usage->flush();
  usage.reset();
}

namespace {

Result<llm::PriceTable> load_prices(const config::Config& c) {
  auto table = llm::PriceTable::builtin();
  const auto& file = c.str("router.prices_file");
  if (file.empty()) return table;
  std::ifstream in(file);
  if (!in) return make_error(ErrorKind::config, "router.prices_file: cannot read " + file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto extra = llm::PriceTable::parse(ss.str(), file);
  if (!extra) return make_error(ErrorKind::config, "router.prices_file: " + extra.error().message);
  table.merge(*extra);
  return table;
}

Result<llm::BudgetLimits> budget_limits(const config::Config& c) {
  llm::BudgetLimits limits;
  limits.daily_tokens = c.integer("budgets.daily_tokens");
  // A dollar amount read as a price per million tokens gives pico-dollars per
  // token, which is micro-dollars of the amount: x1000 for nano-dollars.
  auto micros = llm::parse_price_per_million(c.str("budgets.daily_cost"));
  if (!micros) return make_error(ErrorKind::config, "budgets.daily_cost: " + micros.error().message);
  limits.daily_cost_nanos = *micros * 1000;
  return limits;
}

}  // namespace

std::unique_ptr<App> App::open(const GlobalFlags& flags, int& exit_code, Role role) {
  auto cfg = load_config(flags, role);
  if (!cfg) {
    exit_code = kExitUsage;
    return nullptr;
  }
  auto app = std::make_unique<App>();
  app->config = std::move(*cfg);
  const auto& c = app->config;

  app->db = open_store(c, exit_code);
  if (!app->db) return nullptr;

  app->http = std::make_unique<http::Client>(http::ClientOptions::from(c));
  auto providers = llm::ProviderSet::from_config(c, *app->http);
  if (!providers) {
    print_error("configuration error: " + providers.error().message);
    exit_code = kExitUsage;
    return nullptr;
  }
  app->providers = std::make_unique<llm::ProviderSet>(std::move(*providers));

  auto prices = load_prices(c);
  auto limits = budget_limits(c);
  if (!prices || !limits) {
    print_error("configuration error: " + (prices ? limits.error().message : prices.error().message));
    exit_code = kExitUsage;
    return nullptr;
  }
  app->usage = std::make_unique<llm::UsageLog>(*app->db);
  app->budget = std::make_unique<llm::BudgetGuard>(*app->db, *limits);
  auto router = llm::Router::from_config(c, *app->providers, std::move(*prices), app->usage.get(), app->budget.get());
  if (!router) {
    print_error("configuration error: " + router.error().message);
    exit_code = kExitUsage;
    return nullptr;
  }
  app->router = std::move(*router);
  return app;
}

bool App::open_agent(int& exit_code, bool use_cache) {
  auto intel = code::CodeIntel::open(code::CodeOptions::from(config, std::filesystem::current_path()));
  if (!intel) {
    print_error(intel.error().message);
    exit_code = intel.error().kind == ErrorKind::config ? kExitUsage : kExitRuntime;
    return false;
  }
  code = std::move(*intel);
  github = std::make_unique<github::GitHubClient>(*http, db.get(), github::GitHubOptions::from(config));
  tools = std::make_unique<tools::ToolRegistry>(tools::make_default_tools(*code, github.get()));
  agent::PlannerContext planner;
  for (const auto& r : code->workspace().repositories()) planner.workspace_repositories.push_back(r.name);
  auto agent_options = agent::AgentOptions::from(config);
  auto prompts = agent::PromptSet::load(config);
  if (!prompts) {
    print_error(prompts.error().message);
    exit_code = kExitUsage;
    return false;
  }
  agent_options.prompts = std::move(*prompts);
  agent = std::make_unique<agent::Agent>(std::move(agent_options), *tools, *router, std::move(planner));
  if (!use_cache) return true;
  if (!open_cache(exit_code)) return false;
  if (cache) {
    // A local repository's revision is what its index holds (HEAD, files,
    // newest modification): a commit or an edit is a new scope.
    code::CodeIntel* intel = code.get();
    agent->use_cache(cache.get(), [intel](const std::string& spec) -> std::optional<std::string> {
      auto revision_of = [intel](const code::Repository& r) -> std::string {
        auto rev = intel->indexed_revision(r);
        return rev ? *rev : std::string(agent::kNoRevision);
      };
      if (spec == "*") {
        std::string all;
        for (const auto& r : intel->workspace().repositories()) all += r.name + "@" + revision_of(r) + ";";
        return all;
      }
      auto repo = intel->repository(spec);
      if (!repo) return std::nullopt;
      return revision_of(*repo);
    });
  }
  return true;
}

bool App::open_cache(int& exit_code) {
  auto options = cache::CacheOptions::from(config);
  if (!options.enabled) return true;
  auto c = std::make_unique<cache::ResponseCache>(*db, options);
  if (auto ok = c->load(); !ok) {
    print_error("cache: " + ok.error().message);
    exit_code = kExitRuntime;
    return false;
  }
  cache = std::move(c);
  return true;
}

bool App::open_memory(int& exit_code) {
  auto options = memory::MemoryOptions::from(config);
  if (!options.enabled) return true;
  auto m = std::make_unique<memory::MemoryStore>(*db, options);
  if (auto ok = m->load(); !ok) {
    print_error("memory: " + ok.error().message);
    exit_code = kExitRuntime;
    return false;
  }
  memory = std::move(m);
  return true;
}

}  // namespace devagent::cli
