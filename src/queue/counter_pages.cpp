// The agents' counter page (/agent/counter): open a counter at one of their shops, call the next
// ticket (or a given one), recall, end the visit (served, absent, parked, transferred), pause and
// close; the waiting and parked tickets in calling order, and how the day's estimates fared.
// Staff pages: a role at the shop and a session with a second factor (identity::require_staff).
#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/identity/staff.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/measures.hpp"
#include "guichet/queue/web.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "ordering.hpp"
#include "web_support.hpp"

namespace guichet::queue {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr const char* kPage = "/agent/counter";

std::variant<std::vector<identity::RoleGrant>, Response> require_agent(const QueueContext& ctx,
                                                                       const Request& request) {
  return identity::require_staff(ctx.db, ctx.pages, request, kPage, scheduling::is_scheduling_staff,
                                 "this page is for agents");
}

std::string minutes_since(Instant from, Instant now) {
  return std::to_string(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::minutes>(now - from).count()));
}

// The instant the shop's local day begins.
std::optional<Instant> day_start(const std::string& day, const std::string& time_zone) {
  auto parsed = parse_iso_day(day);
  const date::time_zone* zone = find_time_zone(time_zone);
  if (!parsed || zone == nullptr) return std::nullopt;
  try {
    auto sys = zone->to_sys(date::local_days(date::days(parsed->time_since_epoch().count())), date::choose::earliest);
    return std::chrono::time_point_cast<Instant::duration>(sys);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string percent(double share) {
  char out[16];
  std::snprintf(out, sizeof out, "%.0f %%", share * 100);
  return out;
}

// How long a waiting ticket has waited: since it became ready (a booked visitor's time) or
// joined its current queue (a visit's next service), as waiting_now counts it.
std::chrono::seconds waited_so_far(const Ticket& t, Instant now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now - std::max(t.ready_at, t.queued_at));
}

Response counter_page(const QueueContext& ctx, const Request& request, const std::vector<identity::RoleGrant>& roles,
                      const std::string& notice, const std::string& error, int status = 200,
                      const std::string& profile_error = {}) {
  const std::int64_t me = request.principal->user_id;
  PageData page;
  if (!notice.empty()) page.set("notice", notice);
  if (!error.empty()) page.set("error", error);
  auto held = counter_held_by(ctx.db, me);
  if (!held) return ctx.pages.render_error(request, held.error());
  if (!*held) {
    // No counter yet: the counters of the agent's shops, to open one.
    auto shops = scheduling::shops_of_staff(ctx.db, me, roles);
    if (!shops) return ctx.pages.render_error(request, shops.error());
    PageData shop_list{PageData::type::list};
    for (const auto& shop : *shops) {
      auto counters = shop_counters(ctx.db, shop.id);
      if (!counters) return ctx.pages.render_error(request, counters.error());
      PageData counter_list{PageData::type::list};
      for (const auto& counter : *counters) {
        PageData c;
        c.set("id", std::to_string(counter.counter_id));
        c.set("code", counter.code);
        c.set("held", counter.holder.has_value());
        counter_list.push_back(c);
      }
      PageData s;
      s.set("name", shop.name);
      s.set("counters", counter_list);
      shop_list.push_back(s);
    }
    page.set("choose", true);
    page.set("shops", shop_list);
    page.set("no_shops", shops->empty());
    return no_store(ctx.pages.render(request, "queue_counter", "queue_counter_title", page, status));
  }
  auto state = counter_state(ctx.db, **held);
  if (!state) return ctx.pages.render_error(request, state.error());
  auto shop = shop_by_id(ctx, state->shop_id);
  if (!shop) return ctx.pages.render_error(request, shop.error());
  auto waiting = waiting_tickets(ctx.db, state->shop_id, ctx.clock, ctx.policy);
  if (!waiting) return ctx.pages.render_error(request, waiting.error());
  std::vector<std::int64_t> ids(state->services.begin(), state->services.end());
  for (const auto& t : *waiting) ids.push_back(t.service_id);
  if (state->current) {
    for (const auto& step : state->current->steps) ids.push_back(step.service_id);
  }
  auto prefixes = ctx.db.read([&](storage::Connection& c) { return service_prefixes(c, state->shop_id); });
  if (!prefixes) return ctx.pages.render_error(request, prefixes.error());
  for (const auto& [id, prefix] : *prefixes) ids.push_back(id);
  auto names = service_names(ctx, ids, request.lang);
  if (!names) return ctx.pages.render_error(request, names.error());
  const Instant now = ctx.clock.now();
  page.set("counter", state->code);
  page.set("shop_name", shop->name);
  page.set("paused", state->paused_reason.value_or(""));
  page.set("is_paused", state->paused_reason.has_value());
  PageData served{PageData::type::list};
  PageData preferred{PageData::type::list};
  for (auto id : state->services) {
    PageData s;
    s.set("name", (*names)[id]);
    served.push_back(s);
    PageData option;
    option.set("id", std::to_string(id));
    option.set("name", (*names)[id]);
    option.set("selected", state->profile.preferred_service == id);
    preferred.push_back(option);
  }
  page.set("served", served);
  // How this counter calls (its work profile), changed by its agent.
  PageData profiles{PageData::type::list};
  for (WorkProfile kind : {WorkProfile::calling_order, WorkProfile::longest_queue, WorkProfile::service_first}) {
    PageData option;
    const std::string name(to_string(kind));
    option.set("value", name);
    option.set("label", ctx.catalog.text(request.lang, "queue_profile_" + name));
    option.set("hint", ctx.catalog.text(request.lang, "queue_profile_" + name + "_hint"));
    option.set("checked", state->profile.kind == kind);
    profiles.push_back(option);
  }
  page.set("profiles", profiles);
  page.set("preferred", preferred);
  page.set("profile_name",
           ctx.catalog.text(request.lang, "queue_profile_" + std::string(to_string(state->profile.kind))));
  if (!profile_error.empty()) page.set("profile_error", profile_error);
  if (state->current && state->current->status == TicketStatus::called) {
    const Ticket& t = *state->current;
    PageData current;
    current.set("number", t.number);
    PageData steps{PageData::type::list};
    for (const auto& step : t.steps) {
      PageData s;
      s.set("name", (*names)[step.service_id]);
      s.set("current", step.position == t.step);
      s.set("done", !step.outcome.empty());
      steps.push_back(s);
    }
    current.set("steps", steps);
    current.set("calls", http::fill_text(ctx.catalog.text(request.lang, "queue_counter_calls"),
                                         {{"count", std::to_string(t.calls)}}));
    current.set("since", http::fill_text(ctx.catalog.text(request.lang, "queue_counter_since"),
                                         {{"minutes", t.called_at ? minutes_since(*t.called_at, now) : "0"}}));
    current.set("may_be_absent", t.calls >= ctx.policy.calls_before_absent);
    current.set("absent_after", http::fill_text(ctx.catalog.text(request.lang, "queue_counter_absent_after"),
                                                {{"count", std::to_string(ctx.policy.calls_before_absent)}}));
    current.set("has_next_step", t.step + 1 < static_cast<int>(t.steps.size()));
    if (t.booking_reference) current.set("booking", *t.booking_reference);
    current.set("priority",
                t.priority == Priority::none
                    ? std::string()
                    : ctx.catalog.text(request.lang, "queue_priority_" + std::string(to_string(t.priority))));
    PageData transfer{PageData::type::list};
    for (const auto& [id, prefix] : *prefixes) {
      if (id == t.service_id) continue;
      PageData option;
      option.set("id", std::to_string(id));
      option.set("name", prefix + " · " + (*names)[id]);
      transfer.push_back(option);
    }
    current.set("transfer", transfer);
    page.set("current", current);
  }
  // An idle counter is offered the ticket it would call next, by its work profile.
  std::optional<std::size_t> next_index;
  if (!(state->current && state->current->status == TicketStatus::called)) {
    next_index = pick_next(*waiting, now, ctx.policy, state->profile, [&](std::size_t i) {
      const Ticket& t = (*waiting)[i];
      return t.status == TicketStatus::waiting &&
             std::find(state->services.begin(), state->services.end(), t.service_id) != state->services.end();
    });
  }
  PageData queue{PageData::type::list};
  PageData parked{PageData::type::list};
  PageData overdue{PageData::type::list};
  for (std::size_t i = 0; i < waiting->size(); ++i) {
    const Ticket& t = (*waiting)[i];
    PageData row;
    row.set("number", t.number);
    row.set("service", (*names)[t.service_id]);
    row.set("waited", minutes_since(t.issued_at, now));
    row.set("priority", t.priority == Priority::none
                            ? std::string()
                            : ctx.catalog.text(request.lang, "queue_priority_" + std::string(to_string(t.priority))));
    const bool mine = std::find(state->services.begin(), state->services.end(), t.service_id) != state->services.end();
    row.set("callable", mine);
    if (t.status == TicketStatus::parked) {
      parked.push_back(row);
      continue;
    }
    // Staff alerts: tickets that have waited past the shop's limit, whoever serves them.
    const auto waited = waited_so_far(t, now);
    const bool too_long = t.ready_at <= now && waited >= ctx.policy.alert_after;
    row.set("too_long", too_long);
    if (too_long) {
      PageData late;
      late.set("number", t.number);
      late.set("service", (*names)[t.service_id]);
      late.set("waited", std::to_string(std::chrono::duration_cast<std::chrono::minutes>(waited).count()));
      overdue.push_back(late);
    }
    if (next_index == i) {
      PageData next;
      next.set("number", t.number);
      next.set("service", (*names)[t.service_id]);
      next.set("waited", minutes_since(t.issued_at, now));
      page.set("next", next);
    }
    queue.push_back(row);
  }
  if (!overdue.is_empty_list()) {
    page.set("overdue", overdue);
    page.set("overdue_heading", http::fill_text(ctx.catalog.text(request.lang, "queue_counter_overdue"),
                                                {{"minutes", std::to_string(ctx.policy.alert_after.count())}}));
  }
  page.set("queue", queue);
  page.set("has_queue", !queue.is_empty_list());
  page.set("parked", parked);
  page.set("has_parked", !parked.is_empty_list());
  // How the day's estimates fared against what happened, for staff to judge them.
  auto today = shop_day(ctx.db, state->shop_id, now);
  if (today) {
    auto start = day_start(*today, shop->time_zone);
    if (start) {
      auto accuracy = estimate_accuracy(ctx.db, state->shop_id, *start, now + std::chrono::seconds(1));
      if (accuracy && accuracy->tickets > 0) {
        page.set("accuracy",
                 http::fill_text(
                     ctx.catalog.text(request.lang, "queue_counter_accuracy"),
                     {{"count", std::to_string(accuracy->tickets)},
                      {"error", std::to_string(static_cast<int>(std::lround(accuracy->mean_absolute_error_min)))},
                      {"coverage", percent(accuracy->coverage)},
                      {"under", percent(accuracy->underestimated)}}));
      }
    }
  }
  page.set("events", "/api/v1/shops/" + shop->code + "/events");
  page.set("script", ctx.live_script_url);
  return no_store(ctx.pages.render(request, "queue_counter", "queue_counter_title", page, status));
}

Response show(const QueueContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  std::string notice;
  if (auto done = request.query.get("done")) {
    static const std::set<std::string_view> kNotices{"opened", "closed",   "paused",  "resumed",
                                                     "called", "served",   "absent",  "parked",
                                                     "nobody", "recalled", "profile", "transferred"};
    if (kNotices.contains(*done)) notice = ctx->catalog.text(request.lang, "queue_counter_done_" + std::string(*done));
  }
  return counter_page(*ctx, request, std::get<std::vector<identity::RoleGrant>>(staff), notice, {});
}

// Runs one act of the agent's counter and comes back to the page (Post/Redirect/Get); a refusal
// is shown on the page with its status.
Response act(const QueueContext* ctx, Request& request,
             const std::function<Result<std::string>(std::int64_t counter, std::int64_t me)>& run) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  const std::int64_t me = request.principal->user_id;
  auto held = counter_held_by(ctx->db, me);
  if (!held) return ctx->pages.render_error(request, held.error());
  if (!*held) {
    return counter_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "queue_not_your_counter"), 403);
  }
  auto done = run(**held, me);
  if (!done) {
    const Error& e = done.error();
    const std::string message =
        e.code.message_key().empty() ? e.message : ctx->catalog.text(request.lang, e.code.message_key());
    if (e.kind == ErrorKind::internal || e.kind == ErrorKind::unavailable) return ctx->pages.render_error(request, e);
    // A refused work profile is also said next to its field.
    return counter_page(*ctx, request, roles, {}, message, http::http_status(e.kind),
                        e.code == Errc::bad_profile ? message : std::string());
  }
  return Response::redirect(std::string(kPage) + "?done=" + *done, 303);
}

