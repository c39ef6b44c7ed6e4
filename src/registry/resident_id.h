// The citizen identity number (公民身份号码) of an individual, GB 11643-1999: 18 characters.
//
//   positions 1-6    address code (administrative division, GB/T 2260)
//   positions 7-14   date of birth, YYYYMMDD
//   positions 15-17  sequence code (odd for men, even for women)
//   position 18      check character: ISO 7064 MOD 11-2 over the first 17 digits, 0-9 or X
//
// The same form serves the residence permits of Hong Kong, Macao and Taiwan residents (address
// codes 81, 82, 83) and, since 2023, foreigners' permanent residence cards. The 15-digit numbers
// of the first generation of cards are no longer valid and are refused.
// Applications (issue 9) require a valid number for a CN individual holder, as they require a
// valid credit code (registry/uscc.h) for a CN enterprise or institution.
#pragma once

#include <string_view>

namespace dipr::registry {

// True for 17 digits and the right check character (upper-case 'X' for 10; the standard's form),
// whose date of birth is a real calendar date (Gregorian, from the year 1800).
bool IsValidResidentId(std::string_view id);

}  // namespace dipr::registry
