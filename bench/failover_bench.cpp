// How long the router takes to get the next candidate under way after the
// primary refuses the connection: the time from the start of a call to the
// moment the fallback's request reaches its upstream, against the same time
// when that upstream is the primary. Prints p50/p99 of both and of the
// difference (the failover cost). Goal: the fallback under way in < 50 ms.
#include "core/config.h"
#include "http/client.h"
#include "llm/providers.h"
#include "llm/router.h"
#include "support/coro.h"
#include "support/fake_upstream.h"
#include "support/http_client.h"

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace devagent;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

std::vector<double> measure(llm::Router& router, testing::FakeUpstream& target, int rounds) {
  std::vector<double> out;
  llm::ChatRequest req;
  req.messages = {{.role = llm::Role::user, .content = "hi"}};
  for (int i = 0; i < rounds; ++i) {
    auto before = target.requests().size();
    auto t0 = Clock::now();
    auto r = testing::run_coro(router.chat("response", req, [](const llm::Delta&) {}, {}, {}));
    if (!r) {
      std::fprintf(stderr, "call failed: %s\n", r.error().message.c_str());
      continue;
    }
    auto reqs = target.requests();
    if (reqs.size() <= before) continue;
    out.push_back(std::chrono::duration<double, std::milli>(reqs.back().received - t0).count());
  }
  return out;
}

}  // namespace

int main() {
  const int rounds = 300;
  testing::FakeUpstream live;
  testing::RefusingPort refusing;
  unsigned short closed_port = refusing.port();
  config::LoadOptions lo;
  lo.environment = std::map<std::string, std::string>{
      {"DEVAGENT_PROVIDERS_DOWN_TYPE", "openai"},
      {"DEVAGENT_PROVIDERS_DOWN_BASE_URL", "http://127.0.0.1:" + std::to_string(closed_port)},
      {"DEVAGENT_PROVIDERS_LIVE_TYPE", "openai"},
      {"DEVAGENT_PROVIDERS_LIVE_BASE_URL", live.base_url()}};
  auto cfg = config::Config::load(lo);
  http::Client client;
  auto set = llm::ProviderSet::from_config(*cfg, client);
  llm::RouterOptions options;
  options.breaker.failures = 1'000'000;  // keep the dead primary in play every round
  llm::Router direct(options, *set, {{.task = "response", .candidates = {{"live", "m"}}}}, llm::PriceTable::builtin(),
                     nullptr, nullptr);
  llm::Router failover(options, *set, {{.task = "response", .candidates = {{"down", "m"}, {"live", "m"}}}},
                       llm::PriceTable::builtin(), nullptr, nullptr);
  measure(direct, live, 20);  // warm up
  auto base = measure(direct, live, rounds);
  auto fail = measure(failover, live, rounds);
  std::printf("failover after a refused connection, %d rounds each (ms from call start to the live upstream's request)\n",
              rounds);
  std::printf("  live upstream as primary   p50 %.3f  p99 %.3f\n", percentile(base, 0.5), percentile(base, 0.99));
  std::printf("  live upstream as fallback  p50 %.3f  p99 %.3f\n", percentile(fail, 0.5), percentile(fail, 0.99));
  std::printf("  failover cost              p50 %.3f  p99 %.3f  (goal: next candidate under way < 50 ms)\n",
              percentile(fail, 0.5) - percentile(base, 0.5), percentile(fail, 0.99) - percentile(base, 0.99));
  return 0;
}
