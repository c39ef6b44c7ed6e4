#include "registry/projector.h"

#include <cstring>

#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "registry/event.h"

namespace dipr::registry {
namespace {

Result<std::string> StringField(const nlohmann::json& payload, const char* key) {
  if (!payload.contains(key) || !payload[key].is_string()) {
    return InvalidArgument(std::string("event payload lacks the string \"") + key + "\"");
  }
  return payload[key].get<std::string>();
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
  return tx.InsertAccount(a, token_hash);
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

}  // namespace

Status ApplyEntry(storage::WriteTx& tx, uint64_t index, std::string_view entry,
                  std::string_view sidecar) {
  ASSIGN_OR_RETURN(Event e, DecodeEntry(entry));
  if (e.type == kAccountCreated) return ApplyAccountCreated(tx, index, e, sidecar);
  if (e.type == kDeposit) return ApplyDeposit(tx, index, e);
  return InvalidArgument("unknown event type \"" + e.type + "\"");
}

}  // namespace dipr::registry
