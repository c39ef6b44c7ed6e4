// Tiles checked against the signed tree before anything is served from them.
//
// A tile read from the store is accepted only if every node above its bottom row is the hash of
// its two children and it hangs from what is already checked: a full tile's root must be the node
// above it, in the tile one tile level up (checked the same way, recursively), and the partial
// tiles of the tree's right edge must together hash to the signed root of the head being served.
// So a zeroed, altered or missing tile is DataLoss, never an answer, and a leaf hash read through
// here (to check an entry) is the one the signed root commits to.
//
// Checked tiles are cached (a full tile never changes; a partial one is cached at the width it
// was checked at, and a wider need re-checks), so the checks cost about 255 hashes per tile read
// from the store, and nothing on a cache hit. Tiles the sequencer wrote come from its checked
// tree in memory and are cached as they are.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <vector>

#include "common/mutex.h"
#include "log/appender.h"
#include "log/tile_reader.h"
#include "verify/tiles.h"

namespace dipr::log {

class VerifiedTiles final : public TileSource {
 public:
  VerifiedTiles(TileSource& stored, size_t cache_bytes);

  // Makes the tree (size, root) the one reads are checked against, after checking the stored
  // right edge against root. Heads only grow, so a head no larger than the current one is
  // already covered (O(1)). DataLoss if the stored edge does not hash to root.
  Status Advance(uint64_t size, const Hash& root);
  // Tiles the sequencer just committed and the head they make: cached and trusted as they are.
  void Written(const std::vector<TileWrite>& writes, uint64_t size, const Hash& root);

  // A checked tile. REQUIRES: min_width <= the tile's width in the tree of the current head.
  Result<TileBlob> ReadTile(TileId id, uint64_t min_width) override {
    return cache_.ReadTile(id, min_width);
  }
  size_t cached_bytes() const { return cache_.bytes(); }

 private:
  // The cache's source: every tile it hands over is checked.
  class Checker final : public TileSource {
   public:
    explicit Checker(VerifiedTiles& owner) : owner_(owner) {}
    Result<TileBlob> ReadTile(TileId id, uint64_t min_width) override {
      return owner_.Check(id, min_width);
    }

   private:
    VerifiedTiles& owner_;
  };
  Result<TileBlob> Check(TileId id, uint64_t min_width);
  // Reads tile id from the store, cut to width w, with its rows checked.
  Result<Tile> ReadStored(TileId id, uint64_t w);
  // Reads and checks the partial tiles of the right edge of the tree (size, root) and caches them.
  Result<std::map<TileId, TileBlob>> CheckEdge(uint64_t size, const Hash& root);

  TileSource& stored_;
  Checker checker_;
  TileCache cache_;
  Mutex mu_;                                // serializes Advance
  uint64_t size_ DIPR_GUARDED_BY(mu_) = 0;  // the checked head
  Hash root_ DIPR_GUARDED_BY(mu_){};
  bool have_head_ DIPR_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> checked_size_{0};  // size_, for Advance's fast path
};

}  // namespace dipr::log
