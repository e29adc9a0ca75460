// The agents' pages: the day's agenda of a shop per counter (mark arrived or absent, block a
// counter, no-show rates) and booking for a caller on the phone or at the desk. Staff pages: a
// scheduling role and a session with a second factor (identity::require_staff).
#include <date/tz.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/phone.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/staff.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/scheduling/web.hpp"
#include "presentation.hpp"
#include "web_support.hpp"

namespace guichet::scheduling {
using http::PageData;
using http::Request;
using http::Response;

namespace {

std::variant<std::vector<identity::RoleGrant>, Response> require_agent(const SchedulingContext& ctx,
                                                                       const Request& request) {
  return identity::require_staff(ctx.db, ctx.pages, request, http::safe_return_path(request.target),
                                 is_scheduling_staff, "this page is for agents");
}

std::string agenda_link(std::int64_t shop, const std::string& day) {
  return "/agent/agenda?shop=" + std::to_string(shop) + "&day=" + day;
}

std::string shift_day(const std::string& day, int by) {
  auto parsed = parse_iso_day(day);
  if (!parsed) return day;
  return format_iso_day(*parsed + std::chrono::days(by));
}

// The instant of a local "YYYY-MM-DD" and "HH:MM" in a time zone (the first one when ambiguous).
std::optional<Instant> local_instant(const std::string& time_zone, const std::string& day, const std::string& time) {
  if (time.size() != 5 || time[2] != ':') return std::nullopt;
  date::local_seconds local{};
  std::istringstream in(day + " " + time);
  in >> date::parse("%F %H:%M", local);
  if (in.fail()) return std::nullopt;
  try {
    auto sys = date::locate_zone(time_zone)->to_sys(local, date::choose::earliest);
    return std::chrono::time_point_cast<Instant::duration>(sys);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The day's visits on paper, for a shop's reception: one line per visit in time order, whom to
// expect (name, phone, e-mail), the reference, the services with their counters, and a box to tick
// on arrival. Cancelled visits are left out; the page prints without the site's header and footer.
Response day_list_page(const SchedulingContext& ctx, const Request& request, const StaffShop& shop,
                       const std::string& day, const Agenda& agenda) {
  struct Visit {
    Instant start;
    Instant end;
    const AgendaItem* first = nullptr;
    std::vector<std::string> services;
  };
  std::map<std::string, Visit> visits;  // by reference
  for (const auto& counter : agenda.counters) {
    for (const auto& item : counter.items) {
      if (item.status == BookingStatus::cancelled) continue;
      auto [it, fresh] = visits.try_emplace(item.reference, Visit{item.start, item.end, &item, {}});
      if (!fresh) {
        it->second.start = std::min(it->second.start, item.start);
        it->second.end = std::max(it->second.end, item.end);
      }
      it->second.services.push_back(local_time(shop.time_zone, item.start) + " " + item.service_name + " (" +
                                    ctx.catalog.text(request.lang, "counter_label") + " " + counter_sign(counter.code) +
                                    ")");
    }
  }
  std::vector<const Visit*> ordered;
  ordered.reserve(visits.size());
  for (const auto& [reference, v] : visits) ordered.push_back(&v);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Visit* a, const Visit* b) { return a->start < b->start; });
  PageData rows{PageData::type::list};
  for (const Visit* v : ordered) {
    std::vector<std::string> services = v->services;
    std::sort(services.begin(), services.end());  // by their time, which leads each line
    PageData row;
    row.set("time", local_time(shop.time_zone, v->start) + "–" + local_time(shop.time_zone, v->end));
    row.set("reference", v->first->reference);
    row.set("caller_name", v->first->caller_name);
    if (!v->first->caller_phone.empty()) row.set("caller_phone", readable_phone(v->first->caller_phone));
    row.set("person", v->first->person);
    row.set("channel", ctx.catalog.text(request.lang, "booking_channel_" + std::string(to_string(v->first->channel))));
    row.set("video", v->first->video_room.has_value());
    PageData list{PageData::type::list};
    for (auto& line : services) list.push_back(PageData(line));
    row.set("services", list);
    rows.push_back(row);
  }
  PageData data;
  data.set("shop_name", shop.name);
  data.set("day_words", spoken_full_day(request.lang, day));
  data.set("zone_name", spoken_zone(request.lang, shop.time_zone));
  data.set("visits", rows);
  data.set("has_visits", !ordered.empty());
  data.set("count", http::fill_text(ctx.catalog.text(request.lang, "agenda_print_count_" +
                                                                       plural_category(request.lang, ordered.size())),
                                    {{"count", std::to_string(ordered.size())}}));
  data.set("back", agenda_link(shop.id, day));
  return no_store(ctx.pages.render(request, "agenda_print", "agenda_print_title", data));
}

// `field`: the id of the field `error` belongs to (agenda-reference, block-from), said there and in
// the summary; without one the error is about the page.
Response agenda_page(const SchedulingContext& ctx, const Request& request,
                     const std::vector<identity::RoleGrant>& roles, const std::string& notice = {},
                     const std::string& error = {}, int status = 200, std::string_view field = {}) {
  auto shops = shops_of_staff(ctx.db, request.principal->user_id, roles);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  auto shop_id = positive_id(param(request, "shop"));
  if (!shop_id && shops->size() == 1) shop_id = shops->front().id;
  PageData data;
  if (!shop_id) {
    PageData list{PageData::type::list};
    for (const auto& s : *shops) {
      PageData item;
      item.set("name", s.name);
      item.set("link", agenda_link(s.id, local_day(s.time_zone, ctx.clock.now())));
      list.push_back(item);
    }
    data.set("shops", list);
    data.set("choose_shop", true);
    data.set("no_shops", shops->empty());
    return no_store(ctx.pages.render(request, "agenda", "agenda_title", data, status));
  }
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx.pages.render_error(request, make_error(Errc::not_your_shop, "this shop is not one of yours"));
  }
  std::string day = param(request, "day");
  if (day.empty()) day = local_day(shop->time_zone, ctx.clock.now());
  auto agenda = day_agenda(ctx.db, request.principal->user_id, roles, *shop_id, day, request.lang, ctx.clock);
  if (!agenda) return ctx.pages.render_error(request, agenda.error());
  const std::string here = agenda_link(*shop_id, day);
  PageData counters{PageData::type::list};
  PageData counter_options{PageData::type::list};
  for (const auto& counter : agenda->counters) {
    PageData items{PageData::type::list};
    for (const auto& item : counter.items) {
      PageData i;
      i.set("time", local_time(shop->time_zone, item.start) + "–" + local_time(shop->time_zone, item.end));
      i.set("service", item.service_name);
      i.set("person", item.person);
      i.set("caller_name", item.caller_name);
      if (!item.caller_phone.empty()) {
        i.set("caller_phone", readable_phone(item.caller_phone));
        i.set("caller_phone_link", "tel:" + item.caller_phone);
      }
      i.set("reference", item.reference);
      i.set("booking_link", "/bookings/" + item.reference);
      i.set("channel", ctx.catalog.text(request.lang, "booking_channel_" + std::string(to_string(item.channel))));
      i.set("status", ctx.catalog.text(request.lang, "booking_status_" + std::string(to_string(item.status))));
      i.set("status_code", std::string(to_string(item.status)));
      i.set("markable", item.markable);
      i.set("mark", "/agent/bookings/" + item.reference + "/mark");
      if (item.video_room && ctx.video.enabled()) {
        i.set("video_link",
              video_link(ctx.video, *item.video_room, {request.principal->email, request.principal->email, true},
                         item.start, item.end));
      }
      items.push_back(i);
    }
    PageData absences{PageData::type::list};
    for (const auto& a : counter.absences) {
      PageData i;
      i.set("time", local_time(shop->time_zone, a.start) + "–" + local_time(shop->time_zone, a.end));
      i.set("reason", a.reason);
      absences.push_back(i);
    }
    PageData c;
    c.set("code", counter_sign(counter.code));
    c.set("items", items);
    c.set("has_items", !counter.items.empty());
    c.set("absences", absences);
    c.set("has_absences", !counter.absences.empty());
    counters.push_back(c);
    PageData option;
    option.set("id", std::to_string(counter.id));
    option.set("code", counter_sign(counter.code));
    counter_options.push_back(option);
  }
  if (param(request, "view") == "print") return day_list_page(ctx, request, *shop, day, *agenda);
  PageData rates{PageData::type::list};
  for (const auto& r : agenda->no_shows) {
    PageData i;
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.0f %%", r.rate * 100);
    i.set("service", r.service_name);
    i.set("arrived", std::to_string(r.arrived));
    i.set("no_show", std::to_string(r.no_show));
    i.set("rate", std::string(percent));
    rates.push_back(i);
  }
  data.set("shop_name", shop->name);
  data.set("shop_value", std::to_string(*shop_id));
  data.set("zone_name", spoken_zone(request.lang, shop->time_zone));
  data.set("day", day);
  data.set("day_words", spoken_full_day(request.lang, day));
  data.set("return", here);
  data.set("previous", agenda_link(*shop_id, shift_day(day, -1)));
  data.set("next", agenda_link(*shop_id, shift_day(day, 1)));
  data.set("counters", counters);
  data.set("counter_options", counter_options);
  data.set("rates", rates);
  data.set("has_rates", !agenda->no_shows.empty());
  data.set("book_for_caller", "/agent/book?shop=" + std::to_string(*shop_id) + "&day=" + day);
  data.set("print", agenda_link(*shop_id, day) + "&view=print");
  if (!notice.empty()) data.set("notice", notice);
  http::FormErrors errors;
  if (!error.empty() && !field.empty()) {
    errors.add_at(std::string(field), error);
  } else if (!error.empty()) {
    data.set("error", error);
  }
  errors.show(data, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "agenda_title"));
  return no_store(ctx.pages.render(request, "agenda", "agenda_title", data, status));
}

