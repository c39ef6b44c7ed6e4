// Time zones: converting instants (dipr::Time, UTC) to the registrar's local civil time and back.
//
// Zones come from the system's IANA tzdata (/usr/share/zoneinfo/NAME, or $TZDIR/NAME), parsed
// here from the TZif v2+ format (RFC 8536) including the footer's POSIX TZ rule, which gives
// local time after the file's transition table ends. dipr does not use localtime_r or the TZ
// environment variable (process-global state, and one zone per process), and libstdc++ 12 has
// no std::chrono::locate_zone.
//
// Names accepted by Load:
//   "Asia/Shanghai", "Europe/Berlin", ...  a tzdata zone
//   "UTC"                                  UTC, without tzdata
//   "+08:00", "-05:30"                     a fixed offset, without tzdata
// If tzdata is not installed, "Asia/Shanghai" (the default) still loads, as a fixed +08:00
// named CST: exact for every instant since China's last daylight-saving time ended in
// September 1991. source() then says so, for the server to log.
//
// Local time to instant (FromLocal, StartOfDay) uses the rule of RFC 5545 and of JavaScript's
// Temporal ("compatible"):
//   - a local time that does not exist (skipped by a forward jump, e.g. 02:30 on the day Berlin
//     starts summer time) is read with the offset in force before the jump, which lands as far
//     after the jump as the time is into the gap (02:30 → 03:30 CEST);
//   - a local time that occurs twice (repeated after a backward jump) is the earlier one.
// So StartOfDay is always the first instant of that local date, even where midnight is
// skipped (America/Santiago starts summer time at 24:00).
//
// TimeZone is an immutable value: thread-safe, cheap to share by const reference.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/posix_tz.h"
#include "common/status.h"
#include "common/time.h"

namespace dipr::calendar {

inline constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";
inline constexpr std::string_view kSystemZoneinfoDir = "/usr/share/zoneinfo";

// A wall-clock reading in some zone, without the zone.
using LocalTime = std::chrono::local_time<Micros>;

class TimeZone {
 public:
  // Loads NAME (see above) from $TZDIR or /usr/share/zoneinfo.
  static Result<TimeZone> Load(std::string_view name);
  // Loads NAME from the given tzdata directory (tests; unusual installations).
  static Result<TimeZone> Load(std::string_view name, const std::string& zoneinfo_dir);
  // Parses TZif bytes; name is what name() will return.
  static Result<TimeZone> FromTzif(std::string name, std::string_view tzif);
  static TimeZone Utc();
  // A zone that is always utc_offset seconds east of UTC.
  static TimeZone Fixed(std::string name, int32_t utc_offset);

  // The name it was loaded by ("Asia/Shanghai", "+08:00").
  const std::string& name() const { return name_; }
  // Where it came from: "/usr/share/zoneinfo/Asia/Shanghai", "fixed offset", or
  // "built in (no tzdata): fixed +08:00".
  const std::string& source() const { return source_; }

  ZoneOffset OffsetAt(Time t) const;
  LocalTime ToLocal(Time t) const;
  std::chrono::year_month_day LocalDate(Time t) const;
  // The instant of a local wall-clock time, by the gap/overlap rule above.
  Time FromLocal(LocalTime local) const;
  // The first instant of a local date (local midnight, or the end of a gap over midnight).
  Time StartOfDay(std::chrono::year_month_day date) const;

  // RFC 3339 with this zone's offset: "2026-12-19T00:00:00+08:00"; fractional seconds appear
  // only when non-zero (".250000").
  std::string FormatLocal(Time t) const;

 private:
  TimeZone() = default;
  ZoneOffset LookupSeconds(int64_t utc_seconds) const;

  std::string name_;
  std::string source_;
  std::vector<int64_t> transitions_;       // UTC seconds, strictly ascending
  std::vector<uint8_t> transition_types_;  // index into types_, one per transition
  std::vector<ZoneOffset> types_;  // at least one; types_[0] holds before the first transition
  std::optional<PosixTz> footer_;  // after the last transition, when present
};

}  // namespace dipr::calendar
