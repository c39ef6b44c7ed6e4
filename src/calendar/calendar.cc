#include "calendar/calendar.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "calendar/read_file.h"
#include "common/json_parse.h"

namespace dipr::calendar {

// Generated from data/calendars/cn.json by CMakeLists.txt.
extern const std::string_view kDefaultCalendarJson;

namespace {

namespace chr = std::chrono;
using json = nlohmann::json;

constexpr size_t kMaxCalendarBytes = 1 << 20;
constexpr int kMinYear = 1949;
constexpr int kMaxYear = 9999;
// A holiday or adjusted-working-day range longer than a year is a typo, not a schedule.
constexpr int kMaxRangeDays = 366;

int32_t DayNumber(chr::year_month_day d) {
  return static_cast<int32_t>(chr::sys_days(d).time_since_epoch().count());
}

chr::year_month_day FromDayNumber(int32_t n) {
  return chr::year_month_day(chr::sys_days(chr::days(n)));
}

int YearOf(int32_t day) { return static_cast<int>(FromDayNumber(day).year()); }

bool Contains(const std::vector<int>& sorted, int v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

const char* WeekdayName(chr::weekday wd) {
  static constexpr const char* kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
  return kNames[wd.c_encoding()];
}

// A list of integer years; duplicates and years outside [kMinYear, kMaxYear] are errors.
Result<std::vector<int>> ParseYears(const json& j, std::string_view key) {
  if (!j.is_array()) return InvalidArgument(fmt::format("\"{}\" must be an array of years", key));
  std::vector<int> years;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& y = j[i];
    if (!y.is_number_integer() || y.get<int64_t>() < kMinYear || y.get<int64_t>() > kMaxYear) {
      return InvalidArgument(
          fmt::format("{}[{}]: {} is not a year ({}..{})", key, i, y.dump(), kMinYear, kMaxYear));
    }
    int v = y.get<int>();
    if (std::find(years.begin(), years.end(), v) != years.end()) {
      return InvalidArgument(fmt::format("{}[{}]: {} is listed twice", key, i, v));
    }
    years.push_back(v);
  }
  std::sort(years.begin(), years.end());
  return years;
}

// Expands a list of "YYYY-MM-DD" and "YYYY-MM-DD/YYYY-MM-DD" (inclusive) entries into sorted
// day numbers. Every day must fall in a covered year and appear once.
Result<std::vector<int32_t>> ParseDays(const json& j, std::string_view key,
                                       const std::vector<int>& years) {
  if (!j.is_array()) {
    return InvalidArgument(
        fmt::format("\"{}\" must be an array of dates (\"YYYY-MM-DD\") and "
                    "ranges (\"YYYY-MM-DD/YYYY-MM-DD\")",
                    key));
  }
  std::vector<int32_t> days;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) {
      return InvalidArgument(fmt::format("{}[{}]: {} is not a string", key, i, j[i].dump()));
    }
    const std::string& entry = j[i].get_ref<const std::string&>();
    auto where = [&] { return fmt::format("{}[{}] \"{}\"", key, i, entry); };
    size_t slash = entry.find('/');
    std::string_view first_text = std::string_view(entry).substr(0, slash);
    auto first = ParseDate(first_text);
    if (!first.ok()) return InvalidArgument(where() + ": " + first.status().message());
    int32_t from = DayNumber(*first), to = from;
    if (slash != std::string::npos) {
      auto last = ParseDate(std::string_view(entry).substr(slash + 1));
      if (!last.ok()) return InvalidArgument(where() + ": " + last.status().message());
      to = DayNumber(*last);
      if (to < from) return InvalidArgument(where() + ": the range ends before it starts");
      if (to - from >= kMaxRangeDays) return InvalidArgument(where() + ": the range is too long");
    }
    for (int32_t d = from; d <= to; ++d) {
      if (!Contains(years, YearOf(d))) {
        return InvalidArgument(fmt::format("{}: {} is not in a covered year (\"years\")", where(),
                                           FormatDate(FromDayNumber(d))));
      }
      days.push_back(d);
    }
  }
  std::sort(days.begin(), days.end());
  auto dup = std::adjacent_find(days.begin(), days.end());
  if (dup != days.end()) {
    return InvalidArgument(
        fmt::format("{}: {} is listed twice", key, FormatDate(FromDayNumber(*dup))));
  }
  return days;
}

Result<std::string> RequiredString(const json& root, const char* key) {
  auto it = root.find(key);
  if (it == root.end()) return InvalidArgument(fmt::format("missing \"{}\"", key));
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return InvalidArgument(fmt::format("\"{}\" must be a non-empty string", key));
  }
  return it->get<std::string>();
}

}  // namespace

Result<chr::year_month_day> ParseDate(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("\"" + std::string(text) + "\" is not a date (want YYYY-MM-DD)");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (text[i] < '0' || text[i] > '9') return bad();
      parts[p] = parts[p] * 10 + (text[i] - '0');
    }
  }
  chr::year_month_day d{chr::year(parts[0]), chr::month(static_cast<unsigned>(parts[1])),
                        chr::day(static_cast<unsigned>(parts[2]))};
  if (!d.ok()) return bad();
  return d;
}