struct ServiceChoice {
  std::int64_t id = 0;
  std::string name;
};

// The services a shop's counters serve, of the administrations this agent serves.
Result<std::vector<ServiceChoice>> bookable_services(const SchedulingContext& ctx, const Request& request,
                                                     const std::vector<identity::RoleGrant>& roles,
                                                     std::int64_t shop_id) {
  auto connection = ctx.db.acquire();
  if (!connection) return std::move(connection).error();
  auto counters = catalogue::counters_of(**connection, shop_id);
  if (!counters) return std::move(counters).error();
  std::set<std::int64_t> served;
  for (const auto& counter : *counters) served.insert(counter.services.begin(), counter.services.end());
  auto services = catalogue::service_records(**connection, served, request.lang);
  if (!services) return std::move(services).error();
  std::vector<ServiceChoice> out;
  for (const auto& [id, service] : *services) {
    if (service.name.empty()) continue;  // no text in this language
    const std::string& code = service.administration;
    if (identity::allows(roles, identity::Role::agent, code) ||
        identity::allows(roles, identity::Role::administration_admin, code)) {
      out.push_back({id, service.name});
    }
  }
  std::sort(out.begin(), out.end(), [](const ServiceChoice& a, const ServiceChoice& b) { return a.name < b.name; });
  return out;
}

