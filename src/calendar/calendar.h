// Holiday calendars: which local dates are a registrar's working days.
//
// A working day is a date that is (Monday to Friday and not a holiday) or an adjusted working
// day (调休: a Saturday or Sunday worked in exchange for a bridge day off). The data comes from
// a JSON file (format in docs/CALENDAR.md) that names the years it covers; a question about a
// date outside them is an error (Unavailable), never an answer that silently assumes "weekends
// only" and so would miss next year's Spring Festival.
//
// The calendar of mainland China (data/calendars/cn.json) is compiled in: DefaultCalendar().
//
// Calendar is an immutable value: thread-safe, cheap to share by const reference.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dipr::calendar {

// "2026-02-17"; exactly that form (zero-padded, a real date).
Result<std::chrono::year_month_day> ParseDate(std::string_view text);
std::string FormatDate(std::chrono::year_month_day date);

class Calendar {
 public:
  // Parses and validates a calendar file's text; errors name the offending key or entry.
  static Result<Calendar> Parse(std::string_view json_text);

  const std::string& name() const { return name_; }
  // The IANA zone the calendar's dates are meant in; the server's default --time-zone.
  const std::string& time_zone() const { return time_zone_; }
  const std::string& note() const { return note_; }
  // The covered years, ascending; and those among them whose data is provisional (derived from
  // the statutory rules before the State Council published the year's schedule).
  const std::vector<int>& years() const { return years_; }
  const std::vector<int>& provisional_years() const { return provisional_years_; }

  bool Covers(std::chrono::year_month_day date) const;
  bool IsProvisional(std::chrono::year_month_day date) const;
  // Unavailable if the date's year is not covered: the registrar must load a newer calendar.
  Result<bool> IsWorkingDay(std::chrono::year_month_day date) const;

  // For the server's start-up log: "CN (Asia/Shanghai) covers 2026, 2027; provisional: 2027".
  std::string Summary() const;

 private:
  Calendar() = default;

  std::string name_;
  std::string time_zone_;
  std::string note_;
  std::vector<int> years_;
  std::vector<int> provisional_years_;
  std::vector<int32_t> holidays_;      // days since 1970-01-01, ascending
  std::vector<int32_t> working_days_;  // days since 1970-01-01, ascending
};

// Mainland China, from data/calendars/cn.json as it was at build time.
const Calendar& DefaultCalendar();
// The text DefaultCalendar() was parsed from.
std::string_view DefaultCalendarJson();

// Reads and validates a calendar file. NotFound if it does not exist.
Result<Calendar> LoadCalendarFile(const std::string& path);

}  // namespace dipr::calendar
