// The unified social credit code (统一社会信用代码) of Chinese enterprises and institutions,
// GB 32100-2015: 18 characters from a 31-character alphabet (digits and capitals without I, O,
// S, V, Z); the 18th is a check character over the first 17 (a weighted sum modulo 31).
//
//   position 1      registration authority (1-9, A, N, Y)
//   position 2      organization type within that authority
//   positions 3-8   administrative division code (6 digits)
//   positions 9-17  organization code (the former GB 11714 code, with its own check character)
//   position 18     check character
//
// Applications (issue 4) require a valid code for a CN enterprise or institution holder.
#pragma once

#include <optional>
#include <string_view>

namespace dipr::registry {

// The check character for the first 17 characters; nullopt if they are not 17 valid characters.
std::optional<char> UsccCheckCharacter(std::string_view first17);
// True for exactly 18 valid characters whose last is the right check character. Upper case only
// (the standard's form); callers may upper-case user input first.
bool IsValidUscc(std::string_view code);

}  // namespace dipr::registry
