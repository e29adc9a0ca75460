#include "guichet/queue/queue.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>
#include <tuple>

#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/events.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "internal.hpp"
#include "ordering.hpp"

namespace guichet::queue {

using std::chrono::microseconds;
using storage::Connection;
using storage::Row;

std::string_view to_string(Priority priority) {
  switch (priority) {
    case Priority::none:
      return "none";
    case Priority::booked:
      return "booked";
    case Priority::elderly:
      return "elderly";
    case Priority::disability:
      return "disability";
    case Priority::pregnancy:
      return "pregnancy";
  }
  return "none";
}

namespace {

// The value among `all` whose name (to_string) is `text`.
template <class E>
std::optional<E> named(std::string_view text, std::initializer_list<E> all) {
  for (E value : all) {
    if (to_string(value) == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Priority> parse_priority(std::string_view text) {
  return named(text, {Priority::none, Priority::booked, Priority::elderly, Priority::disability, Priority::pregnancy});
}

std::string_view to_string(TicketStatus status) {
  switch (status) {
    case TicketStatus::waiting:
      return "waiting";
    case TicketStatus::called:
      return "called";
    case TicketStatus::parked:
      return "parked";
    case TicketStatus::done:
      return "done";
    case TicketStatus::absent:
      return "absent";
    case TicketStatus::cancelled:
      return "cancelled";
  }
  return "waiting";
}

namespace {

std::optional<TicketStatus> parse_status(std::string_view text) {
  return named(text, {TicketStatus::waiting, TicketStatus::called, TicketStatus::parked, TicketStatus::done,
                      TicketStatus::absent, TicketStatus::cancelled});
}

}  // namespace

std::string_view to_string(Source source) {
  switch (source) {
    case Source::kiosk:
      return "kiosk";
    case Source::web:
      return "web";
    case Source::api:
      return "api";
    case Source::check_in:
      return "check_in";
    case Source::counter:
      return "counter";
  }
  return "kiosk";
}

std::string_view to_string(WorkProfile profile) {
  switch (profile) {
    case WorkProfile::calling_order:
      return "calling_order";
    case WorkProfile::longest_queue:
      return "longest_queue";
    case WorkProfile::service_first:
      return "service_first";
  }
  return "calling_order";
}

std::optional<WorkProfile> parse_work_profile(std::string_view text) {
  return named(text, {WorkProfile::calling_order, WorkProfile::longest_queue, WorkProfile::service_first});
}

namespace {

std::optional<Source> parse_source(std::string_view text) {
  return named(text, {Source::kiosk, Source::web, Source::api, Source::check_in, Source::counter});
}

std::optional<Instant> optional_instant(const Row& row, std::size_t i) {
  if (row.is_null(i)) return std::nullopt;
  return from_unix_micros(row.integer(i));
}

storage::Value nullable(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace

namespace detail {

const char* const kTicketColumns =
    "id, shop_id, day, number, access, priority, status, source, booking_reference, step, service_id, counter_id, "
    "calls, issued_at, ready_at, queued_at, called_at, finished_at, lang";

Ticket ticket_from(const Row& row) {
  Ticket t;
  t.id = row.integer(0);
  t.shop_id = row.integer(1);
  t.day = row.text(2);
  t.number = row.text(3);
  t.access = row.text(4);
  t.priority = parse_priority(row.text(5)).value_or(Priority::none);
  t.status = parse_status(row.text(6)).value_or(TicketStatus::waiting);
  t.source = parse_source(row.text(7)).value_or(Source::kiosk);
  t.booking_reference = row.optional_text(8);
  t.step = static_cast<int>(row.integer(9));
  t.service_id = row.integer(10);
  t.counter_id = row.optional_integer(11);
  t.calls = static_cast<int>(row.integer(12));
  t.issued_at = from_unix_micros(row.integer(13));
  t.ready_at = from_unix_micros(row.integer(14));
  t.queued_at = from_unix_micros(row.integer(15));
  t.called_at = optional_instant(row, 16);
  t.finished_at = optional_instant(row, 17);
  t.lang = row.text(18);
  return t;
}

}  // namespace detail

namespace {
using detail::kTicketColumns;
using detail::ticket_from;

Result<void> load_steps(Connection& c, Ticket& ticket) {
  auto rows = c.query(
      "SELECT position, service_id, queued_at, called_at, counter_id, finished_at, outcome FROM queue_ticket_steps "
      "WHERE ticket_id = ? ORDER BY position",
      {ticket.id});
  if (!rows) return std::move(rows).error();
  ticket.steps.clear();
  for (const auto& row : rows->rows) {
    TicketStep s;
    s.position = static_cast<int>(row.integer(0));
    s.service_id = row.integer(1);
    s.queued_at = optional_instant(row, 2);
    s.called_at = optional_instant(row, 3);
    s.counter_id = row.optional_integer(4);
    s.finished_at = optional_instant(row, 5);
    s.outcome = row.text(6);
    ticket.steps.push_back(std::move(s));
  }
  if (ticket.counter_id) {
    auto counter = catalogue::counter_record(c, *ticket.counter_id);
    if (!counter) return std::move(counter).error();
    if (*counter) ticket.counter_code = (*counter)->code;
  }
  return {};
}

Result<std::optional<Ticket>> ticket_where(Connection& c, const std::string& condition, const storage::Params& params) {
  auto rows = c.query(std::string("SELECT ") + kTicketColumns + " FROM queue_tickets WHERE " + condition, params);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Ticket>();
  Ticket t = ticket_from(rows->rows.front());
  if (auto loaded = load_steps(c, t); !loaded) return loaded.error();
  return std::optional<Ticket>(std::move(t));
}

Result<Ticket> reload(Connection& c, std::int64_t ticket_id) {
  auto t = ticket_where(c, "id = ?", {ticket_id});
  if (!t) return std::move(t).error();
  if (!*t) return make_error(Errc::no_such_ticket, "no such ticket");
  return std::move(**t);
}

}  // namespace

std::string detail::local_day_of(const std::string& time_zone, Instant at) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
  try {
    return date::format("%F", date::make_zoned(time_zone, seconds).get_local_time());
  } catch (const std::exception&) {
    return date::format("%F", seconds);
  }
}

namespace {
using detail::local_day_of;

struct ShopNow {
  catalogue::ShopRecord shop;
  std::string day;
  bool open = false;
};

// The shop and whether it is open at `now` (its hours today, not a closure day).
Result<ShopNow> shop_now(Connection& c, std::int64_t shop_id, Instant now) {
  auto shop = catalogue::shop_record(c, shop_id);
  if (!shop) return std::move(shop).error();
  if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
  ShopNow out{std::move(**shop), {}, false};
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const date::time_zone* zone = find_time_zone(out.shop.time_zone);
  if (zone == nullptr) return make_error(Errc::no_such_shop, "the shop's time zone is unknown");
  const auto local = date::make_zoned(zone, seconds).get_local_time();
  const auto local_day = date::floor<date::days>(local);
  out.day = date::format("%F", local_day);
  auto closures = catalogue::closures_of(c, shop_id);
  if (!closures) return std::move(closures).error();
  for (const auto& closure : *closures) {
    if (closure.day == out.day) return out;
  }
  auto hours = catalogue::parse_opening_hours(out.shop.opening_hours);
  if (!hours) return out;  // unreadable hours: treated as closed rather than open at night
  const unsigned weekday = date::weekday(local_day).iso_encoding() - 1;  // Monday 0
  const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - local_day).count());
  for (const auto& range : (*hours)[weekday]) {
    if (minute >= range.open && minute < range.close) out.open = true;
  }
  return out;
}

std::string prefix_letters(std::size_t index) {
  std::string out;
  std::size_t n = index + 1;
  while (n > 0) {
    --n;
    out.insert(out.begin(), static_cast<char>('A' + n % 26));
    n /= 26;
  }
  return out;
}

Result<std::set<std::int64_t>> services_served(Connection& c, std::int64_t shop_id) {
  auto counters = catalogue::counters_of(c, shop_id);
  if (!counters) return std::move(counters).error();
  std::set<std::int64_t> out;
  for (const auto& counter : *counters) out.insert(counter.services.begin(), counter.services.end());
  return out;
}

// Screens on this node learn of the change at once (on PostgreSQL, pg_notify tells every node).
template <class R>
R woke(R result) {
  if (result) wake_feeds();
  return result;
}

Result<void> record_event(Connection& c, std::int64_t shop_id, Instant at, std::string_view kind,
                          const std::optional<Ticket>& ticket, std::optional<std::int64_t> counter_id,
                          const std::string& counter_code) {
  storage::Value ticket_id = nullptr;
  storage::Value number = nullptr;
  storage::Value service = nullptr;
  if (ticket) {
    ticket_id = ticket->id;
    number = ticket->number;
    service = ticket->service_id;
  }
  auto added = c.execute(
      "INSERT INTO queue_events (shop_id, at, kind, ticket_id, number, counter_id, counter_code, service_id) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?)",
      {shop_id, to_unix_micros(at), std::string(kind), ticket_id, number, nullable(counter_id),
       counter_code.empty() ? storage::Value(nullptr) : storage::Value(counter_code), service});
  if (!added) return std::move(added).error();
  if (c.backend() == storage::Backend::postgresql) {
    // Display streams on every node listen on this channel (delivered at commit).
    auto notified = c.query("SELECT pg_notify('guichet_queue', ?)", {std::to_string(shop_id)});
    if (!notified) return std::move(notified).error();
  }
  return {};
}

struct NewTicket {
  std::int64_t shop_id = 0;
  std::string day;
  std::vector<std::int64_t> services;
  Priority priority = Priority::none;
  Source source = Source::kiosk;
  std::optional<std::string> booking_reference;
  Instant ready_at;
  std::string lang;
  std::string client_address;
  std::optional<std::string> notify_email;
};

Result<Ticket> insert_ticket(Connection& c, const NewTicket& n, Instant now, const QueuePolicy& policy) {
  auto prefixes = service_prefixes(c, n.shop_id);
  if (!prefixes) return std::move(prefixes).error();
  const auto prefix = prefixes->find(n.services.front());
  if (prefix == prefixes->end()) return make_error(Errc::not_served_here, "no counter here serves this service");
  auto taken = c.query(
      "INSERT INTO queue_numbers (shop_id, day, prefix, last) VALUES (?, ?, ?, 1) ON CONFLICT (shop_id, day, prefix) "
      "DO UPDATE SET last = queue_numbers.last + 1 RETURNING last",
      {n.shop_id, n.day, prefix->second});
  if (!taken) return std::move(taken).error();
  const std::int64_t sequence = taken->rows.front().integer(0);
  std::string digits = std::to_string(sequence);
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  const std::string number = prefix->second + digits;
  const std::int64_t now_us = to_unix_micros(now);
  storage::Value email = nullptr;
  storage::Value ahead = nullptr;
  if (n.notify_email) {
    email = *n.notify_email;
    ahead = static_cast<std::int64_t>(policy.notify_ahead);
  }
  auto inserted = c.query(
      "INSERT INTO queue_tickets (shop_id, day, number, access, priority, status, source, booking_reference, step, "
      "service_id, calls, issued_at, ready_at, queued_at, lang, client_address, notify_email, notify_ahead) VALUES "
      "(?, ?, ?, ?, ?, 'waiting', ?, ?, 0, ?, 0, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {n.shop_id, n.day, number, random_token(16), std::string(to_string(n.priority)), std::string(to_string(n.source)),
       n.booking_reference ? storage::Value(*n.booking_reference) : storage::Value(nullptr), n.services.front(), now_us,
       to_unix_micros(n.ready_at), now_us, n.lang, n.client_address, email, ahead});
  if (!inserted) return std::move(inserted).error();
  const std::int64_t id = inserted->rows.front().integer(0);
  for (std::size_t i = 0; i < n.services.size(); ++i) {
    auto step = c.execute(
        "INSERT INTO queue_ticket_steps (ticket_id, position, shop_id, service_id, queued_at) VALUES (?, ?, ?, ?, ?)",
        {id, static_cast<std::int64_t>(i), n.shop_id, n.services[i],
         i == 0 ? storage::Value(now_us) : storage::Value(nullptr)});
    if (!step) return std::move(step).error();
  }
  auto ticket = reload(c, id);
  if (!ticket) return ticket;
  // The range promised when it was issued, kept to measure the estimator by what happens.
  auto estimate = estimate_wait(c, *ticket, now, policy);
  if (!estimate) return std::move(estimate).error();
  if (*estimate) {
    auto kept = c.execute(
        "UPDATE queue_tickets SET estimate_p10 = ?, estimate_p50 = ?, estimate_p90 = ?, estimate_model = ? WHERE id = "
        "?",
        {static_cast<std::int64_t>((*estimate)->p10.count()), static_cast<std::int64_t>((*estimate)->p50.count()),
         static_cast<std::int64_t>((*estimate)->p90.count()),
         static_cast<std::int64_t>(std::llround((*estimate)->model_mean_s)), id});
    if (!kept) return std::move(kept).error();
  }
  if (auto logged = record_event(c, n.shop_id, now, "issued", *ticket, std::nullopt, {}); !logged) {
    return logged.error();
  }
  return ticket;
}

Result<std::vector<std::int64_t>> checked_services(const std::vector<std::int64_t>& services,
                                                   const QueuePolicy& policy) {
  if (services.empty() || services.size() > policy.max_services) {
    Error e = make_error(Errc::bad_services, "choose one to " + std::to_string(policy.max_services) + " services");
    e.field = "services";
    return e;
  }
  std::set<std::int64_t> seen;
  for (auto s : services) {
    if (s <= 0 || !seen.insert(s).second) {
      Error e = make_error(Errc::bad_services, "each service once, by its id");
      e.field = "services";
      return e;
    }
  }
  return services;
}

Result<void> check_served(Connection& c, std::int64_t shop_id, const std::vector<std::int64_t>& services) {
  auto known = catalogue::service_records(c, std::set<std::int64_t>(services.begin(), services.end()), std::nullopt);
  if (!known) return std::move(known).error();
  auto served = services_served(c, shop_id);
  if (!served) return std::move(served).error();
  for (auto s : services) {
    if (!known->contains(s)) {
      Error e = make_error(Errc::no_such_service, "no such service: " + std::to_string(s));
      e.field = "services";
      return e;
    }
    if (!served->contains(s)) {
      Error e = make_error(Errc::not_served_here, "this shop does not serve service " + std::to_string(s));
      e.field = "services";
      return e;
    }
  }
  return {};
}

}  // namespace

Result<std::map<std::int64_t, std::string>> service_prefixes(Connection& c, std::int64_t shop_id) {
  auto served = services_served(c, shop_id);
  if (!served) return std::move(served).error();
  auto records = catalogue::service_records(c, *served, std::nullopt);
  if (!records) return std::move(records).error();
  // One letter per administration, as citizen shops letter each entity's queue; administrations
  // in the order of their first service's id, which never changes.
  std::map<std::string, std::int64_t> first_service;
  for (const auto& [id, record] : *records) {
    auto [at, added] = first_service.emplace(record.administration, id);
    if (!added) at->second = std::min(at->second, id);
  }
  std::vector<std::pair<std::int64_t, std::string>> order;
  order.reserve(first_service.size());
  for (const auto& [administration, id] : first_service) order.emplace_back(id, administration);
  std::sort(order.begin(), order.end());
  std::map<std::string, std::string> letter;
  for (std::size_t i = 0; i < order.size(); ++i) letter[order[i].second] = prefix_letters(i);
  std::map<std::int64_t, std::string> out;
  for (const auto& [id, record] : *records) out[id] = letter[record.administration];
  return out;
}

Result<std::vector<WaitingNow>> waiting_now(storage::Database& db, const Clock& clock, const QueuePolicy& policy) {
  const Instant now = clock.now();
  return db.read([&](Connection& c) -> Result<std::vector<WaitingNow>> {
    // The predicate is the partial index's (migration 0038). A ticket has waited since it became
    // ready (a booked visitor's time) or joined its current queue (a visit's next service).
    constexpr const char* kSince = "(CASE WHEN queued_at > ready_at THEN queued_at ELSE ready_at END)";
    auto rows = c.query(
        std::string("SELECT shop_id, COUNT(*), MIN(") + kSince + "), SUM(CASE WHEN " + kSince +
            " <= ? THEN 1 ELSE 0 END) FROM queue_tickets WHERE status = 'waiting' AND ready_at >= ? AND ready_at <= ? "
            "GROUP BY shop_id ORDER BY shop_id",
        {to_unix_micros(now - policy.alert_after), to_unix_micros(now - std::chrono::hours(18)), to_unix_micros(now)});
    if (!rows) return std::move(rows).error();
    std::vector<WaitingNow> out;
    out.reserve(rows->size());
    for (const auto& row : rows->rows) {
      WaitingNow w;
      w.shop_id = row.integer(0);
      w.waiting = static_cast<int>(row.integer(1));
      w.oldest = std::chrono::duration_cast<std::chrono::seconds>(now - from_unix_micros(row.integer(2)));
      w.past_alert = static_cast<int>(row.integer(3));
      auto shop = catalogue::shop_record(c, w.shop_id);
      if (!shop) return std::move(shop).error();
      if (*shop) w.shop_code = (*shop)->code;
      out.push_back(w);
    }
    return out;
  });
}

Result<std::string> shop_day(storage::Database& db, std::int64_t shop_id, Instant at) {
  return db.read([&](Connection& c) -> Result<std::string> {
    auto shop = catalogue::shop_record(c, shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    return local_day_of((*shop)->time_zone, at);
  });
}

Result<Ticket> issue_ticket(storage::Database& db, const TicketRequest& request, const Clock& clock,
                            const QueuePolicy& policy) {
  auto services = checked_services(request.services, policy);
  if (!services) return std::move(services).error();
  if (request.priority == Priority::booked) {
    Error e = make_error(Errc::bad_priority, "booked visitors check in with their booking reference");
    e.field = "priority";
    return e;
  }
  std::optional<std::string> email;
  if (request.notify_email) {
    auto normalised = identity::normalise_email(*request.notify_email);
    if (!normalised) {
      Error e = make_error(Errc::bad_email, "this is not an e-mail address");
      e.field = "email";
      return e;
    }
    email = *normalised;
  }
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<Ticket> {
    auto shop = shop_now(c, request.shop_id, now);
    if (!shop) return std::move(shop).error();
    if (auto served = check_served(c, request.shop_id, *services); !served) return served.error();
    if (!shop->open) return make_error(Errc::shop_closed, "the shop is closed now");
    NewTicket n{request.shop_id, shop->day, *services,    request.priority,       request.source,
                std::nullopt,    now,       request.lang, request.client_address, email};
    return insert_ticket(c, n, now, policy);
  }));
}

Result<Ticket> check_in(storage::Database& db, std::int64_t shop_id, std::string_view reference, std::string_view lang,
                        Source source, const Clock& clock, const QueuePolicy& policy,
                        std::optional<std::int64_t> holder) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<Ticket> {
    auto shop = shop_now(c, shop_id, now);
    if (!shop) return std::move(shop).error();
    auto booking = scheduling::find_booking(c, reference);
    if (!booking) return std::move(booking).error();
    if (!*booking || (*booking)->shop != shop_id || (holder && (*booking)->user_id != holder)) {
      Error e = make_error(Errc::no_such_booking, "no booking at this shop has this reference");
      e.field = "reference";
      return e;
    }
    const scheduling::Booking& b = **booking;
    auto existing = ticket_where(c, "booking_reference = ?", {std::string(reference)});
    if (!existing) return std::move(existing).error();
    if (*existing) return make_error(Errc::already_checked_in, "this booking has checked in already");
    if (b.status != scheduling::BookingStatus::confirmed) {
      return make_error(Errc::booking_not_confirmed, "this booking is not confirmed");
    }
    if (local_day_of(shop->shop.time_zone, b.start) != shop->day || now + policy.check_in_early < b.start) {
      return make_error(Errc::not_today, "check in on the day of the visit, up to an hour before it");
    }
    auto arrived = scheduling::mark_arrived(c, reference, "queue:check-in", clock);
    if (!arrived) return std::move(arrived).error();
    std::vector<std::int64_t> services;
    for (const auto& item : b.items) {
      if (std::find(services.begin(), services.end(), item.service) == services.end()) services.push_back(item.service);
    }
    const bool on_time = now <= b.start + policy.check_in_late;
    NewTicket n{shop_id,
                shop->day,
                services,
                on_time ? Priority::booked : Priority::none,
                source,
                std::string(reference),
                on_time ? b.start : now,
                std::string(lang),
                {},
                std::nullopt};
    return insert_ticket(c, n, now, policy);
  }));
}

