// A NodeReader over stored tiles.
#pragma once

#include <map>
#include <string>

#include "log/proof.h"
#include "log/tiles.h"

namespace dipr::log {

// Reads stored tile blobs. Implemented by the storage layer.
class TileSource {
 public:
  virtual ~TileSource() = default;
  // The latest stored version of the tile (it only ever grows); NotFound if never written.
  virtual Result<std::string> ReadTile(TileId id) = 0;
};

// Reads nodes through their tiles, keeping each tile it read: a proof touches at most a few
// tiles per tile level. Not thread-safe; make one per request.
class TileNodeReader final : public NodeReader {
 public:
  explicit TileNodeReader(TileSource& source) : source_(source) {}
  Result<Hash> ReadNode(uint8_t level, uint64_t index) override;

 private:
  TileSource& source_;
  std::map<TileId, Tile> tiles_;
};

}  // namespace dipr::log
