#include "calendar/period.h"

#include <gtest/gtest.h>

namespace dipr::calendar {
namespace {

Time At(std::string_view rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Time();
}

TimeZone Zone(std::string_view name) {
  auto tz = TimeZone::Load(name, std::string(kSystemZoneinfoDir));
  EXPECT_TRUE(tz.ok()) << tz.status().ToString();
  return tz.ok() ? *tz : TimeZone::Utc();
}

const TimeZone& Shanghai() {
  static const TimeZone tz = Zone("Asia/Shanghai");
  return tz;
}

// The end of `period` from `start`, as local RFC 3339 in `zone`, or "error: ...".
std::string End(std::string_view start, std::string_view period, const TimeZone& zone = Shanghai(),
                PeriodOptions options = {}, const Calendar& calendar = DefaultCalendar()) {
  auto p = ParsePeriod(period);
  if (!p.ok()) return "error: " + p.status().ToString();
  auto end = PeriodEnd(At(start), *p, calendar, zone, options);
  if (!end.ok()) return "error: " + end.status().ToString();
  return zone.FormatLocal(*end);
}

constexpr PeriodOptions kNoExtension{.extend_past_non_working_day = false};

TEST(ParsePeriod, AcceptsEachUnitAndRoundTrips) {
  struct Case {
    std::string_view text;
    int64_t count;
    PeriodUnit unit;
  } cases[] = {
      {"10wd", 10, PeriodUnit::kWorkingDays},
      {"15d", 15, PeriodUnit::kDays},
      {"3y", 3, PeriodUnit::kYears},
      {"6mo", 6, PeriodUnit::kMonths},
      {"30s", 30, PeriodUnit::kSeconds},
      {"5m", 5, PeriodUnit::kMinutes},
      {"2h", 2, PeriodUnit::kHours},
      {"1d", 1, PeriodUnit::kDays},
      {"36525wd", 36525, PeriodUnit::kWorkingDays},
      {"36525d", 36525, PeriodUnit::kDays},
      {"100y", 100, PeriodUnit::kYears},
      {"1200mo", 1200, PeriodUnit::kMonths},
      {"876600h", 876600, PeriodUnit::kHours},
      {"52596000m", 52596000, PeriodUnit::kMinutes},
      {"3155760000s", 3155760000LL, PeriodUnit::kSeconds},
  };
  for (const Case& c : cases) {
    auto p = ParsePeriod(c.text);
    ASSERT_TRUE(p.ok()) << c.text << ": " << p.status().ToString();
    EXPECT_EQ(*p, (Period{c.count, c.unit})) << c.text;
    EXPECT_EQ(FormatPeriod(*p), c.text);
  }
}

TEST(ParsePeriod, RejectsEverythingElse) {
  // clang-format off
  for (std::string_view bad :
       {"", "0d", "0wd", "00d", "010d", "-1d", "+1d", "10", "d", "wd", "mo", "10x", "10w", "10dd",
        "10 d", " 10d", "10d ", "1.5d", "1e3d", "10WD", "10D", "10Mo", "5mo5", "1y2mo", "101y",
        "1201mo", "36526d", "36526wd", "876601h", "52596001m", "3155760001s",
        "99999999999999999999999d", "18446744073709551617s"}) {
    // clang-format on
    auto p = ParsePeriod(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
    EXPECT_NE(p.status().message().find(std::string(bad)), std::string::npos) << bad;
  }
  // Fullwidth digits, as an IME may type them: "１０d".
  EXPECT_FALSE(ParsePeriod(std::string("\xef\xbc\x91\xef\xbc\x90") + "d").ok());
}

TEST(PeriodEnd, TenWorkingDaysEndAtMidnightAfterTheLastDay) {
  // Accepted Friday 2026-12-04 10:00; December has no holidays. Day 1 is Monday 12-07, day 10
  // is Friday 12-18; the period ends at its local 24:00.
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "10wd"), "2026-12-19T00:00:00+08:00");
  auto end =
      PeriodEnd(At("2026-12-04T02:00:00Z"), *ParsePeriod("10wd"), DefaultCalendar(), Shanghai());
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, At("2026-12-18T16:00:00Z"));
  // The hour of the start does not matter: its whole date is not counted.
  EXPECT_EQ(End("2026-12-04T00:00:00+08:00", "1wd"), "2026-12-08T00:00:00+08:00");
  EXPECT_EQ(End("2026-12-04T23:59:59+08:00", "1wd"), "2026-12-08T00:00:00+08:00");
}

TEST(PeriodEnd, WorkingDaysAcrossTheSpringFestival) {
  // Thursday 02-12: 13 Fri (1), 14 Sat worked (2), 15-23 holiday, 24-27 (3-6), 28 Sat worked
  // (7), March 2-4 (8-10).
  EXPECT_EQ(End("2026-02-12T15:00:00+08:00", "10wd"), "2026-03-05T00:00:00+08:00");
  // Started on the adjusted Saturday 02-14: the first working day after it is 02-24.
  EXPECT_EQ(End("2026-02-14T10:00:00+08:00", "1wd"), "2026-02-25T00:00:00+08:00");
}

