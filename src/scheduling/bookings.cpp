#include "guichet/scheduling/bookings.hpp"

#include <date/date.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "calendar.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/scheduling/video.hpp"
#include "presentation.hpp"

namespace guichet::scheduling {
namespace {
// The one name migration 0014 gives both the exclusion constraint and the SQLite trigger.
constexpr std::string_view kNoOverlapConstraint = "booking_items_no_overlap";
}  // namespace
namespace {
using std::chrono::hours;
using std::chrono::minutes;

// 32 letters and digits without 0, 1, I and O, which people misread over the phone.
constexpr std::string_view kReferenceAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

std::string new_reference() {
  std::string bytes = random_bytes(8);
  std::string reference;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4) reference += '-';
    reference += kReferenceAlphabet[static_cast<unsigned char>(bytes[i]) % kReferenceAlphabet.size()];
  }
  return reference;
}

Error slot_taken() { return make_error(Errc::slot_taken, "this visit is no longer free"); }

BookingStatus parse_status(const std::string& text) {
  if (text == "cancelled") return BookingStatus::cancelled;
  if (text == "arrived") return BookingStatus::arrived;
  if (text == "no_show") return BookingStatus::no_show;
  return BookingStatus::confirmed;
}

constexpr const char* kBookingColumns =
    "id, reference, user_id, shop_id, starts_at, ends_at, status, channel, booked_by, sequence, lang, created_at, "
    "video_room, caller_name, caller_phone";

Result<std::optional<Booking>> load_booking(storage::Connection& c, std::string_view column,
                                            const storage::Value& key) {
  auto rows =
      c.query(std::string("SELECT ") + kBookingColumns + " FROM bookings WHERE " + std::string(column) + " = ?", {key});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Booking>();
  const auto& row = rows->rows[0];
  Booking b;
  b.id = row.integer(0);
  b.reference = row.text(1);
  b.user_id = row.optional_integer(2);
  b.shop = row.integer(3);
  b.start = from_unix_micros(row.integer(4));
  b.end = from_unix_micros(row.integer(5));
  b.status = parse_status(row.text(6));
  b.channel = parse_channel(row.text(7)).value_or(Channel::online);
  b.booked_by = row.optional_integer(8);
  b.sequence = static_cast<int>(row.integer(9));
  b.lang = row.text(10);
  b.created_at = from_unix_micros(row.integer(11));
  b.video_room = row.optional_text(12);
  if (!row.is_null(13) || !row.is_null(14)) {
    b.caller = Caller{row.optional_text(13).value_or(""), row.optional_text(14).value_or("")};
  }
  auto items = c.query(
      "SELECT service_id, counter_id, starts_at, ends_at FROM booking_items WHERE booking_id = ? ORDER BY starts_at, "
      "id",
      {b.id});
  if (!items) return std::move(items).error();
  for (const auto& item : items->rows) {
    b.items.push_back(
        {item.integer(0), item.integer(1), from_unix_micros(item.integer(2)), from_unix_micros(item.integer(3))});
  }
  return std::optional<Booking>(std::move(b));
}

// The visit the engine offers at `start` for these services, from what is committed now.
Result<Visit> free_visit_at(storage::Connection& c, std::int64_t shop_id, const std::vector<ServiceNeed>& needs,
                            Instant start, Instant now, const SearchRules& rules) {
  auto shop = catalogue::shop_record(c, shop_id);
  if (!shop) return std::move(shop).error();
  if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
  // A service lasts at most eight hours and a visit at most four of them back to back, so no
  // booked item starting a day before, nor anything after two days, can touch this visit.
  auto calendar =
      load_calendar(c, shop_id, (*shop)->time_zone, (*shop)->opening_hours, start - hours(24), start + hours(48));
  if (!calendar) return std::move(calendar).error();
  auto visit = visit_at(*calendar, needs, start, now, rules);
  if (!visit) return std::move(visit).error();
  if (!*visit) {
    // A time no one could book is a bad request, not a lost race.
    if (auto reason = why_no_visit(*calendar, needs, start, now, rules)) return std::move(*reason);
    return slot_taken();
  }
  return std::move(**visit);
}

