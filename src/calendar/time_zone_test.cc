#include "calendar/time_zone.h"

#include <gtest/gtest.h>

#include "calendar/read_file.h"

namespace dipr::calendar {
namespace {

namespace chr = std::chrono;

Time At(std::string_view rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Time();
}

LocalTime Local(int y, unsigned m, unsigned d, int hh, int mm) {
  return LocalTime(chr::local_days(chr::year(y) / m / d)) + chr::hours(hh) + chr::minutes(mm);
}

TimeZone MustLoad(std::string_view name) {
  auto tz = TimeZone::Load(name, std::string(kSystemZoneinfoDir));
  EXPECT_TRUE(tz.ok()) << name << ": " << tz.status().ToString();
  return tz.ok() ? *tz : TimeZone::Utc();
}

TEST(TimeZone, ShanghaiFromTzdata) {
  TimeZone tz = MustLoad("Asia/Shanghai");
  EXPECT_EQ(tz.name(), "Asia/Shanghai");
  EXPECT_EQ(tz.source(), "/usr/share/zoneinfo/Asia/Shanghai");
  Time t = At("2026-12-04T02:00:00Z");
  ZoneOffset off = tz.OffsetAt(t);
  EXPECT_EQ(off.utc_offset, 8 * 3600);
  EXPECT_FALSE(off.is_dst);
  EXPECT_EQ(off.abbreviation, "CST");
  EXPECT_EQ(tz.FormatLocal(t), "2026-12-04T10:00:00+08:00");
  EXPECT_EQ(tz.LocalDate(At("2026-12-04T15:59:59Z")), chr::year(2026) / 12 / 4);
  EXPECT_EQ(tz.LocalDate(At("2026-12-04T16:00:00Z")), chr::year(2026) / 12 / 5);
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 12 / 19), At("2026-12-18T16:00:00Z"));
  EXPECT_EQ(tz.FromLocal(Local(2026, 12, 4, 10, 0)), t);
  // Past the fat file's table (2037) the footer rule "CST-8" answers.
  EXPECT_EQ(tz.FormatLocal(At("2100-06-01T00:00:00Z")), "2100-06-01T08:00:00+08:00");
}

TEST(TimeZone, ShanghaiKeepsItsDaylightSavingYears) {
  // China observed DST 1986-1991; 1988 ran from April 17 02:00 to September 11 02:00 (zdump).
  TimeZone tz = MustLoad("Asia/Shanghai");
  EXPECT_EQ(tz.OffsetAt(At("1988-04-16T17:59:59Z")).utc_offset, 8 * 3600);
  EXPECT_EQ(tz.OffsetAt(At("1988-04-16T18:00:00Z")).utc_offset, 9 * 3600);
  EXPECT_EQ(tz.OffsetAt(At("1988-04-16T18:00:00Z")).abbreviation, "CDT");
  EXPECT_EQ(tz.FormatLocal(At("1988-07-01T00:00:00Z")), "1988-07-01T09:00:00+09:00");
  EXPECT_EQ(tz.OffsetAt(At("1988-09-10T17:00:00Z")).utc_offset, 8 * 3600);
}

TEST(TimeZone, ShanghaiWithoutTzdataIsBuiltIn) {
  auto tz = TimeZone::Load("Asia/Shanghai", "/nonexistent/zoneinfo");
  ASSERT_TRUE(tz.ok()) << tz.status().ToString();
  EXPECT_NE(tz->source().find("built in"), std::string::npos) << tz->source();
  EXPECT_EQ(tz->FormatLocal(At("2026-12-04T02:00:00Z")), "2026-12-04T10:00:00+08:00");
  EXPECT_EQ(tz->OffsetAt(At("2026-12-04T02:00:00Z")).abbreviation, "CST");
  // Other zones have no such fallback.
  EXPECT_EQ(TimeZone::Load("Europe/Berlin", "/nonexistent/zoneinfo").status().code(),
            Code::kNotFound);
}

