#include "verify/checkpoint.h"

#include <gtest/gtest.h>

#include "verify/hasher.h"

namespace dipr::log {
namespace {

TEST(Checkpoint, RoundTripsThroughASignedNote) {
  crypto::NoteSigner signer("dipr.example/log", crypto::Ed25519PrivateKey::Generate());
  Checkpoint c{"dipr.example/log", 12, HashLeaf("x"), {}};
  std::string note = crypto::SignNote(c.Body(), signer);
  auto opened = OpenCheckpoint(note, signer.verifier());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->size, 12u);
  EXPECT_EQ(opened->root, c.root);
}

TEST(Checkpoint, RejectsMalformedBodies) {
  std::string root = Checkpoint{"o", 1, HashLeaf("x"), {}}.Body().substr(4);  // "<b64>\n"
  for (std::string body :
       {std::string("o\n1\n"), "o\n01\n" + root, "o\n-1\n" + root, std::string("o\n1\nAAAA\n"),
        "\n1\n" + root, "o\n1\n" + root + "\n", "o\n18446744073709551616\n" + root}) {
    EXPECT_FALSE(ParseCheckpoint(body).ok()) << body;
  }
  EXPECT_TRUE(ParseCheckpoint("o\n1\n" + root + "ext line\n").ok());
}

TEST(Checkpoint, OriginMustBeTheKeyName) {
  crypto::NoteSigner signer("a.example", crypto::Ed25519PrivateKey::Generate());
  Checkpoint c{"b.example", 1, HashLeaf("x"), {}};
  EXPECT_FALSE(OpenCheckpoint(crypto::SignNote(c.Body(), signer), signer.verifier()).ok());
}

}  // namespace
}  // namespace dipr::log
