#include "log/tiles.h"

#include <cstring>

namespace dipr::log {

NodeLocation LocateNode(uint8_t level, uint64_t index) {
  NodeLocation loc;
  loc.tile.level = level / kTileHeight;
  loc.row = level % kTileHeight;
  int shift = kTileHeight - loc.row;  // nodes of row k per tile: 2^(8-k)
  loc.tile.index = index >> shift;
  loc.pos = index & ((uint64_t{1} << shift) - 1);
  return loc;
}

uint64_t TileWidthAt(TileId id, uint64_t size) {
  int shift = kTileHeight * id.level;
  if (shift >= 64) return 0;
  uint64_t bottom = size >> shift;  // complete nodes at the tile's bottom level
  uint64_t first = id.index * kTileWidth;
  if (id.index > (UINT64_MAX / kTileWidth) || bottom <= first) return 0;
  return std::min(kTileWidth, bottom - first);
}

size_t TileHashCount(uint64_t width) {
  size_t n = 0;
  for (int k = 0; k < kTileHeight; ++k) n += width >> k;
  return n;
}

Result<Tile> Tile::Parse(std::string_view blob) {
  if (blob.size() % 32 != 0) return DataLoss("tile blob is not a whole number of hashes");
  size_t count = blob.size() / 32;
  // TileHashCount is strictly increasing in the width, so the width is found by search.
  uint64_t lo = 1, hi = kTileWidth;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (TileHashCount(mid) < count) lo = mid + 1; else hi = mid;
  }
  if (TileHashCount(lo) != count) return DataLoss("tile blob has an impossible length");
  Tile t;
  const char* p = blob.data();
  for (int k = 0; k < kTileHeight; ++k) {
    t.rows_[k].resize(lo >> k);
    for (auto& h : t.rows_[k]) {
      std::memcpy(h.data(), p, 32);
      p += 32;
    }
  }
  return t;
}

std::string Tile::Serialize() const {
  std::string out;
  out.reserve(TileHashCount(width()) * 32);
  for (const auto& row : rows_) {
    for (const auto& h : row) out.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  return out;
}

}  // namespace dipr::log
