// Standard base64 (RFC 4648 section 4, with padding), the encoding of hashes in checkpoints,
// signed notes and JSON proofs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dipr {

std::string Base64Encode(std::span<const uint8_t> bytes);
inline std::string Base64Encode(std::string_view s) {
  return Base64Encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
// Strict: padding required, no whitespace, no URL-safe alphabet, no non-zero trailing bits.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace dipr
