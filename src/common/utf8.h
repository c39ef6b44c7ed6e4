#pragma once

#include <cstddef>
#include <string_view>

namespace dipr {

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Number of code points; REQUIRES: IsValidUtf8(s).
size_t Utf8Length(std::string_view s);
// The code point that starts at s[i], advancing i past it; REQUIRES: IsValidUtf8(s), i < size.
char32_t NextCodePoint(std::string_view s, size_t& i);

// Unicode facts about one code point (Unicode 15), for the registry's text rules
// (registry/validate.h):
// - U+0080..U+009F, the C1 control characters.
bool IsC1Control(char32_t c);
// - The bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), which
//   reorder what a reader sees ("Trojan Source").
bool IsBidiControl(char32_t c);
// - The 66 noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
bool IsNoncharacter(char32_t c);
// - What draws nothing: White_Space (spaces, tabs, line ends, NBSP, U+2000..U+200A, U+3000, ...)
//   and Default_Ignorable_Code_Point (soft hyphen, ZWSP, ZWNJ, ZWJ, LRM/RLM, word joiner,
//   U+FEFF, variation selectors, Hangul fillers, tags, ...).
bool IsInvisible(char32_t c);

}  // namespace dipr
