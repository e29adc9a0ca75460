// The agents' side on each backend: who sees which shop and which items, marking visits arrived
// or absent, no-show rates, blocking a counter, and booking for a caller.
#include "guichet/scheduling/agenda.hpp"

#include <gtest/gtest.h>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/storage/migrations.hpp"
#include "scheduling/two_shops.hpp"
#include "support/test_database.hpp"

namespace guichet::scheduling {
namespace {
using identity::Role;
using identity::RoleGrant;

Instant at(const char* text) { return *parse_rfc3339(text); }

class AgendaTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    auto loaded = fixtures::load_two_shops(db(), clock);
    id = loaded.id;
    counter = loaded.counter;
    ana = person("ana@example.org");
    agent = person("agent@example.org");
    ASSERT_TRUE(identity::grant_role(db(), agent, {Role::agent, "irn"}, "test", clock).ok());
    ASSERT_TRUE(assign_agent_to_shop(db(), agent, id["lisboa"], "test", clock).ok());
    agent_roles = *identity::roles_of(db(), agent);
  }
  storage::Database& db() { return database->db(); }
  CalendarCache& calendars() {
    if (!calendar_cache) calendar_cache = std::make_unique<CalendarCache>(db(), clock);
    return *calendar_cache;
  }
  std::int64_t person(const std::string& email) {
    auto user = identity::account_for_caller(db(), email, "test", clock);
    EXPECT_TRUE(user.ok());
    return user ? user->id : 0;
  }
  Booking book(std::int64_t user, const std::string& service, const char* start) {
    BookingRequest request{user, id["lisboa"], at(start), {id[service]}};
    auto booked = book_visit(db(), request, clock, policy);
    EXPECT_TRUE(booked.ok()) << (booked ? "" : booked.error().message);
    return booked ? *booked : Booking{};
  }

