// POST /api/v1/config/check: validates a configuration document (the JSON
// form of a config file) the way start-up would, so a deployment can check a
// change before rolling it out. Nothing is applied.
#include "core/config.h"
#include "server/handlers.h"

namespace devagent::server::handlers {

awaitable<void> check_config(Exchange& ex) {
  auto body = ex.json_body();
  if (!body) {
    co_await ex.reply_error(body.error());
    co_return;
  }
  if (!body->is_object()) {
    co_await ex.reply_error(400, "invalid_request", "expected a JSON object like {\"server\": {\"listen\": ...}}");
    co_return;
  }
  auto config = config::Config::defaults();
  if (auto r = config.apply(body->get_object(), config::Source::file); !r) {
    boost::json::value out = {{"valid", false}, {"error", r.error().message}};
    co_await ex.reply_json(422, out);
    co_return;
  }
  boost::json::value out = {{"valid", true}, {"config", config.to_json()}};
  co_await ex.reply_json(200, out);
}

}  // namespace devagent::server::handlers
