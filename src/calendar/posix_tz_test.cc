#include "calendar/posix_tz.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace dipr::calendar {
namespace {

int64_t Utc(std::string_view rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return std::chrono::floor<std::chrono::seconds>(t->time_since_epoch()).count();
}

PosixTz MustParse(std::string_view spec) {
  auto tz = PosixTz::Parse(spec);
  EXPECT_TRUE(tz.ok()) << spec << ": " << tz.status().ToString();
  return tz.ok() ? *tz : *PosixTz::Parse("UTC0");
}

TEST(PosixTz, StandardTimeOnly) {
  PosixTz shanghai = MustParse("CST-8");  // Asia/Shanghai's footer
  EXPECT_FALSE(shanghai.has_dst());
  ZoneOffset off = shanghai.Lookup(Utc("2040-07-01T00:00:00Z"));
  EXPECT_EQ(off.utc_offset, 8 * 3600);
  EXPECT_FALSE(off.is_dst);
  EXPECT_EQ(off.abbreviation, "CST");
  // Quoted names; a west-of-Greenwich offset with minutes.
  EXPECT_EQ(MustParse("<+0545>-5:45").Lookup(0).utc_offset, 5 * 3600 + 45 * 60);
  EXPECT_EQ(MustParse("<+0545>-5:45").Lookup(0).abbreviation, "+0545");
  EXPECT_EQ(MustParse("NST3:30").Lookup(0).utc_offset, -(3 * 3600 + 30 * 60));
}

TEST(PosixTz, EuropeanRuleMatchesZdump) {
  // Europe/Berlin's footer; `zdump -v -c 2050,2051 Europe/Berlin` gives these instants.
  PosixTz berlin = MustParse("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(berlin.Lookup(Utc("2050-03-27T00:59:59Z")).utc_offset, 3600);
  ZoneOffset summer = berlin.Lookup(Utc("2050-03-27T01:00:00Z"));
  EXPECT_EQ(summer.utc_offset, 7200);
  EXPECT_TRUE(summer.is_dst);
  EXPECT_EQ(summer.abbreviation, "CEST");
  EXPECT_EQ(berlin.Lookup(Utc("2050-10-30T00:59:59Z")).utc_offset, 7200);
  EXPECT_EQ(berlin.Lookup(Utc("2050-10-30T01:00:00Z")).utc_offset, 3600);
}

TEST(PosixTz, SouthernHemisphereSpansTheNewYear) {
  // Australia/Sydney: DST from the first Sunday of October to the first Sunday of April.
  PosixTz sydney = MustParse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  EXPECT_EQ(sydney.Lookup(Utc("2040-01-01T00:00:00Z")).utc_offset, 11 * 3600);
  EXPECT_EQ(sydney.Lookup(Utc("2040-12-31T23:00:00Z")).utc_offset, 11 * 3600);
  EXPECT_EQ(sydney.Lookup(Utc("2040-03-31T15:59:59Z")).utc_offset, 11 * 3600);
  EXPECT_EQ(sydney.Lookup(Utc("2040-03-31T16:00:00Z")).utc_offset, 10 * 3600);
  EXPECT_EQ(sydney.Lookup(Utc("2040-07-01T00:00:00Z")).utc_offset, 10 * 3600);
  EXPECT_EQ(sydney.Lookup(Utc("2040-10-06T15:59:59Z")).utc_offset, 10 * 3600);
  EXPECT_EQ(sydney.Lookup(Utc("2040-10-06T16:00:00Z")).utc_offset, 11 * 3600);
}

TEST(PosixTz, TransitionsAt24Hours) {
  // America/Santiago: "/24" is midnight at the end of the first Saturday.
  PosixTz santiago = MustParse("<-04>4<-03>,M9.1.6/24,M4.1.6/24");
  EXPECT_EQ(santiago.Lookup(Utc("2040-09-02T03:59:59Z")).utc_offset, -4 * 3600);
  EXPECT_EQ(santiago.Lookup(Utc("2040-09-02T04:00:00Z")).utc_offset, -3 * 3600);
  EXPECT_EQ(santiago.Lookup(Utc("2040-04-08T02:59:59Z")).utc_offset, -3 * 3600);
  EXPECT_EQ(santiago.Lookup(Utc("2040-04-08T03:00:00Z")).utc_offset, -4 * 3600);
}

TEST(PosixTz, YearRoundDaylightTime) {
  // RFC 8536's example of permanent DST: start Jan 1 00:00, end Dec 31 25:00 (= next start).
  PosixTz tz = MustParse("EST5EDT,0/0,J365/25");
  for (auto t : {"2041-01-01T05:00:00Z", "2041-01-01T04:00:00Z", "2041-06-15T12:00:00Z",
                 "2041-12-31T23:59:59Z", "2044-02-29T12:00:00Z"}) {
    EXPECT_EQ(tz.Lookup(Utc(t)).utc_offset, -4 * 3600) << t;
  }
}

TEST(PosixTz, JulianDaysSkipOrCountFebruary29) {
  // Jn never counts February 29: J60 is March 1 in 2028 (a leap year) as in 2027.
  PosixTz julian = MustParse("AAA0BBB,J60/0,J300/0");
  EXPECT_FALSE(julian.Lookup(Utc("2028-02-29T23:59:59Z")).is_dst);
  EXPECT_TRUE(julian.Lookup(Utc("2028-03-01T00:00:00Z")).is_dst);
  // Zero-based n counts it: day 59 is February 29 in 2028 but March 1 in 2027.
  PosixTz zero_based = MustParse("AAA0BBB,59/0,300/0");
  EXPECT_FALSE(zero_based.Lookup(Utc("2028-02-28T23:59:59Z")).is_dst);
  EXPECT_TRUE(zero_based.Lookup(Utc("2028-02-29T00:00:00Z")).is_dst);
  EXPECT_FALSE(zero_based.Lookup(Utc("2027-02-28T23:59:59Z")).is_dst);
  EXPECT_TRUE(zero_based.Lookup(Utc("2027-03-01T00:00:00Z")).is_dst);
}

TEST(PosixTz, RejectsMalformedStrings) {
  for (std::string_view bad :
       {"", "C-8", "CST", "8", "CST-25", "CST-8x", "<+08-8", "<+0!>-8", "CST-8CDT",
        "CST-8CDT,M3.2.0", "CST-8CDT,M13.1.0,M10.1.0", "CST-8CDT,M3.6.0,M10.1.0",
        "CST-8CDT,M3.2.7,M10.1.0", "CST-8CDT,J0,J100", "CST-8CDT,J366,J100", "CST-8CDT,366,100",
        "CST-8CDT,M3.2.0/168,M11.1.0", "CST-8CDT,M3.2.0,M11.1.0,", "CST-8:60"}) {
    EXPECT_FALSE(PosixTz::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace dipr::calendar
