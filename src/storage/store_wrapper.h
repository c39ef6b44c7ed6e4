// Stores that forward every call to another one (as LevelDB's EnvWrapper does for Env): a
// fault-injecting test derives from StoreWrapper and overrides the one method it breaks, instead
// of forwarding forty. BeginWrite's transactions are wrapped the same way: override
// StoreWrapper::BeginWrite to return a WriteTxWrapper subclass around the wrapped store's.
//
// A wrapper is as thread-safe as what it wraps; it adds no state of its own.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/store.h"

namespace dipr::storage {

// Forwards every call to `base`, which it owns.
class WriteTxWrapper : public WriteTx {
 public:
  explicit WriteTxWrapper(std::unique_ptr<WriteTx> base) : base_(std::move(base)) {}

  WriteTx& base() { return *base_; }

  uint64_t EntryCount() const override { return base_->EntryCount(); }
  Status AppendEntry(uint64_t index, std::string_view data) override {
    return base_->AppendEntry(index, data);
  }
  Status PutTile(uint8_t level, uint64_t index, std::string_view blob) override {
    return base_->PutTile(level, index, blob);
  }
  Status PutTreeHead(const TreeHead& head) override { return base_->PutTreeHead(head); }
  void SetDeferredChecks(bool on) override { base_->SetDeferredChecks(on); }
  Status CheckDeferred() override { return base_->CheckDeferred(); }
  Status InsertAccount(const Account& account, const Hash& token_hash) override {
    return base_->InsertAccount(account, token_hash);
  }
  Status SetAccountDisabled(std::string_view account_id, bool disabled) override {
    return base_->SetAccountDisabled(account_id, disabled);
  }
  Status AddCredential(std::string_view account_id, const Credential& credential) override {
    return base_->AddCredential(account_id, credential);
  }
  Status LimitCredentials(std::string_view account_id, const Hash& keep,
                          std::optional<Time> until) override {
    return base_->LimitCredentials(account_id, keep, until);
  }
  Status InsertDeposit(const DepositRecord& deposit) override {
    return base_->InsertDeposit(deposit);
  }
  Result<std::optional<Account>> GetAccount(std::string_view account_id) override {
    return base_->GetAccount(account_id);
  }
  Result<std::optional<Record>> GetRecord(std::string_view kind, std::string_view id) override {
    return base_->GetRecord(kind, id);
  }
  Status PutRecord(const Record& record) override { return base_->PutRecord(record); }
  Status PutListing(const Listing& listing) override { return base_->PutListing(listing); }
  Status RemoveListing(std::string_view application_id) override {
    return base_->RemoveListing(application_id);
  }
  Status ClaimNumber(std::string_view number, std::string_view record_id) override {
    return base_->ClaimNumber(number, record_id);
  }
  Result<bool> NumberClaimed(std::string_view number) override {
    return base_->NumberClaimed(number);
  }
  Status PutSidecar(uint64_t index, std::string_view data) override {
    return base_->PutSidecar(index, data);
  }
  Result<std::vector<PendingEntry>> Pending(size_t limit) override { return base_->Pending(limit); }
  Status Resolve(uint64_t id, const PendingResult& result) override {
    return base_->Resolve(id, result);
  }
  void SignalOnCommit(std::string_view signal) override { base_->SignalOnCommit(signal); }
  Status Commit() override { return base_->Commit(); }
  Status AddTreeHeadSignatures(uint64_t size, std::string_view checkpoint) override {
    return base_->AddTreeHeadSignatures(size, checkpoint);
  }

 private:
  std::unique_ptr<WriteTx> base_;
};

// Forwards every call to `base`, which it borrows: base must outlive the wrapper.
class StoreWrapper : public Store {
 public:
  explicit StoreWrapper(Store& base) : base_(base) {}

  Store& base() { return base_; }

