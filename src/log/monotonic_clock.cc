#include "log/monotonic_clock.h"

#include <algorithm>

namespace dipr::log {

SteadyClock& SteadyClock::Get() {
  static SteadyClock* clock = new SteadyClock();  // never destroyed: threads may read it at exit
  return *clock;
}

MonotonicClock::TimePoint FakeMonotonicClock::Now() const {
  MutexLock l(mu_);
  return now_;
}

void FakeMonotonicClock::WaitUntil(CondVar& cv, Mutex& mu, TimePoint deadline) const {
  Waiter w{&cv, &mu, deadline};
  {
    MutexLock l(mu_);
    if (now_ >= deadline) return;
    waiters_.push_back(&w);
    changed_.SignalAll();
  }
  // Advance takes `mu` before it signals, and we hold it from before we were listed until the
  // wait releases it: its signal cannot fall between the check above and this wait.
  cv.Wait(mu);
  MutexLock l(mu_);
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
  changed_.SignalAll();
}

void FakeMonotonicClock::Advance(std::chrono::nanoseconds d) {
  std::vector<Waiter> due;  // copies: a listed Waiter lives on its thread's stack
  {
    MutexLock l(mu_);
    now_ += std::chrono::duration_cast<TimePoint::duration>(d);
    for (const Waiter* w : waiters_) {
      if (w->deadline <= now_) due.push_back(*w);
    }
  }
  for (const Waiter& w : due) {
    MutexLock l(*w.mu);
    w.cv->SignalAll();
  }
}

size_t FakeMonotonicClock::WaitersAheadLocked() const {
  return std::count_if(waiters_.begin(), waiters_.end(),
                       [this](const Waiter* w)
                           DIPR_NO_THREAD_SAFETY_ANALYSIS { return w->deadline > now_; });
}

void FakeMonotonicClock::AwaitWaiters(size_t n) {
  MutexLock l(mu_);
  while (WaitersAheadLocked() < n) changed_.Wait(mu_);
}

}  // namespace dipr::log
