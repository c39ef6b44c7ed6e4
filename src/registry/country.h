// Country codes: ISO 3166-1 alpha-2, the officially assigned codes only (249, as of the
// standard's 2024 state; the same list as Debian's iso-codes 4.15 iso_3166-1.json). User-assigned
// codes (AA, QM..QZ, XA..XZ — so also XK, used for Kosovo — and ZZ), exceptionally and
// transitionally reserved codes (EU, UK, ...) and withdrawn codes (AN, CS, ...) are not assigned.
// This table is the one place the registry knows them; update it when ISO assigns a code.
#pragma once

#include <string_view>

namespace dipr::registry {

// True for an assigned ISO 3166-1 alpha-2 code in capitals ("CN", "FR"); false for "ZZ", "cn".
bool IsAssignedCountryCode(std::string_view code);

}  // namespace dipr::registry
