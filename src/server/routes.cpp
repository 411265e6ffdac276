// Every route the server answers, in one table, read top to bottom.
#include "server/handlers.h"
#include "server/router.h"

namespace devagent::server {

using boost::beast::http::verb;
namespace h = handlers;

std::vector<Route> routes(Services& s) {
  return {
      {verb::get, "/healthz", h::healthz},
      {verb::get, "/readyz", [&s](Exchange& ex) { return h::readyz(s, ex); }},
      {verb::get, "/metrics", h::metrics},
      {verb::get, "/api/v1/version", h::version},
      {verb::post, "/api/v1/config/check", h::check_config},
      {verb::get, "/api/v1/usage", [&s](Exchange& ex) { return h::usage(s, ex); }},
      {verb::get, "/api/v1/providers", [&s](Exchange& ex) { return h::providers(s, ex); }},
      {verb::get, "/api/v1/tools", [&s](Exchange& ex) { return h::tools(s, ex); }},
  };
}

}  // namespace devagent::server
