// Route handlers, grouped by the area they serve (internal to the server
// module). routes.cpp puts them in one table.
#pragma once

#include "server/exchange.h"
#include "server/server.h"

#include <boost/asio/awaitable.hpp>

namespace devagent::server::handlers {

using boost::asio::awaitable;

// health.cpp
awaitable<void> healthz(Exchange& ex);
awaitable<void> readyz(Services& services, Exchange& ex);
awaitable<void> metrics(Exchange& ex);
awaitable<void> version(Exchange& ex);

}  // namespace devagent::server::handlers

namespace devagent::server::handlers {
// config_check.cpp
awaitable<void> check_config(Exchange& ex);
// usage_routes.cpp
awaitable<void> usage(Services& services, Exchange& ex);
// providers_routes.cpp
awaitable<void> providers(Services& services, Exchange& ex);
// tools_routes.cpp
awaitable<void> tools(Services& services, Exchange& ex);
}  // namespace devagent::server::handlers