TEST(TimeZone, UtcAndFixedOffsets) {
  for (std::string_view name : {"UTC", "Etc/UTC"}) {
    TimeZone utc = MustLoad(name);
    EXPECT_EQ(utc.OffsetAt(At("2026-07-01T12:00:00Z")).utc_offset, 0) << name;
    EXPECT_EQ(utc.FormatLocal(At("2026-07-01T12:00:00.25Z")), "2026-07-01T12:00:00.250000+00:00");
    EXPECT_EQ(utc.StartOfDay(chr::year(2026) / 7 / 1), At("2026-07-01T00:00:00Z")) << name;
  }
  TimeZone india = MustLoad("+05:30");
  EXPECT_EQ(india.FormatLocal(At("2026-07-01T00:00:00Z")), "2026-07-01T05:30:00+05:30");
  EXPECT_EQ(india.StartOfDay(chr::year(2026) / 7 / 1), At("2026-06-30T18:30:00Z"));
  TimeZone west = MustLoad("-03:00");
  EXPECT_EQ(west.FormatLocal(At("2026-07-01T00:00:00Z")), "2026-06-30T21:00:00-03:00");
  for (std::string_view bad : {"+8", "+08", "+0800", "+24:00", "+08:60", "08:00x", "-8:00"}) {
    EXPECT_EQ(TimeZone::Load(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(TimeZone, RejectsUnknownAndUnsafeNames) {
  EXPECT_EQ(TimeZone::Load("Mars/Olympus_Mons").status().code(), Code::kNotFound);
  EXPECT_FALSE(TimeZone::Load("Asia", std::string(kSystemZoneinfoDir)).ok());  // a directory
  for (std::string_view bad : {"", "../etc/passwd", "/etc/passwd", "Asia//Shanghai",
                               "Asia/Shanghai/", "Asia/Shang hai", "Asia/../etc"}) {
    EXPECT_EQ(TimeZone::Load(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(TimeZone, BerlinGapAndOverlap) {
  TimeZone tz = MustLoad("Europe/Berlin");
  // 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z.
  EXPECT_EQ(tz.FormatLocal(At("2026-03-29T00:59:59Z")), "2026-03-29T01:59:59+01:00");
  EXPECT_EQ(tz.FormatLocal(At("2026-03-29T01:00:00Z")), "2026-03-29T03:00:00+02:00");
  // 02:30 does not exist: read with the offset before the jump, it is 03:30 CEST.
  EXPECT_EQ(tz.FromLocal(Local(2026, 3, 29, 2, 30)), At("2026-03-29T01:30:00Z"));
  EXPECT_EQ(tz.FromLocal(Local(2026, 3, 29, 3, 30)), At("2026-03-29T01:30:00Z"));
  EXPECT_EQ(tz.FromLocal(Local(2026, 3, 29, 1, 59)), At("2026-03-29T00:59:00Z"));
  // 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00Z; 02:30 happens twice.
  EXPECT_EQ(tz.FormatLocal(At("2026-10-25T00:30:00Z")), "2026-10-25T02:30:00+02:00");
  EXPECT_EQ(tz.FormatLocal(At("2026-10-25T01:30:00Z")), "2026-10-25T02:30:00+01:00");
  EXPECT_EQ(tz.FromLocal(Local(2026, 10, 25, 2, 30)), At("2026-10-25T00:30:00Z"));  // earlier
  EXPECT_EQ(tz.FromLocal(Local(2026, 10, 25, 3, 0)), At("2026-10-25T02:00:00Z"));
  // Days around the changes start at local midnight, with the offset of that midnight.
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 3 / 29), At("2026-03-28T23:00:00Z"));
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 3 / 30), At("2026-03-29T22:00:00Z"));
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 10 / 26), At("2026-10-25T23:00:00Z"));
  // 2050 is past the table: the footer's EU rule (last Sundays of March and October, 01:00Z).
  EXPECT_EQ(tz.FormatLocal(At("2050-03-27T00:59:59Z")), "2050-03-27T01:59:59+01:00");
  EXPECT_EQ(tz.FormatLocal(At("2050-03-27T01:00:00Z")), "2050-03-27T03:00:00+02:00");
  EXPECT_EQ(tz.FromLocal(Local(2050, 10, 30, 2, 30)), At("2050-10-30T00:30:00Z"));
}

TEST(TimeZone, NewYorkGapAndOverlap) {
  TimeZone tz = MustLoad("America/New_York");
  // 2026-03-08 02:00 EST → 03:00 EDT at 07:00Z.
  EXPECT_EQ(tz.FromLocal(Local(2026, 3, 8, 2, 30)), At("2026-03-08T07:30:00Z"));
  EXPECT_EQ(tz.FormatLocal(At("2026-03-08T07:30:00Z")), "2026-03-08T03:30:00-04:00");
  // 2026-11-01 02:00 EDT → 01:00 EST at 06:00Z; 01:30 is first 05:30Z (EDT), then 06:30Z.
  EXPECT_EQ(tz.FromLocal(Local(2026, 11, 1, 1, 30)), At("2026-11-01T05:30:00Z"));
  EXPECT_EQ(tz.FormatLocal(At("2026-11-01T06:30:00Z")), "2026-11-01T01:30:00-05:00");
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 11 / 1), At("2026-11-01T04:00:00Z"));
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 11 / 2), At("2026-11-02T05:00:00Z"));
  // Sub-second parts survive the round trip.
  Time t = At("2026-07-04T16:00:00.123456Z");
  EXPECT_EQ(tz.FromLocal(tz.ToLocal(t)), t);
}

