// The walk-in queue on each backend: numbering, the calling order (priorities, fairness, booked
// visitors), counters held by one agent, multi-service visits, and concurrency: many kiosks and
// counters at once, on two nodes on PostgreSQL, never giving a number twice or calling a ticket
// twice.
#include "guichet/queue/queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/events.hpp"
#include "guichet/queue/measures.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "scheduling/two_shops.hpp"
#include "support/test_database.hpp"

namespace guichet::queue {
namespace {
using std::chrono::minutes;

Instant at(const char* text) { return *scheduling::parse_rfc3339(text); }

class QueueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    auto loaded = scheduling::fixtures::load_two_shops(db(), clock);
    id = loaded.id;
    counter = loaded.counter;
    agent = person("agent@example.org");
    other_agent = person("other@example.org");
    clock.set(at("2026-12-01T09:30:00Z"));  // a Tuesday; Lisboa is open 09:00-12:00 (UTC+0)
  }
  storage::Database& db() { return database->db(); }
  std::int64_t person(const std::string& email) {
    auto user = identity::account_for_caller(db(), email, "test", clock);
    EXPECT_TRUE(user.ok());
    return user ? user->id : 0;
  }
  Ticket issue(std::vector<std::string> services, Priority priority = Priority::none, const char* shop = "lisboa") {
    TicketRequest request;
    request.shop_id = id[shop];
    for (const auto& s : services) request.services.push_back(id[s]);
    request.priority = priority;
    auto ticket = issue_ticket(db(), request, clock, policy);
    EXPECT_TRUE(ticket.ok()) << (ticket ? "" : ticket.error().message);
    return ticket ? *ticket : Ticket{};
  }
  std::string next_number(std::int64_t counter_id, std::int64_t user) {
    auto called = call_next(db(), counter_id, user, clock, policy);
    EXPECT_TRUE(called.ok()) << (called ? "" : called.error().message);
    return called.ok() && *called ? (*called)->number : "";
  }

