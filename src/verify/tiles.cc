#include "verify/tiles.h"

#include <cstring>

#include <fmt/format.h>

#include "verify/hasher.h"

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

size_t TileRowOffset(uint64_t width, int row) {
  size_t n = 0;
  for (int k = 0; k < row; ++k) n += width >> k;
  return n;
}

uint64_t TileWidthOfBlob(size_t bytes) {
  static const auto kWidthOfCount = [] {
    // hash count -> width, for every possible width (TileHashCount is strictly increasing).
    std::array<uint16_t, 511> t{};
    for (uint64_t w = 1; w <= kTileWidth; ++w) t[TileHashCount(w)] = static_cast<uint16_t>(w);
    return t;
  }();
  if (bytes % 32 != 0 || bytes / 32 >= kWidthOfCount.size()) return 0;
  return kWidthOfCount[bytes / 32];
}

Result<Tile> Tile::Parse(std::string_view blob) {
  uint64_t lo = TileWidthOfBlob(blob.size());
  if (lo == 0) return DataLoss("tile blob has an impossible length");
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

Tile Tile::Prefix(uint64_t w) const {
  Tile t;
  for (int k = 0; k < kTileHeight; ++k) {
    t.rows_[k].assign(rows_[k].begin(), rows_[k].begin() + (w >> k));
  }
  return t;
}

Status Tile::CheckRows(TileId id) const {
  for (int k = 1; k < kTileHeight; ++k) {
    const auto& below = rows_[k - 1];
    for (size_t j = 0; j < rows_[k].size(); ++j) {
      if (HashChildren(below[2 * j], below[2 * j + 1]) != rows_[k][j]) {
        return DataLoss(
            fmt::format("tile {}/{} is damaged: node {} of row {} is not the hash "
                        "of the two below it",
                        id.level, id.index, j, k));
      }
    }
  }
  return Status::Ok();
}

}  // namespace dipr::log
