#include "guichet/http/idempotency.hpp"

#include "guichet/core/digest.hpp"
#include "guichet/http/errors.hpp"

namespace guichet::http {
namespace {

bool unsafe(Method method) {
  return method == Method::post || method == Method::put || method == Method::patch || method == Method::del;
}

// The draft makes the key an sf-string: printable ASCII. 255 characters is plenty for a UUID.
bool acceptable_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

struct KeyedRequest {
  std::string scope;
  std::string key;
};

// Which key this request carries, and whose it is; none when it carries none or has no owner.
std::optional<KeyedRequest> keyed(const Request& request) {
  if (!unsafe(request.method)) return std::nullopt;
  if (request.route_kind == RouteKind::api) {
    auto key = request.header("Idempotency-Key");
    auto authorization = request.header("Authorization");
    if (!key || !authorization) return std::nullopt;
    // Sent as a structured-field string, "…"; the quotes are not part of the key.
    std::string_view value = *key;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return KeyedRequest{"bearer:" + sha256_hex(*authorization), std::string(value)};
  }
  auto field = request.form.get(kIdempotencyKeyField);
  if (!field || !request.principal) return std::nullopt;
  return KeyedRequest{"user:" + std::to_string(request.principal->user_id), std::string(*field)};
}

std::string fingerprint_of(const Request& request) {
  std::string text = request.method_name + " " + request.target + "\n";
  if (request.route_kind == RouteKind::api) {
    text += request.body;
  } else {
    // A page's form is compared without its CSRF token, which a reloaded page changes.
    for (const auto& [name, value] : request.form.items()) {
      if (name == "csrf_token") continue;
      text += name + "=" + value + "\n";
    }
  }
  return sha256_hex(text);
}

// A page gets an error page, the API its JSON error; the status is the error's.
Response refusal(const ErrorRenderer& page_errors, Request& request, const Error& error) {
  return request.route_kind == RouteKind::api || !page_errors ? json_error(request, error)
                                                              : page_errors(request, error);
}

Error in_progress() {
  return make_error(Errc::idempotency_key_in_progress,
                    "a request with this Idempotency-Key is being handled; try again shortly");
}

}  // namespace

Middleware idempotency(storage::Database& db, const Clock& clock, ErrorRenderer page_errors,
                       IdempotencyOptions options) {
  return [&db, &clock, page_errors = std::move(page_errors), options](const Route& route, Handler next) -> Handler {
    if (route.options.kind == RouteKind::asset) return next;
    return [&db, &clock, page_errors, options, next = std::move(next)](Request& request) -> Response {
      auto keyed_request = keyed(request);
      if (!keyed_request) return next(request);
      if (!acceptable_key(keyed_request->key)) {
        return refusal(
            page_errors, request,
            make_error(Errc::bad_idempotency_key, "Idempotency-Key must be 1 to 255 printable ASCII characters"));
      }
      const std::string fingerprint = fingerprint_of(request);
      const std::int64_t now = to_unix_micros(clock.now());
      const std::int64_t expired = now - std::chrono::duration_cast<std::chrono::microseconds>(options.kept).count();

      // Claim the key; if it is taken, the row says what to answer.
      auto claimed = db.transaction([&](storage::Connection& c) -> Result<std::optional<storage::Row>> {
        auto pruned = c.execute("DELETE FROM idempotency_keys WHERE created_at < ?", {expired});
        if (!pruned) return std::move(pruned).error();
        auto existing = c.query(
            "SELECT fingerprint, status, content_type, location, body FROM idempotency_keys "
            "WHERE scope = ? AND idempotency_key = ?",
            {keyed_request->scope, keyed_request->key});
        if (!existing) return std::move(existing).error();
        if (!existing->empty()) return std::optional<storage::Row>(existing->rows[0]);
        auto inserted = c.execute(
            "INSERT INTO idempotency_keys (scope, idempotency_key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
            {keyed_request->scope, keyed_request->key, fingerprint, now});
        if (!inserted) return std::move(inserted).error();
        return std::optional<storage::Row>();
      });
      if (!claimed) {
        // Two first requests with one key at once: the other one inserted it (the only conflict
        // this transaction can meet).
        if (claimed.error().kind == ErrorKind::conflict) return refusal(page_errors, request, in_progress());
        return refusal(page_errors, request, claimed.error());
      }
      if (const auto& row = *claimed) {
        if (row->text(0) != fingerprint) {
          return refusal(
              page_errors, request,
              make_error(Errc::idempotency_key_reused, "this Idempotency-Key was used for a different request"));
        }
        if (row->is_null(1)) return refusal(page_errors, request, in_progress());
        Response replay;
        replay.status = static_cast<int>(row->integer(1));
        if (!row->is_null(2)) replay.headers.set("Content-Type", row->text(2));
        if (!row->is_null(3)) replay.headers.set("Location", row->text(3));
        replay.body = row->text(4);
        replay.headers.set("Idempotent-Replayed", "true");
        replay.headers.set("Cache-Control", "no-store");
        return replay;
      }

      Response response = next(request);
      const bool keep = response.status < 500 && !response.shared_body && !response.stream && !response.events &&
                        response.body.size() <= options.max_stored_body;
      auto recorded = db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
        if (!keep) {
          return c.execute("DELETE FROM idempotency_keys WHERE scope = ? AND idempotency_key = ?",
                           {keyed_request->scope, keyed_request->key});
        }
        auto header = [&](std::string_view name) -> storage::Value {
          auto value = response.headers.get(name);
          return value ? storage::Value(std::string(*value)) : storage::Value(nullptr);
        };
        return c.execute(
            "UPDATE idempotency_keys SET status = ?, content_type = ?, location = ?, body = ? "
            "WHERE scope = ? AND idempotency_key = ?",
            {std::int64_t{response.status}, header("Content-Type"), header("Location"), response.body,
             keyed_request->scope, keyed_request->key});
      });
      // The request itself is done either way; a key left "in progress" answers 409 until it
      // expires, which is the safe side: the first request's outcome is not repeated.
      if (!recorded)
        response.failure_cause += " (idempotency key not recorded: " + std::string(recorded.error().code.name()) + ")";
      return response;
    };
  };
}

}  // namespace guichet::http
