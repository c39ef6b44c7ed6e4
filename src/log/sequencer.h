// The sequencer: the one place where entries get indexes. Submitted entries queue up; one thread
// takes everything queued, writes it in one transaction (entries, projections, tiles, a new signed
// checkpoint), commits with one fsync, and only then tells each submitter its index and the
// checkpoint that covers it. Under load, batches grow on their own while a commit is in flight, so
// throughput grows with concurrency while each request waits for about one commit.
//
// Several nodes on one database: the node holding the store's lease is the leader and sequences;
// the others are followers, which hand their entries to the leader through the store's durable
// queue and wait for its "integrated" signal (LISTEN/NOTIFY on PostgreSQL). A follower tries to
// take the lease every second, so when the leader dies its session's lease is free and another
// node leads within about a second. Safety does not rest on the lease: write transactions take
// turns and a leader builds on the entry count its transaction sees (CatchUp), so two nodes that
// both believe they lead still never sign two checkpoints that disagree.
//
// Nothing is acknowledged before it is durable, and a checkpoint is published only after it is
// committed; after a failed commit the sequencer stops (fail-stop) until a restart re-checks the
// stored tree.
//
// This class is the facade the rest of the code uses, and owns the submission queue, the
// sequencer's thread and the store's signals. The work is done by three pieces, each with its own
// tests: Integrator (log/integrator.h: group commit, the in-memory tree, fail-stop),
// CheckpointPublisher (log/checkpoint_publisher.h: signing, Latest()) and NodeRole
// (log/node_role.h: the lease, forwarding to the leader, results). Time is read from an injected
// MonotonicClock (log/monotonic_clock.h).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "common/time.h"
#include "crypto/note.h"
#include "log/appender.h"
#include "log/checkpoint_publisher.h"
#include "log/integrator.h"
#include "log/monotonic_clock.h"
#include "log/node_role.h"
#include "log/submission.h"
#include "storage/store.h"

namespace dipr::log {

// Thread-safe.
class Sequencer {
 public:
  struct Options {
    size_t max_batch = 4096;
    size_t max_queue = 200000;  // beyond this, Submit answers Unavailable (backpressure)
    // Called on the sequencer thread after each commit with the tiles it wrote and the head
    // they make, before the head is published, so that a tile cache can be written through
    // instead of re-reading (and re-checking) what was just stored.
    std::function<void(const std::vector<TileWrite>&, const storage::TreeHead&)> on_commit;
    // How the leader projects an entry that another node queued (it has no Projection closure
    // for it): registry::ApplyEntry. Without it, queued entries are refused.
    std::function<Status(storage::WriteTx&, uint64_t index, std::string_view entry,
                         std::string_view sidecar)>
        apply_queued;
    // How often a follower tries to take the lease, and a leader checks it still holds it.
    std::chrono::milliseconds lease_interval{1000};
    // How often the queue and results are looked at without a signal (a missed notification).
    std::chrono::milliseconds poll_interval{500};
    // How long a follower waits for the leader to integrate an entry it queued.
    std::chrono::milliseconds queue_timeout{30000};
    // The leader removes results of queued entries no node took within result_ttl (the node
    // that queued them died, or gave up after queue_timeout, which must be well below it),
    // looking every result_sweep_interval. Zero interval: never.
    std::chrono::milliseconds result_ttl{600000};
    std::chrono::milliseconds result_sweep_interval{60000};
    // What the timing rules above read (borrowed; it must outlive the sequencer). Null: the
    // steady clock. Tests step a FakeMonotonicClock.
    const MonotonicClock* clock = nullptr;
  };

  // Counters for /metrics. Monotonic since start.
  struct Stats {
    uint64_t batches = 0;
    uint64_t entries = 0;
    uint64_t rejected = 0;       // dropped by their projection
    uint64_t commit_micros = 0;  // total time in Commit (the fsync)
    uint64_t batch_micros = 0;   // total time integrating batches, commit included
    uint64_t max_batch = 0;
    uint64_t queued_integrated = 0;  // entries other nodes queued that this node integrated
    uint64_t forwarded = 0;          // entries this node queued for the leader
    uint64_t results_swept = 0;      // results of queued entries no node took (SweepResults)
  };
  Stats stats() const;

