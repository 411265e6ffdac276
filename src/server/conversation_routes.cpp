// Stored conversations: list, read, delete, and feedback on an answer. The
// store work runs on the blocking pool (run_blocking).
#include "core/blocking.h"
#include "memory/conversations.h"
#include "memory/memory.h"
#include "server/handlers.h"

#include <boost/json.hpp>

namespace devagent::server::handlers {
namespace json = boost::json;

namespace {
constexpr int kListLimit = 100;
}

awaitable<void> list_conversations(Services& services, Exchange& ex) {
  if (!services.db) {
    co_await ex.reply_error(503, "unavailable", "no store in this server");
    co_return;
  }
  memory::Conversations store(*services.db);
  auto list = co_await run_blocking([&] { return store.list(kListLimit); });
  if (!list) {
    Error error = list.error();
    co_await ex.reply_error(error);
    co_return;
  }
  json::array items;
  for (const auto& c : *list) items.push_back(memory::to_json(c));
  json::value doc = json::object{{"conversations", std::move(items)}};
  co_await ex.reply_json(200, doc);
}

awaitable<void> get_conversation(Services& services, Exchange& ex) {
  if (!services.db) {
    co_await ex.reply_error(503, "unavailable", "no store in this server");
    co_return;
  }
  memory::Conversations store(*services.db);
  std::string id = ex.param("id");
  auto found = co_await run_blocking([&] { return store.get(id); });
  if (!found) {
    Error error = found.error();
    co_await ex.reply_error(error);
    co_return;
  }
  if (!*found) {
    co_await ex.reply_error(404, "not_found", "no such conversation");
    co_return;
  }
  json::object doc = memory::to_json((*found)->summary);
  json::array messages;
  for (const auto& m : (*found)->messages) messages.push_back(memory::to_json(m));
  doc["messages"] = std::move(messages);
  json::value body = std::move(doc);
  co_await ex.reply_json(200, body);
}

awaitable<void> delete_conversation(Services& services, Exchange& ex) {
  if (!services.db) {
    co_await ex.reply_error(503, "unavailable", "no store in this server");
    co_return;
  }
  memory::Conversations store(*services.db);
  std::string id = ex.param("id");
  auto removed = co_await run_blocking([&] { return store.remove(id); });
  if (!removed) {
    Error error = removed.error();
    co_await ex.reply_error(error);
    co_return;
  }
  if (!*removed) {
    co_await ex.reply_error(404, "not_found", "no such conversation");
    co_return;
  }
  // What memory kept of it goes too.
  if (auto* mem = services.memory) {
    auto forgotten = co_await run_blocking([&] { return mem->forget_conversation(id); });
    if (!forgotten) {
      Error error = forgotten.error();
      co_await ex.reply_error(error);
      co_return;
    }
  }
  co_await ex.reply(204, std::string(), "application/json");
}

awaitable<void> message_feedback(Services& services, Exchange& ex) {
  if (!services.db) {
    co_await ex.reply_error(503, "unavailable", "no store in this server");
    co_return;
  }
  auto body = ex.json_body();
  if (!body) {
    Error error = body.error();
    co_await ex.reply_error(error);
    co_return;
  }
  const auto* rating = body->is_object() ? body->as_object().if_contains("rating") : nullptr;
  if (!rating || !rating->is_int64() || rating->as_int64() < -1 || rating->as_int64() > 1) {
    co_await ex.reply_error(400, "invalid_argument", "rating must be 1 (thumbs up), -1 (thumbs down) or 0 (none)");
    co_return;
  }
  int value = static_cast<int>(rating->as_int64());
  memory::Conversations store(*services.db);
  std::string id = ex.param("id");
  auto updated = co_await run_blocking([&] { return store.set_feedback(id, value); });
  if (!updated) {
    Error error = updated.error();
    co_await ex.reply_error(error);
    co_return;
  }
  if (!*updated) {
    co_await ex.reply_error(404, "not_found", "no such message");
    co_return;
  }
  json::value doc = json::object{{"id", id}, {"rating", value}};
  co_await ex.reply_json(200, doc);
}

}  // namespace devagent::server::handlers
