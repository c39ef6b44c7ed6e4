// Tiles read from the store.
#pragma once

#include "log/tile_reader.h"
#include "storage/store.h"

namespace dipr::log {

// Thread-safe as the store is; stateless.
class StoreTiles final : public TileSource {
 public:
  explicit StoreTiles(storage::Store& store) : store_(store) {}
  Result<std::string> ReadTile(TileId id) override { return store_.ReadTile(id.level, id.index); }

 private:
  storage::Store& store_;
};

}  // namespace dipr::log
