// A NodeReader over stored tiles, and the cache of tiles that keeps proofs off the database.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "verify/proof.h"
#include "verify/tiles.h"

namespace dipr::log {

// A stored tile blob (tiles.h); immutable once read, so shared freely between threads.
using TileBlob = std::shared_ptr<const std::string>;

// Reads stored tile blobs. Implementations are thread-safe.
class TileSource {
 public:
  virtual ~TileSource() = default;
  // The tile with at least min_width nodes in its bottom row (a stored tile only ever grows, so
  // the latest version always qualifies); NotFound if never written.
  virtual Result<TileBlob> ReadTile(TileId id, uint64_t min_width) = 0;
};

// Keeps recently read tiles in memory, up to a byte budget, least recently used out first. A full
// tile never changes, and a partial one only grows, so a cached tile serves every request that
// needs no more of it than it holds; a wider need goes to the source and refreshes the cache.
// Thread-safe (sharded locks).
class TileCache final : public TileSource {
 public:
  TileCache(TileSource& source, size_t max_bytes);
  Result<TileBlob> ReadTile(TileId id, uint64_t min_width) override;
  // Writes through a tile that was just stored (it replaces a narrower cached version).
  void Put(TileId id, TileBlob blob);
  size_t bytes() const;

 private:
  struct TileIdHash {
    // std::hash<uint64_t> is the identity in libstdc++, so mix the bits: the shard is taken
    // from the low bits, which would otherwise only reflect the tile level.
    size_t operator()(const TileId& id) const {
      uint64_t x = (id.index << 6 | id.level) * 0x9E3779B97F4A7C15ull;
      return static_cast<size_t>(x ^ (x >> 29));
    }
  };
  struct Shard {
    mutable Mutex mu;
    std::list<std::pair<TileId, TileBlob>> lru DIPR_GUARDED_BY(mu);  // front: most recent
    std::unordered_map<TileId, std::list<std::pair<TileId, TileBlob>>::iterator, TileIdHash> map
        DIPR_GUARDED_BY(mu);
    size_t bytes DIPR_GUARDED_BY(mu) = 0;
  };
  static constexpr size_t kShards = 16;
  void Insert(Shard& s, TileId id, TileBlob blob) DIPR_REQUIRES(s.mu);

  TileSource& source_;
  size_t max_bytes_per_shard_;
  Shard shards_[kShards];
};

// Hashes of incomplete subtrees, shared by the readers of one log. Bounded; thread-safe.
class SubtreeMemo {
 public:
  bool Recall(uint64_t lo, uint64_t hi, Hash& out);
  void Remember(uint64_t lo, uint64_t hi, const Hash& h);

 private:
  struct PairHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9E3779B97F4A7C15ull ^ p.second);
    }
  };
  static constexpr size_t kMaxEntries = 4096;
  Mutex mu_;
  std::unordered_map<std::pair<uint64_t, uint64_t>, Hash, PairHash> map_ DIPR_GUARDED_BY(mu_);
};

// Reads nodes through their tiles, keeping each tile it read: a proof touches at most a few
// tiles per tile level. Not thread-safe; make one per request.
class TileNodeReader final : public NodeReader {
 public:
  explicit TileNodeReader(TileSource& source, SubtreeMemo* memo = nullptr)
      : source_(source), memo_(memo) {}
  Result<Hash> ReadNode(uint8_t level, uint64_t index) override;
  bool Recall(uint64_t lo, uint64_t hi, Hash& out) override {
    return memo_ && memo_->Recall(lo, hi, out);
  }
  void Remember(uint64_t lo, uint64_t hi, const Hash& h) override {
    if (memo_) memo_->Remember(lo, hi, h);
  }

 private:
  TileSource& source_;
  SubtreeMemo* memo_;
  // The tiles read so far; a proof needs a handful, so a vector beats a map.
  std::vector<std::pair<TileId, TileBlob>> tiles_;
};

}  // namespace dipr::log
