#include "common/time.h"

#include <gtest/gtest.h>

namespace dipr {
namespace {

TEST(Time, FormatsUtcWithMilliseconds) {
  Time t = *ParseRfc3339("2026-11-26T01:53:46.123456Z");
  EXPECT_EQ(FormatRfc3339(t), "2026-11-26T01:53:46.123Z");
}

TEST(Time, ParsesOffsets) {
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-11-26T09:53:46+08:00")), "2026-11-26T01:53:46.000Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("1970-01-01T00:00:00Z")), "1970-01-01T00:00:00.000Z");
}

TEST(Time, RejectsMalformed) {
  for (const char* s : {"", "2026-11-26", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                        "2026-11-26T01:53:46", "2026-11-26T01:53:46.Z", "2026-11-26T01:53:46Zx"}) {
    EXPECT_FALSE(ParseRfc3339(s).ok()) << s;
  }
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(*ParseRfc3339("2026-01-01T00:00:00Z"));
  Time before = clock.Now();
  clock.Advance(std::chrono::hours(24));
  EXPECT_EQ(FormatRfc3339(clock.Now()), "2026-01-02T00:00:00.000Z");
  EXPECT_LT(before, clock.Now());
}

}  // namespace
}  // namespace dipr
