#include <boost/json.hpp>

#include <map>

#include "document.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/identity/audit.hpp"

// Importing a catalogue document (all or nothing, updating by code) and exporting it again.
namespace guichet::catalogue {
namespace json = boost::json;

namespace {

// The vocabulary spelling suggestions are drawn from: every word of three letters or more in the
// texts, counted, written in batches so a whole catalogue is a few statements.
Result<void> rebuild_search_words(storage::Connection& c) {
  auto rows = c.query("SELECT search_text FROM service_texts");
  if (!rows) return std::move(rows).error();
  std::map<std::string, std::int64_t> vocabulary;
  for (const auto& row : rows->rows) {
    const std::string text = row.text(0);
    std::size_t at = 0;
    while (at < text.size()) {
      auto end = text.find(' ', at);
      if (end == std::string::npos) end = text.size();
      if (end - at >= 3) ++vocabulary[text.substr(at, end - at)];
      at = end + 1;
    }
  }
  if (auto cleared = c.execute("DELETE FROM search_words"); !cleared) return std::move(cleared).error();
  constexpr std::size_t kBatch = 200;
  auto word = vocabulary.begin();
  while (word != vocabulary.end()) {
    std::string sql = "INSERT INTO search_words (word, letters, occurrences) VALUES ";
    storage::Params params;
    for (std::size_t n = 0; n < kBatch && word != vocabulary.end(); ++n, ++word) {
      sql += n == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
      params.emplace_back(word->first);
      params.emplace_back(static_cast<std::int64_t>(word->first.size()));
      params.emplace_back(word->second);
    }
    if (auto inserted = c.execute(sql, params); !inserted) return std::move(inserted).error();
  }
  return {};
}

}  // namespace

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
    // Themes and life events, upserted by code, in the document's order.
    for (std::size_t i = 0; i < doc.themes.size(); ++i) {
      const auto& t = doc.themes[i].as_object();
      auto stored = c.execute(
          "INSERT INTO themes (code, kind, names, position) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
          "kind = excluded.kind, names = excluded.names, position = excluded.position",
          {str(t.at("code")), str(t.at("kind")), json::serialize(t.at("names")), static_cast<std::int64_t>(i)});
      if (!stored) return std::move(stored).error();
      ++summary.themes;
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
      json::array keywords;
      std::string keyword_text;
      if (const json::value* k = s.if_contains("keywords")) {
        keywords = k->as_array();
        for (const auto& word : keywords) keyword_text += " " + str(word);
      }
      auto stored = c.query(
          "INSERT INTO services (code, administration_id, audience, channels, duration_minutes, fee_cents, "
          "legal_basis, keywords, featured) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
          "administration_id = excluded.administration_id, audience = excluded.audience, channels = "
          "excluded.channels, duration_minutes = excluded.duration_minutes, fee_cents = excluded.fee_cents, "
          "legal_basis = excluded.legal_basis, keywords = excluded.keywords, featured = excluded.featured RETURNING id",
          {str(s.at("code")), administration->rows[0].integer(0), str(s.at("audience")),
           static_cast<std::int64_t>(channels), s.at("duration_minutes").as_int64(),
           fee != nullptr ? fee->as_int64() : std::int64_t{0}, basis != nullptr ? str(*basis) : std::string(),
           json::serialize(keywords),
           s.contains("featured") ? storage::Value(s.at("featured").as_int64()) : storage::Value(nullptr)});
      if (!stored) return std::move(stored).error();
      const std::int64_t id = stored->rows.at(0).integer(0);
      // The themes it is listed under: exactly those the document names.
      if (auto r = c.execute("DELETE FROM service_themes WHERE service_id = ?", {id}); !r) return std::move(r).error();
      if (const json::value* themes = s.if_contains("themes")) {
        for (const auto& theme : themes->as_array()) {
          auto listed = c.execute(
              "INSERT INTO service_themes (service_id, theme_id) SELECT ?, id FROM themes WHERE code = ? ON CONFLICT "
              "DO NOTHING",
              {id, str(theme)});
          if (!listed) return std::move(listed).error();
          auto known = c.query("SELECT 1 FROM themes WHERE code = ?", {str(theme)});
          if (!known) return std::move(known).error();
          if (known->empty()) {
            return invalid("services[" + std::to_string(i) + "].themes", "names an unknown theme " + str(theme));
          }
        }
      }
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
        std::string search =
            fold_for_search(str(t.at("name")) + " " + str(t.at("description")) + " " + admin_name + keyword_text);
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
          "INSERT INTO shops (code, name, address, latitude, longitude, time_zone, opening_hours, accessibility) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, address = "
          "excluded.address, latitude = excluded.latitude, longitude = excluded.longitude, time_zone = "
          "excluded.time_zone, opening_hours = excluded.opening_hours, accessibility = excluded.accessibility "
          "RETURNING id",
          {str(s.at("code")), str(s.at("name")), str(s.at("address")), s.at("latitude").to_number<double>(),
           s.at("longitude").to_number<double>(), str(s.at("time_zone")), json::serialize(s.at("opening_hours")),
           s.contains("accessibility") ? json::serialize(s.at("accessibility")) : std::string("{}")});
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
    // Each place listed is replaced with its ranges; places not listed stay.
    for (const auto& item : doc.places) {
      const auto& p = item.as_object();
      const std::string country = str(p.at("country"));
      const std::string name = str(p.at("name"));
      if (auto cleared = c.execute("DELETE FROM places WHERE country = ? AND name = ?", {country, name}); !cleared) {
        return std::move(cleared).error();
      }
      for (const auto& range : p.at("postcodes").as_array()) {
        const std::string text = str(range);
        const auto dash = text.find('-');
        const std::string from = text.substr(0, dash);
        const std::string to = dash == std::string::npos ? from : text.substr(dash + 1);
        auto inserted = c.execute(
            "INSERT INTO places (country, name, folded_name, postcode_from, postcode_to, latitude, longitude) VALUES "
            "(?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            {country, name, fold_for_search(name), from, to, p.at("latitude").to_number<double>(),
             p.at("longitude").to_number<double>()});
        if (!inserted) return std::move(inserted).error();
      }
      ++summary.places;
    }
    if (summary.services > 0) {
      if (auto rebuilt = rebuild_search_words(c); !rebuilt) return std::move(rebuilt).error();
    }
    json::object details{{"administrations", summary.administrations},
                         {"services", summary.services},
                         {"shops", summary.shops},
                         {"places", summary.places},
                         {"themes", summary.themes}};
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
      "SELECT s.id, s.code, a.code, s.audience, s.channels, s.duration_minutes, s.fee_cents, s.legal_basis, "
      "s.keywords, s.featured FROM services s JOIN administrations a ON a.id = s.administration_id ORDER BY s.code");
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
    json::object service{{"code", row.text(1)},
                         {"administration", row.text(2)},
                         {"audience", row.text(3)},
                         {"channels", channels},
                         {"duration_minutes", row.integer(5)},
                         {"fee_cents", row.integer(6)},
                         {"legal_basis", row.text(7)},
                         {"texts", texts}};
    json::value keywords = json::parse(row.text(8));
    if (keywords.is_array() && !keywords.as_array().empty()) service["keywords"] = keywords;
    if (!row.is_null(9)) service["featured"] = row.integer(9);
    auto theme_rows = c.query(
        "SELECT t.code FROM service_themes st JOIN themes t ON t.id = st.theme_id WHERE st.service_id = ? ORDER BY "
        "t.position, t.code",
        {row.integer(0)});
    if (!theme_rows) return std::move(theme_rows).error();
    json::array themes;
    for (const auto& t : theme_rows->rows) themes.emplace_back(t.text(0));
    if (!themes.empty()) service["themes"] = themes;
    services.push_back(std::move(service));
  }
  json::array shops;
  auto shop_rows = c.query(
      "SELECT code, name, address, latitude, longitude, time_zone, opening_hours, id, accessibility FROM shops "
      "ORDER BY code");
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
    json::object shop{{"code", row.text(0)},
                      {"name", row.text(1)},
                      {"address", row.text(2)},
                      {"latitude", row.real(3)},
                      {"longitude", row.real(4)},
                      {"time_zone", row.text(5)},
                      {"opening_hours", json::parse(row.text(6))},
                      {"counters", counters},
                      {"closures", closures}};
    json::value accessibility = json::parse(row.text(8));
    if (accessibility.is_object() && !accessibility.as_object().empty()) shop["accessibility"] = accessibility;
    shops.push_back(std::move(shop));
  }
  // The gazetteer, each place once with its ranges.
  json::array places;
  auto place_rows = c.query(
      "SELECT country, name, postcode_from, postcode_to, latitude, longitude FROM places ORDER BY country, name, "
      "postcode_from");
  if (!place_rows) return std::move(place_rows).error();
  for (const auto& row : place_rows->rows) {
    const std::string range = row.text(2) == row.text(3) ? row.text(2) : row.text(2) + "-" + row.text(3);
    if (!places.empty() && places.back().at("country").as_string() == row.text(0) &&
        places.back().at("name").as_string() == row.text(1)) {
      places.back().as_object()["postcodes"].as_array().emplace_back(range);
      continue;
    }
    places.push_back(json::object{{"country", row.text(0)},
                                  {"name", row.text(1)},
                                  {"postcodes", json::array{json::value(range)}},
                                  {"latitude", row.real(4)},
                                  {"longitude", row.real(5)}});
  }
  json::array themes;
  auto theme_rows = c.query("SELECT code, kind, names FROM themes ORDER BY position, code");
  if (!theme_rows) return std::move(theme_rows).error();
  for (const auto& row : theme_rows->rows) {
    themes.push_back(json::object{{"code", row.text(0)}, {"kind", row.text(1)}, {"names", json::parse(row.text(2))}});
  }
  json::object document{{"administrations", administrations}, {"services", services}, {"shops", shops}};
  if (!places.empty()) document["places"] = places;
  if (!themes.empty()) document["themes"] = themes;
  return json::serialize(document);
}
}  // namespace guichet::catalogue
