// Test-only: a storage::Store over a real one whose commits can be made to fail and are
// counted, for the sequencer's tests (fail-stop; one commit per batch).
#pragma once

#include <atomic>
#include <memory>

#include "storage/store.h"

namespace dipr::log {

// A store whose commits can be made to fail, over a real one: fault injection for the
// sequencer's fail-stop.
class FaultyStore final : public storage::Store {
 public:
  explicit FaultyStore(storage::Store& base) : base_(base) {}
  std::atomic<bool> fail_commits{false};
  std::atomic<int> commits{0};  // write transactions committed


  class Tx final : public storage::WriteTx {
   public:
    Tx(std::unique_ptr<storage::WriteTx> base, FaultyStore& store)
        : base_(std::move(base)), store_(store) {}
    uint64_t EntryCount() const override { return base_->EntryCount(); }
    Status AppendEntry(uint64_t i, std::string_view d) override { return base_->AppendEntry(i, d); }
    Status PutTile(uint8_t l, uint64_t i, std::string_view b) override {
      return base_->PutTile(l, i, b);
    }
    Status PutTreeHead(const storage::TreeHead& h) override { return base_->PutTreeHead(h); }
    void SetDeferredChecks(bool on) override { base_->SetDeferredChecks(on); }
    Status CheckDeferred() override { return base_->CheckDeferred(); }
    Status InsertAccount(const storage::Account& a, const Hash& t) override {
      return base_->InsertAccount(a, t);
    }
    Status InsertDeposit(const storage::DepositRecord& d) override {
      return base_->InsertDeposit(d);
    }
    Result<std::vector<storage::PendingEntry>> Pending(size_t n) override {
      return base_->Pending(n);
    }
    Status Resolve(uint64_t id, const storage::PendingResult& r) override {
      return base_->Resolve(id, r);
    }
    void SignalOnCommit(std::string_view s) override { base_->SignalOnCommit(s); }
    Result<std::optional<storage::Record>> GetRecord(std::string_view k,
                                                     std::string_view id) override {
      return base_->GetRecord(k, id);
    }
    Status PutRecord(const storage::Record& r) override { return base_->PutRecord(r); }
    Status PutListing(const storage::Listing& l) override { return base_->PutListing(l); }
    Status RemoveListing(std::string_view id) override { return base_->RemoveListing(id); }
    Status ClaimNumber(std::string_view n, std::string_view id) override {
      return base_->ClaimNumber(n, id);
    }
    Result<bool> NumberClaimed(std::string_view n) override { return base_->NumberClaimed(n); }
    Status PutSidecar(uint64_t i, std::string_view d) override { return base_->PutSidecar(i, d); }
    Status SetAccountDisabled(std::string_view id, bool d) override {
      return base_->SetAccountDisabled(id, d);
    }
    Status AddCredential(std::string_view id, const storage::Credential& c) override {
      return base_->AddCredential(id, c);
    }
    Status LimitCredentials(std::string_view id, const Hash& keep,
                            std::optional<Time> until) override {
      return base_->LimitCredentials(id, keep, until);
    }
    Status Commit() override {
      if (store_.fail_commits) return Internal("injected: the disk is gone");
      RETURN_IF_ERROR(base_->Commit());
      store_.commits++;
      return Status::Ok();
    }
    Status AddTreeHeadSignatures(uint64_t n, std::string_view c) override {
      return base_->AddTreeHeadSignatures(n, c);
    }

   private:
    std::unique_ptr<storage::WriteTx> base_;
    FaultyStore& store_;
  };