Result<Ticket> cancel_ticket(storage::Database& db, std::string_view access, const Clock& clock) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<Ticket> {
    auto ticket = ticket_where(c, "access = ?", {std::string(access)});
    if (!ticket) return std::move(ticket).error();
    if (!*ticket) return make_error(Errc::no_such_ticket, "no such ticket");
    auto changed = c.execute(
        "UPDATE queue_tickets SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('waiting', "
        "'parked')",
        {to_unix_micros(now), (*ticket)->id});
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return make_error(Errc::not_callable, "this ticket is no longer waiting");
    auto step = c.execute(
        "UPDATE queue_ticket_steps SET finished_at = ?, outcome = 'cancelled' WHERE ticket_id = ? AND position = ?",
        {to_unix_micros(now), (*ticket)->id, static_cast<std::int64_t>((*ticket)->step)});
    if (!step) return std::move(step).error();
    auto t = reload(c, (*ticket)->id);
    if (!t) return t;
    if (auto logged = record_event(c, t->shop_id, now, "cancelled", *t, std::nullopt, {}); !logged) {
      return logged.error();
    }
    return t;
  }));
}

Result<std::optional<Ticket>> find_ticket(storage::Database& db, std::int64_t ticket_id) {
  return db.read([&](Connection& c) { return ticket_where(c, "id = ?", {ticket_id}); });
}

