#include "log/appender.h"

#include <bit>

#include <fmt/format.h>

#include "verify/hasher.h"

namespace dipr::log {

Result<TreeAppender> TreeAppender::Load(uint64_t size, TileSource& source) {
  TreeAppender a;
  a.size_ = size;
  TileNodeReader reader(source);
  for (int l = 0; l < 64 && (size >> l) > 0; ++l) {
    a.frontier_.emplace_back();
    if ((size >> l) & 1) {
      ASSIGN_OR_RETURN(a.frontier_[l], reader.ReadNode(static_cast<uint8_t>(l), (size >> l) - 1));
    }
  }
  for (uint8_t L = 0; kTileHeight * L < 64 && (size >> (kTileHeight * L)) > 0; ++L) {
    uint64_t last = (size >> (kTileHeight * L)) - 1;
    TileId id{L, last / kTileWidth};
    auto blob = source.ReadTile(id, TileWidthAt(id, size));
    if (!blob.ok()) return DataLoss("the tree's right-edge tile is missing");
    ASSIGN_OR_RETURN(Tile tile, Tile::Parse(**blob));
    if (tile.width() != TileWidthAt(id, size)) {
      return DataLoss("the tree's right-edge tile does not match the tree size");
    }
    // Recompute the tile's internal nodes from its bottom row: a damaged leaf hash near the
    // head of the log is caught at start-up rather than by the next client's proof check.
    RETURN_IF_ERROR(tile.CheckRows(id));
    a.edge_[L] = {id.index, std::move(tile)};
  }
  return a;
}

Hash TreeAppender::root() const {
  if (size_ == 0) return EmptyRoot();
  // The complete subtrees of the size's set bits, folded from the smallest (rightmost) up.
  bool have = false;
  Hash acc;
  for (size_t l = 0; l < frontier_.size(); ++l) {
    if (!((size_ >> l) & 1)) continue;
    acc = have ? HashChildren(frontier_[l], acc) : frontier_[l];
    have = true;
  }
  return acc;
}

Tile& TreeAppender::TileFor(std::map<TileId, Tile>& dirty, TileId id) {
  auto it = dirty.find(id);
  if (it != dirty.end()) return it->second;
  auto edge = edge_.find(id.level);
  if (edge != edge_.end() && edge->second.first == id.index) {
    return dirty.emplace(id, edge->second.second).first->second;
  }
  return dirty.emplace(id, Tile()).first->second;  // a tile that starts with this batch
}

std::vector<TileWrite> TreeAppender::Append(std::span<const Hash> leaves) {
  if (leaves.empty()) return {};
  uint64_t old_size = size_, new_size = size_ + leaves.size();
  std::map<TileId, Tile> dirty;
  std::vector<Hash> level_nodes(leaves.begin(), leaves.end()), parents;
  for (int l = 0; l < 64; ++l) {
    uint64_t old_count = old_size >> l, new_count = new_size >> l;
    if (new_count == old_count) break;
    // level_nodes holds nodes old_count .. new_count-1 of level l.
    for (uint64_t i = old_count; i < new_count; ++i) {
      NodeLocation loc = LocateNode(static_cast<uint8_t>(l), i);
      TileFor(dirty, loc.tile).Append(loc.row, level_nodes[i - old_count]);
    }
    if (frontier_.size() <= static_cast<size_t>(l)) frontier_.resize(l + 1);
    parents.clear();
    for (uint64_t j = old_count / 2; j < new_count / 2; ++j) {
      const Hash& left = 2 * j >= old_count ? level_nodes[2 * j - old_count] : frontier_[l];
      parents.push_back(HashChildren(left, level_nodes[2 * j + 1 - old_count]));
    }
    if (new_count & 1) frontier_[l] = level_nodes.back();
    level_nodes.swap(parents);
  }
  size_ = new_size;

  std::vector<TileWrite> writes;
  writes.reserve(dirty.size());
  for (auto& [id, tile] : dirty) {
    writes.push_back({id, tile.Serialize()});
    auto edge = edge_.find(id.level);
    if (edge == edge_.end() || edge->second.first <= id.index) {
      edge_[id.level] = {id.index, std::move(tile)};
    }
  }
  return writes;
}

}  // namespace dipr::log
