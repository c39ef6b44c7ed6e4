#include "calendar/period.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace dipr::calendar {
namespace {

namespace chr = std::chrono;

struct UnitInfo {
  PeriodUnit unit;
  std::string_view suffix;
  int64_t max;  // 100 years' worth
};

// Two-letter suffixes first, so that "6mo" is not read as 6 minutes followed by junk.
constexpr UnitInfo kUnits[] = {
    {PeriodUnit::kWorkingDays, "wd", 36525},   {PeriodUnit::kMonths, "mo", 1200},
    {PeriodUnit::kDays, "d", 36525},           {PeriodUnit::kYears, "y", 100},
    {PeriodUnit::kHours, "h", 876600},         {PeriodUnit::kMinutes, "m", 52596000},
    {PeriodUnit::kSeconds, "s", 3155760000LL},
};

const UnitInfo& InfoOf(PeriodUnit unit) {
  for (const UnitInfo& u : kUnits) {
    if (u.unit == unit) return u;
  }
  return kUnits[0];  // unreachable: every enumerator is listed
}

Time AddMonths(Time start, int64_t months, const TimeZone& zone) {
  LocalTime local = zone.ToLocal(start);
  auto day = chr::floor<chr::days>(local);
  auto time_of_day = local - day;
  chr::year_month_day ymd(day);
  chr::year_month target = chr::year_month(ymd.year(), ymd.month()) + chr::months(months);
  chr::day last =
      chr::year_month_day_last(target.year(), chr::month_day_last(target.month())).day();
  chr::year_month_day end(target.year(), target.month(), std::min(ymd.day(), last));
  return zone.FromLocal(chr::local_days(end) + time_of_day);
}

}  // namespace

Result<Period> ParsePeriod(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format(
        "bad period \"{}\": {} (want a positive whole number and a unit: wd, d, mo, y, h, m, s; "
        "e.g. 10wd, 6mo)",
        text, why));
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return bad("no number");
  if (text[0] == '0') return bad(digits == 1 ? "zero" : "leading zero");
  std::string_view suffix = text.substr(digits);
  if (suffix.empty()) return bad("no unit");
  const UnitInfo* info = nullptr;
  for (const UnitInfo& u : kUnits) {
    if (suffix == u.suffix) info = &u;
  }
  if (!info) return bad(fmt::format("unknown unit \"{}\"", suffix));
  // Compare digit counts before converting, so no input can overflow.
  std::string_view number = text.substr(0, digits);
  std::string max = std::to_string(info->max);
  if (number.size() > max.size() || (number.size() == max.size() && number > max)) {
    return bad(fmt::format("longer than 100 years (at most {}{})", info->max, info->suffix));
  }
  int64_t count = 0;
  for (char c : number) count = count * 10 + (c - '0');
  return Period{count, info->unit};
}

std::string FormatPeriod(const Period& p) {
  return fmt::format("{}{}", p.count, InfoOf(p.unit).suffix);
}

Result<Time> PeriodEnd(Time start, const Period& period, const Calendar& calendar,
                       const TimeZone& zone, const PeriodOptions& options) {
  const UnitInfo& info = InfoOf(period.unit);
  if (period.count < 1 || period.count > info.max) {
    return InvalidArgument(fmt::format("period {} out of range", FormatPeriod(period)));
  }
  switch (period.unit) {
    case PeriodUnit::kSeconds:
      return start + chr::seconds(period.count);
    case PeriodUnit::kMinutes:
      return start + chr::minutes(period.count);
    case PeriodUnit::kHours:
      return start + chr::hours(period.count);
    case PeriodUnit::kMonths:
      return AddMonths(start, period.count, zone);
    case PeriodUnit::kYears:
      return AddMonths(start, period.count * 12, zone);
    case PeriodUnit::kDays: {
      // The start's own date does not count, so the N-th day after it is the last day.
      chr::sys_days last = chr::sys_days(zone.LocalDate(start)) + chr::days(period.count);
      if (options.extend_past_non_working_day) {
        for (;;) {
          ASSIGN_OR_RETURN(bool working, calendar.IsWorkingDay(chr::year_month_day(last)));
          if (working) break;
          last += chr::days(1);
        }
      }
      return zone.StartOfDay(chr::year_month_day(last + chr::days(1)));
    }
    case PeriodUnit::kWorkingDays: {
      chr::sys_days day = chr::sys_days(zone.LocalDate(start));
      for (int64_t remaining = period.count; remaining > 0;) {
        day += chr::days(1);
        ASSIGN_OR_RETURN(bool working, calendar.IsWorkingDay(chr::year_month_day(day)));
        if (working) --remaining;
      }
      return zone.StartOfDay(chr::year_month_day(day + chr::days(1)));
    }
  }
  return Internal("unknown period unit");
}

}  // namespace dipr::calendar
