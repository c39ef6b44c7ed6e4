#include "server/projection.h"

#include <fmt/format.h>

#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "registry/account_events.h"
#include "registry/deposit_events.h"
#include "registry/event_spec.h"
#include "registry/lifecycle.h"

namespace dipr::server {

Result<std::string> ReadProjection(storage::Store& store, const registry::Event& e,
                                   uint64_t index) {
  // Fields joined with a separator that no field holds unescaped: dump() escapes control bytes.
  auto join = [](const nlohmann::json& fields) { return fields.dump(); };
  if (e.type == registry::kAccountCreated || e.type == registry::kObjectorRegistered ||
      e.type == registry::kAccountDisabled || e.type == registry::kAccountEnabled ||
      e.type == registry::kAccountTokenRotated) {
    // The account as it is now, with its tokens' hashes and expiries.
    std::string id = e.payload.value("id", "");
    ASSIGN_OR_RETURN(auto a, store.AccountById(id));
    if (!a) return DataLoss(fmt::format("account {} (entry {}) is missing", id, index));
    ASSIGN_OR_RETURN(auto creds, store.CredentialsOf(id));
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& c : creds) {
      tokens.push_back(
          {HexEncode(c.token_hash),
           c.expires ? nlohmann::json(c.expires->time_since_epoch().count()) : nlohmann::json()});
    }
    return join({a->id, a->name, a->role, a->created.time_since_epoch().count(), a->log_index,
                 a->disabled, tokens});
  }
  if (e.type == registry::kDeposit) {
    ASSIGN_OR_RETURN(auto fp, fingerprint::FingerprintFromJson(e.payload["fingerprint"]));
    std::string digest = HexEncode(fp.digest);
    ASSIGN_OR_RETURN(auto d, store.DepositOf(e.actor, digest));
    if (!d) return DataLoss(fmt::format("the deposit of entry {} is missing", index));
    return join(
        {d->index, d->depositor, d->digest, d->size, d->title, d->time.time_since_epoch().count()});
  }
  // The records the event touched, as they are now, and its sidecar.
  const registry::EventSpec* spec = registry::FindEventSpec(e.type);
  bool touches_register = false;
  if (spec) {
    for (std::string_view k : spec->kinds) {
      touches_register |= k == registry::kApplicationKind || k == registry::kObjectionKind;
    }
  }
  if (!touches_register) return std::string();
  nlohmann::json out = nlohmann::json::array();
  for (const char* key : {"application", "objection"}) {
    if (!e.payload.contains(key)) continue;
    std::string id = e.payload[key];
    std::string_view kind = std::string_view(key) == "application" ? registry::kApplicationKind
                                                                   : registry::kObjectionKind;
    ASSIGN_OR_RETURN(auto r, store.RecordById(kind, id));
    if (!r) return DataLoss(fmt::format("{} {} (entry {}) is missing", key, id, index));
    out.push_back({r->doc, r->status, r->number,
                   r->due ? nlohmann::json(r->due->time_since_epoch().count()) : nlohmann::json(),
                   r->owner, r->version});
  }
  ASSIGN_OR_RETURN(auto side, store.SidecarOf(index));
  out.push_back(side ? nlohmann::json(*side) : nlohmann::json());
  return join(out);
}

}  // namespace dipr::server
