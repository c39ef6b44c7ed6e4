#pragma once

#include <string_view>

namespace dipr {

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Number of code points; REQUIRES: IsValidUtf8(s).
size_t Utf8Length(std::string_view s);

}  // namespace dipr
