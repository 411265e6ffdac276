#include "llm/provider.h"

#include <stdexcept>

namespace devagent::llm {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::system:
      return "system";
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
    case Role::tool:
      return "tool";
  }
  return "user";
}

std::string_view to_string(FinishReason r) {
  switch (r) {
    case FinishReason::stop:
      return "stop";
    case FinishReason::length:
      return "length";
    case FinishReason::tool_calls:
      return "tool_calls";
    case FinishReason::content_filter:
      return "content_filter";
    case FinishReason::cancelled:
      return "cancelled";
    case FinishReason::error:
      return "error";
    case FinishReason::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::overloaded:
      return "overloaded";
    case ErrorKind::bad_request:
      return "bad_request";
    case ErrorKind::context_length:
      return "context_length";
    case ErrorKind::server:
      return "server";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::connection:
      return "connection";
    case ErrorKind::cancelled:
      return "cancelled";
    case ErrorKind::malformed:
      return "malformed";
    case ErrorKind::unsupported:
      return "unsupported";
    case ErrorKind::budget_exceeded:
      return "budget_exceeded";
  }
  return "server";
}

// Reached only through Outcome::value() on an error, which callers are
// expected to check first: a programmer error, so a plain exception will do.
void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

}  // namespace devagent::llm