Result<std::optional<Ticket>> ticket_by_access(storage::Database& db, std::string_view access) {
  return db.read([&](Connection& c) { return ticket_where(c, "access = ?", {std::string(access)}); });
}

Result<std::optional<Ticket>> ticket_by_number(storage::Database& db, std::int64_t shop_id, std::string_view day,
                                               std::string_view number) {
  return db.read([&](Connection& c) {
    return ticket_where(c, "shop_id = ? AND day = ? AND number = ?", {shop_id, std::string(day), std::string(number)});
  });
}

// --- counters ---

namespace {

Result<CounterState> counter_state_on(Connection& c, std::int64_t counter_id) {
  auto counter = catalogue::counter_record(c, counter_id);
  if (!counter) return std::move(counter).error();
  if (!*counter) return make_error(Errc::no_such_counter, "no such counter");
  CounterState state;
  state.counter_id = counter_id;
  state.shop_id = (*counter)->shop_id;
  state.code = (*counter)->code;
  state.services.assign((*counter)->services.begin(), (*counter)->services.end());
  auto rows = c.query(
      "SELECT user_id, opened_at, paused_reason, ticket_id, work_profile, preferred_service_id FROM queue_counters "
      "WHERE counter_id = ?",
      {counter_id});
  if (!rows) return std::move(rows).error();
  if (!rows->empty()) {
    const Row& row = rows->rows.front();
    state.holder = row.optional_integer(0);
    state.opened_at = optional_instant(row, 1);
    state.paused_reason = row.optional_text(2);
    state.profile.kind = parse_work_profile(row.text(4)).value_or(WorkProfile::calling_order);
    state.profile.preferred_service = row.optional_integer(5);
    if (auto ticket_id = row.optional_integer(3)) {
      auto ticket = ticket_where(c, "id = ?", {*ticket_id});
      if (!ticket) return std::move(ticket).error();
      state.current = std::move(*ticket);
    }
  }
  return state;
}

// Claims the counter's row for this act: only its holder may act, and the update holds the row
// (PostgreSQL) until commit, so two acts of one counter run one after the other.
Result<CounterState> hold(Connection& c, std::int64_t counter_id, std::int64_t user_id) {
  auto claimed = c.execute("UPDATE queue_counters SET version = version + 1 WHERE counter_id = ? AND user_id = ?",
                           {counter_id, user_id});
  if (!claimed) return std::move(claimed).error();
  // Whether the counter exists or someone else holds it, the answer is the same.
  if (*claimed == 0) return make_error(Errc::not_your_counter, "open this counter first");
  return counter_state_on(c, counter_id);
}

Result<void> set_current(Connection& c, std::int64_t counter_id, std::optional<std::int64_t> ticket_id) {
  auto set =
      c.execute("UPDATE queue_counters SET ticket_id = ? WHERE counter_id = ?", {nullable(ticket_id), counter_id});
  if (!set) return std::move(set).error();
  return {};
}

// The agent leaves the counter: a visitor called there and not served goes back to the front of
// their queue (their ready time kept), and the counter is free.
Result<void> leave(Connection& c, const CounterState& state, Instant now) {
  if (state.current && state.current->status == TicketStatus::called) {
    auto back = c.execute(
        "UPDATE queue_tickets SET status = 'waiting', counter_id = NULL, calls = 0 WHERE id = ? AND status = 'called'",
        {state.current->id});
    if (!back) return std::move(back).error();
  }
  auto left = c.execute(
      "UPDATE queue_counters SET user_id = NULL, opened_at = NULL, paused_reason = NULL, paused_at = NULL, ticket_id = "
      "NULL WHERE counter_id = ?",
      {state.counter_id});
  if (!left) return std::move(left).error();
  return record_event(c, state.shop_id, now, "counter_closed", std::nullopt, state.counter_id, state.code);
}

// Ends the step of the ticket at the counter with `outcome` and moves the ticket on: to its
// next step's queue (served, transfer_next), to another service's queue (transfer_to), aside
// (park), or out (done, absent).
Result<Ticket> end_step(Connection& c, const CounterState& counter, const Ticket& ticket, const Finish& finish,
                        Instant now, const QueuePolicy& policy) {
  const std::int64_t now_us = to_unix_micros(now);
  std::string step_outcome = "served";
  std::string event = "served";
  std::optional<std::int64_t> next_service;
  int next_position = ticket.step + 1;
  switch (finish.outcome) {
    case Outcome::served:
      if (next_position < static_cast<int>(ticket.steps.size())) next_service = ticket.steps[next_position].service_id;
      break;
    case Outcome::transfer_next:
      if (next_position >= static_cast<int>(ticket.steps.size())) {
        return make_error(Errc::no_next_step, "this visit has no further service");
      }
      next_service = ticket.steps[next_position].service_id;
      step_outcome = "served";
      event = "transferred";
      break;
    case Outcome::transfer_to: {
      if (!finish.service_id) return make_error(Errc::bad_services, "name the service to transfer to");
      auto served = services_served(c, counter.shop_id);
      if (!served) return std::move(served).error();
      if (!served->contains(*finish.service_id)) {
        return make_error(Errc::not_served_here, "no counter here serves that service");
      }
      next_service = *finish.service_id;
      step_outcome = "transferred";
      event = "transferred";
      break;
    }
    case Outcome::absent:
      if (ticket.calls < policy.calls_before_absent) {
        return make_error(Errc::too_few_calls,
                          "call the visitor " + std::to_string(policy.calls_before_absent) + " times first");
      }
      step_outcome = "absent";
      event = "absent";
      break;
    case Outcome::park: {
      auto parked = c.execute(
          "UPDATE queue_tickets SET status = 'parked', counter_id = NULL, calls = 0 WHERE id = ? AND status = 'called'",
          {ticket.id});
      if (!parked) return std::move(parked).error();
      if (auto cleared = set_current(c, counter.counter_id, std::nullopt); !cleared) return cleared.error();
      auto t = reload(c, ticket.id);
      if (!t) return t;
      if (auto logged = record_event(c, counter.shop_id, now, "parked", *t, counter.counter_id, counter.code);
          !logged) {
        return logged.error();
      }
      return t;
    }
  }
  auto step = c.execute(
      "UPDATE queue_ticket_steps SET finished_at = ?, outcome = ?, counter_id = ? WHERE ticket_id = ? AND position = ?",
      {now_us, step_outcome, counter.counter_id, ticket.id, static_cast<std::int64_t>(ticket.step)});
  if (!step) return std::move(step).error();
  if (finish.outcome == Outcome::transfer_to) {
    // Another queue joins the visit as its next step; later steps move one place on.
    auto shifted =
        c.execute("UPDATE queue_ticket_steps SET position = position + 1000 WHERE ticket_id = ? AND position > ?",
                  {ticket.id, static_cast<std::int64_t>(ticket.step)});
    if (!shifted) return std::move(shifted).error();
    auto back = c.execute(
        "UPDATE queue_ticket_steps SET position = position - 999 WHERE ticket_id = ? AND position > 1000", {ticket.id});
    if (!back) return std::move(back).error();
    auto added =
        c.execute("INSERT INTO queue_ticket_steps (ticket_id, position, shop_id, service_id) VALUES (?, ?, ?, ?)",
                  {ticket.id, static_cast<std::int64_t>(next_position), ticket.shop_id, *next_service});
    if (!added) return std::move(added).error();
  }
  if (next_service) {
    // The next queue keeps the visit's place (its ready time), so one visit is one wait.
    auto moved = c.execute(
        "UPDATE queue_tickets SET status = 'waiting', step = ?, service_id = ?, counter_id = NULL, calls = 0, "
        "queued_at = ?, called_at = NULL WHERE id = ?",
        {static_cast<std::int64_t>(next_position), *next_service, now_us, ticket.id});
    if (!moved) return std::move(moved).error();
    auto queued = c.execute("UPDATE queue_ticket_steps SET queued_at = ? WHERE ticket_id = ? AND position = ?",
                            {now_us, ticket.id, static_cast<std::int64_t>(next_position)});
    if (!queued) return std::move(queued).error();
  } else {
    auto ended = c.execute("UPDATE queue_tickets SET status = ?, finished_at = ? WHERE id = ?",
                           {std::string(step_outcome == "absent" ? "absent" : "done"), now_us, ticket.id});
    if (!ended) return std::move(ended).error();
  }
  if (auto cleared = set_current(c, counter.counter_id, std::nullopt); !cleared) return cleared.error();
  auto t = reload(c, ticket.id);
  if (!t) return t;
  Ticket logged_ticket = *t;
  logged_ticket.service_id = ticket.service_id;  // the event is about the step that ended
  if (auto logged = record_event(c, counter.shop_id, now, event, logged_ticket, counter.counter_id, counter.code);
      !logged) {
    return logged.error();
  }
  return t;
}

// Calls `ticket` (waiting or parked) to the counter; false when another counter called it first.
Result<bool> claim(Connection& c, const CounterState& counter, std::int64_t ticket_id, Instant now) {
  const std::int64_t now_us = to_unix_micros(now);
  auto claimed = c.execute(
      "UPDATE queue_tickets SET status = 'called', counter_id = ?, calls = 1, called_at = ?, first_called_at = "
      "COALESCE(first_called_at, ?) WHERE id = ? AND status IN ('waiting', 'parked')",
      {counter.counter_id, now_us, now_us, ticket_id});
  if (!claimed) return std::move(claimed).error();
  if (*claimed == 0) return false;
  auto step = c.execute(
      "UPDATE queue_ticket_steps SET called_at = COALESCE(called_at, ?), counter_id = ? WHERE ticket_id = ? AND "
      "position = (SELECT step FROM queue_tickets WHERE id = ?)",
      {now_us, counter.counter_id, ticket_id, ticket_id});
  if (!step) return std::move(step).error();
  if (auto set = set_current(c, counter.counter_id, ticket_id); !set) return set.error();
  return true;
}

}  // namespace

