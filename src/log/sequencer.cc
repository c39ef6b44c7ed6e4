#include "log/sequencer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <future>

namespace dipr::log {
namespace {

class PromiseCompletion final : public Completion {
 public:
  explicit PromiseCompletion(std::promise<Result<Appended>>& p) : p_(p) {}
  void Done(Result<Appended> r) override { p_.set_value(std::move(r)); }

 private:
  std::promise<Result<Appended>>& p_;
};

Integrator::Options IntegratorOptions(const Sequencer::Options& o) {
  return {o.max_batch, o.on_commit, o.apply_queued};
}

NodeRole::Options RoleOptions(const Sequencer::Options& o) {
  return {o.lease_interval, o.queue_timeout, o.result_ttl};
}

}  // namespace

Result<std::unique_ptr<Sequencer>> Sequencer::Start(storage::Store& store,
                                                    const crypto::NoteSigner& signer,
                                                    Options options) {
  ASSIGN_OR_RETURN(bool lead, store.TryAcquireLease());
  std::unique_ptr<Sequencer> s(new Sequencer(store, signer, std::move(options)));
  if (lead) {
    RETURN_IF_ERROR(s->integrator_.Load());
    s->role_.SetLeading(true);
  } else {
    // A follower: another node sequences. Serve its latest checkpoint, checked.
    ASSIGN_OR_RETURN(auto head, store.LatestTreeHead());
    if (head) {
      RETURN_IF_ERROR(s->publisher_.Check(*head));
      s->publisher_.Publish(std::make_shared<const storage::TreeHead>(std::move(*head)));
    }
    spdlog::info("sequencer: another node holds the lease; following");
  }
  Sequencer* p = s.get();
  // The store's listener may outlive the sequencer: it reaches it only through this handle,
  // which ~Sequencer clears.
  s->handle_ = std::make_shared<Handle>();
  {
    MutexLock l(s->handle_->mu);
    s->handle_->sequencer = p;
  }
  RETURN_IF_ERROR(store.Subscribe([h = s->handle_](std::string_view signal) {
    MutexLock hl(h->mu);
    Sequencer* q = h->sequencer;
    if (q == nullptr) return;
    {
      MutexLock l(q->mu_);
      // A leader cares about newly queued entries, a follower about integrated ones; after a
      // reconnection ("resync") both look.
      if (signal != "integrated") q->queued_signal_ = true;
      if (signal != "queued") q->integrated_signal_ = true;
    }
    q->cv_.Signal();
  }));
  s->thread_ = std::thread([p] { p->Run(); });
  s->role_.StartWatch();
  return s;
}

Sequencer::Sequencer(storage::Store& store, const crypto::NoteSigner& signer, Options options)
    : store_(store),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : SteadyClock::Get()),
      publisher_(signer, storage::TreeHead{}),
      integrator_(store, publisher_, clock_, IntegratorOptions(options_)),
      role_(store, publisher_, clock_, RoleOptions(options_)) {}

