// The registrar's prepare steps of the registrations family (registration_events.h): renewal,
// a change of descriptive fields and its examination, cancellation by the holder, revocation by
// an examiner. Each answers the submission to append, or the error the API returns.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/status.h"
#include "registry/registrar.h"
#include "storage/store.h"

namespace dipr::registry {

// registration.renewed: within the renewal window or its grace; a new certificate whose
// validity starts where the previous one ends.
Result<Prepared> PrepareRenewal(Registrar& registrar, const storage::Account& actor,
                                const std::string& number);
// registration.change_requested: new descriptive fields (not the name, holders, industry or
// deposits) for examination.
Result<Prepared> PrepareChange(Registrar& registrar, const storage::Account& actor,
                               const std::string& number, const nlohmann::json& body);
// registration.change_examined: {"decision": accept|reject, "reason"}; an acceptance issues a
// certificate of the changed record with the same validity.
Result<Prepared> PrepareChangeExamination(Registrar& registrar, const storage::Account& actor,
                                          const std::string& number, const nlohmann::json& body);
// registration.cancelled: by the holder, {"reason"} optional.
Result<Prepared> PrepareCancel(Registrar& registrar, const storage::Account& actor,
                               const std::string& number, const nlohmann::json& body);
// registration.revoked: by an examiner, {"reason"} required.
Result<Prepared> PrepareRevoke(Registrar& registrar, const storage::Account& actor,
                               const std::string& number, const nlohmann::json& body);

}  // namespace dipr::registry
