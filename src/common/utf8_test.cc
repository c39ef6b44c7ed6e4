#include "common/utf8.h"

#include <gtest/gtest.h>

#include <vector>

namespace dipr {
namespace {

TEST(Utf8, AcceptsChineseAndAscii) {
  EXPECT_TRUE(IsValidUtf8("数据知识产权 data"));
  EXPECT_EQ(Utf8Length("数据ab"), 4u);
}

TEST(Utf8, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe6\x95"));      // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("a\x80"));
}

TEST(Utf8, DecodesCodePointsAndKnowsWhatDrawsNothing) {
  std::string s = "a\u00e9\u6570\U0001F469";
  std::vector<char32_t> cps;
  for (size_t i = 0; i < s.size();) cps.push_back(NextCodePoint(s, i));
  EXPECT_EQ(cps, (std::vector<char32_t>{U'a', 0xE9, 0x6570, 0x1F469}));
  for (char32_t c : {0x20, 0xA0, 0x200B, 0x200C, 0x200D, 0x2060, 0x3000, 0xFEFF, 0x115F, 0xE0041}) {
    EXPECT_TRUE(IsInvisible(c)) << std::hex << static_cast<uint32_t>(c);
  }
  for (char32_t c : {0x61, 0x6570, 0x1F469, 0x2010, 0x3001}) EXPECT_FALSE(IsInvisible(c));
  EXPECT_TRUE(IsNoncharacter(0xFDD0) && IsNoncharacter(0xFFFE) && IsNoncharacter(0x10FFFF));
  EXPECT_FALSE(IsNoncharacter(0xFFFD) || IsNoncharacter(0xFDF0));
  EXPECT_TRUE(IsBidiControl(0x202E) && IsBidiControl(0x2066) && !IsBidiControl(0x200F));
  EXPECT_TRUE(IsC1Control(0x85) && !IsC1Control(0xA0));
}

}  // namespace
}  // namespace dipr