// One statement for all of the visit's items: each statement is a round trip to PostgreSQL.
// PostgreSQL: a booking and an agent blocking the same counter (agenda.cpp, block_counter) could
// each miss the other's uncommitted row. Both take the counter's advisory lock — shared here, so
// bookings never wait for each other, exclusive there — and the booking looks again, under the
// lock, for an absence committed since it chose the counter. On SQLite the one writer already
// orders them.
Result<void> guard_against_absences(storage::Connection& c, const Visit& visit) {
  if (c.backend() != storage::Backend::postgresql) return {};
  for (const auto& item : visit.items) {
    auto locked = c.query("SELECT pg_advisory_xact_lock_shared(CAST(? AS INTEGER), CAST(? AS INTEGER))",
                          {kCounterLockSpace, item.counter});
    if (!locked) return std::move(locked).error();
    auto absent =
        c.query("SELECT 1 FROM counter_absences WHERE counter_id = ? AND starts_at < ? AND ends_at > ? LIMIT 1",
                {item.counter, to_unix_micros(item.end), to_unix_micros(item.start)});
    if (!absent) return std::move(absent).error();
    if (!absent->empty()) return slot_taken();  // another counter may still serve it: retried
  }
  return {};
}

Result<void> insert_items(storage::Connection& c, std::int64_t booking_id, const Visit& visit,
                          const SearchRules& rules) {
  if (visit.items.empty()) return {};
  if (auto guarded = guard_against_absences(c, visit); !guarded) return guarded;
  std::string sql =
      "INSERT INTO booking_items (booking_id, service_id, counter_id, starts_at, ends_at, blocks_until, active) "
      "VALUES ";
  storage::Params params;
  for (const auto& item : visit.items) {
    if (!params.empty()) sql += ", ";
    sql += "(?, ?, ?, ?, ?, ?, 1)";
    params.insert(params.end(), {booking_id, item.service, item.counter, to_unix_micros(item.start),
                                 to_unix_micros(item.end), to_unix_micros(item.end + rules.buffer)});
  }
  auto inserted = c.execute(sql, params);
  if (!inserted) {
    // The exclusion constraint (PostgreSQL) or the trigger (SQLite), both named so in
    // migration 0014: someone else's item won. Any other failure is not a lost race.
    const Error& error = inserted.error();
    if (error.kind == ErrorKind::conflict && error.constraint == kNoOverlapConstraint) {
      return slot_taken();
    }
    return error;
  }
  return {};
}

// Whose visits a limit or the overlap check counts: the account's, or for a caller without one,
// those booked under the same phone number.
struct Person {
  const char* column;  // "user_id" or "caller_phone": a constant, never input
  storage::Value key;
};

std::optional<Person> person_of(std::optional<std::int64_t> user_id, const std::optional<Caller>& caller) {
  if (user_id && *user_id > 0) return Person{"user_id", *user_id};
  if (caller && !caller->phone.empty()) return Person{"caller_phone", caller->phone};
  return std::nullopt;
}

Person person_of(const BookingRequest& request) {
  // book_visit refuses a request naming neither before any check runs.
  return person_of(request.user_id, request.caller).value_or(Person{"user_id", request.user_id});
}

