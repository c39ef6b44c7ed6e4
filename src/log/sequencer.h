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
#pragma once

#include <condition_variable>
#include <chrono>
#include <deque>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "common/time.h"
#include "crypto/note.h"
#include "log/appender.h"
#include "storage/store.h"

namespace dipr::log {

inline constexpr size_t kMaxEntrySize = 64 * 1024;  // C2SP tlog-tiles' entry bundle limit

struct Appended {
  uint64_t index = 0;
  std::shared_ptr<const storage::TreeHead> head;  // the first signed tree head including it
};

// What an entry does to the projections (accounts, deposits, ...), run in the batch's
// transaction with the index the entry will get. An error drops the entry (the projection must
// then have written nothing) and is passed to the submitter; OK lets the entry be appended.
using Projection = std::function<Status(storage::WriteTx& tx, uint64_t index)>;

// Called exactly once, on the sequencer thread; must not block.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void Done(Result<Appended> result) = 0;
};

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

 private:
  struct Pending {
    std::string entry;
    std::string sidecar;
    Projection projection;
    std::unique_ptr<Completion> done;
  };

  Sequencer(storage::Store& store, const crypto::NoteSigner& signer, Options options,
            TreeAppender appender, storage::TreeHead head);
  void Run();
  // Leader: integrates the local batch and what other nodes queued, in one transaction.
  void Integrate(std::deque<Pending>& batch, bool look_at_queue);
  // Follower: queues the local batch for the leader; then resolves waiters whose results are in.
  void Forward(std::deque<Pending>& batch);
  void CollectResults();
  // Leader: removes the results that have waited result_ttl for their node.
  void SweepResults();
  // Follower: takes the lease if free (becoming leader).
  void CheckRole();
  // Leader, on a thread of its own: checks every lease_interval that the lease is still held,
  // and follows once it is not. Apart from the sequencer's thread, so that a batch stuck on a
  // silent database (a partition) does not keep the node believing it leads.
  void WatchLease();
  // Reads the latest stored tree head (a follower's view of the log).
  void RefreshLatest();
  // Reloads the tree's right edge after another process appended up to stored_size.
  Status CatchUp(uint64_t stored_size);
  Result<storage::TreeHead> SignHead();

  storage::Store& store_;
  const crypto::NoteSigner& signer_;
  const Options options_;
  TreeAppender appender_;  // only touched by the sequencer thread (and Start)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;      // GUARDED_BY(mu_)
  bool failed_ = false;        // GUARDED_BY(mu_)
  bool leading_ = false;       // GUARDED_BY(mu_)
  bool queued_signal_ = false;      // GUARDED_BY(mu_): another node queued entries
  bool integrated_signal_ = false;  // GUARDED_BY(mu_): the leader committed a batch
  // Follower: entries queued for the leader, by queue id. Sequencer thread only.
  struct Waiter {
    std::unique_ptr<Completion> done;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<uint64_t, Waiter> waiting_;
  // For SweepResults: the newest result id seen at each sweep, oldest first. Every result with
  // an id up to one seen result_ttl ago has waited at least that long: the leader resolves
  // queued entries in id order, and an entry whose id came first but whose queueing committed
  // later is late by one statement (seconds at most), not minutes. Sequencer thread only.
  std::deque<std::pair<std::chrono::steady_clock::time_point, uint64_t>> sweep_marks_;
  // What the store's signal callback holds instead of `this` (it may outlive us).
  struct Handle {
    std::mutex mu;
    Sequencer* sequencer = nullptr;  // GUARDED_BY(mu); cleared by ~Sequencer
  };
  std::shared_ptr<Handle> handle_;
  Stats stats_;                // GUARDED_BY(mu_)
  // For WriteHealth: why the last batch failed (Ok once one succeeds), and since when the batch
  // in progress has been integrating (the epoch: none).
  Status last_failure_;                                  // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point integrating_;  // GUARDED_BY(mu_)
  std::shared_ptr<const storage::TreeHead> latest_;  // GUARDED_BY(mu_)
  std::thread thread_;
  std::condition_variable lease_cv_;  // wakes WatchLease to stop
  std::thread lease_thread_;         // WatchLease
};

}  // namespace dipr::log