  FakeClock clock{at("2026-12-01T00:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<CalendarCache> calendar_cache;
  std::map<std::string, std::int64_t> id;
  std::map<std::string, std::int64_t> counter;
  std::int64_t ana = 0;
  std::int64_t agent = 0;
  std::vector<RoleGrant> agent_roles;
  BookingPolicy policy;
};

// Issue 16, finding 2: what staff may do to someone else's booking needs what the agent pages
// need — a second factor, an assignment to the shop — and a role covering every service of the
// visit to cancel or move it.
TEST_P(AgendaTest, StaffPowersOverABookingNeedASecondFactorTheShopAndEveryAdministration) {
  Booking passport = book(ana, "passport", "2026-12-07T09:00:00Z");
  auto free = next_visits(calendars(), id["lisboa"], {id["passport"], id["tax-help"]}, at("2026-12-08T09:00:00Z"),
                          clock.now(), 1);
  ASSERT_TRUE(free.ok() && !free->empty());
  BookingRequest mixed_request{ana, id["lisboa"], free->front().visit.start, {id["passport"], id["tax-help"]}};
  auto mixed = book_visit(db(), mixed_request, clock, policy);
  ASSERT_TRUE(mixed.ok()) << mixed.error().message;
  auto power = [&](const Booking& b, std::int64_t user, bool second_factor) {
    auto p = booking_power(db(), b, user, second_factor);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : BookingPower::none;
  };
  EXPECT_EQ(power(passport, ana, false), BookingPower::act) << "the owner, whatever the session";
  EXPECT_EQ(power(passport, agent, true), BookingPower::act);
  EXPECT_EQ(power(passport, agent, false), BookingPower::none) << "a password alone gives no staff power";
  EXPECT_EQ(power(*mixed, agent, true), BookingPower::view) << "the tax administration's service is not theirs";
  // Not assigned to the shop: nothing, even with the role.
  const std::int64_t elsewhere = person("elsewhere@example.org");
  ASSERT_TRUE(identity::grant_role(db(), elsewhere, {Role::agent, "irn"}, "test", clock).ok());
  EXPECT_EQ(power(passport, elsewhere, true), BookingPower::none);
  ASSERT_TRUE(assign_agent_to_shop(db(), elsewhere, id["lisboa"], "test", clock).ok());
  EXPECT_EQ(power(passport, elsewhere, true), BookingPower::act);
  // Roles covering both administrations act on the mixed visit.
  ASSERT_TRUE(identity::grant_role(db(), elsewhere, {Role::agent, "at"}, "test", clock).ok());
  EXPECT_EQ(power(*mixed, elsewhere, true), BookingPower::act);
  // Another person: nothing.
  EXPECT_EQ(power(passport, person("bruno@example.org"), true), BookingPower::none);
  const std::int64_t chief = person("chief@example.org");
  ASSERT_TRUE(identity::grant_role(db(), chief, {Role::platform_admin, ""}, "test", clock).ok());
  EXPECT_EQ(power(*mixed, chief, true), BookingPower::act);
  EXPECT_EQ(power(*mixed, chief, false), BookingPower::none);
}

TEST_P(AgendaTest, AgentsSeeTheirShopsAndTheirAdministrationsItems) {
  Booking visit = book(ana, "passport", "2026-12-07T09:00:00Z");
  auto shops = shops_of_staff(db(), agent, agent_roles);
  ASSERT_TRUE(shops.ok());
  ASSERT_EQ(shops->size(), 1U);
  EXPECT_EQ(shops->front().id, id["lisboa"]);

  auto agenda = day_agenda(db(), agent, agent_roles, id["lisboa"], "2026-12-07", "en", clock);
  ASSERT_TRUE(agenda.ok()) << agenda.error().message;
  ASSERT_EQ(agenda->counters.size(), 2U);
  const auto& g01 = agenda->counters[0];
  EXPECT_EQ(g01.code, "g01");
  ASSERT_EQ(g01.items.size(), 1U);
  EXPECT_EQ(g01.items[0].reference, visit.reference);
  EXPECT_EQ(g01.items[0].person, "ana@example.org");
  EXPECT_EQ(g01.items[0].service_name, "Passport");
  EXPECT_FALSE(g01.items[0].markable) << "six days ahead";
  EXPECT_TRUE(agenda->counters[1].items.empty());
  EXPECT_TRUE(day_agenda(db(), agent, agent_roles, id["lisboa"], "2026-12-08", "en", clock)->counters[0].items.empty());
  EXPECT_EQ(day_agenda(db(), agent, agent_roles, id["paris"], "2026-12-07", "en", clock).error().code.name(),
            "not_your_shop");
  EXPECT_EQ(day_agenda(db(), agent, agent_roles, id["lisboa"], "7 Dec", "en", clock).error().code.name(), "bad_date");

  // Assigned to the shop but for another administration: the shop, none of its items.
  std::int64_t other = person("other@example.org");
  ASSERT_TRUE(identity::grant_role(db(), other, {Role::agent, "ants"}, "test", clock).ok());
  ASSERT_TRUE(assign_agent_to_shop(db(), other, id["lisboa"], "test", clock).ok());
  auto other_roles = *identity::roles_of(db(), other);
  auto theirs = day_agenda(db(), other, other_roles, id["lisboa"], "2026-12-07", "en", clock);
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(theirs->counters[0].items.empty());
  EXPECT_FALSE(*may_serve(db(), other, other_roles, visit));
  EXPECT_TRUE(*may_serve(db(), agent, agent_roles, visit));
  // Without a role, no shop at all, even when assigned.
  ASSERT_TRUE(assign_agent_to_shop(db(), ana, id["lisboa"], "test", clock).ok());
  EXPECT_TRUE(shops_of_staff(db(), ana, {})->empty());
}

TEST_P(AgendaTest, MarkingVisitsAndNoShowRates) {
  Booking first = book(ana, "passport", "2026-12-07T09:00:00Z");
  std::int64_t bruno = person("bruno@example.org");
  Booking second = book(bruno, "passport", "2026-12-07T10:00:00Z");
  EXPECT_EQ(mark_booking(db(), first.reference, BookingStatus::arrived, agent, clock).error().code.name(),
            "not_markable")
      << "days before";
  clock.set(at("2026-12-07T08:30:00Z"));
  auto arrived = mark_booking(db(), first.reference, BookingStatus::arrived, agent, clock);
  ASSERT_TRUE(arrived.ok()) << arrived.error().message;
  EXPECT_EQ(arrived->status, BookingStatus::arrived);
  EXPECT_EQ(mark_booking(db(), first.reference, BookingStatus::no_show, agent, clock).error().code.name(),
            "not_markable")
      << "marked once";
  EXPECT_EQ(mark_booking(db(), second.reference, BookingStatus::no_show, agent, clock).error().code.name(),
            "not_markable")
      << "not absent before the start";
  clock.set(at("2026-12-07T10:10:00Z"));
  ASSERT_TRUE(mark_booking(db(), second.reference, BookingStatus::no_show, agent, clock).ok());
  EXPECT_EQ(mark_booking(db(), second.reference, BookingStatus::confirmed, agent, clock).error().code.name(),
            "bad_status");

  auto later = day_agenda(db(), agent, agent_roles, id["lisboa"], "2026-12-08", "en", clock);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->no_shows.size(), 1U);
  EXPECT_EQ(later->no_shows[0].service_name, "Passport");
  EXPECT_EQ(later->no_shows[0].arrived, 1);
  EXPECT_EQ(later->no_shows[0].no_show, 1);
  EXPECT_DOUBLE_EQ(later->no_shows[0].rate, 0.5);
  auto audit = identity::verify_audit_chain(db());
  ASSERT_TRUE(audit.ok());
  auto connection = db().acquire();
  auto marks =
      (*connection)->query("SELECT COUNT(*) FROM audit_log WHERE action IN ('booking.arrived', 'booking.no_show')");
  EXPECT_EQ(marks->rows[0].integer(0), 2);
}

TEST_P(AgendaTest, BlockingACounterKeepsBookedVisitsAndRemovesFreeTimes) {
  Booking visit = book(ana, "citizen-card", "2026-12-07T09:00:00Z");
  auto clash = block_counter(db(), counter["lisboa/g02"], at("2026-12-07T09:00:00Z"), at("2026-12-07T10:00:00Z"),
                             "training", agent, clock);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code.name(), "counter_booked");
  EXPECT_NE(clash.error().message.find(visit.reference), std::string::npos);
  EXPECT_EQ(block_counter(db(), counter["lisboa/g02"], at("2026-12-07T11:00:00Z"), at("2026-12-07T10:00:00Z"), "",
                          agent, clock)
                .error()
                .code.name(),
            "bad_period");
  ASSERT_TRUE(block_counter(db(), counter["lisboa/g02"], at("2026-12-07T10:00:00Z"), at("2026-12-07T12:00:00Z"),
                            "training", agent, clock)
                  .ok());
  AvailabilityQuery query{{id["citizen-card"]}, id["lisboa"], "2026-12-07", 1, 50, "", std::nullopt};
  auto visits = find_availability(calendars(), query, clock.now());
  ASSERT_TRUE(visits.ok());
  ASSERT_FALSE(visits->empty());
  EXPECT_LT(visits->back().visit.start, at("2026-12-07T10:00:00Z")) << "nothing offered while blocked";
  auto agenda = day_agenda(db(), agent, agent_roles, id["lisboa"], "2026-12-07", "en", clock);
  ASSERT_EQ(agenda->counters[1].absences.size(), 1U);
  EXPECT_EQ(agenda->counters[1].absences[0].reason, "training");
}