// What an agent typed about a caller, from the query (GET: the caller and services, then the
// times) or the form (POST: the chosen time).
struct CallerForm {
  bool submitted = false;  // the caller step was sent, not the first look from the agenda
  std::string name;
  std::string phone;  // as typed
  std::string email;
  std::string lang;  // the caller's: every message to them and what the agent reads out
  std::string channel;
  std::string day;
  std::vector<std::int64_t> services;
  std::string phone_e164;  // once checked
};

std::string without_outer_spaces(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

CallerForm read_caller_form(const SchedulingContext& ctx, const Request& request) {
  const bool post = request.method == http::Method::post;
  auto value = [&](std::string_view name) -> std::string {
    auto v = post ? request.form.get(name) : request.query.get(name);
    return v ? std::string(*v) : std::string();
  };
  CallerForm form;
  form.submitted = post || request.query.get("name").has_value();
  form.name = without_outer_spaces(value("name"));
  form.phone = without_outer_spaces(value("phone"));
  form.email = without_outer_spaces(value("email"));
  form.lang = value("lang");
  const auto& languages = ctx.catalog.languages();
  if (std::find(languages.begin(), languages.end(), form.lang) == languages.end()) form.lang = request.lang;
  form.channel = value("channel") == "desk" ? "desk" : "phone";
  form.day = value("day");
  for (auto v : post ? request.form.all("service") : request.query.all("service")) {
    if (auto id = positive_id(v); id && form.services.size() < 4) form.services.push_back(*id);
  }
  return form;
}

// The caller step's mistakes, each next to its field. A caller needs a name and a way to reach
// them: a phone number (read in the shop's country unless it starts with +) or an e-mail address.
http::FormErrors check_caller(const SchedulingContext& ctx, const Request& request, CallerForm& form,
                              const StaffShop& shop) {
  auto t = [&](std::string_view key) { return ctx.catalog.text(request.lang, key); };
  http::FormErrors errors;
  if (form.name.empty()) {
    errors.add("name", "caller-name", t("agent_book_name_missing"));
  } else if (form.name.size() > 200) {
    errors.add("name", "caller-name", t("agent_book_name_long"));
  }
  if (!form.phone.empty()) {
    auto e164 = normalised_phone(zone_country(shop.time_zone), form.phone);
    if (e164) {
      form.phone_e164 = *e164;
    } else {
      errors.add("phone", "caller-phone", t("agent_book_phone_bad"));
    }
  }
  if (!form.email.empty() && !identity::normalise_email(form.email)) {
    errors.add("email", "caller-email", t("agent_book_bad_email"));
  } else if (form.email.empty() && form.phone.empty()) {
    errors.add("phone", "caller-phone", t("agent_book_contact_missing"));
  }
  if (form.services.empty()) errors.add("services", "services", t("agent_book_choose"));
  if (!parse_iso_day(form.day)) errors.add("day", "caller-day", t("agent_book_day_bad"));
  return errors;
}

PageData language_choices(const SchedulingContext& ctx, const std::string& chosen) {
  PageData list{PageData::type::list};
  for (const auto& lang : ctx.catalog.languages()) {
    PageData option;
    option.set("code", lang);
    option.set("name", ctx.catalog.text(lang, "language_name"));
    option.set("selected", lang == chosen);
    list.push_back(option);
  }
  return list;
}

// GET /agent/book (the caller, channel and services) and, once they are right, the day's times.
Response caller_booking_page(const SchedulingContext& ctx, const Request& request,
                             const std::vector<identity::RoleGrant>& roles, const std::string& error = {},
                             int status = 200) {
  auto shop_id = positive_id(param(request, "shop"));
  if (!shop_id) {
    return ctx.pages.render_error(request, make_error(Errc::bad_shop, "choose a shop"));
  }
  auto shops = shops_of_staff(ctx.db, request.principal->user_id, roles);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx.pages.render_error(request, make_error(Errc::not_your_shop, "this shop is not one of yours"));
  }
  CallerForm form = read_caller_form(ctx, request);
  if (form.day.empty()) form.day = local_day(shop->time_zone, ctx.clock.now());
  auto offered = bookable_services(ctx, request, roles, *shop_id);
  if (!offered) return ctx.pages.render_error(request, offered.error());
  PageData services{PageData::type::list};
  for (const auto& s : *offered) {
    PageData item;
    item.set("id", std::to_string(s.id));
    item.set("name", s.name);
    item.set("checked", std::find(form.services.begin(), form.services.end(), s.id) != form.services.end());
    services.push_back(item);
  }
  http::FormErrors errors;
  if (form.submitted) {
    errors = check_caller(ctx, request, form, *shop);
    // Issue 16: a service of another administration (or one this shop does not offer) is refused
    // here, at its field, before any time is looked for, not at the last step.
    const bool all_offered = std::all_of(form.services.begin(), form.services.end(), [&](std::int64_t id) {
      return std::any_of(offered->begin(), offered->end(), [&](const ServiceChoice& s) { return s.id == id; });
    });
    if (!all_offered) errors.add("services", "services", ctx.catalog.text(request.lang, "agent_book_not_yours"));
  }
  PageData data;
  data.set("shop_name", shop->name);
  data.set("shop_value", std::to_string(*shop_id));
  data.set("zone_name", spoken_zone(request.lang, shop->time_zone));
  data.set("name", form.name);
  data.set("phone", form.phone);
  data.set("email", form.email);
  data.set("lang", form.lang);
  data.set("languages", language_choices(ctx, form.lang));
  data.set("channel_phone", form.channel == "phone");
  data.set("channel_desk", form.channel == "desk");
  data.set("channel", form.channel);
  data.set("day", form.day);
  data.set("services", services);
  data.set("agenda", agenda_link(*shop_id, form.day));
  if (!error.empty()) data.set("error", error);
  errors.show(data, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "agent_book_title"));
  if (!errors.empty()) status = 400;
  if (form.submitted && errors.empty()) {
    AvailabilityQuery query;
    query.services = form.services;
    query.shop = *shop_id;
    query.from = form.day;
    query.days = 1;
    query.limit = 200;
    auto visits = find_availability(ctx.calendars, query, ctx.clock.now(), ctx.policy.rules);
    if (!visits) return ctx.pages.render_error(request, visits.error());
    PageData times{PageData::type::list};
    for (const auto& v : *visits) {
      PageData option;
      option.set("value", rfc3339_seconds(v.visit.start));
      option.set("label", local_time(shop->time_zone, v.visit.start) + "–" + local_time(shop->time_zone, v.visit.end));
      option.set(
          "id", "t-" + std::to_string(
                           std::chrono::duration_cast<std::chrono::minutes>(v.visit.start.time_since_epoch()).count()));
      times.push_back(option);
    }
    PageData chosen_list{PageData::type::list};
    for (auto id : form.services) chosen_list.push_back(PageData(std::to_string(id)));
    data.set("chosen", chosen_list);
    data.set("times", times);
    data.set("has_times", !visits->empty());
    data.set("no_times", visits->empty());
    data.set("show_times", true);
    data.set("day_words", spoken_full_day(request.lang, form.day));
  }
  return no_store(ctx.pages.render(request, "agent_book", "agent_book_title", data, status));
}

