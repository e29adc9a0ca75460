#include "guichet/scheduling/agenda.hpp"

#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "calendar.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/scheduling/errors.hpp"
#include "presentation.hpp"

namespace guichet::scheduling {
namespace {
using std::chrono::hours;

bool is_platform_admin(const std::vector<identity::RoleGrant>& roles) {
  return identity::allows(roles, identity::Role::platform_admin);
}

// The administrations whose services this person serves.
std::set<std::string> administrations_served(const std::vector<identity::RoleGrant>& roles) {
  std::set<std::string> codes;
  for (const auto& grant : roles) {
    if (grant.role == identity::Role::agent || grant.role == identity::Role::administration_admin) {
      codes.insert(grant.administration);
    }
  }
  return codes;
}

// [start, end) of a local day in a time zone.
std::optional<std::pair<Instant, Instant>> day_bounds(const std::string& time_zone, const std::string& day) {
  auto parsed = parse_iso_day(day);
  const date::time_zone* zone = find_time_zone(time_zone);
  if (!parsed || zone == nullptr) return std::nullopt;
  const date::local_days local(date::days(parsed->time_since_epoch().count()));
  try {
    auto start = zone->to_sys(date::local_seconds(local), date::choose::earliest);
    auto end = zone->to_sys(date::local_seconds(local + date::days(1)), date::choose::earliest);
    return std::pair{std::chrono::time_point_cast<Instant::duration>(start),
                     std::chrono::time_point_cast<Instant::duration>(end)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Result<void> assign_agent_to_shop(storage::Database& db, std::int64_t user_id, std::int64_t shop_id,
                                  const std::string& actor, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto exists = c.query("SELECT 1 FROM agent_shops WHERE user_id = ? AND shop_id = ?", {user_id, shop_id});
    if (!exists) return std::move(exists).error();
    if (!exists->empty()) return {};
    auto added = c.execute("INSERT INTO agent_shops (user_id, shop_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)",
                           {user_id, shop_id, to_unix_micros(clock.now()), actor});
    if (!added) {
      if (added.error().kind == ErrorKind::conflict) {
        return make_error(Errc::no_such_user_or_shop, "no such account or shop");
      }
      return std::move(added).error();
    }
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{actor, "agent.assigned", "user:" + std::to_string(user_id),
                                                    boost::json::serialize(boost::json::object{{"shop", shop_id}})},
                               clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<void> unassign_agent_from_shop(storage::Database& db, std::int64_t user_id, std::int64_t shop_id,
                                      const std::string& actor, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto removed = c.execute("DELETE FROM agent_shops WHERE user_id = ? AND shop_id = ?", {user_id, shop_id});
    if (!removed) return std::move(removed).error();
    if (*removed == 0) return {};
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{actor, "agent.unassigned", "user:" + std::to_string(user_id),
                                                    boost::json::serialize(boost::json::object{{"shop", shop_id}})},
                               clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<std::vector<ShopAssignment>> list_shop_assignments(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  storage::Connection& c = **connection;
  auto rows = c.query("SELECT user_id, shop_id FROM agent_shops");
  if (!rows) return std::move(rows).error();
  std::set<std::int64_t> user_ids;
  std::set<std::int64_t> shop_ids;
  for (const auto& row : rows->rows) {
    user_ids.insert(row.integer(0));
    shop_ids.insert(row.integer(1));
  }
  auto emails = identity::emails_of(c, user_ids);
  if (!emails) return std::move(emails).error();
  auto shops = catalogue::shop_records(c, shop_ids);
  if (!shops) return std::move(shops).error();
  std::map<std::int64_t, std::string> shop_names;
  for (const auto& shop : *shops) shop_names[shop.id] = shop.name;
  std::vector<ShopAssignment> out;
  for (const auto& row : rows->rows) {
    auto email = emails->find(row.integer(0));
    auto shop = shop_names.find(row.integer(1));
    if (email == emails->end() || shop == shop_names.end()) continue;  // both cascade; never half there
    out.push_back({row.integer(0), email->second, row.integer(1), shop->second});
  }
  std::sort(out.begin(), out.end(), [](const ShopAssignment& a, const ShopAssignment& b) {
    return std::tie(a.email, a.shop_name) < std::tie(b.email, b.shop_name);
  });
  return out;
}

bool may_assign(const std::vector<identity::RoleGrant>& roles, const std::vector<identity::RoleGrant>& agent_roles) {
  if (is_platform_admin(roles)) return true;
  for (const auto& grant : agent_roles) {
    if (grant.role != identity::Role::agent) continue;
    if (identity::allows(roles, identity::Role::administration_admin, grant.administration)) return true;
  }
  return false;
}

bool is_scheduling_staff(const std::vector<identity::RoleGrant>& roles) {
  return is_platform_admin(roles) || !administrations_served(roles).empty();
}

Result<std::vector<StaffShop>> shops_of_staff(storage::Database& db, std::int64_t user_id,
                                              const std::vector<identity::RoleGrant>& roles) {
  std::vector<StaffShop> shops;
  if (!is_scheduling_staff(roles)) return shops;
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  std::optional<std::set<std::int64_t>> assigned;
  if (!is_platform_admin(roles)) {
    auto rows = (*connection)->query("SELECT shop_id FROM agent_shops WHERE user_id = ?", {user_id});
    if (!rows) return std::move(rows).error();
    assigned.emplace();
    for (const auto& row : rows->rows) assigned->insert(row.integer(0));
  }
  auto records = catalogue::shop_records(**connection, assigned);  // by name
  if (!records) return std::move(records).error();
  for (const auto& record : *records) shops.push_back({record.id, record.name, record.time_zone});
  return shops;
}

Result<Agenda> day_agenda(storage::Database& db, std::int64_t user_id, const std::vector<identity::RoleGrant>& roles,
                          std::int64_t shop_id, const std::string& day, const std::string& lang, const Clock& clock) {
  auto shops = shops_of_staff(db, user_id, roles);
  if (!shops) return std::move(shops).error();
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == shop_id; });
  if (shop == shops->end()) return make_error(Errc::not_your_shop, "this shop is not one of yours");
  auto bounds = day_bounds(shop->time_zone, day);
  if (!bounds) return make_error(Errc::bad_date, "the day must be YYYY-MM-DD");
  const bool everything = is_platform_admin(roles);
  const std::set<std::string> mine = administrations_served(roles);

  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  storage::Connection& c = **connection;
  Agenda agenda;
  agenda.shop = *shop;
  agenda.day = day;
  auto counters = catalogue::counters_of(c, shop_id);
  if (!counters) return std::move(counters).error();
  std::sort(counters->begin(), counters->end(),
            [](const catalogue::CounterRecord& a, const catalogue::CounterRecord& b) { return a.code < b.code; });
  std::map<std::int64_t, std::size_t> index;
  for (const auto& counter : *counters) {
    index[counter.id] = agenda.counters.size();
    agenda.counters.push_back({counter.id, counter.code, {}, {}});
  }
  const Instant now = clock.now();
  // Through the shop's counters, so that the `booking_items (counter_id, starts_at)` index bounds the read to the
  // day: filtering on the booking's shop would read every booking the shop ever had.
  storage::Params item_params{to_unix_micros(bounds->first), to_unix_micros(bounds->second)};
  for (const auto& counter : *counters) item_params.emplace_back(counter.id);
  auto items = counters->empty()
                   ? Result<storage::Rows>(storage::Rows{})
                   : c.query(
                         "SELECT b.reference, b.status, b.channel, b.user_id, i.service_id, i.counter_id, i.starts_at, "
                         "i.ends_at, b.starts_at, b.video_room, b.caller_name, b.caller_phone FROM booking_items i "
                         "JOIN bookings b ON b.id = i.booking_id "
                         "WHERE i.starts_at >= ? AND i.starts_at < ? AND b.status <> 'cancelled' AND i.counter_id IN " +
                             storage::in_list(counters->size()) + " ORDER BY i.starts_at, i.counter_id",
                         item_params);
  if (!items) return std::move(items).error();
  std::set<std::int64_t> people;
  std::set<std::int64_t> service_ids;
  for (const auto& row : items->rows) {
    if (!row.is_null(3)) people.insert(row.integer(3));
    service_ids.insert(row.integer(4));
  }
  auto emails = identity::emails_of(c, people);
  if (!emails) return std::move(emails).error();
  auto services = catalogue::service_records(c, service_ids, lang);
  if (!services) return std::move(services).error();
  for (const auto& row : items->rows) {
    auto service = services->find(row.integer(4));
    if (service == services->end() || !index.contains(row.integer(5))) continue;
    if (!everything && !mine.contains(service->second.administration)) continue;
    AgendaItem item;
    item.reference = row.text(0);
    const std::string status = row.text(1);
    item.status = status == "arrived"   ? BookingStatus::arrived
                  : status == "no_show" ? BookingStatus::no_show
                                        : BookingStatus::confirmed;
    item.channel = parse_channel(row.text(2)).value_or(Channel::online);
    if (auto email = emails->find(row.integer(3)); !row.is_null(3) && email != emails->end()) {
      item.person = email->second;
    }
    item.service_name = service->second.name;
    item.administration = service->second.administration;
    item.start = from_unix_micros(row.integer(6));
    item.end = from_unix_micros(row.integer(7));
    item.markable = item.status == BookingStatus::confirmed && from_unix_micros(row.integer(8)) - hours(12) <= now;
    item.video_room = row.optional_text(9);
    item.caller_name = row.optional_text(10).value_or("");
    item.caller_phone = row.optional_text(11).value_or("");
    agenda.counters[index[row.integer(5)]].items.push_back(std::move(item));
  }
  if (!counters->empty()) {
    storage::Params params{to_unix_micros(bounds->first), to_unix_micros(bounds->second)};
    for (const auto& counter : *counters) params.emplace_back(counter.id);
    auto absences = c.query(
        "SELECT counter_id, starts_at, ends_at, reason FROM counter_absences WHERE ends_at > ? AND starts_at < ? AND "
        "counter_id IN " +
            storage::in_list(counters->size()) + " ORDER BY starts_at",
        params);
    if (!absences) return std::move(absences).error();
    for (const auto& row : absences->rows) {
      agenda.counters[index[row.integer(0)]].absences.push_back(
          {from_unix_micros(row.integer(1)), from_unix_micros(row.integer(2)), row.text(3)});
    }
  }
  // No-show rates per service at this shop over the 90 days before the day.
  auto counts = c.query(
      "SELECT i.service_id, SUM(CASE WHEN b.status = 'arrived' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN b.status = 'no_show' THEN 1 ELSE 0 END) FROM booking_items i "
      "JOIN bookings b ON b.id = i.booking_id "
      "WHERE b.shop_id = ? AND b.status IN ('arrived', 'no_show') AND b.starts_at >= ? AND b.starts_at < ? "
      "GROUP BY i.service_id",
      {shop_id, to_unix_micros(bounds->first - hours(24 * 90)), to_unix_micros(bounds->first)});
  if (!counts) return std::move(counts).error();
  std::set<std::int64_t> counted;
  for (const auto& row : counts->rows) counted.insert(row.integer(0));
  auto counted_services = catalogue::service_records(c, counted, lang);
  if (!counted_services) return std::move(counted_services).error();
  // One line per service name and administration, sorted by name, as shown.
  std::map<std::pair<std::string, std::string>, NoShowRate> by_name;
  for (const auto& row : counts->rows) {
    auto service = counted_services->find(row.integer(0));
    if (service == counted_services->end()) continue;
    if (!everything && !mine.contains(service->second.administration)) continue;
    NoShowRate& rate = by_name[{service->second.name, service->second.administration}];
    rate.service_name = service->second.name;
    rate.arrived += row.integer(1);
    rate.no_show += row.integer(2);
  }
  for (auto& [key, rate] : by_name) {
    if (rate.arrived + rate.no_show > 0) {
      rate.rate = static_cast<double>(rate.no_show) / static_cast<double>(rate.arrived + rate.no_show);
    }
    agenda.no_shows.push_back(std::move(rate));
  }
  return agenda;
}

Result<bool> may_serve(storage::Database& db, std::int64_t user_id, const std::vector<identity::RoleGrant>& roles,
                       const Booking& booking) {
  if (is_platform_admin(roles)) return true;
  auto shops = shops_of_staff(db, user_id, roles);
  if (!shops) return std::move(shops).error();
  if (std::none_of(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == booking.shop; })) {
    return false;
  }
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto codes = administrations_of(**connection, booking.id);
  if (!codes) return std::move(codes).error();
  const std::set<std::string> mine = administrations_served(roles);
  return std::any_of(codes->begin(), codes->end(), [&](const std::string& code) { return mine.contains(code); });
}

Result<Booking> mark_booking(storage::Database& db, std::string_view reference, BookingStatus status,
                             std::int64_t agent_id, const Clock& clock, const BookingHooks& hooks) {
  if (status != BookingStatus::arrived && status != BookingStatus::no_show) {
    return make_error(Errc::bad_status, "a visit is marked arrived or no_show");
  }
  const Instant now = clock.now();
  return db.transaction([&](storage::Connection& c) -> Result<Booking> {
    // Arrival counts from 12 hours before the start (people come early); absence once it began.
    const Instant latest_start = status == BookingStatus::arrived ? now + hours(12) : now;
    auto changed = c.execute(
        "UPDATE bookings SET status = ?, marked_by = ?, marked_at = ?, updated_at = ? WHERE reference = ? AND "
        "status = 'confirmed' AND starts_at <= ?",
        {std::string(to_string(status)), agent_id, to_unix_micros(now), to_unix_micros(now), std::string(reference),
         to_unix_micros(latest_start)});
    if (!changed) return std::move(changed).error();
    auto booking = find_booking(c, reference);
    if (!booking) return std::move(booking).error();
    if (!*booking) return make_error(Errc::no_such_booking, "no such booking");
    if (*changed == 0) {
      return make_error(Errc::not_markable, "this visit cannot be marked now");
    }
    auto audited = identity::record_audit(
        c,
        identity::AuditEvent{"user:" + std::to_string(agent_id),
                             status == BookingStatus::arrived ? "booking.arrived" : "booking.no_show",
                             "booking:" + std::string(reference), "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    if (hooks.marked) {
      if (auto hooked = hooks.marked(c, **booking); !hooked) return hooked.error();
    }
    return std::move(**booking);
  });
}

Result<Booking> mark_arrived(storage::Connection& c, std::string_view reference, const std::string& actor,
                             const Clock& clock, const BookingHooks& hooks) {
  const Instant now = clock.now();
  auto changed = c.execute(
      "UPDATE bookings SET status = 'arrived', marked_by = NULL, marked_at = ?, updated_at = ? WHERE reference = ? AND "
      "status = 'confirmed'",
      {to_unix_micros(now), to_unix_micros(now), std::string(reference)});
  if (!changed) return std::move(changed).error();
  if (*changed == 0) return make_error(Errc::not_markable, "this visit cannot be marked now");
  auto booking = find_booking(c, reference);
  if (!booking) return std::move(booking).error();
  if (!*booking) return make_error(Errc::no_such_booking, "no such booking");
  auto audited = identity::record_audit(
      c, identity::AuditEvent{actor, "booking.arrived", "booking:" + std::string(reference), "{}"}, clock);
  if (!audited) return std::move(audited).error();
  if (hooks.marked) {
    if (auto hooked = hooks.marked(c, **booking); !hooked) return hooked.error();
  }
  return std::move(**booking);
}

Result<std::vector<ExpectedVisit>> expected_visits(storage::Connection& c, std::int64_t shop_id, Instant from,
                                                   Instant until) {
  auto rows = c.query(
      "SELECT b.reference, b.starts_at, i.service_id FROM bookings b JOIN booking_items i ON i.booking_id = b.id WHERE "
      "b.shop_id = ? AND b.starts_at >= ? AND b.starts_at < ? AND b.status = 'confirmed' ORDER BY b.starts_at, b.id, "
      "i.starts_at, i.id",
      {shop_id, to_unix_micros(from), to_unix_micros(until)});
  if (!rows) return std::move(rows).error();
  std::vector<ExpectedVisit> out;
  for (const auto& row : rows->rows) {
    if (out.empty() || out.back().reference != row.text(0)) {
      out.push_back(ExpectedVisit{row.text(0), from_unix_micros(row.integer(1)), {}});
    }
    out.back().services.push_back(row.integer(2));
  }
  return out;
}

Result<std::int64_t> block_counter(storage::Database& db, std::int64_t counter_id, Instant start, Instant end,
                                   const std::string& reason, std::int64_t agent_id, const Clock& clock) {
  if (end <= start) return make_error(Errc::bad_period, "the end must come after the start");
  if (end - start > hours(24 * 366)) {
    return make_error(Errc::bad_period, "an absence lasts at most a year");
  }
  if (reason.size() > 200) return make_error(Errc::bad_reason, "the reason is too long");
  return db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    // Booked visits stay: the agent moves them first, so nobody arrives at a closed counter. On
    // PostgreSQL the counter's advisory lock (exclusive here, shared by bookings: bookings.cpp,
    // guard_against_absences) waits for bookings under way, so none slips in beside the absence.
    if (c.backend() == storage::Backend::postgresql) {
      auto locked = c.query("SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))",
                            {kCounterLockSpace, counter_id});
      if (!locked) return std::move(locked).error();
    }
    auto booked = c.query(
        "SELECT DISTINCT b.reference FROM booking_items i JOIN bookings b ON b.id = i.booking_id WHERE "
        "i.counter_id = ? AND i.active = 1 AND i.starts_at < ? AND i.blocks_until > ? ORDER BY b.reference",
        {counter_id, to_unix_micros(end), to_unix_micros(start)});
    if (!booked) return std::move(booked).error();
    if (!booked->empty()) {
      std::string references;
      for (const auto& row : booked->rows) references += (references.empty() ? "" : ", ") + row.text(0);
      return make_error(Errc::counter_booked, "visits are booked at this counter then; move them first: " + references);
    }
    auto added = c.query(
        "INSERT INTO counter_absences (counter_id, starts_at, ends_at, reason, created_by) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        {counter_id, to_unix_micros(start), to_unix_micros(end), reason, agent_id});
    if (!added) return std::move(added).error();
    auto audited = identity::record_audit(
        c,
        identity::AuditEvent{
            "user:" + std::to_string(agent_id), "counter.blocked", "counter:" + std::to_string(counter_id),
            boost::json::serialize(boost::json::object{
                {"from", rfc3339_seconds(start)}, {"until", rfc3339_seconds(end)}, {"reason", reason}})},
        clock);
    if (!audited) return std::move(audited).error();
    return added->rows[0].integer(0);
  });
}

}  // namespace guichet::scheduling
