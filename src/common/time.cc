#include "common/time.h"

#include <fmt/format.h>

#include <cstdio>

namespace dipr {

Time SystemClock::Now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

std::string FormatRfc3339(Time t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd(days);
  auto in_day = t - days;
  auto h = std::chrono::duration_cast<std::chrono::hours>(in_day);
  auto m = std::chrono::duration_cast<std::chrono::minutes>(in_day - h);
  auto s = std::chrono::duration_cast<std::chrono::seconds>(in_day - h - m);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(in_day - h - m - s);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     h.count(), m.count(), s.count(), ms.count());
}

Result<Time> ParseRfc3339(std::string_view s) {
  auto bad = [&] { return InvalidArgument("not an RFC 3339 time: " + std::string(s)); };
  auto digits = [&](size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int Y, M, D, h, m, sec;
  if (!digits(0, 4, Y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, M) || s[7] != '-' ||
      !digits(8, 2, D) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2, h) || s[13] != ':' ||
      !digits(14, 2, m) || s[16] != ':' || !digits(17, 2, sec)) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year(Y), std::chrono::month(M), std::chrono::day(D)};
  if (!ymd.ok() || h > 23 || m > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_us += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return bad();
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  auto tp = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(m) +
            std::chrono::seconds(sec) - std::chrono::minutes(offset_min);
  return Time(std::chrono::time_point_cast<Micros>(tp) + Micros(frac_us));
}

bool IsIsoDate(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || digits(0, 4) < 0) return false;
  const int m = digits(5, 2), d = digits(8, 2);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

}  // namespace dipr
