#pragma once
// Times as people read them, in their language and in the place's time zone, through ICU (CLDR's
// patterns): "Friday, December 4, 2026, 08:30 – 08:50 (Portugal Time)", "vendredi 4 décembre
// 2026, 08:30 – 08:50 (heure : Portugal)". ICU stays inside core/spoken_time.cpp.
#include <cstdint>
#include <string>
#include <string_view>

#include "guichet/core/clock.hpp"

namespace guichet {

// A visit from `start` to `end` on one day, in `lang` (BCP 47: "en", "fr", "pt", "vi"), in the
// IANA zone `time_zone`, with the zone's generic name. Falls back to the ISO form
// ("2026-12-04 08:30–08:50 (Europe/Lisbon)") if ICU cannot format it.
std::string spoken_interval(std::string_view lang, const std::string& time_zone, Instant start, Instant end);

// An instant as a day and a time in `time_zone`, with the zone's generic name: "3 December 2026
// at 14:05 (Portugal Time)". ISO on failure.
std::string spoken_instant(std::string_view lang, const std::string& time_zone, Instant at);

// A calendar day given as YYYY-MM-DD, in words: "2 December 2026", "2 décembre 2026". The text as
// given when it is not a valid day.
std::string spoken_day(std::string_view lang, std::string_view iso_day);

// A day of the coming weeks with its weekday and without the year: "Monday, December 7",
// "lundi 7 décembre", "segunda-feira, 7 de dezembro". The text as given when it is not a valid day.
std::string spoken_weekday(std::string_view lang, std::string_view iso_day);

// A day with its weekday and year: "Friday, 4 December 2026", "vendredi 4 décembre 2026". The text
// as given when it is not a valid day.
std::string spoken_full_day(std::string_view lang, std::string_view iso_day);

// The weekday of a YYYY-MM-DD day alone: "Monday", "lundi", "segunda-feira", "Thứ Hai".
std::string weekday_name(std::string_view lang, std::string_view iso_day);

// The zone's name as people of `lang` say it: "Portugal Time", "heure : Portugal", "Giờ Việt
// Nam". The IANA name when ICU does not know the zone.
std::string spoken_zone(std::string_view lang, const std::string& time_zone);

// The country (ISO 3166 alpha-2) a zone belongs to, "PT" for Europe/Lisbon or Atlantic/Azores;
// empty when it has none ("UTC").
std::string zone_country(const std::string& time_zone);

// The plural category of `n` in `lang` (CLDR's rules through ICU): "one" or "other" in English
// and Portuguese, "one" for 0 and 1 in French, always "other" in Vietnamese; a message key's
// suffix ("services_count_one").
std::string plural_category(std::string_view lang, std::int64_t n);

// An amount of euros given in cents, as `lang` writes money: "€18.50", "18,50 €".
std::string spoken_euros(std::string_view lang, std::int64_t cents);

// A distance as `lang` writes it, one decimal under 10 km and none above: "2.4 km", "2,4 km", "12 km".
std::string spoken_kilometres(std::string_view lang, double km);

}  // namespace guichet
