#include "registry/deposit_events.h"

#include "common/hex.h"
#include "fingerprint/fingerprint.h"
#include "registry/event_rules.h"
#include "registry/event_spec.h"
#include "registry/register_view.h"

namespace dipr::registry {
namespace {

// Conflict for a depositor's second deposit of one digest (the view's rule: a deposit is known
// by its depositor and digest).
Status Deposited(RegisterView& view, const EventContext& c) {
  const Event& e = c.event;
  if (!e.payload.contains("fingerprint")) return InvalidArgument("deposit lacks its fingerprint");
  ASSIGN_OR_RETURN(auto fp, fingerprint::FingerprintFromJson(e.payload["fingerprint"]));
  storage::DepositRecord d;
  d.index = c.index;
  d.depositor = e.actor;
  d.digest = HexEncode(fp.digest);
  d.size = fp.size;
  ASSIGN_OR_RETURN(d.title, Str(e.payload, "title"));
  d.time = e.time;
  return view.AddDeposit(d);
}

constexpr EventSpec kSpecs[] = {
    {.type = kDeposit,
     .family = "deposits",
     .roles = kHolder,
     .apply = Deposited,
     .action = "deposits evidence"},
};

}  // namespace

std::span<const EventSpec> DepositEventSpecs() { return kSpecs; }

}  // namespace dipr::registry
