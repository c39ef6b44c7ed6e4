#include "registry/projector.h"

#include <cstring>

#include "common/hex.h"
#include "common/json_parse.h"
#include "fingerprint/fingerprint.h"
#include "registry/commitment.h"
#include "registry/event.h"
#include "registry/lifecycle.h"
#include "registry/settings.h"

namespace dipr::registry {
namespace {

Result<std::string> StringField(const nlohmann::json& payload, const char* key) {
  if (!payload.contains(key) || !payload[key].is_string()) {
    return InvalidArgument(std::string("event payload lacks the string \"") + key + "\"");
  }
  return payload[key].get<std::string>();
}

template <typename T>
Result<T> ParseDoc(const std::string& doc) {
  auto j = ParseJson(doc);
  if (!j.ok()) return DataLoss("a stored record is " + j.status().message());
  return T::FromJson(*j);
}

Status ApplyAccountCreated(storage::WriteTx& tx, uint64_t index, const Event& e,
                           std::string_view sidecar) {
  if (sidecar.size() != 32) return InvalidArgument("account.created needs its token hash");
  storage::Account a;
  ASSIGN_OR_RETURN(a.id, StringField(e.payload, "id"));
  ASSIGN_OR_RETURN(a.name, StringField(e.payload, "name"));
  ASSIGN_OR_RETURN(a.role, StringField(e.payload, "role"));
  a.created = e.time;
  a.log_index = index;
  crypto::Hash token_hash;
  std::memcpy(token_hash.data(), sidecar.data(), 32);
  RETURN_IF_ERROR(tx.InsertAccount(a, token_hash));
  // Kept, so that a migration replays the account's tokens from its creation on.
  return tx.PutSidecar(index, sidecar);
}

Result<std::optional<Time>> OptionalTime(const nlohmann::json& payload, const char* key) {
  if (!payload.contains(key)) return std::optional<Time>();
  ASSIGN_OR_RETURN(std::string text, StringField(payload, key));
  ASSIGN_OR_RETURN(Time t, ParseRfc3339(text));
  return std::optional<Time>(t);
}

Status ApplyAccountEvent(storage::WriteTx& tx, uint64_t index, const Event& e,
                         std::string_view sidecar) {
  ASSIGN_OR_RETURN(std::string id, StringField(e.payload, "id"));
  if (e.type == kAccountDisabled || e.type == kAccountEnabled) {
    return tx.SetAccountDisabled(id, e.type == kAccountDisabled);
  }
  // account.token_rotated: the new token's hash is the sidecar.
  if (sidecar.size() != 32) return InvalidArgument("account.token_rotated needs its token hash");
  crypto::Hash th;
  std::memcpy(th.data(), sidecar.data(), 32);
  ASSIGN_OR_RETURN(auto expires, OptionalTime(e.payload, "expires_at"));
  ASSIGN_OR_RETURN(auto previous_until, OptionalTime(e.payload, "previous_until"));
  RETURN_IF_ERROR(tx.AddCredential(id, {th, expires}));
  RETURN_IF_ERROR(tx.LimitCredentials(id, th, previous_until));
  return tx.PutSidecar(index, sidecar);
}

// objector.registered: the sidecar is {"identity","salt","token_hash"}; the identity must open
// the logged commitment.
Status ApplyObjectorRegistered(storage::WriteTx& tx, uint64_t index, const Event& e,
                               std::string_view sidecar) {
  auto side = ParseJson(sidecar);
  if (!side.ok() || !side->is_object() || !side->contains("identity") ||
      !(*side)["identity"].is_object() || !side->contains("salt") ||
      !(*side)["salt"].is_string() || !side->contains("token_hash") ||
      !(*side)["token_hash"].is_string()) {
    return InvalidArgument("objector.registered needs its identity and token hash");
  }
  ASSIGN_OR_RETURN(std::string commitment, StringField(e.payload, "identity_commitment"));
  ASSIGN_OR_RETURN(std::string opened,
                   Commitment(kIdentityDomain, (*side)["identity"],
                              (*side)["salt"].get<std::string>()));
  if (opened != commitment) return InvalidArgument("the identity does not open its commitment");
  auto raw = HexDecode((*side)["token_hash"].get<std::string>());
  if (!raw.ok() || raw->size() != 32) return InvalidArgument("the token hash is not 32 bytes");
  storage::Account a;
  ASSIGN_OR_RETURN(a.id, StringField(e.payload, "id"));
  if (a.id != e.actor) return InvalidArgument("an objector registers itself");
  ASSIGN_OR_RETURN(a.name, StringField((*side)["identity"], "name"));
  a.role = "objector";
  a.created = e.time;
  a.log_index = index;
  crypto::Hash th;
  std::memcpy(th.data(), raw->data(), 32);
  RETURN_IF_ERROR(tx.InsertAccount(a, th));
  return tx.PutSidecar(index, sidecar);
}

Status ApplyDeposit(storage::WriteTx& tx, uint64_t index, const Event& e) {
  if (!e.payload.contains("fingerprint")) return InvalidArgument("deposit lacks its fingerprint");
  ASSIGN_OR_RETURN(auto fp, fingerprint::FingerprintFromJson(e.payload["fingerprint"]));
  storage::DepositRecord d;
  d.index = index;
  d.depositor = e.actor;
  d.digest = HexEncode(fp.digest);
  d.size = fp.size;
  ASSIGN_OR_RETURN(d.title, StringField(e.payload, "title"));
  d.time = e.time;
  return tx.InsertDeposit(d);
}

// The register's records in the sequencer's transaction.
class TxRegisterView final : public RegisterView {
 public:
  explicit TxRegisterView(storage::WriteTx& tx) : tx_(tx) {}

