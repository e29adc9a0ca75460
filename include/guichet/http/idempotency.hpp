#pragma once
// Idempotency keys for unsafe requests (IETF httpapi draft "The Idempotency-Key HTTP Header
// Field"): a client that did not get the answer to a POST or DELETE (a timeout, a reset
// connection, a node that died) sends it again with the same key and gets the first answer
// again, marked `Idempotent-Replayed: true`, instead of a second booking or a 409 for the slot it
// already holds.
//
// - API routes (under /api/) read the `Idempotency-Key` header; keys are scoped by the
//   Authorization header (its SHA-256), so two clients' keys never meet.
// - Page routes read the hidden form field `idempotency_key` (the booking forms carry one, made
//   when the form was rendered), scoped by the signed-in account.
// - The same key with another method, target or body: 422 `idempotency_key_reused`.
// - The same key while the first request is still being handled: 409
//   `idempotency_key_in_progress`.
// - An answer of 5xx is not kept (the key is released), so a retry runs the request again.
// - Keys and answers are kept 24 hours in `idempotency_keys` (owned by this module), in the
//   database, so every node replays them.
#include "guichet/core/clock.hpp"
#include "guichet/http/application.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::http {

inline constexpr std::string_view kIdempotencyKeyField = "idempotency_key";

struct IdempotencyOptions {
  std::chrono::hours kept{24};
  std::size_t max_stored_body = 64 * 1024;  // a larger answer is not kept (the key is released)
};

// `page_errors` renders refusals on page routes, as the other layers do.
Middleware idempotency(storage::Database& db, const Clock& clock, ErrorRenderer page_errors,
                       IdempotencyOptions options = {});

}  // namespace guichet::http
