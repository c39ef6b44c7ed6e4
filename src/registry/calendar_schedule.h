// The registrar's Schedule from its settings: periods (calendar/period.h) on its holiday calendar
// in its time zone.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "calendar/calendar.h"
#include "calendar/period.h"
#include "calendar/time_zone.h"
#include "registry/registrar.h"

namespace dipr::registry {

struct ScheduleSettings {
  std::string notice_period = "10wd";     // accepted for notice -> notice ends
  std::string correction_period = "30d";  // correction requested -> it lapses
  std::string validity = "3y";            // registration (or renewal) -> certificate expires
  std::string renewal_window = "90d";     // renewal opens this long before expiry (d, h, m, s)
  std::string renewal_grace = "6mo";      // and stays open this long after it
  // The holiday calendar: a calendar file's JSON (docs/CALENDAR.md); null: the built-in one
  // (calendar/calendar.h).
  nlohmann::json calendar;
  std::string time_zone;  // empty: the calendar's zone (Asia/Shanghai)
};

class CalendarSchedule final : public Schedule {
 public:
  // InvalidArgument naming the setting for a bad period, calendar file or zone.
  static Result<std::shared_ptr<CalendarSchedule>> Create(const ScheduleSettings& settings);

  Result<Time> End(Time start, Period period) const override;
  Result<Time> Start(Time end, Period period) const override;
  void LocalDate(Time t, int& year, int& month, int& day) const override;
  std::string ZoneName() const override { return zone_.name(); }

  const calendar::Calendar& calendar() const { return calendar_; }
  const calendar::TimeZone& zone() const { return zone_; }
  std::string Describe() const;

 private:
  CalendarSchedule(calendar::Calendar cal, calendar::TimeZone zone)
      : calendar_(std::move(cal)), zone_(std::move(zone)) {}
  const calendar::Period& Of(Period p) const;

  calendar::Calendar calendar_;
  calendar::TimeZone zone_;
  calendar::Period notice_, correction_, validity_, window_, grace_;
};

}  // namespace dipr::registry
