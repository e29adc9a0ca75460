#pragma once
// What the queue's handlers share (api.cpp, pages.cpp, counter_pages.cpp).
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/http/request.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/web.hpp"

namespace guichet::queue {

// A shop's id and what screens say of it.
struct ShopView {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::string address;
  std::string time_zone;
};
Result<ShopView> shop_by_code(const QueueContext& ctx, std::string_view code);
Result<ShopView> shop_by_id(const QueueContext& ctx, std::int64_t id);

// True when this person is staff (agent, administration or platform administrator) at the shop.
Result<bool> works_at(const QueueContext& ctx, std::int64_t user_id, std::int64_t shop_id);

// Service names in `lang`, by id.
Result<std::map<std::int64_t, std::string>> service_names(const QueueContext& ctx, const std::vector<std::int64_t>& ids,
                                                          std::string_view lang);

// The services of `ids` by administration: each administration's name in `lang` and its services
// by name, administrations by name.
struct AdministrationGroup {
  std::string name;
  std::vector<std::int64_t> services;
};
Result<std::vector<AdministrationGroup>> administrations_of(const QueueContext& ctx,
                                                            const std::vector<std::int64_t>& ids,
                                                            std::string_view lang);

// A booking reference typed, or scanned from the QR code of a confirmation (".../bookings/REF"),
// upper-cased; nullopt when it cannot be one.
std::optional<std::string> booking_reference_from(std::string_view text);

// The ticket's own page.
std::string ticket_path(const Ticket& ticket);

// {"number", "status", "shop", "services": [ids], "step", "counter", "ahead", "wait": {"p10_min",
// "p50_min", "p90_min"}, "url", ...}: the API's form of a ticket, with its live position.
Result<boost::json::object> ticket_json(const QueueContext& ctx, const Ticket& ticket, const ShopView& shop);

// Whole minutes, rounded up (a wait of 20 s is "1 min", none is 0).
int minutes_up(std::chrono::seconds s);

// A whole positive decimal number, or nothing.
std::optional<std::int64_t> positive_id(std::string_view text);
// Pages about a person's ticket or a counter are never cached.
http::Response no_store(http::Response response);

}  // namespace guichet::queue
