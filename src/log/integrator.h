// Integration (group commit): where entries get their indexes. A batch of submitted entries, with
// what other nodes queued for this one, goes into one write transaction (projections, entries,
// tiles, the new signed tree head) committed with one fsync; only then is each submitter told its
// index and the head that covers it, and the head handed to the CheckpointPublisher. It owns the
// in-memory tree (TreeAppender) and fail-stop: after a failed commit the tree may be ahead of the
// store, so it integrates nothing more until a restart re-checks the stored tree against its last
// signed checkpoint; no two inconsistent checkpoints are ever signed. Safety does not rest on the
// lease (node_role.h): write transactions take turns and a batch builds on the entry count its
// transaction sees (CatchUp).
//
// Thread-compatible: Load, Integrate, CatchUp and size() on one thread (the sequencer's); the
// health, Halt and stats accessors are thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "log/appender.h"
#include "log/checkpoint_publisher.h"
#include "log/monotonic_clock.h"
#include "log/submission.h"
#include "storage/store.h"

namespace dipr::log {

class Integrator {
 public:
  struct Options {
    size_t max_batch = 4096;
    // After each commit, with the tiles written and the head they make, before it is published.
    std::function<void(const std::vector<TileWrite>&, const storage::TreeHead&)> on_commit;
    // How an entry another node queued is projected; without it, queued entries are refused.
    std::function<Status(storage::WriteTx&, uint64_t index, std::string_view entry,
                         std::string_view sidecar)>
        apply_queued;
  };
  struct Stats {
    uint64_t batches = 0;
    uint64_t entries = 0;
    uint64_t rejected = 0;
    uint64_t commit_micros = 0;
    uint64_t batch_micros = 0;
    uint64_t max_batch = 0;
    uint64_t queued_integrated = 0;
  };

  // Borrows all three; they must outlive this. The tree is empty until Load or CatchUp.
  Integrator(storage::Store& store, CheckpointPublisher& publisher, const MonotonicClock& clock,
             Options options);

  // For the node that leads at start: loads the stored tree and checks it against the last signed
  // checkpoint (DataLoss if they differ: the registry must not serve), publishes that checkpoint,
  // and signs and stores the empty tree on first start.
  Status Load();
  // Reloads the tree's right edge after another process appended up to `stored_size`, checked
  // against the stored checkpoint, which it publishes.
  Status CatchUp(uint64_t stored_size);
  // Integrates `batch` (answering every Completion) and, if `look_at_queue`, what other nodes
  // queued, in one transaction. After a failed commit, Halts.
  void Integrate(std::deque<Pending>& batch, bool look_at_queue);
  uint64_t size() const { return appender_.size(); }

  // Stops integrating until a restart. Fail() records no reason for WriteHealth; Halt(why) does.
  void Fail();
  void Halt(const Status& why);
  bool stopped() const;
  // Ok, or Unavailable saying why writes fail now (sequencer.h, WriteHealth). `shutting_down`:
  // the sequencer is stopping, which reads as stopped.
  Status WriteHealth(std::chrono::milliseconds stall, bool shutting_down) const;
  Stats stats() const;

 private:
  Result<storage::TreeHead> SignHead() const {
    return publisher_.Sign(appender_.size(), appender_.root());
  }

  storage::Store& store_;
  CheckpointPublisher& publisher_;
  const MonotonicClock& clock_;
  const Options options_;
  TreeAppender appender_;  // the sequencer's thread only

  mutable Mutex mu_;
  bool failed_ DIPR_GUARDED_BY(mu_) = false;
  // Why the last batch failed (Ok once one succeeds), and since when the batch in progress has
  // been integrating (the epoch: none).
  Status last_failure_ DIPR_GUARDED_BY(mu_);
  MonotonicClock::TimePoint integrating_ DIPR_GUARDED_BY(mu_);
  Stats stats_ DIPR_GUARDED_BY(mu_);
};

}  // namespace dipr::log
