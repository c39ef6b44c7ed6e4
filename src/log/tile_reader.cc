#include "log/tile_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace dipr::log {

TileCache::TileCache(TileSource& source, size_t max_bytes)
    : source_(source), max_bytes_per_shard_(max_bytes / kShards) {}

Result<TileBlob> TileCache::ReadTile(TileId id, uint64_t min_width) {
  Shard& s = shards_[TileIdHash()(id) % kShards];
  {
    MutexLock g(s.mu);
    auto it = s.map.find(id);
    if (it != s.map.end()) {
      const TileBlob& blob = it->second->second;
      if (TileWidthOfBlob(blob->size()) >= min_width) {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        return blob;
      }
    }
  }
  ASSIGN_OR_RETURN(TileBlob blob, source_.ReadTile(id, min_width));
  MutexLock g(s.mu);
  Insert(s, id, blob);
  return blob;
}

void TileCache::Put(TileId id, TileBlob blob) {
  Shard& s = shards_[TileIdHash()(id) % kShards];
  MutexLock g(s.mu);
  Insert(s, id, std::move(blob));
}

void TileCache::Insert(Shard& s, TileId id, TileBlob blob) {
  auto it = s.map.find(id);
  if (it != s.map.end()) {
    if (it->second->second->size() >= blob->size()) return;  // a wider one is cached already
    s.bytes -= it->second->second->size();
    s.lru.erase(it->second);
    s.map.erase(it);
  }
  s.bytes += blob->size();
  s.lru.emplace_front(id, std::move(blob));
  s.map[id] = s.lru.begin();
  while (s.bytes > max_bytes_per_shard_ && s.lru.size() > 1) {
    auto& last = s.lru.back();
    s.bytes -= last.second->size();
    s.map.erase(last.first);
    s.lru.pop_back();
  }
}

size_t TileCache::bytes() const {
  size_t n = 0;
  for (auto& s : shards_) {
    MutexLock g(s.mu);
    n += s.bytes;
  }
  return n;
}

bool SubtreeMemo::Recall(uint64_t lo, uint64_t hi, Hash& out) {
  MutexLock g(mu_);
  auto it = map_.find({lo, hi});
  if (it == map_.end()) return false;
  out = it->second;
  return true;
}

void SubtreeMemo::Remember(uint64_t lo, uint64_t hi, const Hash& h) {
  MutexLock g(mu_);
  if (map_.size() >= kMaxEntries) map_.clear();  // crude, but the working set is tiny
  map_.emplace(std::make_pair(lo, hi), h);
}

Result<Hash> TileNodeReader::ReadNode(uint8_t level, uint64_t index) {
  NodeLocation loc = LocateNode(level, index);
  uint64_t need = (loc.pos + 1) << loc.row;  // bottom-row width that makes the node complete
  auto it = std::find_if(tiles_.begin(), tiles_.end(),
                         [&](const auto& t) { return t.first == loc.tile; });
  if (it == tiles_.end() || TileWidthOfBlob(it->second->size()) < need) {
    auto blob = source_.ReadTile(loc.tile, need);
    if (!blob.ok()) {
      if (blob.status().code() == Code::kNotFound) {
        return DataLoss(fmt::format("tile {}/{} is missing", loc.tile.level, loc.tile.index));
      }
      return blob.status();
    }
    if (it == tiles_.end()) {
      tiles_.emplace_back(loc.tile, std::move(blob).value());
      it = tiles_.end() - 1;
    } else {
      it->second = std::move(blob).value();
    }
  }
  const std::string& blob = *it->second;
  uint64_t width = TileWidthOfBlob(blob.size());
  if (width == 0 || (width >> loc.row) <= loc.pos) {
    return DataLoss(fmt::format("node {}/{} is not in its stored tile", level, index));
  }
  Hash h;
  std::memcpy(h.data(), blob.data() + 32 * (TileRowOffset(width, loc.row) + loc.pos), 32);
  return h;
}

}  // namespace dipr::log
