#pragma once
// Booking a visit: every item is booked or none is, and the database itself refuses two active
// items on one counter at overlapping times (booking_items_no_overlap in migration 0014), so no
// number of concurrent requests on any number of nodes can double-book. The visit is recomputed by
// the slot engine inside the write transaction from what is committed, so a request for a time
// that is no longer free, or that the engine would not offer, is refused rather than trusted.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/scheduling/slots.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

enum class Channel { online, phone, desk };
std::string_view to_string(Channel channel);
std::optional<Channel> parse_channel(std::string_view text);

enum class BookingStatus { confirmed, cancelled, arrived, no_show };
std::string_view to_string(BookingStatus status);

struct BookingPolicy {
  SearchRules rules;
  int max_open_per_service = 2;       // confirmed future bookings per person and service
  int max_per_account_per_day = 10;   // bookings made (cancelled ones too) per person in 24 hours
  int max_per_address_per_hour = 30;  // bookings made from one client address in an hour
  std::chrono::hours reminder_before{48};
  int attempts = 3;  // recomputations when a concurrent booking took a chosen counter first
};

// Whom an agent booked for, as they gave it on the phone or at the desk.
struct Caller {
  std::string name;
  std::string phone;  // E.164, may be empty when the caller has an account with an e-mail address
};

struct BookingRequest {
  std::int64_t user_id = 0;  // the person the visit is for; 0: a caller without an account
  std::int64_t shop = 0;
  Instant start;
  std::vector<std::int64_t> services;  // one to four, no repeats
  Channel channel = Channel::online;
  std::optional<std::int64_t> booked_by{};  // the agent, for phone and desk bookings
  std::string client_address{};
  std::string lang = "en";         // for the e-mails
  bool video = false;              // a video appointment: every service must offer the video channel
  std::optional<Caller> caller{};  // booked by an agent: required when user_id is 0
};

struct BookingItem {
  std::int64_t service = 0;
  std::int64_t counter = 0;
  Instant start;
  Instant end;
};

struct Booking {
  std::int64_t id = 0;
  std::string reference;
  std::optional<std::int64_t> user_id;
  std::int64_t shop = 0;
  Instant start;
  Instant end;
  BookingStatus status = BookingStatus::confirmed;
  Channel channel = Channel::online;
  std::optional<std::int64_t> booked_by;
  int sequence = 0;
  std::string lang;
  Instant created_at;
  std::vector<BookingItem> items;         // by start
  std::optional<std::string> video_room;  // a video appointment's room
  std::optional<Caller> caller;           // booked by an agent for a caller
};

// What a booking change causes besides the rows: e-mails, reminders, webhooks. Called inside the
// booking's transaction, so the jobs it enqueues commit with the change or not at all.
struct BookingHooks {
  // When set, the account the visit is for, found or made inside book_visit's transaction (an
  // agent booking for a caller who gave an address), so a refused booking makes none.
  std::function<Result<std::int64_t>(storage::Connection&)> account;
  std::function<Result<void>(storage::Connection&, const Booking&)> created;
  std::function<Result<void>(storage::Connection&, const Booking& before, const Booking& after)> rescheduled;
  std::function<Result<void>(storage::Connection&, const Booking&)> cancelled;
  std::function<Result<void>(storage::Connection&, const Booking&)> marked;  // arrived or no_show
};

// The events bookings publish to webhooks.
inline const std::set<std::string> kBookingEvents{"booking.created", "booking.rescheduled", "booking.cancelled",
                                                  "booking.arrived", "booking.no_show"};

// Books the visit starting at `request.start`. Refusals: invalid_input (bad services or shop),
// not_found (unknown service or shop), conflict "slot_taken" (not a free visit, or no longer),
// forbidden "booking_limit" (the person already holds max_open_per_service for a service),
// invalid_input "not_by_video" (a video appointment for a service without the video channel),
// rate_limited (per account or per address).
Result<Booking> book_visit(storage::Database& db, const BookingRequest& request, const Clock& clock,
                           const BookingPolicy& policy, const BookingHooks& hooks = {});

// Moves a confirmed future booking to another visit of the same services, at the same shop or at
// `to_shop`, keeping its reference; the old time is released only if the new one is booked.
Result<Booking> reschedule_booking(storage::Database& db, std::string_view reference, Instant new_start,
                                   const Clock& clock, const BookingPolicy& policy, const BookingHooks& hooks = {},
                                   std::optional<std::int64_t> to_shop = std::nullopt);

// Cancels a confirmed booking that has not started; its counters are free again at once.
Result<Booking> cancel_booking(storage::Database& db, std::string_view reference, const Clock& clock,
                               const BookingHooks& hooks = {});

Result<std::optional<Booking>> find_booking(storage::Database& db, std::string_view reference);
Result<std::optional<Booking>> find_booking(storage::Connection& c, std::string_view reference);
// The person's bookings, the coming ones first by start, then the past and cancelled ones.
Result<std::vector<Booking>> bookings_of(storage::Database& db, std::int64_t user_id, const Clock& clock);

// The services most asked for: by the number of visits booked since `since` that include them
// (cancelled ones too: they were wanted), most first, at most `limit` ids.
Result<std::vector<std::int64_t>> most_booked_services(storage::Database& db, Instant since, std::size_t limit);

// What someone may do with a booking: nothing (it answers as if it did not exist), see it, or
// also cancel and move it.
enum class BookingPower { none, view, act };
// The owner may do anything. Staff only with a session that proved a second factor
// (`second_factor`; the API never gives staff powers): a platform administrator anything; an agent
// or administration administrator only at a shop they are assigned to (agent_shops), seeing a
// visit that includes a service of one of their administrations and acting on it only when their
// roles cover every service in it.
Result<BookingPower> booking_power(storage::Database& db, const Booking& booking, std::int64_t user_id,
                                   bool second_factor);

// {"reference", "status", "channel", "shop", "start", "end", "items": [{"service", "counter",
// "start", "end"}], "created_at"}: the API's and the webhooks' form of a booking.
std::string booking_json(const Booking& booking);

// "2026-12-01T09:00:00Z" or with an offset ("2026-12-01T10:00:00+01:00").
std::optional<Instant> parse_rfc3339(std::string_view text);
// RFC 3339 in UTC to the second.
std::string rfc3339_seconds(Instant t);

}  // namespace guichet::scheduling