  FakeClock clock{at("2026-11-30T08:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database;
  std::map<std::string, std::int64_t> id;
  std::map<std::string, std::int64_t> counter;
  std::int64_t agent = 0;
  std::int64_t other_agent = 0;
  QueuePolicy policy;
};

TEST_P(QueueTest, TicketsAreNumberedPerShopServicePrefixAndDay) {
  auto prefixes = db().read([&](storage::Connection& c) { return service_prefixes(c, id["lisboa"]); });
  ASSERT_TRUE(prefixes.ok());
  EXPECT_EQ(prefixes->at(id["passport"]), "A") << "one letter per administration";
  EXPECT_EQ(prefixes->at(id["citizen-card"]), "A");
  EXPECT_EQ(prefixes->at(id["tax-help"]), "B");
  EXPECT_EQ(issue({"passport"}).number, "A001");
  EXPECT_EQ(issue({"passport"}).number, "A002");
  EXPECT_EQ(issue({"tax-help", "passport"}).number, "B001") << "a visit takes its first service's prefix";
  EXPECT_EQ(issue({"citizen-card"}).number, "A003");
  Ticket paris = issue({"citizen-card"}, Priority::none, "paris");
  EXPECT_EQ(paris.number, "A001") << "each shop numbers its own";
  EXPECT_EQ(paris.day, "2026-12-01");
  EXPECT_EQ(paris.access.size(), 22U);
  clock.set(at("2026-12-02T09:05:00Z"));
  Ticket next_day = issue({"passport"});
  EXPECT_EQ(next_day.number, "A001") << "numbers start again each day";
  EXPECT_EQ(next_day.steps.size(), 1U);
}

TEST_P(QueueTest, BadRequestsAreRefusedWithTheirReason) {
  TicketRequest request;
  request.shop_id = id["lisboa"];
  auto refused = [&](std::vector<std::int64_t> services) {
    request.services = std::move(services);
    auto t = issue_ticket(db(), request, clock, policy);
    EXPECT_FALSE(t.ok());
    return t.ok() ? ErrorCode{} : t.error().code;
  };
  EXPECT_EQ(refused({}), Errc::bad_services);
  EXPECT_EQ(refused({id["passport"], id["passport"]}), Errc::bad_services);
  EXPECT_EQ(refused({999}), Errc::no_such_service);
  EXPECT_EQ(refused({id["certificate"]}), Errc::not_served_here) << "online only: no counter serves it";
  request.shop_id = id["paris"];
  EXPECT_EQ(refused({id["passport"]}), Errc::not_served_here);
  request.shop_id = 999;
  EXPECT_EQ(refused({id["passport"]}), Errc::no_such_shop);
  request.shop_id = id["lisboa"];
  clock.set(at("2026-12-01T12:00:00Z"));
  EXPECT_EQ(refused({id["passport"]}), Errc::shop_closed) << "closing time";
  clock.set(at("2026-12-08T10:00:00Z"));
  EXPECT_EQ(refused({id["passport"]}), Errc::shop_closed) << "a closure day";
  clock.set(at("2026-12-05T10:00:00Z"));
  EXPECT_EQ(refused({id["passport"]}), Errc::shop_closed) << "Saturday";
  request.services = {id["passport"]};
  request.priority = Priority::booked;
  clock.set(at("2026-12-01T10:00:00Z"));
  auto booked = issue_ticket(db(), request, clock, policy);
  ASSERT_FALSE(booked.ok());
  EXPECT_EQ(booked.error().code, Errc::bad_priority) << "booked visitors check in";
}

TEST_P(QueueTest, OnlyTheAgentHoldingACounterCallsFromIt) {
  const std::int64_t g01 = counter["lisboa/g01"];
  issue({"passport"});
  auto not_open = call_next(db(), g01, agent, clock, policy);
  ASSERT_FALSE(not_open.ok());
  EXPECT_EQ(not_open.error().code, Errc::not_your_counter);
  ASSERT_TRUE(open_counter(db(), g01, agent, clock).ok());
  auto taken = open_counter(db(), g01, other_agent, clock);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::counter_taken);
  auto not_theirs = call_next(db(), g01, other_agent, clock, policy);
  ASSERT_FALSE(not_theirs.ok());
  EXPECT_EQ(not_theirs.error().code, Errc::not_your_counter);
  EXPECT_EQ(next_number(g01, agent), "A001");
  // Moving to another counter leaves the first; the visitor called there goes back to the queue.
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g02"], agent, clock).ok());
  auto held = counter_held_by(db(), agent);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(*held, counter["lisboa/g02"]);
  EXPECT_EQ(next_number(counter["lisboa/g02"], agent), "A001") << "not lost when the counter was left";
  ASSERT_TRUE(pause_counter(db(), counter["lisboa/g02"], agent, "break", clock).ok());
  auto paused = call_next(db(), counter["lisboa/g02"], agent, clock, policy);
  ASSERT_FALSE(paused.ok());
  EXPECT_EQ(paused.error().code, Errc::counter_paused);
  ASSERT_TRUE(pause_counter(db(), counter["lisboa/g02"], agent, "", clock).ok());
  auto nobody = call_next(db(), counter["lisboa/g02"], agent, clock, policy);
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->has_value()) << "A001 was served by calling next; nobody else waits";
  ASSERT_TRUE(close_counter(db(), counter["lisboa/g02"], agent, clock).ok());
  auto closed = call_next(db(), counter["lisboa/g02"], agent, clock, policy);
  EXPECT_FALSE(closed.ok());
}

TEST_P(QueueTest, PrioritiesGoAheadButNeverPastTheFairnessBound) {
  const std::int64_t g02 = counter["lisboa/g02"];
  ASSERT_TRUE(open_counter(db(), g02, agent, clock).ok());
  issue({"passport"});  // A001 at 09:30
  clock.advance(minutes(5));
  issue({"citizen-card"});  // A002 at 09:35
  clock.advance(minutes(5));
  issue({"passport"}, Priority::elderly);  // A003 at 09:40, as if 09:25
  EXPECT_EQ(next_number(g02, agent), "A003") << "the head start puts it first";
  EXPECT_EQ(next_number(g02, agent), "A001");
  clock.advance(minutes(2));
  issue({"passport"}, Priority::pregnancy);  // A004 at 09:42, as if 09:27: before A002 (09:35)
  EXPECT_EQ(next_number(g02, agent), "A004");
  // A002 has now waited 30 minutes: nobody may overtake it any more.
  clock.set(at("2026-12-01T10:05:00Z"));
  issue({"passport"}, Priority::disability);  // A005, as if 09:50
  EXPECT_EQ(next_number(g02, agent), "A002");
  EXPECT_EQ(next_number(g02, agent), "A005");
  auto waiting = waiting_tickets(db(), id["lisboa"], clock, policy);
  ASSERT_TRUE(waiting.ok());
  EXPECT_TRUE(waiting->empty());
}

