// The .ics files read back with libical's own parser, as a calendar application would.
#include "guichet/scheduling/icalendar.hpp"

#include <gtest/gtest.h>
#include <libical/ical.h>

#include "guichet/scheduling/bookings.hpp"

namespace guichet::scheduling {
namespace {

CalendarEvent sample() {
  CalendarEvent event;
  event.uid = "K7M2-QX9D@guichet.test";
  event.summary = "Cartão de Cidadão, Passaporte — Loja do Cidadão Laranjeiras";
  event.location = "Loja do Cidadão Laranjeiras, Rua Xavier Araújo, Lisboa";
  event.description = "Referência: K7M2-QX9D\n09:00 Cartão de Cidadão (g02)\n09:15 Passaporte (g01)";
  event.url = "https://guichet.test/bookings/K7M2-QX9D";
  event.start = *parse_rfc3339("2026-12-07T09:00:00Z");
  event.end = *parse_rfc3339("2026-12-07T09:35:00Z");
  event.stamp = *parse_rfc3339("2026-12-01T10:11:12Z");
  event.sequence = 2;
  return event;
}

TEST(ICalendar, AnEventCalendarsCanRead) {
  std::string text = calendar_file(sample());
  EXPECT_NE(text.find("\r\n"), std::string::npos) << "RFC 5545 lines end in CRLF";
  EXPECT_NE(text.find("METHOD:PUBLISH"), std::string::npos);
  icalcomponent* calendar = icalparser_parse_string(text.c_str());
  ASSERT_NE(calendar, nullptr);
  icalcomponent* event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT);
  ASSERT_NE(event, nullptr);
  EXPECT_STREQ(icalcomponent_get_uid(event), "K7M2-QX9D@guichet.test");
  EXPECT_STREQ(icalcomponent_get_summary(event), sample().summary.c_str()) << "UTF-8 survives";
  EXPECT_STREQ(icalcomponent_get_description(event), sample().description.c_str()) << "new lines survive";
  icaltimetype start = icalcomponent_get_dtstart(event);
  EXPECT_TRUE(icaltime_is_utc(start));
  EXPECT_EQ(icaltime_as_timet(start), 1796634000);  // 2026-12-07T09:00:00Z
  EXPECT_EQ(icaltime_as_timet(icalcomponent_get_dtend(event)), 1796634000 + 35 * 60);
  EXPECT_EQ(icalcomponent_get_sequence(event), 2);
  EXPECT_EQ(icalcomponent_get_status(event), ICAL_STATUS_CONFIRMED);
  icalcomponent_free(calendar);
}

TEST(ICalendar, ACancellationCarriesMethodAndStatus) {
  CalendarEvent event = sample();
  event.cancelled = true;
  std::string text = calendar_file(event);
  EXPECT_NE(text.find("METHOD:CANCEL"), std::string::npos);
  EXPECT_NE(text.find("STATUS:CANCELLED"), std::string::npos);
}

TEST(Rfc3339, ParsesUtcAndOffsetsAndRefusesTheRest) {
  EXPECT_EQ(parse_rfc3339("2026-12-07T10:00:00+01:00"), parse_rfc3339("2026-12-07T09:00:00Z"));
  EXPECT_EQ(rfc3339_seconds(*parse_rfc3339("2026-12-07T09:00:00Z")), "2026-12-07T09:00:00Z");
  for (const char* bad :
       {"", "2026-12-07", "2026-12-07T09:00:00", "2026-12-07T09:00:00Zjunk", "2026-13-07T09:00:00Z", "tomorrow"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace guichet::scheduling
