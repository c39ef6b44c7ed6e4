#include "registry/account_events.h"

#include <fmt/format.h>

#include <cstring>

#include "common/hex.h"
#include "common/json_parse.h"
#include "registry/commitment.h"
#include "registry/event_rules.h"
#include "registry/event_spec.h"
#include "registry/register_view.h"
#include "registry/registry.h"

namespace dipr::registry {
namespace {

using nlohmann::json;

// The token hash an account event's sidecar is: 32 bytes; nullopt when absent and allowed to be
// (a replay of the public log has no tokens).
Result<std::optional<crypto::Hash>> TokenHashOf(const EventContext& c) {
  if (c.sidecar.empty() && !c.require_private) return std::optional<crypto::Hash>();
  if (c.sidecar.size() != 32) {
    return InvalidArgument(fmt::format("{} needs its token hash", c.event.type));
  }
  crypto::Hash h;
  std::memcpy(h.data(), c.sidecar.data(), 32);
  return std::optional<crypto::Hash>(h);
}

Result<std::optional<Time>> OptionalTime(const json& payload, const char* key) {
  if (!payload.contains(key)) return std::optional<Time>();
  ASSIGN_OR_RETURN(std::string text, Str(payload, key));
  ASSIGN_OR_RETURN(Time t, ParseRfc3339(text));
  return std::optional<Time>(t);
}

Result<storage::Account> Existing(RegisterView& view, const Event& e) {
  ASSIGN_OR_RETURN(std::string id, Str(e.payload, "id"));
  ASSIGN_OR_RETURN(auto a, view.GetAccount(id));
  if (!a) return NotFound(fmt::format("no account {}", id));
  return std::move(*a);
}

Status Created(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  storage::Account a;
  ASSIGN_OR_RETURN(a.id, Str(e.payload, "id"));
  ASSIGN_OR_RETURN(a.name, Str(e.payload, "name"));
  ASSIGN_OR_RETURN(a.role, Str(e.payload, "role"));
  a.created = e.time;
  a.log_index = c.index;
  ASSIGN_OR_RETURN(auto token_hash, TokenHashOf(c));
  return view.CreateAccount(a, token_hash);
}

// The sidecar is {"identity","salt","token_hash"}; the identity must open the logged commitment.
Status ObjectorRegistered(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  storage::Account a;
  ASSIGN_OR_RETURN(a.id, Str(e.payload, "id"));
  if (a.id != e.actor) return InvalidArgument("an objector registers itself");
  ASSIGN_OR_RETURN(std::string commitment, Str(e.payload, "identity_commitment"));
  a.role = std::string(kObjectorRole);
  a.created = e.time;
  a.log_index = c.index;
  if (c.sidecar.empty() && !c.require_private) return view.CreateAccount(a, std::nullopt);
  auto side = ParseJson(c.sidecar);
  if (!side.ok() || !side->is_object() || !side->contains("identity") ||
      !(*side)["identity"].is_object() || !side->contains("salt") || !(*side)["salt"].is_string() ||
      !side->contains("token_hash") || !(*side)["token_hash"].is_string()) {
    return InvalidArgument("objector.registered needs its identity and token hash");
  }
  ASSIGN_OR_RETURN(std::string opened, Commitment(kIdentityDomain, (*side)["identity"],
                                                  (*side)["salt"].get<std::string>()));
  if (opened != commitment) return InvalidArgument("the identity does not open its commitment");
  auto raw = HexDecode((*side)["token_hash"].get<std::string>());
  if (!raw.ok() || raw->size() != 32) return InvalidArgument("the token hash is not 32 bytes");
  ASSIGN_OR_RETURN(a.name, Str((*side)["identity"], "name"));
  crypto::Hash th;
  std::memcpy(th.data(), raw->data(), 32);
  return view.CreateAccount(a, th);
}

Status DisabledOrEnabled(RegisterView& view, const EventContext& c) {
  const bool disable = c.event.type == kAccountDisabled;
  ASSIGN_OR_RETURN(storage::Account a, Existing(view, c.event));
  if (a.disabled == disable) {
    return Conflict(
        fmt::format("account {} is {} already", a.id, disable ? "disabled" : "enabled"));
  }
  return view.SetAccountDisabled(a.id, disable);
}

// The new token's hash is the sidecar. A disabled account's token may be rotated: disable,
// rotate, enable is how a leaked token is replaced without it working for a moment in between.
Status TokenRotated(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  ASSIGN_OR_RETURN(storage::Account a, Existing(view, e));
  ASSIGN_OR_RETURN(auto token_hash, TokenHashOf(c));
  ASSIGN_OR_RETURN(auto expires, OptionalTime(e.payload, "expires_at"));
  ASSIGN_OR_RETURN(auto previous_until, OptionalTime(e.payload, "previous_until"));
  std::optional<storage::Credential> added;
  if (token_hash) added = storage::Credential{*token_hash, expires};
  return view.RotateToken(a.id, added, previous_until);
}

constexpr EventSpec kSpecs[] = {
    // The first account of a registry is its admin, created by the registry itself.
    {.type = kAccountCreated,
     .family = "accounts",
     .roles = kAdmin,
     .bootstrap = true,
     .apply = Created,
     .keeps_sidecar = true,
     .action = "creates accounts"},
    // A member of the public registers itself: the new account is the actor.
    {.type = kObjectorRegistered,
     .family = "accounts",
     .by_subject = true,
     .apply = ObjectorRegistered,
     .keeps_sidecar = true,
     .action = "registers objectors"},
    {.type = kAccountDisabled,
     .family = "accounts",
     .roles = kAdmin,
     .apply = DisabledOrEnabled,
     .action = "disables accounts"},
    {.type = kAccountEnabled,
     .family = "accounts",
     .roles = kAdmin,
     .apply = DisabledOrEnabled,
     .action = "enables accounts"},
    // An admin rotates any account's token; an account its own.
    {.type = kAccountTokenRotated,
     .family = "accounts",
     .roles = kAdmin,
     .by_subject = true,
     .apply = TokenRotated,
     .keeps_sidecar = true,
     .action = "rotates another account's token"},
};

}  // namespace

std::span<const EventSpec> AccountEventSpecs() { return kSpecs; }

}  // namespace dipr::registry