std::string FormatDate(chr::year_month_day d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

Result<Calendar> Calendar::Parse(std::string_view json_text) {
  auto bad = [](const std::string& why) { return InvalidArgument("calendar: " + why); };
  // Refuses duplicate keys (a calendar that says "holidays" twice is ambiguous) and trailing bytes;
  // the message carries the line and column, which a person editing the file needs.
  auto parsed = ParseJson(json_text);
  if (!parsed.ok()) return bad(parsed.status().message());
  const json root = std::move(parsed).value();
  if (!root.is_object()) return bad("the file must hold one JSON object");

  static const std::set<std::string> kKeys = {
      "name", "time_zone", "years", "provisional_years", "holidays", "working_days", "note"};
  for (const auto& [key, value] : root.items()) {
    if (!kKeys.count(key)) {
      return bad("unknown key \"" + key +
                 "\" (known: name, time_zone, years, provisional_years, holidays, working_days, "
                 "note)");
    }
  }

  Calendar cal;
  auto name = RequiredString(root, "name");
  if (!name.ok()) return bad(name.status().message());
  cal.name_ = *name;
  auto zone = RequiredString(root, "time_zone");
  if (!zone.ok()) return bad(zone.status().message());
  cal.time_zone_ = *zone;
  if (auto it = root.find("note"); it != root.end()) {
    if (!it->is_string()) return bad("\"note\" must be a string");
    cal.note_ = it->get<std::string>();
  }

  if (!root.contains("years")) return bad("missing \"years\" (the years the file covers)");
  auto years = ParseYears(root["years"], "years");
  if (!years.ok()) return bad(years.status().message());
  if (years->empty()) return bad("\"years\" is empty: the file must cover at least one year");
  cal.years_ = *years;
  if (root.contains("provisional_years")) {
    auto provisional = ParseYears(root["provisional_years"], "provisional_years");
    if (!provisional.ok()) return bad(provisional.status().message());
    for (int y : *provisional) {
      if (!Contains(cal.years_, y)) {
        return bad(fmt::format("provisional year {} is not in \"years\"", y));
      }
    }
    cal.provisional_years_ = *provisional;
  }

  for (const char* key : {"holidays", "working_days"}) {
    if (!root.contains(key)) return bad(fmt::format("missing \"{}\" (it may be [])", key));
  }
  auto holidays = ParseDays(root["holidays"], "holidays", cal.years_);
  if (!holidays.ok()) return bad(holidays.status().message());
  auto working = ParseDays(root["working_days"], "working_days", cal.years_);
  if (!working.ok()) return bad(working.status().message());
  cal.holidays_ = std::move(holidays).value();
  cal.working_days_ = std::move(working).value();

  for (int32_t d : cal.working_days_) {
    chr::weekday wd{chr::sys_days(chr::days(d))};
    if (wd != chr::Saturday && wd != chr::Sunday) {
      return bad(fmt::format("working_days: {} is a {}; list only weekend days that are worked",
                             FormatDate(FromDayNumber(d)), WeekdayName(wd)));
    }
    if (std::binary_search(cal.holidays_.begin(), cal.holidays_.end(), d)) {
      return bad(
          fmt::format("{} is in both holidays and working_days", FormatDate(FromDayNumber(d))));
    }
  }
  // Every year has public holidays; a covered year without any is data that was never entered.
  for (int y : cal.years_) {
    bool any = std::any_of(cal.holidays_.begin(), cal.holidays_.end(),
                           [&](int32_t d) { return YearOf(d) == y; });
    if (!any) return bad(fmt::format("year {} is covered but has no holidays", y));
  }
  return cal;
}

bool Calendar::Covers(chr::year_month_day date) const {
  return Contains(years_, static_cast<int>(date.year()));
}

bool Calendar::IsProvisional(chr::year_month_day date) const {
  return Contains(provisional_years_, static_cast<int>(date.year()));
}

Result<bool> Calendar::IsWorkingDay(chr::year_month_day date) const {
  if (!Covers(date)) {
    return Unavailable(fmt::format(
        "the holiday calendar {} does not cover {} (it covers {}): load a calendar for {} "
        "(see docs/CALENDAR.md)",
        name_, FormatDate(date), fmt::join(years_, ", "), static_cast<int>(date.year())));
  }
  int32_t n = DayNumber(date);
  if (std::binary_search(working_days_.begin(), working_days_.end(), n)) return true;
  chr::weekday wd{chr::sys_days(date)};
  if (wd == chr::Saturday || wd == chr::Sunday) return false;
  return !std::binary_search(holidays_.begin(), holidays_.end(), n);
}

std::string Calendar::Summary() const {
  std::string out = fmt::format("{} ({}) covers {}", name_, time_zone_, fmt::join(years_, ", "));
  if (!provisional_years_.empty()) {
    out += fmt::format("; provisional: {}", fmt::join(provisional_years_, ", "));
  }
  return out;
}

std::string_view DefaultCalendarJson() { return kDefaultCalendarJson; }

const Calendar& DefaultCalendar() {
  static const Calendar calendar = [] {
    auto parsed = Calendar::Parse(kDefaultCalendarJson);
    if (!parsed.ok()) {
      // The file is checked by calendar_test; reaching this is a broken build, not bad input.
      std::fprintf(stderr, "built-in calendar data/calendars/cn.json: %s\n",
                   parsed.status().ToString().c_str());
      std::abort();
    }
    return std::move(parsed).value();
  }();
  return calendar;
}

Result<Calendar> LoadCalendarFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kMaxCalendarBytes));
  auto cal = Calendar::Parse(text);
  if (!cal.ok()) return Status(cal.status().code(), path + ": " + cal.status().message());
  return cal;
}

}  // namespace dipr::calendar