bool administers(const std::vector<identity::RoleGrant>& roles) {
  return std::any_of(roles.begin(), roles.end(), [](const identity::RoleGrant& g) {
    return g.role == identity::Role::platform_admin || g.role == identity::Role::administration_admin;
  });
}

// /admin/agent-shops: the assignments this administrator manages, and the form to add one.
Response agent_shops_page(const SchedulingContext& ctx, const Request& request,
                          const std::vector<identity::RoleGrant>& roles, const std::string& notice,
                          const std::string& error, int status, std::string_view field = {}) {
  auto assignments = list_shop_assignments(ctx.db);
  if (!assignments) return ctx.pages.render_error(request, assignments.error());
  PageData list{PageData::type::list};
  for (const auto& a : *assignments) {
    auto agent_roles = identity::roles_of(ctx.db, a.user_id);
    if (!agent_roles) return ctx.pages.render_error(request, agent_roles.error());
    if (!may_assign(roles, *agent_roles)) continue;
    PageData item;
    item.set("email", a.email);
    item.set("shop", a.shop_name);
    item.set("user_id", std::to_string(a.user_id));
    item.set("shop_id", std::to_string(a.shop_id));
    list.push_back(item);
  }
  auto shops = catalogue::list_shops(ctx.db);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  PageData shop_options{PageData::type::list};
  for (const auto& shop : *shops) {
    PageData option;
    option.set("id", std::to_string(shop.id));
    option.set("name", shop.name);
    shop_options.push_back(option);
  }
  PageData data;
  data.set("assignments", list);
  data.set("shops", shop_options);
  if (!notice.empty()) data.set("notice", notice);
  http::FormErrors errors;  // the add form's mistakes at its field; others about the page
  if (!error.empty() && !field.empty()) {
    errors.add_at(std::string(field), error);
  } else if (!error.empty()) {
    data.set("error", error);
  }
  errors.show(data, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "admin_agent_shops_title"));
  return no_store(ctx.pages.render(request, "admin_agent_shops", "admin_agent_shops_title", data, status));
}

}  // namespace

