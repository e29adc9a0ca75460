#include "guichet/catalogue/reads.hpp"

#include <boost/json.hpp>

namespace guichet::catalogue {
namespace {

constexpr const char* kShopColumns =
    "id, code, name, address, time_zone, opening_hours, latitude, longitude, accessibility";

ShopRecord shop_from(const storage::Row& row) {
  return ShopRecord{row.integer(0), row.text(1), row.text(2), row.text(3), row.text(4),
                    row.text(5),    row.real(6), row.real(7), row.text(8)};
}

std::vector<std::string> string_array(const std::string& json) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_array()) return out;
  for (const auto& item : parsed.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

}  // namespace

Result<std::optional<ShopRecord>> shop_record(storage::Connection& c, std::int64_t shop_id) {
  auto rows = c.query(std::string("SELECT ") + kShopColumns + " FROM shops WHERE id = ?", {shop_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<ShopRecord>();
  return std::optional<ShopRecord>(shop_from(rows->rows[0]));
}

Result<std::optional<std::int64_t>> shop_id_of(storage::Connection& c, std::string_view code) {
  auto rows = c.query("SELECT id FROM shops WHERE code = ?", {std::string(code)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows->rows[0].integer(0));
}

Result<std::optional<std::int64_t>> service_id_of(storage::Connection& c, std::string_view code) {
  auto rows = c.query("SELECT id FROM services WHERE code = ?", {std::string(code)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows->rows[0].integer(0));
}

Result<std::vector<ShopRecord>> shop_records(storage::Connection& c,
                                             const std::optional<std::set<std::int64_t>>& only) {
  std::vector<ShopRecord> out;
  if (only && only->empty()) return out;
  std::string sql = std::string("SELECT ") + kShopColumns + " FROM shops";
  storage::Params params;
  if (only) {
    sql += " WHERE id IN " + storage::in_list(only->size());
    params.assign(only->begin(), only->end());
  }
  auto rows = c.query(sql + " ORDER BY name, id", params);
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) out.push_back(shop_from(row));
  return out;
}

Result<std::vector<std::int64_t>> shop_ids(storage::Connection& c) {
  auto rows = c.query("SELECT id FROM shops ORDER BY id");
  if (!rows) return std::move(rows).error();
  std::vector<std::int64_t> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) out.push_back(row.integer(0));
  return out;
}

Result<std::vector<CounterRecord>> counters_of(storage::Connection& c, std::optional<std::int64_t> shop_id) {
  // Counters without a skill are listed too (an agenda shows them), hence the outer join.
  auto rows = shop_id ? c.query(
                            "SELECT c.id, c.shop_id, c.code, cs.service_id FROM counters c LEFT JOIN counter_services "
                            "cs ON cs.counter_id = c.id WHERE c.shop_id = ? ORDER BY c.shop_id, c.id",
                            {*shop_id})
                      : c.query(
                            "SELECT c.id, c.shop_id, c.code, cs.service_id FROM counters c LEFT JOIN counter_services "
                            "cs ON cs.counter_id = c.id ORDER BY c.shop_id, c.id");
  if (!rows) return std::move(rows).error();
  std::vector<CounterRecord> out;
  for (const auto& row : rows->rows) {
    if (out.empty() || out.back().id != row.integer(0))
      out.push_back({row.integer(0), row.integer(1), row.text(2), {}});
    if (!row.is_null(3)) out.back().services.insert(row.integer(3));
  }
  return out;
}

Result<std::optional<CounterRecord>> counter_record(storage::Connection& c, std::int64_t counter_id) {
  auto rows = c.query(
      "SELECT c.id, c.shop_id, c.code, cs.service_id FROM counters c LEFT JOIN counter_services cs ON cs.counter_id = "
      "c.id WHERE c.id = ?",
      {counter_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<CounterRecord>();
  CounterRecord counter{rows->rows[0].integer(0), rows->rows[0].integer(1), rows->rows[0].text(2), {}};
  for (const auto& row : rows->rows) {
    if (!row.is_null(3)) counter.services.insert(row.integer(3));
  }
  return std::optional<CounterRecord>(std::move(counter));
}

Result<std::vector<Closure>> closures_of(storage::Connection& c, std::optional<std::int64_t> shop_id) {
  auto rows = shop_id ? c.query("SELECT shop_id, day FROM shop_closures WHERE shop_id = ? ORDER BY day", {*shop_id})
                      : c.query("SELECT shop_id, day FROM shop_closures ORDER BY shop_id, day");
  if (!rows) return std::move(rows).error();
  std::vector<Closure> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) out.push_back({row.integer(0), row.text(1)});
  return out;
}

Result<std::vector<Closure>> closures_between(storage::Connection& c, const std::string& first_day,
                                              const std::string& last_day) {
  auto rows = c.query("SELECT shop_id, day FROM shop_closures WHERE day BETWEEN ? AND ? ORDER BY shop_id, day",
                      {first_day, last_day});
  if (!rows) return std::move(rows).error();
  std::vector<Closure> out;
  out.reserve(rows->size());
  for (const auto& row : rows->rows) out.push_back({row.integer(0), row.text(1)});
  return out;
}

Result<std::map<std::int64_t, ServiceRecord>> service_records(storage::Connection& c, const std::set<std::int64_t>& ids,
                                                              std::optional<std::string_view> lang) {
  std::map<std::int64_t, ServiceRecord> out;
  if (ids.empty()) return out;
  storage::Params params;
  if (lang) params.emplace_back(std::string(*lang));
  params.insert(params.end(), ids.begin(), ids.end());
  const std::string sql =
      lang ? "SELECT s.id, s.code, s.duration_minutes, s.channels, a.code, t.name, t.documents FROM services s "
             "JOIN administrations a ON a.id = s.administration_id "
             "LEFT JOIN service_texts t ON t.service_id = s.id AND t.lang = ? WHERE s.id IN " +
                 storage::in_list(ids.size())
           : "SELECT s.id, s.code, s.duration_minutes, s.channels, a.code, NULL, NULL FROM services s "
             "JOIN administrations a ON a.id = s.administration_id WHERE s.id IN " +
                 storage::in_list(ids.size());
  auto rows = c.query(sql, params);
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) {
    ServiceRecord service;
    service.id = row.integer(0);
    service.code = row.text(1);
    service.duration_minutes = static_cast<int>(row.integer(2));
    service.channels = static_cast<unsigned>(row.integer(3));
    service.administration = row.text(4);
    if (!row.is_null(5)) service.name = row.text(5);
    if (!row.is_null(6)) service.documents = string_array(row.text(6));
    out.emplace(service.id, std::move(service));
  }
  return out;
}

Result<std::vector<std::string>> service_codes_of(storage::Connection& c,
                                                  const std::set<std::string>& administrations) {
  std::vector<std::string> out;
  if (administrations.empty()) return out;
  auto rows =
      c.query("SELECT s.code FROM services s JOIN administrations a ON a.id = s.administration_id WHERE a.code IN " +
                  storage::in_list(administrations.size()) + " ORDER BY s.code",
              storage::Params(administrations.begin(), administrations.end()));
  if (!rows) return std::move(rows).error();
  for (const storage::Row& row : rows->rows) out.push_back(row.text(0));
  return out;
}

Result<bool> administration_exists(storage::Connection& c, std::string_view code) {
  auto rows = c.query("SELECT 1 FROM administrations WHERE code = ?", {std::string(code)});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<std::optional<std::string>> administration_name(storage::Connection& c, std::string_view code,
                                                       std::string_view lang) {
  auto rows = c.query("SELECT names FROM administrations WHERE code = ?", {std::string(code)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  boost::system::error_code ec;
  const boost::json::value names = boost::json::parse(rows->rows.front().text(0), ec);
  if (ec || !names.is_object() || names.as_object().empty()) return std::optional<std::string>(std::string(code));
  const auto& o = names.as_object();
  for (std::string_view wanted : {lang, std::string_view("en")}) {
    if (const auto* name = o.if_contains(wanted); name != nullptr && name->is_string()) {
      return std::optional<std::string>(std::string(name->as_string()));
    }
  }
  const auto& first = o.begin()->value();
  return std::optional<std::string>(first.is_string() ? std::string(first.as_string()) : std::string(code));
}

}  // namespace guichet::catalogue
