#include "log/verified_tiles.h"

#include <fmt/format.h>

#include "verify/hasher.h"

namespace dipr::log {

VerifiedTiles::VerifiedTiles(TileSource& stored, size_t cache_bytes)
    : stored_(stored), checker_(*this), cache_(checker_, cache_bytes) {}

Status VerifiedTiles::Advance(uint64_t size, const Hash& root) {
  if (size == 0) return Status::Ok();  // nothing to read in the empty tree
  if (size <= checked_size_.load(std::memory_order_acquire)) return Status::Ok();
  MutexLock g(mu_);
  if (have_head_ && size <= size_) return Status::Ok();
  RETURN_IF_ERROR(CheckEdge(size, root).status());
  size_ = size;
  root_ = root;
  have_head_ = true;
  checked_size_.store(size, std::memory_order_release);
  return Status::Ok();
}

void VerifiedTiles::Written(const std::vector<TileWrite>& writes, uint64_t size, const Hash& root) {
  for (const auto& w : writes) cache_.Put(w.id, std::make_shared<const std::string>(w.data));
  MutexLock g(mu_);
  if (have_head_ && size <= size_) return;
  size_ = size;
  root_ = root;
  have_head_ = true;
  checked_size_.store(size, std::memory_order_release);
}

Result<Tile> VerifiedTiles::ReadStored(TileId id, uint64_t w) {
  auto blob = stored_.ReadTile(id, w);
  if (!blob.ok()) {
    if (blob.status().code() == Code::kNotFound) {
      return DataLoss(fmt::format("tile {}/{} of the signed tree is missing", id.level, id.index));
    }
    return blob.status();
  }
  auto tile = Tile::Parse(**blob);
  if (!tile.ok()) {
    return DataLoss(fmt::format("tile {}/{}: {}", id.level, id.index, tile.status().message()));
  }
  if (tile->width() < w) {
    return DataLoss(fmt::format("tile {}/{} holds {} nodes, the signed tree needs {}", id.level,
                                id.index, tile->width(), w));
  }
  Tile t = tile->width() == w ? std::move(tile).value() : tile->Prefix(w);
  RETURN_IF_ERROR(t.CheckRows(id));
  return t;
}

Result<TileBlob> VerifiedTiles::Check(TileId id, uint64_t min_width) {
  uint64_t size;
  Hash root;
  {
    MutexLock g(mu_);
    if (!have_head_) return Internal("no checked tree head to read tiles against");
    size = size_;
    root = root_;
  }
  uint64_t w = TileWidthAt(id, size);
  if (w == 0 || min_width > w) {
    return Internal(
        fmt::format("tile {}/{} is beyond the checked tree of size {}", id.level, id.index, size));
  }
  if (w < kTileWidth) {
    // A partial tile is on the right edge: it is checked with the others against the root.
    ASSIGN_OR_RETURN(auto edge, CheckEdge(size, root));
    auto it = edge.find(id);
    if (it == edge.end()) return Internal("a partial tile is not on the tree's right edge");
    return it->second;
  }
  ASSIGN_OR_RETURN(Tile tile, ReadStored(id, w));
  // A full tile's root is a node of the tile above, which is checked the same way on its read.
  Hash top = HashChildren(tile.row(kTileHeight - 1)[0], tile.row(kTileHeight - 1)[1]);
  TileNodeReader above(cache_);
  const auto level = static_cast<uint8_t>(kTileHeight * (id.level + 1));
  ASSIGN_OR_RETURN(Hash expected, above.ReadNode(level, id.index));
  if (top != expected) {
    return DataLoss(fmt::format("tile {}/{} does not hash to its node in tile {}/{}", id.level,
                                id.index, id.level + 1, id.index / kTileWidth));
  }
  return std::make_shared<const std::string>(tile.Serialize());
}

Result<std::map<TileId, TileBlob>> VerifiedTiles::CheckEdge(uint64_t size, const Hash& root) {
  std::map<TileId, TileBlob> edge;
  std::vector<Hash> tops;  // the tree's complete subtrees of the size's set bits, lowest first
  for (uint8_t L = 0; kTileHeight * L < 64 && (size >> (kTileHeight * L)) > 0; ++L) {
    TileId id{L, ((size >> (kTileHeight * L)) - 1) / kTileWidth};
    uint64_t w = TileWidthAt(id, size);
    if (w == kTileWidth) continue;  // a full tile hangs from the tile above
    ASSIGN_OR_RETURN(Tile tile, ReadStored(id, w));
    // Bit k of the width is bit 8L+k of the size: the last node of row k is then a top.
    for (int k = 0; k < kTileHeight; ++k) {
      if ((w >> k) & 1) tops.push_back(tile.row(k).back());
    }
    edge.emplace(id, std::make_shared<const std::string>(tile.Serialize()));
  }
  Hash acc = EmptyRoot();
  for (size_t i = 0; i < tops.size(); ++i) acc = i == 0 ? tops[0] : HashChildren(tops[i], acc);
  if (acc != root) {
    return DataLoss(fmt::format(
        "the stored tree's right edge does not hash to the signed root of size {}", size));
  }
  for (const auto& [id, blob] : edge) cache_.Put(id, blob);
  return edge;
}

}  // namespace dipr::log
