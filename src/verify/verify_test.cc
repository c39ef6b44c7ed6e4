#include "verify/verify.h"

#include <gtest/gtest.h>

#include "common/testing.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/base64.h"
#include "verify/hasher.h"

namespace dipr::log {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

::testing::AssertionResult Accepted(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rejected: " << s.ToString();
}

// A hash that is no node of any tree under test.
Hash Arbitrary(uint64_t i) { return crypto::Sha256Of("arbitrary " + std::to_string(i)); }

// ---------------------------------------------------------------------------------------------
// Naive reference: RFC 6962 MTH / PATH / SUBPROOF and the MTC draft's SUBTREE_SUBPROOF, written
// as the literal recursions of the specs, over leaf ranges [lo, hi) so that the same code also
// drives "virtual" trees of nearly 2^64 leaves.

// The largest power of two smaller than n. REQUIRES: n >= 2.
uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

class NaiveTree {
 public:
  explicit NaiveTree(uint64_t size) : size_(size) {}
  virtual ~NaiveTree() = default;
  uint64_t size() const { return size_; }

  // MTH(D[lo:hi]).
  virtual Hash Mth(uint64_t lo, uint64_t hi) const {
    if (lo == hi) return EmptyRoot();
    if (hi - lo == 1) return Leaf(lo);
    const uint64_t k = Split(hi - lo);
    return HashChildren(Mth(lo, lo + k), Mth(lo + k, hi));
  }
  Hash Root() const { return Mth(0, size_); }

  // RFC 6962 PATH(m, D[n]) for the whole tree.
  std::vector<Hash> Inclusion(uint64_t m) const {
    std::vector<Hash> out;
    Path(m, 0, size_, out);
    return out;
  }
  // RFC 6962 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
  std::vector<Hash> Consistency(uint64_t m) const {
    std::vector<Hash> out;
    Subproof(m, 0, size_, true, out);
    return out;
  }
  // MTC SUBTREE_PROOF(start, end, D[n]) = SUBTREE_SUBPROOF(start, end, D[n], true).
  std::vector<Hash> Subtree(uint64_t start, uint64_t end) const {
    std::vector<Hash> out;
    SubtreeSubproof(start, end, 0, size_, true, out);
    return out;
  }

 protected:
  virtual Hash Leaf(uint64_t i) const = 0;

 private:
  void Path(uint64_t m, uint64_t lo, uint64_t hi, std::vector<Hash>& out) const {
    if (hi - lo <= 1) return;
    const uint64_t k = Split(hi - lo);
    if (m < k) {
      Path(m, lo, lo + k, out);
      out.push_back(Mth(lo + k, hi));
    } else {
      Path(m - k, lo + k, hi, out);
      out.push_back(Mth(lo, lo + k));
    }
  }
  void Subproof(uint64_t m, uint64_t lo, uint64_t hi, bool b, std::vector<Hash>& out) const {
    if (m == hi - lo) {
      if (!b) out.push_back(Mth(lo, hi));
      return;
    }
    const uint64_t k = Split(hi - lo);
    if (m <= k) {
      Subproof(m, lo, lo + k, b, out);
      out.push_back(Mth(lo + k, hi));
    } else {
      Subproof(m - k, lo + k, hi, false, out);
      out.push_back(Mth(lo, lo + k));
    }
  }
  // start and end are relative to lo.
  void SubtreeSubproof(uint64_t start, uint64_t end, uint64_t lo, uint64_t hi, bool b,
                       std::vector<Hash>& out) const {
    if (start == 0 && end == hi - lo) {
      if (!b) out.push_back(Mth(lo, hi));
      return;
    }
    const uint64_t k = Split(hi - lo);
    if (end <= k) {
      SubtreeSubproof(start, end, lo, lo + k, b, out);
      out.push_back(Mth(lo + k, hi));
    } else if (start >= k) {
      SubtreeSubproof(start - k, end - k, lo + k, hi, b, out);
      out.push_back(Mth(lo, lo + k));
    } else {
      SubtreeSubproof(0, end - k, lo + k, hi, false, out);
      out.push_back(Mth(lo, lo + k));
    }
  }

