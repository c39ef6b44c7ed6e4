// Answers read requests on the log (entries and proofs) from the store. Works on any node, not
// only the sequencer's. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log/appender.h"
#include "log/proof.h"
#include "log/store_tiles.h"
#include "log/tile_reader.h"
#include "storage/store.h"

namespace dipr::log {

inline constexpr uint64_t kMaxEntriesPerRead = 1000;

inline constexpr size_t kDefaultTileCacheBytes = 128 << 20;

class LogReader {
 public:
  explicit LogReader(storage::Store& store, size_t tile_cache_bytes = kDefaultTileCacheBytes)
      : store_(store), tiles_(store), cache_(tiles_, tile_cache_bytes) {}

  // All requests are checked against tree_size, the size of the latest signed checkpoint the
  // caller serves: proofs and entries beyond it are InvalidArgument.
  Result<std::vector<std::string>> Entries(uint64_t start, uint64_t end, uint64_t tree_size);
  Result<std::vector<Hash>> Inclusion(uint64_t index, uint64_t size, uint64_t tree_size);
  Result<std::vector<Hash>> Consistency(uint64_t from, uint64_t to, uint64_t tree_size);

  // For the sequencer's on_commit: keeps the tile cache current with what was just written.
  void TilesWritten(const std::vector<TileWrite>& writes);
  size_t tile_cache_bytes() const { return cache_.bytes(); }

 private:
  storage::Store& store_;
  StoreTiles tiles_;
  TileCache cache_;
  SubtreeMemo memo_;
};

}  // namespace dipr::log
