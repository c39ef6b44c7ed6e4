// The prepare step of the deposits family (deposit_events.h): a holder's evidence deposit of a
// dataset's fingerprint (Registry::ParseDeposit reads the request).
#pragma once

#include "common/status.h"
#include "registry/registry.h"
#include "storage/store.h"

namespace dipr::registry {

// deposit: by a holder. The projection refuses the depositor's second deposit of one digest.
Result<Submission> PrepareDeposit(Registry& registry, const storage::Account& actor,
                                  const DepositRequest& req);

}  // namespace dipr::registry
