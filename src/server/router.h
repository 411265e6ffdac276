// The route table type and path matching (internal to the server module).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::server {

class Exchange;
struct Services;

using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

struct Route {
  boost::beast::http::verb method;
  std::string pattern;  // "/api/v1/conversations/{id}"; a final "{*rest}" matches the remaining path
  Handler handler;
};

struct Match {
  const Route* route = nullptr;
  std::map<std::string, std::string, std::less<>> params;
  bool path_matched = false;       // some route has this path, maybe with another method
  std::vector<std::string> allow;  // methods allowed on the path, for 405
};

class Router {
 public:
  explicit Router(std::vector<Route> routes) : routes_(std::move(routes)) {}
  Match match(boost::beast::http::verb method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The one flat table of every route the server answers (routes.cpp).
std::vector<Route> routes(Services& services);

}  // namespace devagent::server
