#include "log/node_role.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace dipr::log {

NodeRole::NodeRole(storage::Store& store, CheckpointPublisher& publisher,
                   const MonotonicClock& clock, Options options)
    : store_(store), publisher_(publisher), clock_(clock), options_(options) {}

NodeRole::~NodeRole() {
  {
    MutexLock l(mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (watch_.joinable()) watch_.join();
  for (auto& [id, w] : waiting_) {
    w.done->Done(Unavailable("the registry is shutting down; the entry may still be logged"));
  }
}

void NodeRole::StartWatch() {
  watch_ = std::thread([this] { WatchLease(); });
}

bool NodeRole::leading() const {
  MutexLock l(mu_);
  return leading_;
}

void NodeRole::SetLeading(bool leading) {
  MutexLock l(mu_);
  leading_ = leading;
}

NodeRole::Stats NodeRole::stats() const {
  MutexLock l(mu_);
  return stats_;
}

void NodeRole::WatchLease() {
  pthread_setname_np(pthread_self(), "dipr-lease");
  MutexLock l(mu_);
  while (!stopping_) {
    const auto deadline = clock_.Now() + options_.lease_interval;
    while (!stopping_ && clock_.Now() < deadline) clock_.WaitUntil(cv_, mu_, deadline);
    if (stopping_ || !leading_) continue;
    l.Unlock();
    bool held = store_.LeaseHeld();  // may wait for a silent database: not under mu_
    l.Lock();
    if (!held && leading_) {
      spdlog::warn("sequencer: lost the lease; following");
      leading_ = false;
    }
  }
}

bool NodeRole::TryLead() {
  auto lead = store_.TryAcquireLease();
  return lead.ok() && *lead;
}

void NodeRole::Forward(std::deque<Pending>& batch) {
  for (auto& p : batch) {
    auto id = store_.Enqueue(p.entry, p.sidecar);
    if (!id.ok()) {
      p.done->Done(
          Unavailable("cannot queue the entry for the sequencing node: " + id.status().message()));
      continue;
    }
    waiting_.emplace(*id, Waiter{std::move(p.done), clock_.Now() + options_.queue_timeout});
  }
  {
    MutexLock l(mu_);
    stats_.forwarded += batch.size();
  }
  (void)store_.Signal("queued");
}

void NodeRole::CollectResults() {
  const auto now = clock_.Now();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto r = store_.TakeResult(it->first);
    if (!r.ok() || !*r) {
      if (now > it->second.deadline) {
        // No answer in time (no leader, or a result lost with a connection): say so rather than
        // hold the request forever. The entry may still be logged; a retry is safe for deposits.
        it->second.done->Done(Unavailable(
            "no sequencing node answered in time; the entry may still be logged — retry"));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
      continue;
    }
    const storage::PendingResult& res = **r;
    if (res.code != Code::kOk) {
      it->second.done->Done(Status(res.code, res.message));
    } else {
      auto head = publisher_.Latest();
      if (!head || head->size <= res.index) {
        publisher_.Refresh(store_);
        head = publisher_.Latest();
      }
      if (!head || head->size <= res.index) {
        it->second.done->Done(Internal("the entry was integrated but no checkpoint covers it yet"));
      } else {
        it->second.done->Done(Appended{res.index, head});
      }
    }
    it = waiting_.erase(it);
  }
}

void NodeRole::SweepResults() {
  const auto now = clock_.Now();
  uint64_t through = 0;
  while (!sweep_marks_.empty() && now - sweep_marks_.front().first >= options_.result_ttl) {
    through = sweep_marks_.front().second;
    sweep_marks_.pop_front();
  }
  auto swept = store_.SweepResults(through);
  if (!swept.ok()) {
    spdlog::warn("sequencer: sweeping results no node took failed: {}", swept.status().ToString());
    return;
  }
  sweep_marks_.emplace_back(now, swept->newest);
  if (swept->deleted == 0) return;
  spdlog::info("sequencer: removed {} results of queued entries no node took in {} s",
               swept->deleted,
               std::chrono::duration_cast<std::chrono::seconds>(options_.result_ttl).count());
  MutexLock l(mu_);
  stats_.results_swept += swept->deleted;
}

}  // namespace dipr::log
