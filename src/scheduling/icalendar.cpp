#include "guichet/scheduling/icalendar.hpp"

#include <libical/ical.h>

#include <cstdlib>
#include <memory>

namespace guichet::scheduling {
namespace {

icaltimetype utc_time(Instant t) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return icaltime_from_timet_with_zone(static_cast<time_t>(seconds), 0, icaltimezone_get_utc_timezone());
}

}  // namespace

std::string calendar_file(const CalendarEvent& event) {
  std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)> calendar(icalcomponent_new(ICAL_VCALENDAR_COMPONENT),
                                                                         &icalcomponent_free);
  icalcomponent_add_property(calendar.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_prodid("-//Guichet//Scheduling//EN"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_calscale("GREGORIAN"));
  icalcomponent_add_property(calendar.get(),
                             icalproperty_new_method(event.cancelled ? ICAL_METHOD_CANCEL : ICAL_METHOD_PUBLISH));

  icalcomponent* visit = icalcomponent_new(ICAL_VEVENT_COMPONENT);
  icalcomponent_add_property(visit, icalproperty_new_uid(event.uid.c_str()));
  icalcomponent_add_property(visit, icalproperty_new_dtstamp(utc_time(event.stamp)));
  icalcomponent_add_property(visit, icalproperty_new_dtstart(utc_time(event.start)));
  icalcomponent_add_property(visit, icalproperty_new_dtend(utc_time(event.end)));
  icalcomponent_add_property(visit, icalproperty_new_sequence(event.sequence));
  icalcomponent_add_property(visit, icalproperty_new_summary(event.summary.c_str()));
  if (!event.location.empty()) icalcomponent_add_property(visit, icalproperty_new_location(event.location.c_str()));
  if (!event.description.empty()) {
    icalcomponent_add_property(visit, icalproperty_new_description(event.description.c_str()));
  }
  if (!event.url.empty()) icalcomponent_add_property(visit, icalproperty_new_url(event.url.c_str()));
  icalcomponent_add_property(visit,
                             icalproperty_new_status(event.cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
  icalcomponent_add_property(visit, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
  icalcomponent_add_component(calendar.get(), visit);  // the calendar owns the event now

  std::unique_ptr<char, decltype(&std::free)> text(icalcomponent_as_ical_string_r(calendar.get()), &std::free);
  return text ? std::string(text.get()) : std::string();
}

}  // namespace guichet::scheduling
