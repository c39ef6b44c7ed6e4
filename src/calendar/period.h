// Periods and when they end: the notice periods, time limits and validity terms of the
// registry's rules, counted on the registrar's holiday calendar and in its time zone.
//
// Syntax: a positive whole number, no sign or leading zero, then a unit:
//   10wd   working days     15d   calendar days     6mo  months     3y  years
//   2h     hours            5m    minutes           30s  seconds
// at most 100 years' worth (100y, 1200mo, 36525d or wd, 876600h, 52596000m, 3155760000s).
//
// Semantics (docs/CALENDAR.md has worked examples):
//   wd  The day of the start does not count (PRC Civil Code art. 201). Counting from the next
//       local date, the N-th working day is the last day, and the period ends at its end: local
//       24:00, i.e. the next local midnight as an instant.
//   d   The same, counting every date; the N-th date is the last day. If that is not a working
//       day, the last day moves to the next working day (art. 203: a period whose last day is a
//       statutory rest day ends on the day after the rest days), unless
//       PeriodOptions::extend_past_non_working_day is false.
//   mo, y  The same local date and time N months (12·N for y) later; a day the target month
//       lacks (the 31st, February 29) becomes its last day. Not moved off rest days: these are
//       terms such as a certificate's validity, which run from an instant to an instant.
//   h, m, s  Exactly that duration after the start.
// An instant t is within the period iff start <= t < end.
//
// Only the dates a rule actually classifies are looked up in the calendar, so 5wd from
// 2027-12-24 is answered by a calendar that covers 2027 even though it ends on 2028-01-01;
// a date outside the calendar's years makes PeriodEnd fail with Unavailable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "calendar/calendar.h"
#include "calendar/time_zone.h"
#include "common/status.h"
#include "common/time.h"

namespace dipr::calendar {

enum class PeriodUnit { kWorkingDays, kDays, kMonths, kYears, kHours, kMinutes, kSeconds };

struct Period {
  int64_t count = 0;  // >= 1
  PeriodUnit unit = PeriodUnit::kDays;

  friend bool operator==(const Period&, const Period&) = default;
};

Result<Period> ParsePeriod(std::string_view text);
// The text ParsePeriod accepts for p: FormatPeriod(*ParsePeriod(s)) == s.
std::string FormatPeriod(const Period& p);

struct PeriodOptions {
  // For "d": a last day that is not a working day moves to the next working day.
  bool extend_past_non_working_day = true;
};

// The first instant after the period that starts at `start`. InvalidArgument for a Period out
// of ParsePeriod's bounds; Unavailable if a date it must classify is outside the calendar.
Result<Time> PeriodEnd(Time start, const Period& period, const Calendar& calendar,
                       const TimeZone& zone, const PeriodOptions& options = {});

}  // namespace dipr::calendar
