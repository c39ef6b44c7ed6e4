// Answers read requests on the log (entries and proofs) from the store, checked: every tile is
// checked against the signed root of the head being served (verified_tiles.h) and every entry
// against its leaf hash, so stored data that was altered, zeroed or deleted is DataLoss (500
// data_loss), never an answer. A DataLoss is logged and reported to OnDataLoss's callback (the
// node stops taking writes). Works on any node, not only the sequencer's. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "log/appender.h"
#include "log/scrub.h"
#include "log/store_tiles.h"
#include "log/tile_reader.h"
#include "log/verified_tiles.h"
#include "storage/store.h"
#include "verify/proof.h"

namespace dipr::log {

inline constexpr uint64_t kMaxEntriesPerRead = 1000;

inline constexpr size_t kDefaultTileCacheBytes = 128 << 20;

class LogReader {
 public:
  explicit LogReader(storage::Store& store, size_t tile_cache_bytes = kDefaultTileCacheBytes)
      : store_(store), tiles_(store), verified_(tiles_, tile_cache_bytes) {}

  // All requests are checked against head, the latest signed tree head the caller serves (or an
  // earlier one): proofs and entries beyond its size are InvalidArgument; what is read is
  // checked against its root.
  Result<std::vector<std::string>> Entries(uint64_t start, uint64_t end,
                                           const storage::TreeHead& head);
  Result<std::vector<Hash>> Inclusion(uint64_t index, uint64_t size, const storage::TreeHead& head);
  Result<std::vector<Hash>> Consistency(uint64_t from, uint64_t to, const storage::TreeHead& head);

  // For the sequencer's on_commit: keeps the tile cache current with what was just written.
  void TilesWritten(const std::vector<TileWrite>& writes, const storage::TreeHead& head);
  size_t tile_cache_bytes() const { return verified_.cached_bytes(); }

  // Called with every DataLoss found. REQUIRES: set before the reader is shared.
  void OnDataLoss(std::function<void(const Status&)> f) { on_data_loss_ = std::move(f); }

  // Re-derives the tree of head from its entries (scrub.h); a mismatch is reported as above.
  Status Scrub(const storage::TreeHead& head, const ScrubOptions& options = {});
  struct ScrubStats {
    uint64_t runs = 0;        // finished, either way
    uint64_t failures = 0;    // finished with a mismatch
    uint64_t last_size = 0;   // tree size of the last finished run
    bool last_ok = true;      // the last finished run found nothing wrong
    uint64_t checked = 0;     // entries checked by the run in progress (or the last)
    uint64_t size = 0;        // tree size of the run in progress (or the last)
    bool running = false;     // a run is in progress
    double last_seconds = 0;  // how long the last finished run took
  };
  ScrubStats scrub_stats() const;

 private:
  // Passes r through; a DataLoss is logged and reported first.
  template <typename T>
  T Watch(T r);

  storage::Store& store_;
  StoreTiles tiles_;
  VerifiedTiles verified_;
  SubtreeMemo memo_;
  std::function<void(const Status&)> on_data_loss_;
  mutable Mutex scrub_mu_;
  ScrubStats scrub_ DIPR_GUARDED_BY(scrub_mu_);
};

}  // namespace dipr::log
