#include "common/utf8.h"

#include <gtest/gtest.h>

namespace dipr {
namespace {

TEST(Utf8, AcceptsChineseAndAscii) {
  EXPECT_TRUE(IsValidUtf8("数据知识产权 data"));
  EXPECT_EQ(Utf8Length("数据ab"), 4u);
}

TEST(Utf8, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe6\x95"));        // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));        // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));    // surrogate
  EXPECT_FALSE(IsValidUtf8("a\x80"));
}

}  // namespace
}  // namespace dipr