namespace {

// The agent-shop administration pages: platform and administration administrators only.
std::variant<std::vector<identity::RoleGrant>, Response> require_admin(const SchedulingContext* ctx,
                                                                       const Request& request) {
  return identity::require_staff(ctx->db, ctx->pages, request, "/admin/agent-shops", administers,
                                 "this page is for administrators");
}

Response agenda_day(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  std::string notice;
  if (auto booked = request.query.get("booked")) {
    notice = ctx->catalog.text(request.lang, "agenda_booked") + " " + std::string(*booked);
  } else if (auto done = request.query.get("notice"); done == "marked" || done == "blocked") {
    notice = ctx->catalog.text(request.lang, "agenda_notice_" + std::string(*done));
  }
  return agenda_page(*ctx, request, roles, notice);
}

Response mark_booking(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  const std::string status_text = param(request, "status");
  if (status_text != "arrived" && status_text != "no_show") {
    return ctx->pages.render_error(request, make_error(Errc::bad_status, "unknown status"));
  }
  auto booking = find_booking(ctx->db, request.path_params.get("reference").value_or(""));
  if (!booking) return ctx->pages.render_error(request, booking.error());
  Error missing = make_error(Errc::no_such_booking, "no such booking");
  if (!*booking) return ctx->pages.render_error(request, missing);
  auto allowed = may_serve(ctx->db, request.principal->user_id, roles, **booking);
  if (!allowed) return ctx->pages.render_error(request, allowed.error());
  if (!*allowed) return ctx->pages.render_error(request, missing);
  auto marked = mark_booking(ctx->db, (*booking)->reference,
                             status_text == "arrived" ? BookingStatus::arrived : BookingStatus::no_show,
                             request.principal->user_id, ctx->clock, booking_hooks(*ctx));
  if (!marked) return ctx->pages.render_error(request, marked.error());
  std::string back = http::safe_return_path(param(request, "return"));
  return Response::redirect(back + (back.find('?') == std::string::npos ? "?" : "&") + "notice=marked", 303);
}

Response block_counter_submit(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto shop_id = positive_id(param(request, "shop"));
  auto counter_id = positive_id(param(request, "counter"));
  auto shops = shops_of_staff(ctx->db, request.principal->user_id, roles);
  if (!shops) return ctx->pages.render_error(request, shops.error());
  auto shop =
      std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return shop_id && s.id == *shop_id; });
  if (!counter_id || shop == shops->end()) {
    return ctx->pages.render_error(request, make_error(Errc::not_your_shop, "not one of your shops"));
  }
  {
    auto connection = ctx->db.acquire();
    if (!connection) return ctx->pages.render_error(request, connection.error());
    auto owned = catalogue::counter_record(**connection, *counter_id);
    if (!owned) return ctx->pages.render_error(request, owned.error());
    if (!*owned || (*owned)->shop_id != *shop_id) {
      return ctx->pages.render_error(request, make_error(Errc::no_such_counter, "no such counter here"));
    }
  }
  const std::string day = param(request, "day");
  auto from = local_instant(shop->time_zone, day, param(request, "from"));
  auto until = local_instant(shop->time_zone, day, param(request, "until"));
  if (!from || !until || *until <= *from) {
    return agenda_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "agenda_bad_period"), 400,
                       "block-from");
  }
  auto blocked = block_counter(ctx->db, *counter_id, *from, *until, param(request, "reason"),
                               request.principal->user_id, ctx->clock);
  if (!blocked) {
    if (blocked.error().code == Errc::counter_booked) {
      return agenda_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, blocked.error().code.message_key()),
                         http::http_status(blocked.error().kind), "block-from");
    }
    return ctx->pages.render_error(request, blocked.error());
  }
  return Response::redirect(agenda_link(*shop_id, day) + "&notice=blocked", 303);
}

