#pragma once
// The walk-in queue on the web: the JSON API (tickets, call-next, queue lengths, the event
// stream), the shop's kiosk, taking a ticket from a phone, the live ticket page, the display
// board, the public queue page, and the agents' counter page.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "guichet/core/clock.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/queue/events.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue {

// The person behind "Authorization: Bearer" when the token is live and carries `scope`, or the
// 401/403 response to send (oidc::require_bearer, passed in by the site).
using BearerCheck = std::function<std::variant<std::int64_t, http::Response>(const http::Request&, std::string_view)>;

struct QueueContext {
  storage::Database& db;
  const Clock& clock;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  std::string public_url;  // for the ticket's link and QR code, without a trailing slash
  BearerCheck bearer;
  QueueFeed& feed;
  QueuePolicy policy{};
  std::string live_script_url;  // the hashed URL of queue/live.js (screens that update themselves)
  // Tickets taken without a kiosk (a phone, the API without a kiosk token) per client address.
  int tickets_per_address_per_hour = 6;
};

// The staff scopes of the queue's API (oidc::staff_scopes): a kiosk's token issues tickets
// without the per-address limit; a counter's token calls.
inline constexpr std::string_view kKioskScope = "kiosk";
inline constexpr std::string_view kCounterScope = "counter";

// The queue.notify job: e-mails the holder of a still-waiting ticket that their turn is near, in
// the language they took it in, with the link to its page.
void register_jobs(jobs::Worker& worker, const QueueContext& context);

// `context` must outlive the router.
void register_queue_api_routes(http::Router& router, const QueueContext& context);
void register_queue_page_routes(http::Router& router, const QueueContext& context);
void register_counter_routes(http::Router& router, const QueueContext& context);

}  // namespace guichet::queue
