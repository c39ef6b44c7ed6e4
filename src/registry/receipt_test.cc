#include "verify/receipt.h"

#include <gtest/gtest.h>

#include "log/appender.h"
#include "log/memory_tiles.h"
#include "verify/hasher.h"
#include "verify/proof.h"

namespace dipr::registry {
namespace {

// A receipt for entry 3 of a 7-entry log signed by a fresh key.
struct Fixture {
  crypto::NoteSigner signer{"test.example/log", crypto::Ed25519PrivateKey::Generate()};
  Receipt receipt;
  Fixture() {
    std::vector<std::string> entries;
    std::vector<crypto::Hash> leaves;
    for (int i = 0; i < 7; ++i) {
      entries.push_back("entry \"" + std::to_string(i) + "\"\n");
      leaves.push_back(log::HashLeaf(entries.back()));
    }
    log::MemoryTiles tiles;
    log::TreeAppender a;
    tiles.Store(a.Append(leaves));
    log::TileNodeReader reader(tiles);
    receipt.index = 3;
    receipt.entry = entries[3];
    receipt.proof = *log::InclusionProof(3, 7, reader);
    receipt.checkpoint =
        crypto::SignNote(log::Checkpoint{"test.example/log", 7, a.root(), {}}.Body(), signer);
  }
};

TEST(Receipt, JsonRoundTripsAndVerifies) {
  Fixture f;
  auto j = nlohmann::json::parse(f.receipt.ToJsonText());
  auto back = Receipt::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->index, 3u);
  EXPECT_EQ(back->entry, f.receipt.entry);
  EXPECT_EQ(back->checkpoint, f.receipt.checkpoint);
  EXPECT_EQ(back->proof, f.receipt.proof);
  auto cp = VerifyReceipt(*back, f.signer.verifier());
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->size, 7u);
}

TEST(Receipt, TamperingIsCaught) {
  Fixture f;
  auto key = f.signer.verifier();
  Receipt r = f.receipt;
  r.entry[0] ^= 1;
  EXPECT_FALSE(VerifyReceipt(r, key).ok());
  r = f.receipt;
  r.index = 4;
  EXPECT_FALSE(VerifyReceipt(r, key).ok());
  r = f.receipt;
  r.proof[1][0] ^= 1;
  EXPECT_FALSE(VerifyReceipt(r, key).ok());
  r = f.receipt;
  r.proof.pop_back();
  EXPECT_FALSE(VerifyReceipt(r, key).ok());
  r = f.receipt;
  r.checkpoint[r.checkpoint.find('\n') + 1] = '8';  // claims size 8
  EXPECT_FALSE(VerifyReceipt(r, key).ok());
  crypto::NoteSigner other("test.example/log", crypto::Ed25519PrivateKey::Generate());
  EXPECT_FALSE(VerifyReceipt(f.receipt, other.verifier()).ok());
}

TEST(Receipt, FromJsonRejectsMalformed) {
  for (const char* bad : {R"([])", R"({"index":-1,"entry":"","checkpoint":"","proof":[]})",
                          R"({"index":1,"entry":"!!","checkpoint":"","proof":[]})",
                          R"({"index":1,"entry":"","checkpoint":"","proof":["AAAA"]})",
                          R"({"index":1,"entry":"","proof":[]})"}) {
    EXPECT_FALSE(Receipt::FromJson(nlohmann::json::parse(bad)).ok()) << bad;
  }
}

}  // namespace
}  // namespace dipr::registry
