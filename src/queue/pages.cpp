// The queue's public pages: the shop's kiosk (a staff session, no per-address limit), taking a
// ticket from a phone (anyone, within the per-address limit), the ticket's own live page, the
// display board, and the shop's queue page. Every page works without JavaScript; with it, the
// ticket page, the board and the queue page update themselves from the shop's event stream.
#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/limits.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/staff.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/web.hpp"
#include "web_support.hpp"

namespace guichet::queue {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr int kTicketsOnDisplay = 8;

std::string text(const QueueContext& ctx, const Request& request, std::string_view key) {
  return ctx.catalog.text(request.lang, key);
}

std::string wait_text(const QueueContext& ctx, const Request& request, const std::optional<WaitEstimate>& estimate) {
  if (!estimate) return text(ctx, request, "queue_wait_unknown");
  if (estimate->p90.count() == 0) return text(ctx, request, "queue_wait_none");
  return http::fill_text(text(ctx, request, "queue_wait_range"), {{"low", std::to_string(minutes_up(estimate->p10))},
                                                                  {"high", std::to_string(minutes_up(estimate->p90))}});
}

// What the kiosk and the phone form show: each service with its letter and the wait now.
struct FormState {
  bool kiosk = false;
  std::vector<std::int64_t> chosen;
  std::string priority = "none";
  std::string reference;
  std::string email;
  std::string email_error;
  std::string services_error;
  std::string reference_error;
  std::string error;  // not about one field (the shop is closed, too many tickets)
};

Response take_page(const QueueContext& ctx, const Request& request, const ShopView& shop, const FormState& state,
                   int status = 200) {
  auto queue = shop_queue(ctx.db, shop.id, ctx.clock);
  if (!queue) return ctx.pages.render_error(request, queue.error());
  auto estimates = estimate_new_tickets(ctx.db, shop.id, ctx.clock, ctx.policy);
  if (!estimates) return ctx.pages.render_error(request, estimates.error());
  std::vector<std::int64_t> ids;
  for (const auto& line : queue->lines) ids.push_back(line.service_id);
  auto names = service_names(ctx, ids, request.lang);
  if (!names) return ctx.pages.render_error(request, names.error());
  // Grouped by administration, each group folded (<details>: no script needed) unless one of its
  // services is chosen: a shop may serve a hundred services, a kiosk shows a screenful.
  auto groups = administrations_of(ctx, ids, request.lang);
  if (!groups) return ctx.pages.render_error(request, groups.error());
  std::map<std::int64_t, const Line*> by_service;
  for (const auto& line : queue->lines) by_service[line.service_id] = &line;
  PageData administrations{PageData::type::list};
  for (const auto& group : *groups) {
    PageData services{PageData::type::list};
    bool open = false;
    for (auto id : group.services) {
      const Line& line = *by_service.at(id);
      PageData s;
      s.set("id", std::to_string(id));
      s.set("name", (*names)[id]);
      s.set("prefix", line.prefix);
      s.set("waiting",
            http::fill_text(text(ctx, request, "queue_people_waiting"), {{"count", std::to_string(line.waiting)}}));
      s.set("wait", wait_text(ctx, request, (*estimates)[id]));
      const bool checked = std::find(state.chosen.begin(), state.chosen.end(), id) != state.chosen.end();
      s.set("checked", checked);
      open = open || checked;
      services.push_back(s);
    }
    PageData g;
    g.set("name", group.name);
    g.set("count", std::to_string(group.services.size()));
    g.set("open", open || groups->size() == 1);
    g.set("services", services);
    administrations.push_back(g);
  }
  PageData priorities{PageData::type::list};
  for (const char* p : {"none", "elderly", "disability", "pregnancy"}) {
    PageData option;
    option.set("value", std::string(p));
    option.set("label", text(ctx, request, std::string("queue_priority_") + p));
    option.set("checked", state.priority == p);
    priorities.push_back(option);
  }
  PageData page;
  page.set("shop_name", shop.name);
  page.set("shop_address", shop.address);
  page.set("kiosk", state.kiosk);
  const std::string base = "/shops/" + shop.code + (state.kiosk ? "/kiosk" : "/ticket");
  page.set("action", base);
  page.set("check_in_action", base + "/check-in");
  page.set("administrations", administrations);
  page.set("priorities", priorities);
  page.set("reference", state.reference);
  page.set("email", state.email);
  if (!state.email_error.empty()) page.set("email_error", state.email_error);
  if (!state.services_error.empty()) page.set("services_error", state.services_error);
  if (!state.reference_error.empty()) page.set("reference_error", state.reference_error);
  if (!state.error.empty()) page.set("error", state.error);
  page.set("queue_link", "/shops/" + shop.code + "/queue");
  if (!state.kiosk && !request.principal) {
    page.set("sign_in_link", "/account/sign-in?return=" + http::url_encode("/shops/" + shop.code + "/ticket"));
  }
  return no_store(
      ctx.pages.render(request, "queue_take", state.kiosk ? "queue_kiosk_title" : "queue_take_title", page, status));
}

// The kiosk is a staff session at the shop (the device is signed in each morning); the page then
// issues tickets without the per-address limit a shop's one address would reach at once.
std::variant<ShopView, Response> kiosk_shop(const QueueContext& ctx, const Request& request) {
  auto staff = identity::require_staff(
      ctx.db, ctx.pages, request, http::safe_return_path(request.target),
      [](const std::vector<identity::RoleGrant>& roles) { return !roles.empty(); }, "this page is for shop staff");
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  auto shop = shop_by_code(ctx, request.path_params.get("code").value_or(""));
  if (!shop) return ctx.pages.render_error(request, shop.error());
  auto allowed = works_at(ctx, request.principal->user_id, shop->id);
  if (!allowed) return ctx.pages.render_error(request, allowed.error());
  if (!*allowed) return ctx.pages.render_error(request, make_error(Errc::not_your_shop, "not one of your shops"));
  return std::move(*shop);
}

Response show_take(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return ctx->pages.render_error(request, shop.error());
  return take_page(*ctx, request, *shop, FormState{});
}

Response show_kiosk(const QueueContext* ctx, Request& request) {
  auto shop = kiosk_shop(*ctx, request);
  if (auto* refused = std::get_if<Response>(&shop)) return std::move(*refused);
  FormState state;
  state.kiosk = true;
  return take_page(*ctx, request, std::get<ShopView>(shop), state);
}

// Shows a refusal where it belongs: a field's next to it, the rest at the top.
Response refused(const QueueContext& ctx, const Request& request, const ShopView& shop, FormState state,
                 const Error& error) {
  const std::string message =
      error.code.message_key().empty() ? error.message : ctx.catalog.text(request.lang, error.code.message_key());
  if (error.field == "services") {
    state.services_error = message;
  } else if (error.field == "email") {
    state.email_error = message;
  } else if (error.field == "reference") {
    state.reference_error = message;
  } else {
    state.error = message;
  }
  return take_page(ctx, request, shop, state, http::http_status(error.kind));
}

// Tickets from outside the shop: a few per client address, and the mail they ask for counts
// against the recipient's mails of the hour, whoever asks (identity/limits.hpp).
std::optional<Response> over_the_limit(const QueueContext& ctx, const Request& request, const ShopView& shop,
                                       const FormState& state, const std::string& email = {}) {
  std::vector<identity::Allowance> allowances{identity::Allowance{
      "queue:ticket:address:" + request.remote_address, ctx.tickets_per_address_per_hour, std::chrono::hours(1)}};
  if (!email.empty()) {
    auto normalised = identity::normalise_email(email);
    allowances.push_back(identity::Allowance{"mail:to:" + (normalised ? *normalised : email),
                                             identity::MailLimits{}.mails_per_recipient, std::chrono::hours(1)});
  }
  auto wait = identity::take_allowances(ctx.db, allowances, ctx.clock);
  if (!wait) return ctx.pages.render_error(request, wait.error());
  if (!*wait) return std::nullopt;
  Response response =
      refused(ctx, request, shop, state, make_error(Errc::too_many_tickets, "too many tickets from this address"));
  response.headers.set("Retry-After", std::to_string((*wait)->count()));
  return response;
}

Response take(const QueueContext& ctx, Request& request, const ShopView& shop, bool kiosk) {
  FormState state;
  state.kiosk = kiosk;
  for (auto value : request.form.all("service")) {
    auto id = positive_id(value);
    if (!id) {
      Error e = make_error(Errc::bad_services, "choose services from the list");
      e.field = "services";
      return refused(ctx, request, shop, state, e);
    }
    state.chosen.push_back(*id);
  }
  state.priority = std::string(request.form.get("priority").value_or("none"));
  auto priority = parse_priority(state.priority);
  if (!priority || *priority == Priority::booked) {
    state.priority = "none";
    Error e = make_error(Errc::bad_priority, "choose a priority from the list");
    return refused(ctx, request, shop, state, e);
  }
  if (state.chosen.empty()) {
    Error e = make_error(Errc::bad_services, "choose at least one service");
    e.field = "services";
    return refused(ctx, request, shop, state, e);
  }
  state.email = std::string(request.form.get("email").value_or(""));
  if (!kiosk) {
    if (auto limited = over_the_limit(ctx, request, shop, state, state.email)) return std::move(*limited);
  }
  TicketRequest wanted;
  if (!kiosk && !state.email.empty()) wanted.notify_email = state.email;
  wanted.shop_id = shop.id;
  wanted.services = state.chosen;
  wanted.priority = *priority;
  wanted.source = kiosk ? Source::kiosk : Source::web;
  wanted.lang = std::string(request.lang);
  wanted.client_address = request.remote_address;
  auto ticket = issue_ticket(ctx.db, wanted, ctx.clock, ctx.policy);
  if (!ticket) return refused(ctx, request, shop, state, ticket.error());
  return Response::redirect(ticket_path(*ticket) + (kiosk ? "?kiosk=1" : ""), 303);
}

Response check_in_here(const QueueContext& ctx, Request& request, const ShopView& shop, bool kiosk) {
  FormState state;
  state.kiosk = kiosk;
  state.reference = std::string(request.form.get("reference").value_or(""));
  auto reference = booking_reference_from(state.reference);
  if (!reference) {
    Error e = make_error(Errc::no_such_booking, "type the reference of your booking");
    e.field = "reference";
    return refused(ctx, request, shop, state, e);
  }
  std::optional<std::int64_t> holder;
  if (!kiosk) {
    // From a phone, only the booking's own account checks it in: a reference read over someone's
    // shoulder must not check them in from outside the shop.
    if (!request.principal) {
      Error e = make_error(Errc::sign_in_to_check_in, "sign in with the account that booked, or use the kiosk");
      e.field = "reference";
      return refused(ctx, request, shop, state, e);
    }
    holder = request.principal->user_id;
    if (auto limited = over_the_limit(ctx, request, shop, state)) return std::move(*limited);
  }
  auto ticket = check_in(ctx.db, shop.id, *reference, request.lang, kiosk ? Source::kiosk : Source::web, ctx.clock,
                         ctx.policy, holder);
  if (!ticket) return refused(ctx, request, shop, state, ticket.error());
  return Response::redirect(ticket_path(*ticket) + (kiosk ? "?kiosk=1" : ""), 303);
}

Response take_from_phone(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return ctx->pages.render_error(request, shop.error());
  return take(*ctx, request, *shop, false);
}

Response take_at_kiosk(const QueueContext* ctx, Request& request) {
  auto shop = kiosk_shop(*ctx, request);
  if (auto* refusal = std::get_if<Response>(&shop)) return std::move(*refusal);
  return take(*ctx, request, std::get<ShopView>(shop), true);
}

Response check_in_from_phone(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return ctx->pages.render_error(request, shop.error());
  return check_in_here(*ctx, request, *shop, false);
}

Response check_in_at_kiosk(const QueueContext* ctx, Request& request) {
  auto shop = kiosk_shop(*ctx, request);
  if (auto* refusal = std::get_if<Response>(&shop)) return std::move(*refusal);
  return check_in_here(*ctx, request, std::get<ShopView>(shop), true);
}

// --- the ticket's page ---

Response ticket_page(const QueueContext& ctx, const Request& request, const Ticket& ticket, const std::string& notice,
                     int status = 200) {
  auto shop = shop_by_id(ctx, ticket.shop_id);
  if (!shop) return ctx.pages.render_error(request, shop.error());
  std::vector<std::int64_t> ids;
  for (const auto& step : ticket.steps) ids.push_back(step.service_id);
  auto names = service_names(ctx, ids, request.lang);
  if (!names) return ctx.pages.render_error(request, names.error());
  PageData steps{PageData::type::list};
  for (const auto& step : ticket.steps) {
    PageData s;
    s.set("name", (*names)[step.service_id]);
    s.set("current", step.position == ticket.step &&
                         (ticket.status == TicketStatus::waiting || ticket.status == TicketStatus::called));
    s.set("done", !step.outcome.empty());
    steps.push_back(s);
  }
  PageData page;
  page.set("number", ticket.number);
  page.set("shop_name", shop->name);
  page.set("shop_address", shop->address);
  page.set("steps", steps);
  page.set("status_" + std::string(to_string(ticket.status)), true);
  page.set("status_text", text(ctx, request, "queue_status_" + std::string(to_string(ticket.status))));
  if (ticket.status == TicketStatus::called) {
    page.set("called_to",
             http::fill_text(text(ctx, request, "queue_go_to_counter"), {{"counter", ticket.counter_code}}));
  }
  if (ticket.status == TicketStatus::waiting) {
    auto estimate = estimate_wait(ctx.db, ticket, ctx.clock, ctx.policy);
    if (!estimate) return ctx.pages.render_error(request, estimate.error());
    int ahead = 0;
    if (*estimate) {
      ahead = (*estimate)->ahead;
    } else {
      auto position = tickets_ahead(ctx.db, ticket, ctx.clock, ctx.policy);
      if (!position) return ctx.pages.render_error(request, position.error());
      ahead = *position;
    }
    page.set("ahead", http::fill_text(text(ctx, request, ahead == 1 ? "queue_ahead_one" : "queue_ahead"),
                                      {{"count", std::to_string(ahead)}}));
    page.set("wait", wait_text(ctx, request, *estimate));
    if (ahead < ctx.policy.notify_ahead) page.set("soon", true);
    page.set("cancellable", true);
  }
  if (ticket.status == TicketStatus::parked) page.set("cancellable", true);
  if (ticket.booking_reference) page.set("booking", *ticket.booking_reference);
  const std::string url = ctx.public_url + ticket_path(ticket);
  auto qr = identity::qr_code_svg(url, text(ctx, request, "queue_ticket_qr"));
  if (qr) page.set("qr_svg", *qr);
  page.set("url", url);
  page.set("path", ticket_path(ticket));
  page.set("cancel_action", ticket_path(ticket) + "/cancel");
  const bool kiosk = request.query.get("kiosk").value_or("") == "1";
  page.set("kiosk", kiosk);
  page.set("kiosk_link", "/shops/" + shop->code + "/kiosk");
  page.set("events", "/api/v1/shops/" + shop->code + "/events");
  page.set("script", ctx.live_script_url);
  if (!notice.empty()) page.set("notice", notice);
  Response response = ctx.pages.render(request, "queue_ticket", "queue_ticket_title", page, status);
  // The page is its own secret: never kept by a shared cache, never sent on as a referrer.
  response.headers.set("Referrer-Policy", "no-referrer");
  return no_store(std::move(response));
}

Response show_ticket(const QueueContext* ctx, Request& request) {
  auto ticket = ticket_by_access(ctx->db, request.path_params.get("access").value_or(""));
  if (!ticket) return ctx->pages.render_error(request, ticket.error());
  if (!*ticket) return ctx->pages.render_error(request, make_error(Errc::no_such_ticket, "no such ticket"));
  return ticket_page(*ctx, request, **ticket, {});
}

Response cancel(const QueueContext* ctx, Request& request) {
  auto cancelled = cancel_ticket(ctx->db, request.path_params.get("access").value_or(""), ctx->clock);
  if (!cancelled) {
    if (cancelled.error().code == Errc::not_callable) {
      auto ticket = ticket_by_access(ctx->db, request.path_params.get("access").value_or(""));
      if (ticket && *ticket) {
        return ticket_page(*ctx, request, **ticket, ctx->catalog.text(request.lang, "queue_not_callable"), 409);
      }
    }
    return ctx->pages.render_error(request, cancelled.error());
  }
  return ticket_page(*ctx, request, *cancelled, ctx->catalog.text(request.lang, "queue_cancelled"));
}

// --- the display board and the queue page ---

struct Lines {
  PageData list{PageData::type::list};
  bool any_open = false;
};

// One line per letter (administration): what waits there, the counters open for it and the wait
// a ticket taken now would have (the widest range among its services).
Result<Lines> lines_of(const QueueContext& ctx, const Request& request, const ShopView& shop) {
  auto queue = shop_queue(ctx.db, shop.id, ctx.clock);
  if (!queue) return std::move(queue).error();
  auto estimates = estimate_new_tickets(ctx.db, shop.id, ctx.clock, ctx.policy);
  if (!estimates) return std::move(estimates).error();
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, const Line*> by_service;
  for (const auto& line : queue->lines) {
    ids.push_back(line.service_id);
    by_service[line.service_id] = &line;
  }
  auto groups = administrations_of(ctx, ids, request.lang);
  if (!groups) return std::move(groups).error();
  struct Row {
    std::string prefix;
    std::string name;
    int waiting = 0;
    int counters = 0;
    std::optional<WaitEstimate> wait;
  };
  std::vector<Row> rows;
  for (const auto& group : *groups) {
    Row row;
    row.name = group.name;
    for (auto id : group.services) {
      const Line& line = *by_service.at(id);
      row.prefix = line.prefix;
      row.waiting += line.waiting;
      row.counters = std::max(row.counters, line.counters_open);
      const auto& estimate = (*estimates)[id];
      if (!estimate) continue;
      if (!row.wait) {
        row.wait = estimate;
      } else {
        row.wait->p10 = std::min(row.wait->p10, estimate->p10);
        row.wait->p90 = std::max(row.wait->p90, estimate->p90);
      }
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.prefix.size() != b.prefix.size() ? a.prefix.size() < b.prefix.size() : a.prefix < b.prefix;
  });
  Lines out;
  for (const auto& row : rows) {
    PageData l;
    l.set("prefix", row.prefix);
    l.set("name", row.name);
    l.set("waiting", std::to_string(row.waiting));
    l.set("counters", std::to_string(row.counters));
    l.set("wait", wait_text(ctx, request, row.wait));
    out.any_open = out.any_open || row.counters > 0;
    out.list.push_back(l);
  }
  return out;
}

Response display(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return ctx->pages.render_error(request, shop.error());
  auto calls = last_calls(ctx->db, shop->id, kTicketsOnDisplay);
  if (!calls) return ctx->pages.render_error(request, calls.error());
  auto lines = lines_of(*ctx, request, *shop);
  if (!lines) return ctx->pages.render_error(request, lines.error());
  PageData called{PageData::type::list};
  for (std::size_t i = 0; i < calls->size(); ++i) {
    const Call& call = (*calls)[i];
    PageData c;
    c.set("number", call.number);
    c.set("counter", call.counter_code);
    c.set("latest", i == 0);
    called.push_back(c);
  }
  PageData page;
  page.set("shop_name", shop->name);
  page.set("calls", called);
  page.set("has_calls", !calls->empty());
  page.set("lines", lines->list);
  page.set("events", "/api/v1/shops/" + shop->code + "/events");
  page.set("script", ctx->live_script_url);
  page.set("speech_lang", std::string(request.lang));
  page.set("take_link", "/shops/" + shop->code + "/ticket");
  Response response = ctx->pages.render(request, "queue_display", "queue_display_title", page);
  response.headers.set("Cache-Control", "no-cache");
  return response;
}

Response queue_page(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return ctx->pages.render_error(request, shop.error());
  auto lines = lines_of(*ctx, request, *shop);
  if (!lines) return ctx->pages.render_error(request, lines.error());
  PageData page;
  page.set("shop_name", shop->name);
  page.set("shop_address", shop->address);
  page.set("lines", lines->list);
  page.set("none_open", !lines->any_open);
  page.set("take_link", "/shops/" + shop->code + "/ticket");
  page.set("display_link", "/shops/" + shop->code + "/display");
  page.set("events", "/api/v1/shops/" + shop->code + "/events");
  page.set("script", ctx->live_script_url);
  Response response = ctx->pages.render(request, "queue_shop", "queue_shop_title", page);
  response.headers.set("Cache-Control", "no-cache");
  return response;
}

}  // namespace