  uint64_t size_;
};

// A real tree over the leaves "leaf 0", "leaf 1", ...
class SmallTree : public NaiveTree {
 public:
  explicit SmallTree(uint64_t size) : NaiveTree(size) {}

 protected:
  Hash Leaf(uint64_t i) const override { return HashLeaf("leaf " + std::to_string(i)); }
};

// A tree too large to build. The verifier only ever recomputes nodes on the path above one leaf
// (the proven leaf, or the last leaf of the older tree or subtree), so only perfect subtrees
// containing that `marked` leaf need honest hashes. Every other perfect, aligned subtree gets an
// arbitrary hash of its own, and proofs and roots computed from this tree are then valid test
// data for sizes near 2^64 at O(64^2) hashing cost.
class VirtualTree : public NaiveTree {
 public:
  VirtualTree(uint64_t size, uint64_t marked) : NaiveTree(size), marked_(marked) {}

  Hash Mth(uint64_t lo, uint64_t hi) const override {
    const auto key = std::make_pair(lo, hi);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    const uint64_t n = hi - lo;
    const bool perfect = n != 0 && std::has_single_bit(n) && lo % n == 0;
    const bool marked = lo <= marked_ && marked_ < hi;
    const Hash h = (n == 1 || (perfect && !marked))
                       ? crypto::Sha256Of("node " + std::to_string(lo) + " " + std::to_string(hi))
                       : NaiveTree::Mth(lo, hi);
    cache_.emplace(key, h);
    return h;
  }

 protected:
  Hash Leaf(uint64_t i) const override { return Mth(i, i + 1); }

 private:
  uint64_t marked_;
  mutable std::map<std::pair<uint64_t, uint64_t>, Hash> cache_;
};

// The leaves [offset, offset + size) of `base`, seen as a tree of their own.
class ShiftedTree : public NaiveTree {
 public:
  ShiftedTree(const NaiveTree& base, uint64_t offset, uint64_t size)
      : NaiveTree(size), base_(base), offset_(offset) {}
  Hash Mth(uint64_t lo, uint64_t hi) const override {
    return base_.Mth(lo + offset_, hi + offset_);
  }

 protected:
  Hash Leaf(uint64_t i) const override { return Mth(i, i + 1); }

