// GET /api/v1/tools: the agent's tools with the JSON Schema of their
// arguments — the same specs every provider's function-calling format gets.
#include "server/handlers.h"
#include "tools/tool.h"

#include <boost/json.hpp>

namespace devagent::server::handlers {

awaitable<void> tools(Services& services, Exchange& ex) {
  if (!services.tools) {
    co_await ex.reply_error(503, "unavailable", "no tools in this server");
    co_return;
  }
  boost::json::array list;
  for (const auto& spec : services.tools->specs()) {
    list.push_back(boost::json::object{
        {"name", spec.name}, {"description", spec.description}, {"parameters", spec.parameters}});
  }
  boost::json::value doc = boost::json::object{{"tools", std::move(list)}};
  co_await ex.reply_json(200, doc);
}

}  // namespace devagent::server::handlers
