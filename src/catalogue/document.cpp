#include "document.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/utf8.hpp"

namespace guichet::catalogue {
namespace json = boost::json;

const std::vector<std::string>& languages() {
  static const std::vector<std::string> langs{"fr", "pt", "vi", "en"};
  return langs;
}

Error invalid(const std::string& where, const std::string& what) {
  return make_error(Errc::catalogue_invalid, where + " " + what);
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

namespace {

bool valid_code(std::string_view code) {
  return !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// What is wrong with a text of at most `max` bytes (line breaks allowed), said as the import's
// message goes on from the place's name; nothing when it is fine.
std::optional<std::string> text_problem(const json::value* v, std::size_t max) {
  if (v == nullptr || !v->is_string() || v->as_string().empty()) return "is missing or empty";
  const auto& s = v->as_string();
  if (s.size() > max) return "is longer than " + std::to_string(max) + " bytes";
  if (!is_valid_utf8(std::string_view(s.data(), s.size()))) return "is not valid UTF-8";
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; })) {
    return "contains a control character (only line breaks are allowed)";
  }
  return std::nullopt;
}

bool valid_day(std::string_view text) { return parse_iso_day(text).has_value(); }

bool valid_time_zone(std::string_view zone) { return find_time_zone(zone) != nullptr; }

// A shop's or a place's latitude and longitude: numbers within ±90 and ±180.
std::optional<Error> coordinates_problem(const json::object& o, const std::string& at) {
  for (const char* name : {"latitude", "longitude"}) {
    const json::value* v = o.if_contains(name);
    double limit = std::string_view(name) == "latitude" ? 90 : 180;
    if (v == nullptr || !v->is_number() || std::abs(v->to_number<double>()) > limit) {
      return invalid(at + "." + name, "must be a number within ±" + std::to_string(static_cast<int>(limit)));
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& accessibility_features() {
  static const std::vector<std::string> features{"step_free_entrance", "accessible_toilet", "hearing_loop",
                                                 "accessible_parking", "sign_language"};
  return features;
}

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
  doc.places = array_of("places");
  doc.themes = array_of("themes");
  std::set<std::string> theme_codes;
  for (std::size_t i = 0; i < doc.themes.size(); ++i) {
    std::string at = "themes[" + std::to_string(i) + "]";
    if (!doc.themes[i].is_object()) return invalid(at, "must be an object");
    const auto& t = doc.themes[i].as_object();
    const json::value* code = t.if_contains("code");
    if (code == nullptr || !code->is_string() || !valid_code(code->as_string())) {
      return invalid(at + ".code", "must be lowercase letters, digits and dashes");
    }
    if (!theme_codes.insert(str(*code)).second) return invalid(at + ".code", "is repeated");
    const json::value* kind = t.if_contains("kind");
    if (kind == nullptr || !kind->is_string() || (kind->as_string() != "theme" && kind->as_string() != "life_event")) {
      return invalid(at + ".kind", "must be theme or life_event");
    }
    const json::value* names = t.if_contains("names");
    for (const auto& lang : languages()) {
      if (auto problem = text_problem(
              names != nullptr && names->is_object() ? names->as_object().if_contains(lang) : nullptr, 200)) {
        return invalid(at + ".names." + lang, *problem);
      }
    }
  }
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
      if (auto problem = text_problem(
              names != nullptr && names->is_object() ? names->as_object().if_contains(lang) : nullptr, 300)) {
        return invalid(at + ".names." + lang, *problem);
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
    if (const json::value* keywords = s.if_contains("keywords")) {
      if (!keywords->is_array() || keywords->as_array().size() > 30) {
        return invalid(at + ".keywords", "must be a list of at most 30 words");
      }
      for (const auto& word : keywords->as_array()) {
        if (auto problem = text_problem(&word, 100)) return invalid(at + ".keywords: an entry", *problem);
      }
    }
    if (const json::value* featured = s.if_contains("featured");
        featured != nullptr && (!featured->is_int64() || featured->as_int64() < 1 || featured->as_int64() > 1000)) {
      return invalid(at + ".featured", "must be a rank from 1 to 1000");
    }
    if (const json::value* themes = s.if_contains("themes")) {
      if (!themes->is_array() || themes->as_array().size() > 10) {
        return invalid(at + ".themes", "must be a list of at most 10 theme codes");
      }
      for (const auto& theme : themes->as_array()) {
        if (!theme.is_string() || !valid_code(theme.as_string())) {
          return invalid(at + ".themes", "must list theme codes (lowercase letters, digits and dashes)");
        }
      }
    }
    const json::value* texts = s.if_contains("texts");
    for (const auto& lang : languages()) {
      std::string where = at + ".texts." + lang;
      const json::value* t = texts != nullptr && texts->is_object() ? texts->as_object().if_contains(lang) : nullptr;
      if (t == nullptr || !t->is_object()) return invalid(where, "is missing");
      if (auto problem = text_problem(t->as_object().if_contains("name"), 300))
        return invalid(where + ".name", *problem);
      if (auto problem = text_problem(t->as_object().if_contains("description"), 4000)) {
        return invalid(where + ".description", *problem);
      }
      const json::value* documents = t->as_object().if_contains("documents");
      if (documents != nullptr) {
        if (!documents->is_array()) return invalid(where + ".documents", "must be a list of texts");
        for (const auto& d : documents->as_array()) {
          if (auto problem = text_problem(&d, 500)) return invalid(where + ".documents: an entry", *problem);
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
    if (auto problem = text_problem(s.if_contains("name"), 300)) return invalid(at + ".name", *problem);
    if (auto problem = text_problem(s.if_contains("address"), 500)) return invalid(at + ".address", *problem);
    if (auto problem = coordinates_problem(s, at)) return *problem;
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
        const json::value* counter_code = counter.is_object() ? counter.as_object().if_contains("code") : nullptr;
        if (counter_code == nullptr || !counter_code->is_string() || !valid_code(counter_code->as_string())) {
          return invalid(where + ".code", "must be lowercase letters, digits and dashes");
        }
        if (!counter_codes.insert(str(*counter_code)).second) return invalid(where + ".code", "is repeated");
        const json::value* served = counter.as_object().if_contains("services");
        if (served == nullptr || !served->is_array() || served->as_array().empty()) {
          return invalid(where + ".services", "must list the codes of the services it serves");
        }
        for (const auto& service : served->as_array()) {
          if (!service.is_string()) return invalid(where + ".services", "must list service codes");
        }
      }
    }
    if (const json::value* accessibility = s.if_contains("accessibility")) {
      if (!accessibility->is_object()) return invalid(at + ".accessibility", "must be an object");
      for (const auto& [key, value] : accessibility->as_object()) {
        const std::string name(key);
        if (name == "notes") {
          for (const auto& lang : languages()) {
            if (auto problem = text_problem(value.is_object() ? value.as_object().if_contains(lang) : nullptr, 500)) {
              return invalid(at + ".accessibility.notes." + lang, *problem);
            }
          }
          continue;
        }
        const auto& known = accessibility_features();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
          return invalid(at + ".accessibility." + name, "is not a feature this catalogue knows");
        }
        if (!value.is_bool()) return invalid(at + ".accessibility." + name, "must be true or false");
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
  std::set<std::string> place_keys;
  for (std::size_t i = 0; i < doc.places.size(); ++i) {
    std::string at = "places[" + std::to_string(i) + "]";
    if (!doc.places[i].is_object()) return invalid(at, "must be an object");
    const auto& p = doc.places[i].as_object();
    const json::value* country = p.if_contains("country");
    if (country == nullptr || !country->is_string() || country->as_string().size() != 2 ||
        !std::all_of(country->as_string().begin(), country->as_string().end(),
                     [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      return invalid(at + ".country", "must be an ISO 3166 country code such as PT");
    }
    if (auto problem = text_problem(p.if_contains("name"), 200)) return invalid(at + ".name", *problem);
    if (auto problem = coordinates_problem(p, at)) return *problem;
    const json::value* postcodes = p.if_contains("postcodes");
    if (postcodes == nullptr || !postcodes->is_array() || postcodes->as_array().empty()) {
      return invalid(at + ".postcodes", "must list ranges such as \"1000-1999\"");
    }
    for (const auto& range : postcodes->as_array()) {
      const std::string text = range.is_string() ? str(range) : "";
      const auto dash = text.find('-');
      const std::string from = text.substr(0, dash);
      const std::string to = dash == std::string::npos ? from : text.substr(dash + 1);
      auto digits = [](const std::string& t) {
        return !t.empty() && t.size() <= 8 &&
               std::all_of(t.begin(), t.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      };
      if (!digits(from) || !digits(to) || from.size() != to.size() || to < from) {
        return invalid(at + ".postcodes", "must list ranges of digits such as \"1000-1999\" or \"75017\"");
      }
      if (!place_keys.insert(str(*country) + "/" + str(p.at("name")) + "/" + from).second) {
        return invalid(at + ".postcodes", "repeats a range of this place");
      }
    }
  }
  return doc;
}

}  // namespace guichet::catalogue
