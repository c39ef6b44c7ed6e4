// Registration and certificate numbers. See docs/FORMATS.md, "Numbers".
//
//   registration number, 16 characters:  YYYY CCCC SSSSSSS K
//     YYYY     year of registration (registrar's time zone)
//     CCCC     the registrar's 4-digit code (dipr serve --registrar-code)
//     SSSSSSS  serial within the registrar and year, from 0000001
//     K        check character, ISO 7064 MOD 11-2 over the 15 digits: 0-9 or X
//
//   certificate number, 17 digits:       YYYYMM CCCC SSSSSSS
//     YYYYMM   year and month the certificate was issued (registrar's time zone)
//     CCCC     the registrar's code
//     SSSSSSS  serial within the registrar and month, from 0000001
//
// A number is claimed in the store when the event that carries it is sequenced, and a claimed
// number is refused ever after, so numbers never repeat (also across restarts, nodes and
// concurrent grants). Serials may have gaps (an allocated number whose event was refused).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/status.h"
#include "storage/store.h"

namespace dipr::registry {

// The ISO 7064 MOD 11-2 check character ('0'..'9' or 'X') of a string of digits; nullopt for
// anything else (empty, or not all digits).
std::optional<char> Mod11_2Check(std::string_view digits);
bool IsValidRegistrarCode(std::string_view code);  // exactly 4 digits
bool IsValidRegistrationNumber(std::string_view number);
bool IsValidCertificateNumber(std::string_view number);

// year: 4 digits; month: 1..12; serial: 1..9999999.
std::string RegistrationNumberPrefix(int year, std::string_view registrar_code);
std::string CertificateNumberPrefix(int year, int month, std::string_view registrar_code);
std::string MakeRegistrationNumber(int year, std::string_view registrar_code, uint32_t serial);
std::string MakeCertificateNumber(int year, int month, std::string_view registrar_code,
                                  uint32_t serial);

// Hands out the next serial for a prefix: one above both the greatest number claimed in the store
// and the last one this allocator handed out. Thread-safe. Another node may hand out the same
// number; the store then refuses the second claim and the caller allocates again.
class NumberAllocator {
 public:
  explicit NumberAllocator(storage::Store& store) : store_(store) {}
  // kind: "registration" (prefix from RegistrationNumberPrefix) or "certificate".
  Result<std::string> NextRegistrationNumber(int year, std::string_view registrar_code);
  Result<std::string> NextCertificateNumber(int year, int month, std::string_view registrar_code);

 private:
  Result<uint32_t> NextSerial(const std::string& prefix);

  storage::Store& store_;
  Mutex mu_;
  std::map<std::string, uint32_t> last_ DIPR_GUARDED_BY(mu_);  // prefix -> last serial handed out
};

}  // namespace dipr::registry