Result<void> check_limits(storage::Connection& c, const BookingRequest& request, Instant now,
                          const BookingPolicy& policy) {
  const Person person = person_of(request);
  auto made = c.query(std::string("SELECT COUNT(*) FROM bookings WHERE ") + person.column + " = ? AND created_at > ?",
                      {person.key, to_unix_micros(now - hours(24))});
  if (!made) return std::move(made).error();
  if (made->rows[0].integer(0) >= policy.max_per_account_per_day) {
    return make_error(Errc::too_many_bookings, "too many bookings made today; try tomorrow");
  }
  // Agents booking at the desk or on the phone all share one address; only online bookings count.
  if (request.channel == Channel::online && !request.client_address.empty()) {
    auto from_address = c.query("SELECT COUNT(*) FROM bookings WHERE client_address = ? AND created_at > ?",
                                {request.client_address, to_unix_micros(now - hours(1))});
    if (!from_address) return std::move(from_address).error();
    if (from_address->rows[0].integer(0) >= policy.max_per_address_per_hour) {
      return make_error(Errc::too_many_bookings, "too many bookings from this address");
    }
  }
  // The person's coming bookings per asked service, in one statement.
  const std::set<std::int64_t> asked(request.services.begin(), request.services.end());
  if (asked.empty()) return {};
  storage::Params params{person.key, to_unix_micros(now)};
  params.insert(params.end(), asked.begin(), asked.end());
  auto open = c.query(
      std::string("SELECT i.service_id, COUNT(DISTINCT b.id) FROM bookings b JOIN booking_items i ON i.booking_id = "
                  "b.id WHERE b.") +
          person.column + " = ? AND b.status = 'confirmed' AND b.ends_at > ? AND i.service_id IN " +
          storage::in_list(asked.size()) + " GROUP BY i.service_id",
      params);
  if (!open) return std::move(open).error();
  std::map<std::int64_t, std::int64_t> held;
  for (const auto& row : open->rows) held[row.integer(0)] = row.integer(1);
  for (std::int64_t service : request.services) {
    if (held[service] >= policy.max_open_per_service) {
      return make_error(Errc::booking_limit, "you already hold " + std::to_string(policy.max_open_per_service) +
                                                 " coming bookings for service " + std::to_string(service));
    }
  }
  return {};
}

// One person is not in two places at once: a visit overlapping another coming visit of theirs
// (the same one booked twice, or another service at that hour) is refused, naming it. Runs after
// lock_person, so two racing requests of one person see each other.
Result<void> check_no_overlap(storage::Connection& c, const std::optional<Person>& person, Instant start, Instant end,
                              std::int64_t except_booking = 0) {
  if (!person) return {};
  auto rows = c.query(std::string("SELECT reference FROM bookings WHERE ") + person->column +
                          " = ? AND starts_at < ? AND ends_at > ? AND status = 'confirmed' AND id <> ? LIMIT 1",
                      {person->key, to_unix_micros(end), to_unix_micros(start), except_booking});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return {};
  return make_error(Errc::overlapping_booking,
                    "you already have a visit at that time (" + rows->rows[0].text(0) + "); cancel or move it first");
}

// On PostgreSQL, one person's bookings are made one at a time, so two racing requests cannot both
// pass the limits; different people never wait for each other. SQLite's writer lock already does.
Result<void> lock_person(storage::Connection& c, std::int64_t user_id) {
  if (user_id == 0) return {};  // a caller without an account: booked by agents, one call at a time
  auto held = identity::hold_account(c, user_id);
  if (!held) return std::move(held).error();
  if (!*held) return make_error(Errc::no_such_user, "no such account");
  return {};
}

// Runs `attempt` again when a concurrent booking took a counter the engine had chosen: the engine
// may find another counter for the same time. Other refusals are final.
template <class F>
Result<Booking> with_retries(storage::Database& db, int attempts, F&& attempt) {
  Result<Booking> outcome = slot_taken();
  for (int i = 0; i < std::max(1, attempts); ++i) {
    outcome = db.transaction(attempt);
    if (outcome || outcome.error().code != Errc::slot_taken) return outcome;
  }
  return outcome;
}

}  // namespace

std::string_view to_string(Channel channel) {
  switch (channel) {
    case Channel::online:
      return "online";
    case Channel::phone:
      return "phone";
    case Channel::desk:
      return "desk";
  }
  return "online";
}

std::optional<Channel> parse_channel(std::string_view text) {
  if (text == "online") return Channel::online;
  if (text == "phone") return Channel::phone;
  if (text == "desk") return Channel::desk;
  return std::nullopt;
}

std::string_view to_string(BookingStatus status) {
  switch (status) {
    case BookingStatus::confirmed:
      return "confirmed";
    case BookingStatus::cancelled:
      return "cancelled";
    case BookingStatus::arrived:
      return "arrived";
    case BookingStatus::no_show:
      return "no_show";
  }
  return "confirmed";
}