Response open(const QueueContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto counter_id = positive_id(request.form.get("counter").value_or(""));
  if (!counter_id) {
    return counter_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "queue_no_such_counter"), 400);
  }
  auto state = counter_state(ctx->db, *counter_id);
  if (!state) {
    return counter_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "queue_no_such_counter"), 404);
  }
  auto allowed = works_at(*ctx, request.principal->user_id, state->shop_id);
  if (!allowed) return ctx->pages.render_error(request, allowed.error());
  if (!*allowed) {
    return counter_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "queue_not_your_shop"), 403);
  }
  auto opened = open_counter(ctx->db, *counter_id, request.principal->user_id, ctx->clock);
  if (!opened) {
    return counter_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, opened.error().code.message_key()),
                        http::http_status(opened.error().kind));
  }
  return Response::redirect(std::string(kPage) + "?done=opened", 303);
}

Response call(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    auto called = call_next(ctx->db, counter, me, ctx->clock, ctx->policy);
    if (!called) return std::move(called).error();
    return std::string(*called ? "called" : "nobody");
  });
}

Response call_number(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    auto called = call_ticket(ctx->db, counter, me, request.form.get("number").value_or(""), ctx->clock);
    if (!called) return std::move(called).error();
    return std::string("called");
  });
}

Response call_again(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    auto again = recall(ctx->db, counter, me, ctx->clock);
    if (!again) return std::move(again).error();
    return std::string("recalled");
  });
}

