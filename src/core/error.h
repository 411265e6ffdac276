// Errors as values.
//
// Expected failures (bad input, a missing row, an unreachable upstream) travel
// as `Result<T>`: either a T or an `Error`. Callers check and return early.
// Exceptions are kept for programmer errors and start-up failures.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace devagent {

// What went wrong, coarse enough for a caller to decide what to do about it.
// Each kind maps to one HTTP status (http_status) and one name (to_string),
// which is the "type" field of the JSON error shape.
enum class ErrorKind {
  invalid_argument,  // the caller sent something malformed: 400
  unauthorized,      // no or bad credentials: 401
  forbidden,         // credentials fine, action not allowed: 403
  not_found,         // 404
  conflict,          // 409
  too_large,         // 413
  rate_limited,      // 429
  cancelled,         // the caller went away or asked to stop: 499
  internal,          // a bug or an unexpected state: 500
  unavailable,       // a dependency (store, upstream) cannot serve now: 503
  timeout,           // 504
  config,            // configuration is invalid: start-up stops
  io,                // a file or socket failed
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
};

std::string_view to_string(ErrorKind kind);
int http_status(ErrorKind kind);

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

template <class T = void>
using Result = boost::system::result<T, Error>;

// Thrown only by Result::value() on an error: a programmer error, since callers
// are expected to check first.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(const Error& e) : std::runtime_error(e.message), error_(e) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace devagent
