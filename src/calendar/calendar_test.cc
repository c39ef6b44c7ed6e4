#include "calendar/calendar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "calendar/read_file.h"
#include "common/testing.h"

namespace dipr::calendar {
namespace {

namespace chr = std::chrono;

chr::year_month_day D(int y, unsigned m, unsigned d) { return chr::year(y) / m / d; }

bool Working(const Calendar& cal, chr::year_month_day d) {
  auto w = cal.IsWorkingDay(d);
  EXPECT_TRUE(w.ok()) << FormatDate(d) << ": " << w.status().ToString();
  return w.ok() && *w;
}

int WorkingDaysIn(const Calendar& cal, int year) {
  int n = 0;
  for (chr::sys_days d = chr::sys_days(D(year, 1, 1)); d <= chr::sys_days(D(year, 12, 31));
       d += chr::days(1)) {
    n += Working(cal, chr::year_month_day(d)) ? 1 : 0;
  }
  return n;
}

TEST(ParseDate, AcceptsOnlyRealZeroPaddedDates) {
  EXPECT_EQ(*ParseDate("2026-02-17"), D(2026, 2, 17));
  EXPECT_EQ(*ParseDate("2028-02-29"), D(2028, 2, 29));
  for (std::string_view bad :
       {"", "2026-2-17", "2026-02-30", "2027-02-29", "2026-13-01", "2026-00-10", "2026-01-00",
        "2026/02/17", "2026-02-17 ", "20260217", "2026-02-1x", "+026-02-17"}) {
    EXPECT_FALSE(ParseDate(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatDate(D(2026, 2, 7)), "2026-02-07");
}

TEST(DefaultCalendar, IsTheShippedFileAndCovers2026And2027) {
  auto file = ReadSmallFile(testenv::SourceDir() + "/data/calendars/cn.json", 1 << 20);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(DefaultCalendarJson(), *file);
  const Calendar& cn = DefaultCalendar();
  EXPECT_EQ(cn.name(), "CN");
  EXPECT_EQ(cn.time_zone(), "Asia/Shanghai");
  EXPECT_EQ(cn.years(), (std::vector<int>{2026, 2027}));
  // When cn.json gets the official 2027 schedule, this becomes empty (and 2028 provisional).
  EXPECT_EQ(cn.provisional_years(), (std::vector<int>{2027}));
  EXPECT_EQ(cn.Summary(), "CN (Asia/Shanghai) covers 2026, 2027; provisional: 2027");
  EXPECT_FALSE(cn.IsProvisional(D(2026, 12, 31)));
  EXPECT_TRUE(cn.IsProvisional(D(2027, 1, 1)));
}

TEST(DefaultCalendar, China2026) {
  // 国办发明电〔2025〕7号: seven holidays and six adjusted working days.
  const Calendar& cn = DefaultCalendar();
  struct Case {
    chr::year_month_day day;
    bool working;
  } cases[] = {
      // clang-format off
      {D(2026, 1, 1), false},   // Thursday, New Year's Day
      {D(2026, 1, 2), false},   // Friday, bridge day
      {D(2026, 1, 4), true},    // Sunday, worked
      {D(2026, 1, 5), true},
      {D(2026, 2, 13), true},   // Friday before the Spring Festival
      {D(2026, 2, 14), true},   // Saturday, worked
      {D(2026, 2, 15), false},  // Sunday, 腊月二十八: the holiday starts
      {D(2026, 2, 16), false},  // Monday, 除夕
      {D(2026, 2, 17), false},  // Tuesday, 春节
      {D(2026, 2, 23), false},  // Monday, last day of the holiday
      {D(2026, 2, 24), true},
      {D(2026, 2, 28), true},   // Saturday, worked
      {D(2026, 3, 1), false},   // an ordinary Sunday
      {D(2026, 4, 6), false},   // Monday, Qingming (April 5 is a Sunday)
      {D(2026, 5, 5), false},   // Tuesday, Labour Day
      {D(2026, 5, 9), true},    // Saturday, worked
      {D(2026, 6, 19), false},  // Friday, Dragon Boat
      {D(2026, 9, 20), true},   // Sunday, worked
      {D(2026, 9, 25), false},  // Friday, Mid-Autumn
      {D(2026, 10, 1), false},  // Thursday, National Day
      {D(2026, 10, 7), false},  // Wednesday
      {D(2026, 10, 8), true},
      {D(2026, 10, 10), true},  // Saturday, worked
      {D(2026, 10, 11), false},
      {D(2026, 12, 25), true},  // Christmas is not a holiday
      // clang-format on
  };
  for (const Case& c : cases) EXPECT_EQ(Working(cn, c.day), c.working) << FormatDate(c.day);
  // 261 weekdays, less the 13 statutory days (all made weekday rest days by the schedule).
  EXPECT_EQ(WorkingDaysIn(cn, 2026), 248);
}

TEST(DefaultCalendar, China2027IsProvisionalStatutoryDays) {
  const Calendar& cn = DefaultCalendar();
  EXPECT_FALSE(Working(cn, D(2027, 1, 1)));   // Friday, New Year's Day
  EXPECT_FALSE(Working(cn, D(2027, 2, 5)));   // Friday, 除夕
  EXPECT_FALSE(Working(cn, D(2027, 2, 8)));   // Monday, 初三
  EXPECT_FALSE(Working(cn, D(2027, 2, 10)));  // Wednesday, make-up for 初一 on a Saturday
  EXPECT_TRUE(Working(cn, D(2027, 2, 11)));
  EXPECT_FALSE(Working(cn, D(2027, 10, 5)));  // Tuesday, make-up for October 3 (Sunday)
  EXPECT_TRUE(Working(cn, D(2027, 10, 6)));
  EXPECT_EQ(WorkingDaysIn(cn, 2027), 248);
}

TEST(Calendar, RefusesDatesOutsideItsYears) {
  const Calendar& cn = DefaultCalendar();
  for (auto d : {D(2025, 12, 31), D(2028, 1, 3)}) {
    auto w = cn.IsWorkingDay(d);
    ASSERT_FALSE(w.ok()) << FormatDate(d);
    EXPECT_EQ(w.status().code(), Code::kUnavailable);
    EXPECT_NE(w.status().message().find(FormatDate(d)), std::string::npos);
    EXPECT_NE(w.status().message().find("2026, 2027"), std::string::npos);
  }
  EXPECT_FALSE(cn.Covers(D(2028, 1, 1)));
  EXPECT_TRUE(cn.Covers(D(2027, 12, 31)));
}

constexpr std::string_view kMinimal =
    R"({"name": "T", "time_zone": "Asia/Shanghai", "years": [2026],
        "holidays": ["2026-01-01"], "working_days": []})";

TEST(Calendar, ParsesAMinimalFile) {
  auto cal = Calendar::Parse(kMinimal);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->note(), "");
  EXPECT_TRUE(cal->provisional_years().empty());
  EXPECT_FALSE(*cal->IsWorkingDay(D(2026, 1, 1)));
  EXPECT_TRUE(*cal->IsWorkingDay(D(2026, 1, 2)));
  EXPECT_FALSE(*cal->IsWorkingDay(D(2026, 1, 3)));  // Saturday
}

TEST(Calendar, ValidationErrorsSayWhatIsWrong) {
  struct Case {
    std::string_view json;
    std::string_view message;
  } cases[] = {
      {"", "not valid JSON"},
      {R"({"name": "T",)", "not valid JSON"},
      {"[]", "one JSON object"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"],
           "working_days":[],"holiday":[]})",
       R"(unknown key "holiday")"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"],
           "holidays":[],"working_days":[]})",
       R"(key "holidays" appears twice)"},
      {R"({"time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"],
           "working_days":[]})",
       R"(missing "name")"},
      {R"({"name":"","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"],
           "working_days":[]})",
       R"("name" must be a non-empty string)"},
      {R"({"name":"T","years":[2026],"holidays":["2026-01-01"],"working_days":[]})",
       R"(missing "time_zone")"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","holidays":["2026-01-01"],
           "working_days":[]})",
       R"(missing "years")"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[],"holidays":[],
           "working_days":[]})",
       R"("years" is empty)"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":["2026"],"holidays":["2026-01-01"],
           "working_days":[]})",
       R"(years[0]: "2026" is not a year)"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026.5],"holidays":["2026-01-01"],
           "working_days":[]})",
       "is not a year"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026,2026],
           "holidays":["2026-01-01"],"working_days":[]})",
       "years[1]: 2026 is listed twice"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"provisional_years":[2027],
           "holidays":["2026-01-01"],"working_days":[]})",
       R"(provisional year 2027 is not in "years")"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"]})",
       R"(missing "working_days")"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":"2026-01-01",
           "working_days":[]})",
       R"("holidays" must be an array)"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":[20260101],
           "working_days":[]})",
       "holidays[0]: 20260101 is not a string"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-01-01","2026-02-30"],"working_days":[]})",
       R"(holidays[1] "2026-02-30": "2026-02-30" is not a date (want YYYY-MM-DD))"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-1-1"],
           "working_days":[]})",
       "is not a date"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-02-23/2026-02-15"],"working_days":[]})",
       "the range ends before it starts"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-02-15/2026-02-23/2026-02-24"],"working_days":[]})",
       "is not a date"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026,2027],
           "holidays":["2026-01-01/2027-01-02"],"working_days":[]})",
       "the range is too long"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-01-01","2027-01-01"],"working_days":[]})",
       R"(holidays[1] "2027-01-01": 2027-01-01 is not in a covered year)"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-12-31/2027-01-01"],"working_days":[]})",
       "2027-01-01 is not in a covered year"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-02-15/2026-02-23","2026-02-20"],"working_days":[]})",
       "holidays: 2026-02-20 is listed twice"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],
           "holidays":["2026-01-01/2026-01-04"],"working_days":["2026-01-04"]})",
       "2026-01-04 is in both holidays and working_days"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"],
           "working_days":["2026-01-05"]})",
       "working_days: 2026-01-05 is a Monday"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026,2027],
           "holidays":["2026-01-01"],"working_days":[]})",
       "year 2027 is covered but has no holidays"},
      {R"({"name":"T","time_zone":"Asia/Shanghai","years":[2026],"holidays":["2026-01-01"],
           "working_days":[],"note":5})",
       R"("note" must be a string)"},
  };
  for (const Case& c : cases) {
    auto cal = Calendar::Parse(c.json);
    ASSERT_FALSE(cal.ok()) << c.json;
    EXPECT_EQ(cal.status().code(), Code::kInvalidArgument) << c.json;
    EXPECT_NE(cal.status().message().find(c.message), std::string::npos)
        << "got: " << cal.status().message() << "\nwant: " << c.message;
  }
}

TEST(Calendar, LoadCalendarFile) {
  std::string path = ::testing::TempDir() + "/calendar_test_load.json";
  {
    std::ofstream out(path);
    out << kMinimal;
  }
  auto cal = LoadCalendarFile(path);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->name(), "T");
  {
    std::ofstream out(path);
    out << R"({"name": "T"})";
  }
  auto bad = LoadCalendarFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind(path + ": calendar: ", 0), 0u) << bad.status().message();
  std::remove(path.c_str());
  EXPECT_EQ(LoadCalendarFile(path).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace dipr::calendar
