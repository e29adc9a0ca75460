#pragma once
// Webhooks: other systems subscribe to events; each event is delivered as an HTTPS POST of JSON
// through the outbox, so it commits with the change that caused it and is retried with back-off
// until the receiver answers 2xx. The receiver checks the signature:
//   Guichet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// and may refuse a timestamp too far from its clock, which defeats replays.
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::jobs {

inline constexpr const char* kWebhookJobKind = "webhook.call";

struct NewWebhook {
  std::string url;  // https://, or http:// on a loopback address (for development)
  std::vector<std::string> events;
  std::string administration;  // empty: every administration's events
  std::string actor = "cli";
};

struct Webhook {
  std::int64_t id = 0;
  std::string url;
  std::string secret;  // shown once, when created
  std::vector<std::string> events;
  std::string administration;
};

// Checks the URL and the event names against `known_events` and generates the secret. `audit`
// records it in the same transaction (the identity module's log, which this module cannot see).
// `secrets` (nullable) seals the secret at rest; the sender opens it with the same key.
Result<Webhook> add_webhook(storage::Database& db, const NewWebhook& webhook, const std::set<std::string>& known_events,
                            const Clock& clock, const SecretKey* secrets,
                            const std::function<Result<void>(storage::Connection&, const Webhook&)>& audit = {});
Result<std::vector<Webhook>> list_webhooks(storage::Database& db);  // secrets left out

// Enqueues one delivery per active subscription to `event` for one of `administrations`, in the
// caller's transaction. `data` is a JSON value; `key` makes the event's deliveries idempotent.
Result<void> publish_event(storage::Connection& transaction, const std::string& event,
                           const std::set<std::string>& administrations, const std::string& data,
                           const std::string& key, const Clock& clock);

// The signature header value for a body sent at `at`.
std::string webhook_signature(const std::string& secret, Instant at, std::string_view body);

class WebhookSender {
 public:
  WebhookSender(storage::Database& db, const Clock& clock, const SecretKey* secrets,
                std::chrono::seconds timeout = std::chrono::seconds(10));
  // A JobHandler for kWebhookJobKind: anything but a 2xx answer is a failure, retried later.
  Result<void> run_job(const Job& job) const;

 private:
  storage::Database& db_;
  const Clock& clock_;
  const SecretKey* secrets_;
  std::chrono::seconds timeout_;
};

// Webhook secrets, sealed at rest (admin keys rotate-kek, start-up check).
inline constexpr storage::SealedColumn kSealedWebhookSecrets{"webhook_subscriptions", "id", true, "secret",
                                                             "webhook_subscriptions.secret:"};

}  // namespace guichet::jobs
