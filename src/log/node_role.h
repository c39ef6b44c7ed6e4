// The node's role among the nodes on one database, and a following node's way to the leader. It
// owns the lease (the node holding the store's lease leads and sequences: a following node tries
// to take it every lease_interval, and a leader checks on a thread of its own that it still holds
// it, so that a batch stuck on a silent database does not keep it believing it leads), the
// forwarding of a following node's entries through the store's durable queue, and the results:
// answering the entries it queued once the leader resolved them (or Unavailable after
// queue_timeout), and, as leader, sweeping the results no node took within result_ttl. When the
// leader dies its session's lease is free and another node leads within about a lease_interval.
//
// Thread-safe: leading() and SetLeading() from any thread; TryLead, Forward, CollectResults and
// SweepResults on the sequencer's thread only.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <thread>
#include <utility>

#include "common/mutex.h"
#include "log/checkpoint_publisher.h"
#include "log/monotonic_clock.h"
#include "log/submission.h"
#include "storage/store.h"

namespace dipr::log {

class NodeRole {
 public:
  struct Options {
    std::chrono::milliseconds lease_interval{1000};
    std::chrono::milliseconds queue_timeout{30000};
    std::chrono::milliseconds result_ttl{600000};
  };
  struct Stats {
    uint64_t forwarded = 0;
    uint64_t results_swept = 0;
  };

  // Borrows all three; they must outlive this. Follows until SetLeading(true).
  NodeRole(storage::Store& store, CheckpointPublisher& publisher, const MonotonicClock& clock,
           Options options);
  // Stops the lease watch; answers the entries still waiting for the leader Unavailable.
  ~NodeRole();
  NodeRole(const NodeRole&) = delete;
  NodeRole& operator=(const NodeRole&) = delete;

  // Starts the thread that checks every lease_interval that a leader still holds the lease.
  void StartWatch();
  bool leading() const;
  void SetLeading(bool leading);

  // A following node: takes the lease if it is free. True if taken; the caller then builds on the
  // stored log (Integrator::CatchUp) before SetLeading(true).
  bool TryLead();
  // A following node: queues `batch` for the leader; each entry is answered by CollectResults.
  void Forward(std::deque<Pending>& batch);
  // Answers the forwarded entries whose results are in, and those past queue_timeout.
  void CollectResults();
  bool waiting() const { return !waiting_.empty(); }
  // The leader: removes the results that have waited result_ttl for their node.
  void SweepResults();
  Stats stats() const;

 private:
  void WatchLease();

  storage::Store& store_;
  CheckpointPublisher& publisher_;
  const MonotonicClock& clock_;
  const Options options_;

  mutable Mutex mu_;
  CondVar cv_;  // wakes WatchLease to stop
  bool leading_ DIPR_GUARDED_BY(mu_) = false;
  bool stopping_ DIPR_GUARDED_BY(mu_) = false;
  Stats stats_ DIPR_GUARDED_BY(mu_);
  std::thread watch_;

  // Entries queued for the leader, by queue id. Sequencer thread only.
  struct Waiter {
    std::unique_ptr<Completion> done;
    MonotonicClock::TimePoint deadline;
  };
  std::map<uint64_t, Waiter> waiting_;
  // For SweepResults: the newest result id seen at each sweep, oldest first. Every result with
  // an id up to one seen result_ttl ago has waited at least that long: the leader resolves
  // queued entries in id order, and an entry whose id came first but whose queueing committed
  // later is late by one statement (seconds at most), not minutes. Sequencer thread only.
  std::deque<std::pair<MonotonicClock::TimePoint, uint64_t>> sweep_marks_;
};

}  // namespace dipr::log