TEST(TimeZone, StartOfDayWhenMidnightIsSkipped) {
  // America/Santiago moves to summer time at 24:00 on 2026-09-05: 2026-09-06 begins at 01:00.
  TimeZone tz = MustLoad("America/Santiago");
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 9 / 6), At("2026-09-06T04:00:00Z"));
  EXPECT_EQ(tz.FormatLocal(At("2026-09-06T04:00:00Z")), "2026-09-06T01:00:00-03:00");
  // When it falls back at 24:00 on 2026-04-04, 23:00-24:00 repeats; midnight is unique.
  EXPECT_EQ(tz.FromLocal(Local(2026, 4, 4, 23, 30)), At("2026-04-05T02:30:00Z"));
  EXPECT_EQ(tz.StartOfDay(chr::year(2026) / 4 / 5), At("2026-04-05T04:00:00Z"));
}

// A "slim" TZif file: no transitions, only the footer rule (zic -b slim writes such files).
std::string SlimTzif(std::string_view abbreviation, int32_t utoff, std::string_view footer) {
  auto header = [&](char version) {
    std::string h = "TZif";
    h += version;
    h += std::string(15, '\0');
    uint32_t counts[6] = {0, 0, 0, 0, 1, static_cast<uint32_t>(abbreviation.size() + 1)};
    for (uint32_t c : counts) {
      for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((c >> shift) & 0xff);
    }
    return h;
  };
  std::string block;
  for (int shift = 24; shift >= 0; shift -= 8) {
    block += static_cast<char>((static_cast<uint32_t>(utoff) >> shift) & 0xff);
  }
  block += '\0';  // isdst
  block += '\0';  // desigidx
  block += abbreviation;
  block += '\0';
  return header('2') + block + header('2') + block + "\n" + std::string(footer) + "\n";
}

TEST(TimeZone, SlimFileUsesTheFooterForEverything) {
  auto tz = TimeZone::FromTzif("Test/Berlin", SlimTzif("CET", 3600, "CET-1CEST,M3.5.0,M10.5.0/3"));
  ASSERT_TRUE(tz.ok()) << tz.status().ToString();
  EXPECT_EQ(tz->FormatLocal(At("2026-03-29T01:00:00Z")), "2026-03-29T03:00:00+02:00");
  EXPECT_EQ(tz->FromLocal(Local(2026, 10, 25, 2, 30)), At("2026-10-25T00:30:00Z"));
  EXPECT_EQ(tz->FormatLocal(At("2026-12-01T00:00:00Z")), "2026-12-01T01:00:00+01:00");
}

TEST(TimeZone, MalformedTzifIsAnErrorNotACrash) {
  EXPECT_FALSE(TimeZone::FromTzif("x", "").ok());
  EXPECT_FALSE(TimeZone::FromTzif("x", "TZif2").ok());
  std::string v1 = SlimTzif("UTC", 0, "UTC0");
  v1[4] = '\0';
  EXPECT_FALSE(TimeZone::FromTzif("x", v1).ok());
  EXPECT_FALSE(TimeZone::FromTzif("x", SlimTzif("UTC", 0, "UTC0 junk")).ok());

  auto real = ReadSmallFile("/usr/share/zoneinfo/Asia/Shanghai", 1 << 20);
  ASSERT_TRUE(real.ok());
  ASSERT_TRUE(TimeZone::FromTzif("Asia/Shanghai", *real).ok());
  const size_t footer = std::string_view("\nCST-8\n").size();
  ASSERT_EQ(real->substr(real->size() - footer), "\nCST-8\n");
  // Every truncation fails, except the one that drops exactly the (optional) footer.
  for (size_t len = 0; len < real->size(); ++len) {
    auto tz = TimeZone::FromTzif("Asia/Shanghai", std::string_view(*real).substr(0, len));
    EXPECT_EQ(tz.ok(), len == real->size() - footer) << len;
  }
  // A transition naming a type that does not exist.
  std::string corrupt = *real;
  size_t v2 = corrupt.find("TZif", 4);
  ASSERT_NE(v2, std::string::npos);
  uint32_t timecnt = (static_cast<uint8_t>(corrupt[v2 + 32]) << 24) |
                     (static_cast<uint8_t>(corrupt[v2 + 33]) << 16) |
                     (static_cast<uint8_t>(corrupt[v2 + 34]) << 8) |
                     static_cast<uint8_t>(corrupt[v2 + 35]);
  ASSERT_GT(timecnt, 0u);
  corrupt[v2 + 44 + size_t{timecnt} * 8] = static_cast<char>(0xff);
  EXPECT_FALSE(TimeZone::FromTzif("Asia/Shanghai", corrupt).ok());
}

}  // namespace
}  // namespace dipr::calendar
