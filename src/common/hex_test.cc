#include "common/hex.h"

#include <gtest/gtest.h>

#include "common/bytes.h"

namespace dipr {
namespace {

TEST(Hex, RoundTrips) {
  std::string raw("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(AsBytes(raw)), "0001abff");
  EXPECT_EQ(*HexDecode("0001ABff"), raw);
}

TEST(Hex, RejectsMalformed) {
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Hex, RecognizesDigestForm) {
  EXPECT_TRUE(IsLowerHex64(std::string(64, 'a')));
  EXPECT_FALSE(IsLowerHex64(std::string(64, 'A')));
  EXPECT_FALSE(IsLowerHex64(std::string(63, 'a')));
}

}  // namespace
}  // namespace dipr