Response finish(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    const std::string outcome(request.form.get("outcome").value_or(""));
    Finish f;
    std::string done = outcome;
    if (outcome == "served") {
      f.outcome = Outcome::served;
    } else if (outcome == "absent") {
      f.outcome = Outcome::absent;
    } else if (outcome == "park") {
      f.outcome = Outcome::park;
      done = "parked";
    } else if (outcome == "next") {
      f.outcome = Outcome::transfer_next;
      done = "transferred";
    } else if (outcome == "transfer") {
      f.outcome = Outcome::transfer_to;
      f.service_id = positive_id(request.form.get("service").value_or(""));
      done = "transferred";
      if (!f.service_id) return make_error(Errc::bad_services, "choose the service to transfer to");
    } else {
      return make_error(Errc::bad_body, "unknown outcome");
    }
    auto ended = finish_current(ctx->db, counter, me, f, ctx->clock, ctx->policy);
    if (!ended) return std::move(ended).error();
    return done;
  });
}

Response pause(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    std::string reason(request.form.get("reason").value_or(""));
    const bool resume = request.form.get("resume").has_value();
    if (!resume && reason.empty()) reason = ctx->catalog.text(request.lang, "queue_counter_pause_default");
    auto paused = pause_counter(ctx->db, counter, me, resume ? "" : reason, ctx->clock);
    if (!paused) return std::move(paused).error();
    return std::string(resume ? "resumed" : "paused");
  });
}

