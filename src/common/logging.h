// The server's log: one line per event on stderr (journald takes it from there), as text for a
// person or as JSON for a collector (Loki, Elasticsearch, journald's JSON export), with the time
// in UTC and the zone written ("2026-12-02T05:40:00.123Z").
//
//   text: 2026-12-02T05:40:00.123Z info  access method=GET route=/log/checkpoint status=200 ...
//   json: {"ts":"2026-12-02T05:40:00.123Z","level":"info","msg":"access","method":"GET",...}
//
// Plain spdlog calls (spdlog::info("...")) come out in the same format with no fields; LogEvent
// adds fields. Values in text are written bare when they are one word, else quoted (with the
// quote and backslash escaped: logfmt); control characters are escaped in both formats, so one
// event is one line.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/status.h"

namespace dipr {

enum class LogFormat { kText, kJson };
Result<LogFormat> ParseLogFormat(std::string_view s);                 // "text" | "json"
Result<spdlog::level::level_enum> ParseLogLevel(std::string_view s);  // trace ... error

// A field of an event: a string, or a number written unquoted.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  LogField(std::string_view k, N n) : key(k), value(Number(n)), number(true) {}

  std::string_view key;
  std::string value;
  bool number = false;

 private:
  template <typename N>
  static std::string Number(N n) {
    if constexpr (std::is_same_v<N, bool>) {
      return n ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<N>) {
      return fmt::format("{:.6g}", n);
    } else {
      return std::to_string(n);
    }
  }
};

// The formatter of both formats (for a sink of one's own, e.g. a test's).
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);
// Makes the default logger write to `sink` (stderr when null) in `format` from `level` up.
// Synchronous: an event is written before the call that logs it returns.
void SetupLogging(LogFormat format, spdlog::level::level_enum level,
                  std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

// Logs msg with fields through the default logger.
void LogEvent(spdlog::level::level_enum level, std::string_view msg,
              std::span<const LogField> fields);
inline void LogEvent(spdlog::level::level_enum level, std::string_view msg,
                     std::initializer_list<LogField> fields) {
  LogEvent(level, msg, std::span<const LogField>(fields.begin(), fields.size()));
}

}  // namespace dipr