Result<std::vector<Ticket>> detail::waiting_on(Connection& c, std::int64_t shop_id, const std::string& day,
                                               const std::vector<std::int64_t>& services) {
  if (services.empty()) return std::vector<Ticket>();
  storage::Params params{shop_id, day};
  for (auto s : services) params.emplace_back(s);
  auto rows =
      c.query(std::string("SELECT ") + kTicketColumns +
                  " FROM queue_tickets WHERE shop_id = ? AND day = ? AND status = 'waiting' AND service_id IN " +
                  storage::in_list(services.size()),
              params);
  if (!rows) return std::move(rows).error();
  std::vector<Ticket> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) out.push_back(ticket_from(row));
  return out;
}

namespace {
using detail::waiting_on;

// The holders who asked to be e-mailed and now have fewer than notify_ahead tickets before them
// (in their service's calling order): a queue.notify job each, in this transaction, once.
Result<void> notify_soon(Connection& c, std::int64_t shop_id, const std::string& day, Instant now,
                         const QueuePolicy& policy, const Clock& clock) {
  auto asking = c.query(std::string("SELECT ") + kTicketColumns +
                            " FROM queue_tickets WHERE shop_id = ? AND day = ? AND status = 'waiting' AND "
                            "notify_email IS NOT NULL AND notified = 0",
                        {shop_id, day});
  if (!asking) return std::move(asking).error();
  for (const auto& row : asking->rows) {
    const Ticket ticket = ticket_from(row);
    auto same = waiting_on(c, shop_id, day, {ticket.service_id});
    if (!same) return std::move(same).error();
    sort_for_calling(*same, now, policy);
    int ahead = 0;
    for (const auto& other : *same) {
      if (other.id == ticket.id) break;
      ++ahead;
    }
    if (ahead >= policy.notify_ahead) continue;
    jobs::NewJob job;
    job.kind = kNotifyJobKind;
    job.payload = "{\"ticket\":" + std::to_string(ticket.id) + "}";
    job.dedupe_key = "queue.notify:" + std::to_string(ticket.id);
    job.priority = jobs::JobPriority::normal;
    if (auto queued = jobs::enqueue(c, job, clock); !queued) return std::move(queued).error();
    auto marked = c.execute("UPDATE queue_tickets SET notified = 1 WHERE id = ?", {ticket.id});
    if (!marked) return std::move(marked).error();
  }
  return {};
}

}  // namespace