TEST_P(QueueTest, AFairnessBoundStopsAStreamOfPriorityTicketsFromStarvingAWalkIn) {
  const std::int64_t g02 = counter["lisboa/g02"];
  ASSERT_TRUE(open_counter(db(), g02, agent, clock).ok());
  policy.head_start[Priority::elderly] = minutes(120);  // alone, it would starve the walk-in
  Ticket walk_in = issue({"passport"});
  std::vector<std::string> order;
  // A priority visitor arrives every 4 minutes and each takes 5 at the counter.
  for (int i = 0; i < 12; ++i) {
    issue({"passport"}, Priority::elderly);
    auto called = call_next(db(), g02, agent, clock, policy);
    ASSERT_TRUE(called.ok() && *called);
    order.push_back((*called)->number);
    if ((*called)->id == walk_in.id) break;
    clock.advance(minutes(4));
  }
  ASSERT_EQ(order.back(), walk_in.number);
  auto found = find_ticket(db(), walk_in.id);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_LE(*(*found)->called_at - walk_in.issued_at, policy.fairness_bound + minutes(4));
}

TEST_P(QueueTest, AMultiServiceVisitMovesFromQueueToQueueKeepingItsPlace) {
  const std::int64_t g01 = counter["lisboa/g01"];  // passport, tax help
  const std::int64_t g02 = counter["lisboa/g02"];  // passport, citizen card
  ASSERT_TRUE(open_counter(db(), g01, agent, clock).ok());
  ASSERT_TRUE(open_counter(db(), g02, other_agent, clock).ok());
  Ticket visit = issue({"citizen-card", "tax-help"});
  clock.advance(minutes(1));
  issue({"tax-help"});  // B001
  EXPECT_EQ(next_number(g02, other_agent), visit.number);
  clock.advance(minutes(12));
  auto served = finish_current(db(), g02, other_agent, Finish{Outcome::served}, clock, policy);
  ASSERT_TRUE(served.ok()) << served.error().message;
  EXPECT_EQ(served->status, TicketStatus::waiting);
  EXPECT_EQ(served->step, 1);
  EXPECT_EQ(served->service_id, id["tax-help"]);
  EXPECT_EQ(served->steps[0].outcome, "served");
  ASSERT_TRUE(served->steps[0].finished_at.has_value());
  EXPECT_EQ(next_number(g01, agent), visit.number) << "it arrived before B001";
  auto last = finish_current(db(), g01, agent, Finish{Outcome::served}, clock, policy);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->status, TicketStatus::done);
  auto no_more = finish_current(db(), g01, agent, Finish{Outcome::transfer_next}, clock, policy);
  ASSERT_FALSE(no_more.ok());
  EXPECT_EQ(no_more.error().code, Errc::nobody_at_counter);
  // Transferred to another queue: the service joins the visit as its next step.
  Ticket c001 = *ticket_by_number(db(), id["lisboa"], "2026-12-01", "B001").value();
  EXPECT_EQ(next_number(g01, agent), "B001");
  auto moved = finish_current(db(), g01, agent, Finish{Outcome::transfer_to, id["citizen-card"]}, clock, policy);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->service_id, id["citizen-card"]);
  ASSERT_EQ(moved->steps.size(), 2U);
  EXPECT_EQ(moved->steps[0].outcome, "transferred");
  EXPECT_EQ(next_number(g02, other_agent), "B001");
  EXPECT_EQ(c001.id, moved->id);
}

TEST_P(QueueTest, ParkedVisitorsAreCalledBackByNumberAndAbsentOnlyAfterTheCalls) {
  const std::int64_t g02 = counter["lisboa/g02"];
  ASSERT_TRUE(open_counter(db(), g02, agent, clock).ok());
  issue({"passport"});
  issue({"passport"});
  EXPECT_EQ(next_number(g02, agent), "A001");
  auto parked = finish_current(db(), g02, agent, Finish{Outcome::park}, clock, policy);
  ASSERT_TRUE(parked.ok());
  EXPECT_EQ(parked->status, TicketStatus::parked);
  EXPECT_EQ(next_number(g02, agent), "A002") << "parked visitors are not called next";
  auto busy = call_ticket(db(), g02, agent, "A001", clock);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Errc::not_callable) << "A002 is still at the counter";
  ASSERT_TRUE(finish_current(db(), g02, agent, Finish{Outcome::served}, clock, policy).ok());
  auto back = call_ticket(db(), g02, agent, "a001", clock);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->status, TicketStatus::called);
  auto too_soon = finish_current(db(), g02, agent, Finish{Outcome::absent}, clock, policy);
  ASSERT_FALSE(too_soon.ok());
  EXPECT_EQ(too_soon.error().code, Errc::too_few_calls);
  auto again = recall(db(), g02, agent, clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->calls, 2);
  auto absent = finish_current(db(), g02, agent, Finish{Outcome::absent}, clock, policy);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->status, TicketStatus::absent);
  auto unknown = call_ticket(db(), g02, agent, "Z999", clock);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::no_such_ticket);
  EXPECT_EQ(unknown.error().field, "number");
  auto calls = last_calls(db(), id["lisboa"], 4);
  ASSERT_TRUE(calls.ok());
  ASSERT_EQ(calls->size(), 4U);
  EXPECT_EQ((*calls)[0].number, "A001");
  EXPECT_TRUE((*calls)[0].recall);
  EXPECT_EQ((*calls)[0].counter_code, "g02");
  EXPECT_EQ((*calls)[1].number, "A001");
  EXPECT_EQ((*calls)[2].number, "A002");
}

