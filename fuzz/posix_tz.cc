// POSIX TZ strings (calendar/posix_tz.h), as in a TZif footer: a string that parses gives an
// offset within a day of UTC for any instant, near the epoch, in 2100 and at the extremes of the
// years TZif can name.
#include <cstdint>
#include <cstring>

#include "calendar/posix_tz.h"
#include "fuzz_check.h"

using dipr::calendar::PosixTz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first 8 bytes (if any) pick one more instant to look up; the rest is the TZ string.
  int64_t extra = 0;
  if (size >= 8) {
    std::memcpy(&extra, data, 8);
    data += 8;
    size -= 8;
  }
  auto tz = PosixTz::Parse(dipr::fuzz::AsText(data, size));
  if (!tz.ok()) return 0;
  // TZif instants are 64-bit seconds; the calendar only asks for years 1..9999.
  const int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  const int64_t kMin = -62135596800;  // 0001-01-01T00:00:00Z
  int64_t clamped = extra < kMin ? kMin : extra > kMax ? kMax : extra;
  for (int64_t t : {int64_t{0}, int64_t{4102444800}, kMin, kMax, clamped}) {
    auto off = tz->Lookup(t);
    FUZZ_CHECK(off.utc_offset > -7 * 24 * 3600 && off.utc_offset < 7 * 24 * 3600,
               "an offset within a week of UTC");
  }
  return 0;
}