Result<CounterState> counter_state(storage::Database& db, std::int64_t counter_id) {
  return db.read([&](Connection& c) { return counter_state_on(c, counter_id); });
}

Result<std::optional<std::int64_t>> counter_held_by(storage::Database& db, std::int64_t user_id) {
  return db.read([&](Connection& c) -> Result<std::optional<std::int64_t>> {
    auto rows = c.query("SELECT counter_id FROM queue_counters WHERE user_id = ?", {user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(rows->rows.front().integer(0));
  });
}

Result<std::vector<CounterState>> shop_counters(storage::Database& db, std::int64_t shop_id) {
  return db.read([&](Connection& c) -> Result<std::vector<CounterState>> {
    auto counters = catalogue::counters_of(c, shop_id);
    if (!counters) return std::move(counters).error();
    std::vector<CounterState> out;
    for (const auto& counter : *counters) {
      auto state = counter_state_on(c, counter.id);
      if (!state) return std::move(state).error();
      out.push_back(std::move(*state));
    }
    return out;
  });
}

Result<CounterState> open_counter(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                                  const Clock& clock) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<CounterState> {
    auto state = counter_state_on(c, counter_id);
    if (!state) return state;
    if (state->holder == user_id) return state;
    // Leave the counter held before (its ticket goes back to its queue).
    auto before = c.query("SELECT counter_id FROM queue_counters WHERE user_id = ?", {user_id});
    if (!before) return std::move(before).error();
    if (!before->empty()) {
      auto previous_state = hold(c, before->rows.front().integer(0), user_id);
      if (!previous_state) return std::move(previous_state).error();
      if (auto left = leave(c, *previous_state, now); !left) return left.error();
    }
    auto row =
        c.execute("INSERT INTO queue_counters (counter_id, shop_id) VALUES (?, ?) ON CONFLICT (counter_id) DO NOTHING",
                  {counter_id, state->shop_id});
    if (!row) return std::move(row).error();
    auto taken = c.execute(
        "UPDATE queue_counters SET user_id = ?, opened_at = ?, paused_reason = NULL, paused_at = NULL, version = "
        "version + 1 WHERE counter_id = ? AND user_id IS NULL",
        {user_id, to_unix_micros(now), counter_id});
    if (!taken) return std::move(taken).error();
    if (*taken == 0) return make_error(Errc::counter_taken, "another agent holds this counter");
    if (auto logged = record_event(c, state->shop_id, now, "counter_opened", std::nullopt, counter_id, state->code);
        !logged) {
      return logged.error();
    }
    return counter_state_on(c, counter_id);
  }));
}