TEST_P(QueueTest, ABookedVisitorChecksInAndIsCalledAtTheirTime) {
  auto ana = person("ana@example.org");
  clock.set(at("2026-11-30T10:00:00Z"));
  scheduling::BookingRequest request{ana, id["lisboa"], at("2026-12-01T10:00:00Z"), {id["passport"]}};
  auto booking = scheduling::book_visit(db(), request, clock, scheduling::BookingPolicy{});
  ASSERT_TRUE(booking.ok()) << booking.error().message;
  clock.set(at("2026-12-01T08:30:00Z"));
  auto early = check_in(db(), id["lisboa"], booking->reference, "pt", Source::kiosk, clock, policy);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Errc::not_today);
  auto elsewhere = check_in(db(), id["paris"], booking->reference, "pt", Source::kiosk, clock, policy);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, Errc::no_such_booking);
  clock.set(at("2026-12-01T09:30:00Z"));
  issue({"passport"});  // A001 at 09:30
  clock.set(at("2026-12-01T09:40:00Z"));
  auto ticket = check_in(db(), id["lisboa"], booking->reference, "pt", Source::kiosk, clock, policy);
  ASSERT_TRUE(ticket.ok()) << ticket.error().message;
  EXPECT_EQ(ticket->priority, Priority::booked);
  EXPECT_EQ(ticket->ready_at, at("2026-12-01T10:00:00Z"));
  EXPECT_EQ(ticket->number, "A002");
  auto marked = scheduling::find_booking(db(), booking->reference);
  ASSERT_TRUE(marked.ok() && *marked);
  EXPECT_EQ((*marked)->status, scheduling::BookingStatus::arrived);
  auto twice = check_in(db(), id["lisboa"], booking->reference, "pt", Source::kiosk, clock, policy);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::already_checked_in);
  issue({"passport"});  // A003 at 09:40
  const std::int64_t g02 = counter["lisboa/g02"];
  ASSERT_TRUE(open_counter(db(), g02, agent, clock).ok());
  EXPECT_EQ(next_number(g02, agent), "A001") << "early for their time, they wait as a walk-in";
  clock.set(at("2026-12-01T10:00:00Z"));
  issue({"passport"}, Priority::elderly);
  EXPECT_EQ(next_number(g02, agent), "A002") << "their time has come: first";
  auto ahead = tickets_ahead(db(), *ticket_by_number(db(), id["lisboa"], "2026-12-01", "A004").value(), clock, policy);
  ASSERT_TRUE(ahead.ok());
  EXPECT_EQ(*ahead, 1) << "A003 came more than A004's head start before it";
}

TEST_P(QueueTest, AHolderAskingIsToldOnceWhenFewerThanThreeAreBeforeThem) {
  const std::int64_t g02 = counter["lisboa/g02"];
  ASSERT_TRUE(open_counter(db(), g02, agent, clock).ok());
  for (int i = 0; i < 4; ++i) issue({"passport"});
  TicketRequest request;
  request.shop_id = id["lisboa"];
  request.services = {id["passport"]};
  request.notify_email = "Ana@Example.org";
  auto mine = issue_ticket(db(), request, clock, policy);  // A005, four before it
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  auto jobs_queued = [&] {
    auto c = db().acquire();
    auto rows = (*c)->query("SELECT COUNT(*) FROM jobs WHERE kind = ?", {std::string(kNotifyJobKind)});
    return rows->rows.front().integer(0);
  };
  EXPECT_EQ(next_number(g02, agent), "A001");
  EXPECT_EQ(jobs_queued(), 0) << "three before it";
  EXPECT_EQ(next_number(g02, agent), "A002");
  EXPECT_EQ(jobs_queued(), 1) << "two before it: told";
  EXPECT_EQ(next_number(g02, agent), "A003");
  EXPECT_EQ(jobs_queued(), 1) << "once";
  request.notify_email = "not an address";
  auto bad = issue_ticket(db(), request, clock, policy);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::bad_email);
  EXPECT_EQ(bad.error().field, "email");
}