Response agent_shops_page(const SchedulingContext* ctx, Request& request) {
  auto staff = require_admin(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return agent_shops_page(*ctx, request, std::get<std::vector<identity::RoleGrant>>(staff), {}, {}, 200);
}

Response assign_agent_shop(const SchedulingContext* ctx, Request& request) {
  auto staff = require_admin(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto refuse = [&](const char* key, int status) {
    return agent_shops_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, key), status, "assign-email");
  };
  auto shop_id = positive_id(param(request, "shop"));
  auto user = identity::find_user_by_email(ctx->db, param(request, "email"));
  if (!user) return ctx->pages.render_error(request, user.error());
  if (!*user || !shop_id) return refuse("admin_agent_shops_unknown", 400);
  auto agent_roles = identity::roles_of(ctx->db, (*user)->id);
  if (!agent_roles) return ctx->pages.render_error(request, agent_roles.error());
  // Only the agents of an administration its administrators manage, so that nobody gives a
  // shop's agenda to someone outside their own administration.
  if (!may_assign(roles, *agent_roles)) return refuse("admin_agent_shops_not_yours", 403);
  auto assigned = assign_agent_to_shop(ctx->db, (*user)->id, *shop_id,
                                       "user:" + std::to_string(request.principal->user_id), ctx->clock);
  if (!assigned) {
    if (assigned.error().kind == ErrorKind::not_found) return refuse("admin_agent_shops_unknown", 400);
    return ctx->pages.render_error(request, assigned.error());
  }
  return agent_shops_page(*ctx, request, roles, ctx->catalog.text(request.lang, "admin_agent_shops_assigned"), {}, 200);
}

