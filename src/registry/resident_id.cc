#include "registry/resident_id.h"

#include "registry/numbers.h"

namespace dipr::registry {
namespace {

int Digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsRealDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1800 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace

bool IsValidResidentId(std::string_view id) {
  if (id.size() != 18) return false;
  auto check = Mod11_2Check(id.substr(0, 17));  // nullopt unless 17 digits
  if (!check || *check != id[17]) return false;
  return IsRealDate(Digits(id.substr(6, 4)), Digits(id.substr(10, 2)), Digits(id.substr(12, 2)));
}

}  // namespace dipr::registry