Result<Booking> book_visit(storage::Database& db, const BookingRequest& asked, const Clock& clock,
                           const BookingPolicy& policy, const BookingHooks& hooks) {
  const Instant now = clock.now();
  if (asked.user_id <= 0 && !hooks.account &&
      (!asked.caller || asked.caller->name.empty() || asked.caller->phone.empty())) {
    return make_error(Errc::bad_request, "a visit is for an account or for a caller with a name and a phone number");
  }
  return with_retries(db, policy.attempts, [&](storage::Connection& c) -> Result<Booking> {
    BookingRequest request = asked;
    if (hooks.account) {
      auto account = hooks.account(c);
      if (!account) return std::move(account).error();
      request.user_id = *account;
    }
    if (auto locked = lock_person(c, request.user_id); !locked) return locked.error();
    auto needs = load_needs(c, request.services, request.video);
    if (!needs) return std::move(needs).error();
    if (auto limits = check_limits(c, request, now, policy); !limits) return limits.error();
    auto visit = free_visit_at(c, request.shop, *needs, request.start, now, policy.rules);
    if (!visit) return std::move(visit).error();
    if (auto apart = check_no_overlap(c, person_of(request), visit->start, visit->end); !apart) return apart.error();
    std::string reference = new_reference();
    std::optional<std::string> video_room;
    if (request.video) video_room = new_video_room();
    auto inserted = c.query(
        "INSERT INTO bookings (reference, user_id, shop_id, starts_at, ends_at, status, channel, booked_by, "
        "client_address, lang, created_at, updated_at, video_room, caller_name, caller_phone) VALUES (?, ?, ?, ?, ?, "
        "'confirmed', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {reference, request.user_id > 0 ? storage::Value(request.user_id) : storage::Value(nullptr), request.shop,
         to_unix_micros(visit->start), to_unix_micros(visit->end), std::string(to_string(request.channel)),
         request.booked_by ? storage::Value(*request.booked_by) : storage::Value(nullptr), request.client_address,
         request.lang, to_unix_micros(now), to_unix_micros(now),
         video_room ? storage::Value(*video_room) : storage::Value(nullptr),
         request.caller ? storage::Value(request.caller->name) : storage::Value(nullptr),
         request.caller && !request.caller->phone.empty() ? storage::Value(request.caller->phone)
                                                          : storage::Value(nullptr)});
    if (!inserted) return std::move(inserted).error();
    const std::int64_t id = inserted->rows[0].integer(0);
    if (auto items = insert_items(c, id, *visit, policy.rules); !items) return items.error();
    // The booking as stored, from what was just written (reading it back would cost two more
    // round trips on PostgreSQL); BookingTest checks it against load_booking.
    Booking booking;
    booking.id = id;
    booking.reference = std::move(reference);
    if (request.user_id > 0) booking.user_id = request.user_id;
    booking.shop = request.shop;
    booking.start = visit->start;
    booking.end = visit->end;
    booking.channel = request.channel;
    booking.booked_by = request.booked_by;
    booking.lang = request.lang;
    booking.created_at = now;
    booking.video_room = std::move(video_room);
    booking.caller = request.caller;
    for (const auto& item : visit->items) booking.items.push_back({item.service, item.counter, item.start, item.end});
    std::stable_sort(booking.items.begin(), booking.items.end(),
                     [](const BookingItem& a, const BookingItem& b) { return a.start < b.start; });
    if (hooks.created) {
      if (auto hooked = hooks.created(c, booking); !hooked) return hooked.error();
    }
    return booking;
  });
}

