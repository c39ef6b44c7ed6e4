#include "registry/numbers.h"

#include <fmt/format.h>

#include <algorithm>

namespace dipr::registry {
namespace {

constexpr uint32_t kMaxSerial = 9999999;

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<char> Mod11_2Check(std::string_view digits) {
  if (digits.empty() || !AllDigits(digits)) return std::nullopt;
  // ISO 7064 MOD 11-2 (as in GB 11643 resident identity numbers): p = (p + digit) * 2 mod 11
  // over the digits, then the check value c makes (p + c) mod 11 == 1; 10 is written X.
  int p = 0;
  for (char c : digits) p = ((p + (c - '0')) * 2) % 11;
  int check = (12 - p) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

bool IsValidRegistrarCode(std::string_view code) { return code.size() == 4 && AllDigits(code); }

bool IsValidRegistrationNumber(std::string_view n) {
  if (n.size() != 16 || !IsValidRegistrarCode(n.substr(4, 4))) return false;
  auto check = Mod11_2Check(n.substr(0, 15));
  return check && *check == n[15] && n.substr(8, 7) != "0000000";
}

bool IsValidCertificateNumber(std::string_view n) {
  if (n.size() != 17 || !AllDigits(n)) return false;
  int month = (n[4] - '0') * 10 + (n[5] - '0');
  return month >= 1 && month <= 12 && n.substr(10, 7) != "0000000";
}

std::string RegistrationNumberPrefix(int year, std::string_view code) {
  return fmt::format("{:04d}{}", year, code);
}
std::string CertificateNumberPrefix(int year, int month, std::string_view code) {
  return fmt::format("{:04d}{:02d}{}", year, month, code);
}
std::string MakeRegistrationNumber(int year, std::string_view code, uint32_t serial) {
  std::string body = fmt::format("{}{:07d}", RegistrationNumberPrefix(year, code), serial);
  return body + *Mod11_2Check(body);
}
std::string MakeCertificateNumber(int year, int month, std::string_view code, uint32_t serial) {
  return fmt::format("{}{:07d}", CertificateNumberPrefix(year, month, code), serial);
}

Result<uint32_t> NumberAllocator::NextSerial(const std::string& prefix) {
  ASSIGN_OR_RETURN(std::string max, store_.MaxNumber(prefix));
  uint32_t stored = 0;
  if (!max.empty()) {
    if (max.size() < prefix.size() + 7) return DataLoss("stored number " + max + " is malformed");
    stored = static_cast<uint32_t>(std::stoul(max.substr(prefix.size(), 7)));
  }
  MutexLock lock(mu_);
  uint32_t& last = last_[prefix];
  last = std::max(last, stored) + 1;
  if (last > kMaxSerial) {
    return Unavailable(fmt::format("the serials of {} are used up", prefix));
  }
  return last;
}

Result<std::string> NumberAllocator::NextRegistrationNumber(int year, std::string_view code) {
  ASSIGN_OR_RETURN(uint32_t serial, NextSerial(RegistrationNumberPrefix(year, code)));
  return MakeRegistrationNumber(year, code, serial);
}

Result<std::string> NumberAllocator::NextCertificateNumber(int year, int month,
                                                           std::string_view code) {
  ASSIGN_OR_RETURN(uint32_t serial, NextSerial(CertificateNumberPrefix(year, month, code)));
  return MakeCertificateNumber(year, month, code, serial);
}

}  // namespace dipr::registry
