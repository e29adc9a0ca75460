#pragma once
// The walk-in queue at a citizen shop: tickets for a visit of one or several services, counters
// held by agents calling them, and what display boards show.
//
// Every change is one transaction on the shared database, so any number of nodes issue and call
// safely: a ticket's number comes from an upsert on its (shop, day, prefix) row, and a ticket is
// called by a conditional update (`status = 'waiting'`) that only one caller can win, so no
// ticket is called twice and none is lost. A counter's own row is updated first in each of its
// acts, which serialises two acts of one counter on PostgreSQL (SQLite's single writer
// serialises everything).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue {

// Why a ticket goes ahead of others. `booked`: a booked visitor who checked in on time.
enum class Priority { none, booked, elderly, disability, pregnancy };
std::string_view to_string(Priority priority);
std::optional<Priority> parse_priority(std::string_view text);

enum class TicketStatus { waiting, called, parked, done, absent, cancelled };
std::string_view to_string(TicketStatus status);

// How the ticket was taken.
enum class Source { kiosk, web, api, check_in, counter };
std::string_view to_string(Source source);

struct QueuePolicy {
  // A priority ticket is called as if it had arrived this much earlier (`--queue-head-start`). A
  // booked visitor has none: on time they are called first at their time, early they wait as a
  // walk-in until it comes (ordering.hpp).
  std::map<Priority, std::chrono::minutes> head_start{{Priority::elderly, std::chrono::minutes(15)},
                                                      {Priority::disability, std::chrono::minutes(15)},
                                                      {Priority::pregnancy, std::chrono::minutes(15)}};
  // Fairness: a ticket that has waited this long is called before every priority ticket that has
  // waited less, so priorities never keep anyone waiting past it (only a queue that long does).
  std::chrono::minutes fairness_bound{30};
  // A called visitor may be marked absent only after this many calls.
  int calls_before_absent = 2;
  // A booked visitor checks in from this long before their time until this long after it; late,
  // they join as a walk-in.
  std::chrono::minutes check_in_early{60};
  std::chrono::minutes check_in_late{15};
  std::size_t max_services = 4;
  // Staff pages and /metrics flag tickets that have waited this long (Qmatic's staff alerts).
  std::chrono::minutes alert_after{45};
  // The ticket's page tells its holder their turn is near when fewer tickets than this are ahead.
  int notify_ahead = 3;
};

struct TicketRequest {
  std::int64_t shop_id = 0;
  std::vector<std::int64_t> services;  // one to max_services, no repeats, in the order served
  Priority priority = Priority::none;
  Source source = Source::kiosk;
  std::string lang = "en";
  std::string client_address{};
  std::optional<std::string> notify_email{};  // e-mailed when fewer than the policy's notify_ahead remain
};

struct TicketStep {
  int position = 0;
  std::int64_t service_id = 0;
  std::optional<Instant> queued_at;
  std::optional<Instant> called_at;
  std::optional<std::int64_t> counter_id;
  std::optional<Instant> finished_at;
  std::string outcome;  // served, absent, cancelled, transferred; empty while open
};

struct Ticket {
  std::int64_t id = 0;
  std::int64_t shop_id = 0;
  std::string day;     // the shop's local date
  std::string number;  // "A007"
  std::string access;  // the secret of its page
  Priority priority = Priority::none;
  TicketStatus status = TicketStatus::waiting;
  Source source = Source::kiosk;
  std::optional<std::string> booking_reference;
  int step = 0;
  std::int64_t service_id = 0;  // the current step's
  std::optional<std::int64_t> counter_id;
  std::string counter_code;  // where it is called, when it is
  int calls = 0;
  Instant issued_at;
  Instant ready_at;
  Instant queued_at;
  std::optional<Instant> called_at;
  std::optional<Instant> finished_at;
  std::string lang;
  std::vector<TicketStep> steps;
};

