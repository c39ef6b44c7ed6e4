// The registrar's read view (registry/register_view.h): reads the store as it is committed, and
// keeps what an apply function writes in memory only, so that a prepare step can dry-run an
// event's apply function, the one statement of its rules, before it hands the event to the
// sequencer. A dry run answers what the state allows now; the sequencer's transaction applies
// the same function again, to the state it finds, and its answer is the one that counts. It does
// not know which numbers were claimed (NumberClaimed answers false) nor tokens.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "registry/register_view.h"
#include "registry/settings.h"
#include "storage/store.h"

namespace dipr::registry {

class ReadView final : public RegisterView {
 public:
  explicit ReadView(storage::Store& store) : store_(store) {}

  Result<std::optional<ApplicationState>> GetApplication(const std::string& id) override;
  Status PutApplication(const ApplicationState& a, uint64_t) override {
    applications_[a.id] = a;
    return Status::Ok();
  }
  Result<std::optional<ObjectionState>> GetObjection(const std::string& id) override;
  Status PutObjection(const ObjectionState& o, uint64_t) override {
    objections_[o.id] = o;
    return Status::Ok();
  }
  Status ClaimNumber(const std::string&, const std::string&) override { return Status::Ok(); }
  Result<bool> NumberClaimed(const std::string&) override { return false; }

  Result<std::optional<storage::Account>> GetAccount(const std::string& id) override;
  Status CreateAccount(const storage::Account& a, const std::optional<crypto::Hash>&) override {
    accounts_[a.id] = a;
    return Status::Ok();
  }
  Status SetAccountDisabled(const std::string& id, bool disabled) override;
  Status RotateToken(const std::string&, const std::optional<storage::Credential>&,
                     std::optional<Time>) override {
    return Status::Ok();
  }
  Status AddDeposit(const storage::DepositRecord&) override { return Status::Ok(); }
  Result<std::optional<Settings>> GetSettings() override;
  Status PutSettings(const Settings& s, const std::string&, uint64_t) override {
    settings_ = s;
    return Status::Ok();
  }
  Status KeepSidecar(uint64_t, std::string_view) override { return Status::Ok(); }

 private:
  storage::Store& store_;
  std::map<std::string, ApplicationState> applications_;
  std::map<std::string, ObjectionState> objections_;
  std::map<std::string, storage::Account> accounts_;
  std::optional<Settings> settings_;
};

}  // namespace dipr::registry
