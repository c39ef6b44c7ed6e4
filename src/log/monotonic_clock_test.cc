// The fake monotonic clock: a waiter wakes when the clock is stepped past its deadline, not
// before, and AwaitWaiters sees it back waiting.
#include "log/monotonic_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace dipr::log {
namespace {

TEST(FakeMonotonicClockTest, AWaiterWakesWhenSteppedPastItsDeadline) {
  FakeMonotonicClock clock;
  Mutex mu;
  CondVar cv;
  std::atomic<int> woke{0};
  const auto deadline = clock.Now() + std::chrono::seconds(10);
  std::thread waiter([&] {
    MutexLock l(mu);
    while (clock.Now() < deadline) clock.WaitUntil(cv, mu, deadline);
    ++woke;
    // Waits again, for a deadline further on, so that the test can see it settled.
    const auto later = deadline + std::chrono::seconds(10);
    while (clock.Now() < later) clock.WaitUntil(cv, mu, later);
  });
  clock.AwaitWaiters(1);
  clock.Advance(std::chrono::seconds(9));
  clock.AwaitWaiters(1);
  EXPECT_EQ(woke, 0);
  clock.Advance(std::chrono::seconds(1));
  clock.AwaitWaiters(1);  // back waiting for `later`: it woke
  EXPECT_EQ(woke, 1);
  clock.Advance(std::chrono::seconds(10));
  waiter.join();
}

TEST(SteadyClockTest, WaitsUntilTheDeadline) {
  Mutex mu;
  CondVar cv;
  MonotonicClock& clock = SteadyClock::Get();
  const auto deadline = clock.Now() + std::chrono::milliseconds(5);
  MutexLock l(mu);
  while (clock.Now() < deadline) clock.WaitUntil(cv, mu, deadline);
  EXPECT_GE(clock.Now(), deadline);
}

}  // namespace
}  // namespace dipr::log
