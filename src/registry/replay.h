// A replay of the whole log in memory, from its public entries alone: what `dipr audit` compares
// with what the public register serves. Confidential fields, drafts' contents, examiners' reasons
// and objections' evidence are not in the log, only their commitments (docs/FORMATS.md §2.2), so
// the replay knows every application's state and public record, and the grounds of objections
// once ruled on, but not what is private. It applies each event with its spec's apply function
// (registry/event_spec.h), the projector's, and also checks what the projection takes on trust:
// that every event's actor had the role its spec names (CheckCause).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "registry/lifecycle.h"
#include "registry/register_view.h"
#include "registry/settings.h"

namespace dipr::registry {

class Replay final : public RegisterView {
 public:
  // Applies the entry at `index`; entries must come in log order from 0. An error names the index
  // and says what is wrong with the entry.
  Status Apply(uint64_t index, std::string_view entry);

  uint64_t size() const { return next_; }
  const std::map<std::string, ApplicationState>& applications() const { return applications_; }
  // Registration number -> application id, for every application that got a number.
  const std::map<std::string, std::string>& registrations() const { return numbers_; }
  size_t accounts() const { return roles_.size(); }
  size_t disabled_accounts() const { return disabled_.size(); }
  size_t deposits() const { return deposits_; }
  // The settings in force after the entries replayed (nullopt before the first), and the index
  // of the event that stated them.
  const std::optional<Settings>& settings() const { return settings_; }
  uint64_t settings_index() const { return settings_index_; }
  // Every application with a public record, in the order it got one (its acceptance for notice):
  // the order of the public register's lists, which show the newest first.
  const std::vector<std::string>& listing_order() const { return listing_order_; }

  // RegisterView
  Result<std::optional<ApplicationState>> GetApplication(const std::string& id) override;
  Status PutApplication(const ApplicationState& a, uint64_t index) override;
  Result<std::optional<ObjectionState>> GetObjection(const std::string& id) override;
  Status PutObjection(const ObjectionState& o, uint64_t index) override;
  Status ClaimNumber(const std::string& number, const std::string& record_id) override;
  Result<bool> NumberClaimed(const std::string& number) override {
    return claimed_.count(number) > 0;
  }
  Result<std::optional<storage::Account>> GetAccount(const std::string& id) override;
  Status CreateAccount(const storage::Account& a,
                       const std::optional<crypto::Hash>& token_hash) override;
  Status SetAccountDisabled(const std::string& id, bool disabled) override;
  Status RotateToken(const std::string&, const std::optional<storage::Credential>&,
                     std::optional<Time>) override {
    return Status::Ok();  // the log has no tokens
  }
  Status AddDeposit(const storage::DepositRecord& d) override;
  Result<std::optional<Settings>> GetSettings() override { return settings_; }
  Status PutSettings(const Settings& s, const std::string& actor, uint64_t index) override;
  Status KeepSidecar(uint64_t, std::string_view) override { return Status::Ok(); }

 private:
  uint64_t next_ = 0;
  size_t deposits_ = 0;
  std::map<std::string, std::string> roles_;  // account id -> role
  // Every (depositor, digest) deposited, as depositor + "/" + the digest's hex: the projection
  // refuses a depositor's second deposit of one digest, and so does the replay.
  std::unordered_set<std::string> deposited_;
  std::set<std::string> disabled_;  // accounts disabled now
  std::map<std::string, ApplicationState> applications_;
  std::map<std::string, ObjectionState> objections_;
  std::map<std::string, std::string> claimed_;  // every number ever claimed -> record
  std::map<std::string, std::string> numbers_;  // registration number -> application
  std::vector<std::string> listing_order_;
  std::optional<Settings> settings_;
  uint64_t settings_index_ = 0;
};

}  // namespace dipr::registry
