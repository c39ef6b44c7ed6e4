#include "log/tile_reader.h"

#include <fmt/format.h>

namespace dipr::log {

Result<Hash> TileNodeReader::ReadNode(uint8_t level, uint64_t index) {
  NodeLocation loc = LocateNode(level, index);
  auto it = tiles_.find(loc.tile);
  if (it == tiles_.end()) {
    auto blob = source_.ReadTile(loc.tile);
    if (!blob.ok()) {
      if (blob.status().code() == Code::kNotFound) {
        return DataLoss(fmt::format("tile {}/{} is missing", loc.tile.level, loc.tile.index));
      }
      return blob.status();
    }
    ASSIGN_OR_RETURN(Tile tile, Tile::Parse(*blob));
    it = tiles_.emplace(loc.tile, std::move(tile)).first;
  }
  const auto& row = it->second.row(loc.row);
  if (loc.pos >= row.size()) {
    return DataLoss(fmt::format("node {}/{} is not in its stored tile", level, index));
  }
  return row[loc.pos];
}

}  // namespace dipr::log
