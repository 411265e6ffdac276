// The memory API (docs/memory.md): search, list, forget.
#include "core/blocking.h"
#include "memory/memory.h"
#include "server/handlers.h"

#include <boost/json.hpp>

#include <charconv>

namespace devagent::server::handlers {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxQueryBytes = 2048;

std::optional<int> whole_number(const std::string& text, int lo, int hi) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < lo || n > hi) return std::nullopt;
  return n;
}

bool valid_kind(const std::string& k) { return k == "fact" || k == "summary" || k == "entity" || k == "message"; }

}  // namespace

awaitable<void> memory_search(Services& services, Exchange& ex) {
  if (!services.memory) {
    co_await ex.reply_error(503, "unavailable", "memory is off in this server (memory.enabled = false)");
    co_return;
  }
  std::string q = ex.query("q").value_or("");
  if (q.find_first_not_of(" \t\r\n") == std::string::npos) {
    co_await ex.reply_error(400, "invalid_argument", "q is required: what to recall");
    co_return;
  }
  if (q.size() > kMaxQueryBytes) {
    co_await ex.reply_error(400, "invalid_argument", "q is longer than 2048 bytes");
    co_return;
  }
  memory::SearchOptions options;
  if (auto k = ex.query("k")) {
    auto n = whole_number(*k, 1, 100);
    if (!n) {
      co_await ex.reply_error(400, "invalid_argument", "k must be a whole number from 1 to 100");
      co_return;
    }
    options.k = static_cast<std::size_t>(*n);
  }
  if (auto kind = ex.query("kind")) {
    if (!valid_kind(*kind)) {
      co_await ex.reply_error(400, "invalid_argument", "kind must be fact, summary, entity or message");
      co_return;
    }
    options.kinds.push_back(*kind);
  }
  if (auto c = ex.query("exclude_conversation")) options.exclude_conversation = *c;
  auto* mem = services.memory;
  auto hits = co_await run_blocking([&] { return mem->search(q, options); });
  if (!hits) {
    Error error = hits.error();
    co_await ex.reply_error(error);
    co_return;
  }
  json::array out;
  for (const auto& h : *hits) out.push_back(memory::to_json(h));
  json::value doc = json::object{{"query", q}, {"memories", std::move(out)}};
  co_await ex.reply_json(200, doc);
}

awaitable<void> memory_list(Services& services, Exchange& ex) {
  if (!services.memory) {
    co_await ex.reply_error(503, "unavailable", "memory is off in this server (memory.enabled = false)");
    co_return;
  }
  memory::ListOptions options;
  if (auto kind = ex.query("kind")) {
    if (!valid_kind(*kind)) {
      co_await ex.reply_error(400, "invalid_argument", "kind must be fact, summary, entity or message");
      co_return;
    }
    options.kind = *kind;
  }
  if (auto c = ex.query("conversation_id")) options.conversation_id = *c;
  if (auto l = ex.query("limit")) {
    auto n = whole_number(*l, 1, 1000);
    if (!n) {
      co_await ex.reply_error(400, "invalid_argument", "limit must be a whole number from 1 to 1000");
      co_return;
    }
    options.limit = *n;
  }
  if (auto s = ex.query("include_superseded")) options.include_superseded = *s == "true" || *s == "1";
  auto* mem = services.memory;
  auto list = co_await run_blocking([&] { return mem->list(options); });
  if (!list) {
    Error error = list.error();
    co_await ex.reply_error(error);
    co_return;
  }
  json::array out;
  for (const auto& f : *list) out.push_back(memory::to_json(f));
  json::value doc = json::object{{"memories", std::move(out)}};
  co_await ex.reply_json(200, doc);
}

awaitable<void> memory_forget(Services& services, Exchange& ex) {
  if (!services.memory) {
    co_await ex.reply_error(503, "unavailable", "memory is off in this server (memory.enabled = false)");
    co_return;
  }
  std::string id = ex.param("id");
  auto* mem = services.memory;
  auto removed = co_await run_blocking([&] { return mem->forget(id); });
  if (!removed) {
    Error error = removed.error();
    co_await ex.reply_error(error);
    co_return;
  }
  if (!*removed) {
    co_await ex.reply_error(404, "not_found", "no such memory");
    co_return;
  }
  co_await ex.reply(204, std::string(), "application/json");
}

}  // namespace devagent::server::handlers