TEST_P(AgendaTest, ACallerWithoutAnAccountGetsOneWithoutAPassword) {
  auto caller = identity::account_for_caller(db(), "Carla@Example.org", "user:" + std::to_string(agent), clock);
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->email, "carla@example.org");
  auto again = identity::account_for_caller(db(), "carla@example.org", "test", clock);
  EXPECT_EQ(again->id, caller->id) << "the same account the second time";
  EXPECT_FALSE(identity::account_for_caller(db(), "not an address", "test", clock).ok());
  BookingRequest request{caller->id, id["lisboa"], at("2026-12-07T09:00:00Z"), {id["passport"]}, Channel::phone, agent};
  auto booked = book_visit(db(), request, clock, policy);
  ASSERT_TRUE(booked.ok());
  EXPECT_EQ(booked->channel, Channel::phone);
  EXPECT_EQ(booked->booked_by, agent);
  auto agenda = day_agenda(db(), agent, agent_roles, id["lisboa"], "2026-12-07", "en", clock);
  EXPECT_EQ(agenda->counters[0].items.at(0).channel, Channel::phone);
}

// Issue 14, problem 9: the people most likely to phone may have no e-mail address. A visit is
// booked for a name and a phone number, with no account; the agenda says whom to expect; the
// caller cannot be booked twice at one hour, and the per-person limits count their phone number.
TEST_P(AgendaTest, ACallerWithoutAnEmailIsBookedByNameAndPhone) {
  BookingRequest request{0, id["lisboa"], at("2026-12-07T10:00:00Z"), {id["passport"]}, Channel::phone, agent};
  request.lang = "fr";
  EXPECT_EQ(book_visit(db(), request, clock, policy).error().code, Errc::bad_request) << "neither account nor caller";
  request.caller = Caller{"Maria Alves", ""};
  EXPECT_EQ(book_visit(db(), request, clock, policy).error().code, Errc::bad_request) << "a caller needs a phone";
  request.caller = Caller{"Maria Alves", "+351912345678"};
  auto booked = book_visit(db(), request, clock, policy);
  ASSERT_TRUE(booked.ok()) << booked.error().message;
  EXPECT_FALSE(booked->user_id.has_value());
  auto stored = find_booking(db(), booked->reference);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_FALSE((*stored)->user_id.has_value());
  ASSERT_TRUE((*stored)->caller.has_value());
  EXPECT_EQ((*stored)->caller->name, "Maria Alves");
  EXPECT_EQ((*stored)->caller->phone, "+351912345678");
  EXPECT_EQ((*stored)->lang, "fr") << "the caller's language, for whatever is said to them";

  auto agenda = day_agenda(db(), agent, agent_roles, id["lisboa"], "2026-12-07", "en", clock);
  ASSERT_TRUE(agenda.ok());
  const AgendaItem* item = nullptr;
  for (const auto& c : agenda->counters) {
    for (const auto& i : c.items) {
      if (i.reference == booked->reference) item = &i;
    }
  }
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->caller_name, "Maria Alves");
  EXPECT_EQ(item->caller_phone, "+351912345678");
  EXPECT_EQ(item->person, "") << "no account, no e-mail";

  // The same phone at an overlapping hour is the same person; another phone is someone else.
  BookingRequest again = request;  // the other counter is free at that time
  EXPECT_EQ(book_visit(db(), again, clock, policy).error().code, Errc::overlapping_booking);
  again.caller = Caller{"Rui Alves", "+351912345679"};
  EXPECT_TRUE(book_visit(db(), again, clock, policy).ok());

  // The open-bookings limit per service counts the caller's phone number.
  BookingPolicy strict = policy;
  strict.max_open_per_service = 1;
  BookingRequest later = request;
  later.start = at("2026-12-09T10:00:00Z");
  EXPECT_EQ(book_visit(db(), later, clock, strict).error().code, Errc::booking_limit);
}

INSTANTIATE_TEST_SUITE_P(Backends, AgendaTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::scheduling
