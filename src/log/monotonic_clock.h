// The monotonic clock the sequencer's timing rules read (lease checks, polls, the queue's timeout,
// result sweeps, the stall /healthz reports), injected as common/time.h injects the wall clock, so
// that tests step time instead of sleeping. A wait goes through the clock too: a fake clock wakes
// its waiters when it is stepped past their deadline.
#pragma once

#include <chrono>
#include <vector>

#include "common/mutex.h"

namespace dipr::log {

// Thread-safe.
class MonotonicClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~MonotonicClock() = default;
  virtual TimePoint Now() const = 0;
  // Waits on `cv` until it is signalled or this clock reaches `deadline`; may wake spuriously
  // (the caller waits in a loop, re-checking its condition and Now()).
  // REQUIRES: mu held; released while waiting, held again on return.
  virtual void WaitUntil(CondVar& cv, Mutex& mu, TimePoint deadline) const DIPR_REQUIRES(mu) = 0;
};

// std::chrono::steady_clock. The process's one instance: SteadyClock::Get().
class SteadyClock final : public MonotonicClock {
 public:
  static SteadyClock& Get();
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(CondVar& cv, Mutex& mu, TimePoint deadline) const override DIPR_REQUIRES(mu) {
    cv.WaitUntil(mu, deadline);
  }
};

// A clock that moves only when a test steps it. Thread-safe; a waiter (its Mutex and CondVar)
// must outlive any Advance that runs while it waits.
class FakeMonotonicClock final : public MonotonicClock {
 public:
  FakeMonotonicClock() : now_(TimePoint() + std::chrono::hours(1)) {}
  TimePoint Now() const override;
  void WaitUntil(CondVar& cv, Mutex& mu, TimePoint deadline) const override DIPR_REQUIRES(mu);
  // Moves time on and wakes every waiter whose deadline it reached.
  void Advance(std::chrono::nanoseconds d);
  // Blocks until at least `n` threads wait on this clock for a deadline still ahead: after an
  // Advance, the threads it woke have done what their deadline was for and wait again.
  void AwaitWaiters(size_t n);

 private:
  struct Waiter {
    CondVar* cv;
    Mutex* mu;
    TimePoint deadline;
  };
  size_t WaitersAheadLocked() const DIPR_REQUIRES(mu_);

  mutable Mutex mu_;
  mutable CondVar changed_;  // a waiter came or went
  TimePoint now_ DIPR_GUARDED_BY(mu_);
  mutable std::vector<Waiter*> waiters_ DIPR_GUARDED_BY(mu_);
};

}  // namespace dipr::log
