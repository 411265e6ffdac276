#include "agent/context.h"

#include <boost/json/serialize.hpp>

namespace devagent::agent {

namespace json = boost::json;

namespace {

// A UTF-8-safe prefix of at most n bytes.
std::string prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

json::value shrink(const json::value& v, std::size_t max_items, std::size_t max_chars) {
  if (v.is_string()) {
    const auto& s = v.as_string();
    if (s.size() <= max_chars) return v;
    return json::string(prefix(s, max_chars) + "… (" + std::to_string(s.size()) + " bytes in all)");
  }
  if (v.is_array()) {
    const auto& a = v.as_array();
    json::array out;
    for (std::size_t i = 0; i < a.size() && i < max_items; ++i) out.push_back(shrink(a[i], max_items, max_chars));
    if (a.size() > max_items) out.emplace_back("… and " + std::to_string(a.size() - max_items) + " more");
    return out;
  }
  if (v.is_object()) {
    json::object out;
    for (const auto& kv : v.as_object()) out[kv.key()] = shrink(kv.value(), max_items, max_chars);
    return out;
  }
  return v;
}

}  // namespace

std::string result_for_model(const TaskResult& r, std::size_t max_bytes) {
  json::value doc = r.status == TaskResult::Status::ok
                        ? json::value(r.result)
                        : json::value(json::object{{"status", to_string(r.status)}, {"error", r.error}});
  std::string text = json::serialize(doc);
  static const std::pair<std::size_t, std::size_t> steps[] = {{100, 4000}, {50, 1000}, {20, 400}, {10, 200},
                                                             {5, 120},    {3, 80},    {1, 60}};
  for (auto [items, chars] : steps) {
    if (text.size() <= max_bytes) return text;
    text = json::serialize(shrink(doc, items, chars));
  }
  if (text.size() <= max_bytes) return text;
  return prefix(text, max_bytes) + "… (truncated)";
}

std::string results_for_model(const std::vector<TaskResult>& results, std::size_t max_tokens) {
  if (results.empty()) return {};
  std::size_t budget = max_tokens * 4;
  std::size_t share = budget / results.size();
  std::string out;
  for (const auto& r : results) {
    out += "### " + r.id + " " + r.tool + " " + json::serialize(r.arguments) + "\n";
    out += result_for_model(r, share > 256 ? share - 128 : 128);
    out += "\n\n";
  }
  return out;
}

}  // namespace devagent::agent