 private:
  const NaiveTree& base_;
  uint64_t offset_;
};

// The MTC definition, spelled out without bit tricks.
bool NaiveValidSubtree(uint64_t start, uint64_t end) {
  if (start >= end) return false;
  uint64_t ceil = 1;
  while (ceil < end - start) ceil *= 2;
  return start % ceil == 0;
}

// Every single-bit corruption, truncation and extension of `proof`, which `verify` must reject.
template <typename Verify>
void ExpectMutationsRejected(const std::vector<Hash>& proof, Verify verify) {
  for (size_t i = 0; i < proof.size(); ++i) {
    for (int bit : {0, 7, 255}) {
      std::vector<Hash> bad = proof;
      bad[i][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      EXPECT_FALSE(verify(bad).ok()) << "flipped bit " << bit << " of hash " << i;
    }
  }
  if (!proof.empty()) {
    std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
    EXPECT_FALSE(verify(shorter).ok()) << "truncated";
  }
  std::vector<Hash> longer = proof;
  longer.push_back(Arbitrary(999));
  EXPECT_FALSE(verify(longer).ok()) << "extended";
  longer = proof;
  longer.insert(longer.begin(), Arbitrary(998));
  EXPECT_FALSE(verify(longer).ok()) << "prefixed";
}

constexpr uint64_t kMaxLeaves = 33;  // Past 32, so trees of depth 6 and every step shape occur.

TEST(VerifyInclusion, EveryLeafOfSmallTrees) {
  for (uint64_t n = 1; n <= kMaxLeaves; ++n) {
    SmallTree tree(n);
    const Hash root = tree.Root();
    for (uint64_t m = 0; m < n; ++m) {
      SCOPED_TRACE(testing::Message() << "leaf " << m << " of " << n);
      const Hash leaf = tree.Mth(m, m + 1);
      const std::vector<Hash> proof = tree.Inclusion(m);
      EXPECT_TRUE(Accepted(VerifyInclusion(m, n, leaf, proof, root)));
      Result<Hash> computed = RootFromInclusionProof(m, n, leaf, proof);
      ASSERT_TRUE(computed.ok());
      EXPECT_EQ(*computed, root);
      ExpectMutationsRejected(
          proof, [&](const std::vector<Hash>& p) { return VerifyInclusion(m, n, leaf, p, root); });
      EXPECT_FALSE(VerifyInclusion(m, n, Arbitrary(m), proof, root).ok()) << "wrong leaf";
      if (m > 0) {
        EXPECT_FALSE(VerifyInclusion(m - 1, n, leaf, proof, root).ok());
      }
      if (m + 1 < n) {
        EXPECT_FALSE(VerifyInclusion(m + 1, n, leaf, proof, root).ok());
      }
      // Deliberately not checked: the same proof with size n + 1. When both sizes give the
      // leaf the same path shape it verifies, since only the root binds the size.
      EXPECT_FALSE(VerifyInclusion(m, n, leaf, proof, tree.Mth(0, n - 1)).ok());
    }
  }
}

TEST(VerifyConsistency, EveryPairOfSmallTrees) {
  for (uint64_t n = 1; n <= kMaxLeaves; ++n) {
    SmallTree tree(n);
    const Hash root2 = tree.Root();
    for (uint64_t m = 1; m <= n; ++m) {
      SCOPED_TRACE(testing::Message() << "from " << m << " to " << n);
      const Hash root1 = tree.Mth(0, m);
      const std::vector<Hash> proof = tree.Consistency(m);
      EXPECT_TRUE(Accepted(VerifyConsistency(m, n, proof, root1, root2)));
      // The RFC 6962 proof and the MTC subtree proof for [0, m) are the same thing.
      EXPECT_EQ(proof, tree.Subtree(0, m));
      ExpectMutationsRejected(proof, [&](const std::vector<Hash>& p) {
        return VerifyConsistency(m, n, p, root1, root2);
      });
      if (m != n) {
        EXPECT_FALSE(VerifyConsistency(m, n, proof, root2, root1).ok()) << "swapped";
      }
      EXPECT_FALSE(VerifyConsistency(m, n, proof, Arbitrary(1), root2).ok());
      EXPECT_FALSE(VerifyConsistency(m, n, proof, root1, Arbitrary(2)).ok());
      if (m > 1) {
        EXPECT_FALSE(VerifyConsistency(m - 1, n, proof, root1, root2).ok());
      }
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m + 1, n, proof, root1, root2).ok());
      }
    }
    EXPECT_FALSE(VerifyConsistency(0, n, {}, EmptyRoot(), root2).ok());
  }
}

TEST(VerifySubtree, ValidityMatchesTheDefinition) {
  for (uint64_t end = 0; end <= 70; ++end) {
    for (uint64_t start = 0; start <= end + 1; ++start) {
      EXPECT_EQ(IsValidSubtree(start, end), NaiveValidSubtree(start, end))
          << "[" << start << ", " << end << ")";
    }
  }
  EXPECT_TRUE(IsValidSubtree(0, kMax));
  EXPECT_FALSE(IsValidSubtree(1, kMax));
  EXPECT_TRUE(IsValidSubtree(uint64_t{1} << 63, kMax));
  EXPECT_FALSE(IsValidSubtree(1, (uint64_t{1} << 63) + 2));
  EXPECT_TRUE(IsValidSubtree(kMax - 1, kMax));
  EXPECT_FALSE(IsValidSubtree(kMax, kMax));
}