Result<void> close_counter(storage::Database& db, std::int64_t counter_id, std::int64_t user_id, const Clock& clock) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<void> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return std::move(state).error();
    return leave(c, *state, now);
  }));
}

Result<void> pause_counter(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                           std::string_view reason, const Clock& clock) {
  if (reason.size() > 200) {
    Error e = make_error(Errc::bad_reason, "the reason is at most 200 characters");
    e.field = "reason";
    return e;
  }
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<void> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return std::move(state).error();
    auto set = c.execute("UPDATE queue_counters SET paused_reason = ?, paused_at = ? WHERE counter_id = ?",
                         {reason.empty() ? storage::Value(nullptr) : storage::Value(std::string(reason)),
                          reason.empty() ? storage::Value(nullptr) : storage::Value(to_unix_micros(now)), counter_id});
    if (!set) return std::move(set).error();
    if (reason.empty()) return {};
    return record_event(c, state->shop_id, now, "counter_paused", std::nullopt, counter_id, state->code);
  }));
}

Result<Ticket> finish_current(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                              const Finish& finish, const Clock& clock, const QueuePolicy& policy) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<Ticket> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return std::move(state).error();
    if (!state->current || state->current->status != TicketStatus::called) {
      return make_error(Errc::nobody_at_counter, "no visitor is at this counter");
    }
    return end_step(c, *state, *state->current, finish, now, policy);
  }));
}