// The letter(s) numbering a service's tickets at a shop: one per administration whose services the
// shop's counters serve ("A", "B", ...), as citizen shops letter each entity's queue; in the order
// of each administration's first service id, so letters stay as the catalogue grows.
Result<std::map<std::int64_t, std::string>> service_prefixes(storage::Connection& c, std::int64_t shop_id);

// The job e-mailing a ticket's holder that their turn is near ({"ticket": id}), queued in the
// transaction of the call that brought it within `notify_ahead`; rendered and sent by the job.
inline constexpr const char* kNotifyJobKind = "queue.notify";

// Issues a walk-in ticket. Refusals: bad_email (the address to notify), bad_services (none, too many, repeated),
// no_such_service, not_served_here (no counter of the shop serves one of them), no_such_shop, shop_closed (outside
// today's opening hours or a closure day).
Result<Ticket> issue_ticket(storage::Database& db, const TicketRequest& request, const Clock& clock,
                            const QueuePolicy& policy);

// A booked visitor checks in with their booking reference at the booking's shop on its day: the
// booking is marked arrived and the ticket, for its services, joins the queue at the booked time
// with the `booked` priority (as a walk-in when late). `holder`: from outside the shop (a phone),
// only the account the booking is for may check it in — knowing a reference is not enough; a
// kiosk passes nullopt. Refusals: no_such_booking (also another shop's, or another holder's),
// not_today (too early or another day), already_checked_in, booking_not_confirmed.
Result<Ticket> check_in(storage::Database& db, std::int64_t shop_id, std::string_view reference, std::string_view lang,
                        Source source, const Clock& clock, const QueuePolicy& policy,
                        std::optional<std::int64_t> holder = std::nullopt);

// The visitor gives up their place (from the ticket's page): a waiting or parked ticket is
// cancelled; refused with not_callable otherwise.
Result<Ticket> cancel_ticket(storage::Database& db, std::string_view access, const Clock& clock);

Result<std::optional<Ticket>> find_ticket(storage::Database& db, std::int64_t ticket_id);
Result<std::optional<Ticket>> ticket_by_access(storage::Database& db, std::string_view access);
Result<std::optional<Ticket>> ticket_by_number(storage::Database& db, std::int64_t shop_id, std::string_view day,
                                               std::string_view number);

// --- counters ---

// How a counter chooses whom to call next (Qmatic's work profiles). Under every profile, booked
// visitors whose time has come and tickets past the fairness bound are called first, in calling
// order: they are the shop's promises, and no profile may keep anyone past the bound.
enum class WorkProfile {
  calling_order,  // the shop's calling order across the counter's services (priorities, then arrival)
  longest_queue,  // the head of the counter's service with the most tickets waiting (ties: calling order)
  service_first,  // the counter's preferred service while anyone waits for it, then calling order
};
std::string_view to_string(WorkProfile profile);
std::optional<WorkProfile> parse_work_profile(std::string_view text);

struct CounterProfile {
  WorkProfile kind = WorkProfile::calling_order;
  std::optional<std::int64_t> preferred_service{};  // service_first: one the counter serves
};

struct CounterState {
  std::int64_t counter_id = 0;
  std::int64_t shop_id = 0;
  std::string code;
  std::vector<std::int64_t> services;
  std::optional<std::int64_t> holder;  // the agent holding it
  std::optional<Instant> opened_at;
  std::optional<std::string> paused_reason;
  std::optional<Ticket> current;  // called or being served
  CounterProfile profile;
};
Result<CounterState> counter_state(storage::Database& db, std::int64_t counter_id);
// The counter this agent holds, if any.
Result<std::optional<std::int64_t>> counter_held_by(storage::Database& db, std::int64_t user_id);
// Every counter of the shop with who holds it.
Result<std::vector<CounterState>> shop_counters(storage::Database& db, std::int64_t shop_id);

