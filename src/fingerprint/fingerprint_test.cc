#include "fingerprint/fingerprint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/hex.h"

namespace dipr::fingerprint {
namespace {

using crypto::Hash;

// The reference: RFC 6962 section 2.1 transcribed literally, on plain SHA-256, sharing nothing
// with the implementation under test (not even log/hasher).
Hash RefLeaf(std::string_view chunk) {
  return crypto::Sha256Of(std::string(1, '\0') + std::string(chunk));
}

Hash RefMth(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return crypto::Sha256Of("");
  if (n == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;  // the largest power of two smaller than n
  const Hash l = RefMth(leaves, begin, begin + k), r = RefMth(leaves, begin + k, end);
  return crypto::Sha256Of("\x01" + std::string(crypto::HashChars(l)) +
                          std::string(crypto::HashChars(r)));
}

Hash RefDigest(std::string_view data) {
  std::vector<Hash> leaves;
  for (size_t off = 0; off < data.size(); off += 65536)
    leaves.push_back(RefLeaf(data.substr(off, 65536)));
  return RefMth(leaves, 0, leaves.size());
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class TempFile {
 public:
  explicit TempFile(std::string_view contents) {
    std::string tmpl = ::testing::TempDir() + "/fingerprint_test_XXXXXX";
    int fd = mkstemp(tmpl.data());
    EXPECT_GE(fd, 0);
    path_ = tmpl;
    size_t done = 0;
    while (done < contents.size()) {
      ssize_t w = write(fd, contents.data() + done, contents.size() - done);
      EXPECT_GT(w, 0);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    close(fd);
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sizes around every boundary: empty, one byte, one chunk either side, several chunks, and (for
// the per-thread segments of 64 chunks) one segment exactly, one byte over, and a ragged tail.
const std::vector<size_t> kSizes = {
    0, 1, 65535, 65536, 65537, 3 * 65536 + 5, 64 * 65536, 64 * 65536 + 1, 130 * 65536 + 7};

TEST(Fingerprint, EmptyIsEmptyRoot) {
  Result<Fingerprint> fp = FingerprintBytes("");
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(HexEncode(fp->digest),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(fp->size, 0u);
  EXPECT_EQ(fp->chunks, 0u);
  EXPECT_EQ(fp->chunk_size, 65536u);
  EXPECT_EQ(fp->algorithm, "rfc6962-sha256-64k");
}

// Golden vectors computed outside this code base (Python hashlib); also in
// docs/FORMATS.md (section 1) so that other implementations can check themselves.
TEST(Fingerprint, GoldenVectors) {
  EXPECT_EQ(HexEncode(FingerprintBytes("abc")->digest),
            "609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1");
  EXPECT_EQ(HexEncode(FingerprintBytes(std::string(65537, 'a'))->digest),
            "fee54bb2b31d237acb343ff28149dabfc5870a7548b7eb0347a95fbf96bb8e5d");
  EXPECT_EQ(HexEncode(FingerprintBytes(std::string(3 * 65536 + 5, 'a'))->digest),
            "65ded5bb8d486e400a952322c11e9e5499f61ca171c857b5e1e9324cac0eb32e");
}

TEST(Fingerprint, BytesMatchReference) {
  for (size_t size : kSizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::string data = RandomBytes(size, static_cast<uint32_t>(size));
    Result<Fingerprint> fp = FingerprintBytes(data);
    ASSERT_TRUE(fp.ok());
    EXPECT_EQ(HexEncode(fp->digest), HexEncode(RefDigest(data)));
    EXPECT_EQ(fp->size, size);
    EXPECT_EQ(fp->chunks, (size + 65535) / 65536);
  }
}

TEST(Fingerprint, FileMatchesReferenceForEveryThreadCountAndReadMethod) {
  for (size_t size : kSizes) {
    const std::string data = RandomBytes(size, static_cast<uint32_t>(size) + 1);
    const std::string want = HexEncode(RefDigest(data));
    TempFile file(data);
    for (unsigned threads : {0u, 1u, 2u, 3u, 7u}) {
      for (ReadMethod method : {ReadMethod::kAuto, ReadMethod::kPread, ReadMethod::kMmap}) {
        SCOPED_TRACE("size " + std::to_string(size) + ", threads " + std::to_string(threads) +
                     ", method " + std::to_string(static_cast<int>(method)));
        FingerprintOptions opts;
        opts.threads = threads;
        opts.read_method = method;
        Result<Fingerprint> fp = FingerprintFile(file.path(), opts);
        ASSERT_TRUE(fp.ok()) << fp.status().ToString();
        EXPECT_EQ(HexEncode(fp->digest), want);
        EXPECT_EQ(fp->size, size);
        EXPECT_EQ(fp->chunks, (size + 65535) / 65536);
        EXPECT_EQ(*fp, *FingerprintBytes(data));
      }
    }
  }
}

TEST(Fingerprint, MerkleRootMatchesReferenceForEveryTreeShape) {
  std::vector<Hash> leaves;
  for (int n = 0; n <= 70; ++n) {
    SCOPED_TRACE("leaves " + std::to_string(n));
    EXPECT_EQ(MerkleRoot(leaves), RefMth(leaves, 0, leaves.size()));
    leaves.push_back(crypto::Sha256Of(std::to_string(n)));
  }
}

TEST(Fingerprint, ProgressEndsAtTotalAndNeverGoesBack) {
  const std::string data = RandomBytes(130 * 65536 + 7, 9);
  TempFile file(data);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  FingerprintOptions opts;
  opts.threads = 2;
  opts.progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  ASSERT_TRUE(FingerprintFile(file.path(), opts).ok());
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), std::make_pair(uint64_t{data.size()}, uint64_t{data.size()}));
  for (size_t i = 1; i < calls.size(); ++i) {
    EXPECT_LE(calls[i - 1].first, calls[i].first);
    EXPECT_EQ(calls[i].second, data.size());
  }
}

TEST(Fingerprint, ProgressIsCalledForAnEmptyFileToo) {
  TempFile file("");
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  FingerprintOptions opts;
  opts.progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  ASSERT_TRUE(FingerprintFile(file.path(), opts).ok());
  EXPECT_EQ(calls, (std::vector<std::pair<uint64_t, uint64_t>>{{0, 0}}));
}

TEST(Fingerprint, FileChangedWhileReadingIsConflict) {
  for (ReadMethod method : {ReadMethod::kPread, ReadMethod::kMmap}) {
    TempFile file(RandomBytes(3 * 65536, 4));
    FingerprintOptions opts;
    opts.read_method = method;
    // The final progress call comes after the last read and before the check: append there.
    opts.progress = [&](uint64_t done, uint64_t total) {
      if (done != total) return;
      std::ofstream(file.path(), std::ios::app) << "x";
    };
    Result<Fingerprint> fp = FingerprintFile(file.path(), opts);
    ASSERT_FALSE(fp.ok());
    EXPECT_EQ(fp.status().code(), Code::kConflict) << fp.status().ToString();
  }
}

TEST(Fingerprint, MissingFileIsNotFound) {
  Result<Fingerprint> fp = FingerprintFile(::testing::TempDir() + "/no/such/file");
  ASSERT_FALSE(fp.ok());
  EXPECT_EQ(fp.status().code(), Code::kNotFound);
  EXPECT_NE(fp.status().message().find("/no/such/file"), std::string::npos);
}

TEST(Fingerprint, DirectoryIsInvalidArgument) {
  Result<Fingerprint> fp = FingerprintFile(::testing::TempDir());
  ASSERT_FALSE(fp.ok());
  EXPECT_EQ(fp.status().code(), Code::kInvalidArgument);
}

TEST(FingerprintJson, PrintsSortedKeysOnOneLine) {
  Fingerprint fp = *FingerprintBytes("abc");
  EXPECT_EQ(ToJson(fp).dump(),
            R"({"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":1,)"
            R"("digest":"609f6e36d2405585188d5cfd761f407c7cc46a7d3f314c88270469dde315fcd1",)"
            R"("size":3})");
}

TEST(FingerprintJson, RoundTrips) {
  for (size_t size : {0, 1, 65536, 65537}) {
    Fingerprint fp = *FingerprintBytes(RandomBytes(size, 3));
    Result<Fingerprint> back = FingerprintFromJson(nlohmann::json::parse(ToJson(fp).dump()));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, fp);
  }
  // Sizes beyond 2^53 survive (no detour through double).
  Fingerprint big = *FingerprintBytes("");
  big.size = 18446744073709551615u;
  big.chunks = ChunkCount(big.size);
  EXPECT_EQ(big.chunks, 281474976710656u);
  Result<Fingerprint> back = FingerprintFromJson(nlohmann::json::parse(ToJson(big).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, big);
}

TEST(FingerprintJson, AcceptsSignedNonNegativeIntegers) {
  // json built in C++ from int literals holds signed integers.
  nlohmann::json j = ToJson(*FingerprintBytes("abc"));
  j["size"] = 3;
  j["chunks"] = 1;
  j["chunk_size"] = 65536;
  EXPECT_TRUE(FingerprintFromJson(j).ok());
}

struct BadJson {
  std::string name;
  std::function<void(nlohmann::json&)> mutate;
  std::string field;  // expected in the message as "fingerprint.<field>"
};

TEST(FingerprintJson, RejectsEachInvalidField) {
  const std::vector<BadJson> cases = {
      {"unknown algorithm", [](auto& j) { j["algorithm"] = "sha256"; }, "algorithm"},
      {"algorithm not a string", [](auto& j) { j["algorithm"] = 1; }, "algorithm"},
      {"algorithm missing", [](auto& j) { j.erase("algorithm"); }, "algorithm"},
      {"digest upper case",
       [](auto& j) {
         std::string d = j["digest"];
         for (char& c : d) c = static_cast<char>(toupper(c));
         j["digest"] = d;
       },
       "digest"},
      {"digest too short", [](auto& j) { j["digest"] = std::string(63, 'a'); }, "digest"},
      {"digest too long", [](auto& j) { j["digest"] = std::string(66, 'a'); }, "digest"},
      {"digest not hex", [](auto& j) { j["digest"] = std::string(63, 'a') + "g"; }, "digest"},
      {"digest not a string", [](auto& j) { j["digest"] = 5; }, "digest"},
      {"digest missing", [](auto& j) { j.erase("digest"); }, "digest"},
      {"size negative", [](auto& j) { j["size"] = -3; }, "size"},
      {"size fractional", [](auto& j) { j["size"] = 3.5; }, "size"},
      {"size float", [](auto& j) { j["size"] = 3.0; }, "size"},
      {"size a string", [](auto& j) { j["size"] = "3"; }, "size"},
      {"size null", [](auto& j) { j["size"] = nullptr; }, "size"},
      {"size missing", [](auto& j) { j.erase("size"); }, "size"},
      {"chunk_size wrong", [](auto& j) { j["chunk_size"] = 4096; }, "chunk_size"},
      {"chunk_size negative", [](auto& j) { j["chunk_size"] = -65536; }, "chunk_size"},
      {"chunk_size missing", [](auto& j) { j.erase("chunk_size"); }, "chunk_size"},
      {"chunks inconsistent", [](auto& j) { j["chunks"] = 2; }, "chunks"},
      {"chunks negative", [](auto& j) { j["chunks"] = -1; }, "chunks"},
      {"chunks missing", [](auto& j) { j.erase("chunks"); }, "chunks"},
      {"unknown field", [](auto& j) { j["name"] = "x"; }, "name"},
      {"unknown field with a newline", [](auto& j) { j["a\nb"] = "x"; }, "a\\nb"},
      {"long unknown algorithm cut mid-character",
       [](auto& j) { j["algorithm"] = std::string(63, 'a') + "\xc3\xa9"; }, "algorithm"},
  };
  for (const BadJson& c : cases) {
    SCOPED_TRACE(c.name);
    nlohmann::json j = ToJson(*FingerprintBytes("abc"));
    c.mutate(j);
    Result<Fingerprint> fp = FingerprintFromJson(j);
    ASSERT_FALSE(fp.ok());
    EXPECT_EQ(fp.status().code(), Code::kInvalidArgument);
    EXPECT_NE(fp.status().message().find("fingerprint." + c.field + ":"), std::string::npos)
        << fp.status().message();
  }
}

TEST(FingerprintJson, RejectsNonObjects) {
  for (const char* text : {"[]", "null", "\"x\"", "3"}) {
    Result<Fingerprint> fp = FingerprintFromJson(nlohmann::json::parse(text));
    ASSERT_FALSE(fp.ok());
    EXPECT_EQ(fp.status().code(), Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace dipr::fingerprint
