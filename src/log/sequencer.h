// The sequencer: the one place where entries get indexes. Submitted entries queue up; one thread
// takes everything queued, writes it in one transaction (entries, projections, tiles, a new signed
// checkpoint), commits with one fsync, and only then tells each submitter its index and the
// checkpoint that covers it. Under load, batches grow on their own while a commit is in flight, so
// throughput grows with concurrency while each request waits for about one commit.
//
// Nothing is acknowledged before it is durable, and a checkpoint is published only after it is
// committed; a failed commit is rolled back in memory too, so the log never signs two checkpoints
// for one size.
#pragma once

#include <condition_variable>
#include <deque>
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
    // Called on the sequencer thread after each commit with the tiles it wrote, so that a tile
    // cache can be written through instead of re-reading what was just stored.
    std::function<void(const std::vector<TileWrite>&)> on_commit;
  };

  // Counters for /metrics. Monotonic since start.
  struct Stats {
    uint64_t batches = 0;
    uint64_t entries = 0;
    uint64_t rejected = 0;       // dropped by their projection
    uint64_t commit_micros = 0;  // total time in Commit (the fsync)
    uint64_t batch_micros = 0;   // total time integrating batches, commit included
    uint64_t max_batch = 0;
  };
  Stats stats() const;

  // Loads the tree, checks it against the last signed checkpoint (DataLoss if they differ: the
  // registry must not serve), signs the empty tree on first start, and starts the thread.
  static Result<std::unique_ptr<Sequencer>> Start(storage::Store& store,
                                                  const crypto::NoteSigner& signer,
                                                  Options options);
  static Result<std::unique_ptr<Sequencer>> Start(storage::Store& store,
                                                  const crypto::NoteSigner& signer) {
    return Start(store, signer, Options());
  }
  ~Sequencer();  // stops the thread after the batch in flight; queued entries get Unavailable

  void Submit(std::string entry, Projection projection, std::unique_ptr<Completion> done);
  // Blocks until the entry is durable; for the CLI, tools and tests.
  Result<Appended> Append(std::string entry, Projection projection);

  // The latest committed signed tree head (shared: reading it copies no checkpoint text).
  std::shared_ptr<const storage::TreeHead> Latest() const;
  // False after a failed commit (the sequencer then refuses entries until a restart).
  bool healthy() const;

 private:
  struct Pending {
    std::string entry;
    Projection projection;
    std::unique_ptr<Completion> done;
  };

  Sequencer(storage::Store& store, const crypto::NoteSigner& signer, Options options,
            TreeAppender appender, storage::TreeHead head);
  void Run();
  void Integrate(std::deque<Pending>& batch);
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
  Stats stats_;                // GUARDED_BY(mu_)
  std::shared_ptr<const storage::TreeHead> latest_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace dipr::log
