#pragma once
// Expected failures are values: every module returns Result<T> and the HTTP layer maps
// ErrorKind to a status code in exactly one place (http_status in http/application.cpp).
#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace guichet {

enum class ErrorKind {
  invalid_input,           // 400: the request is malformed or fails validation
  unauthenticated,         // 401
  forbidden,               // 403
  not_found,               // 404
  method_not_allowed,      // 405
  timeout,                 // 408
  conflict,                // 409: a uniqueness rule or a concurrent change won
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  headers_too_large,       // 431
  rate_limited,            // 429
  not_implemented,         // 501: an HTTP method this server does not know
  unavailable,             // 503: a dependency (database, SMTP) cannot be reached
  internal,                // 500: a bug or an unexpected failure; details are logged, never shown
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string code;     // stable, machine-readable: "invalid_utf8", "unique_violation"
  std::string message;  // for people; for internal/unavailable kinds it is only logged
  // Storage errors: the violated constraint as the engine names it (PostgreSQL's constraint name,
  // SQLite's trigger message or "table.column" list), so a lost race is recognised by constraint
  // and never by searching message text.
  std::string constraint;
};

inline Error make_error(ErrorKind kind, std::string code, std::string message) {
  return Error{kind, std::move(code), std::move(message), {}};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace guichet