Sequencer::~Sequencer() {
  if (handle_) {
    MutexLock l(handle_->mu);
    handle_->sequencer = nullptr;
  }
  {
    MutexLock l(mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
  // Nothing else touches the queue now.
  MutexLock l(mu_);
  for (auto& p : queue_) p.done->Done(Unavailable("the registry is shutting down"));
  // role_ then answers the entries still waiting for the leader, and stops its lease watch.
}

void Sequencer::Submit(std::string entry, std::string sidecar, Projection projection,
                       std::unique_ptr<Completion> done) {
  if (entry.size() > kMaxEntrySize) {
    done->Done(TooLarge(
        fmt::format("entry of {} bytes is over the {} byte limit", entry.size(), kMaxEntrySize)));
    return;
  }
  {
    MutexLock l(mu_);
    if (stopping_) {
      done->Done(Unavailable("the registry is shutting down"));
      return;
    }
    if (integrator_.stopped()) {
      done->Done(Unavailable("the log stopped after a storage failure; restart the registry"));
      return;
    }
    if (queue_.size() >= options_.max_queue) {
      done->Done(Unavailable("the log is overloaded; retry later"));
      return;
    }
    queue_.push_back(
        {std::move(entry), std::move(sidecar), std::move(projection), std::move(done)});
  }
  cv_.Signal();
}

Result<Appended> Sequencer::Append(std::string entry, Projection projection, std::string sidecar) {
  std::promise<Result<Appended>> p;
  auto f = p.get_future();
  Submit(std::move(entry), std::move(sidecar), std::move(projection),
         std::make_unique<PromiseCompletion>(p));
  return f.get();
}

bool Sequencer::leading() const { return role_.leading(); }

Sequencer::Stats Sequencer::stats() const {
  const Integrator::Stats i = integrator_.stats();
  const NodeRole::Stats r = role_.stats();
  return {i.batches,   i.entries,           i.rejected,  i.commit_micros, i.batch_micros,
          i.max_batch, i.queued_integrated, r.forwarded, r.results_swept};
}

void Sequencer::Halt(const Status& why) { integrator_.Halt(why); }

bool Sequencer::healthy() const {
  MutexLock l(mu_);
  return !integrator_.stopped() && !stopping_;
}

Status Sequencer::WriteHealth(std::chrono::milliseconds stall) const {
  bool stopping;
  {
    MutexLock l(mu_);
    stopping = stopping_;
  }
  return integrator_.WriteHealth(stall, stopping);
}

std::shared_ptr<const storage::TreeHead> Sequencer::Latest() const { return publisher_.Latest(); }

Status Sequencer::AddTreeHeadSignatures(uint64_t size, std::string_view checkpoint) {
  return publisher_.AddSignatures(store_, size, checkpoint);
}

void Sequencer::Run() {
  pthread_setname_np(pthread_self(), "dipr-sequencer");
  std::deque<Pending> batch;
  auto next_role_check = clock_.Now() + options_.lease_interval;
  auto next_poll = clock_.Now();
  auto next_sweep = clock_.Now() + options_.result_sweep_interval;
  while (true) {
    bool signalled, leading;
    {
      MutexLock l(mu_);
      const auto wake = std::min(next_role_check, next_poll);
      leading = role_.leading();
      // A leader waits for queued entries, a follower for integrated ones.
      while (!stopping_ && queue_.empty() && !(leading ? queued_signal_ : integrated_signal_) &&
             clock_.Now() < wake) {
        clock_.WaitUntil(cv_, mu_, wake);
      }
      if (stopping_) return;
      signalled = leading ? queued_signal_ : integrated_signal_;
      queued_signal_ = integrated_signal_ = false;
      size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto now = clock_.Now();
    if (now >= next_role_check) {
      CheckRole();
      next_role_check = now + options_.lease_interval;
      leading = role_.leading();
    }
    bool poll = now >= next_poll;
    if (poll) next_poll = now + options_.poll_interval;
    if (!healthy()) {
      // Fail-stop: after a failed commit the in-memory tree may be ahead of the store, so
      // nothing more is integrated until a restart re-checks the stored tree.
      for (auto& p : batch) {
        p.done->Done(Unavailable("the log stopped after a storage failure; restart the registry"));
      }
      batch.clear();
      continue;
    }
    if (leading) {
      if (!batch.empty() || signalled || poll) integrator_.Integrate(batch, signalled || poll);
      // Entries this node queued while it followed are integrated by now (by us, or by the
      // leader before it went): answer them.
      if (role_.waiting() && (signalled || poll)) role_.CollectResults();
      if (options_.result_sweep_interval.count() > 0 && now >= next_sweep) {
        role_.SweepResults();
        next_sweep = now + options_.result_sweep_interval;
      }
    } else {
      if (!batch.empty()) role_.Forward(batch);
      if (signalled || poll) {
        publisher_.Refresh(store_);
        role_.CollectResults();
      }
    }
    batch.clear();
  }
}

void Sequencer::CheckRole() {
  if (role_.leading()) return;  // the role's lease watch checks a leader's lease
  if (!role_.TryLead()) return;
  // Build on what the last leader committed; CatchUp checks it against its signed checkpoint.
  auto count = store_.EntryCount();
  Status st = count.ok() ? integrator_.CatchUp(*count) : count.status();
  if (!st.ok()) {
    spdlog::critical("sequencer: took the lease but cannot load the log: {}", st.ToString());
    integrator_.Fail();
    return;
  }
  spdlog::info("sequencer: took the lease at size {}; leading", integrator_.size());
  role_.SetLeading(true);
}

}  // namespace dipr::log
