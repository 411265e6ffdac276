#include "server/router.h"

#include <boost/beast/http/verb.hpp>

namespace devagent::server {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string, std::less<>>& params) {
  auto ps = segments(pattern);
  auto xs = segments(path);
  for (size_t i = 0; i < ps.size(); ++i) {
    auto p = ps[i];
    if (p.size() > 3 && p.substr(0, 2) == "{*" && p.back() == '}') {
      std::string rest;
      for (size_t j = i; j < xs.size(); ++j) rest += (j > i ? "/" : "") + std::string(xs[j]);
      params.emplace(std::string(p.substr(2, p.size() - 3)), rest);
      return true;
    }
    if (i >= xs.size()) return false;
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      params.emplace(std::string(p.substr(1, p.size() - 2)), std::string(xs[i]));
    } else if (p != xs[i]) {
      return false;
    }
  }
  return ps.size() == xs.size();
}

}  // namespace

Match Router::match(boost::beast::http::verb method, std::string_view path) const {
  Match m;
  for (const auto& route : routes_) {
    std::map<std::string, std::string, std::less<>> params;
    if (!match_pattern(route.pattern, path, params)) continue;
    m.path_matched = true;
    m.allow.emplace_back(boost::beast::http::to_string(route.method));
    if (route.method == method || (method == boost::beast::http::verb::head &&
                                   route.method == boost::beast::http::verb::get)) {
      if (!m.route) {
        m.route = &route;
        m.params = std::move(params);
      }
    }
  }
  return m;
}

}  // namespace devagent::server
