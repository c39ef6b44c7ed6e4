// The prepare steps of the accounts family (account_events.h): accounts made by an admin, an
// objector's self-registration, disabling and enabling, token rotation. Each answers the new
// account's token (where one is minted) and the submission to append; the account exists once
// the submission is appended. What must stay private (token hashes, an objector's identity)
// travels in the entry's sidecar, never in the log (docs/FORMATS.md §2).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

#include "common/status.h"
#include "registry/registry.h"
#include "storage/store.h"

namespace dipr::registry {

// account.created: {"name", "role"} by an admin. The token is minted here.
Result<std::pair<NewAccount, Submission>> PrepareAccount(Registry& registry,
                                                         const storage::Account& actor,
                                                         const nlohmann::json& body);
// account.disabled / account.enabled with {"reason"}: admins; Conflict when it is so already,
// PermissionDenied for an admin's own account.
Result<Submission> PrepareDisable(Registry& registry, const storage::Account& actor,
                                  const std::string& id, const nlohmann::json& body, bool disable);
// account.token_rotated: a new token for the account (admins, or the account itself; a
// disabled account's too, by an admin), with {"grace_seconds","expires_at","ttl_seconds"} all
// optional: the old tokens are revoked at once, or work grace_seconds more; the new one works
// until expires_at, or for ttl_seconds.
Result<std::pair<NewAccount, Submission>> PrepareRotation(Registry& registry,
                                                          const storage::Account& actor,
                                                          const std::string& id,
                                                          const nlohmann::json& body);
// objector.registered: POST /v1/objectors, no account needed.
// {"name","contact","id_type","id_number"}; the identity stays out of the log (a commitment).
Result<std::pair<NewAccount, Submission>> PrepareObjector(Registry& registry,
                                                          const nlohmann::json& body);

}  // namespace dipr::registry
