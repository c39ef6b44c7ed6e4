// Proof generation from tiles, checked against a naive RFC 6962 implementation over the leaves.
#include "verify/proof.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "log/appender.h"
#include "log/memory_tiles.h"
#include "log/tile_reader.h"
#include "verify/hasher.h"

namespace dipr::log {
namespace {

// Naive MTH, PATH and PROOF straight from RFC 6962 section 2.1.
Hash Mth(const std::vector<Hash>& l, size_t lo, size_t hi) {
  if (hi == lo) return EmptyRoot();
  if (hi - lo == 1) return l[lo];
  size_t k = std::bit_floor(hi - lo - 1);
  return HashChildren(Mth(l, lo, lo + k), Mth(l, lo + k, hi));
}
void NaivePath(const std::vector<Hash>& l, size_t m, size_t lo, size_t hi, std::vector<Hash>& out) {
  if (hi - lo <= 1) return;
  size_t k = std::bit_floor(hi - lo - 1);
  if (m < lo + k) {
    NaivePath(l, m, lo, lo + k, out);
    out.push_back(Mth(l, lo + k, hi));
  } else {
    NaivePath(l, m, lo + k, hi, out);
    out.push_back(Mth(l, lo, lo + k));
  }
}
void NaiveSub(const std::vector<Hash>& l, size_t m, size_t lo, size_t hi, bool b,
              std::vector<Hash>& out) {
  size_t n = hi - lo;
  if (m == n) {
    if (!b) out.push_back(Mth(l, lo, hi));
    return;
  }
  size_t k = std::bit_floor(n - 1);
  if (m <= k) {
    NaiveSub(l, m, lo, lo + k, b, out);
    out.push_back(Mth(l, lo + k, hi));
  } else {
    NaiveSub(l, m - k, lo + k, hi, false, out);
    out.push_back(Mth(l, lo, lo + k));
  }
}

std::vector<Hash> Leaves(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(HashLeaf("leaf " + std::to_string(i)));
  return out;
}

TEST(TreeAppender, RootMatchesNaiveForEverySizeAndBatching) {
  std::mt19937 rng(7);
  auto leaves = Leaves(1100);
  MemoryTiles tiles;
  TreeAppender a;
  size_t done = 0;
  while (done < leaves.size()) {
    size_t batch = std::min<size_t>(leaves.size() - done, 1 + rng() % 300);
    tiles.Store(a.Append(std::span<const Hash>(leaves).subspan(done, batch)));
    done += batch;
    ASSERT_EQ(a.size(), done);
    ASSERT_EQ(a.root(), Mth(leaves, 0, done)) << "size " << done;
    TileNodeReader reader(tiles);
    ASSERT_EQ(*TreeRoot(done, reader), a.root());
  }
}

TEST(TreeAppender, ReloadedFromTilesContinuesTheSameTree) {
  auto leaves = Leaves(700);
  for (size_t cut : {1, 255, 256, 257, 511, 512, 513, 650}) {
    MemoryTiles tiles;
    TreeAppender a;
    tiles.Store(a.Append(std::span<const Hash>(leaves).first(cut)));
    auto b = TreeAppender::Load(cut, tiles);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->root(), a.root());
    tiles.Store(b->Append(std::span<const Hash>(leaves).subspan(cut)));
    EXPECT_EQ(b->root(), Mth(leaves, 0, leaves.size())) << "cut " << cut;
  }
}

TEST(Proofs, MatchNaiveProofsAtEverySize) {
  auto leaves = Leaves(300);
  MemoryTiles tiles;
  TreeAppender a;
  tiles.Store(a.Append(leaves));
  TileNodeReader reader(tiles);
  for (size_t n = 1; n <= leaves.size(); n += (n < 40 ? 1 : 13)) {
    for (size_t m = 0; m < n; m += (n < 40 ? 1 : 7)) {
      std::vector<Hash> want;
      NaivePath(leaves, m, 0, n, want);
      auto got = InclusionProof(m, n, reader);
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(*got, want) << "inclusion " << m << " in " << n;
    }
    for (size_t m = 1; m <= n; m += (n < 40 ? 1 : 11)) {
      std::vector<Hash> want;
      if (m < n) NaiveSub(leaves, m, 0, n, true, want);
      auto got = ConsistencyProof(m, n, reader);
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(*got, want) << "consistency " << m << " to " << n;
    }
  }
}

TEST(Proofs, RejectOutOfRangeRequests) {
  auto leaves = Leaves(5);
  MemoryTiles tiles;
  TreeAppender a;
  tiles.Store(a.Append(leaves));
  TileNodeReader reader(tiles);
  EXPECT_EQ(InclusionProof(5, 5, reader).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(4, 3, reader).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ConsistencyProof(0, 5, reader)->empty());
}

TEST(Proofs, MissingTileIsDataLoss) {
  MemoryTiles empty;
  TileNodeReader reader(empty);
  EXPECT_EQ(InclusionProof(0, 2, reader).status().code(), Code::kDataLoss);
}

TEST(Tiles, SerializedPrefixIsTheC2spTile) {
  auto leaves = Leaves(300);
  MemoryTiles tiles;
  TreeAppender a;
  tiles.Store(a.Append(leaves));
  std::string blob = **tiles.ReadTile({0, 1}, 1);
  auto tile = *Tile::Parse(blob);
  EXPECT_EQ(tile.width(), 44u);
  EXPECT_EQ(blob.size(), TileHashCount(44) * 32);
  EXPECT_EQ(blob.substr(0, 32), std::string(reinterpret_cast<const char*>(leaves[256].data()), 32));
  EXPECT_EQ(TileWidthAt({0, 1}, 300), 44u);
  EXPECT_EQ(TileWidthAt({1, 0}, 300), 1u);
  EXPECT_EQ(TileWidthAt({1, 1}, 300), 0u);
  EXPECT_FALSE(Tile::Parse(std::string(33, 'x')).ok());
  EXPECT_FALSE(Tile::Parse(std::string(32 * 2, 'x')).ok());  // width 2 stores 3 hashes
}

}  // namespace
}  // namespace dipr::log