Result<Booking> reschedule_booking(storage::Database& db, std::string_view reference, Instant new_start,
                                   const Clock& clock, const BookingPolicy& policy, const BookingHooks& hooks,
                                   std::optional<std::int64_t> to_shop) {
  const Instant now = clock.now();
  return with_retries(db, policy.attempts, [&](storage::Connection& c) -> Result<Booking> {
    // Touching the row first takes its lock: two racing changes of one booking run one after the
    // other, and the second sees the first's items.
    auto locked = c.execute("UPDATE bookings SET updated_at = ? WHERE reference = ?",
                            {to_unix_micros(now), std::string(reference)});
    if (!locked) return std::move(locked).error();
    auto before = load_booking(c, "reference", std::string(reference));
    if (!before) return std::move(before).error();
    if (!*before) return make_error(Errc::no_such_booking, "no such booking");
    const Booking& old = **before;
    if (old.status != BookingStatus::confirmed || old.start <= now) {
      return make_error(Errc::not_changeable, "only a coming, confirmed booking can be moved");
    }
    std::vector<std::int64_t> services;
    for (const auto& item : old.items) services.push_back(item.service);
    auto needs = load_needs(c, services, old.video_room.has_value());
    if (!needs) return std::move(needs).error();
    // The old items are released inside this transaction, so the new visit may overlap them; if
    // the new one cannot be booked, the rollback gives them back.
    auto released = c.execute("DELETE FROM booking_items WHERE booking_id = ?", {old.id});
    if (!released) return std::move(released).error();
    const std::int64_t shop = to_shop.value_or(old.shop);
    auto visit = free_visit_at(c, shop, *needs, new_start, now, policy.rules);
    if (!visit) return std::move(visit).error();
    if (auto apart = check_no_overlap(c, person_of(old.user_id, old.caller), visit->start, visit->end, old.id);
        !apart) {
      return apart.error();
    }
    auto moved = c.execute(
        "UPDATE bookings SET shop_id = ?, starts_at = ?, ends_at = ?, sequence = sequence + 1, updated_at = ? WHERE "
        "id = ?",
        {shop, to_unix_micros(visit->start), to_unix_micros(visit->end), to_unix_micros(now), old.id});
    if (!moved) return std::move(moved).error();
    if (auto items = insert_items(c, old.id, *visit, policy.rules); !items) return items.error();
    auto after = load_booking(c, "id", old.id);
    if (!after) return std::move(after).error();
    if (hooks.rescheduled) {
      if (auto hooked = hooks.rescheduled(c, old, **after); !hooked) return hooked.error();
    }
    return std::move(**after);
  });
}

Result<Booking> cancel_booking(storage::Database& db, std::string_view reference, const Clock& clock,
                               const BookingHooks& hooks) {
  const Instant now = clock.now();
  return db.transaction([&](storage::Connection& c) -> Result<Booking> {
    // Changing the status first takes the row's lock, so of two racing cancellations one finds
    // the booking already cancelled.
    auto changed = c.execute(
        "UPDATE bookings SET status = 'cancelled', updated_at = ? WHERE reference = ? AND status = 'confirmed' AND "
        "starts_at > ?",
        {to_unix_micros(now), std::string(reference), to_unix_micros(now)});
    if (!changed) return std::move(changed).error();
    auto booking = load_booking(c, "reference", std::string(reference));
    if (!booking) return std::move(booking).error();
    if (!*booking) return make_error(Errc::no_such_booking, "no such booking");
    if (*changed == 0) {
      return make_error(Errc::not_changeable, "only a coming, confirmed booking can be cancelled");
    }
    auto released = c.execute("UPDATE booking_items SET active = 0 WHERE booking_id = ?", {(*booking)->id});
    if (!released) return std::move(released).error();
    if (hooks.cancelled) {
      if (auto hooked = hooks.cancelled(c, **booking); !hooked) return hooked.error();
    }
    return std::move(**booking);
  });
}

Result<std::vector<std::int64_t>> most_booked_services(storage::Database& db, Instant since, std::size_t limit) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT i.service_id, COUNT(*) AS visits FROM bookings b JOIN booking_items i ON i.booking_id = "
                      "b.id WHERE b.created_at >= ? GROUP BY i.service_id ORDER BY visits DESC, i.service_id LIMIT ?",
                      {to_unix_micros(since), static_cast<std::int64_t>(limit)});
  if (!rows) return std::move(rows).error();
  std::vector<std::int64_t> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) out.push_back(row.integer(0));
  return out;
}

Result<std::optional<Booking>> find_booking(storage::Database& db, std::string_view reference) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  return load_booking(**connection, "reference", std::string(reference));
}