Result<std::optional<Ticket>> call_next(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                                        const Clock& clock, const QueuePolicy& policy) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<std::optional<Ticket>> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return std::move(state).error();
    if (state->paused_reason) return make_error(Errc::counter_paused, "resume the counter first");
    if (state->current && state->current->status == TicketStatus::called) {
      auto ended = end_step(c, *state, *state->current, Finish{}, now, policy);
      if (!ended) return std::move(ended).error();
      state->current.reset();
    }
    auto shop = catalogue::shop_record(c, state->shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    const std::string day = local_day_of((*shop)->time_zone, now);
    // Another counter may call the first candidate between our read and our update (PostgreSQL):
    // its conditional update wins and we take the next.
    auto candidates = waiting_on(c, state->shop_id, day, state->services);
    if (!candidates) return std::move(candidates).error();
    sort_for_calling(*candidates, now, policy);
    std::vector<bool> lost(candidates->size(), false);
    while (auto next = pick_next(*candidates, now, policy, state->profile, [&](std::size_t i) { return !lost[i]; })) {
      const Ticket& candidate = (*candidates)[*next];
      auto won = claim(c, *state, candidate.id, now);
      if (!won) return std::move(won).error();
      if (!*won) {
        lost[*next] = true;
        continue;
      }
      auto t = reload(c, candidate.id);
      if (!t) return std::move(t).error();
      if (auto logged = record_event(c, state->shop_id, now, "called", *t, counter_id, state->code); !logged) {
        return logged.error();
      }
      if (auto told = notify_soon(c, state->shop_id, day, now, policy, clock); !told) return told.error();
      return std::optional<Ticket>(std::move(*t));
    }
    return std::optional<Ticket>();
  }));
}

Result<CounterState> set_work_profile(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                                      const CounterProfile& profile) {
  return db.transaction([&](Connection& c) -> Result<CounterState> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return state;
    std::optional<std::int64_t> preferred;
    if (profile.kind == WorkProfile::service_first) {
      if (!profile.preferred_service || std::find(state->services.begin(), state->services.end(),
                                                  *profile.preferred_service) == state->services.end()) {
        Error e = make_error(Errc::bad_profile, "choose one of the counter's services to call first");
        e.field = "preferred_service";
        return e;
      }
      preferred = profile.preferred_service;
    }
    auto set = c.execute("UPDATE queue_counters SET work_profile = ?, preferred_service_id = ? WHERE counter_id = ?",
                         {std::string(to_string(profile.kind)), nullable(preferred), counter_id});
    if (!set) return std::move(set).error();
    return counter_state_on(c, counter_id);
  });
}

Result<Ticket> call_ticket(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                           std::string_view number, const Clock& clock) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<Ticket> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return std::move(state).error();
    if (state->current && state->current->status == TicketStatus::called) {
      return make_error(Errc::not_callable, "finish the visitor at the counter first");
    }
    auto shop = catalogue::shop_record(c, state->shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    const std::string day = local_day_of((*shop)->time_zone, now);
    std::string wanted(number);
    std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char ch) { return std::toupper(ch); });
    auto ticket = ticket_where(c, "shop_id = ? AND day = ? AND number = ?", {state->shop_id, day, wanted});
    if (!ticket) return std::move(ticket).error();
    if (!*ticket) {
      Error e = make_error(Errc::no_such_ticket, "no ticket of today has this number");
      e.field = "number";
      return e;
    }
    if (std::find(state->services.begin(), state->services.end(), (*ticket)->service_id) == state->services.end()) {
      Error e = make_error(Errc::not_served_here, "this counter does not serve that ticket's service");
      e.field = "number";
      return e;
    }
    auto won = claim(c, *state, (*ticket)->id, now);
    if (!won) return std::move(won).error();
    if (!*won) {
      Error e = make_error(Errc::not_callable, "this ticket is not waiting");
      e.field = "number";
      return e;
    }
    auto t = reload(c, (*ticket)->id);
    if (!t) return t;
    if (auto logged = record_event(c, state->shop_id, now, "called", *t, counter_id, state->code); !logged) {
      return logged.error();
    }
    return t;
  }));
}

