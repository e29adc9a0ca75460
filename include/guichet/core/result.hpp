#pragma once
// Expected failures are values: every module returns Result<T>. An Error carries its module's typed
// code (ErrorCode, from the module's errors.def) and that code's kind; the HTTP layer maps ErrorKind
// to a status code in exactly one place (http_status in http/application.cpp).
#include <cassert>
#include <concepts>
#include <cstddef>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
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
  unprocessable,           // 422: well-formed, but contradicts an earlier request (a reused idempotency key)
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  headers_too_large,       // 431
  rate_limited,            // 429
  not_implemented,         // 501: an HTTP method this server does not know
  unavailable,             // 503: a dependency (database, SMTP) cannot be reached
  internal,                // 500: a bug or an unexpected failure; details are logged, never shown
};

std::string_view to_string(ErrorKind kind);

// What one error code means: its stable wire name (the JSON "error" member, log lines), its kind
// (hence its HTTP status, mapped once in http_status) and, when people see a text for it, the
// message key of that text. Each module lists its codes once, in include/guichet/<module>/errors.def.
struct ErrorCodeInfo {
  std::string_view name;
  ErrorKind kind;
  std::string_view message_key;
};

// The codes of one module.
struct ErrorDomain {
  std::string_view module;
  std::span<const ErrorCodeInfo> codes;
};

// A module's error-code enum: an enum with an error_domain() overload found by argument-dependent lookup.
template <class E>
concept ErrorCodeEnum = std::is_enum_v<E> && requires(E code) {
  { error_domain(code) } -> std::same_as<const ErrorDomain&>;
};

// One module's code, held as (domain, value) so any module's enum converts to it and comparisons are
// by value: error.code == identity::Errc::wrong_password. Never compared as a string.
class ErrorCode {
 public:
  ErrorCode() = default;
  template <ErrorCodeEnum E>
  ErrorCode(E code)
      : domain_(&error_domain(code)), value_(static_cast<int>(code)) {  // NOLINT(google-explicit-constructor)
    assert(value_ >= 0 && static_cast<std::size_t>(value_) < domain_->codes.size());
  }

  // "internal" for a default-constructed code.
  std::string_view name() const { return domain_ ? info().name : "internal"; }
  ErrorKind kind() const { return domain_ ? info().kind : ErrorKind::internal; }
  std::string_view message_key() const { return domain_ ? info().message_key : std::string_view(); }
  std::string_view module() const { return domain_ ? domain_->module : "core"; }

  bool operator==(const ErrorCode& other) const { return domain_ == other.domain_ && value_ == other.value_; }
  template <ErrorCodeEnum E>
  bool operator==(E code) const {
    return *this == ErrorCode(code);
  }

 private:
  const ErrorCodeInfo& info() const { return domain_->codes[static_cast<std::size_t>(value_)]; }

  const ErrorDomain* domain_ = nullptr;
  int value_ = 0;
};

// Prints module.name (tests, diagnostics).
std::ostream& operator<<(std::ostream& out, const ErrorCode& code);

struct Error {
  ErrorKind kind = ErrorKind::internal;  // the code's kind unless a caller states another
  ErrorCode code;
  std::string message;  // for people; for internal/unavailable kinds it is only logged
  // Storage errors: the violated constraint as the engine names it (PostgreSQL's constraint name,
  // SQLite's trigger message or "table.column" list), so a lost race is recognised by constraint
  // and never by searching message text.
  std::string constraint;
  // Validation errors: the input field at fault, so a page can show the message next to it.
  std::string field;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code.kind(), code, std::move(message), {}, {}};
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