  Result<std::optional<ApplicationState>> GetApplication(const std::string& id) override {
    ASSIGN_OR_RETURN(auto r, tx_.GetRecord(kApplicationKind, id));
    if (!r) return std::optional<ApplicationState>();
    ASSIGN_OR_RETURN(auto a, ParseDoc<ApplicationState>(r->doc));
    return std::optional<ApplicationState>(std::move(a));
  }
  Status PutApplication(const ApplicationState& a, uint64_t index) override {
    storage::Record r;
    r.kind = kApplicationKind;
    r.id = a.id;
    r.owner = a.holder;
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
    ASSIGN_OR_RETURN(auto o, ParseDoc<ObjectionState>(r->doc));
    return std::optional<ObjectionState>(std::move(o));
  }
  Status PutObjection(const ObjectionState& o, uint64_t index) override {
    storage::Record r;
    r.kind = kObjectionKind;
    r.id = o.id;
    r.owner = o.objector;
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

 private:
  storage::WriteTx& tx_;
};

// The settings in force, as one record (registry/settings.h).
Status ApplySettings(storage::WriteTx& tx, uint64_t index, const Event& e) {
  ASSIGN_OR_RETURN(auto r, tx.GetRecord(kSettingsKind, kSettingsId));
  std::optional<Settings> before;
  if (r) {
    auto j = ParseJson(r->doc);
    if (!j.ok()) return DataLoss("the stored settings: " + j.status().message());
    ASSIGN_OR_RETURN(before, Settings::FromJson(*j));
  }
  ASSIGN_OR_RETURN(Settings s, ApplySettingsEvent(before, e));
  storage::Record rec;
  rec.kind = kSettingsKind;
  rec.id = kSettingsId;
  rec.owner = e.actor;
  rec.doc = s.ToJson().dump();
  rec.version = index;
  return tx.PutRecord(rec);
}

}  // namespace

Status ApplyEntry(storage::WriteTx& tx, uint64_t index, std::string_view entry,
                  std::string_view sidecar) {
  ASSIGN_OR_RETURN(Event e, DecodeEntry(entry));
  if (e.type == kAccountCreated) return ApplyAccountCreated(tx, index, e, sidecar);
  if (e.type == kDeposit) return ApplyDeposit(tx, index, e);
  if (e.type == kAccountDisabled || e.type == kAccountEnabled || e.type == kAccountTokenRotated) {
    return ApplyAccountEvent(tx, index, e, sidecar);
  }
  if (e.type == kObjectorRegistered) return ApplyObjectorRegistered(tx, index, e, sidecar);
  if (e.type == kRegistrarSettings) return ApplySettings(tx, index, e);
  if (IsRegisterEvent(e.type)) {
    TxRegisterView view(tx);
    RETURN_IF_ERROR(ApplyRegisterEvent(view, index, e, sidecar, /*require_private=*/true));
    if (!sidecar.empty()) return tx.PutSidecar(index, sidecar);
    return Status::Ok();
  }
  return InvalidArgument("unknown event type \"" + e.type + "\"");
}

}  // namespace dipr::registry
