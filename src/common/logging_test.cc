#include "common/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "common/time.h"

namespace dipr {
namespace {

// The default logger writing into a string for the test's duration.
class Captured {
 public:
  explicit Captured(LogFormat format) : previous_(spdlog::default_logger()) {
    SetupLogging(format, spdlog::level::info,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
  }
  ~Captured() { spdlog::set_default_logger(previous_); }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(Logging, JsonIsOneObjectPerLineWithUtcTimeLevelMessageAndFields) {
  Captured log(LogFormat::kJson);
  LogEvent(spdlog::level::warn, "access",
           {{"route", "/v1/x/{id}"}, {"status", 401}, {"reason", "line one\nline \"two\""}});
  spdlog::info("plain {}", 1);
  std::istringstream lines(log.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "access");
  EXPECT_EQ(j["route"], "/v1/x/{id}");
  EXPECT_EQ(j["status"], 401);  // a number, not a string
  EXPECT_EQ(j["reason"], "line one\nline \"two\"");
  std::string ts = j["ts"];
  ASSERT_EQ(ts.size(), 24u) << ts;
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_TRUE(ParseRfc3339(ts).ok());
  ASSERT_TRUE(std::getline(lines, line));
  auto plain = nlohmann::json::parse(line);
  EXPECT_EQ(plain["msg"], "plain 1");
  EXPECT_EQ(plain["level"], "info");
  EXPECT_FALSE(std::getline(lines, line));
}

TEST(Logging, TextQuotesValuesThatAreNotOneWord) {
  Captured log(LogFormat::kText);
  LogEvent(spdlog::level::info, "access",
           {{"method", "GET"}, {"status", 200}, {"reason", "a b=\"c\"\n"}, {"empty", ""}});
  std::string s = log.str();
  EXPECT_NE(s.find("Z info  access method=GET status=200 reason=\"a b=\\\"c\\\"\\n\" empty=\"\"\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find('\n'), s.size() - 1) << "one event, one line";
}

TEST(Logging, BelowTheLevelNothingIsWritten) {
  Captured log(LogFormat::kText);
  LogEvent(spdlog::level::debug, "hidden", {{"a", 1}});
  spdlog::debug("hidden too");
  EXPECT_EQ(log.str(), "");
}

TEST(Logging, ParsesTheFlags) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
  EXPECT_EQ(*ParseLogLevel("error"), spdlog::level::err);
  EXPECT_FALSE(ParseLogLevel("fatal").ok());
}

}  // namespace
}  // namespace dipr
