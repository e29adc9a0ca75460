#pragma once
// The agents' side of scheduling: which shops an agent works at, the day's agenda of a shop per
// counter, marking a visit arrived or absent, blocking a counter, and no-show rates. An agent
// sees the shops they are assigned to, and there only the items of their administrations'
// services; a platform administrator sees every shop and item.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

// Recorded as `agent.assigned` in the audit log by `actor`.
Result<void> assign_agent_to_shop(storage::Database& db, std::int64_t user_id, std::int64_t shop_id,
                                  const std::string& actor, const Clock& clock);

// Recorded as `agent.unassigned`; removing what is not there changes nothing.
Result<void> unassign_agent_from_shop(storage::Database& db, std::int64_t user_id, std::int64_t shop_id,
                                      const std::string& actor, const Clock& clock);

struct ShopAssignment {
  std::int64_t user_id = 0;
  std::string email;
  std::int64_t shop_id = 0;
  std::string shop_name;
};
// Every agent's shops, by e-mail address then shop name.
Result<std::vector<ShopAssignment>> list_shop_assignments(storage::Database& db);

// Whether someone with `roles` may assign the person holding `agent_roles` to shops: a platform
// administrator anyone; an administration administrator the agents of their administrations.
bool may_assign(const std::vector<identity::RoleGrant>& roles, const std::vector<identity::RoleGrant>& agent_roles);

// Agents and administration administrators of some administration, and platform administrators.
bool is_scheduling_staff(const std::vector<identity::RoleGrant>& roles);

struct StaffShop {
  std::int64_t id = 0;
  std::string name;
  std::string time_zone;
};
// The shops this person may see the agenda of (every shop for a platform administrator).
Result<std::vector<StaffShop>> shops_of_staff(storage::Database& db, std::int64_t user_id,
                                              const std::vector<identity::RoleGrant>& roles);

struct AgendaItem {
  std::string reference;
  BookingStatus status = BookingStatus::confirmed;
  Channel channel = Channel::online;
  std::string person;        // the account's e-mail address, if it has one
  std::string caller_name;   // whom an agent booked for
  std::string caller_phone;  // E.164
  std::string service_name;
  std::string administration;  // its code
  Instant start;
  Instant end;
  bool markable = false;  // confirmed, and the visit's day has come
  std::optional<std::string> video_room;
};

struct AgendaAbsence {
  Instant start;
  Instant end;
  std::string reason;
};

struct AgendaCounter {
  std::int64_t id = 0;
  std::string code;
  std::vector<AgendaItem> items;  // by start
  std::vector<AgendaAbsence> absences;
};

struct NoShowRate {
  std::string service_name;
  std::int64_t arrived = 0;
  std::int64_t no_show = 0;
  double rate = 0;  // no_show / (arrived + no_show), 0 without any
};

struct Agenda {
  StaffShop shop;
  std::string day;  // local YYYY-MM-DD
  std::vector<AgendaCounter> counters;
  std::vector<NoShowRate> no_shows;  // per service over the 90 days before the day
};

// The agenda of one shop on one local day, in `lang`. forbidden unless the shop is one of the
// person's (shops_of_staff); only items of the administrations their roles name.
Result<Agenda> day_agenda(storage::Database& db, std::int64_t user_id, const std::vector<identity::RoleGrant>& roles,
                          std::int64_t shop_id, const std::string& day, const std::string& lang, const Clock& clock);

// Whether this person may act on the booking as an agent: it is at one of their shops and
// includes a service of one of their administrations.
Result<bool> may_serve(storage::Database& db, std::int64_t user_id, const std::vector<identity::RoleGrant>& roles,
                       const Booking& booking);

// Marks a confirmed booking arrived (from 12 hours before its start) or no_show (once it has
// started); audited as `booking.arrived` or `booking.no_show`.
Result<Booking> mark_booking(storage::Database& db, std::string_view reference, BookingStatus status,
                             std::int64_t agent_id, const Clock& clock, const BookingHooks& hooks = {});

// A booked visitor checking in by themselves (at a kiosk, with their confirmation's QR code): marks
// the confirmed booking arrived in the caller's transaction (the queue's, which issues their ticket
// in it), audited as `booking.arrived` by `actor`. Refused with not_markable unless it is
// confirmed; the caller checks the shop and the time.
Result<Booking> mark_arrived(storage::Connection& c, std::string_view reference, const std::string& actor,
                             const Clock& clock, const BookingHooks& hooks = {});

// The confirmed visits at a shop starting in [from, until) that have not arrived: whom the shop
// expects (the walk-in queue's estimates count them before they come), by start, each with its
// services in the order of its items.
struct ExpectedVisit {
  std::string reference;
  Instant starts_at;
  std::vector<std::int64_t> services;
};
Result<std::vector<ExpectedVisit>> expected_visits(storage::Connection& c, std::int64_t shop_id, Instant from,
                                                   Instant until);

// Blocks a counter of the shop over [start, end). Refused with conflict "counter_booked" (naming
// the references) when active bookings fall inside: they must be moved first. Audited.
Result<std::int64_t> block_counter(storage::Database& db, std::int64_t counter_id, Instant start, Instant end,
                                   const std::string& reason, std::int64_t agent_id, const Clock& clock);

}  // namespace guichet::scheduling