TEST(VerifySubtree, EveryValidSubtreeOfSmallTrees) {
  int checked = 0;
  for (uint64_t n = 1; n <= kMaxLeaves; ++n) {
    SmallTree tree(n);
    const Hash root = tree.Root();
    for (uint64_t end = 1; end <= n; ++end) {
      for (uint64_t start = 0; start < end; ++start) {
        SCOPED_TRACE(testing::Message() << "[" << start << ", " << end << ") of " << n);
        const Hash sub = tree.Mth(start, end);
        if (!NaiveValidSubtree(start, end)) {
          EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, {}, sub, root).ok());
          EXPECT_FALSE(
              VerifySubtreeInclusion(start, start, end, tree.Mth(start, start + 1), {}, sub).ok());
          continue;
        }
        ++checked;
        const std::vector<Hash> proof = tree.Subtree(start, end);
        EXPECT_TRUE(Accepted(VerifySubtreeConsistency(start, end, n, proof, sub, root)));
        ExpectMutationsRejected(proof, [&](const std::vector<Hash>& p) {
          return VerifySubtreeConsistency(start, end, n, p, sub, root);
        });
        EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, proof, Arbitrary(1), root).ok());
        EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, proof, sub, Arbitrary(2)).ok());
        // Not checked with size n + 1, as for inclusion: only the root binds the size.

        // Only n == end gives the inclusion proofs of the subtree's own tree; doing this once
        // per subtree is enough.
        if (n != end) continue;
        const ShiftedTree shifted(tree, start, end - start);
        EXPECT_EQ(shifted.Root(), sub);
        for (uint64_t i = start; i < end; ++i) {
          const Hash leaf = tree.Mth(i, i + 1);
          const std::vector<Hash> path = shifted.Inclusion(i - start);
          EXPECT_TRUE(Accepted(VerifySubtreeInclusion(i, start, end, leaf, path, sub)));
          ExpectMutationsRejected(path, [&](const std::vector<Hash>& p) {
            return VerifySubtreeInclusion(i, start, end, leaf, p, sub);
          });
          // The index is absolute: the relative one only works for subtrees starting at 0.
          if (start > 0) {
            EXPECT_FALSE(VerifySubtreeInclusion(i - start, start, end, leaf, path, sub).ok());
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(VerifySubtree, EmptySubtrees) {
  const Hash empty = EmptyRoot();
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{7}, kMax}) {
    for (uint64_t at : {uint64_t{0}, uint64_t{1}, size / 2, size}) {
      if (at > size) continue;
      EXPECT_TRUE(Accepted(VerifySubtreeConsistency(at, at, size, {}, empty, Arbitrary(3))));
      EXPECT_FALSE(VerifySubtreeConsistency(at, at, size, {}, Arbitrary(3), Arbitrary(3)).ok());
      const Hash one[] = {empty};
      EXPECT_FALSE(VerifySubtreeConsistency(at, at, size, one, empty, empty).ok());
      EXPECT_FALSE(VerifySubtreeInclusion(at, at, at, Arbitrary(1), {}, empty).ok());
    }
  }
  EXPECT_FALSE(VerifySubtreeConsistency(3, 3, 2, {}, empty, empty).ok()) << "beyond the tree";
}

