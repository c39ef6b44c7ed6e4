// Re-deriving the whole tree from the entries and comparing it with what is stored: every entry
// re-hashed, every tile rebuilt and compared with the stored one, the rebuilt root compared with
// the signed one. What the background scrub of a running node (Scrubber) and `dipr fsck` do; the
// read path (verified_tiles.h) checks only what it serves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "crypto/sha256.h"
#include "storage/store.h"

namespace dipr::log {

struct ScrubOptions {
  // Called after each page of entries with (entries done, total).
  std::function<void(uint64_t, uint64_t)> progress;
  // Called between pages; false stops the scrub (it then answers Unavailable). For throttling.
  std::function<bool()> between_pages;
};

struct ScrubReport {
  uint64_t entries = 0;  // re-hashed
  uint64_t tiles = 0;    // rebuilt and compared
};

// Checks the first `size` entries of the store against the tree of that size with `root`:
// DataLoss naming the first bad entry index or tile (a missing entry or tile, a tile that differs
// from the one rebuilt, a root that differs). The store may hold more (a server appending): only
// the first `size` entries and the tiles' first widths at that size are looked at.
Result<ScrubReport> ScrubTree(storage::Store& store, uint64_t size, const crypto::Hash& root,
                              const ScrubOptions& options = {});

class LogReader;

// Runs LogReader::Scrub on the latest head now and then, on a thread of its own at the lowest
// CPU priority, pausing between pages. Thread-safe; the destructor stops it.
class Scrubber {
 public:
  struct Schedule {
    std::chrono::milliseconds first{std::chrono::minutes(5)};  // after start
    std::chrono::milliseconds interval{std::chrono::hours(24)};
    std::chrono::milliseconds pause{5};  // between pages of 1,000 entries
  };
  Scrubber(LogReader& reader, std::function<std::shared_ptr<const storage::TreeHead>()> latest,
           Schedule schedule);
  ~Scrubber();

 private:
  void Run();
  // Waits up to `d` for the destructor; true when it is stopping.
  bool WaitForStop(std::chrono::milliseconds d) DIPR_EXCLUDES(mu_);
  LogReader& reader_;
  std::function<std::shared_ptr<const storage::TreeHead>()> latest_;
  const Schedule schedule_;
  Mutex mu_;
  CondVar cv_;
  bool stopping_ DIPR_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace dipr::log