// The counter's work profile, from its page: a refusal is named next to the field.
Response profile(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    const auto kind = parse_work_profile(request.form.get("profile").value_or(""));
    if (!kind) return make_error(Errc::bad_profile, "choose how the counter calls");
    CounterProfile chosen{*kind, std::nullopt};
    if (*kind == WorkProfile::service_first) {
      chosen.preferred_service = positive_id(request.form.get("preferred_service").value_or(""));
    }
    auto set = set_work_profile(ctx->db, counter, me, chosen);
    if (!set) return std::move(set).error();
    return std::string("profile");
  });
}

Response close(const QueueContext* ctx, Request& request) {
  return act(ctx, request, [&](std::int64_t counter, std::int64_t me) -> Result<std::string> {
    auto closed = close_counter(ctx->db, counter, me, ctx->clock);
    if (!closed) return std::move(closed).error();
    return std::string("closed");
  });
}

std::string one_decimal(double v) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f", v);
  return out;
}

PageData stats_data(const WaitStats& s) {
  PageData d;
  d.set("served", std::to_string(s.served));
  d.set("abandoned", std::to_string(s.abandoned));
  d.set("booked", std::to_string(s.booked));
  d.set("walk_in", std::to_string(s.walk_in));
  d.set("mean", one_decimal(s.mean_wait_min));
  d.set("median", one_decimal(s.median_wait_min));
  d.set("p90", one_decimal(s.p90_wait_min));
  d.set("service", one_decimal(s.mean_service_min));
  return d;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

void csv_row(std::string& out, const std::string& kind, const std::string& key, const WaitStats& s) {
  out += kind + "," + csv_field(key) + "," + std::to_string(s.served) + "," + std::to_string(s.abandoned) + "," +
         std::to_string(s.booked) + "," + std::to_string(s.walk_in) + "," + one_decimal(s.mean_wait_min) + "," +
         one_decimal(s.median_wait_min) + "," + one_decimal(s.p90_wait_min) + "," + one_decimal(s.mean_service_min) +
         "\n";
}

// A shop's day in figures, for its staff: per service, per hour, per counter; CSV with format=csv.
Response measures(const QueueContext* ctx, Request& request) {
  auto staff = identity::require_staff(ctx->db, ctx->pages, request, http::safe_return_path(request.target),
                                       scheduling::is_scheduling_staff, "this page is for agents");
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto shops = scheduling::shops_of_staff(ctx->db, request.principal->user_id, roles);
  if (!shops) return ctx->pages.render_error(request, shops.error());
  if (shops->empty()) {
    return ctx->pages.render_error(request, make_error(Errc::not_your_shop, "no shop is yours"));
  }
  auto shop_id = positive_id(request.query.get("shop").value_or(""));
  if (!shop_id) shop_id = shops->front().id;
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const auto& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx->pages.render_error(request, make_error(Errc::not_your_shop, "not one of your shops"));
  }
  std::string day(request.query.get("day").value_or(""));
  if (day.empty()) {
    auto today = shop_day(ctx->db, shop->id, ctx->clock.now());
    if (!today) return ctx->pages.render_error(request, today.error());
    day = *today;
  }
  auto figures = day_measures(ctx->db, shop->id, day);
  if (!figures) return ctx->pages.render_error(request, figures.error());
  std::vector<std::int64_t> ids;
  for (const auto& s : figures->services) ids.push_back(s.service_id);
  auto names = service_names(*ctx, ids, request.lang);
  if (!names) return ctx->pages.render_error(request, names.error());
  if (request.query.get("format").value_or("") == "csv") {
    std::string out =
        "kind,key,served,abandoned,booked,walk_in,mean_wait_min,median_wait_min,p90_wait_min,mean_service_min\n";
    csv_row(out, "day", day, figures->total);
    for (const auto& s : figures->services) csv_row(out, "service", (*names)[s.service_id], s.stats);
    for (const auto& h : figures->hours) csv_row(out, "hour", std::to_string(h.hour), h.stats);
    for (const auto& c : figures->counters) {
      out += "counter," + csv_field(c.code) + "," + std::to_string(c.served) + ",,,,,,," + "\n";
    }
    Response response = Response::text(out);
    response.headers.set("Content-Type", "text/csv; charset=utf-8");
    response.headers.set("Content-Disposition", "attachment; filename=\"queue-" + day + ".csv\"");
    return no_store(std::move(response));
  }
  PageData services{PageData::type::list};
  for (const auto& s : figures->services) {
    PageData d = stats_data(s.stats);
    d.set("name", (*names)[s.service_id]);
    services.push_back(d);
  }
  PageData hours{PageData::type::list};
  for (const auto& h : figures->hours) {
    PageData d = stats_data(h.stats);
    char label[16];
    std::snprintf(label, sizeof label, "%02d:00", h.hour);
    d.set("name", std::string(label));
    hours.push_back(d);
  }
  PageData counters{PageData::type::list};
  for (const auto& c : figures->counters) {
    PageData d;
    d.set("code", c.code);
    d.set("calls", std::to_string(c.calls));
    d.set("served", std::to_string(c.served));
    counters.push_back(d);
  }
  PageData shop_options{PageData::type::list};
  for (const auto& s : *shops) {
    PageData o;
    o.set("id", std::to_string(s.id));
    o.set("name", s.name);
    o.set("selected", s.id == shop->id);
    shop_options.push_back(o);
  }
  PageData page;
  page.set("shop_name", shop->name);
  page.set("day", day);
  page.set("shops", shop_options);
  page.set("total", stats_data(figures->total));
  page.set("services", services);
  page.set("hours", hours);
  page.set("counters", counters);
  page.set("has_figures", !figures->services.empty());
  page.set("csv", "/agent/queue/measures?shop=" + std::to_string(shop->id) + "&day=" + day + "&format=csv");
  return no_store(ctx->pages.render(request, "queue_measures", "queue_measures_title", page));
}

}  // namespace

void register_counter_routes(http::Router& router, const QueueContext& context) {
  const QueueContext* ctx = &context;
  router.get(kPage, [ctx](Request& request) { return show(ctx, request); });
  router.post("/agent/counter/open", [ctx](Request& request) { return open(ctx, request); });
  router.post("/agent/counter/call-next", [ctx](Request& request) { return call(ctx, request); });
  router.post("/agent/counter/call", [ctx](Request& request) { return call_number(ctx, request); });
  router.post("/agent/counter/recall", [ctx](Request& request) { return call_again(ctx, request); });
  router.post("/agent/counter/finish", [ctx](Request& request) { return finish(ctx, request); });
  router.post("/agent/counter/pause", [ctx](Request& request) { return pause(ctx, request); });
  router.post("/agent/counter/close", [ctx](Request& request) { return close(ctx, request); });
  router.post("/agent/counter/profile", [ctx](Request& request) { return profile(ctx, request); });
  router.get("/agent/queue/measures", [ctx](Request& request) { return measures(ctx, request); });
}

}  // namespace guichet::queue