TEST_P(QueueTest, TheDaysFiguresPerServiceHourAndCounter) {
  const std::int64_t g02 = counter["lisboa/g02"];
  ASSERT_TRUE(open_counter(db(), g02, agent, clock).ok());
  Ticket served = issue({"passport"});  // 09:30
  Ticket left = issue({"citizen-card"});
  clock.advance(minutes(10));
  EXPECT_EQ(next_number(g02, agent), served.number);  // waited 10 minutes
  ASSERT_TRUE(cancel_ticket(db(), left.access, clock).ok());
  clock.advance(minutes(12));
  ASSERT_TRUE(finish_current(db(), g02, agent, Finish{Outcome::served}, clock, policy).ok());
  auto figures = day_measures(db(), id["lisboa"], "2026-12-01");
  ASSERT_TRUE(figures.ok()) << figures.error().message;
  EXPECT_EQ(figures->total.served, 1);
  EXPECT_EQ(figures->total.abandoned, 1);
  EXPECT_EQ(figures->total.walk_in, 2);
  EXPECT_DOUBLE_EQ(figures->total.mean_wait_min, 10.0);
  EXPECT_DOUBLE_EQ(figures->total.mean_service_min, 12.0);
  ASSERT_EQ(figures->services.size(), 2U);
  ASSERT_EQ(figures->hours.size(), 1U);
  EXPECT_EQ(figures->hours[0].hour, 9);
  ASSERT_EQ(figures->counters.size(), 1U);
  EXPECT_EQ(figures->counters[0].code, "g02");
  EXPECT_EQ(figures->counters[0].calls, 1);
  EXPECT_EQ(figures->counters[0].served, 1);
  auto bad_day = day_measures(db(), id["lisboa"], "2026-13-01");
  ASSERT_FALSE(bad_day.ok());
  EXPECT_EQ(bad_day.error().field, "day");
}

TEST(GammaRange, IsTheModelsRangeBeforeCalibration) {
  // A mean of 600 s with exponential variance (mean²): the exponential distribution.
  WaitEstimate one = gamma_range(600, 600.0 * 600.0, 1);
  EXPECT_NEAR(static_cast<double>(one.p10.count()), 600 * std::log(1 / 0.9), 1);
  EXPECT_NEAR(static_cast<double>(one.p50.count()), 600 * std::log(2.0), 1);
  EXPECT_NEAR(static_cast<double>(one.p90.count()), 600 * std::log(10.0), 1);
  // Ten such services over five counters: twice the mean, relatively narrower.
  WaitEstimate ten = gamma_range(1200, 10 * 600.0 * 600.0 / 25, 5);
  EXPECT_NEAR(static_cast<double>(ten.p50.count()), 1200, 80);
  EXPECT_LT(ten.p90.count() - ten.p10.count(), 1200);
  EXPECT_GT(ten.p10.count(), 600);
  EXPECT_EQ(ten.counters, 5);
  // Nothing to wait for.
  EXPECT_EQ(gamma_range(0, 1, 3).p90.count(), 0);
}

