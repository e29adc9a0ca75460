#include "guichet/core/spoken_time.hpp"

#include <unicode/datefmt.h>
#include <unicode/dtitvfmt.h>
#include <unicode/dtptngen.h>
#include <unicode/locid.h>
#include <unicode/numberformatter.h>
#include <unicode/plurrule.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>
#include <sstream>

#include <date/tz.h>

namespace guichet {
namespace {

std::string utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::string iso_fallback(const std::string& time_zone, Instant start, Instant end) {
  auto local = [&](Instant t, const char* format) {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
    try {
      return date::format(format, date::make_zoned(time_zone, seconds).get_local_time());
    } catch (const std::exception&) {
      return date::format(format, seconds);
    }
  };
  return local(start, "%F %H:%M") + "–" + local(end, "%H:%M") + " (" + time_zone + ")";
}

// Making a formatter loads CLDR data (a fraction of a millisecond); each thread keeps one per
// language (ICU formatters are not shared between threads).
icu::DateIntervalFormat* interval_format(const std::string& lang) {
  thread_local std::map<std::string, std::unique_ptr<icu::DateIntervalFormat>> formats;
  auto& slot = formats[lang];
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    // Weekday, day, month in words, year, and the hour in 24-hour form with minutes.
    slot.reset(icu::DateIntervalFormat::createInstance(icu::UnicodeString("yMMMMEEEEdHHmm"), icu::Locale(lang.c_str()),
                                                       status));
    if (U_FAILURE(status)) slot.reset();
  }
  return slot.get();
}

}  // namespace

std::string spoken_interval(std::string_view lang, const std::string& time_zone, Instant start, Instant end) {
  const std::string language(lang);
  icu::DateIntervalFormat* format = interval_format(language);
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
  if (format == nullptr || !zone || *zone == icu::TimeZone::getUnknown()) return iso_fallback(time_zone, start, end);
  format->setTimeZone(*zone);
  const auto millis = [](Instant t) {
    return static_cast<UDate>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
  };
  icu::DateInterval interval(millis(start), millis(end));
  icu::UnicodeString text;
  icu::FieldPosition position;
  UErrorCode status = U_ZERO_ERROR;
  format->format(&interval, text, position, status);
  if (U_FAILURE(status)) return iso_fallback(time_zone, start, end);
  icu::UnicodeString zone_name;
  zone->getDisplayName(false, icu::TimeZone::GENERIC_LOCATION, icu::Locale(language.c_str()), zone_name);
  return utf8(text) + " (" + utf8(zone_name) + ")";
}

namespace {

// A formatter of `skeleton` in `lang`, one per thread, language and skeleton (ICU's are not shared
// between threads).
icu::SimpleDateFormat* day_format(const std::string& lang, const char* skeleton) {
  thread_local std::map<std::string, std::unique_ptr<icu::SimpleDateFormat>> formats;
  auto& slot = formats[lang + "/" + skeleton];
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Locale locale(lang.c_str());
    std::unique_ptr<icu::DateTimePatternGenerator> generator(
        icu::DateTimePatternGenerator::createInstance(locale, status));
    if (U_FAILURE(status)) return nullptr;
    icu::UnicodeString pattern = generator->getBestPattern(icu::UnicodeString(skeleton), status);
    if (U_FAILURE(status)) return nullptr;
    slot = std::make_unique<icu::SimpleDateFormat>(pattern, locale, status);
    if (U_FAILURE(status)) slot.reset();
  }
  return slot.get();
}

UDate to_udate(Instant t) {
  return static_cast<UDate>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

}  // namespace

std::string spoken_instant(std::string_view lang, const std::string& time_zone, Instant at) {
  const std::string language(lang);
  icu::SimpleDateFormat* format = day_format(language, "yMMMMdHHmm");
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
  if (format == nullptr || !zone || *zone == icu::TimeZone::getUnknown()) {
    return date::format("%F %H:%M UTC", seconds);
  }
  format->setTimeZone(*zone);
  icu::UnicodeString text;
  format->format(to_udate(at), text);
  icu::UnicodeString zone_name;
  zone->getDisplayName(false, icu::TimeZone::GENERIC_LOCATION, icu::Locale(language.c_str()), zone_name);
  return utf8(text) + " (" + utf8(zone_name) + ")";
}

