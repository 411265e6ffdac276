// GET /api/v1/providers: the configured providers, each route's candidates
// and their circuit-breaker states, as the router sees them now.
#include "llm/providers.h"
#include "llm/router.h"
#include "server/handlers.h"

#include <boost/json.hpp>

namespace devagent::server::handlers {

namespace {

boost::json::object providers_document(const llm::ProviderSet& providers, const llm::Router& router) {
  boost::json::array list;
  for (const llm::Provider* p : providers.all()) {
    list.push_back(boost::json::object{{"name", p->name()},
                                       {"type", p->type()},
                                       {"model", p->default_model()},
                                       {"embedding_model", p->default_embedding_model()}});
  }
  auto status = router.status();
  boost::json::array routes;
  for (const auto& r : router.routes()) {
    boost::json::array candidates;
    for (const auto& c : r.candidates) {
      std::string circuit = "closed";
      int failures = 0;
      for (const auto& s : status) {
        if (s.task == r.task && s.candidate.label() == c.label()) {
          circuit = std::string(llm::to_string(s.circuit));
          failures = s.consecutive_failures;
        }
      }
      candidates.push_back(boost::json::object{{"provider", c.provider},
                                               {"model", c.model},
                                               {"circuit", circuit},
                                               {"consecutive_failures", failures}});
    }
    routes.push_back(boost::json::object{{"task", r.task}, {"derived", r.derived}, {"candidates", std::move(candidates)}});
  }
  return {{"providers", std::move(list)}, {"routes", std::move(routes)}};
}

}  // namespace

awaitable<void> providers(Services& services, Exchange& ex) {
  if (!services.providers || !services.router) {
    co_await ex.reply_error(503, "unavailable", "no LLM router in this server");
    co_return;
  }
  boost::json::value doc = providers_document(*services.providers, *services.router);
  co_await ex.reply_json(200, doc);
}

}  // namespace devagent::server::handlers
