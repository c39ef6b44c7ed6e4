// Time points and the injected clock. Every rule that depends on time (receipt times, later
// notice periods and expiry) reads a Clock, so tests move time without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr {

using Micros = std::chrono::microseconds;
using Time = std::chrono::time_point<std::chrono::system_clock, Micros>;

// RFC 3339 in UTC with millisecond precision: "2026-11-26T01:53:46.123Z".
std::string FormatRfc3339(Time t);
// Accepts RFC 3339 with 'Z' or a numeric offset and 0..9 fractional digits.
Result<Time> ParseRfc3339(std::string_view s);
// A calendar date as the registrar prints it: "2026-12-21" (month 01-12, day 01-31; the day is
// not checked against the month).
bool IsIsoDate(std::string_view s);

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Time Now() const override;
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_(start.time_since_epoch().count()) {}
  Time Now() const override { return Time(Micros(now_.load())); }
  void Advance(Micros d) { now_ += d.count(); }
  void Set(Time t) { now_ = t.time_since_epoch().count(); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace dipr
