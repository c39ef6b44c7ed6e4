#include "common/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include "common/time.h"

namespace dipr {
namespace {

// The fields of the event being logged on this thread. The logger is synchronous (SetupLogging),
// so the formatter runs on the thread that logs, inside LogEvent's call.
thread_local std::span<const LogField> tl_fields;

std::string_view LevelName(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

void AppendEscaped(std::string& out, std::string_view s) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += ch;  // UTF-8 passes through (a JSON reader takes it as it is)
    }
  }
}

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  AppendEscaped(out, s);
  out += '"';
}

bool Bare(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return false;
  }
  return true;
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(256);
    std::string ts = FormatRfc3339(std::chrono::time_point_cast<Micros>(msg.time));
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::string_view level = LevelName(msg.level);
    if (format_ == LogFormat::kJson) {
      line += "{\"ts\":\"";
      line += ts;
      line += "\",\"level\":\"";
      line += level;
      line += "\",\"msg\":";
      AppendQuoted(line, text);
      for (const LogField& f : tl_fields) {
        line += ',';
        AppendQuoted(line, f.key);
        line += ':';
        if (f.number) {
          line += f.value;
        } else {
          AppendQuoted(line, f.value);
        }
      }
      line += '}';
    } else {
      line += ts;
      line += ' ';
      line += level;
      line.append(level.size() < 5 ? 6 - level.size() : 1, ' ');
      AppendEscaped(line, text);
      for (const LogField& f : tl_fields) {
        line += ' ';
        line += f.key;
        line += '=';
        if (f.number || Bare(f.value)) {
          line += f.value;
        } else {
          AppendQuoted(line, f.value);
        }
      }
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  const LogFormat format_;
};

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view s) {
  if (s == "text") return LogFormat::kText;
  if (s == "json") return LogFormat::kJson;
  return InvalidArgument("--log-format must be text or json");
}

Result<spdlog::level::level_enum> ParseLogLevel(std::string_view s) {
  if (s == "trace") return spdlog::level::trace;
  if (s == "debug") return spdlog::level::debug;
  if (s == "info") return spdlog::level::info;
  if (s == "warn") return spdlog::level::warn;
  if (s == "error") return spdlog::level::err;
  return InvalidArgument("--log-level must be trace, debug, info, warn or error");
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format) {
  return std::make_unique<LineFormatter>(format);
}

void SetupLogging(LogFormat format, spdlog::level::level_enum level,
                  std::shared_ptr<spdlog::sinks::sink> sink) {
  if (!sink) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(MakeLogFormatter(format));
  auto logger = std::make_shared<spdlog::logger>("dipr", std::move(sink));
  logger->set_level(level);
  // An error is flushed at once (the process may be about to stop); lower levels as stderr does.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void LogEvent(spdlog::level::level_enum level, std::string_view msg,
              std::span<const LogField> fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::span<const LogField> saved = tl_fields;
  tl_fields = fields;
  logger->log(level, "{}", msg);
  tl_fields = saved;
}

}  // namespace dipr