TEST_P(QueueTest, EachWaitingTicketHasARangeFromTheQueueAndTheCountersOpen) {
  Ticket first = issue({"passport"});
  auto closed = estimate_wait(db(), first, clock, policy);
  ASSERT_TRUE(closed.ok());
  EXPECT_FALSE(closed->has_value()) << "no counter open: no estimate";
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g02"], agent, clock).ok());
  ASSERT_TRUE(call_next(db(), counter["lisboa/g02"], agent, clock, policy).ok());  // first is at the counter
  Ticket second = issue({"passport"});
  Ticket third = issue({"citizen-card"});
  auto estimate = estimate_wait(db(), third, clock, policy);
  ASSERT_TRUE(estimate.ok() && *estimate);
  EXPECT_EQ((*estimate)->ahead, 1) << "A002 goes first at g02";
  EXPECT_EQ((*estimate)->counters, 1);
  // Two departures (the one at the counter, then A002) of 20- and 15-minute services.
  EXPECT_GT((*estimate)->p50.count(), 15 * 60);
  EXPECT_LT((*estimate)->p10.count(), (*estimate)->p50.count());
  EXPECT_LT((*estimate)->p50.count(), (*estimate)->p90.count());
  // A second counter opening for passports shortens it at once.
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g01"], other_agent, clock).ok());
  auto for_second = estimate_wait(db(), second, clock, policy);
  ASSERT_TRUE(for_second.ok() && *for_second);
  EXPECT_EQ((*for_second)->p90.count(), 0) << "g01 is idle: it is called at once";
  auto lines = estimate_new_tickets(db(), id["lisboa"], clock, policy);
  ASSERT_TRUE(lines.ok());
  ASSERT_TRUE(lines->at(id["passport"]).has_value());
  // g01 (passports only) calls A002 at once and a new passport ticket next; the citizen card
  // waits for g02.
  EXPECT_EQ(lines->at(id["passport"])->ahead, 1);
  // What was promised at issue is kept and measured against what happened.
  clock.advance(minutes(25));
  ASSERT_TRUE(call_next(db(), counter["lisboa/g02"], agent, clock, policy).ok());
  clock.advance(minutes(10));
  ASSERT_TRUE(call_next(db(), counter["lisboa/g02"], agent, clock, policy).ok());
  auto accuracy = estimate_accuracy(db(), id["lisboa"], at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"));
  ASSERT_TRUE(accuracy.ok());
  EXPECT_EQ(accuracy->tickets, 2) << "the second and third had estimates; the first was issued with no counter open";
  EXPECT_GT(accuracy->mean_absolute_error_min, 0);
}

TEST_P(QueueTest, TheEstimatesCountBookedVisitorsBeforeTheyComeAndVisitsComingBackForTheirNextService) {
  auto ana = person("ana@example.org");
  clock.set(at("2026-11-30T10:00:00Z"));
  scheduling::BookingRequest request{ana, id["lisboa"], at("2026-12-01T10:00:00Z"), {id["passport"]}};
  auto booking = scheduling::book_visit(db(), request, clock, scheduling::BookingPolicy{});
  ASSERT_TRUE(booking.ok()) << booking.error().message;
  clock.set(at("2026-12-01T09:50:00Z"));
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g01"], agent, clock).ok());
  issue({"passport", "tax-help"});
  ASSERT_TRUE(call_next(db(), counter["lisboa/g01"], agent, clock, policy).ok());  // at g01 until about 10:10
  Ticket waiting = issue({"tax-help"});
  auto with_booking = estimate_wait(db(), waiting, clock, policy);
  ASSERT_TRUE(with_booking.ok() && *with_booking);
  // g01 is free at 10:10 (passport, 20 min); Ana's 10:00 visit comes first then (10:10-10:30);
  // the visit at the counter comes back for tax help keeping its place (10:30-11:00); then this one.
  EXPECT_NEAR((*with_booking)->model_mean_s, 70 * 60, 1);
  EXPECT_EQ((*with_booking)->ahead, 2);
  ASSERT_TRUE(scheduling::cancel_booking(db(), booking->reference, clock).ok());
  auto without = estimate_wait(db(), waiting, clock, policy);
  ASSERT_TRUE(without.ok() && *without);
  EXPECT_NEAR((*without)->model_mean_s, 50 * 60, 1) << "without Ana, 20 minutes sooner";
}

TEST_P(QueueTest, WorkProfilesChooseWhomACounterCallsButNeverPastTheShopsPromises) {
  const std::int64_t g01 = counter["lisboa/g01"];  // passport and tax help
  ASSERT_TRUE(open_counter(db(), g01, agent, clock).ok());
  auto state = counter_state(db(), g01);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->profile.kind, WorkProfile::calling_order) << "by default";

  auto no_service = set_work_profile(db(), g01, agent, CounterProfile{WorkProfile::service_first, std::nullopt});
  ASSERT_FALSE(no_service.ok());
  EXPECT_EQ(no_service.error().code, Errc::bad_profile);
  EXPECT_EQ(no_service.error().field, "preferred_service");
  auto not_served = set_work_profile(db(), g01, agent, CounterProfile{WorkProfile::service_first, id["citizen-card"]});
  ASSERT_FALSE(not_served.ok());
  EXPECT_EQ(not_served.error().code, Errc::bad_profile);
  auto not_theirs = set_work_profile(db(), g01, other_agent, CounterProfile{WorkProfile::longest_queue, std::nullopt});
  ASSERT_FALSE(not_theirs.ok());
  EXPECT_EQ(not_theirs.error().code, Errc::not_your_counter);

  issue({"passport"});  // A001 09:30
  clock.advance(minutes(1));
  issue({"tax-help"});  // B001 09:31
  clock.advance(minutes(1));
  issue({"tax-help"});  // B002 09:32
  clock.advance(minutes(1));
  issue({"passport"});  // A002 09:33

  auto tax_first = set_work_profile(db(), g01, agent, CounterProfile{WorkProfile::service_first, id["tax-help"]});
  ASSERT_TRUE(tax_first.ok()) << tax_first.error().message;
  EXPECT_EQ(tax_first->profile.preferred_service, id["tax-help"]);
  EXPECT_EQ(next_number(g01, agent), "B001") << "its service first, though A001 came before";
  ASSERT_TRUE(set_work_profile(db(), g01, agent, CounterProfile{WorkProfile::longest_queue, std::nullopt}).ok());
  EXPECT_EQ(next_number(g01, agent), "A001") << "two passports wait against one tax help";
  ASSERT_TRUE(set_work_profile(db(), g01, agent, CounterProfile{}).ok());
  EXPECT_EQ(next_number(g01, agent), "B002") << "calling order: B002 (09:32) before A002 (09:33)";

  // A002 has now waited past the fairness bound: it goes before the counter's own service.
  ASSERT_TRUE(set_work_profile(db(), g01, agent, CounterProfile{WorkProfile::service_first, id["tax-help"]}).ok());
  clock.advance(policy.fairness_bound);
  issue({"tax-help"});  // B003
  EXPECT_EQ(next_number(g01, agent), "A002");
  EXPECT_EQ(next_number(g01, agent), "B003");
  // The profile stays with the counter when its agent leaves.
  ASSERT_TRUE(close_counter(db(), g01, agent, clock).ok());
  auto after = counter_state(db(), g01);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->profile.kind, WorkProfile::service_first);
}