Response remove_agent_shop(const SchedulingContext* ctx, Request& request) {
  auto staff = require_admin(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto user_id = positive_id(param(request, "user"));
  auto shop_id = positive_id(param(request, "shop"));
  if (!user_id || !shop_id) {
    return ctx->pages.render_error(request, make_error(Errc::bad_request, "bad form"));
  }
  auto agent_roles = identity::roles_of(ctx->db, *user_id);
  if (!agent_roles) return ctx->pages.render_error(request, agent_roles.error());
  if (!may_assign(roles, *agent_roles)) {
    return agent_shops_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "admin_agent_shops_not_yours"),
                            403);
  }
  auto removed = unassign_agent_from_shop(ctx->db, *user_id, *shop_id,
                                          "user:" + std::to_string(request.principal->user_id), ctx->clock);
  if (!removed) return ctx->pages.render_error(request, removed.error());
  return agent_shops_page(*ctx, request, roles, ctx->catalog.text(request.lang, "admin_agent_shops_removed"), {}, 200);
}

Response caller_booking_form(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return caller_booking_page(*ctx, request, std::get<std::vector<identity::RoleGrant>>(staff));
}

Response book_for_caller(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto shop_id = positive_id(param(request, "shop"));
  if (!shop_id) return ctx->pages.render_error(request, make_error(Errc::bad_shop, "choose a shop"));
  // The caller's services must be ones this agent serves, at one of their shops.
  auto shops = shops_of_staff(ctx->db, request.principal->user_id, roles);
  if (!shops) return ctx->pages.render_error(request, shops.error());
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx->pages.render_error(request, make_error(Errc::not_your_shop, "not your shop"));
  }
  CallerForm form = read_caller_form(*ctx, request);
  // The same checks as the first step: a changed hidden field is refused the same way.
  if (!check_caller(*ctx, request, form, *shop).empty()) return caller_booking_page(*ctx, request, roles);
  auto start = parse_rfc3339(param(request, "start"));
  if (!start) {
    return caller_booking_page(*ctx, request, roles, ctx->catalog.text(request.lang, "book_choose_a_time"), 400);
  }
  auto offered = bookable_services(*ctx, request, roles, *shop_id);
  if (!offered) return ctx->pages.render_error(request, offered.error());
  for (auto id : form.services) {
    if (std::none_of(offered->begin(), offered->end(), [&](const ServiceChoice& s) { return s.id == id; })) {
      return ctx->pages.render_error(request, make_error(Errc::not_your_service, "not a service you serve here"));
    }
  }
  const std::string actor = "user:" + std::to_string(request.principal->user_id);
  BookingRequest wanted{0,  // none: a caller known by name and phone only, or the account below
                        *shop_id,
                        *start,
                        form.services,
                        form.channel == "desk" ? Channel::desk : Channel::phone,
                        request.principal->user_id,
                        request.remote_address,
                        form.lang};
  wanted.caller = Caller{form.name, form.phone_e164};
  // The act is audited in the booking's transaction, with the agent and the shop.
  BookingHooks hooks = booking_hooks(*ctx);
  // A caller who gave an address gets a password-less account (their bookings and mails go to
  // it), made in the booking's own transaction: a refused booking leaves no account behind.
  if (!form.email.empty()) {
    hooks.account = [email = form.email, actor, ctx](storage::Connection& c) -> Result<std::int64_t> {
      auto caller = identity::account_for_caller(c, email, actor, ctx->clock);
      if (!caller) return std::move(caller).error();
      return caller->id;
    };
  }
  hooks.created = [created = hooks.created, actor, ctx](storage::Connection& c, const Booking& b) -> Result<void> {
    if (created) {
      if (auto done = created(c, b); !done) return done;
    }
    auto audited = identity::record_audit(
        c,
        identity::AuditEvent{
            actor, "booking.made_for_caller", "booking:" + b.reference,
            boost::json::serialize(boost::json::object{{"shop", b.shop}, {"account", b.user_id.has_value()}})},
        ctx->clock);
    if (!audited) return std::move(audited).error();
    return Result<void>{};
  };
  auto booked = book_visit(ctx->db, wanted, ctx->clock, ctx->policy, hooks);
  if (!booked) {
    // The agent chose the time for the caller: these refusals are a conflict with what is booked.
    const auto& code = booked.error().code;
    if (code != Errc::slot_taken && code != Errc::booking_limit && code != Errc::overlapping_booking &&
        code != Errc::too_many_bookings) {
      return ctx->pages.render_error(request, booked.error());
    }
    return caller_booking_page(*ctx, request, roles, ctx->catalog.text(request.lang, code.message_key()), 409);
  }
  // The booking's page: the reference and what to read out to the caller, in their language.
  return Response::redirect("/bookings/" + booked->reference + "?notice=booked_for_caller", 303);
}

