#include "registry/projector.h"

#include "common/json_parse.h"
#include "registry/event_spec.h"
#include "registry/lifecycle.h"
#include "registry/register_view.h"
#include "registry/settings.h"
#include "verify/event.h"

namespace dipr::registry {
namespace {

// Everything an event touches, in the sequencer's transaction.
class TxRegisterView final : public RegisterView {
 public:
  explicit TxRegisterView(storage::WriteTx& tx) : tx_(tx) {}

  Result<std::optional<ApplicationState>> GetApplication(const std::string& id) override {
    ASSIGN_OR_RETURN(auto r, tx_.GetRecord(kApplicationKind, id));
    if (!r) return std::optional<ApplicationState>();
    ASSIGN_OR_RETURN(auto a, ApplicationState::FromRecord(*r));
    return std::optional<ApplicationState>(std::move(a));
  }
  Status PutApplication(const ApplicationState& a, uint64_t index) override {
    storage::Record r;
    r.kind = kApplicationKind;
    r.id = a.id;
    r.owner = a.holder;
    r.parties = {{"holder", a.holder}};
    r.status = a.status;
    r.number = a.registration_number;
    r.due = a.Due();
    r.doc = a.ToJson().dump();
    r.version = index;
    RETURN_IF_ERROR(tx_.PutRecord(r));
    auto listing = ListingOf(a);
    if (listing) return tx_.PutListing(*listing);
    return Status::Ok();
  }
  Result<std::optional<ObjectionState>> GetObjection(const std::string& id) override {
    ASSIGN_OR_RETURN(auto r, tx_.GetRecord(kObjectionKind, id));
    if (!r) return std::optional<ObjectionState>();
    ASSIGN_OR_RETURN(auto o, ObjectionState::FromRecord(*r));
    return std::optional<ObjectionState>(std::move(o));
  }
  Status PutObjection(const ObjectionState& o, uint64_t index) override {
    storage::Record r;
    r.kind = kObjectionKind;
    r.id = o.id;
    r.owner = o.objector;
    r.parties = {{"objector", o.objector}};
    r.parent = o.application;
    r.status = o.status;
    r.doc = o.ToJson().dump();
    r.version = index;
    return tx_.PutRecord(r);
  }
  Status ClaimNumber(const std::string& number, const std::string& record_id) override {
    return tx_.ClaimNumber(number, record_id);
  }
  Result<bool> NumberClaimed(const std::string& number) override {
    return tx_.NumberClaimed(number);
  }

  Result<std::optional<storage::Account>> GetAccount(const std::string& id) override {
    return tx_.GetAccount(id);
  }
  Status CreateAccount(const storage::Account& a,
                       const std::optional<crypto::Hash>& token_hash) override {
    if (!token_hash) return InvalidArgument("an account is created with its token's hash");
    return tx_.InsertAccount(a, *token_hash);
  }
  Status SetAccountDisabled(const std::string& id, bool disabled) override {
    return tx_.SetAccountDisabled(id, disabled);
  }
  Status RotateToken(const std::string& id, const std::optional<storage::Credential>& added,
                     std::optional<Time> previous_until) override {
    if (!added) return InvalidArgument("a token is rotated with the new token's hash");
    RETURN_IF_ERROR(tx_.AddCredential(id, *added));
    return tx_.LimitCredentials(id, added->token_hash, previous_until);
  }

  Status AddDeposit(const storage::DepositRecord& d) override { return tx_.InsertDeposit(d); }

  // The settings in force, as one record (registry/settings.h).
  Result<std::optional<Settings>> GetSettings() override {
    ASSIGN_OR_RETURN(auto r, tx_.GetRecord(kSettingsKind, kSettingsId));
    if (!r) return std::optional<Settings>();
    auto j = ParseJson(r->doc);
    if (!j.ok()) return DataLoss("the stored settings: " + j.status().message());
    ASSIGN_OR_RETURN(Settings s, Settings::FromJson(*j));
    return std::optional<Settings>(std::move(s));
  }
  Status PutSettings(const Settings& s, const std::string& actor, uint64_t index) override {
    storage::Record rec;
    rec.kind = kSettingsKind;
    rec.id = kSettingsId;
    rec.owner = actor;
    rec.doc = s.ToJson().dump();
    rec.version = index;
    return tx_.PutRecord(rec);
  }

  Status KeepSidecar(uint64_t index, std::string_view sidecar) override {
    return tx_.PutSidecar(index, sidecar);
  }

 private:
  storage::WriteTx& tx_;
};

}  // namespace

Status ApplyEntry(storage::WriteTx& tx, uint64_t index, std::string_view entry,
                  std::string_view sidecar) {
  ASSIGN_OR_RETURN(Event e, DecodeEntry(entry));
  TxRegisterView view(tx);
  return ApplyEvent(view, EventContext{nullptr, index, e, sidecar, /*require_private=*/true});
}

}  // namespace dipr::registry
