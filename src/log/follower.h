// Followers: projections that validate nothing (statistics now; the search index's text and the
// copy-detection index later) consume the integrated log off the write path, each with a durable
// cursor, instead of inside the sequencer's write transaction. The register's own state (what a
// later entry is checked against) stays in the write transaction (registry/projector.h): a
// follower may lag, so nothing may be decided by what it wrote.
//
// A FollowerRunner applies the log to one Follower in bounded runs of entries, each run and the
// cursor's advance in one store transaction (storage::FollowerTx), so that a crash never applies
// an entry twice or skips one. Only entries under a signed tree head are read (they are
// committed). Runners of the same follower on several nodes of one database may all run: the
// cursor's advance is a compare-and-set, and the runner that loses reads the cursor again.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "storage/store.h"

namespace dipr::log {

// What a follower does with the log. Its methods are called on its runner's thread only.
class Follower {
 public:
  virtual ~Follower() = default;
  // The name of its cursor in the store; never changes (a new name starts from entry 0).
  virtual std::string_view name() const = 0;
  // Applies entries [from, from + entries.size()) through tx: the same entries must give the same
  // writes whatever ran before in this process (another node's runner may have applied the ones
  // before). An error abandons the run, which is tried again later.
  virtual Status Apply(storage::FollowerTx& tx, uint64_t from,
                       std::span<const std::string> entries) = 0;
  // After a pass found the cursor at `cursor` (moved by this runner or another node's): a
  // follower that serves something from memory reads it again here. Not called when the cursor
  // has not moved since the last call.
  virtual void CaughtUp(storage::Store& store, uint64_t cursor) {
    (void)store;
    (void)cursor;
  }
};

// Runs one follower on a thread of its own. Thread-safe.
class FollowerRunner {
 public:
  struct Options {
    size_t max_batch = 1000;  // entries per transaction
    // A pass without a Notify (a new head committed by another node, a missed notification),
    // and after a failed pass.
    std::chrono::milliseconds poll_interval{1000};
    // At least this long between passes: under load, one pass takes the heads of many batches,
    // so that the follower's commits do not compete with the sequencer's one for one.
    std::chrono::milliseconds min_interval{100};
  };

  struct Progress {
    uint64_t cursor = 0;      // the follower's cursor as last read or advanced
    uint64_t latest = 0;      // the latest signed tree size known (read, or Notify'd)
    uint64_t applied = 0;     // entries this runner applied since its start
    uint64_t lost_races = 0;  // runs another node's runner committed first
    uint64_t failures = 0;    // passes that failed (the store, or the follower's Apply)
    uint64_t lag() const { return latest > cursor ? latest - cursor : 0; }
  };

  FollowerRunner(storage::Store& store, Follower& follower, Options options);
  FollowerRunner(storage::Store& store, Follower& follower)
      : FollowerRunner(store, follower, Options()) {}
  ~FollowerRunner();  // stops the thread after the run in flight

  // Starts the thread. REQUIRES: called once.
  void Start();
  // A tree head of `size` was committed: wakes the thread. Cheap and never blocks (the
  // sequencer calls it after each commit); may be called before Start.
  void Notify(uint64_t size);
  Progress progress() const;
  std::string_view name() const { return follower_.name(); }

 private:
  void Run();
  // Applies what the latest signed tree head has beyond the cursor.
  Status Pass();
  bool stopping() const;

  storage::Store& store_;
  Follower& follower_;
  const Options options_;

  mutable Mutex mu_;
  CondVar cv_;
  bool stopping_ DIPR_GUARDED_BY(mu_) = false;
  bool notified_ DIPR_GUARDED_BY(mu_) = false;
  Progress progress_ DIPR_GUARDED_BY(mu_);
  // The cursor last passed to CaughtUp (runner's thread only); UINT64_MAX: none yet.
  uint64_t reported_ = UINT64_MAX;
  std::thread thread_;
};

}  // namespace dipr::log
