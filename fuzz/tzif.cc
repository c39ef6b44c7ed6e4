// TZif files (RFC 8536, calendar/time_zone.h): --time-zone names a file of the system's tzdata,
// or of $TZDIR, which may be anything. A file that parses converts instants both ways.
#include "calendar/time_zone.h"
#include "common/time.h"
#include "fuzz_check.h"

using namespace dipr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto zone = calendar::TimeZone::FromTzif("Fuzz/Zone", fuzz::AsText(data, size));
  if (!zone.ok()) return 0;
  for (const char* when : {"1970-01-01T00:00:00Z", "2026-03-29T01:30:00Z", "2100-10-31T00:00:00Z",
                           "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"}) {
    Time t = ParseRfc3339(when).value();
    (void)zone->OffsetAt(t);
    (void)zone->FormatLocal(t);
    auto date = zone->LocalDate(t);
    FUZZ_CHECK(date.ok(), "a local date is a real date");
    (void)zone->StartOfDay(date);
    (void)zone->FromLocal(zone->ToLocal(t));
  }
  return 0;
}
