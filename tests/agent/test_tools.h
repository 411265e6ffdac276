// Tools for agent tests: behaviour given as a coroutine, schema as JSON text.
#pragma once

#include "tools/tool.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <functional>

namespace devagent::testing {

using ToolFn = std::function<boost::asio::awaitable<Result<boost::json::object>>(const boost::json::object&,
                                                                                 tools::ToolContext)>;

class FnTool : public tools::Tool {
 public:
  FnTool(std::string name, std::string_view schema, ToolFn fn)
      : spec_{std::move(name), "a test tool", boost::json::parse(schema).as_object()}, fn_(std::move(fn)) {}
  const llm::ToolSpec& spec() const override { return spec_; }
  boost::asio::awaitable<Result<boost::json::object>> run(const boost::json::object& args,
                                                          tools::ToolContext ctx) override {
    co_return co_await fn_(args, std::move(ctx));
  }

 private:
  llm::ToolSpec spec_;
  ToolFn fn_;
};

inline constexpr std::string_view kAnyObject = R"({"type": "object"})";

// Waits on a timer; with honour_cancel the tool's CancelToken ends the wait.
inline boost::asio::awaitable<bool> wait_for(std::chrono::milliseconds d, const CancelToken& cancel,
                                             bool honour_cancel) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
  CancelRegistration reg;
  if (honour_cancel) {
    auto ex = co_await boost::asio::this_coro::executor;
    reg = cancel.on_cancel([&t] { t.cancel(); });
  }
  auto [ec] = co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return !ec;
}

}  // namespace devagent::testing