  Result<std::optional<storage::TreeHead>> LatestTreeHead() override {
    return base_.LatestTreeHead();
  }
  Result<uint64_t> FollowerCursor(std::string_view n) override { return base_.FollowerCursor(n); }
  Result<std::unique_ptr<storage::FollowerTx>> BeginFollower(std::string_view n,
                                                             uint64_t from) override {
    return base_.BeginFollower(n, from);
  }
  Result<std::vector<std::pair<std::string, int64_t>>> Counters(std::string_view p) override {
    return base_.Counters(p);
  }
  Result<std::vector<std::string>> ReadEntries(uint64_t s, uint64_t e) override {
    return base_.ReadEntries(s, e);
  }
  Result<uint64_t> EntryCount() override { return base_.EntryCount(); }
  Result<std::string> ReadTile(uint8_t l, uint64_t i) override { return base_.ReadTile(l, i); }
  Result<std::optional<storage::TokenAccount>> AccountByTokenHash(const Hash& h) override {
    return base_.AccountByTokenHash(h);
  }
  Result<std::optional<storage::Account>> AccountById(const std::string& id) override {
    return base_.AccountById(id);
  }
  Result<std::vector<storage::Credential>> CredentialsOf(const std::string& id) override {
    return base_.CredentialsOf(id);
  }
  Result<std::vector<storage::Account>> ListAccounts(std::string_view r, size_t o,
                                                     size_t n) override {
    return base_.ListAccounts(r, o, n);
  }
  Result<std::optional<storage::DepositRecord>> DepositOf(const std::string& a,
                                                         const std::string& d) override {
    return base_.DepositOf(a, d);
  }
  Result<std::vector<storage::DepositRecord>> DepositsByDigest(const std::string& d,
                                                              size_t n) override {
    return base_.DepositsByDigest(d, n);
  }
  Result<std::optional<storage::Record>> RecordById(std::string_view k,
                                                    std::string_view id) override {
    return base_.RecordById(k, id);
  }
  Result<std::optional<storage::Record>> RecordByNumber(std::string_view n) override {
    return base_.RecordByNumber(n);
  }
  Result<std::vector<storage::Record>> RecordsByOwner(std::string_view k, std::string_view o,
                                                      size_t off, size_t lim) override {
    return base_.RecordsByOwner(k, o, off, lim);
  }
  Result<std::vector<storage::Record>> RecordsByStatus(std::string_view k, std::string_view st,
                                                       size_t off, size_t lim) override {
    return base_.RecordsByStatus(k, st, off, lim);
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> CountByStatus(
      std::string_view k) override {
    return base_.CountByStatus(k);
  }
  Result<std::vector<storage::Record>> RecordsByParent(std::string_view k,
                                                       std::string_view p) override {
    return base_.RecordsByParent(k, p);
  }
  Result<std::vector<storage::Record>> RecordsDue(Time until, size_t limit) override {
    return base_.RecordsDue(until, limit);
  }
  Result<storage::ListingPage> SearchListings(const storage::ListingQuery& q) override {
    return base_.SearchListings(q);
  }
  Result<std::string> MaxNumber(std::string_view prefix) override {
    return base_.MaxNumber(prefix);
  }
  Result<std::optional<std::string>> SidecarOf(uint64_t i) override { return base_.SidecarOf(i); }
  Result<uint64_t> Enqueue(std::string_view e, std::string_view s) override {
    return base_.Enqueue(e, s);
  }
  Result<std::optional<storage::PendingResult>> TakeResult(uint64_t id) override {
    return base_.TakeResult(id);
  }
  Status Subscribe(std::function<void(std::string_view)> f) override {
    return base_.Subscribe(std::move(f));
  }
  Status Signal(std::string_view s) override { return base_.Signal(s); }
  Result<bool> TryAcquireLease() override { return base_.TryAcquireLease(); }
  bool LeaseHeld() override { return base_.LeaseHeld(); }
  Result<std::unique_ptr<storage::WriteTx>> BeginWrite() override {
    ASSIGN_OR_RETURN(auto tx, base_.BeginWrite());
    return std::unique_ptr<storage::WriteTx>(new Tx(std::move(tx), *this));
  }
  Result<storage::ResultSweep> SweepResults(uint64_t through) override {
    return base_.SweepResults(through);
  }

 private:
  storage::Store& base_;
};

}  // namespace dipr::log
