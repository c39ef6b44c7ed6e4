// Byte-string helpers shared by every layer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dipr {

// Views a std::string's bytes as unsigned, and back, without copying.
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace dipr
