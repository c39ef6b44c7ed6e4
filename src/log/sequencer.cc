#include "log/sequencer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <chrono>
#include <future>

#include "log/stored_head.h"
#include "verify/hasher.h"
#include "log/store_tiles.h"

namespace dipr::log {
namespace {

class PromiseCompletion final : public Completion {
 public:
  explicit PromiseCompletion(std::promise<Result<Appended>>& p) : p_(p) {}
  void Done(Result<Appended> r) override { p_.set_value(std::move(r)); }

 private:
  std::promise<Result<Appended>>& p_;
};

// Checks that a stored tree head is signed by us and states the given size and root.
Status CheckHead(const storage::TreeHead& head, const crypto::NoteSigner& signer) {
  return CheckStoredHead(head, signer.verifier());
}

}  // namespace

Result<std::unique_ptr<Sequencer>> Sequencer::Start(storage::Store& store,
                                                    const crypto::NoteSigner& signer,
                                                    Options options) {
  ASSIGN_OR_RETURN(bool lead, store.TryAcquireLease());
  std::unique_ptr<Sequencer> s;
  if (lead) {
    ASSIGN_OR_RETURN(auto head, store.LatestTreeHead());
    ASSIGN_OR_RETURN(uint64_t entries, store.EntryCount());
    StoreTiles tiles(store);
    TreeAppender appender;
    if (head) {
      RETURN_IF_ERROR(CheckHead(*head, signer));
      if (entries != head->size) {
        return DataLoss(fmt::format("the log holds {} entries but its last checkpoint says {}",
                                    entries, head->size));
      }
      ASSIGN_OR_RETURN(appender, TreeAppender::Load(head->size, tiles));
      if (appender.root() != head->root) {
        return DataLoss(fmt::format(
            "the stored tree of size {} does not match the last signed checkpoint", head->size));
      }
    } else if (entries != 0) {
      return DataLoss("the log holds entries but no signed checkpoint");
    }
    s.reset(new Sequencer(store, signer, options, std::move(appender),
                          head.value_or(storage::TreeHead{})));
    s->leading_ = true;
    if (!head) {
      // First start: sign and store the empty tree, so there is always a checkpoint to serve.
      ASSIGN_OR_RETURN(auto tx, store.BeginWrite());
      if (tx->EntryCount() == 0) {
        ASSIGN_OR_RETURN(auto empty, s->SignHead());
        RETURN_IF_ERROR(tx->PutTreeHead(empty));
        RETURN_IF_ERROR(tx->Commit());
        s->latest_ = std::make_shared<const storage::TreeHead>(std::move(empty));
      }
    }
  } else {
    // A follower: another node sequences. Serve its latest checkpoint, checked.
    ASSIGN_OR_RETURN(auto head, store.LatestTreeHead());
    if (head) RETURN_IF_ERROR(CheckHead(*head, signer));
    s.reset(new Sequencer(store, signer, options, TreeAppender(),
                          head.value_or(storage::TreeHead{})));
    spdlog::info("sequencer: another node holds the lease; following");
  }
  Sequencer* p = s.get();
  // The store's listener may outlive the sequencer: it reaches it only through this handle,
  // which ~Sequencer clears.
  s->handle_ = std::make_shared<Handle>();
  s->handle_->sequencer = p;
  RETURN_IF_ERROR(store.Subscribe([h = s->handle_](std::string_view signal) {
    std::lock_guard<std::mutex> hg(h->mu);
    Sequencer* q = h->sequencer;
    if (q == nullptr) return;
    {
      std::lock_guard<std::mutex> g(q->mu_);
      // A leader cares about newly queued entries, a follower about integrated ones; after a
      // reconnection ("resync") both look.
      if (signal != "integrated") q->queued_signal_ = true;
      if (signal != "queued") q->integrated_signal_ = true;
    }
    q->cv_.notify_one();
  }));
  s->thread_ = std::thread([p] { p->Run(); });
  s->lease_thread_ = std::thread([p] { p->WatchLease(); });
  return s;
}

Sequencer::Sequencer(storage::Store& store, const crypto::NoteSigner& signer, Options options,
                     TreeAppender appender, storage::TreeHead head)
    : store_(store),
      signer_(signer),
      options_(options),
      appender_(std::move(appender)),
      latest_(std::make_shared<const storage::TreeHead>(std::move(head))) {}

Sequencer::~Sequencer() {
  if (handle_) {
    std::lock_guard<std::mutex> g(handle_->mu);
    handle_->sequencer = nullptr;
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  lease_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (lease_thread_.joinable()) lease_thread_.join();
  for (auto& p : queue_) p.done->Done(Unavailable("the registry is shutting down"));
  for (auto& [id, w] : waiting_) {
    w.done->Done(Unavailable("the registry is shutting down; the entry may still be logged"));
  }
}

void Sequencer::Submit(std::string entry, std::string sidecar, Projection projection,
                       std::unique_ptr<Completion> done) {
  if (entry.size() > kMaxEntrySize) {
    done->Done(TooLarge(fmt::format("entry of {} bytes is over the {} byte limit", entry.size(),
                                    kMaxEntrySize)));
    return;
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopping_) {
      done->Done(Unavailable("the registry is shutting down"));
      return;
    }
    if (failed_) {
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
  cv_.notify_one();
}

Result<Appended> Sequencer::Append(std::string entry, Projection projection,
                                   std::string sidecar) {
  std::promise<Result<Appended>> p;
  auto f = p.get_future();
  Submit(std::move(entry), std::move(sidecar), std::move(projection),
         std::make_unique<PromiseCompletion>(p));
  return f.get();
}

bool Sequencer::leading() const {
  std::lock_guard<std::mutex> g(mu_);
  return leading_;
}

Sequencer::Stats Sequencer::stats() const {
  std::lock_guard<std::mutex> g(mu_);
  return stats_;
}

void Sequencer::Halt(const Status& why) {
  std::lock_guard<std::mutex> g(mu_);
  if (!failed_) {
    spdlog::critical("sequencer: stopped taking entries: {}", why.ToString());
    last_failure_ = why;  // what /healthz says
  }
  failed_ = true;
}

bool Sequencer::healthy() const {
  std::lock_guard<std::mutex> g(mu_);
  return !failed_ && !stopping_;
}

Status Sequencer::WriteHealth(std::chrono::milliseconds stall) const {
  std::lock_guard<std::mutex> g(mu_);
  if (failed_ || stopping_) {
    return Unavailable(
        "the log has stopped taking entries" +
        (last_failure_.ok() ? std::string() : " after: " + last_failure_.message()) +
        "; restart the registry");
  }
  if (!last_failure_.ok()) return Unavailable("the last write failed: " + last_failure_.message());
  if (integrating_ != std::chrono::steady_clock::time_point()) {
    auto waited = std::chrono::steady_clock::now() - integrating_;
    if (waited > stall) {
      return Unavailable(fmt::format(
          "a write has waited {} ms for the database (locked by another process?)",
          std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
    }
  }
  return Status::Ok();
}

std::shared_ptr<const storage::TreeHead> Sequencer::Latest() const {
  std::lock_guard<std::mutex> g(mu_);
  return latest_;
}

void Sequencer::Run() {
  pthread_setname_np(pthread_self(), "dipr-sequencer");
  std::deque<Pending> batch;
  auto next_role_check = std::chrono::steady_clock::now() + options_.lease_interval;
  auto next_poll = std::chrono::steady_clock::now();
  auto next_sweep = std::chrono::steady_clock::now() + options_.result_sweep_interval;
  while (true) {
    bool signalled, leading;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto wake = std::min(next_role_check, next_poll);
      leading = leading_;
      bool& flag = leading ? queued_signal_ : integrated_signal_;
      cv_.wait_until(lock, wake, [&] { return stopping_ || !queue_.empty() || flag; });
      if (stopping_) return;
      signalled = flag;
      queued_signal_ = integrated_signal_ = false;
      size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= next_role_check) {
      CheckRole();
      next_role_check = now + options_.lease_interval;
      leading = this->leading();
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
      if (!batch.empty() || signalled || poll) Integrate(batch, signalled || poll);
      // Entries this node queued while it followed are integrated by now (by us, or by the
      // leader before it went): answer them.
      if (!waiting_.empty() && (signalled || poll)) CollectResults();
      if (options_.result_sweep_interval.count() > 0 && now >= next_sweep) {
        SweepResults();
        next_sweep = now + options_.result_sweep_interval;
      }
    } else {
      if (!batch.empty()) Forward(batch);
      if (signalled || poll) {
        RefreshLatest();
        CollectResults();
      }
    }
    batch.clear();
  }
}

void Sequencer::WatchLease() {
  pthread_setname_np(pthread_self(), "dipr-lease");
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lease_cv_.wait_for(lock, options_.lease_interval, [this] { return stopping_; });
    if (stopping_ || !leading_) continue;
    lock.unlock();
    bool held = store_.LeaseHeld();  // may wait for a silent database: not under mu_
    lock.lock();
    if (!held && leading_) {
      spdlog::warn("sequencer: lost the lease; following");
      leading_ = false;
    }
  }
}

void Sequencer::CheckRole() {
  if (leading()) return;  // WatchLease checks a leader's lease
  auto lead = store_.TryAcquireLease();
  if (!lead.ok() || !*lead) return;
  // Build on what the last leader committed; CatchUp checks it against its signed checkpoint.
  auto count = store_.EntryCount();
  Status st = count.ok() ? CatchUp(*count) : count.status();
  if (!st.ok()) {
    spdlog::critical("sequencer: took the lease but cannot load the log: {}", st.ToString());
    std::lock_guard<std::mutex> g(mu_);
    failed_ = true;
    return;
  }
  spdlog::info("sequencer: took the lease at size {}; leading", appender_.size());
  std::lock_guard<std::mutex> g(mu_);
  leading_ = true;
}

void Sequencer::RefreshLatest() {
  auto head = store_.LatestTreeHead();
  if (!head.ok() || !*head) return;
  if (Status st = CheckHead(**head, signer_); !st.ok()) {
    spdlog::critical("sequencer: the stored checkpoint does not verify: {}", st.ToString());
    return;
  }
  std::lock_guard<std::mutex> g(mu_);
  if (!latest_ || (*head)->size > latest_->size) {
    latest_ = std::make_shared<const storage::TreeHead>(std::move(**head));
  }
}

void Sequencer::Forward(std::deque<Pending>& batch) {
  for (auto& p : batch) {
    auto id = store_.Enqueue(p.entry, p.sidecar);
    if (!id.ok()) {
      p.done->Done(Unavailable("cannot queue the entry for the sequencing node: " +
                               id.status().message()));
      continue;
    }
    waiting_.emplace(*id, Waiter{std::move(p.done),
                                 std::chrono::steady_clock::now() + options_.queue_timeout});
  }
  {
    std::lock_guard<std::mutex> g(mu_);
    stats_.forwarded += batch.size();
  }
  (void)store_.Signal("queued");
}

void Sequencer::CollectResults() {
  const auto now = std::chrono::steady_clock::now();
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
      auto head = Latest();
      if (!head || head->size <= res.index) {
        RefreshLatest();
        head = Latest();
      }
      if (!head || head->size <= res.index) {
        it->second.done->Done(
            Internal("the entry was integrated but no checkpoint covers it yet"));
      } else {
        it->second.done->Done(Appended{res.index, head});
      }
    }
    it = waiting_.erase(it);
  }
}

void Sequencer::SweepResults() {
  const auto now = std::chrono::steady_clock::now();
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
  std::lock_guard<std::mutex> g(mu_);
  stats_.results_swept += swept->deleted;
}

Result<storage::TreeHead> Sequencer::SignHead() {
  Checkpoint cp{signer_.name(), appender_.size(), appender_.root(), {}};
  return storage::TreeHead{cp.size, cp.root, crypto::SignNote(cp.Body(), signer_)};
}

Status Sequencer::CatchUp(uint64_t stored_size) {
  ASSIGN_OR_RETURN(auto head, store_.LatestTreeHead());
  if (!head || head->size != stored_size) {
    return DataLoss("the stored log and its latest checkpoint disagree on the size");
  }
  RETURN_IF_ERROR(CheckHead(*head, signer_));
  StoreTiles tiles(store_);
  ASSIGN_OR_RETURN(TreeAppender appender, TreeAppender::Load(head->size, tiles));
  if (appender.root() != head->root) {
    return DataLoss("the stored tree does not match its latest checkpoint");
  }
  spdlog::info("sequencer: caught up from size {} to {}", appender_.size(), head->size);
  appender_ = std::move(appender);
  std::lock_guard<std::mutex> g(mu_);
  latest_ = std::make_shared<const storage::TreeHead>(std::move(*head));
  return Status::Ok();
}

void Sequencer::Integrate(std::deque<Pending>& batch, bool look_at_queue) {
  const auto t0 = std::chrono::steady_clock::now();
  auto fail_all = [&](const Status& st) {
    spdlog::error("sequencer: batch of {} failed: {}", batch.size(), st.ToString());
    {
      std::lock_guard<std::mutex> g(mu_);
      last_failure_ = st;
    }
    for (auto& p : batch) p.done->Done(st);
  };
  // How long this batch has been at it, for WriteHealth; whatever way Integrate returns.
  {
    std::lock_guard<std::mutex> g(mu_);
    integrating_ = t0;
  }
  struct EndOfBatch {
    Sequencer* s;
    ~EndOfBatch() {
      std::lock_guard<std::mutex> g(s->mu_);
      s->integrating_ = {};
    }
  } end_of_batch{this};

  // First optimistically, with the store's deferred checks (a deposit's uniqueness is then
  // verified once for the whole batch instead of once per entry); if any projection was in
  // fact refused, the transaction is abandoned and the batch redone with every check answered
  // before its entry gets an index.
  std::unique_ptr<storage::WriteTx> tx;
  std::vector<Result<uint64_t>> outcome;  // per local pending: its index, or why it was dropped
  std::vector<storage::PendingEntry> queued;
  std::vector<Hash> leaves;
  size_t from_queue = 0;
  uint64_t start = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool optimistic = attempt == 0;
    tx.reset();
    outcome.clear();
    queued.clear();
    leaves.clear();
    auto tx_or = store_.BeginWrite();
    if (!tx_or.ok()) return fail_all(tx_or.status());  // nothing changed; a later batch retries
    tx = std::move(tx_or).value();
    {
      std::lock_guard<std::mutex> g(mu_);
      last_failure_ = Status::Ok();  // the store takes writes again
    }
    if (tx->EntryCount() != appender_.size()) {
      // Another process appended since our last batch (a node that sequenced before us, on the
      // same database). Write transactions take turns, so build on what it committed.
      if (Status st = CatchUp(tx->EntryCount()); !st.ok()) {
        spdlog::critical("sequencer: cannot catch up with the stored log: {}", st.ToString());
        {
          std::lock_guard<std::mutex> g(mu_);
          failed_ = true;
        }
        return fail_all(st);
      }
    }
    start = appender_.size();

    // Entries other nodes queued for us go in the same transaction, their outcome recorded
    // there too.
    if (look_at_queue && options_.max_batch > batch.size()) {
      auto q = tx->Pending(options_.max_batch - batch.size());
      if (!q.ok()) return fail_all(q.status());
      queued = std::move(q).value();
    }
    if (batch.empty() && queued.empty()) return;  // rolled back: nothing to do

    tx->SetDeferredChecks(optimistic);
    leaves.reserve(batch.size() + queued.size());
    for (auto& q : queued) {
      uint64_t index = start + leaves.size();
      Status st = options_.apply_queued
                      ? options_.apply_queued(*tx, index, q.entry, q.sidecar)
                      : Unavailable("this node cannot project queued entries");
      if (st.ok()) st = tx->AppendEntry(index, q.entry);
      Status resolved =
          tx->Resolve(q.id, st.ok() ? storage::PendingResult{Code::kOk, index, ""}
                                    : storage::PendingResult{st.code(), 0, st.message()});
      if (!resolved.ok()) return fail_all(resolved);
      if (st.ok()) leaves.push_back(HashLeaf(q.entry));
    }
    from_queue = leaves.size();
    for (auto& p : batch) {
      uint64_t index = start + leaves.size();
      if (p.projection) {
        Status st = p.projection(*tx, index);
        if (!st.ok()) {
          outcome.push_back(st);
          continue;
        }
      }
      if (Status st = tx->AppendEntry(index, p.entry); !st.ok()) return fail_all(st);
      leaves.push_back(HashLeaf(p.entry));
      outcome.push_back(index);
    }
    if (!optimistic) break;
    Status checked = tx->CheckDeferred();
    if (checked.ok()) break;
    if (checked.code() != Code::kConflict) return fail_all(checked);
    // A deferred check failed: redo the batch carefully (the transaction rolls back).
  }