TEST(PeriodEnd, StartOnAHoliday) {
  // 除夕, Monday 02-16: 24-27 (1-4), 28 Sat worked (5), March 2-6 (6-10).
  EXPECT_EQ(End("2026-02-16T10:00:00+08:00", "10wd"), "2026-03-07T00:00:00+08:00");
}

TEST(PeriodEnd, StartOnAnAdjustedWorkingDay) {
  // Sunday 09-20 is worked; 21-24 (1-4), 25-27 Mid-Autumn and weekend, Monday 28 (5).
  EXPECT_EQ(End("2026-09-20T09:00:00+08:00", "5wd"), "2026-09-29T00:00:00+08:00");
}

TEST(PeriodEnd, WorkingDaysAcrossNationalDay) {
  // 10-01..07 holiday; Thursday 08 (1), Friday 09 (2), Saturday 10 worked (3).
  EXPECT_EQ(End("2026-09-30T10:00:00+08:00", "3wd"), "2026-10-11T00:00:00+08:00");
}

TEST(PeriodEnd, WorkingDaysIntoNextYear) {
  // Thursday 2026-12-24: 25 (1), 28-31 (2-5), 2027-01-01 holiday, January 4-8 (6-10).
  // (2027-01-01 is a holiday in the provisional and any official 2027 schedule alike.)
  EXPECT_EQ(End("2026-12-24T10:00:00+08:00", "10wd"), "2027-01-09T00:00:00+08:00");
}

TEST(PeriodEnd, BeyondTheCalendarIsAnError) {
  // Friday 2027-12-24: 27-31 are days 1-5; day 6 would be in 2028, which cn.json lacks.
  std::string err = End("2027-12-24T10:00:00+08:00", "10wd");
  EXPECT_EQ(err.rfind("error: unavailable: ", 0), 0u) << err;
  EXPECT_NE(err.find("2028-01-0"), std::string::npos) << err;
  // Only the dates counted are looked up: 5wd ends at 2028-01-01 00:00 without asking.
  EXPECT_EQ(End("2027-12-24T10:00:00+08:00", "5wd"), "2028-01-01T00:00:00+08:00");
  // Before the covered years as well.
  EXPECT_EQ(End("2025-12-30T10:00:00+08:00", "1wd").rfind("error: unavailable", 0), 0u);
  // "d" needs the calendar only to extend a last day; 2028-01-04 is a Tuesday, but unknown.
  EXPECT_EQ(End("2027-12-20T10:00:00+08:00", "15d").rfind("error: unavailable", 0), 0u);
  EXPECT_EQ(End("2027-12-20T10:00:00+08:00", "15d", Shanghai(), kNoExtension),
            "2028-01-05T00:00:00+08:00");
  // Durations, months and years never consult it.
  EXPECT_EQ(End("2030-05-01T10:00:00+08:00", "2h"), "2030-05-01T12:00:00+08:00");
  EXPECT_EQ(End("2030-05-01T10:00:00+08:00", "1y"), "2031-05-01T10:00:00+08:00");
}

TEST(PeriodEnd, CalendarDaysExtendPastRestDays) {
  // Friday 12-04 + 15 days = Saturday 12-19; extended to Monday 12-21.
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "15d"), "2026-12-22T00:00:00+08:00");
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "15d", Shanghai(), kNoExtension),
            "2026-12-20T00:00:00+08:00");
  // Monday 09-28 + 5 = Saturday 10-03, inside National Day; the next working day is 10-08.
  EXPECT_EQ(End("2026-09-28T10:00:00+08:00", "5d"), "2026-10-09T00:00:00+08:00");
  EXPECT_EQ(End("2026-09-28T10:00:00+08:00", "5d", Shanghai(), kNoExtension),
            "2026-10-04T00:00:00+08:00");
  // A last day on an adjusted working Saturday (10-10) stays.
  EXPECT_EQ(End("2026-10-05T10:00:00+08:00", "5d"), "2026-10-11T00:00:00+08:00");
  // A last day on a weekday stays.
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "4d"), "2026-12-09T00:00:00+08:00");
  // Started in a holiday, counted through it: 02-16 + 7 = 02-23 (holiday) → 02-24.
  EXPECT_EQ(End("2026-02-16T10:00:00+08:00", "7d"), "2026-02-25T00:00:00+08:00");
}

