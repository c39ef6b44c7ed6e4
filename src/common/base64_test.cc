#include "common/base64.h"

#include <gtest/gtest.h>

namespace dipr {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const char* cases[][2] = {{"", ""},
                            {"f", "Zg=="},
                            {"fo", "Zm8="},
                            {"foo", "Zm9v"},
                            {"foob", "Zm9vYg=="},
                            {"fooba", "Zm9vYmE="},
                            {"foobar", "Zm9vYmFy"}};
  for (auto& c : cases) {
    EXPECT_EQ(Base64Encode(std::string_view(c[0])), c[1]);
    EXPECT_EQ(*Base64Decode(c[1]), c[0]);
  }
}

TEST(Base64, RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zg=").ok());       // bad length
  EXPECT_FALSE(Base64Decode("Z!==").ok());      // bad character
  EXPECT_FALSE(Base64Decode("Zh==").ok());      // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zg==Zg==").ok());  // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());
}

}  // namespace
}  // namespace dipr