Result<std::optional<Booking>> find_booking(storage::Connection& c, std::string_view reference) {
  return load_booking(c, "reference", std::string(reference));
}

Result<std::vector<Booking>> bookings_of(storage::Database& db, std::int64_t user_id, const Clock& clock) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)->query("SELECT id FROM bookings WHERE user_id = ? ORDER BY starts_at", {user_id});
  if (!rows) return std::move(rows).error();
  std::vector<Booking> coming;
  std::vector<Booking> past;
  const Instant now = clock.now();
  for (const auto& row : rows->rows) {
    auto booking = load_booking(**connection, "id", row.integer(0));
    if (!booking) return std::move(booking).error();
    if (!*booking) continue;
    bool is_coming = (*booking)->status == BookingStatus::confirmed && (*booking)->end > now;
    (is_coming ? coming : past).push_back(std::move(**booking));
  }
  std::reverse(past.begin(), past.end());  // the most recent first
  coming.insert(coming.end(), std::make_move_iterator(past.begin()), std::make_move_iterator(past.end()));
  return coming;
}

Result<BookingPower> booking_power(storage::Database& db, const Booking& booking, std::int64_t user_id,
                                   bool second_factor) {
  if (booking.user_id && *booking.user_id == user_id) return BookingPower::act;
  if (!second_factor) return BookingPower::none;
  auto roles = identity::roles_of(db, user_id);
  if (!roles) return std::move(roles).error();
  if (roles->empty()) return BookingPower::none;
  if (identity::allows(*roles, identity::Role::platform_admin)) return BookingPower::act;
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto assigned =
      (*connection)->query("SELECT 1 FROM agent_shops WHERE user_id = ? AND shop_id = ?", {user_id, booking.shop});
  if (!assigned) return std::move(assigned).error();
  if (assigned->empty()) return BookingPower::none;
  auto administrations = administrations_of(**connection, booking.id);
  if (!administrations) return std::move(administrations).error();
  std::size_t covered = 0;
  for (const std::string& code : *administrations) {
    if (identity::allows(*roles, identity::Role::agent, code) ||
        identity::allows(*roles, identity::Role::administration_admin, code)) {
      ++covered;
    }
  }
  if (covered == 0) return BookingPower::none;
  return covered == administrations->size() ? BookingPower::act : BookingPower::view;
}

std::string booking_json(const Booking& b) {
  namespace json = boost::json;
  json::array items;
  for (const auto& item : b.items) {
    items.push_back(json::object{{"service", item.service},
                                 {"counter", item.counter},
                                 {"start", rfc3339_seconds(item.start)},
                                 {"end", rfc3339_seconds(item.end)}});
  }
  return json::serialize(json::object{{"reference", b.reference},
                                      {"status", to_string(b.status)},
                                      {"channel", to_string(b.channel)},
                                      {"shop", b.shop},
                                      {"start", rfc3339_seconds(b.start)},
                                      {"end", rfc3339_seconds(b.end)},
                                      {"items", items},
                                      {"created_at", rfc3339_seconds(b.created_at)}});
}

std::optional<Instant> parse_rfc3339(std::string_view text) {
  // RFC 3339's offset is ±HH:MM with HH ≤ 23 and MM ≤ 59 (date::parse takes +99:99).
  if (text.size() >= 6 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-') &&
      text[text.size() - 3] == ':') {
    const auto digit = [&](std::size_t from_end) { return text[text.size() - from_end] - '0'; };
    const int hh = digit(5) * 10 + digit(4);
    const int mm = digit(2) * 10 + digit(1);
    if (hh > 23 || mm > 59) return std::nullopt;
  }
  std::string s(text);
  for (const char* format : {"%FT%TZ", "%FT%T%Ez"}) {
    std::istringstream in(s);
    date::sys_time<std::chrono::microseconds> t;
    in >> date::parse(format, t);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return t;
  }
  return std::nullopt;
}

std::string rfc3339_seconds(Instant t) {
  return date::format("%FT%TZ", std::chrono::time_point_cast<std::chrono::seconds>(t));
}

}  // namespace guichet::scheduling