// Sizes near 2^64, where any intermediate overflow would show up, checked against proofs from
// the naive recursions over a virtual tree.
TEST(VerifyHuge, ProofsOverVirtualTrees) {
  const uint64_t h = uint64_t{1} << 63;
  for (uint64_t n : {h, h + 1, kMax - 1, kMax, h + (h >> 1) + 12345}) {
    SCOPED_TRACE(testing::Message() << "size " << n);
    for (uint64_t m :
         {uint64_t{0}, uint64_t{1}, uint64_t{5}, h - 2, h - 1, h, n / 2, n - 2, n - 1}) {
      if (m >= n) continue;
      const VirtualTree tree(n, m);
      const Hash root = tree.Root();
      const Hash leaf = tree.Mth(m, m + 1);
      const std::vector<Hash> proof = tree.Inclusion(m);
      EXPECT_TRUE(Accepted(VerifyInclusion(m, n, leaf, proof, root))) << "leaf " << m;
      ExpectMutationsRejected(
          proof, [&](const std::vector<Hash>& p) { return VerifyInclusion(m, n, leaf, p, root); });
    }
    for (uint64_t m : {uint64_t{1}, uint64_t{2}, uint64_t{3}, h - 1, h, h + 1, n - 1, n}) {
      if (m > n) continue;
      const VirtualTree tree(n, m - 1);
      const Hash root1 = tree.Mth(0, m), root2 = tree.Root();
      const std::vector<Hash> proof = tree.Consistency(m);
      EXPECT_TRUE(Accepted(VerifyConsistency(m, n, proof, root1, root2))) << "from " << m;
      ExpectMutationsRejected(proof, [&](const std::vector<Hash>& p) {
        return VerifyConsistency(m, n, p, root1, root2);
      });
    }
    const std::pair<uint64_t, uint64_t> ranges[] = {{0, 1},     {4, 8}, {8, 13}, {h - 4, h - 1},
                                                    {h, h + 1}, {h, n}, {0, n},  {n - 1, n}};
    for (auto [start, end] : ranges) {
      if (end > n || !IsValidSubtree(start, end)) continue;
      const VirtualTree tree(n, end - 1);
      const Hash sub = tree.Mth(start, end), root = tree.Root();
      const std::vector<Hash> proof = tree.Subtree(start, end);
      EXPECT_TRUE(Accepted(VerifySubtreeConsistency(start, end, n, proof, sub, root)))
          << "[" << start << ", " << end << ")";
      ExpectMutationsRejected(proof, [&](const std::vector<Hash>& p) {
        return VerifySubtreeConsistency(start, end, n, p, sub, root);
      });
    }
  }
}

TEST(VerifyHuge, HostileArgumentsNeverCrash) {
  // Random arguments biased towards the edges, with proofs of random length: every call must
  // return (almost always an error) without crashing or looping.
  std::mt19937_64 rng(6962);
  const uint64_t h = uint64_t{1} << 63;
  const uint64_t edges[] = {0, 1, 2, 3, 7, 8, 9, h - 1, h, h + 1, h + 2, kMax - 2, kMax - 1, kMax};
  auto pick = [&]() -> uint64_t {
    switch (rng() % 3) {
      case 0:
        return edges[rng() % std::size(edges)];
      case 1:
        return rng();
      default:
        return rng() % 40;
    }
  };
  std::vector<Hash> pool;
  for (int i = 0; i < 130; ++i) pool.push_back(Arbitrary(i));
  for (int iter = 0; iter < 20000; ++iter) {
    const uint64_t a = pick(), b = pick(), c = pick();
    std::span<const Hash> proof(pool.data(), rng() % pool.size());
    (void)VerifyInclusion(a, b, pool[0], proof, pool[1]);
    (void)RootFromInclusionProof(a, b, pool[0], proof);
    (void)VerifyConsistency(a, b, proof, pool[0], pool[1]);
    (void)VerifySubtreeInclusion(a, b, c, pool[0], proof, pool[1]);
    (void)VerifySubtreeConsistency(a, b, c, proof, pool[0], pool[1]);
  }
}