TEST_P(QueueTest, TicketsWaitingPastTheAlertLimitAreCountedForStaffAndMetrics) {
  auto none = waiting_now(db(), clock, policy);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  issue({"passport"});
  clock.advance(minutes(20));
  issue({"citizen-card"});
  issue({"citizen-card"}, Priority::none, "paris");
  clock.advance(policy.alert_after - minutes(10));  // the first has waited the limit and ten more minutes
  auto now = waiting_now(db(), clock, policy);
  ASSERT_TRUE(now.ok());
  ASSERT_EQ(now->size(), 2U);
  const WaitingNow& lisboa = now->front().shop_id == id["lisboa"] ? now->front() : now->back();
  EXPECT_EQ(lisboa.waiting, 2);
  EXPECT_EQ(lisboa.past_alert, 1);
  EXPECT_EQ(lisboa.oldest, std::chrono::duration_cast<std::chrono::seconds>(policy.alert_after + minutes(10)));
  // Called tickets no longer wait.
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g02"], agent, clock).ok());
  ASSERT_TRUE(call_next(db(), counter["lisboa/g02"], agent, clock, policy).ok());
  auto later = waiting_now(db(), clock, policy);
  ASSERT_TRUE(later.ok());
  for (const auto& shop : *later) {
    if (shop.shop_id == id["lisboa"]) EXPECT_EQ(shop.past_alert, 0);
  }
}

// What a screen receives, for the feed's tests.
struct Screen {
  std::mutex mutex;
  std::condition_variable arrived;
  std::string texts;
  http::EventStream::Push push() {
    return [this](std::shared_ptr<const std::string> text) {
      std::lock_guard lock(mutex);
      texts += *text;
      arrived.notify_all();
    };
  }
  bool wait_for(const std::string& needle) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, std::chrono::seconds(5), [&] { return texts.find(needle) != std::string::npos; });
  }
  std::string seen() {
    std::lock_guard lock(mutex);
    return texts;
  }
};

// Screens hear of each call at their shop, made on this node or another: on PostgreSQL the
// feed here is woken by NOTIFY alone (its poll is far off and this process's wake-ups are off);
// a screen that joins late gets what came after the event id it gives.
TEST_P(QueueTest, TheFeedPushesEachShopsEventsToItsScreensFromEveryNode) {
  const bool postgres = db().backend() == storage::Backend::postgresql;
  QueueFeed feed(db(), clock, policy, std::chrono::seconds(60), !postgres);
  feed.start();
  auto newest = last_event_id(db(), id["lisboa"]);
  ASSERT_TRUE(newest.ok());
  Screen lisboa;
  Screen paris;
  auto lisboa_screen = feed.subscribe(id["lisboa"], *newest, lisboa.push());
  auto paris_screen = feed.subscribe(id["paris"], 0, paris.push());
  EXPECT_EQ(feed.subscribers(), 2U);
  auto other_node = database->open_another();
  ASSERT_TRUE(open_counter(*other_node, counter["lisboa/g02"], agent, clock).ok());
  TicketRequest request;
  request.shop_id = id["lisboa"];
  request.services = {id["passport"]};
  ASSERT_TRUE(issue_ticket(*other_node, request, clock, policy).ok());
  ASSERT_TRUE(call_next(*other_node, counter["lisboa/g02"], agent, clock, policy).ok());
  ASSERT_TRUE(lisboa.wait_for("event: called")) << lisboa.seen();
  ASSERT_TRUE(lisboa.wait_for("event: queue")) << lisboa.seen();
  const std::string seen = lisboa.seen();
  EXPECT_NE(seen.find("event: issued\ndata: {\"kind\":\"issued\""), std::string::npos) << seen;
  EXPECT_NE(seen.find("event: called\ndata: {\"kind\":\"called\""), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"number\":\"A001\""), std::string::npos) << seen;
  EXPECT_EQ(paris.seen().find("A001"), std::string::npos) << "another shop's screen hears nothing of it";
  Screen late;
  auto late_screen = feed.subscribe(id["lisboa"], 0, late.push());
  feed.wake();
  ASSERT_TRUE(late.wait_for("event: called")) << late.seen();
  EXPECT_NE(late.seen().find("event: counter_opened"), std::string::npos) << late.seen();
  late_screen.reset();
  EXPECT_EQ(feed.subscribers(), 2U);
}

