#include "calendar/posix_tz.h"

#include <cctype>
#include <chrono>
#include <climits>

namespace dipr::calendar {
namespace {

namespace chr = std::chrono;

// A cursor over the spec; every Parse* returns false on malformed input and leaves pos anywhere.
struct Scanner {
  std::string_view s;
  size_t pos = 0;

  bool done() const { return pos == s.size(); }
  bool peek(char c) const { return pos < s.size() && s[pos] == c; }
  bool peek_digit() const {
    return pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]));
  }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++pos;
    return true;
  }
  // 1..max_digits decimal digits.
  bool Number(int max_digits, int& out) {
    size_t start = pos;
    out = 0;
    while (peek_digit() && pos - start < static_cast<size_t>(max_digits)) {
      out = out * 10 + (s[pos++] - '0');
    }
    return pos > start && !peek_digit();
  }
};

bool ParseAbbreviation(Scanner& in, std::string& out) {
  size_t start = in.pos;
  if (in.eat('<')) {
    // Quoted form, for abbreviations like "<+08>" that contain signs and digits.
    while (!in.done() && !in.peek('>')) {
      char c = in.s[in.pos];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-') return false;
      ++in.pos;
    }
    out = std::string(in.s.substr(start + 1, in.pos - start - 1));
    if (!in.eat('>')) return false;
  } else {
    while (!in.done() && std::isalpha(static_cast<unsigned char>(in.s[in.pos]))) ++in.pos;
    out = std::string(in.s.substr(start, in.pos - start));
  }
  return out.size() >= 3;
}

// [+-]hh[:mm[:ss]] with hours <= max_hours, as signed seconds.
bool ParseHms(Scanner& in, int max_hours, int32_t& out) {
  int sign = 1;
  if (in.eat('-')) {
    sign = -1;
  } else {
    in.eat('+');
  }
  int h = 0, m = 0, sec = 0;
  if (!in.Number(3, h) || h > max_hours) return false;
  if (in.eat(':')) {
    if (!in.Number(2, m) || m > 59) return false;
    if (in.eat(':') && (!in.Number(2, sec) || sec > 59)) return false;
  }
  out = sign * (h * 3600 + m * 60 + sec);
  return true;
}

bool ParseRuleDate(Scanner& in, PosixTz::RuleDate& out) {
  using Kind = PosixTz::RuleDate::Kind;
  if (in.eat('J')) {
    out.kind = Kind::kJulianNoLeap;
    if (!in.Number(3, out.day) || out.day < 1 || out.day > 365) return false;
  } else if (in.eat('M')) {
    out.kind = Kind::kMonthWeekDay;
    if (!in.Number(2, out.month) || out.month < 1 || out.month > 12) return false;
    if (!in.eat('.') || !in.Number(1, out.week) || out.week < 1 || out.week > 5) return false;
    if (!in.eat('.') || !in.Number(1, out.day) || out.day > 6) return false;
  } else {
    out.kind = Kind::kZeroBasedDay;
    if (!in.Number(3, out.day) || out.day > 365) return false;
  }
  out.time = 7200;  // POSIX default: 02:00:00
  // RFC 8536 section 3.3.1 allows -167..167 hours here.
  if (in.eat('/') && !ParseHms(in, 167, out.time)) return false;
  return true;
}

// Seconds since the epoch of the rule's local wall-clock moment in the given year.
int64_t LocalSeconds(int year, const PosixTz::RuleDate& r) {
  using Kind = PosixTz::RuleDate::Kind;
  chr::year y(year);
  chr::sys_days day;
  switch (r.kind) {
    case Kind::kJulianNoLeap:
      // Jn never counts February 29: J60 is March 1 in every year.
      day = chr::sys_days(y / 1 / 1) + chr::days(r.day - 1 + (y.is_leap() && r.day >= 60 ? 1 : 0));
      break;
    case Kind::kZeroBasedDay:
      day = chr::sys_days(y / 1 / 1) + chr::days(r.day);
      break;
    case Kind::kMonthWeekDay: {
      chr::month m(static_cast<unsigned>(r.month));
      chr::weekday wd(static_cast<unsigned>(r.day));
      day = r.week == 5 ? chr::sys_days(y / m / wd[chr::last])
                        : chr::sys_days(y / m / wd[static_cast<unsigned>(r.week)]);
      break;
    }
  }
  return static_cast<int64_t>(day.time_since_epoch().count()) * 86400 + r.time;
}

}  // namespace

Result<PosixTz> PosixTz::Parse(std::string_view spec) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("bad POSIX TZ string \"" + std::string(spec) +
                           "\": " + std::string(why));
  };
  Scanner in{spec};
  PosixTz tz;
  int32_t posix_offset = 0;
  if (!ParseAbbreviation(in, tz.std_.abbreviation)) return bad("standard-time name");
  // POSIX offsets count west of Greenwich: "CST-8" is 8 hours east.
  if (!ParseHms(in, 24, posix_offset)) return bad("standard-time offset");
  tz.std_.utc_offset = -posix_offset;
  if (in.done()) return tz;

  ZoneOffset dst;
  dst.is_dst = true;
  if (!ParseAbbreviation(in, dst.abbreviation)) return bad("daylight-time name");
  if (in.peek_digit() || in.peek('+') || in.peek('-')) {
    if (!ParseHms(in, 24, posix_offset)) return bad("daylight-time offset");
    dst.utc_offset = -posix_offset;
  } else {
    dst.utc_offset = tz.std_.utc_offset + 3600;  // POSIX default: one hour ahead
  }
  if (!in.eat(',')) return bad("daylight time without a rule");
  if (!ParseRuleDate(in, tz.start_)) return bad("daylight-time start");
  if (!in.eat(',') || !ParseRuleDate(in, tz.end_)) return bad("daylight-time end");
  if (!in.done()) return bad("trailing characters");
  tz.dst_ = std::move(dst);
  return tz;
}

int64_t PosixTz::StartUtc(int year) const {
  // The start is written in the local time in force before it: standard time.
  return LocalSeconds(year, start_) - std_.utc_offset;
}

int64_t PosixTz::EndUtc(int year) const { return LocalSeconds(year, end_) - dst_->utc_offset; }

ZoneOffset PosixTz::Lookup(int64_t utc_seconds) const {
  if (!dst_) return std_;
  chr::sys_seconds local{chr::seconds(utc_seconds + std_.utc_offset)};
  int year = static_cast<int>(chr::year_month_day(chr::floor<chr::days>(local)).year());
  // The last transition at or before the instant decides. Rule times may lie days outside
  // their own year (up to 167 hours), and in the southern hemisphere DST spans the new year,
  // so the neighbouring years' transitions are considered too, sorted by time. When an end and
  // a start coincide (year-round DST, "0/0,J365/25") the start wins: DST continues.
  int64_t best = INT64_MIN;
  bool in_dst = false;
  for (int y = year - 2; y <= year + 1; ++y) {
    int64_t end = EndUtc(y), start = StartUtc(y);
    if (end <= utc_seconds && end > best) {
      best = end;
      in_dst = false;
    }
    if (start <= utc_seconds && start >= best) {
      best = start;
      in_dst = true;
    }
  }
  return in_dst ? *dst_ : std_;
}

}  // namespace dipr::calendar