void register_jobs(jobs::Worker& worker, const QueueContext& context) {
  const QueueContext* ctx = &context;
  worker.handle(kNotifyJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    boost::system::error_code ec;
    boost::json::value payload = boost::json::parse(job.payload, ec);
    const boost::json::value* id = ec || !payload.is_object() ? nullptr : payload.as_object().if_contains("ticket");
    if (id == nullptr || !id->is_int64()) return make_error(Errc::bad_body, "a queue.notify job names its ticket");
    auto ticket = find_ticket(ctx->db, id->as_int64());
    if (!ticket) return std::move(ticket).error();
    // Called, cancelled or gone since: nothing to tell.
    if (!*ticket || (*ticket)->status != TicketStatus::waiting) return {};
    auto email = ctx->db.read([&](storage::Connection& c) -> Result<std::string> {
      auto rows = c.query("SELECT notify_email FROM queue_tickets WHERE id = ?", {(*ticket)->id});
      if (!rows) return std::move(rows).error();
      return rows->empty() ? std::string() : rows->rows.front().text(0);
    });
    if (!email) return std::move(email).error();
    if (email->empty()) return {};
    auto shop = shop_by_id(*ctx, (*ticket)->shop_id);
    if (!shop) return std::move(shop).error();
    const std::string& lang = (*ticket)->lang;
    const std::vector<std::pair<std::string, std::string>> values{
        {"number", (*ticket)->number}, {"shop", shop->name}, {"url", ctx->public_url + ticket_path(**ticket)}};
    jobs::EmailMessage message;
    message.to = *email;
    message.subject = http::fill_text(ctx->catalog.text(lang, "queue_notify_subject"), values);
    message.text = http::fill_text(ctx->catalog.text(lang, "queue_notify_text"), values);
    return ctx->db.transaction([&](storage::Connection& c) -> Result<void> {
      auto queued = jobs::enqueue_email(c, message, ctx->clock, "queue.notify.mail:" + std::to_string((*ticket)->id));
      if (!queued) return std::move(queued).error();
      return {};
    });
  });
}

void register_queue_page_routes(http::Router& router, const QueueContext& context) {
  const QueueContext* ctx = &context;
  router.get("/shops/{code}/queue", [ctx](Request& request) { return queue_page(ctx, request); });
  router.get("/shops/{code}/display", [ctx](Request& request) { return display(ctx, request); });
  router.get("/shops/{code}/ticket", [ctx](Request& request) { return show_take(ctx, request); });
  router.post("/shops/{code}/ticket", [ctx](Request& request) { return take_from_phone(ctx, request); });
  router.post("/shops/{code}/ticket/check-in", [ctx](Request& request) { return check_in_from_phone(ctx, request); });
  router.get("/shops/{code}/kiosk", [ctx](Request& request) { return show_kiosk(ctx, request); });
  router.post("/shops/{code}/kiosk", [ctx](Request& request) { return take_at_kiosk(ctx, request); });
  router.post("/shops/{code}/kiosk/check-in", [ctx](Request& request) { return check_in_at_kiosk(ctx, request); });
  router.get("/tickets/{access}", [ctx](Request& request) { return show_ticket(ctx, request); });
  router.post("/tickets/{access}/cancel", [ctx](Request& request) { return cancel(ctx, request); });
}

}  // namespace guichet::queue
