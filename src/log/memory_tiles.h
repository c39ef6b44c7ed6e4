// An in-memory TileSource for tests and tools. Not thread-safe.
#pragma once

#include <map>

#include "log/appender.h"
#include "log/tile_reader.h"

namespace dipr::log {

class MemoryTiles final : public TileSource {
 public:
  Result<TileBlob> ReadTile(TileId id, uint64_t) override {
    auto it = tiles_.find(id);
    if (it == tiles_.end()) return NotFound("no such tile");
    return std::make_shared<const std::string>(it->second);
  }
  void Store(const std::vector<TileWrite>& writes) {
    for (const auto& w : writes) tiles_[w.id] = w.data;
  }
  size_t count() const { return tiles_.size(); }

 private:
  std::map<TileId, std::string> tiles_;
};

}  // namespace dipr::log
