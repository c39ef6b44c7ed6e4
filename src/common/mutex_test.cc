#include "common/mutex.h"

#include <gtest/gtest.h>

#include <thread>

namespace dipr {
namespace {

// A waiter wakes when another thread sets the flag under the lock and signals.
TEST(CondVar, AWaiterWakesWhenSignalled) {
  Mutex mu;
  CondVar cv;
  bool ready = false;
  std::thread setter([&] {
    MutexLock l(mu);
    ready = true;
    cv.SignalAll();
  });
  {
    MutexLock l(mu);
    while (!ready) cv.Wait(mu);
    EXPECT_TRUE(ready);
  }
  setter.join();
}

// A timed wait with nobody to signal reports the timeout.
TEST(CondVar, ATimedWaitNobodySignalsTimesOut) {
  Mutex mu;
  CondVar cv;
  MutexLock l(mu);
  EXPECT_FALSE(cv.WaitFor(mu, std::chrono::milliseconds(1)));
}

// Unlock inside the scope lets another thread take the mutex; the destructor does not unlock twice.
TEST(MutexLock, UnlockInsideTheScopeLetsOthersIn) {
  Mutex mu;
  MutexLock l(mu);
  l.Unlock();
  std::thread other([&] { MutexLock o(mu); });
  other.join();
  l.Lock();
  std::thread after([&] { EXPECT_FALSE(mu.TryLock()); });
  after.join();
}

}  // namespace
}  // namespace dipr