TEST(PeriodEnd, TheZoneDecidesTheStartDate) {
  // 2026-12-03T17:00Z is Friday 01:00 in Shanghai but still Thursday in UTC.
  EXPECT_EQ(End("2026-12-03T17:00:00Z", "1wd"), "2026-12-08T00:00:00+08:00");
  EXPECT_EQ(End("2026-12-03T17:00:00Z", "1wd", TimeZone::Utc()), "2026-12-05T00:00:00+00:00");
}

TEST(PeriodEnd, WorkingDaysEndAtLocalMidnightAcrossDst) {
  // With a (test) calendar in Berlin: day 1 is Monday 03-30, after the clocks went forward on
  // Sunday 03-29; the end is midnight CEST.
  auto cal = Calendar::Parse(
      R"({"name":"DE-test","time_zone":"Europe/Berlin","years":[2026],
          "holidays":["2026-04-03","2026-04-06"],"working_days":[]})");
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(End("2026-03-27T10:00:00+01:00", "1wd", berlin, {}, *cal), "2026-03-31T00:00:00+02:00");
  // Good Friday 04-03 and Easter Monday 04-06 are skipped: 30, 31, 1, 2, 7.
  EXPECT_EQ(End("2026-03-27T10:00:00+01:00", "5wd", berlin, {}, *cal), "2026-04-08T00:00:00+02:00");
}

TEST(PeriodEnd, MonthsAndYearsKeepTheLocalTimeAndClamp) {
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "3y"), "2029-12-04T10:00:00+08:00");
  EXPECT_EQ(End("2028-02-29T10:00:00+08:00", "1y"), "2029-02-28T10:00:00+08:00");
  EXPECT_EQ(End("2028-02-29T10:00:00+08:00", "4y"), "2032-02-29T10:00:00+08:00");
  EXPECT_EQ(End("2026-01-31T10:00:00+08:00", "1mo"), "2026-02-28T10:00:00+08:00");
  EXPECT_EQ(End("2026-01-31T10:00:00+08:00", "13mo"), "2027-02-28T10:00:00+08:00");
  EXPECT_EQ(End("2027-12-31T23:30:00+08:00", "2mo"), "2028-02-29T23:30:00+08:00");
  EXPECT_EQ(End("2026-08-31T10:00:00+08:00", "1mo"), "2026-09-30T10:00:00+08:00");
  EXPECT_EQ(End("2026-08-31T10:00:00+08:00", "6mo"), "2027-02-28T10:00:00+08:00");
  EXPECT_EQ(End("2026-03-31T10:00:00.5+08:00", "12mo"), "2027-03-31T10:00:00.500000+08:00");
  // Not moved off rest days: 2026-02-01 is a Sunday, 2026-10-01 National Day.
  EXPECT_EQ(End("2026-01-01T09:00:00+08:00", "1mo"), "2026-02-01T09:00:00+08:00");
  EXPECT_EQ(End("2025-10-01T09:00:00+08:00", "1y"), "2026-10-01T09:00:00+08:00");
}

TEST(PeriodEnd, MonthsFollowLocalTimeAcrossDst) {
  TimeZone berlin = Zone("Europe/Berlin");
  // 12:00 CET to 12:00 CEST: 31 days less one hour.
  EXPECT_EQ(End("2026-03-15T12:00:00+01:00", "1mo", berlin), "2026-04-15T12:00:00+02:00");
  // 2026-03-29 02:30 does not exist in Berlin; it is read as 03:30 CEST.
  EXPECT_EQ(End("2026-01-29T02:30:00+01:00", "2mo", berlin), "2026-03-29T03:30:00+02:00");
  // 2026-10-25 02:30 happens twice; the earlier (CEST) is taken.
  EXPECT_EQ(End("2026-08-25T02:30:00+02:00", "2mo", berlin), "2026-10-25T02:30:00+02:00");
}

TEST(PeriodEnd, DurationsAreExact) {
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "30s"), "2026-12-04T10:00:30+08:00");
  EXPECT_EQ(End("2026-12-04T10:00:00+08:00", "5m"), "2026-12-04T10:05:00+08:00");
  EXPECT_EQ(End("2026-12-04T23:00:00+08:00", "2h"), "2026-12-05T01:00:00+08:00");
  // Across Berlin's spring-forward two hours of time pass, but the clock moves three.
  EXPECT_EQ(End("2026-03-29T01:30:00+01:00", "2h", Zone("Europe/Berlin")),
            "2026-03-29T04:30:00+02:00");
}

TEST(PeriodEnd, RefusesAPeriodOutOfBounds) {
  for (Period p : {Period{0, PeriodUnit::kDays}, Period{-1, PeriodUnit::kHours},
                   Period{101, PeriodUnit::kYears}}) {
    auto end = PeriodEnd(At("2026-12-04T02:00:00Z"), p, DefaultCalendar(), Shanghai());
    EXPECT_EQ(end.status().code(), Code::kInvalidArgument) << FormatPeriod(p);
  }
}

}  // namespace
}  // namespace dipr::calendar
