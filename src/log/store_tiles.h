// Tiles read from the store.
#pragma once

#include "log/tile_reader.h"
#include "storage/store.h"

namespace dipr::log {

// Thread-safe as the store is; stateless.
class StoreTiles final : public TileSource {
 public:
  explicit StoreTiles(storage::Store& store) : store_(store) {}
  Result<TileBlob> ReadTile(TileId id, uint64_t) override {
    ASSIGN_OR_RETURN(std::string blob, store_.ReadTile(id.level, id.index));
    return std::make_shared<const std::string>(std::move(blob));
  }

 private:
  storage::Store& store_;
};

}  // namespace dipr::log