Result<Ticket> recall(storage::Database& db, std::int64_t counter_id, std::int64_t user_id, const Clock& clock) {
  const Instant now = clock.now();
  return woke(db.transaction([&](Connection& c) -> Result<Ticket> {
    auto state = hold(c, counter_id, user_id);
    if (!state) return std::move(state).error();
    if (!state->current || state->current->status != TicketStatus::called) {
      return make_error(Errc::nobody_at_counter, "no visitor is called at this counter");
    }
    auto again = c.execute("UPDATE queue_tickets SET calls = calls + 1 WHERE id = ?", {state->current->id});
    if (!again) return std::move(again).error();
    auto t = reload(c, state->current->id);
    if (!t) return t;
    if (auto logged = record_event(c, state->shop_id, now, "recalled", *t, counter_id, state->code); !logged) {
      return logged.error();
    }
    return t;
  }));
}

// --- screens ---

Result<std::vector<Call>> last_calls(storage::Database& db, std::int64_t shop_id, std::size_t count) {
  return db.read([&](Connection& c) -> Result<std::vector<Call>> {
    auto rows = c.query(
        "SELECT id, number, counter_code, at, kind FROM queue_events WHERE shop_id = ? AND kind IN ('called', "
        "'recalled') ORDER BY id DESC LIMIT ?",
        {shop_id, static_cast<std::int64_t>(count)});
    if (!rows) return std::move(rows).error();
    std::vector<Call> out;
    for (const auto& row : rows->rows) {
      out.push_back(
          Call{row.integer(0), row.text(1), row.text(2), from_unix_micros(row.integer(3)), row.text(4) == "recalled"});
    }
    return out;
  });
}

Result<std::int64_t> last_event_id(storage::Database& db, std::int64_t shop_id) {
  return db.read([&](Connection& c) -> Result<std::int64_t> {
    auto rows = c.query("SELECT MAX(id) FROM queue_events WHERE shop_id = ?", {shop_id});
    if (!rows) return std::move(rows).error();
    return rows->rows.front().integer(0);
  });
}

Result<ShopQueue> shop_queue(storage::Database& db, std::int64_t shop_id, const Clock& clock) {
  const Instant now = clock.now();
  return db.read([&](Connection& c) -> Result<ShopQueue> {
    auto shop = catalogue::shop_record(c, shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    ShopQueue out;
    out.shop_id = shop_id;
    out.day = local_day_of((*shop)->time_zone, now);
    auto prefixes = service_prefixes(c, shop_id);
    if (!prefixes) return std::move(prefixes).error();
    std::map<std::int64_t, Line> lines;
    for (const auto& [service, prefix] : *prefixes) {
      Line line;
      line.service_id = service;
      line.prefix = prefix;
      lines[service] = line;
    }
    auto waiting = c.query(
        "SELECT service_id, COUNT(*), MIN(ready_at) FROM queue_tickets WHERE shop_id = ? AND day = ? AND status = "
        "'waiting' GROUP BY service_id",
        {shop_id, out.day});
    if (!waiting) return std::move(waiting).error();
    for (const auto& row : waiting->rows) {
      auto found = lines.find(row.integer(0));
      if (found == lines.end()) continue;
      found->second.waiting = static_cast<int>(row.integer(1));
      found->second.oldest_ready_at = optional_instant(row, 2);
    }
    auto counters = catalogue::counters_of(c, shop_id);
    if (!counters) return std::move(counters).error();
    auto open = c.query(
        "SELECT counter_id FROM queue_counters WHERE shop_id = ? AND user_id IS NOT NULL AND paused_reason IS NULL",
        {shop_id});
    if (!open) return std::move(open).error();
    std::set<std::int64_t> open_ids;
    for (const auto& row : open->rows) open_ids.insert(row.integer(0));
    for (const auto& counter : *counters) {
      if (!open_ids.contains(counter.id)) continue;
      for (auto s : counter.services) {
        if (auto found = lines.find(s); found != lines.end()) ++found->second.counters_open;
      }
    }
    for (auto& [id, line] : lines) out.lines.push_back(line);
    return out;
  });
}

Result<std::vector<Ticket>> waiting_tickets(storage::Database& db, std::int64_t shop_id, const Clock& clock,
                                            const QueuePolicy& policy) {
  const Instant now = clock.now();
  return db.read([&](Connection& c) -> Result<std::vector<Ticket>> {
    auto shop = catalogue::shop_record(c, shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    const std::string day = local_day_of((*shop)->time_zone, now);
    auto rows = c.query(std::string("SELECT ") + kTicketColumns +
                            " FROM queue_tickets WHERE shop_id = ? AND day = ? AND status IN ('waiting', 'parked')",
                        {shop_id, day});
    if (!rows) return std::move(rows).error();
    std::vector<Ticket> out;
    for (const auto& row : rows->rows) out.push_back(ticket_from(row));
    sort_for_calling(out, now, policy);
    return out;
  });
}

Result<int> tickets_ahead(storage::Database& db, const Ticket& ticket, const Clock& clock, const QueuePolicy& policy) {
  if (ticket.status != TicketStatus::waiting) return 0;
  const Instant now = clock.now();
  return db.read([&](Connection& c) -> Result<int> {
    auto same = waiting_on(c, ticket.shop_id, ticket.day, {ticket.service_id});
    if (!same) return std::move(same).error();
    sort_for_calling(*same, now, policy);
    int ahead = 0;
    for (const auto& other : *same) {
      if (other.id == ticket.id) break;
      ++ahead;
    }
    return ahead;
  });
}

}  // namespace guichet::queue