TEST(VerifyErrors, MessagesSayWhatIsWrong) {
  SmallTree tree(8);
  const Hash leaf = tree.Mth(3, 4);
  const std::vector<Hash> three = tree.Inclusion(3);
  std::vector<Hash> four = three;
  four.push_back(Arbitrary(4));
  EXPECT_EQ(VerifyInclusion(3, 8, leaf, four, tree.Root()).message(), "proof has 4 hashes, want 3");
  EXPECT_EQ(VerifyInclusion(9, 8, leaf, three, tree.Root()).message(),
            "index 9 outside tree of size 8");
  EXPECT_EQ(VerifyInclusion(3, 8, leaf, three, Arbitrary(0)).message(), "root mismatch");
  EXPECT_EQ(VerifyInclusion(3, 8, leaf, three, Arbitrary(0)).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(9, 8, {}, Arbitrary(0), Arbitrary(1)).message(),
            "size1 9 is larger than size2 8");
  EXPECT_EQ(VerifyConsistency(8, 8, {}, Arbitrary(0), Arbitrary(1)).message(), "root2 mismatch");
  EXPECT_EQ(VerifySubtreeInclusion(3, 3, 5, leaf, {}, Arbitrary(0)).message(),
            "[3, 5) is not a valid subtree: start is not a multiple of 2");
  EXPECT_EQ(VerifySubtreeConsistency(0, 9, 8, {}, Arbitrary(0), Arbitrary(1)).message(),
            "subtree [0, 9) extends beyond the tree of size 8");
  EXPECT_EQ(VerifySubtreeInclusion(9, 8, 13, leaf, {}, Arbitrary(0)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(VerifySubtreeInclusion(0, 8, 13, leaf, {}, Arbitrary(0)).message(),
            "index 0 outside subtree [8, 13)");
}

// ---------------------------------------------------------------------------------------------
// The transparency-dev/merkle reference vectors (testdata/merkle-vectors, see SOURCE.md).

// The vectors were written for a Go API that takes byte slices of any length, and some use
// values that are not 32-byte hashes ("don't care 1", "WrongRoot", empty "garbage" entries).
// They are mapped the way the reference verifier treats them:
// - A leaf hash of the wrong length is an error there ("leafHash has unexpected size"); here it
//   cannot even be expressed as a Hash, so the decoder rejects the case before verification.
// - Roots and proof entries are opaque bytes there (compared, or fed to the hash). Here they
//   become a 32-byte stand-in derived from their bytes, which keeps what the vectors rely on:
//   equal values stay equal, and none equals a real hash.
struct Decoder {
  int substituted = 0;
  int unrepresentable_leaves = 0;

  std::optional<Hash> Strict(const json& j, const std::string& what) {
    const std::string bytes = Bytes(j, what);
    Hash h;
    if (bytes.size() != h.size()) return std::nullopt;
    std::copy(bytes.begin(), bytes.end(), h.begin());
    return h;
  }
  Hash operator()(const json& j, const std::string& what) {
    if (std::optional<Hash> h = Strict(j, what)) return *h;
    ++substituted;
    return crypto::Sha256Of("not a 32-byte hash: " + Bytes(j, what));
  }
  std::vector<Hash> Proof(const json& j) {
    std::vector<Hash> out;
    if (j.is_null()) return out;  // Go's nil slice: an empty proof.
    if (!j.is_array()) {
      ADD_FAILURE() << "proof is neither null nor an array";
      return out;
    }
    for (size_t i = 0; i < j.size(); ++i) {
      out.push_back((*this)(j[i], "proof[" + std::to_string(i) + "]"));
    }
    return out;
  }
  // Verifies with the decoded leaf hash, or rejects the case if it is not 32 bytes.
  template <typename Verify>
  Status WithLeaf(const json& leaf_hash, Verify verify) {
    std::optional<Hash> leaf = Strict(leaf_hash, "leafHash");
    if (!leaf) {
      ++unrepresentable_leaves;
      return InvalidArgument("leafHash is not 32 bytes");
    }
    return verify(*leaf);
  }

 private:
  static std::string Bytes(const json& j, const std::string& what) {
    if (!j.is_string()) {
      ADD_FAILURE() << what << " is not a string";
      return {};
    }
    Result<std::string> bytes = Base64Decode(j.get<std::string>());
    if (!bytes.ok()) {
      ADD_FAILURE() << what << ": " << bytes.status().ToString();
      return {};
    }
    return *std::move(bytes);
  }
};

// j[key], or null (and a test failure) if the vector lacks it.
const json& Field(const json& j, const char* key) {
  static const json kNull;
  const auto it = j.find(key);
  if (it != j.end()) return *it;
  ADD_FAILURE() << "missing " << key;
  return kNull;
}

uint64_t U64(const json& j, const char* key) {
  const auto it = j.find(key);
  // Some values exceed int64 (9223372036854775810), and all are non-negative, so nlohmann
  // stores them as unsigned; anything else is a malformed vector.
  if (it == j.end() || !it->is_number_unsigned()) {
    ADD_FAILURE() << key << " is missing or not an unsigned integer";
    return 0;
  }
  return it->get<uint64_t>();
}

struct Tally {
  int files = 0;
  int accepted = 0;  // wantErr false, and accepted
  int rejected = 0;  // wantErr true, and rejected
};

TEST(MerkleVectors, AllFilesPass) {
  const fs::path root = fs::path(dipr::testenv::SourceDir()) / "testdata" / "merkle-vectors";
  ASSERT_TRUE(fs::is_directory(root)) << root;

  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  Decoder hash;
  std::map<std::string, Tally> tally;
  for (const fs::path& path : files) {
    const fs::path rel = fs::relative(path, root);
    const std::string kind = rel.begin()->string();
    SCOPED_TRACE(rel.string());
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON";
    ASSERT_TRUE(j.contains("wantErr") && Field(j, "wantErr").is_boolean());
    const bool want_err = Field(j, "wantErr").get<bool>();

    Status got;
    if (kind == "inclusion") {
      got = hash.WithLeaf(Field(j, "leafHash"), [&](const Hash& leaf) {
        return VerifyInclusion(U64(j, "leafIdx"), U64(j, "treeSize"), leaf,
                               hash.Proof(Field(j, "proof")), hash(Field(j, "root"), "root"));
      });
    } else if (kind == "consistency") {
      got = VerifyConsistency(U64(j, "size1"), U64(j, "size2"), hash.Proof(Field(j, "proof")),
                              hash(Field(j, "root1"), "root1"), hash(Field(j, "root2"), "root2"));
    } else if (kind == "subtreeinclusion") {
      got = hash.WithLeaf(Field(j, "leafHash"), [&](const Hash& leaf) {
        return VerifySubtreeInclusion(U64(j, "leafIdx"), U64(j, "start"), U64(j, "end"), leaf,
                                      hash.Proof(Field(j, "proof")),
                                      hash(Field(j, "root"), "root"));
      });
    } else if (kind == "subtreeconsistency") {
      got = VerifySubtreeConsistency(
          U64(j, "start"), U64(j, "end"), U64(j, "size"), hash.Proof(Field(j, "proof")),
          hash(Field(j, "root1"), "root1"), hash(Field(j, "root2"), "root2"));
    } else {
      ADD_FAILURE() << "unknown vector kind " << kind;
      continue;
    }

    Tally& t = tally[kind];
    ++t.files;
    if (want_err) {
      EXPECT_FALSE(got.ok()) << "accepted a bad proof: " << j.value("desc", "");
      if (!got.ok()) ++t.rejected;
    } else {
      EXPECT_TRUE(Accepted(got)) << j.value("desc", "");
      if (got.ok()) ++t.accepted;
    }
  }

  // Exact counts, so that a moved or emptied directory cannot make this pass vacuously.
  EXPECT_EQ(files.size(), 518u);
  EXPECT_EQ(tally["inclusion"].files, 98);
  EXPECT_EQ(tally["consistency"].files, 98);
  EXPECT_EQ(tally["subtreeinclusion"].files, 204);
  EXPECT_EQ(tally["subtreeconsistency"].files, 118);
  EXPECT_EQ(tally["inclusion"].accepted, 6);
  EXPECT_EQ(tally["consistency"].accepted, 6);
  EXPECT_EQ(tally["subtreeinclusion"].accepted, 12);
  EXPECT_EQ(tally["subtreeconsistency"].accepted, 12);
  EXPECT_EQ(tally["inclusion"].rejected, 92);
  EXPECT_EQ(tally["consistency"].rejected, 92);
  EXPECT_EQ(tally["subtreeinclusion"].rejected, 192);
  EXPECT_EQ(tally["subtreeconsistency"].rejected, 106);
  // The non-hash values (see Decoder) are a small, known minority.
  EXPECT_EQ(hash.unrepresentable_leaves, 33);
  EXPECT_GT(hash.substituted, 0);
  EXPECT_LT(hash.substituted, 200);
  std::cout << "merkle-vectors: " << files.size() << " files; " << hash.unrepresentable_leaves
            << " rejected for a leaf hash that is not 32 bytes; " << hash.substituted
            << " non-hash roots or proof entries replaced by stand-ins\n";
}

}  // namespace
}  // namespace dipr::log
