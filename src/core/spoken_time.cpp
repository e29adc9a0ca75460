#include "guichet/core/spoken_time.hpp"

#include <unicode/dtitvfmt.h>
#include <unicode/locid.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>

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

}  // namespace guichet
