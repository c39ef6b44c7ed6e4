// Lower-case hexadecimal, as used for digests in JSON and on the command line.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr {

std::string HexEncode(std::span<const uint8_t> bytes);
// Accepts lower- or upper-case digits; an odd length or a non-hex character is an error.
Result<std::string> HexDecode(std::string_view hex);
// True for exactly 64 lower-case hex digits (a SHA-256 digest as dipr prints it).
bool IsLowerHex64(std::string_view s);

}  // namespace dipr
