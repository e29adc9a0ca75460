#include "guichet/catalogue/catalogue.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "document.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/core/utf8.hpp"

namespace guichet::catalogue {
namespace json = boost::json;
namespace {

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
  if (!query.theme.empty()) {
    sql +=
        " AND s.id IN (SELECT st.service_id FROM service_themes st JOIN themes t ON t.id = st.theme_id WHERE t.code = "
        "?)";
    params.emplace_back(query.theme);
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
    // Any language's text: a service matches when one of its four texts holds every word.
    std::string expression;
    if (c.backend() == storage::Backend::sqlite) {
      for (const auto& w : words) expression += (expression.empty() ? "" : " ") + ("\"" + w + "\"*");
      sql += " AND s.id IN (SELECT service_id FROM service_search WHERE service_search MATCH ?)";
    } else {
      for (const auto& w : words) expression += (expression.empty() ? "" : " & ") + w + ":*";
      sql +=
          " AND s.id IN (SELECT service_id FROM service_texts WHERE to_tsvector('simple', search_text) @@ "
          "to_tsquery('simple', ?))";
    }
    params.emplace_back(expression);
  }
  // The count of every match: the same conditions, from the first page on.
  storage::Params count_params = params;
  count_params[1] = std::int64_t{0};
  auto counted = c.query("SELECT COUNT(*) FROM (" + sql + ") matches", count_params);
  if (!counted) return std::move(counted).error();
  sql += " ORDER BY s.id LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(query.limit + 1));
  auto rows = c.query(sql, params);
  if (!rows) return std::move(rows).error();
  ServicePage page;
  page.total = counted->rows.at(0).integer(0);
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

Result<std::vector<ServiceSummary>> popular_services(storage::Database& db,
                                                     const std::vector<std::int64_t>& most_booked,
                                                     const std::string& lang, std::size_t limit) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  std::string sql =
      "SELECT s.id, s.code, t.name, a.code, s.audience, s.channels, s.duration_minutes, s.featured FROM services s "
      "JOIN service_texts t ON t.service_id = s.id AND t.lang = ? JOIN administrations a ON a.id = "
      "s.administration_id WHERE s.featured IS NOT NULL";
  storage::Params params{lang};
  if (!most_booked.empty()) {
    sql += " OR s.id IN " + storage::in_list(most_booked.size());
    params.insert(params.end(), most_booked.begin(), most_booked.end());
  }
  sql += " ORDER BY s.featured, s.id";
  auto rows = (*connection)->query(sql, params);
  if (!rows) return std::move(rows).error();
  std::map<std::int64_t, ServiceSummary> found;
  std::vector<std::int64_t> featured;  // by rank
  for (const auto& row : rows->rows) {
    found[row.integer(0)] = ServiceSummary{row.integer(0),
                                           row.text(1),
                                           row.text(2),
                                           row.text(3),
                                           row.text(4),
                                           channel_names(static_cast<unsigned>(row.integer(5))),
                                           static_cast<int>(row.integer(6))};
    if (!row.is_null(7)) featured.push_back(row.integer(0));
  }
  std::vector<ServiceSummary> out;
  std::set<std::int64_t> taken;
  auto take = [&](std::int64_t id) {
    auto it = found.find(id);
    if (out.size() < limit && it != found.end() && taken.insert(id).second) out.push_back(it->second);
  };
  for (auto id : most_booked) take(id);
  for (auto id : featured) take(id);
  return out;
}

Result<std::vector<Theme>> list_themes(storage::Database& db, const std::string& lang) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT t.code, t.kind, t.names, (SELECT COUNT(*) FROM service_themes st WHERE st.theme_id = "
                      "t.id) FROM themes t ORDER BY t.position, t.code");
  if (!rows) return std::move(rows).error();
  std::vector<Theme> themes;
  themes.reserve(rows->size());
  for (const auto& row : rows->rows) {
    boost::system::error_code ec;
    const boost::json::value names = boost::json::parse(row.text(2), ec);
    std::string name = row.text(0);
    if (!ec && names.is_object()) {
      const auto& o = names.as_object();
      if (const auto* n = o.if_contains(lang); n != nullptr && n->is_string()) {
        name = std::string(n->as_string());
      } else if (const auto* en = o.if_contains("en"); en != nullptr && en->is_string()) {
        name = std::string(en->as_string());
      }
    }
    themes.push_back(Theme{row.text(0), row.text(1), std::move(name), row.integer(3)});
  }
  return themes;
}

namespace {

// Edits between two words (optimal string alignment: insertions, deletions, substitutions and
// swaps of neighbours), stopping once past `limit`.
int edits_between(std::string_view a, std::string_view b, int limit) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if (static_cast<int>(n > m ? n - m : m - n) > limit) return limit + 1;
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    int best = limit + 1;
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      best = std::min(best, d[i][j]);
    }
    if (best > limit) return limit + 1;
  }
  return d[n][m];
}

}  // namespace