// GET /agent/bookings?reference=: a visit found by the reference a caller reads out ("k7q2 9x4p"
// as well as "K7Q2-9X4P"), opened if this agent may see it; otherwise the agenda says so.
Response find_by_reference(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  std::string reference;  // its letters and digits, however grouped; more than 8 is no reference
  for (char ch : param(request, "reference")) {
    if (std::isalnum(static_cast<unsigned char>(ch)) != 0 && reference.size() <= 8) {
      reference += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
  }
  if (reference.size() == 8) reference.insert(4, "-");
  auto booking = find_booking(ctx->db, reference);
  if (!booking) return ctx->pages.render_error(request, booking.error());
  if (*booking) {
    auto power = booking_power(ctx->db, **booking, request.principal->user_id, request.principal->acr != "low");
    if (!power) return ctx->pages.render_error(request, power.error());
    if (*power != BookingPower::none) return Response::redirect("/bookings/" + reference, 303);
  }
  return agenda_page(*ctx, request, std::get<std::vector<identity::RoleGrant>>(staff), {},
                     ctx->catalog.text(request.lang, "agenda_reference_unknown"), 404, "agenda-reference");
}

}  // namespace

void register_agenda_routes(http::Router& router, const SchedulingContext& context) {
  const SchedulingContext* ctx = &context;

  router.get("/agent/agenda", [ctx](Request& request) { return agenda_day(ctx, request); });

  router.get("/agent/bookings", [ctx](Request& request) { return find_by_reference(ctx, request); });

  router.post("/agent/bookings/{reference}/mark", [ctx](Request& request) { return mark_booking(ctx, request); });

  router.post("/agent/absences", [ctx](Request& request) { return block_counter_submit(ctx, request); });

  router.get("/admin/agent-shops", [ctx](Request& request) { return agent_shops_page(ctx, request); });

  router.post("/admin/agent-shops", [ctx](Request& request) { return assign_agent_shop(ctx, request); });

  router.post("/admin/agent-shops/remove", [ctx](Request& request) { return remove_agent_shop(ctx, request); });

  router.get("/agent/book", [ctx](Request& request) { return caller_booking_form(ctx, request); });

  router.post("/agent/book", [ctx](Request& request) { return book_for_caller(ctx, request); });
}

}  // namespace guichet::scheduling
