#include "log/integrator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "log/store_tiles.h"
#include "verify/hasher.h"

namespace dipr::log {

Integrator::Integrator(storage::Store& store, CheckpointPublisher& publisher,
                       const MonotonicClock& clock, Options options)
    : store_(store), publisher_(publisher), clock_(clock), options_(std::move(options)) {}

Status Integrator::Load() {
  ASSIGN_OR_RETURN(auto head, store_.LatestTreeHead());
  ASSIGN_OR_RETURN(uint64_t entries, store_.EntryCount());
  if (head) {
    RETURN_IF_ERROR(publisher_.Check(*head));
    if (entries != head->size) {
      return DataLoss(fmt::format("the log holds {} entries but its last checkpoint says {}",
                                  entries, head->size));
    }
    StoreTiles tiles(store_);
    ASSIGN_OR_RETURN(appender_, TreeAppender::Load(head->size, tiles));
    if (appender_.root() != head->root) {
      return DataLoss(fmt::format(
          "the stored tree of size {} does not match the last signed checkpoint", head->size));
    }
    publisher_.Publish(std::make_shared<const storage::TreeHead>(std::move(*head)));
    return Status::Ok();
  }
  if (entries != 0) return DataLoss("the log holds entries but no signed checkpoint");
  // First start: sign and store the empty tree, so there is always a checkpoint to serve.
  ASSIGN_OR_RETURN(auto tx, store_.BeginWrite());
  if (tx->EntryCount() == 0) {
    ASSIGN_OR_RETURN(auto empty, SignHead());
    RETURN_IF_ERROR(tx->PutTreeHead(empty));
    RETURN_IF_ERROR(tx->Commit());
    publisher_.Publish(std::make_shared<const storage::TreeHead>(std::move(empty)));
  }
  return Status::Ok();
}

Status Integrator::CatchUp(uint64_t stored_size) {
  ASSIGN_OR_RETURN(auto head, store_.LatestTreeHead());
  if (!head || head->size != stored_size) {
    return DataLoss("the stored log and its latest checkpoint disagree on the size");
  }
  RETURN_IF_ERROR(publisher_.Check(*head));
  StoreTiles tiles(store_);
  ASSIGN_OR_RETURN(TreeAppender appender, TreeAppender::Load(head->size, tiles));
  if (appender.root() != head->root) {
    return DataLoss("the stored tree does not match its latest checkpoint");
  }
  spdlog::info("sequencer: caught up from size {} to {}", appender_.size(), head->size);
  appender_ = std::move(appender);
  publisher_.Publish(std::make_shared<const storage::TreeHead>(std::move(*head)));
  return Status::Ok();
}

void Integrator::Fail() {
  MutexLock l(mu_);
  failed_ = true;
}

void Integrator::Halt(const Status& why) {
  MutexLock l(mu_);
  if (!failed_) {
    spdlog::critical("sequencer: stopped taking entries: {}", why.ToString());
    last_failure_ = why;  // what /healthz says
  }
  failed_ = true;
}

bool Integrator::stopped() const {
  MutexLock l(mu_);
  return failed_;
}

Integrator::Stats Integrator::stats() const {
  MutexLock l(mu_);
  return stats_;
}

Status Integrator::WriteHealth(std::chrono::milliseconds stall, bool shutting_down) const {
  MutexLock l(mu_);
  if (failed_ || shutting_down) {
    return Unavailable("the log has stopped taking entries" +
                       (last_failure_.ok() ? std::string() : " after: " + last_failure_.message()) +
                       "; restart the registry");
  }
  if (!last_failure_.ok()) return Unavailable("the last write failed: " + last_failure_.message());
  if (integrating_ != MonotonicClock::TimePoint()) {
    auto waited = clock_.Now() - integrating_;
    if (waited > stall) {
      return Unavailable(
          fmt::format("a write has waited {} ms for the database (locked by another process?)",
                      std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
    }
  }
  return Status::Ok();
}

void Integrator::Integrate(std::deque<Pending>& batch, bool look_at_queue) {
  const auto t0 = clock_.Now();
  auto fail_all = [&](const Status& st) {
    spdlog::error("sequencer: batch of {} failed: {}", batch.size(), st.ToString());
    {
      MutexLock l(mu_);
      last_failure_ = st;
    }
    for (auto& p : batch) p.done->Done(st);
  };
  // How long this batch has been at it, for WriteHealth; whatever way Integrate returns.
  {
    MutexLock l(mu_);
    integrating_ = t0;
  }
  struct EndOfBatch {
    Integrator* s;
    ~EndOfBatch() {
      MutexLock l(s->mu_);
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
      MutexLock l(mu_);
      last_failure_ = Status::Ok();  // the store takes writes again
    }
    if (tx->EntryCount() != appender_.size()) {
      // Another process appended since our last batch (a node that sequenced before us, on the
      // same database). Write transactions take turns, so build on what it committed.
      if (Status st = CatchUp(tx->EntryCount()); !st.ok()) {
        spdlog::critical("sequencer: cannot catch up with the stored log: {}", st.ToString());
        Fail();
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
      Status st = options_.apply_queued ? options_.apply_queued(*tx, index, q.entry, q.sidecar)
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
    commit_start = clock_.Now();
    if (st.ok()) st = tx->Commit();
    if (!st.ok()) {
      // The in-memory tree ran ahead of the store, and after a failed commit we cannot be sure
      // what the disk holds. Stop sequencing (fail-stop): a restart re-checks the stored tree
      // against its last signed checkpoint before anything is signed again, so no two
      // inconsistent checkpoints can ever be signed.
      spdlog::critical("sequencer: commit failed, no more entries until restart: {}",
                       st.ToString());
      Fail();
      return fail_all(st);
    }
    if (options_.on_commit) options_.on_commit(writes, *head);
    publisher_.Publish(head);
  } else {
    head = publisher_.Latest();
    if (!queued.empty()) {
      // Only refusals of queued entries: their results must still be committed and announced.
      tx->SignalOnCommit("integrated");
      if (Status st = tx->Commit(); !st.ok()) return fail_all(st);
    }
  }
  {
    auto t1 = clock_.Now();
    MutexLock l(mu_);
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
