#include "registry/uscc.h"

#include <gtest/gtest.h>

namespace dipr::registry {
namespace {

TEST(Uscc, WeightsArePowersOfThreeModulo31) {
  // The standard defines W_i = 3^(i-1) mod 31; a code built from one '1' at position i and
  // zeros elsewhere has sum W_i, so its check character reveals the weight.
  int w = 1;
  for (int i = 0; i < 17; ++i) {
    std::string first17(17, '0');
    first17[i] = '1';
    int expect = 31 - w % 31;
    EXPECT_EQ(*UsccCheckCharacter(first17),
              std::string_view("0123456789ABCDEFGHJKLMNPQRTUWXY")[expect == 31 ? 0 : expect])
        << i;
    w = w * 3 % 31;
  }
}

TEST(Uscc, AcceptsCodesWithTheirCheckCharacter) {
  // The example of GB 32100-2015's annex.
  EXPECT_TRUE(IsValidUscc("91350100M000100Y43"));
  for (std::string first17 : {"91330100MA27XJ5G2", "12100000400000624", "5211000050001330X"}) {
    auto c = UsccCheckCharacter(first17);
    ASSERT_TRUE(c.has_value()) << first17;
    EXPECT_TRUE(IsValidUscc(first17 + *c)) << first17;
  }
}

TEST(Uscc, RejectsWrongCheckCharactersLengthsAndAlphabet) {
  EXPECT_FALSE(IsValidUscc("91350100M000100Y44"));  // wrong check character
  EXPECT_FALSE(IsValidUscc("91350100M000100Y4"));   // 17 characters
  EXPECT_FALSE(IsValidUscc("91350100M000100Y433"));
  EXPECT_FALSE(IsValidUscc("91350100m000100Y43"));  // lower case
  EXPECT_FALSE(IsValidUscc("91350100I000100Y43"));  // I is not in the alphabet
  EXPECT_FALSE(IsValidUscc(""));
  // Every single-character change of a valid code is caught.
  std::string good = "91350100M000100Y43";
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : std::string_view("0123456789ABCDEFGHJKLMNPQRTUWXY")) {
      if (c == good[i]) continue;
      std::string bad = good;
      bad[i] = c;
      EXPECT_FALSE(IsValidUscc(bad)) << bad;
    }
  }
}

}  // namespace
}  // namespace dipr::registry
