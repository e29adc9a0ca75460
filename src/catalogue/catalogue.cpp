#include "guichet/catalogue/catalogue.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include "guichet/catalogue/errors.hpp"
#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/identity/audit.hpp"

namespace guichet::catalogue {
namespace json = boost::json;

namespace {

struct Fold {
  char32_t code_point;
  const char* ascii;
};
constexpr Fold kFolds[] = {
#include "fold_table.inc"
};

// Punctuation and symbol blocks outside Latin: word separators, like ASCII punctuation.
bool is_punctuation_or_symbol(char32_t cp) {
  return (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
         (cp >= 0xFF00 && cp <= 0xFF20);
}

const std::vector<std::string>& languages() {
  static const std::vector<std::string> langs{"fr", "pt", "vi", "en"};
  return langs;
}

Error invalid(const std::string& where, const std::string& what) {
  return make_error(Errc::catalogue_invalid, where + " " + what);
}

bool valid_code(std::string_view code) {
  return !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool plain_text(const json::value* v, std::size_t max) {
  if (v == nullptr || !v->is_string()) return false;
  const auto& s = v->as_string();
  if (s.empty() || s.size() > max || !is_valid_utf8(std::string_view(s.data(), s.size()))) return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; });
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

bool valid_day(std::string_view text) { return parse_iso_day(text).has_value(); }

bool valid_time_zone(std::string_view zone) { return find_time_zone(zone) != nullptr; }

struct Document {
  json::array administrations;
  json::array services;
  json::array shops;
};

Result<Document> check_document(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return invalid("the document", "is not a JSON object");
  Document doc;
  const auto& root = parsed.as_object();
  auto array_of = [&](const char* name) -> json::array {
    auto it = root.find(name);
    return it != root.end() && it->value().is_array() ? it->value().as_array() : json::array{};
  };
  doc.administrations = array_of("administrations");
  doc.services = array_of("services");
  doc.shops = array_of("shops");
  std::set<std::string> administration_codes;
  for (std::size_t i = 0; i < doc.administrations.size(); ++i) {
    std::string at = "administrations[" + std::to_string(i) + "]";
    if (!doc.administrations[i].is_object()) return invalid(at, "must be an object");
    const auto& a = doc.administrations[i].as_object();
    const json::value* code = a.if_contains("code");
    if (code == nullptr || !code->is_string() || !valid_code(code->as_string())) {
      return invalid(at + ".code", "must be lowercase letters, digits and dashes");
    }
    if (!administration_codes.insert(str(*code)).second) return invalid(at + ".code", "is repeated");
    const json::value* names = a.if_contains("names");
    for (const auto& lang : languages()) {
      if (names == nullptr || !names->is_object() || !plain_text(names->as_object().if_contains(lang), 300)) {
        return invalid(at + ".names." + lang, "is missing or empty");
      }
    }
  }
  std::set<std::string> service_codes;
  for (std::size_t i = 0; i < doc.services.size(); ++i) {
    std::string at = "services[" + std::to_string(i) + "]";
    if (!doc.services[i].is_object()) return invalid(at, "must be an object");
    const auto& s = doc.services[i].as_object();
    const json::value* code = s.if_contains("code");
    if (code == nullptr || !code->is_string() || !valid_code(code->as_string())) {
      return invalid(at + ".code", "must be lowercase letters, digits and dashes");
    }
    if (!service_codes.insert(str(*code)).second) return invalid(at + ".code", "is repeated");
    const json::value* administration = s.if_contains("administration");
    if (administration == nullptr || !administration->is_string()) {
      return invalid(at + ".administration", "must name an administration's code");
    }
    const json::value* audience = s.if_contains("audience");
    if (audience == nullptr || !audience->is_string() ||
        (audience->as_string() != "citizens" && audience->as_string() != "businesses" &&
         audience->as_string() != "both")) {
      return invalid(at + ".audience", "must be citizens, businesses or both");
    }
    const json::value* channels = s.if_contains("channels");
    if (channels == nullptr || !channels->is_array() || channels->as_array().empty()) {
      return invalid(at + ".channels", "must list in_person, video, online or phone");
    }
    for (const auto& c : channels->as_array()) {
      if (!c.is_string() || !parse_channel(c.as_string())) {
        return invalid(at + ".channels", "must list in_person, video, online or phone");
      }
    }
    const json::value* duration = s.if_contains("duration_minutes");
    if (duration == nullptr || !duration->is_int64() || duration->as_int64() < 5 || duration->as_int64() > 480) {
      return invalid(at + ".duration_minutes", "must be 5 to 480");
    }
    if (const json::value* fee = s.if_contains("fee_cents");
        fee != nullptr && (!fee->is_int64() || fee->as_int64() < 0)) {
      return invalid(at + ".fee_cents", "must be a whole number of cents, 0 or more");
    }
    if (const json::value* basis = s.if_contains("legal_basis"); basis != nullptr && !basis->is_string()) {
      return invalid(at + ".legal_basis", "must be text");
    }
    const json::value* texts = s.if_contains("texts");
    for (const auto& lang : languages()) {
      std::string where = at + ".texts." + lang;
      const json::value* t = texts != nullptr && texts->is_object() ? texts->as_object().if_contains(lang) : nullptr;
      if (t == nullptr || !t->is_object()) return invalid(where, "is missing");
      if (!plain_text(t->as_object().if_contains("name"), 300)) return invalid(where + ".name", "is missing or empty");
      if (!plain_text(t->as_object().if_contains("description"), 4000)) {
        return invalid(where + ".description", "is missing or empty");
      }
      const json::value* documents = t->as_object().if_contains("documents");
      if (documents != nullptr) {
        if (!documents->is_array()) return invalid(where + ".documents", "must be a list of texts");
        for (const auto& d : documents->as_array()) {
          if (!plain_text(&d, 500)) return invalid(where + ".documents", "must be a list of texts");
        }
      }
    }
  }
  std::set<std::string> shop_codes;
  for (std::size_t i = 0; i < doc.shops.size(); ++i) {
    std::string at = "shops[" + std::to_string(i) + "]";
    if (!doc.shops[i].is_object()) return invalid(at, "must be an object");
    const auto& s = doc.shops[i].as_object();
    const json::value* code = s.if_contains("code");
    if (code == nullptr || !code->is_string() || !valid_code(code->as_string())) {
      return invalid(at + ".code", "must be lowercase letters, digits and dashes");
    }
    if (!shop_codes.insert(str(*code)).second) return invalid(at + ".code", "is repeated");
    if (!plain_text(s.if_contains("name"), 300)) return invalid(at + ".name", "is missing or empty");
    if (!plain_text(s.if_contains("address"), 500)) return invalid(at + ".address", "is missing or empty");
    for (const char* name : {"latitude", "longitude"}) {
      const json::value* v = s.if_contains(name);
      double limit = std::string_view(name) == "latitude" ? 90 : 180;
      if (v == nullptr || !v->is_number() || std::abs(v->to_number<double>()) > limit) {
        return invalid(at + "." + name, "must be a number within ±" + std::to_string(static_cast<int>(limit)));
      }
    }
    const json::value* zone = s.if_contains("time_zone");
    if (zone == nullptr || !zone->is_string() || !valid_time_zone(zone->as_string())) {
      return invalid(at + ".time_zone", "must be an IANA time zone such as Europe/Lisbon");
    }
    if (auto hours = parse_opening_hours(s.contains("opening_hours") ? s.at("opening_hours") : json::value(),
                                         at + ".opening_hours");
        !hours) {
      return std::move(hours).error();
    }
    if (const json::value* counters = s.if_contains("counters")) {
      if (!counters->is_array()) return invalid(at + ".counters", "must be a list");
      std::set<std::string> counter_codes;
      for (std::size_t k = 0; k < counters->as_array().size(); ++k) {
        const json::value& counter = counters->as_array()[k];
        std::string where = at + ".counters[" + std::to_string(k) + "]";
        const json::value* code = counter.is_object() ? counter.as_object().if_contains("code") : nullptr;
        if (code == nullptr || !code->is_string() || !valid_code(code->as_string())) {
          return invalid(where + ".code", "must be lowercase letters, digits and dashes");
        }
        if (!counter_codes.insert(str(*code)).second) return invalid(where + ".code", "is repeated");
        const json::value* served = counter.as_object().if_contains("services");
        if (served == nullptr || !served->is_array() || served->as_array().empty()) {
          return invalid(where + ".services", "must list the codes of the services it serves");
        }
        for (const auto& service : served->as_array()) {
          if (!service.is_string()) return invalid(where + ".services", "must list service codes");
        }
      }
    }
    if (const json::value* closures = s.if_contains("closures")) {
      if (!closures->is_array()) return invalid(at + ".closures", "must be a list of dates");
      for (const auto& day : closures->as_array()) {
        if (!day.is_string() || !valid_day(day.as_string())) {
          return invalid(at + ".closures", "must be dates written YYYY-MM-DD");
        }
      }
    }
  }
  return doc;
}

// Words of a query, folded, each at most 64 characters, at most 10 of them.
std::vector<std::string> query_words(std::string_view q) {
  std::vector<std::string> words;
  std::string folded = fold_for_search(q);
  std::size_t at = 0;
  while (at < folded.size() && words.size() < 10) {
    auto end = folded.find(' ', at);
    if (end == std::string::npos) end = folded.size();
    if (end > at) words.push_back(folded.substr(at, std::min<std::size_t>(end - at, 64)));
    at = end + 1;
  }
  return words;
}

}  // namespace

std::string fold_for_search(std::string_view text) {
  std::string out;
  bool space = true;
  auto emit = [&](std::string_view piece) {
    for (char c : piece) {
      out += c;
      space = false;
    }
  };
  auto separator = [&] {
    if (!space) {
      out += ' ';
      space = true;
    }
  };
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        emit(std::string(1, static_cast<char>(std::tolower(c))));
      } else {
        separator();
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (the input was validated; a bad byte is a separator).
    int length = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
    char32_t code_point = length == 1 ? 0 : c & (0xFF >> (length + 1));
    for (int k = 1; k < length && i + static_cast<std::size_t>(k) < text.size(); ++k) {
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0x3F);
    }
    const auto* found = std::lower_bound(std::begin(kFolds), std::end(kFolds), code_point,
                                         [](const Fold& f, char32_t cp) { return f.code_point < cp; });
    if (found != std::end(kFolds) && found->code_point == code_point) {
      emit(found->ascii);  // a combining mark folds to nothing and joins the word
    } else if (length > 1 && code_point >= 0x0370 && !is_punctuation_or_symbol(code_point)) {
      emit(text.substr(i, static_cast<std::size_t>(length)));  // other scripts are kept as they are
    } else {
      separator();
    }
    i += static_cast<std::size_t>(length);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> channel_names(unsigned channels) {
  std::vector<std::string> names;
  if ((channels & in_person) != 0) names.emplace_back("in_person");
  if ((channels & video) != 0) names.emplace_back("video");
  if ((channels & online) != 0) names.emplace_back("online");
  if ((channels & phone) != 0) names.emplace_back("phone");
  return names;
}

std::optional<unsigned> parse_channel(std::string_view name) {
  if (name == "in_person") return in_person;
  if (name == "video") return video;
  if (name == "online") return online;
  if (name == "phone") return phone;
  return std::nullopt;
}

Result<ImportSummary> import_catalogue(storage::Database& db, std::string_view json_text, const std::string& actor,
                                       const Clock& clock) {
  auto checked = check_document(json_text);
  if (!checked) return std::move(checked).error();
  const Document& doc = *checked;
  return db.transaction([&](storage::Connection& c) -> Result<ImportSummary> {
    const bool sqlite = c.backend() == storage::Backend::sqlite;
    ImportSummary summary;
    for (const auto& item : doc.administrations) {
      const auto& a = item.as_object();
      auto stored = c.execute(
          "INSERT INTO administrations (code, names) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET names = "
          "excluded.names",
          {str(a.at("code")), json::serialize(a.at("names"))});
      if (!stored) return std::move(stored).error();
      ++summary.administrations;
    }
    for (std::size_t i = 0; i < doc.services.size(); ++i) {
      const auto& s = doc.services[i].as_object();
      auto administration = c.query("SELECT id FROM administrations WHERE code = ?", {str(s.at("administration"))});
      if (!administration) return std::move(administration).error();
      if (administration->empty()) {
        return invalid("services[" + std::to_string(i) + "].administration", "names no known administration");
      }
      unsigned channels = 0;
      for (const auto& ch : s.at("channels").as_array()) channels |= *parse_channel(ch.as_string());
      const json::value* fee = s.if_contains("fee_cents");
      const json::value* basis = s.if_contains("legal_basis");
      auto stored = c.query(
          "INSERT INTO services (code, administration_id, audience, channels, duration_minutes, fee_cents, "
          "legal_basis) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET administration_id = "
          "excluded.administration_id, audience = excluded.audience, channels = excluded.channels, duration_minutes "
          "= excluded.duration_minutes, fee_cents = excluded.fee_cents, legal_basis = excluded.legal_basis "
          "RETURNING id",
          {str(s.at("code")), administration->rows[0].integer(0), str(s.at("audience")),
           static_cast<std::int64_t>(channels), s.at("duration_minutes").as_int64(),
           fee != nullptr ? fee->as_int64() : std::int64_t{0}, basis != nullptr ? str(*basis) : std::string()});
      if (!stored) return std::move(stored).error();
      const std::int64_t id = stored->rows.at(0).integer(0);
      if (auto r = c.execute("DELETE FROM service_texts WHERE service_id = ?", {id}); !r) return std::move(r).error();
      if (sqlite) {
        if (auto r = c.execute("DELETE FROM service_search WHERE service_id = ?", {id}); !r) {
          return std::move(r).error();
        }
      }
      auto names = c.query("SELECT names FROM administrations WHERE id = ?", {administration->rows[0].integer(0)});
      if (!names) return std::move(names).error();
      json::value admin_names = json::parse(names->rows.at(0).text(0));
      for (const auto& lang : languages()) {
        const auto& t = s.at("texts").as_object().at(lang).as_object();
        json::array documents;
        if (const json::value* d = t.if_contains("documents")) documents = d->as_array();
        std::string admin_name = admin_names.is_object() && admin_names.as_object().contains(lang)
                                     ? str(admin_names.at(lang))
                                     : std::string();
        std::string search = fold_for_search(str(t.at("name")) + " " + str(t.at("description")) + " " + admin_name);
        auto text = c.execute(
            "INSERT INTO service_texts (service_id, lang, name, description, documents, search_text) VALUES (?, ?, ?, "
            "?, ?, ?)",
            {id, lang, str(t.at("name")), str(t.at("description")), json::serialize(documents), search});
        if (!text) return std::move(text).error();
        if (sqlite) {
          auto indexed = c.execute("INSERT INTO service_search (search_text, service_id, lang) VALUES (?, ?, ?)",
                                   {search, id, lang});
          if (!indexed) return std::move(indexed).error();
        }
      }
      ++summary.services;
    }
    for (const auto& item : doc.shops) {
      const auto& s = item.as_object();
      auto stored = c.query(
          "INSERT INTO shops (code, name, address, latitude, longitude, time_zone, opening_hours) VALUES (?, ?, ?, ?, "
          "?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, address = excluded.address, latitude = "
          "excluded.latitude, longitude = excluded.longitude, time_zone = excluded.time_zone, opening_hours = "
          "excluded.opening_hours RETURNING id",
          {str(s.at("code")), str(s.at("name")), str(s.at("address")), s.at("latitude").to_number<double>(),
           s.at("longitude").to_number<double>(), str(s.at("time_zone")), json::serialize(s.at("opening_hours"))});
      if (!stored) return std::move(stored).error();
      const std::int64_t shop_id = stored->rows.at(0).integer(0);
      const std::string shop_at = "shops[" + std::to_string(summary.shops) + "]";
      if (const json::value* counters = s.if_contains("counters")) {
        for (const auto& counter : counters->as_array()) {
          auto counter_row = c.query(
              "INSERT INTO counters (shop_id, code) VALUES (?, ?) ON CONFLICT (shop_id, code) DO UPDATE SET code = "
              "excluded.code RETURNING id",
              {shop_id, str(counter.at("code"))});
          if (!counter_row) return std::move(counter_row).error();
          const std::int64_t counter_id = counter_row->rows.at(0).integer(0);
          if (auto cleared = c.execute("DELETE FROM counter_services WHERE counter_id = ?", {counter_id}); !cleared) {
            return std::move(cleared).error();
          }
          for (const auto& service : counter.at("services").as_array()) {
            auto inserted = c.execute(
                "INSERT INTO counter_services (counter_id, service_id) SELECT ?, id FROM services WHERE code = ? "
                "ON CONFLICT DO NOTHING",
                {counter_id, str(service)});
            if (!inserted) return std::move(inserted).error();
            auto known = c.query("SELECT 1 FROM services WHERE code = ?", {str(service)});
            if (!known) return std::move(known).error();
            if (known->empty()) {
              return invalid(shop_at + ".counters", "names an unknown service " + str(service));
            }
          }
        }
      }
      if (const json::value* closures = s.if_contains("closures")) {
        if (auto cleared = c.execute("DELETE FROM shop_closures WHERE shop_id = ?", {shop_id}); !cleared) {
          return std::move(cleared).error();
        }
        for (const auto& day : closures->as_array()) {
          auto inserted = c.execute("INSERT INTO shop_closures (shop_id, day) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                    {shop_id, str(day)});
          if (!inserted) return std::move(inserted).error();
        }
      }
      ++summary.shops;
    }
    json::object details{
        {"administrations", summary.administrations}, {"services", summary.services}, {"shops", summary.shops}};
    auto audited = identity::record_audit(
        c, identity::AuditEvent{actor, "catalogue.imported", "catalogue", json::serialize(details)}, clock);
    if (!audited) return std::move(audited).error();
    return summary;
  });
}

Result<std::string> export_catalogue(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  storage::Connection& c = **connection;
  json::array administrations;
  auto admins = c.query("SELECT code, names FROM administrations ORDER BY code");
  if (!admins) return std::move(admins).error();
  for (const auto& row : admins->rows) {
    administrations.push_back(json::object{{"code", row.text(0)}, {"names", json::parse(row.text(1))}});
  }
  json::array services;
  auto rows = c.query(
      "SELECT s.id, s.code, a.code, s.audience, s.channels, s.duration_minutes, s.fee_cents, s.legal_basis FROM "
      "services s JOIN administrations a ON a.id = s.administration_id ORDER BY s.code");
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) {
    json::array channels;
    for (const auto& name : channel_names(static_cast<unsigned>(row.integer(4)))) channels.emplace_back(name);
    json::object texts;
    auto localised =
        c.query("SELECT lang, name, description, documents FROM service_texts WHERE service_id = ?", {row.integer(0)});
    if (!localised) return std::move(localised).error();
    for (const auto& t : localised->rows) {
      texts[t.text(0)] =
          json::object{{"name", t.text(1)}, {"description", t.text(2)}, {"documents", json::parse(t.text(3))}};
    }
    services.push_back(json::object{{"code", row.text(1)},
                                    {"administration", row.text(2)},
                                    {"audience", row.text(3)},
                                    {"channels", channels},
                                    {"duration_minutes", row.integer(5)},
                                    {"fee_cents", row.integer(6)},
                                    {"legal_basis", row.text(7)},
                                    {"texts", texts}});
  }
  json::array shops;
  auto shop_rows =
      c.query("SELECT code, name, address, latitude, longitude, time_zone, opening_hours, id FROM shops ORDER BY code");
  if (!shop_rows) return std::move(shop_rows).error();
  for (const auto& row : shop_rows->rows) {
    json::array counters;
    auto counter_rows = c.query("SELECT id, code FROM counters WHERE shop_id = ? ORDER BY code", {row.integer(7)});
    if (!counter_rows) return std::move(counter_rows).error();
    for (const auto& counter : counter_rows->rows) {
      auto served = c.query(
          "SELECT s.code FROM counter_services cs JOIN services s ON s.id = cs.service_id WHERE cs.counter_id = ? "
          "ORDER BY s.code",
          {counter.integer(0)});
      if (!served) return std::move(served).error();
      json::array codes;
      for (const auto& service : served->rows) codes.emplace_back(service.text(0));
      counters.push_back(json::object{{"code", counter.text(1)}, {"services", codes}});
    }
    json::array closures;
    auto closure_rows = c.query("SELECT day FROM shop_closures WHERE shop_id = ? ORDER BY day", {row.integer(7)});
    if (!closure_rows) return std::move(closure_rows).error();
    for (const auto& day : closure_rows->rows) closures.emplace_back(day.text(0));
    shops.push_back(json::object{{"code", row.text(0)},
                                 {"name", row.text(1)},
                                 {"address", row.text(2)},
                                 {"latitude", row.real(3)},
                                 {"longitude", row.real(4)},
                                 {"time_zone", row.text(5)},
                                 {"opening_hours", json::parse(row.text(6))},
                                 {"counters", counters},
                                 {"closures", closures}});
  }
  return json::serialize(json::object{{"administrations", administrations}, {"services", services}, {"shops", shops}});
}

Result<ServicePage> search_services(storage::Database& db, const ServiceQuery& query) {
  if (std::find(languages().begin(), languages().end(), query.lang) == languages().end()) {
    return make_error(Errc::bad_lang, "lang must be fr, pt, vi or en");
  }
  if (query.limit < 1 || query.limit > 500) {
    return make_error(Errc::bad_limit, "limit must be 1 to 500");
  }
  std::int64_t after = 0;
  if (!query.cursor.empty()) {
    auto [end, ec] = std::from_chars(query.cursor.data(), query.cursor.data() + query.cursor.size(), after);
    if (ec != std::errc() || end != query.cursor.data() + query.cursor.size() || after < 0) {
      return make_error(Errc::bad_cursor, "cursor must come from a previous page");
    }
  }
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  storage::Connection& c = **connection;
  std::string sql =
      "SELECT s.id, s.code, t.name, a.code, s.audience, s.channels, s.duration_minutes FROM services s "
      "JOIN service_texts t ON t.service_id = s.id AND t.lang = ? JOIN administrations a ON a.id = "
      "s.administration_id WHERE s.id > ?";
  storage::Params params{query.lang, after};
  if (!query.audience.empty()) {
    if (query.audience != "citizens" && query.audience != "businesses") {
      return make_error(Errc::bad_audience, "audience must be citizens or businesses");
    }
    sql += " AND s.audience IN (?, 'both')";
    params.emplace_back(query.audience);
  }
  if (!query.administration.empty()) {
    sql += " AND a.code = ?";
    params.emplace_back(query.administration);
  }
  if (!query.channel.empty()) {
    auto channel = parse_channel(query.channel);
    if (!channel) {
      return make_error(Errc::bad_channel, "channel must be in_person, video, online or phone");
    }
    // Integer division and modulo instead of a bitwise AND: the same SQL on both engines.
    sql += " AND (s.channels / ?) % 2 = 1";
    params.emplace_back(static_cast<std::int64_t>(*channel));
  }
  auto words = query_words(query.q);
  if (!words.empty()) {
    std::string expression;
    if (c.backend() == storage::Backend::sqlite) {
      for (const auto& w : words) expression += (expression.empty() ? "" : " ") + ("\"" + w + "\"*");
      sql += " AND s.id IN (SELECT service_id FROM service_search WHERE service_search MATCH ? AND lang = ?)";
      params.emplace_back(expression);
      params.emplace_back(query.lang);
    } else {
      for (const auto& w : words) expression += (expression.empty() ? "" : " & ") + w + ":*";
      sql += " AND to_tsvector('simple', t.search_text) @@ to_tsquery('simple', ?)";
      params.emplace_back(expression);
    }
  }
  sql += " ORDER BY s.id LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(query.limit + 1));
  auto rows = c.query(sql, params);
  if (!rows) return std::move(rows).error();
  ServicePage page;
  for (std::size_t i = 0; i < rows->rows.size() && i < static_cast<std::size_t>(query.limit); ++i) {
    const auto& row = rows->rows[i];
    page.services.push_back(ServiceSummary{row.integer(0), row.text(1), row.text(2), row.text(3), row.text(4),
                                           channel_names(static_cast<unsigned>(row.integer(5))),
                                           static_cast<int>(row.integer(6))});
  }
  if (rows->rows.size() > static_cast<std::size_t>(query.limit)) {
    page.next_cursor = std::to_string(page.services.back().id);
  }
  return page;
}

Result<std::vector<Shop>> list_shops(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT id, code, name, address, latitude, longitude, time_zone, opening_hours FROM shops "
                      "ORDER BY id");
  if (!rows) return std::move(rows).error();
  std::vector<Shop> shops;
  for (const auto& row : rows->rows) {
    shops.push_back(Shop{row.integer(0), row.text(1), row.text(2), row.text(3), row.real(4), row.real(5), row.text(6),
                         row.text(7)});
  }
  return shops;
}

Result<std::optional<ServiceDetail>> find_service(storage::Database& db, std::string_view code, std::string_view lang) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT s.id, s.code, t.name, a.code, s.audience, s.channels, s.duration_minutes, a.names, "
                      "t.description, t.documents, s.fee_cents, s.legal_basis FROM services s JOIN service_texts t ON "
                      "t.service_id = s.id AND t.lang = ? JOIN administrations a ON a.id = s.administration_id "
                      "WHERE s.code = ?",
                      {std::string(lang), std::string(code)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<ServiceDetail>();
  const auto& row = rows->rows[0];
  ServiceDetail detail;
  detail.summary = ServiceSummary{row.integer(0),
                                  row.text(1),
                                  row.text(2),
                                  row.text(3),
                                  row.text(4),
                                  channel_names(static_cast<unsigned>(row.integer(5))),
                                  static_cast<int>(row.integer(6))};
  json::value names = json::parse(row.text(7));
  if (names.is_object() && names.as_object().contains(lang)) detail.administration_name = str(names.at(lang));
  detail.description = row.text(8);
  json::value documents = json::parse(row.text(9));
  if (documents.is_array()) {
    for (const auto& d : documents.as_array()) {
      if (d.is_string()) detail.documents.push_back(str(d));
    }
  }
  detail.fee_cents = row.integer(10);
  detail.legal_basis = row.text(11);
  return std::optional<ServiceDetail>(std::move(detail));
}

Result<std::vector<AdministrationName>> list_administrations(storage::Database& db, std::string_view lang) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)->query("SELECT code, names FROM administrations");
  if (!rows) return std::move(rows).error();
  std::vector<AdministrationName> out;
  for (const auto& row : rows->rows) {
    json::value names = json::parse(row.text(1));
    std::string name = names.is_object() && names.as_object().contains(lang) ? str(names.at(lang)) : row.text(0);
    out.push_back(AdministrationName{row.text(0), name});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace guichet::catalogue