  // Takes the lease if it is free. As leader: loads the tree, checks it against the last signed
  // checkpoint (DataLoss if they differ: the registry must not serve), signs the empty tree on
  // first start. As follower: reads and checks the latest checkpoint. Then starts the thread.
  static Result<std::unique_ptr<Sequencer>> Start(storage::Store& store,
                                                  const crypto::NoteSigner& signer,
                                                  Options options);
  static Result<std::unique_ptr<Sequencer>> Start(storage::Store& store,
                                                  const crypto::NoteSigner& signer) {
    return Start(store, signer, Options());
  }
  ~Sequencer();  // stops the thread after the batch in flight; queued entries get Unavailable

  // sidecar: never logged, but goes with the entry when it is queued for another node
  // (registry/projector.h). projection: what the entry does, when this node integrates it.
  void Submit(std::string entry, std::string sidecar, Projection projection,
              std::unique_ptr<Completion> done);
  void Submit(std::string entry, Projection projection, std::unique_ptr<Completion> done) {
    Submit(std::move(entry), "", std::move(projection), std::move(done));
  }
  // Blocks until the entry is durable; for the CLI, tools and tests.
  Result<Appended> Append(std::string entry, Projection projection, std::string sidecar = "");

  // Whether this node sequences now (holds the lease).
  bool leading() const;

  // The latest committed signed tree head (shared: reading it copies no checkpoint text).
  std::shared_ptr<const storage::TreeHead> Latest() const;
  // False after a failed commit or Halt (the sequencer then refuses entries until a restart).
  bool healthy() const;
  // Whether entries can be appended now: Ok, or Unavailable saying why: stopped (after a failed
  // commit, or healthy() false for another reason), the last batch failed (the database locked
  // or full, say; Ok again once one succeeds), or a batch has waited on the store for more than
  // `stall`. Cheap (a lock, a few fields): /healthz asks it on every call.
  Status WriteHealth(std::chrono::milliseconds stall) const;
  // Stops taking entries until a restart, as after a failed commit: for a reader that found
  // stored data not matching what was signed (the log must not grow on top of it).
  void Halt(const Status& why);
  // Adds signatures (cosignatures) to the stored tree head of `size`, and publishes it in Latest()
  // if that is still the latest: CheckpointPublisher::AddSignatures.
  Status AddTreeHeadSignatures(uint64_t size, std::string_view checkpoint);

 private:
  Sequencer(storage::Store& store, const crypto::NoteSigner& signer, Options options);
  void Run();
  // A following node: takes the lease if free and builds on the stored log (becoming leader).
  void CheckRole();

  storage::Store& store_;
  const Options options_;
  const MonotonicClock& clock_;
  // Declared in this order: the integrator and the role borrow the publisher.
  CheckpointPublisher publisher_;
  Integrator integrator_;
  NodeRole role_;

  mutable Mutex mu_;
  CondVar cv_;
  std::deque<Pending> queue_ DIPR_GUARDED_BY(mu_);
  bool stopping_ DIPR_GUARDED_BY(mu_) = false;
  bool queued_signal_ DIPR_GUARDED_BY(mu_) = false;      // another node queued entries
  bool integrated_signal_ DIPR_GUARDED_BY(mu_) = false;  // the leader committed a batch
  // What the store's signal callback holds instead of `this` (it may outlive us).
  struct Handle {
    Mutex mu;
    Sequencer* sequencer DIPR_GUARDED_BY(mu) = nullptr;  // cleared by ~Sequencer
  };
  std::shared_ptr<Handle> handle_;
  std::thread thread_;
};

}  // namespace dipr::log
