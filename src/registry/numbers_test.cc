#include "registry/numbers.h"

#include <gtest/gtest.h>

namespace dipr::registry {
namespace {

TEST(Mod11_2, MatchesTheResidentIdentityNumberStandardsExample) {
  // GB 11643-1999's example: 11010519491231002X.
  EXPECT_EQ(Mod11_2Check("11010519491231002"), 'X');
  EXPECT_EQ(Mod11_2Check("44052418800101001"), '4');  // 440524188001010014, another public example
  EXPECT_EQ(Mod11_2Check(""), std::nullopt);
  EXPECT_EQ(Mod11_2Check("12a"), std::nullopt);
}

TEST(Numbers, RegistrationNumberLayoutAndCheck) {
  std::string n = MakeRegistrationNumber(2026, "3301", 42);
  ASSERT_EQ(n.size(), 16u);
  EXPECT_EQ(n.substr(0, 15), "202633010000042");
  EXPECT_TRUE(IsValidRegistrationNumber(n));
  // Every single-character change is caught by the check character.
  for (size_t i = 0; i < n.size(); ++i) {
    for (char c : std::string("0123456789X")) {
      if (c == n[i]) continue;
      std::string m = n;
      m[i] = c;
      EXPECT_FALSE(IsValidRegistrationNumber(m)) << m;
    }
  }
  EXPECT_FALSE(IsValidRegistrationNumber(MakeRegistrationNumber(2026, "3301", 0)));
  EXPECT_FALSE(IsValidRegistrationNumber("2026330100000421"));  // too short by... wrong check
}

TEST(Numbers, CertificateNumberLayout) {
  std::string n = MakeCertificateNumber(2026, 12, "3301", 7);
  EXPECT_EQ(n, "20261233010000007");
  EXPECT_TRUE(IsValidCertificateNumber(n));
  EXPECT_FALSE(IsValidCertificateNumber("20261333010000007"));  // month 13
  EXPECT_FALSE(IsValidCertificateNumber("20261233010000000"));  // serial 0
  EXPECT_FALSE(IsValidCertificateNumber("2026123301000000"));   // 16 digits
  EXPECT_FALSE(IsValidCertificateNumber("2026123301000000A"));
}

}  // namespace
}  // namespace dipr::registry