Result<std::optional<std::string>> spelling_suggestion(storage::Database& db, std::string_view q) {
  auto words = query_words(q);
  if (words.empty()) return std::optional<std::string>();
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  // The catalogue's words near the query's lengths, with how often they occur (import keeps them).
  std::size_t shortest = words.front().size();
  std::size_t longest = shortest;
  for (const auto& w : words) {
    shortest = std::min(shortest, w.size());
    longest = std::max(longest, w.size());
  }
  auto rows =
      (*connection)
          ->query("SELECT word, occurrences FROM search_words WHERE letters BETWEEN ? AND ? ORDER BY word",
                  {static_cast<std::int64_t>(shortest > 2 ? shortest - 2 : 0), static_cast<std::int64_t>(longest + 2)});
  if (!rows) return std::move(rows).error();
  std::map<std::string, std::int64_t> vocabulary;
  for (const auto& row : rows->rows) vocabulary.emplace(row.text(0), row.integer(1));
  bool changed = false;
  std::string suggestion;
  for (const auto& word : words) {
    std::string chosen = word;
    const bool known = std::any_of(vocabulary.lower_bound(word), vocabulary.end(),
                                   [&](const auto& entry) { return entry.first.compare(0, word.size(), word) == 0; });
    if (!known && word.size() >= 3) {
      const int limit = word.size() <= 5 ? 1 : 2;
      int best_edits = limit + 1;
      std::int64_t best_count = 0;
      for (const auto& [candidate, count] : vocabulary) {
        const int edits = edits_between(word, candidate, limit);
        if (edits < best_edits || (edits == best_edits && edits <= limit && count > best_count)) {
          best_edits = edits;
          best_count = count;
          chosen = candidate;
        }
      }
      if (best_edits > limit) chosen = word;
    }
    changed = changed || chosen != word;
    suggestion += (suggestion.empty() ? "" : " ") + chosen;
  }
  if (!changed) return std::optional<std::string>();
  return std::optional<std::string>(suggestion);
}

double distance_km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadius = 6371.0088;
  constexpr double kDegree = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * kDegree;
  const double dlon = (lon2 - lon1) * kDegree;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kDegree) * std::cos(lat2 * kDegree) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kRadius * std::asin(std::min(1.0, std::sqrt(a)));
}

Result<std::optional<Place>> find_place(storage::Database& db, std::string_view typed) {
  std::string digits;
  bool only_postcode_characters = true;
  for (char ch : typed) {
    if (ch >= '0' && ch <= '9') {
      digits += ch;
    } else if (ch != ' ' && ch != '-') {
      only_postcode_characters = false;
    }
  }
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto place_of = [](const storage::Row& row) {
    Place place{row.text(0), row.text(1), row.text(2), row.real(4), row.real(5)};
    if (row.text(3) != place.postcodes) place.postcodes += "–" + row.text(3);
    return place;
  };
  constexpr const char* kColumns = "SELECT country, name, postcode_from, postcode_to, latitude, longitude FROM places ";
  if (only_postcode_characters && digits.size() >= 4 && digits.size() <= 8) {
    // Ranges are compared on as many first digits as they have: Portugal's 1000-001 is "1000".
    for (std::size_t length = std::min<std::size_t>(digits.size(), 8); length >= 4; --length) {
      const std::string prefix = digits.substr(0, length);
      auto rows = (*connection)
                      ->query(std::string(kColumns) +
                                  "WHERE postcode_from <= ? AND postcode_to >= ? AND length(postcode_from) = ? "
                                  "ORDER BY postcode_from DESC LIMIT 1",
                              {prefix, prefix, static_cast<std::int64_t>(length)});
      if (!rows) return std::move(rows).error();
      if (!rows->empty()) return std::optional<Place>(place_of(rows->rows[0]));
    }
    return std::optional<Place>();
  }
  const std::string folded = fold_for_search(typed);
  if (folded.size() < 2 || folded.size() > 200) return std::optional<Place>();
  auto exact =
      (*connection)->query(std::string(kColumns) + "WHERE folded_name = ? ORDER BY postcode_from LIMIT 1", {folded});
  if (!exact) return std::move(exact).error();
  if (!exact->empty()) return std::optional<Place>(place_of(exact->rows[0]));
  // "vila nova" finds Vila Nova de Gaia: the shortest name that begins with what was typed.
  auto begins = (*connection)
                    ->query(std::string(kColumns) +
                                "WHERE folded_name LIKE ? ORDER BY length(folded_name), postcode_from LIMIT 1",
                            {folded + "%"});  // folded: letters, digits and spaces, never a wildcard
  if (!begins) return std::move(begins).error();
  if (!begins->empty()) return std::optional<Place>(place_of(begins->rows[0]));
  return std::optional<Place>();
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