namespace {
// A YYYY-MM-DD day through an ICU skeleton; the text as given when it is not a valid day.
std::string day_in_words(std::string_view lang, std::string_view iso_day, const char* skeleton) {
  date::year_month_day day{};
  std::istringstream in{std::string(iso_day)};
  in >> date::parse("%F", day);
  if (in.fail() || !day.ok()) return std::string(iso_day);
  icu::SimpleDateFormat* format = day_format(std::string(lang), skeleton);
  if (format == nullptr) return std::string(iso_day);
  // Noon UTC of that day, formatted in UTC, so no zone moves it to another day.
  std::unique_ptr<icu::TimeZone> utc(icu::TimeZone::createTimeZone("UTC"));
  format->setTimeZone(*utc);
  const auto noon = date::sys_days(day) + std::chrono::hours(12);
  icu::UnicodeString text;
  format->format(to_udate(Instant(std::chrono::duration_cast<Instant::duration>(noon.time_since_epoch()))), text);
  return utf8(text);
}
}  // namespace

std::string spoken_day(std::string_view lang, std::string_view iso_day) {
  return day_in_words(lang, iso_day, "yMMMMd");
}

std::string spoken_weekday(std::string_view lang, std::string_view iso_day) {
  return day_in_words(lang, iso_day, "MMMMEEEEd");
}

std::string spoken_full_day(std::string_view lang, std::string_view iso_day) {
  return day_in_words(lang, iso_day, "yMMMMEEEEd");
}

std::string weekday_name(std::string_view lang, std::string_view iso_day) {
  return day_in_words(lang, iso_day, "EEEE");
}

std::string spoken_zone(std::string_view lang, const std::string& time_zone) {
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
  if (!zone || *zone == icu::TimeZone::getUnknown()) return time_zone;
  icu::UnicodeString name;
  zone->getDisplayName(false, icu::TimeZone::GENERIC_LOCATION, icu::Locale(std::string(lang).c_str()), name);
  return utf8(name);
}

std::string zone_country(const std::string& time_zone) {
  UErrorCode status = U_ZERO_ERROR;
  char region[8] = {};
  const int32_t length =
      icu::TimeZone::getRegion(icu::UnicodeString::fromUTF8(time_zone), region, sizeof region, status);
  if (U_FAILURE(status) || length != 2) return {};  // "001": the world, no country
  return std::string(region, 2);
}

std::string plural_category(std::string_view lang, std::int64_t n) {
  UErrorCode status = U_ZERO_ERROR;
  // Guichet's Portuguese is Portugal's, whose rules differ from Brazil's for 0.
  const icu::Locale locale(lang == "pt" ? "pt_PT" : std::string(lang).c_str());
  std::unique_ptr<icu::PluralRules> rules(icu::PluralRules::forLocale(locale, status));
  if (U_FAILURE(status) || !rules) return n == 1 ? "one" : "other";
  const std::string category = utf8(rules->select(static_cast<int32_t>(std::min<std::int64_t>(n, INT32_MAX))));
  // Only the two categories the four languages' messages have; others (few, many) read as other.
  return category == "one" ? "one" : "other";
}

std::string spoken_euros(std::string_view lang, std::int64_t cents) {
  UErrorCode status = U_ZERO_ERROR;
  // Guichet's Portuguese is Portugal's: "18,00 €", where ICU's plain "pt" (Brazil) writes "€ 18,00".
  const icu::Locale locale(lang == "pt" ? "pt_PT" : std::string(lang).c_str());
  const auto formatter = icu::number::NumberFormatter::withLocale(locale).unit(icu::CurrencyUnit(u"EUR", status));
  if (U_FAILURE(status)) return std::to_string(cents) + " cents";
  // Cents up to 2^53 are exact in a double; the currency's two decimals round nothing away.
  const icu::number::FormattedNumber formatted = formatter.formatDouble(static_cast<double>(cents) / 100.0, status);
  icu::UnicodeString text = formatted.toString(status);
  if (U_FAILURE(status)) return std::to_string(cents) + " cents";
  return utf8(text);
}

std::string spoken_kilometres(std::string_view lang, double km) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(lang == "pt" ? "pt_PT" : std::string(lang).c_str());
  const auto formatter =
      icu::number::NumberFormatter::withLocale(locale)
          .unit(icu::MeasureUnit::getKilometer())
          .unitWidth(UNUM_UNIT_WIDTH_SHORT)
          .precision(km < 10 ? icu::number::Precision::fixedFraction(1) : icu::number::Precision::integer());
  const icu::number::FormattedNumber formatted = formatter.formatDouble(km, status);
  icu::UnicodeString text = formatted.toString(status);
  if (U_FAILURE(status)) return std::to_string(static_cast<long long>(km)) + " km";
  return utf8(text);
}

}  // namespace guichet
