// The registrar's prepare steps of the applications family (application_events.h): a draft, its
// edits, submission, withdrawal and reassignment. Each answers the submission to append, or the
// error the API returns; none writes (the sequencer appends, the projector applies).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/status.h"
#include "registry/registrar.h"
#include "storage/store.h"

namespace dipr::registry {

// application.created: a holder's draft from {"fields"...} (docs/API.md "Applications").
Result<Prepared> PrepareCreate(Registrar& registrar, const storage::Account& actor,
                               const nlohmann::json& body);
// application.updated: the applicant edits a draft, or corrects one sent back for correction.
Result<Prepared> PrepareUpdate(Registrar& registrar, const storage::Account& actor,
                               const std::string& id, const nlohmann::json& body);
// application.submitted: to the examiners' queue.
Result<Prepared> PrepareSubmit(Registrar& registrar, const storage::Account& actor,
                               const std::string& id);
// application.withdrawn: before a decision.
Result<Prepared> PrepareWithdraw(Registrar& registrar, const storage::Account& actor,
                                 const std::string& id);

// application.reassigned (admins): {"to": account id, "reason": text} moves an application (or
// the registration `number`) to another holder account of the same holders. The target must be
// an enabled holder account, and every application it holds already must name the same holders
// (the same set of country and identifier pairs) as this one: accounts name no holder, so an
// account stands for the holders of its applications, and one account never comes to stand for
// two different sets. An account that holds nothing yet qualifies.
Result<Prepared> PrepareReassign(Registrar& registrar, const storage::Account& actor,
                                 const std::string& id, const nlohmann::json& body);
Result<Prepared> PrepareReassignRegistration(Registrar& registrar, const storage::Account& actor,
                                             const std::string& number, const nlohmann::json& body);

}  // namespace dipr::registry