// 200 kiosks issue and 20 counters call at once (on PostgreSQL through two pools, two nodes):
// every number unique, every ticket called exactly once, none lost.
TEST_P(QueueTest, ManyKiosksAndCountersAtOnceNeverShareANumberOrCallATicketTwice) {
  // Twenty counters serving passports, each held by its own agent.
  std::vector<std::int64_t> counters;
  std::vector<std::int64_t> agents;
  {
    auto c = db().acquire();
    ASSERT_TRUE(c.ok());
    for (int i = 0; i < 18; ++i) {
      auto added = (*c)->query("INSERT INTO counters (shop_id, code) VALUES (?, ?) RETURNING id",
                               {id["lisboa"], "x" + std::to_string(i)});
      ASSERT_TRUE(added.ok()) << added.error().message;
      const std::int64_t counter_id = added->rows.front().integer(0);
      ASSERT_TRUE((*c)->execute("INSERT INTO counter_services (counter_id, service_id) VALUES (?, ?)",
                                {counter_id, id["passport"]})
                      .ok());
      counters.push_back(counter_id);
    }
  }
  counters.push_back(counter["lisboa/g01"]);
  counters.push_back(counter["lisboa/g02"]);
  for (std::size_t i = 0; i < counters.size(); ++i) {
    agents.push_back(person("agent" + std::to_string(i) + "@example.org"));
    ASSERT_TRUE(open_counter(db(), counters[i], agents[i], clock).ok());
  }
  auto second_node = database->open_another();
  constexpr int kKiosks = 200;
  std::atomic<int> issued_failures{0};
  std::mutex mutex;
  std::vector<std::string> numbers;
  std::vector<std::int64_t> called;
  std::atomic<bool> kiosks_done{false};
  std::vector<std::thread> kiosks;
  for (int k = 0; k < 8; ++k) {
    kiosks.emplace_back([&, k] {
      storage::Database& node = k % 2 == 0 ? db() : *second_node;
      for (int i = k; i < kKiosks; i += 8) {
        TicketRequest request;
        request.shop_id = id["lisboa"];
        request.services = {id["passport"]};
        auto t = issue_ticket(node, request, clock, policy);
        if (!t) {
          ++issued_failures;
          continue;
        }
        std::lock_guard lock(mutex);
        numbers.push_back(t->number);
      }
    });
  }
  std::atomic<int> call_failures{0};
  std::vector<std::thread> desks;
  for (std::size_t d = 0; d < counters.size(); ++d) {
    desks.emplace_back([&, d] {
      storage::Database& node = d % 2 == 0 ? db() : *second_node;
      for (;;) {
        const bool last_round = kiosks_done.load();
        auto next = call_next(node, counters[d], agents[d], clock, policy);
        if (!next) {
          ++call_failures;
          continue;
        }
        if (*next) {
          std::lock_guard lock(mutex);
          called.push_back((*next)->id);
        } else if (last_round) {
          break;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    });
  }
  for (auto& t : kiosks) t.join();
  kiosks_done = true;
  for (auto& t : desks) t.join();
  EXPECT_EQ(issued_failures.load(), 0);
  EXPECT_EQ(call_failures.load(), 0);
  ASSERT_EQ(numbers.size(), static_cast<std::size_t>(kKiosks));
  EXPECT_EQ(std::set<std::string>(numbers.begin(), numbers.end()).size(), numbers.size()) << "a number given twice";
  EXPECT_EQ(called.size(), numbers.size()) << "every ticket called";
  EXPECT_EQ(std::set<std::int64_t>(called.begin(), called.end()).size(), called.size()) << "a ticket called twice";
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest, ::testing::ValuesIn(testing::test_backends()));

}  // namespace
}  // namespace guichet::queue
