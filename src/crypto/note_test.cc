#include "crypto/note.h"

#include <gtest/gtest.h>

namespace dipr::crypto {
namespace {

// The example key and note from golang.org/x/mod/sumdb/note's documentation.
constexpr char kGoSkey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(Note, ParsesGoKeys) {
  auto signer = NoteSigner::Parse(kGoSkey);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer->ToString(), kGoSkey);
  EXPECT_EQ(signer->verifier().ToString(), kGoVkey);
  auto verifier = NoteVerifier::Parse(kGoVkey);
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(verifier->key_id(), 0xc74f20a3u);
}

TEST(Note, SignsExactlyAsGo) {
  // Ed25519 is deterministic, so the same key and text give Go's signature byte for byte.
  auto signer = *NoteSigner::Parse(kGoSkey);
  std::string text =
      "If you think cryptography is the answer to your problem,\n"
      "then you don't know what your problem is.\n";
  EXPECT_EQ(SignNote(text, signer), kGoNote);
  auto opened = OpenNote(kGoNote, *NoteVerifier::Parse(kGoVkey));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, text);
}

TEST(Note, RejectsTamperingAndUnknownKeys) {
  auto verifier = *NoteVerifier::Parse(kGoVkey);
  std::string tampered = kGoNote;
  tampered[3] = 'X';
  EXPECT_FALSE(OpenNote(tampered, verifier).ok());
  auto other = NoteSigner("PeterNeumann", Ed25519PrivateKey::Generate());
  EXPECT_FALSE(OpenNote(kGoNote, other.verifier()).ok());
  EXPECT_FALSE(OpenNote("no signature\n", verifier).ok());
  EXPECT_FALSE(OpenNote("text\n\n- PeterNeumann abc\n", verifier).ok());
}

TEST(Note, AcceptsExtraCosignatures) {
  auto log = NoteSigner("example.com/log", Ed25519PrivateKey::Generate());
  auto witness = NoteSigner("witness.example", Ed25519PrivateKey::Generate());
  std::string text = "example.com/log\n1\nAAAA\n";
  std::string msg = SignNote(text, log) + witness.SignatureLine(text);
  EXPECT_EQ(*OpenNote(msg, log.verifier()), text);
  EXPECT_EQ(*OpenNote(msg, witness.verifier()), text);
  EXPECT_EQ(ParseNote(msg)->signatures.size(), 2u);
}

TEST(Note, ValidatesKeyNames) {
  EXPECT_TRUE(IsValidKeyName("dipr.example/log"));
  EXPECT_TRUE(IsValidKeyName("浙江数据知识产权登记"));
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
}

}  // namespace
}  // namespace dipr::crypto
