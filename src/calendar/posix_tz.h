// POSIX TZ rule strings, as found in the footer of TZif v2+ files (RFC 8536 section 3.3), e.g.
// "CST-8" or "CET-1CEST,M3.5.0,M10.5.0/3". A TZif file's transition table ends at some year
// (2037 in "fat" files, earlier in "slim" ones); the footer rule gives local time after that.
//
// Supported: quoted (<+08>) and unquoted abbreviations; offsets [+-]hh[:mm[:ss]]; rule dates Jn,
// n and Mm.w.d; rule times [+-]hhh[:mm[:ss]] up to 167 hours (the RFC 8536 extension that
// expresses e.g. "24:00" and year-round DST). A DST part without a rule is refused: POSIX leaves
// its meaning to the implementation and tzdata never writes one.
//
// Internal to the calendar library; exposed for its tests. Immutable, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr::calendar {

// The offset in force at one instant.
struct ZoneOffset {
  int32_t utc_offset = 0;  // seconds east of UTC (+28800 for China Standard Time)
  bool is_dst = false;
  std::string abbreviation;  // "CST", "CEST", "-03"
};

class PosixTz {
 public:
  struct RuleDate {
    enum class Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay };  // Jn, n, Mm.w.d
    Kind kind = Kind::kMonthWeekDay;
    int day = 0;          // Jn: 1..365; n: 0..365; Mm.w.d: d, 0 (Sunday)..6
    int month = 0;        // Mm.w.d only: 1..12
    int week = 0;         // Mm.w.d only: 1..5, 5 meaning the last
    int32_t time = 7200;  // seconds after local midnight of that date; may be <0 or >=24h
  };

  static Result<PosixTz> Parse(std::string_view spec);

  // The offset at a UTC instant given in seconds since the epoch.
  ZoneOffset Lookup(int64_t utc_seconds) const;

  const ZoneOffset& standard() const { return std_; }
  bool has_dst() const { return dst_.has_value(); }

 private:
  // The DST start and end, as UTC seconds, of one local year.
  int64_t StartUtc(int year) const;
  int64_t EndUtc(int year) const;

  ZoneOffset std_;
  std::optional<ZoneOffset> dst_;
  RuleDate start_, end_;
};

}  // namespace dipr::calendar
