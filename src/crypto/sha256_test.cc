#include "crypto/sha256.h"

#include <gtest/gtest.h>

#include "common/hex.h"

namespace dipr::crypto {
namespace {

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256Of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalMatchesOneShot) {
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Final(), Sha256Of("abc"));
  h.Reset();
  h.Update("abc");
  EXPECT_EQ(h.Final(), Sha256Of("abc"));
}

}  // namespace
}  // namespace dipr::crypto