// Takes the counter for this agent (refused with counter_taken when another holds it; an agent
// holding another counter leaves it). The caller checks the agent may work at the shop.
Result<CounterState> open_counter(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                                  const Clock& clock);
// Leaves the counter; a ticket still at it goes back to the front of its queue.
Result<void> close_counter(storage::Database& db, std::int64_t counter_id, std::int64_t user_id, const Clock& clock);
// Pauses (with a reason: no calls until resumed) or resumes (empty reason).
Result<void> pause_counter(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                           std::string_view reason, const Clock& clock);

// Sets how the counter calls (its holder only). Refused with bad_profile (field
// "preferred_service") for service_first without a service the counter serves.
Result<CounterState> set_work_profile(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                                      const CounterProfile& profile);

// What to do with the ticket at a counter.
enum class Outcome { served, absent, park, transfer_next, transfer_to };
struct Finish {
  Outcome outcome = Outcome::served;
  std::optional<std::int64_t> service_id{};  // transfer_to: the queue it joins
};
// Ends the current ticket's step at this counter: served (its next step, if any, joins that
// service's queue; otherwise the visit is done), absent (after calls_before_absent calls), parked
// (set aside, called back by number), transferred to the next service or another queue.
Result<Ticket> finish_current(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                              const Finish& finish, const Clock& clock, const QueuePolicy& policy);

// Calls the next ticket for this counter (after ending its current one as served): among the
// tickets waiting for a service it serves, the one its work profile chooses (booked visitors on
// time and tickets past the fairness bound first under every profile). nullopt when nobody waits.
Result<std::optional<Ticket>> call_next(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                                        const Clock& clock, const QueuePolicy& policy);
// Calls a given ticket of today (waiting or parked) to this counter.
Result<Ticket> call_ticket(storage::Database& db, std::int64_t counter_id, std::int64_t user_id,
                           std::string_view number, const Clock& clock);
// Calls the current ticket again.
Result<Ticket> recall(storage::Database& db, std::int64_t counter_id, std::int64_t user_id, const Clock& clock);

// --- what the shop's screens show ---

struct Call {
  std::int64_t event_id = 0;
  std::string number;
  std::string counter_code;
  Instant at;
  bool recall = false;
};
// The last `count` calls at the shop, newest first.
Result<std::vector<Call>> last_calls(storage::Database& db, std::int64_t shop_id, std::size_t count);
// The id of the shop's newest event (0 without any), for streams resuming after it.
Result<std::int64_t> last_event_id(storage::Database& db, std::int64_t shop_id);

struct Line {
  std::int64_t service_id = 0;
  std::string prefix;
  int waiting = 0;
  int counters_open = 0;  // open, unpaused counters serving it
  std::optional<Instant> oldest_ready_at;
};
struct ShopQueue {
  std::int64_t shop_id = 0;
  std::string day;
  std::vector<Line> lines;  // the services the shop's counters serve
};
Result<ShopQueue> shop_queue(storage::Database& db, std::int64_t shop_id, const Clock& clock);
// Tickets waiting before this one for its current service (0: next), counting only those the
// calling order puts ahead of it now.
Result<int> tickets_ahead(storage::Database& db, const Ticket& ticket, const Clock& clock, const QueuePolicy& policy);

// The waiting and parked tickets of the shop today, in calling order (for the counter page).
Result<std::vector<Ticket>> waiting_tickets(storage::Database& db, std::int64_t shop_id, const Clock& clock,
                                            const QueuePolicy& policy);

// What /metrics and staff alerts read, every shop with tickets waiting now (those that became
// ready in the last 18 hours: older ones are a day the shop did not close).
struct WaitingNow {
  std::int64_t shop_id = 0;
  std::string shop_code;
  int waiting = 0;
  int past_alert = 0;  // waiting longer than the policy's alert_after
  std::chrono::seconds oldest{0};
};
Result<std::vector<WaitingNow>> waiting_now(storage::Database& db, const Clock& clock, const QueuePolicy& policy);

// The shop's local day of `at` ("YYYY-MM-DD").
Result<std::string> shop_day(storage::Database& db, std::int64_t shop_id, Instant at);

}  // namespace guichet::queue
