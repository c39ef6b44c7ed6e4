#include "crypto/ed25519.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/bytes.h"
#include "common/hex.h"

namespace dipr::crypto {
namespace {

// RFC 8032 section 7.1, TEST 1.
TEST(Ed25519, Rfc8032Test1) {
  auto seed = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto key = *Ed25519PrivateKey::FromSeed(seed);
  EXPECT_EQ(HexEncode(AsBytes(key.public_key().raw())),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  std::string sig = key.Sign("");
  EXPECT_EQ(HexEncode(AsBytes(sig)),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(key.public_key().Verify("", sig));
  EXPECT_FALSE(key.public_key().Verify("x", sig));
}

TEST(Ed25519, GeneratedKeysSignAndVerify) {
  auto a = Ed25519PrivateKey::Generate();
  auto b = Ed25519PrivateKey::Generate();
  EXPECT_NE(a.seed(), b.seed());
  std::string sig = a.Sign("checkpoint");
  EXPECT_TRUE(a.public_key().Verify("checkpoint", sig));
  EXPECT_FALSE(b.public_key().Verify("checkpoint", sig));
  sig[0] ^= 1;
  EXPECT_FALSE(a.public_key().Verify("checkpoint", sig));
}

TEST(Ed25519, RejectsBadKeyLengths) {
  EXPECT_FALSE(Ed25519PrivateKey::FromSeed("short").ok());
  EXPECT_FALSE(Ed25519PublicKey::FromRaw(std::string(31, 'x')).ok());
}

}  // namespace
}  // namespace dipr::crypto
