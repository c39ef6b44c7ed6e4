// Holiday calendar files (calendar/calendar.h, docs/CALENDAR.md) and the settings' period texts
// (calendar/period.h: "10wd", "1y"). A calendar that parses answers every date of its years
// without error; a period that parses prints back as written and ends after it starts (or
// refuses with a Status) in the compiled-in calendar and zone.
#include <chrono>

#include "calendar/calendar.h"
#include "calendar/period.h"
#include "calendar/time_zone.h"
#include "common/time.h"
#include "fuzz_check.h"

using namespace dipr;
using namespace std::chrono;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::AsText(data, size);
  if (auto cal = calendar::Calendar::Parse(in); cal.ok()) {
    (void)cal->Summary();
    for (int y : cal->years()) {
      // A covered year answers for every day (Dec 31 of a leap year included).
      for (year_month_day d :
           {year{y} / January / 1, year{y} / December / 31, year{y} / March / 1}) {
        FUZZ_CHECK(cal->Covers(d), "a covered year covers its days");
        FUZZ_CHECK(cal->IsWorkingDay(d).ok(), "a covered date is answered");
      }
    }
  }
  if (auto date = calendar::ParseDate(in); date.ok()) {
    FUZZ_CHECK(date->ok(), "a parsed date is a real date");
    FUZZ_CHECK(calendar::FormatDate(*date) == in, "a date prints back as written");
  }
  if (auto p = calendar::ParsePeriod(in); p.ok()) {
    FUZZ_CHECK(calendar::FormatPeriod(*p) == in, "a period prints back as written");
    static const calendar::TimeZone zone = calendar::TimeZone::Fixed("+08:00", 8 * 3600);
    static const Time start = ParseRfc3339("2026-12-04T02:00:00Z").value();
    auto end = calendar::PeriodEnd(start, *p, calendar::DefaultCalendar(), zone);
    if (end.ok()) FUZZ_CHECK(*end > start, "a period ends after it starts");
  }
  return 0;
}
