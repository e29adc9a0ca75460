#include "web_support.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "guichet/catalogue/reads.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/scheduling/bookings.hpp"

namespace guichet::queue {
namespace json = boost::json;

Result<ShopView> shop_by_code(const QueueContext& ctx, std::string_view code) {
  return ctx.db.read([&](storage::Connection& c) -> Result<ShopView> {
    auto id = catalogue::shop_id_of(c, code);
    if (!id) return std::move(id).error();
    if (!*id) return make_error(Errc::no_such_shop, "no such shop");
    auto shop = catalogue::shop_record(c, **id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    return ShopView{(*shop)->id, (*shop)->code, (*shop)->name, (*shop)->address, (*shop)->time_zone};
  });
}

Result<ShopView> shop_by_id(const QueueContext& ctx, std::int64_t id) {
  return ctx.db.read([&](storage::Connection& c) -> Result<ShopView> {
    auto shop = catalogue::shop_record(c, id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    return ShopView{(*shop)->id, (*shop)->code, (*shop)->name, (*shop)->address, (*shop)->time_zone};
  });
}

Result<bool> works_at(const QueueContext& ctx, std::int64_t user_id, std::int64_t shop_id) {
  auto roles = identity::roles_of(ctx.db, user_id);
  if (!roles) return std::move(roles).error();
  if (!scheduling::is_scheduling_staff(*roles)) return false;
  auto shops = scheduling::shops_of_staff(ctx.db, user_id, *roles);
  if (!shops) return std::move(shops).error();
  for (const auto& shop : *shops) {
    if (shop.id == shop_id) return true;
  }
  return false;
}

Result<std::map<std::int64_t, std::string>> service_names(const QueueContext& ctx, const std::vector<std::int64_t>& ids,
                                                          std::string_view lang) {
  return ctx.db.read([&](storage::Connection& c) -> Result<std::map<std::int64_t, std::string>> {
    auto records = catalogue::service_records(c, std::set<std::int64_t>(ids.begin(), ids.end()), lang);
    if (!records) return std::move(records).error();
    std::map<std::int64_t, std::string> out;
    for (const auto& [id, record] : *records) out[id] = record.name.empty() ? record.code : record.name;
    return out;
  });
}

Result<std::vector<AdministrationGroup>> administrations_of(const QueueContext& ctx,
                                                            const std::vector<std::int64_t>& ids,
                                                            std::string_view lang) {
  return ctx.db.read([&](storage::Connection& c) -> Result<std::vector<AdministrationGroup>> {
    auto records = catalogue::service_records(c, std::set<std::int64_t>(ids.begin(), ids.end()), lang);
    if (!records) return std::move(records).error();
    std::map<std::string, std::vector<const catalogue::ServiceRecord*>> by_administration;
    for (const auto& [id, record] : *records) by_administration[record.administration].push_back(&record);
    std::vector<AdministrationGroup> out;
    for (auto& [code, services] : by_administration) {
      auto name = catalogue::administration_name(c, code, lang);
      if (!name) return std::move(name).error();
      std::sort(services.begin(), services.end(),
                [](const catalogue::ServiceRecord* a, const catalogue::ServiceRecord* b) { return a->name < b->name; });
      AdministrationGroup group{name->value_or(code), {}};
      for (const auto* record : services) group.services.push_back(record->id);
      out.push_back(std::move(group));
    }
    std::sort(out.begin(), out.end(),
              [](const AdministrationGroup& a, const AdministrationGroup& b) { return a.name < b.name; });
    return out;
  });
}

std::optional<std::string> booking_reference_from(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '/')) text.remove_suffix(1);
  if (auto at = text.rfind("/bookings/"); at != std::string_view::npos) text = text.substr(at + 10);
  if (auto query = text.find_first_of("?#"); query != std::string_view::npos) text = text.substr(0, query);
  std::string out;
  for (char ch : text) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-')) return std::nullopt;
    out += ch;
  }
  if (out.size() < 4 || out.size() > 32) return std::nullopt;
  return out;
}

std::string ticket_path(const Ticket& ticket) { return "/tickets/" + ticket.access; }

int minutes_up(std::chrono::seconds s) { return static_cast<int>((s.count() + 59) / 60); }

Result<json::object> ticket_json(const QueueContext& ctx, const Ticket& ticket, const ShopView& shop) {
  json::object out{{"number", ticket.number},
                   {"status", to_string(ticket.status)},
                   {"priority", to_string(ticket.priority)},
                   {"shop", shop.code},
                   {"day", ticket.day},
                   {"service", ticket.service_id},
                   {"step", ticket.step},
                   {"issued_at", scheduling::rfc3339_seconds(ticket.issued_at)},
                   {"url", ctx.public_url + ticket_path(ticket)}};
  json::array services;
  for (const auto& step : ticket.steps) services.push_back(step.service_id);
  out["services"] = std::move(services);
  if (ticket.booking_reference) out["booking"] = *ticket.booking_reference;
  if (ticket.status == TicketStatus::called) out["counter"] = ticket.counter_code;
  if (ticket.status == TicketStatus::waiting) {
    auto estimate = estimate_wait(ctx.db, ticket, ctx.clock, ctx.policy);
    if (!estimate) return std::move(estimate).error();
    if (*estimate) {
      out["ahead"] = (*estimate)->ahead;
      out["wait"] = {{"p10_min", minutes_up((*estimate)->p10)},
                     {"p50_min", minutes_up((*estimate)->p50)},
                     {"p90_min", minutes_up((*estimate)->p90)},
                     {"counters", (*estimate)->counters}};
    } else {
      // No counter open for it: its place in its own service's queue.
      auto ahead = tickets_ahead(ctx.db, ticket, ctx.clock, ctx.policy);
      if (!ahead) return std::move(ahead).error();
      out["ahead"] = *ahead;
      out["wait"] = nullptr;
    }
  }
  return out;
}

std::optional<std::int64_t> positive_id(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

http::Response no_store(http::Response response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace guichet::queue
