// How the Merkle tree is stored: in tiles, as in C2SP tlog-tiles, but each stored tile also keeps
// its internal nodes so that a proof is a few tile reads and no hashing. See docs/FORMATS.md,
// "Tree storage".
//
// A tile at tile level L and index N covers tree levels 8L .. 8L+7 and, at level 8L, the nodes
// N*256 .. N*256+255. Its width W (1..256) is the number of those level-8L nodes that exist. Row k
// (0..7) holds the complete nodes of tree level 8L+k under the tile, floor(W / 2^k) of them. The
// stored blob is the rows concatenated, row 0 first, 32 bytes a hash; so its first W*32 bytes are
// exactly the C2SP tlog-tiles tile of the same coordinates.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/sha256.h"

namespace dipr::log {

using crypto::Hash;

inline constexpr int kTileHeight = 8;
inline constexpr uint64_t kTileWidth = 256;

struct TileId {
  uint8_t level = 0;  // tile level: tree level 8*level is the tile's bottom row
  uint64_t index = 0;
  friend bool operator==(const TileId&, const TileId&) = default;
  friend auto operator<=>(const TileId&, const TileId&) = default;
};

// Where node (level, index) of the tree is stored: its tile, row and position in the row.
struct NodeLocation {
  TileId tile;
  int row = 0;
  uint64_t pos = 0;
};
NodeLocation LocateNode(uint8_t level, uint64_t index);

// The width of a tile in a tree of `size` leaves (0 when the tile does not exist yet).
uint64_t TileWidthAt(TileId id, uint64_t size);

// Number of hashes a tile of width w stores (sum of floor(w / 2^k), k = 0..7).
size_t TileHashCount(uint64_t width);
// Index of the first hash of row k in a tile of width w.
size_t TileRowOffset(uint64_t width, int row);
// The width of a stored blob of `bytes` bytes; 0 if no width has that size.
uint64_t TileWidthOfBlob(size_t bytes);

// A decoded tile. Not thread-safe (a value type).
class Tile {
 public:
  Tile() = default;
  // Parses a stored blob; an impossible length is DataLoss.
  static Result<Tile> Parse(std::string_view blob);

  uint64_t width() const { return rows_[0].size(); }
  bool full() const { return width() == kTileWidth; }
  const std::vector<Hash>& row(int k) const { return rows_[k]; }
  // REQUIRES: pos == row(k).size() (rows only grow at their right end).
  void Append(int k, const Hash& h) { rows_[k].push_back(h); }
  std::string Serialize() const;
  // The tile as it was at width w (its rows cut to w >> k). REQUIRES: w <= width().
  Tile Prefix(uint64_t w) const;
  // Every node above the bottom row is the hash of its two children; DataLoss naming tile `id`
  // and the row otherwise (a zeroed or altered tile).
  Status CheckRows(TileId id) const;

 private:
  std::array<std::vector<Hash>, kTileHeight> rows_;
};

}  // namespace dipr::log
