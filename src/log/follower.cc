#include "log/follower.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace dipr::log {

FollowerRunner::FollowerRunner(storage::Store& store, Follower& follower, Options options)
    : store_(store), follower_(follower), options_(options) {}

FollowerRunner::~FollowerRunner() {
  {
    MutexLock l(mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void FollowerRunner::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FollowerRunner::Notify(uint64_t size) {
  {
    MutexLock l(mu_);
    progress_.latest = std::max(progress_.latest, size);
    notified_ = true;
  }
  cv_.Signal();
}

FollowerRunner::Progress FollowerRunner::progress() const {
  MutexLock l(mu_);
  return progress_;
}

bool FollowerRunner::stopping() const {
  MutexLock l(mu_);
  return stopping_;
}

void FollowerRunner::Run() {
  pthread_setname_np(pthread_self(), "dipr-follow");
  using Clock = std::chrono::steady_clock;
  while (true) {
    const Clock::time_point started = Clock::now();
    Status st = Pass();
    MutexLock l(mu_);
    if (!st.ok()) {
      ++progress_.failures;
      l.Unlock();
      spdlog::warn("follower {}: {}; trying again in {} ms", follower_.name(), st.ToString(),
                   options_.poll_interval.count());
      l.Lock();
    }
    // The next pass: on a Notify (but not before min_interval after this one started), or
    // after poll_interval; after a failure, only after poll_interval.
    const Clock::time_point earliest = started + options_.min_interval;
    const Clock::time_point poll = Clock::now() + options_.poll_interval;
    while (!stopping_ && (!notified_ || !st.ok()) && Clock::now() < poll) {
      cv_.WaitUntil(mu_, poll);
    }
    while (!stopping_ && Clock::now() < earliest) cv_.WaitUntil(mu_, earliest);
    if (stopping_) return;
    notified_ = false;
  }
}

Status FollowerRunner::Pass() {
  ASSIGN_OR_RETURN(auto head, store_.LatestTreeHead());
  const uint64_t latest = head ? head->size : 0;
  ASSIGN_OR_RETURN(uint64_t cursor, store_.FollowerCursor(follower_.name()));
  {
    MutexLock l(mu_);
    progress_.latest = std::max(progress_.latest, latest);
    progress_.cursor = cursor;
  }
  while (cursor < latest && !stopping()) {
    const uint64_t end = std::min(latest, cursor + std::max<uint64_t>(options_.max_batch, 1));
    // Read before the transaction: on SQLite it holds the one writer.
    ASSIGN_OR_RETURN(std::vector<std::string> entries, store_.ReadEntries(cursor, end));
    Status st;
    {
      auto tx = store_.BeginFollower(follower_.name(), cursor);
      st = tx.status();
      if (st.ok()) st = follower_.Apply(**tx, cursor, entries);
      if (st.ok()) st = (*tx)->Commit(end);
    }  // a transaction not committed rolls back here
    if (st.code() == Code::kConflict) {
      // Another node's runner applied these first: go on from where it got to.
      ASSIGN_OR_RETURN(cursor, store_.FollowerCursor(follower_.name()));
      MutexLock l(mu_);
      ++progress_.lost_races;
      progress_.cursor = cursor;
      continue;
    }
    if (!st.ok()) {
      return Status(st.code(),
                    fmt::format("applying entries {} to {}: {}", cursor, end - 1, st.message()));
    }
    MutexLock l(mu_);
    progress_.applied += end - cursor;
    progress_.cursor = cursor = end;
  }
  if (cursor != reported_) {
    follower_.CaughtUp(store_, cursor);
    reported_ = cursor;
  }
  return Status::Ok();
}

}  // namespace dipr::log