  std::shared_ptr<const storage::TreeHead> head;
  std::vector<TileWrite> writes;
  auto commit_start = t0;
  if (!leaves.empty()) {
    Status st;
    writes = appender_.Append(leaves);
    for (auto& w : writes) {
      st = tx->PutTile(w.id.level, w.id.index, w.data);
      if (!st.ok()) break;
    }
    if (st.ok()) {
      tx->SignalOnCommit("integrated");
      auto signed_head = SignHead();
      st = signed_head.ok() ? tx->PutTreeHead(*signed_head) : signed_head.status();
      if (st.ok()) head = std::make_shared<const storage::TreeHead>(std::move(signed_head).value());
    }
    commit_start = std::chrono::steady_clock::now();
    if (st.ok()) st = tx->Commit();
    if (!st.ok()) {
      // The in-memory tree ran ahead of the store, and after a failed commit we cannot be sure
      // what the disk holds. Stop sequencing (fail-stop): a restart re-checks the stored tree
      // against its last signed checkpoint before anything is signed again, so no two
      // inconsistent checkpoints can ever be signed.
      spdlog::critical("sequencer: commit failed, no more entries until restart: {}",
                       st.ToString());
      {
        std::lock_guard<std::mutex> g(mu_);
        failed_ = true;
      }
      return fail_all(st);
    }
    if (options_.on_commit) options_.on_commit(writes, *head);
    std::lock_guard<std::mutex> g(mu_);
    latest_ = head;
  } else {
    head = Latest();
    if (!queued.empty()) {
      // Only refusals of queued entries: their results must still be committed and announced.
      tx->SignalOnCommit("integrated");
      if (Status st = tx->Commit(); !st.ok()) return fail_all(st);
    }
  }
  {
    auto t1 = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> g(mu_);
    stats_.batches++;
    stats_.entries += leaves.size();
    stats_.rejected += batch.size() + queued.size() - leaves.size();
    stats_.queued_integrated += from_queue;
    stats_.commit_micros +=
        std::chrono::duration_cast<std::chrono::microseconds>(t1 - commit_start).count();
    stats_.batch_micros += std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count();
    stats_.max_batch = std::max<uint64_t>(stats_.max_batch, batch.size());
  }

  for (size_t i = 0; i < batch.size(); ++i) {
    if (outcome[i].ok()) {
      batch[i].done->Done(Appended{*outcome[i], head});
    } else {
      batch[i].done->Done(outcome[i].status());
    }
  }
}

}  // namespace dipr::log
