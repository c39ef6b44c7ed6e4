// A mutex and a condition variable the compiler checks: clang's thread-safety analysis
// (-Wthread-safety, the CI's clang job) proves that every member marked DIPR_GUARDED_BY(mu_) is
// touched only with mu_ held, and that a function marked DIPR_REQUIRES(mu_) is called with it held.
// The attributes are empty for other compilers. As LevelDB's port::Mutex and abseil's
// thread_annotations.h.
//
//   class Counter {
//    public:
//     void Add() { MutexLock l(mu_); ++n_; }
//    private:
//     Mutex mu_;
//     int n_ DIPR_GUARDED_BY(mu_) = 0;
//   };
//
// CondVar waits take the Mutex; write the wait as a loop (`while (!ready_) cv_.Wait(mu_);`), not
// with a predicate lambda, so that the analysis sees the guarded reads under the lock.
// Thread-safe (that is their point); neither is copyable or movable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define DIPR_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define DIPR_THREAD_ANNOTATION(x)
#endif

#define DIPR_CAPABILITY(x) DIPR_THREAD_ANNOTATION(capability(x))
#define DIPR_SCOPED_CAPABILITY DIPR_THREAD_ANNOTATION(scoped_lockable)
#define DIPR_GUARDED_BY(x) DIPR_THREAD_ANNOTATION(guarded_by(x))
#define DIPR_PT_GUARDED_BY(x) DIPR_THREAD_ANNOTATION(pt_guarded_by(x))
#define DIPR_ACQUIRED_BEFORE(...) DIPR_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define DIPR_ACQUIRED_AFTER(...) DIPR_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define DIPR_REQUIRES(...) DIPR_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define DIPR_REQUIRES_SHARED(...) DIPR_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define DIPR_ACQUIRE(...) DIPR_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define DIPR_ACQUIRE_SHARED(...) DIPR_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define DIPR_RELEASE(...) DIPR_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define DIPR_RELEASE_SHARED(...) DIPR_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define DIPR_RELEASE_GENERIC(...) DIPR_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define DIPR_TRY_ACQUIRE(...) DIPR_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define DIPR_EXCLUDES(...) DIPR_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define DIPR_ASSERT_HELD(x) DIPR_THREAD_ANNOTATION(assert_capability(x))
#define DIPR_RETURN_CAPABILITY(x) DIPR_THREAD_ANNOTATION(lock_returned(x))
#define DIPR_NO_THREAD_SAFETY_ANALYSIS DIPR_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace dipr {

class DIPR_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() DIPR_ACQUIRE() { mu_.lock(); }
  void Unlock() DIPR_RELEASE() { mu_.unlock(); }
  bool TryLock() DIPR_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis the caller holds it (a callback documented to run under the lock).
  void AssertHeld() const DIPR_ASSERT_HELD(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope. Unlock() and Lock() let go of it for a while inside the scope (a
// commit that must not hold the lock); the destructor releases it only if held.
class DIPR_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) DIPR_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() DIPR_RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() DIPR_RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() DIPR_ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

// A reader-writer mutex: many readers or one writer.
class DIPR_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() DIPR_ACQUIRE() { mu_.lock(); }
  void Unlock() DIPR_RELEASE() { mu_.unlock(); }
  void LockShared() DIPR_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() DIPR_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class DIPR_SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) DIPR_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterLock() DIPR_RELEASE() { mu_.Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

class DIPR_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) DIPR_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.LockShared(); }
  ~ReaderLock() DIPR_RELEASE() { mu_.UnlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

// A condition variable over a Mutex. Every wait may wake spuriously: wait in a loop.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // REQUIRES: mu held; it is released while waiting and held again on return.
  void Wait(Mutex& mu) DIPR_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False when `deadline` passed (the caller re-checks its condition either way).
  template <class Clock, class Duration>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      DIPR_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool woke = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woke;
  }
  template <class Rep, class Period>
  bool WaitFor(Mutex& mu, const std::chrono::duration<Rep, Period>& timeout) DIPR_REQUIRES(mu) {
    return WaitUntil(mu, std::chrono::steady_clock::now() + timeout);
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace dipr
