#pragma once
// The catalogue of public services: administrations, their services (texts in the four
// languages, audience, channels, duration, fee, legal basis, documents to bring) and citizen
// shops. Loaded and saved as one JSON document (`guichet admin catalogue import|export`), searched
// accent-insensitively on both engines.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::catalogue {

// Lowercase ASCII words separated by single spaces: accents dropped (é→e, ệ→e, đ→d, ß→ss), every
// other character a separator. What search indexes and what queries are matched with.
std::string fold_for_search(std::string_view text);

enum Channel : unsigned { in_person = 1, video = 2, online = 4, phone = 8 };
std::vector<std::string> channel_names(unsigned channels);
std::optional<unsigned> parse_channel(std::string_view name);

// The features a shop's building is described by (`accessibility` in the catalogue document), in
// the order pages list them.
const std::vector<std::string>& accessibility_features();

struct ImportSummary {
  int administrations = 0;
  int services = 0;
  int shops = 0;
  int places = 0;
  int themes = 0;
};

// Validates the whole document first (each problem names its place, e.g. "services[3].texts.fr.name
// is empty"), then inserts or updates every entry by its `code`, in one transaction, and records
// `catalogue.imported`. Nothing is written when anything is wrong. The document's shape is in
// docs/CATALOGUE.md.
Result<ImportSummary> import_catalogue(storage::Database& db, std::string_view json, const std::string& actor,
                                       const Clock& clock);
// The whole catalogue in the import format.
Result<std::string> export_catalogue(storage::Database& db);

struct ServiceQuery {
  std::string q;               // words, matched as prefixes, all required, in any language's texts
  std::string audience;        // citizens or businesses (a "both" service matches either)
  std::string administration;  // its code
  std::string channel;         // in_person, video, online, phone
  std::string lang = "en";
  int limit = 50;        // 1 to 500
  std::string cursor{};  // from the previous page
  std::string theme{};   // a theme's or a life event's code
};

struct ServiceSummary {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::string administration;
  std::string audience;
  std::vector<std::string> channels;
  int duration_minutes = 0;
};

struct ServicePage {
  std::vector<ServiceSummary> services;  // named in the query's language
  std::string next_cursor;               // empty on the last page
  std::int64_t total = 0;                // every match, on every page
};

// Bad parameters are invalid_input errors naming the parameter. The words are looked for in the
// texts and keywords of every language, whatever the page's: "carta" finds the driving licence
// on an English page.
Result<ServicePage> search_services(storage::Database& db, const ServiceQuery& query);

// What the catalogue can be browsed by: themes (work, family, health…) and life events (having a
// baby, moving house…), in the catalogue document's order.
struct Theme {
  std::string code;
  std::string kind;  // theme or life_event
  std::string name;  // in the language asked for
  std::int64_t services = 0;
};
Result<std::vector<Theme>> list_themes(storage::Database& db, const std::string& lang);

// The services a home page offers first, up to `limit`: those of `most_booked` (ids, most first, as
// the bookings say) that exist, then the ones the catalogue's editors feature (`featured` rank),
// each once, named in `lang`.
Result<std::vector<ServiceSummary>> popular_services(storage::Database& db,
                                                     const std::vector<std::int64_t>& most_booked,
                                                     const std::string& lang, std::size_t limit);

// For a search that found nothing: the query with each word the catalogue does not know replaced
// by the nearest word it does (one edit away for words up to five letters, two beyond: "pasport"
// → "passport", "impots" → "impots" stays when known); nothing when no word changed.
Result<std::optional<std::string>> spelling_suggestion(storage::Database& db, std::string_view q);

struct ServiceDetail {
  ServiceSummary summary;
  std::string administration_name;
  std::string description;
  std::vector<std::string> documents;
  std::int64_t fee_cents = 0;
  std::string legal_basis;
};
Result<std::optional<ServiceDetail>> find_service(storage::Database& db, std::string_view code, std::string_view lang);

struct AdministrationName {
  std::string code;
  std::string name;
};
// Every administration, named in `lang`, sorted by name.
Result<std::vector<AdministrationName>> list_administrations(storage::Database& db, std::string_view lang);

struct Shop {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::string address;
  double latitude = 0;
  double longitude = 0;
  std::string time_zone;
  std::string opening_hours;  // JSON
};
Result<std::vector<Shop>> list_shops(storage::Database& db);

// A town of the gazetteer, found by what someone typed: a postcode ("1000-001", "1000", "75017")
// or a place name in any case, with or without accents ("evora", "Évora"). The place whose range
// holds the postcode, or whose name is the name typed (else begins with it), the shortest name
// first; nothing when none is known.
struct Place {
  std::string country;
  std::string name;
  std::string postcodes;  // the matched range, as people write it: "1000–1999", "75017"
  double latitude = 0;
  double longitude = 0;
};
Result<std::optional<Place>> find_place(storage::Database& db, std::string_view typed);

// The distance between two points on the Earth, in kilometres (haversine, mean radius).
double distance_km(double lat1, double lon1, double lat2, double lon2);

}  // namespace guichet::catalogue
