// The right edge of the tree, kept in memory by the sequencer: the frontier (one hash per set
// bit of the size) and the rightmost tile of each tile level. Appending leaves yields the tiles to
// store and the new root, without reading anything but what Load read. Memory is
// O(log n) hashes plus at most one tile per tile level (about 16 KiB each).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "log/tile_reader.h"
#include "verify/tiles.h"

namespace dipr::log {

struct TileWrite {
  TileId id;
  std::string data;  // the tile's new blob (tiles.h)
};

// Not thread-safe: owned by the one sequencer thread.
class TreeAppender {
 public:
  TreeAppender() = default;  // the empty tree
  // Reads the right edge of a stored tree of `size` leaves.
  static Result<TreeAppender> Load(uint64_t size, TileSource& source);

  uint64_t size() const { return size_; }
  Hash root() const;
  // Appends leaf hashes; returns every tile whose content changed, ready to store.
  std::vector<TileWrite> Append(std::span<const Hash> leaves);

 private:
  Tile& TileFor(std::map<TileId, Tile>& dirty, TileId id);

  uint64_t size_ = 0;
  // frontier_[l]: the last node of level l when level l has an odd number of nodes.
  std::vector<Hash> frontier_;
  std::map<uint8_t, std::pair<uint64_t, Tile>> edge_;  // tile level -> (index, tile)
};

}  // namespace dipr::log