  // --- LogStore ---
  Result<std::optional<TreeHead>> LatestTreeHead() override { return base_.LatestTreeHead(); }
  Result<std::vector<std::string>> ReadEntries(uint64_t start, uint64_t end) override {
    return base_.ReadEntries(start, end);
  }
  Result<uint64_t> EntryCount() override { return base_.EntryCount(); }
  Result<std::string> ReadTile(uint8_t level, uint64_t index) override {
    return base_.ReadTile(level, index);
  }
  Result<uint64_t> Enqueue(std::string_view entry, std::string_view sidecar) override {
    return base_.Enqueue(entry, sidecar);
  }
  Result<std::optional<PendingResult>> TakeResult(uint64_t id) override {
    return base_.TakeResult(id);
  }
  Status Subscribe(std::function<void(std::string_view signal)> on_signal) override {
    return base_.Subscribe(std::move(on_signal));
  }
  Status Signal(std::string_view signal) override { return base_.Signal(signal); }
  Result<bool> TryAcquireLease() override { return base_.TryAcquireLease(); }
  bool LeaseHeld() override { return base_.LeaseHeld(); }
  Result<std::unique_ptr<WriteTx>> BeginWrite() override { return base_.BeginWrite(); }
  Result<ResultSweep> SweepResults(uint64_t through_id) override {
    return base_.SweepResults(through_id);
  }
  Result<uint64_t> FollowerCursor(std::string_view name) override {
    return base_.FollowerCursor(name);
  }
  Result<std::unique_ptr<FollowerTx>> BeginFollower(std::string_view name, uint64_t from) override {
    return base_.BeginFollower(name, from);
  }
  Result<std::vector<std::pair<std::string, int64_t>>> Counters(std::string_view prefix) override {
    return base_.Counters(prefix);
  }

  // --- RegisterStore ---
  Result<std::optional<DepositRecord>> DepositOf(const std::string& depositor,
                                                 const std::string& digest) override {
    return base_.DepositOf(depositor, digest);
  }
  Result<std::vector<DepositRecord>> DepositsByDigest(const std::string& digest,
                                                      size_t limit) override {
    return base_.DepositsByDigest(digest, limit);
  }
  Result<std::optional<Record>> RecordById(std::string_view kind, std::string_view id) override {
    return base_.RecordById(kind, id);
  }
  Result<std::optional<Record>> RecordByNumber(std::string_view number) override {
    return base_.RecordByNumber(number);
  }
  Result<std::vector<Record>> RecordsByOwner(std::string_view kind, std::string_view owner,
                                             size_t offset, size_t limit) override {
    return base_.RecordsByOwner(kind, owner, offset, limit);
  }
  Result<std::vector<Record>> RecordsByParty(std::string_view kind, std::string_view role,
                                             std::string_view party, size_t offset,
                                             size_t limit) override {
    return base_.RecordsByParty(kind, role, party, offset, limit);
  }
  Result<std::vector<Record>> RecordsByStatus(std::string_view kind, std::string_view status,
                                              size_t offset, size_t limit) override {
    return base_.RecordsByStatus(kind, status, offset, limit);
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> CountByStatus(
      std::string_view kind) override {
    return base_.CountByStatus(kind);
  }
  Result<std::vector<Record>> RecordsByParent(std::string_view kind,
                                              std::string_view parent) override {
    return base_.RecordsByParent(kind, parent);
  }
  Result<std::vector<Record>> RecordsDue(Time until, size_t limit) override {
    return base_.RecordsDue(until, limit);
  }
  Result<ListingPage> SearchListings(const ListingQuery& query) override {
    return base_.SearchListings(query);
  }
  Result<std::string> MaxNumber(std::string_view prefix) override {
    return base_.MaxNumber(prefix);
  }
  Result<std::optional<std::string>> SidecarOf(uint64_t index) override {
    return base_.SidecarOf(index);
  }

  // --- AccountStore ---
  Result<std::optional<TokenAccount>> AccountByTokenHash(const Hash& token_hash) override {
    return base_.AccountByTokenHash(token_hash);
  }
  Result<std::optional<Account>> AccountById(const std::string& id) override {
    return base_.AccountById(id);
  }
  Result<std::vector<Credential>> CredentialsOf(const std::string& account_id) override {
    return base_.CredentialsOf(account_id);
  }
  Result<std::vector<Account>> ListAccounts(std::string_view role, size_t offset,
                                            size_t limit) override {
    return base_.ListAccounts(role, offset, limit);
  }

 private:
  Store& base_;
};

}  // namespace dipr::storage
